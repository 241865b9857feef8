r"""Construction suitability (建设用地适宜性): factors, standardisation, vetoes, AHP weights, overlay.

Each factor :math:`f` is standardised to a score :math:`s_f \in [0, 100]` (linear, sigmoid/fuzzy, or a
class table such as slope > 15° = 40, 8–15° = 60, 2–8° = 80, 0–2° = 100), and the suitability is the
weighted linear combination, NaN under a veto:

.. math::

    S(c) = \begin{cases} \text{NaN} & c \in \text{veto} \\ \sum_f w_f\, s_f(c) & \text{otherwise}
    \end{cases}, \qquad \sum_f w_f = 1.

Weights come from an AHP pairwise matrix :math:`A` (Saaty): :math:`w` is the principal eigenvector
normalised to sum 1, :math:`\lambda_{max}` its eigenvalue, :math:`CI = (\lambda_{max} - n)/(n - 1)` and
:math:`CR = CI / RI_n` with Saaty's random index; a matrix with :math:`CR \ge 0.1` is rejected.

Vetoes for industrial parks (DOMAIN.md, 三区三线): 永久基本农田, 生态保护红线, 饮用水水源保护区, the 祊河 flood
zone, and for a chemical park a buffer (``siting.chemical_buffer_housing``) around housing
(settlements, homestead and urban-residential parcels) and schools.

Rasters larger than memory go through :func:`suitability_raster`, which reads and writes in row blocks
(rasterio windows) with GDAL's cache capped, and replaces its output atomically.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from matplotlib.patches import Patch
from rasterio.features import rasterize
from rasterio.windows import Window
from scipy.ndimage import distance_transform_edt

from landkit._errors import Problem, ValidationError
from landkit.atomic import atomic_path
from landkit.io import GDAL_CACHEMAX_MB, RasterInfo, read_raster, slope_deg, zonal_mean
from landkit.params import Parameters
from landkit.plot import finish_map, new_axes
from landkit.town import Town

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Saaty's random consistency index for n = 1..10.
SAATY_RI: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
#: CR at or above which an AHP matrix is rejected.
MAX_CR = 0.1
FACTOR_LABELS: dict[str, str] = {
    "slope": "坡度", "road": "距道路", "railway": "距铁路", "settlement": "距居民点", "landuse": "用地兼容性",
    "farmland_grade": "耕地等别",
}
VETO_LABELS: dict[str, str] = {
    "basic_farmland": "永久基本农田", "ecology": "生态保护红线", "water_source": "饮用水水源保护区",
    "agriculture_zone": "现代农业示范区", "tianyuan": "田园综合体", "flood": "祊河洪泛区",
    "housing_buffer": "学校防护距离", "water": "水域",
}


# ----------------------------------------------------------------------------- standardisation
@dataclass(frozen=True)
class Linear:
    """Score 0 at ``lo`` rising linearly to 100 at ``hi`` (falling when ``increasing=False``), clipped."""

    lo: float
    hi: float
    increasing: bool = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        t = np.clip((np.asarray(x, float) - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        return 100.0 * (t if self.increasing else 1.0 - t)


@dataclass(frozen=True)
class Sigmoid:
    """Fuzzy membership :math:`100 / (1 + e^{-(x - m)/s})` (mirrored when ``increasing=False``)."""

    midpoint: float
    spread: float
    increasing: bool = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, float) - self.midpoint) / self.spread
        z = z if self.increasing else -z
        return 100.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


@dataclass(frozen=True)
class ClassTable:
    """Scores by class: ``x < breaks[0]`` → ``scores[0]``, …, ``x ≥ breaks[-1]`` → ``scores[-1]``.

    A value on a break goes to the lower class (slope 2° scores as 0–2°), as in "0–2° = 100".
    """

    breaks: tuple[float, ...]
    scores: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.scores) != len(self.breaks) + 1 or list(self.breaks) != sorted(self.breaks):
            raise ValidationError("ClassTable", [Problem(
                "breaks/scores", f"{len(self.breaks)} breaks and {len(self.scores)} scores",
                "give increasing breaks and one score more than breaks", "bad_table")])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        arr = np.asarray(x, float)
        out = np.asarray(self.scores, float)[np.searchsorted(np.asarray(self.breaks, float), arr, side="left")]
        return np.where(np.isnan(arr), np.nan, out)


Standardiser = Callable[[np.ndarray], np.ndarray]


# ----------------------------------------------------------------------------- AHP
def ahp_weights(matrix: Sequence[Sequence[float]] | np.ndarray, *,
                random_index: Sequence[float] = SAATY_RI) -> tuple[np.ndarray, float]:
    r"""AHP weights and consistency ratio of a pairwise comparison matrix (Saaty).

    .. math::

        A w = \lambda_{max} w, \quad \sum w = 1, \quad CI = \frac{\lambda_{max} - n}{n - 1}, \quad
        CR = \frac{CI}{RI_n}

    Parameters
    ----------
    matrix : (n, n) array
        :math:`a_{ij}` = importance of factor :math:`i` over :math:`j` (1–9 scale), positive, with
        :math:`a_{ii} = 1` and :math:`a_{ji} = 1 / a_{ij}` (checked to 1e-3 relative).
    random_index : sequence of float
        :math:`RI_n` for n = 1, 2, …; Saaty's table by default.

    Returns
    -------
    weights : ndarray
        Principal eigenvector normalised to sum 1.
    consistency_ratio : float
        :math:`CR` (0 for n ≤ 2).

    Raises
    ------
    ValidationError
        Not square, not positive, not reciprocal, n beyond the RI table, or :math:`CR \ge 0.1` (the
        CR is in the message).
    """
    a = np.asarray(matrix, dtype=float)
    problems: list[Problem] = []
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValidationError("AHP matrix", [Problem("matrix", f"shape {a.shape} is not square",
                                                     "give an n × n pairwise matrix", "shape")])
    n = a.shape[0]
    if not (np.isfinite(a).all() and (a > 0).all()):
        problems.append(Problem("matrix", "entries must be positive numbers", "use Saaty's 1–9 scale and "
                                "reciprocals", "not_positive"))
    else:
        if not np.allclose(np.diag(a), 1.0):
            problems.append(Problem("matrix", f"diagonal {np.diag(a).round(3).tolist()} is not all 1",
                                    "a factor compared with itself is 1", "diagonal"))
        bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-3))
        if len(bad):
            i, j = bad[0]
            problems.append(Problem(f"matrix[{i}][{j}]", f"a[{i}][{j}] × a[{j}][{i}] = {a[i, j] * a[j, i]:.4g}, "
                                    "not 1", f"set a[{j}][{i}] = 1/a[{i}][{j}]", "not_reciprocal"))
    if n > len(random_index):
        problems.append(Problem("matrix", f"{n} factors; the random index is known for n ≤ {len(random_index)}",
                                "compare fewer factors", "too_many"))
    if problems:
        raise ValidationError("AHP matrix", problems)
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    lam = float(vals[k].real)
    ri = float(random_index[n - 1])
    cr = 0.0 if n <= 2 or ri == 0 else max(0.0, (lam - n) / (n - 1) / ri)
    if cr >= MAX_CR:
        raise ValidationError("AHP matrix", [Problem(
            "matrix", f"consistency ratio CR = {cr:.3f} ≥ {MAX_CR} (λmax = {lam:.3f}, n = {n})",
            "revise the judgements until CR < 0.1 (the most inconsistent triple a_ij·a_jk vs a_ik first)",
            "inconsistent")])
    return w, cr


def weighted_overlay(scores: Mapping[str, np.ndarray], weights: Mapping[str, float],
                     veto: np.ndarray | None = None) -> np.ndarray:
    """:math:`\\sum_f w_f s_f`, NaN under ``veto``; weights must cover the scores and sum to 1."""
    missing = sorted(set(scores) ^ set(weights))
    total = float(sum(weights.values()))
    problems = []
    if missing:
        problems.append(Problem("weights", f"factors without a weight or score: {missing}",
                                "give one weight per factor", "mismatch"))
    if not np.isclose(total, 1.0, atol=1e-6):
        problems.append(Problem("weights", f"weights sum to {total:.6g}", "normalise them to 1", "sum"))
    if problems:
        raise ValidationError("weighted overlay", problems)
    out = sum(float(weights[f]) * np.asarray(scores[f], float) for f in scores)
    out = np.asarray(out, dtype=float)
    if veto is not None:
        out = np.where(veto, np.nan, out)
    return out


def suitability_raster(factors: Mapping[str, str | os.PathLike[str]], standardisers: Mapping[str, Standardiser],
                       weights: Mapping[str, float], out_path: str | os.PathLike[str], *,
                       veto: str | os.PathLike[str] | None = None, block_rows: int = 256) -> None:
    """Suitability GeoTIFF from factor rasters on one grid, block by block (memory-bounded).

    Reads ``block_rows`` rows of every factor at a time (rasterio windows), standardises, combines
    (:func:`weighted_overlay`), writes the block; GDAL's cache is capped at
    :data:`landkit.io.GDAL_CACHEMAX_MB`. Output: float32, nodata NaN (vetoed or any factor nodata),
    tiled and deflate-compressed, written to a temporary file and moved into place.

    Parameters
    ----------
    factors : mapping of str to path
        One raster per factor, all on the same grid.
    standardisers : mapping of str to callable
        Raw value → score 0–100 (:class:`Linear`, :class:`Sigmoid`, :class:`ClassTable`).
    weights : mapping of str to float
        Sum to 1 (e.g. from :func:`ahp_weights`).
    out_path : path
    veto : path, optional
        A raster whose non-zero cells are vetoed.
    block_rows : int
    """
    paths = dict(factors)
    if veto is not None:
        paths["__veto__"] = veto
    missing = sorted(set(factors) - set(standardisers))
    if missing:
        raise ValidationError("suitability raster", [Problem("standardisers", f"none for {missing}",
                                                             "give one per factor", "mismatch")])
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHEMAX_MB):
        srcs = {k: rasterio.open(p) for k, p in paths.items()}
        try:
            first = next(iter(srcs.values()))
            off = [k for k, s in srcs.items() if (s.shape, s.transform) != (first.shape, first.transform)]
            if off:
                raise ValidationError("suitability raster", [Problem(
                    f"raster {k}", f"grid {srcs[k].shape} {srcs[k].transform} differs from {first.shape}",
                    "resample every factor to one grid", "grid") for k in off])
            profile = {"driver": "GTiff", "height": first.height, "width": first.width, "count": 1,
                       "dtype": "float32", "crs": first.crs, "transform": first.transform, "nodata": np.nan,
                       "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
            with atomic_path(out_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
                for r0 in range(0, first.height, block_rows):
                    win = Window(0, r0, first.width, min(block_rows, first.height - r0))
                    scores = {}
                    for k in factors:
                        raw = srcs[k].read(1, window=win, masked=True).astype("float32").filled(np.nan)
                        scores[k] = standardisers[k](raw).astype("float32")
                    vmask = srcs["__veto__"].read(1, window=win) != 0 if veto is not None else None
                    block = weighted_overlay(scores, weights, vmask)
                    dst.write(block.astype("float32"), 1, window=win)
        finally:
            for s in srcs.values():
                s.close()


# ----------------------------------------------------------------------------- the town's surface
@dataclass
class Suitability:
    """A suitability surface of a town for one kind of park, with what it is made of.

    Attributes
    ----------
    park : str
        ``"chemical"`` or ``"wood"``.
    score : ndarray
        Suitability 0–100 on the DEM grid, NaN where vetoed or outside the town.
    factors : dict of str to ndarray
        Factor scores :math:`s_f`.
    weights : dict of str to float
    consistency_ratio : float
    vetoes : dict of str to ndarray of bool
    transform, crs
        The grid.
    parcels : DataFrame
        Per parcel (index BSM): mean score and factor scores, ``vetoed`` and the veto reasons.
    notes : list of str
    geometry : GeoSeries, optional
        The parcels' polygons (index BSM, town CRS), for :meth:`to_parcel_scores` to a GeoPackage.
    requires : DataFrame, optional
        ``parcel, requires``: a park on ``parcel`` must also take the housing parcel ``requires``
        (relocated), which lies within the chemical park's buffer of it.
    """

    park: str
    score: np.ndarray
    factors: dict[str, np.ndarray]
    weights: dict[str, float]
    consistency_ratio: float
    vetoes: dict[str, np.ndarray]
    transform: Any
    crs: Any
    parcels: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    geometry: gpd.GeoSeries | None = None
    requires: pd.DataFrame | None = None

    def to_geotiff(self, path: str | os.PathLike[str]) -> None:
        """Write the score as a float32 GeoTIFF (nodata NaN), atomically."""
        h, w = self.score.shape
        with atomic_path(path) as tmp, rasterio.open(tmp, "w", driver="GTiff", height=h, width=w, count=1,
                                                      dtype="float32", crs=self.crs, transform=self.transform,
                                                      nodata=np.nan) as dst:
            dst.write(self.score.astype("float32"), 1)

    def parcel_scores(self) -> pd.DataFrame:
        """Per-parcel scores with Chinese headings (index 地块编号 BSM), as written by :meth:`to_parcel_scores`.

        Columns: 适宜性得分(0–100) (:math:`\\bar S_i`, the area mean of :math:`S` over the parcel, vetoes
        ignored), one 得分(0–100) column per factor (:math:`\\bar s_{f,i}`), 是否否决 and 否决原因.
        """
        t = self.parcels
        out = pd.DataFrame({"适宜性得分(0–100)": t["score"].round(2)}, index=t.index.rename("地块编号"))
        for f in self.weights:
            out[f"{FACTOR_LABELS.get(f, f)}得分(0–100)"] = t[f"s_{f}"].round(2)
        out["是否否决"] = t["vetoed"].map({True: "是", False: "否"})
        out["否决原因"] = t["veto_reasons"]
        return out

    def to_parcel_scores(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`parcel_scores` atomically: ``.csv`` (UTF-8 with BOM, opens in Excel) or ``.gpkg``.

        A GeoPackage gets one layer ``parcel_scores`` with the parcels' polygons (needs :attr:`geometry`,
        which :func:`town_suitability` sets).

        Raises
        ------
        ValidationError
            Another suffix, or a GeoPackage without parcel geometry.
        """
        suffix = os.fspath(path).lower().rsplit(".", 1)[-1]
        table = self.parcel_scores()
        if suffix == "csv":
            with atomic_path(path) as tmp:
                table.to_csv(tmp, encoding="utf-8-sig")
            return
        if suffix != "gpkg" or self.geometry is None:
            why = (f"cannot write {os.fspath(path)!r}: use a .csv or .gpkg file" if suffix != "gpkg"
                   else "no parcel geometry on this surface, so no GeoPackage")
            raise ValidationError("parcel scores", [Problem("path", why, "write a .csv, or build the surface "
                                                            "with town_suitability (it keeps the polygons)",
                                                            "bad_output")])
        layer = gpd.GeoDataFrame(table.reset_index(), geometry=self.geometry.reindex(table.index).to_numpy(),
                                 crs=self.geometry.crs)
        with atomic_path(path) as tmp:
            layer.to_file(tmp, layer="parcel_scores", driver="GPKG")

    def weights_table(self) -> pd.DataFrame:
        """Factor weights with their Chinese names."""
        return pd.DataFrame({"因子": [FACTOR_LABELS.get(f, f) for f in self.weights],
                             "权重": [round(w, 4) for w in self.weights.values()]}, index=list(self.weights))

    def plot(self, *, sites: gpd.GeoDataFrame | None = None, boundary: gpd.GeoDataFrame | None = None,
             title: str | None = None) -> Figure:
        """Map of the surface with a colour bar, vetoed cells grey, optional site outlines; legend, scale, north.

        Cells outside the town (and without data) stay blank; only cells under a veto are drawn grey.
        """
        fig, ax = new_axes((9, 7))
        h, w = self.score.shape
        t = self.transform
        extent = (t.c, t.c + w * t.a, t.f + h * t.e, t.f)
        vetoed = np.logical_or.reduce(list(self.vetoes.values())) if self.vetoes else np.zeros((h, w), bool)
        ax.imshow(np.where(np.isnan(self.score) & vetoed, 1.0, np.nan), extent=extent, cmap="Greys", vmin=0,
                  vmax=4)
        im = ax.imshow(self.score, extent=extent, cmap="RdYlGn", vmin=0, vmax=100)
        fig.colorbar(im, ax=ax, shrink=0.6, label="适宜性得分 (0–100)")
        handles = [Patch(facecolor="#dddddd", label="禁止建设 (否决)")]
        if boundary is not None:
            boundary.boundary.plot(ax=ax, color="black", lw=0.8)
        if sites is not None and len(sites):
            colours = ["#1f3b99", "#8a1c7c", "#005f5f", "#b35900"]
            for k, (name, row) in enumerate(sites.iterrows()):
                c = colours[k % len(colours)]
                sites.loc[[name]].boundary.plot(ax=ax, color=c, lw=2.2)
                handles.append(Patch(facecolor="none", edgecolor=c, lw=2, label=str(row.get("名称", name))))
        finish_map(ax, title=title or f"{'化工园区' if self.park == 'chemical' else '木业集群'}建设适宜性",
                   legend_handles=handles, legend_title="图例")
        return fig


def _factor_matrix(params: Parameters, ahp: Sequence[Sequence[float]] | None) -> tuple[list[str], np.ndarray]:
    names = list(params["siting.suitability_factors"])
    a = np.asarray(ahp if ahp is not None else params["siting.suitability_ahp"], float)
    if a.shape != (len(names), len(names)):
        raise ValidationError("suitability", [Problem("AHP matrix", f"shape {a.shape} for factors {names}",
                                                      f"give a {len(names)} × {len(names)} matrix", "shape")])
    return names, a


def _weights(params: Parameters, ahp_matrix: Sequence[Sequence[float]] | None, park: str
             ) -> tuple[list[str], dict[str, float], float]:
    """Factor names, their weights and the consistency ratio (the provincial criteria for a chemical park)."""
    # landkit.siting imports this module (siting.parks) before its rules are reachable from here
    from landkit.siting.rules import criteria_weights  # noqa: PLC0415  cycle with landkit.siting (parks)

    names, a = _factor_matrix(params, ahp_matrix)
    w, cr = ahp_weights(a, random_index=params["siting.ahp_random_index"])
    weights = dict(zip(names, (float(x) for x in w), strict=True))
    if park == "chemical" and ahp_matrix is None:  # the provincial evaluation's five criteria
        weights, cr = criteria_weights(params, names), 0.0
    return names, weights, cr


def _buffer(params: Parameters, buffer_m: float | None) -> float:
    """The chemical park's buffer from housing and schools (m), checked."""
    buffer = float(params["siting.chemical_buffer_housing"] if buffer_m is None else buffer_m)
    if not np.isfinite(buffer) or buffer < 0:
        raise ValidationError("suitability", [Problem("buffer_m", f"{buffer_m!r}", "give metres ≥ 0", "bad_buffer")])
    return buffer


def _town_dem(town: Town) -> tuple[np.ndarray, RasterInfo]:
    """The town's own DEM as floats (NaN for nodata) and its grid; refused when the town has none."""
    dem_path = getattr(town, "dem_path", None)
    if dem_path is None:  # never another town's terrain: slope is a factor and the DEM is the grid
        raise ValidationError("suitability", [Problem(
            "dem", f"the town {getattr(town, 'name', '')} has no DEM", "give one (landkit init --dem, "
            "Town.from_files(dem=...)): slope is a suitability factor and the DEM's grid is the surface's grid",
            "missing")])
    dem, info = read_raster(dem_path)
    return np.ma.filled(np.ma.asarray(dem, dtype=float), np.nan), info


@dataclass
class _Grid:
    """The town and its DEM grid, on which every factor and veto of :func:`town_suitability` is burnt;
    ``notes`` collects the layers found missing."""

    town: Town
    shape: tuple[int, int]
    transform: Any
    notes: list[str] = field(default_factory=list)

    def burn(self, geoms: Any, value: Any = 1, fill: float = 0, dtype: str = "uint8") -> np.ndarray:
        """Rasterise ``geoms`` (one ``value`` or one per geometry) onto the grid."""
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.full(self.shape, fill, dtype=dtype)
        shapes = zip(geoms, value, strict=True) if np.ndim(value) else ((g, value) for g in geoms)
        return np.asarray(rasterize(shapes, out_shape=self.shape, transform=self.transform, fill=fill, dtype=dtype))

    def layer(self, key: str) -> gpd.GeoDataFrame | None:
        """The town's layer ``key``, or None (noted) when it is missing or empty."""
        lyr = self.town.layers.get(key)
        if lyr is None or len(lyr) == 0:
            self.notes.append(f"layer {key} missing: not used")
            return None
        return lyr

    def distance(self, geoms: Any) -> np.ndarray:
        """Metres from each cell to the nearest of ``geoms`` (inf without any)."""
        hit = self.burn(geoms) > 0
        if not hit.any():
            return np.full(self.shape, np.inf)
        return np.asarray(distance_transform_edt(~hit)) * float(abs(self.transform.a))

    def distance_to(self, key: str) -> np.ndarray:
        """Metres from each cell to layer ``key`` (inf when the layer is missing)."""
        lyr = self.layer(key)
        return np.full(self.shape, np.inf) if lyr is None else self.distance(lyr.geometry.to_numpy())


def _linear(bounds: Sequence[float], *, increasing: bool) -> Linear:
    """A :class:`Linear` score between the two ``siting.distance_ranges`` bounds."""
    lo, hi = bounds
    return Linear(lo, hi, increasing=increasing)


def _factor_scores(grid: _Grid, p: Parameters, park: str, dem: tuple[np.ndarray, RasterInfo],
                   d_settle: np.ndarray) -> dict[str, np.ndarray]:
    """Every known factor's score 0–100 on the grid (``dem``: the elevations and their grid)."""
    parcels = grid.town.parcels
    ranges = p["siting.distance_ranges"]
    groups = list(p["siting.landuse_scores"])
    code = parcels["landuse_group"].map({g: i for i, g in enumerate(groups)}).fillna(-1).astype(int).to_numpy()
    lu = grid.burn(parcels.geometry.to_numpy(), code, fill=-1, dtype="int16")
    lu_scores = np.array([float(p["siting.landuse_scores"][g]) for g in groups] + [np.nan])
    grade = parcels["farmland_grade"].to_numpy(dtype=float)
    has = np.isfinite(grade)
    grade_r = grid.burn(parcels.geometry.to_numpy()[has], grade[has], fill=np.nan, dtype="float64")
    gt = p["siting.farmland_grade_scores"]
    slope_tab = p["siting.slope_scores"]
    return {
        "slope": ClassTable(tuple(slope_tab["breaks_deg"]), tuple(slope_tab["scores"]))(slope_deg(dem[0], dem[1].res)),
        "road": _linear(ranges["road"], increasing=False)(grid.distance_to("roads")),
        "railway": _linear(ranges["railway"], increasing=False)(grid.distance_to("railway")),
        "settlement": _linear(ranges["settlement"], increasing=park == "chemical")(d_settle),
        "landuse": lu_scores[np.where(lu >= 0, lu, len(groups))],
        "farmland_grade": np.where(np.isfinite(grade_r),
                                   ClassTable(tuple(gt["breaks_grade"]), tuple(gt["scores"]))(grade_r),
                                   float(gt["not_farmland"])),
    }


def _chosen_factors(std: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """The factors ``siting.suitability_factors`` names, in its order; an unknown name is refused."""
    unknown = sorted(set(names) - set(std))
    if unknown:
        raise ValidationError("suitability", [Problem("siting.suitability_factors", f"unknown factors {unknown}",
                                                      f"use some of {sorted(std)}", "unknown_factor")])
    return {f: std[f] for f in names}


#: Zoning layers whose land no park may take: veto key → town layer.
_VETO_LAYERS: tuple[tuple[str, str], ...] = (
    ("basic_farmland", "YJJBNTBHTB"), ("ecology", "STBHHX"), ("water_source", "YYSYDBHQ"),
    ("agriculture_zone", "agri_zone"), ("tianyuan", "tianyuan"), ("flood", "flood_zone"), ("water", "river_area"),
)


def _grid_vetoes(grid: _Grid) -> dict[str, np.ndarray]:
    """The zoning vetoes on the grid, one mask per :data:`_VETO_LAYERS` entry."""
    vetoes: dict[str, np.ndarray] = {}
    for key, layer_key in _VETO_LAYERS:
        lyr = grid.layer(layer_key)
        vetoes[key] = np.zeros(grid.shape, bool) if lyr is None else grid.burn(lyr.geometry.to_numpy()) > 0
    return vetoes


def _parcel_reasons(grid: _Grid) -> pd.DataFrame:
    """Per parcel, the zoning vetoes it meets (any share of its area in a zone, water, the flood zone)."""
    parcels = grid.town.parcels
    reasons = pd.DataFrame(index=parcels.index)
    reasons["basic_farmland"] = parcels["frac_YJJBNTBHTB"].to_numpy() > 0
    reasons["ecology"] = parcels["frac_STBHHX"].to_numpy() > 0
    reasons["water_source"] = parcels["frac_YYSYDBHQ"].to_numpy() > 0
    reasons["agriculture_zone"] = (parcels.get("frac_agri_zone", 0.0) + parcels.get("frac_tianyuan", 0.0)
                                   ).to_numpy() > 0
    reasons["water"] = parcels["landuse_group"].eq("water").to_numpy()
    flood = grid.layer("flood_zone")
    reasons["flood"] = (parcels.intersects(flood.union_all()).to_numpy() if flood is not None
                        else np.zeros(len(parcels), bool))
    return reasons


def _buffered(parcels: gpd.GeoDataFrame, fixed_geoms: list[Any], buffer: float) -> np.ndarray:
    """Which parcels lie within ``buffer`` of a receptor that stays (a school, a village without mapped housing)."""
    near = parcels.sindex.query(gpd.GeoSeries(fixed_geoms, crs=parcels.crs).buffer(buffer).to_numpy(),
                                predicate="intersects")[1]
    buf = np.zeros(len(parcels), bool)
    buf[np.unique(near)] = True
    return buf


def town_suitability(town: Town, *, park: str = "chemical", ahp_matrix: Sequence[Sequence[float]] | None = None,
                     buffer_m: float | None = None, params: Parameters | None = None) -> Suitability:
    """Suitability of a town's land for a chemical park or the wood cluster, on the DEM grid.

    Factors (``siting.suitability_factors``): slope from the DEM (class table ``siting.slope_scores``),
    distance to roads and the railway (linear, nearer better), distance to settlements (linear, further
    better for a chemical park, nearer better for the wood cluster), land-use compatibility
    (``siting.landuse_scores``) and farmland grade (``siting.farmland_grade_scores``). Weights from
    :func:`ahp_weights` of ``ahp_matrix`` (default ``siting.suitability_ahp``). Vetoes as in the
    module notes; the housing/school buffer (``buffer_m``, default
    ``siting.chemical_buffer_housing``) only for ``park="chemical"``.

    Per-parcel scores are zonal means (:func:`landkit.io.zonal_mean`); a parcel is vetoed when any of
    its area lies in 永久基本农田, 生态保护红线 or a water-source zone (the town's ``frac_*`` columns),
    it is water, it meets the flood zone, or (chemical) it lies within the buffer of housing or a school.
    """
    if park not in ("chemical", "wood"):
        raise ValidationError("suitability", [Problem("park", f"{park!r}", "use 'chemical' or 'wood'", "bad_park")])
    p = params or getattr(town, "params", None) or Parameters.load()
    names, weights, cr = _weights(p, ahp_matrix, park)
    buffer = _buffer(p, buffer_m)
    dem, info = _town_dem(town)
    grid = _Grid(town, dem.shape, info.transform)
    parcels = town.parcels
    inside = grid.burn(parcels.geometry.to_numpy()) > 0
    housing_parcels = parcels[parcels["landuse_group"].isin(["homestead", "urban_residential"])]
    vill = grid.layer("villages")
    village_geoms = list(vill.geometry.to_numpy()) if vill is not None else []
    d_settle = grid.distance(list(housing_parcels.geometry.to_numpy()) + village_geoms)
    factors = _chosen_factors(_factor_scores(grid, p, park, (dem, info), d_settle), names)
    vetoes = _grid_vetoes(grid)
    schools = grid.layer("schools")
    # receptors that stay: schools, and village centres only where no housing parcel is mapped (houses
    # themselves can be relocated with the park, see _relocations)
    fixed_geoms = ([] if schools is None else list(schools.geometry.to_numpy())) + \
        (village_geoms if not len(housing_parcels) else [])
    if park == "chemical":
        vetoes["housing_buffer"] = grid.distance(fixed_geoms) <= buffer
        grid.notes.append(f"chemical park: {buffer:g} m buffer from housing and schools (estimate, DOMAIN.md "
                          "100–300 m); houses within it are relocated with the park or the land next to them is not "
                          "taken")
    veto_any = np.logical_or.reduce(list(vetoes.values())) | ~inside
    score = weighted_overlay(factors, weights, veto_any | ~np.isfinite(dem))

    # ---- per parcel
    table = pd.DataFrame(index=parcels.index)
    table["score"] = zonal_mean(parcels, weighted_overlay(factors, weights), transform=info.transform, crs=info.crs)
    for f in names:
        table[f"s_{f}"] = zonal_mean(parcels, factors[f], transform=info.transform, crs=info.crs)
    reasons = _parcel_reasons(grid)
    requires = pd.DataFrame({"parcel": pd.Series(dtype=str), "requires": pd.Series(dtype=str)})
    if park == "chemical":
        reasons["housing_buffer"] = _buffered(parcels, fixed_geoms, buffer)
        requires = _relocations(parcels, housing_parcels, buffer)
    from landkit.siting.rules import park_rules  # noqa: PLC0415  cycle with landkit.siting (parks)

    rules, rule_labels, rule_notes = park_rules(town, park, p)
    notes = grid.notes + rule_notes
    reasons = pd.concat([reasons, rules], axis=1)
    labels = {**VETO_LABELS, **rule_labels}
    table["vetoed"] = reasons.any(axis=1)
    table["veto_reasons"] = reasons.apply(lambda r: "、".join(labels[k] for k in r.index[r.to_numpy()]), axis=1)
    vetoes["rules"] = grid.burn(parcels.geometry.to_numpy()[rules.any(axis=1).to_numpy()]) > 0
    score = np.where(vetoes["rules"], np.nan, score)
    return Suitability(park=park, score=score, factors=factors, weights=weights, consistency_ratio=cr,
                       vetoes=vetoes, transform=info.transform, crs=info.crs, parcels=table, notes=notes,
                       geometry=parcels.geometry, requires=requires)


def _relocations(parcels: gpd.GeoDataFrame, housing: gpd.GeoDataFrame, buffer: float) -> pd.DataFrame:
    """Pairs (parcel, house): a park on ``parcel`` lies within ``buffer`` of the housing parcel ``house``,
    so the park must take (relocate) the house too. Schools are not relocated: land within the buffer of
    one is vetoed instead."""
    h, p = parcels.sindex.query(housing.geometry.buffer(buffer).to_numpy(), predicate="intersects")
    out = pd.DataFrame({"parcel": parcels.index.to_numpy()[p], "requires": housing.index.to_numpy()[h]})
    return out[out["parcel"] != out["requires"]].reset_index(drop=True)
