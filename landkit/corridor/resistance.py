"""Resistance surfaces (阻力面) for the minimum cumulative resistance model (MCR, 最小累积阻力).

The resistance of a cell is a weighted sum of factor scores (1 easy – 10 hard), cheaper on existing
roads and infinite on barriers:

.. math::

    R(v) = \\begin{cases}
        \\infty & v \\in \\text{barrier} \\setminus \\text{road} \\\\
        \\rho\\, \\sum_f w_f\\, s_f(v) & v \\in \\text{road} \\\\
        \\sum_f w_f\\, s_f(v) & \\text{otherwise}
    \\end{cases}

with factors :math:`f` ∈ {slope, land-use group, 生态保护红线, 耕地等别, 永久基本农田}, class tables
:math:`s_f` and weights :math:`w_f` (:math:`\\sum_f w_f = 1`) from the ``corridor.*`` parameters, and
the road factor :math:`\\rho = c_{upgrade} / c_{build}` (upgrading an existing road instead of
building a new one). Barriers are water (rivers, their water surface) and the railway, except where a
road crosses them (bridges, level crossings); cells outside the town boundary are barriers too.
The accumulated cost of a path (:mod:`landkit.corridor.costdist`) is then in score × metres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from rasterio.features import rasterize

from landkit._errors import Problem, ValidationError
from landkit.corridor.result import plot_routes
from landkit.io import check_raster, read_raster, slope_deg
from landkit.landuse import GROUP_LABELS
from landkit.town import Town

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.figure import Figure

#: Factor keys of ``corridor.resistance_weights``, in a fixed order.
FACTORS: tuple[str, ...] = ("slope", "landuse", "ecology", "farmland_grade", "basic_farmland")
FACTOR_LABELS: dict[str, str] = {
    "slope": "坡度", "landuse": "土地利用", "ecology": "生态保护红线", "farmland_grade": "耕地等别",
    "basic_farmland": "永久基本农田",
}
#: Barrier kinds understood by :func:`resistance_surface`.
BARRIER_KINDS: tuple[str, ...] = ("water", "railway", "levee", "basic_farmland", "ecology", "outside_town")
GROUPS: tuple[str, ...] = tuple(GROUP_LABELS)


@dataclass
class ResistanceSurface:
    """A resistance raster in the town CRS, with what it was made of.

    Attributes
    ----------
    values : ndarray
        Resistance per metre (score), ``inf`` on barriers.
    transform : affine.Affine
        North-up grid transform (rasterio convention).
    crs : pyproj.CRS
    factors : dict of str to ndarray
        Factor scores :math:`s_f` per cell (1–10).
    landuse : ndarray of int
        Index into :data:`GROUPS` of each cell's land-use group (−1 outside every parcel).
    on_road : ndarray of bool
        Cells on an existing road (cheap: upgrade instead of build).
    barrier : ndarray of bool
        Cells no path may enter.
    notes : list of str
        What was assumed in building it.
    """

    values: np.ndarray
    transform: Any
    crs: Any
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    landuse: np.ndarray | None = None
    on_road: np.ndarray | None = None
    barrier: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.values.shape

    @property
    def cellsize(self) -> float:
        """Cell size in metres (square cells)."""
        return float(abs(self.transform.a))

    def cell_of(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points ``(x, y)`` (town CRS metres)."""
        t = self.transform
        col = (np.asarray(x, dtype=float) - t.c) / t.a
        row = (np.asarray(y, dtype=float) - t.f) / t.e
        return np.floor(row).astype("int64"), np.floor(col).astype("int64")

    def xy_of(self, rows: Any, cols: Any) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of cell centres."""
        t = self.transform
        x = t.c + t.a * (np.asarray(cols, dtype=float) + 0.5)
        y = t.f + t.e * (np.asarray(rows, dtype=float) + 0.5)
        return x, y

    def snap_cell(self, x: float, y: float, *, max_distance_m: float = 300.0, name: str = "point") -> tuple[int, int]:
        """The passable cell nearest to ``(x, y)``: the point's own cell when it is passable.

        Raises
        ------
        ValidationError
            The point lies outside the grid, or no passable cell lies within ``max_distance_m``.
        """
        r, c = (int(v) for v in self.cell_of(x, y))
        nrows, ncols = self.shape
        if not (0 <= r < nrows and 0 <= c < ncols):
            raise ValidationError("resistance surface", [Problem(
                name, f"({x:,.1f}, {y:,.1f}) lies outside the raster", "use a point inside the town", "outside")])
        k = int(np.ceil(max_distance_m / self.cellsize))
        r0, r1, c0, c1 = max(0, r - k), min(nrows, r + k + 1), max(0, c - k), min(ncols, c + k + 1)
        win = np.isfinite(self.values[r0:r1, c0:c1])
        if not win.any():
            raise ValidationError("resistance surface", [Problem(
                name, f"({x:,.1f}, {y:,.1f}) and every cell within {max_distance_m:g} m are barriers",
                "move the point, or relax the barriers", "on_barrier")])
        rr, cc = np.nonzero(win)
        d2 = (rr + r0 - r) ** 2 + (cc + c0 - c) ** 2
        i = int(np.argmin(d2))
        return int(rr[i] + r0), int(cc[i] + c0)

    def with_barrier(self, mask: np.ndarray, *, note: str = "") -> ResistanceSurface:
        """A copy with more barrier cells (``mask`` True) — e.g. outside a search band."""
        if mask.shape != self.shape:
            raise ValidationError("resistance surface", [Problem("mask", f"has shape {mask.shape}, the surface "
                                                                 f"{self.shape}", "", "shape")])
        values = np.where(mask, np.inf, self.values)
        barrier = mask if self.barrier is None else (self.barrier | mask)
        return replace(self, values=values, barrier=barrier, notes=[*self.notes, *([note] if note else [])])

    def rasterize(self, geoms: Any, *, all_touched: bool = False, values: Any = None, fill: float = 0,
                  dtype: str = "uint8") -> np.ndarray:
        """Burn geometries onto this grid (``values`` per geometry, default 1)."""
        return _burn(geoms, self.shape, self.transform, all_touched=all_touched, values=values, fill=fill,
                     dtype=dtype)

    def plot(self, *, ax: Any = None, sites: gpd.GeoDataFrame | None = None,
             routes: Mapping[str, gpd.GeoDataFrame] | None = None, title: str = "最小累积阻力面与线路",
             boundary: gpd.GeoDataFrame | None = None, figsize: tuple[float, float] = (11, 9)) -> Figure:
        """Map of the resistance surface with sites and routes: legend, scale bar, north arrow."""
        return plot_routes(self, routes=routes or {}, sites=sites, boundary=boundary, ax=ax, title=title,
                           figsize=figsize)


def _burn(geoms: Any, shape: tuple[int, int], transform: Any, *, all_touched: bool, values: Any = None,
          fill: float = 0, dtype: str = "uint8") -> np.ndarray:
    """Rasterise ``geoms`` (``values`` per geometry, default 1) onto a grid."""
    geoms = [g for g in np.asarray(geoms, dtype=object).ravel() if g is not None and not g.is_empty]
    if values is None:
        shapes = [(g, 1) for g in geoms]
    else:
        shapes = list(zip(geoms, np.asarray(values).ravel(), strict=False))
    if not shapes:
        return np.full(shape, fill, dtype=dtype)
    return np.asarray(rasterize(shapes, out_shape=shape, transform=transform, fill=fill, all_touched=all_touched,
                                dtype=dtype))


def _classify(values: np.ndarray, breaks: Sequence[float], scores: Sequence[float]) -> np.ndarray:
    """The score of each value's class (``values < breaks[0]`` → ``scores[0]``, …)."""
    return np.asarray(np.asarray(scores, dtype=float)[np.digitize(values, np.asarray(breaks, dtype=float))])


def _check_tables(p: Mapping[str, Any]) -> None:
    problems = []
    w = p["weights"]
    missing = [f for f in FACTORS if f not in w]
    if missing:
        problems.append(Problem("corridor.resistance_weights", f"lacks {', '.join(missing)}",
                                f"give a weight for each of {', '.join(FACTORS)}", "parameter"))
    elif any(float(v) < 0 for v in w.values()) or not np.isclose(sum(float(w[f]) for f in FACTORS), 1.0, atol=1e-6):
        problems.append(Problem("corridor.resistance_weights", f"weights {dict(w)} must be ≥ 0 and sum to 1",
                                "rescale them", "parameter"))
    lu = p["landuse"]
    miss = [g for g in GROUPS if g not in lu]
    if miss:
        problems.append(Problem("corridor.landuse_resistance", f"lacks land-use group(s) {', '.join(miss)}",
                                "give a score for every group of landkit.landuse.GROUP_LABELS", "parameter"))
    for key, table, kb, ks in (("corridor.slope_resistance", p["slope"], "breaks_deg", "resistance"),
                               ("corridor.farmland_grade_resistance", p["grade"], "breaks_grade", "resistance")):
        if len(table[ks]) != len(table[kb]) + 1:
            problems.append(Problem(key, f"needs one more score than breaks ({len(table[kb])} breaks, "
                                    f"{len(table[ks])} scores)", "", "parameter"))
    if not (0 < p["road_factor"] <= 1):
        problems.append(Problem("corridor.road_upgrade_cost", f"upgrade/build cost ratio {p['road_factor']:.3g} "
                                "is outside (0, 1]", "upgrading must cost less than building", "parameter"))
    if problems:
        raise ValidationError("corridor parameters", problems)


def resistance_surface(
    town: Town,
    *,
    dem: Any = None,
    weights: Mapping[str, float] | None = None,
    barriers: Sequence[str] = ("water", "railway", "outside_town"),
) -> ResistanceSurface:
    """Build the MCR resistance surface of a town on its DEM grid (see the module docstring).

    Parameters
    ----------
    town : landkit.Town
        Parcels (``landuse_group``, ``farmland_grade``) and layers ``roads``, ``river``,
        ``river_area``, ``railway``, ``levee``, ``STBHHX``, ``YJJBNTBHTB``, ``XZQ`` (those present).
    dem : path, optional
        DEM GeoTIFF (default ``town.dem_path``); its grid is the surface's grid.
    weights : mapping, optional
        Factor weights overriding ``corridor.resistance_weights`` (keys :data:`FACTORS`, sum 1).
    barriers : sequence of str
        Barrier kinds from :data:`BARRIER_KINDS`. Roads cross ``water``, ``railway`` and ``levee``
        (bridges, crossings, ramps); ``basic_farmland``, ``ecology`` and ``outside_town`` are
        absolute.

    Raises
    ------
    ValidationError
        No DEM, a DEM in another CRS, unknown barrier kinds, or bad parameter tables.
    """
    par = town.params
    tables = {
        "slope": par["corridor.slope_resistance"], "landuse": par["corridor.landuse_resistance"],
        "ecology": par["corridor.ecology_resistance"], "basic": par["corridor.basic_farmland_resistance"],
        "grade": par["corridor.farmland_grade_resistance"],
        "weights": dict(weights) if weights is not None else par["corridor.resistance_weights"],
        "road_factor": float(par["corridor.road_upgrade_cost"]) / float(par["corridor.road_build_cost"]),
    }
    problems = []
    unknown = [b for b in barriers if b not in BARRIER_KINDS]
    if unknown:
        problems.append(Problem("barriers", f"unknown kind(s) {unknown}", f"choose from {BARRIER_KINDS}", "value"))
    dem = dem if dem is not None else town.dem_path
    if dem is None:
        problems.append(Problem("dem", "the town has no DEM and none was given",
                                "pass dem='dem.tif' (slope is a resistance factor)", "missing"))
    if problems:
        raise ValidationError("resistance_surface", problems)
    _check_tables(tables)
    check_raster(dem, town_crs=town.crs)
    z, info = read_raster(dem)
    shape, transform = z.shape, info.transform
    notes: list[str] = []

    parcels = town.parcels
    geoms = np.asarray(parcels.geometry.values)
    code = parcels["landuse_group"].map({g: i for i, g in enumerate(GROUPS)}).fillna(-1).astype(int).to_numpy()
    landuse = _burn(geoms, shape, transform, all_touched=False, values=code, fill=-1, dtype="int16")
    grade = parcels["farmland_grade"].to_numpy(dtype=float)
    has = np.isfinite(grade)
    grade_r = _burn(geoms[has], shape, transform, all_touched=False, values=grade[has], fill=np.nan,
                    dtype="float64")

    def layer_mask(key: str, *, all_touched: bool = False, buffer_m: float = 0.0) -> np.ndarray:
        lyr = town.layers.get(key)
        if lyr is None or len(lyr) == 0:
            notes.append(f"layer {key} missing: not used")
            return np.zeros(shape, bool)
        g = lyr.geometry.buffer(buffer_m).to_numpy() if buffer_m > 0 else lyr.geometry.to_numpy()
        return _burn(g, shape, transform, all_touched=all_touched).astype(bool)

    slope = slope_deg(z, info.res)
    lu_scores = np.array([float(tables["landuse"][g]) for g in GROUPS] + [float(max(tables["landuse"].values()))])
    f_landuse = lu_scores[np.where(landuse >= 0, landuse, len(GROUPS))]
    eco = layer_mask("STBHHX")
    basic = layer_mask("YJJBNTBHTB")
    g_tab = tables["grade"]
    f_grade = np.where(np.isfinite(grade_r), _classify(np.nan_to_num(grade_r, nan=99.0), g_tab["breaks_grade"],
                                                        g_tab["resistance"]), float(g_tab["not_farmland"]))
    factors = {
        "slope": _classify(np.nan_to_num(slope, nan=0.0), tables["slope"]["breaks_deg"],
                           tables["slope"]["resistance"]),
        "landuse": f_landuse,
        "ecology": np.where(eco, float(tables["ecology"]["inside"]), float(tables["ecology"]["outside"])),
        "farmland_grade": f_grade,
        "basic_farmland": np.where(basic, float(tables["basic"]["inside"]), float(tables["basic"]["outside"])),
    }
    w = tables["weights"]
    values = sum(float(w[f]) * factors[f] for f in FACTORS)

    roads = town.layers.get("roads")
    if roads is not None and len(roads):
        width = roads["width_m"].to_numpy(dtype=float) if "width_m" in roads else np.full(len(roads), 6.0)
        on_road = _burn(roads.geometry.buffer(np.maximum(width, 1.0) / 2).to_numpy(), shape, transform,
                        all_touched=True).astype(bool)
    else:
        on_road = np.zeros(shape, bool)
        notes.append("layer roads missing: no cheap upgrade of existing roads")
    values = np.where(on_road, values * tables["road_factor"], values)

    barrier = np.zeros(shape, bool)
    if "water" in barriers:
        barrier |= layer_mask("river_area", all_touched=True) | layer_mask("river", all_touched=True)
    if "railway" in barriers:
        barrier |= layer_mask("railway", all_touched=True)
    if "levee" in barriers:
        barrier |= layer_mask("levee", all_touched=True,
                              buffer_m=float(par["corridor.levee_body_width"]) / 2)
    barrier &= ~on_road  # bridges, crossings and ramps
    if "basic_farmland" in barriers:
        barrier |= basic
    if "ecology" in barriers:
        barrier |= eco
    if "outside_town" in barriers:
        barrier |= ~layer_mask("XZQ", all_touched=True) if "XZQ" in town.layers else landuse < 0
    barrier |= ~np.isfinite(z)
    values = np.where(barrier, np.inf, values)
    notes.append(f"road factor ρ = {tables['road_factor']:.3g} (upgrade / build cost)")
    return ResistanceSurface(values=values, transform=transform, crs=town.crs, factors=factors, landuse=landuse,
                             on_road=on_road, barrier=barrier, notes=notes)
