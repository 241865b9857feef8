"""The town model: parcels with derived columns, zoning overlays, adjacency and terrain.

A :class:`Town` is the one object every decision model starts from. It holds the validated 三调
parcels (indexed by BSM) in a projected CRS, the zoning and context layers, the DEM path and the
parameters, and derives everything the models need in explicit units:

- ``area_m2``, ``area_mu``, ``area_ha``: planar area in the town CRS;
- ``landuse_group``, ``is_farmland``, ``is_paddy``, ``is_adjustable``, ``is_construction``
  (:mod:`landkit.landuse`), ``ownership`` (state / collective from QSXZ), ``farmland_grade``
  (GDDB of farmland, NaN elsewhere), ``households`` and ``floor_area_m2`` where known: from the parcels'
  own columns, or summed from a 宅基地/房屋 layer ``houses`` (:func:`houses_by_parcel`, which also gives
  ``population``), or else estimated for 0702 homesteads (:func:`estimate_homesteads`, marked as estimates);
- ``frac_<LAYER>``: the share of each parcel's area inside each zoning layer;
- ``elev_m_mean``, ``slope_deg_mean``: zonal means of the DEM and of its slope;
- :attr:`Town.adjacency`: pairs of parcels sharing a boundary, with ``shared_length_m``, and
  :attr:`Town.exposed_length_m`, the boundary each parcel shares with no other parcel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import shapely
from matplotlib.patches import Patch
from rasterio.io import MemoryFile

from landkit import io, landuse
from landkit._errors import CRSError, MissingFileError, NotFoundError, Problem, ValidationError
from landkit.params import SAMPLE_DIR, Parameters
from landkit.plot import GROUP_COLOURS, category_map, draw_polygons, finish_map, new_axes, use_cjk_font
from landkit.units import m2_to_ha, m2_to_mu
from landkit.validate import validate_parcels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Zoning layers whose overlay fraction every Town carries (absent layers give 0).
ZONING_LAYERS: dict[str, str] = {
    "YJJBNTBHTB": "永久基本农田",
    "STBHHX": "生态保护红线",
    "CZKFBJ": "城镇开发边界",
    "YYSYDBHQ": "饮用水水源保护区",
    "agri_zone": "现代农业示范区",
    "tianyuan": "田园综合体",
}
#: Colour and opacity of each zoning layer on the 国土空间管控分区图 (:meth:`Town.plot_zoning`).
ZONING_STYLE: dict[str, tuple[str, float]] = {
    "CZKFBJ": ("#e8a33d", 0.35), "YJJBNTBHTB": ("#f2d64b", 0.55), "agri_zone": ("#7fbf5f", 0.6),
    "tianyuan": ("#3f8f3f", 0.6), "STBHHX": ("#2f9e8f", 0.45), "YYSYDBHQ": ("#4a7fd1", 0.5),
}
#: Agriculture zones of the plan (现代农业示范区, 田园综合体): closed to construction, the preferred place for
#: reclaimed land (its grade is better there by ``farmland.agri_zone_grade_gain``).
AGRICULTURE_ZONES: tuple[str, ...] = ("agri_zone", "tianyuan")


def in_agriculture_zone(parcels: pd.DataFrame) -> pd.Series:
    """True for parcels at least half inside an agriculture zone (:data:`AGRICULTURE_ZONES`)."""
    share = sum((parcels[f"frac_{k}"].fillna(0.0) for k in AGRICULTURE_ZONES if f"frac_{k}" in parcels),
                pd.Series(0.0, index=parcels.index))
    return share >= 0.5


#: Zoning layers closed to construction: no reserve acquisition, park, 建新 site or other building there.
CLOSED_TO_CONSTRUCTION: dict[str, str] = {k: ZONING_LAYERS[k] for k in
                                          ("YJJBNTBHTB", "STBHHX", "YYSYDBHQ", "agri_zone", "tianyuan")}


def _tiled_parts(zone: gpd.GeoDataFrame, tile_m: float) -> np.ndarray:
    """The zone's area as non-overlapping polygons no larger than one tile.

    Overlapping zone polygons are unioned first (so no area counts twice); large polygons are then cut
    by a square grid so that each later intersection with a parcel touches only a few hundred vertices,
    not the tens of thousands of a dissolved 永久基本农田 layer.
    """
    geoms: np.ndarray = shapely.make_valid(np.asarray(zone.geometry.values))
    geoms = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    geoms = geoms[shapely.get_type_id(geoms) == 3]
    if len(geoms) == 0:
        return geoms
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="overlaps")
    if (a != b).any():
        geoms = shapely.get_parts(shapely.union_all(geoms))
        geoms = geoms[shapely.get_type_id(geoms) == 3]
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    xs = np.arange(xmin, xmax + tile_m, tile_m)
    ys = np.arange(ymin, ymax + tile_m, tile_m)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    tiles = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + tile_m, gy.ravel() + tile_m)
    big = shapely.get_num_coordinates(geoms) > 200
    if not big.any():
        return geoms
    ti, gi = shapely.STRtree(geoms[big]).query(tiles, predicate="intersects")
    pieces = shapely.get_parts(shapely.intersection(geoms[big][gi], tiles[ti]))
    pieces = pieces[(shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)]
    return np.concatenate([geoms[~big], pieces])


def _zone_fraction(parcels: gpd.GeoSeries, zone: gpd.GeoDataFrame | None, *, tile_m: float = 500.0) -> np.ndarray:
    """Share of each parcel's area inside the zone layer (vectorised over STRtree pairs)."""
    out = np.zeros(len(parcels))
    if zone is None or zone.empty:
        return out
    parts = _tiled_parts(zone, tile_m)
    if len(parts) == 0:
        return out
    geoms = np.asarray(parcels.geometry.values)
    area = shapely.area(geoms)
    p_idx, z_idx = shapely.STRtree(parts).query(geoms, predicate="intersects")
    if len(p_idx) == 0:
        return out
    within = shapely.within(geoms[p_idx], parts[z_idx])
    inter = np.where(within, area[p_idx], 0.0)
    cut = ~within
    if cut.any():
        inter[cut] = shapely.area(shapely.intersection(geoms[p_idx[cut]], parts[z_idx[cut]]))
    np.add.at(out, p_idx, inter)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(area > 0, out / area, 0.0)
    return np.clip(frac, 0.0, 1.0)


def subset_boundary(parcels: gpd.GeoDataFrame, adjacency: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    r"""The edges among ``parcels`` and each one's exposed boundary, shared with none of the others (m).

    Parameters
    ----------
    parcels : GeoDataFrame
        Some or all of a town's parcels.
    adjacency : DataFrame
        The town's :func:`adjacency_table` (``id_i``, ``id_j``, ``shared_length_m``).

    Returns
    -------
    edges, exposed
        The adjacency rows with both parcels in ``parcels`` (index reset), and, by parcel,
        :math:`\max(0, P_i - \sum_j s_{ij})` over those edges: an edge with a parcel left out counts as exposed.
    """
    inside = adjacency["id_i"].isin(parcels.index) & adjacency["id_j"].isin(parcels.index)
    edges = adjacency[inside].reset_index(drop=True)
    perimeter = pd.Series(shapely.length(np.asarray(parcels.geometry.values)), index=parcels.index)
    shared = pd.concat([edges.set_index("id_i")["shared_length_m"], edges.set_index("id_j")["shared_length_m"]])
    exposed = (perimeter - shared.groupby(level=0).sum().reindex(perimeter.index, fill_value=0.0)).clip(lower=0.0)
    return edges, exposed


def terrain_means(parcels: gpd.GeoDataFrame, dem_path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean elevation (m) and mean slope (degrees) of the DEM inside each parcel.

    The slope raster is derived from the DEM (:func:`landkit.io.slope_deg`) in GDAL's in-memory
    file system, then both rasters go through the same windowed zonal mean.
    """
    elev = io.zonal_mean(parcels, dem_path)
    with rasterio.open(dem_path) as src:
        dem = src.read(1, masked=True).astype("float64").filled(np.nan)
        profile = src.profile.copy()
        res = src.res
    slope = io.slope_deg(dem, res).astype("float32")
    profile.update(dtype="float32", nodata=np.float32(np.nan), count=1)
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(slope, 1)
        slope_mean = io.zonal_mean(parcels, mem.name)
    return np.asarray(elev, dtype=float), np.asarray(slope_mean, dtype=float)


def adjacency_table(parcels: gpd.GeoDataFrame, *, min_length_m: float = 0.01) -> pd.DataFrame:
    """Pairs of parcels that share a boundary, and the shared length in metres.

    Parameters
    ----------
    parcels : GeoDataFrame
        Polygons in a projected CRS, indexed by their ids.
    min_length_m : float
        Contacts shorter than this (corner touches, float noise) are not adjacency.

    Returns
    -------
    DataFrame
        Columns ``id_i``, ``id_j`` (``id_i`` < ``id_j`` by position) and ``shared_length_m``.
    """
    geoms = np.asarray(parcels.geometry.values)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    bounds = shapely.boundary(geoms)
    length = shapely.length(shapely.intersection(bounds[i], bounds[j]))
    keep = length >= min_length_m
    ids = parcels.index.to_numpy()
    return pd.DataFrame(
        {"id_i": ids[i[keep]], "id_j": ids[j[keep]], "shared_length_m": length[keep]}
    ).reset_index(drop=True)



#: Fields of a 宅基地/房屋 layer, by what they hold (matched without regard to case; the first present wins).
HOUSE_FIELDS: dict[str, tuple[str, ...]] = {
    "households": ("户数", "HS", "HUSHU", "households"),
    "population": ("人口", "RK", "RKS", "ZRK", "population"),
    "floor_area_m2": ("建筑面积", "JZMJ", "FWJZMJ", "floor_area_m2"),
}


def houses_by_parcel(parcels: gpd.GeoDataFrame, houses: gpd.GeoDataFrame, source: str = "layer houses"
                     ) -> tuple[pd.DataFrame, str]:
    """Households, population and floor area of a 宅基地/房屋 layer summed by the parcel each house lies in.

    Each house (polygon or point) belongs to the parcel holding its representative point; the fields are
    found by :data:`HOUSE_FIELDS`. Returns one column per field found (index: the parcels', 0 where no
    house lies) and a note saying what was read and how many houses lie in no parcel (not counted).

    Raises
    ------
    ValidationError
        No field of :data:`HOUSE_FIELDS` is present, or values are not numbers ≥ 0 (rows named).
    """
    lower = {str(c).lower(): c for c in houses.columns if c != "geometry"}
    found = {col: next((lower[n.lower()] for n in names if n.lower() in lower), None)
             for col, names in HOUSE_FIELDS.items()}
    found = {k: v for k, v in found.items() if v is not None}
    if not found:
        expected = "; ".join(f"{k}: {', '.join(v)}" for k, v in HOUSE_FIELDS.items())
        raise ValidationError(source, [Problem(source, f"no field of households, population or floor area among "
                                               f"{sorted(map(str, lower.values()))}",
                                               f"name them as one of {expected}", "missing_column")])
    problems = []
    values = {}
    for col, field_name in found.items():
        v = pd.to_numeric(houses[field_name], errors="coerce")
        bad = houses.index[v.isna() | (v < 0)]
        if len(bad):
            problems.append(Problem(f"{source} field {field_name}", f"not a number ≥ 0 in rows {list(bad[:10])}",
                                    "fill in the figure (0 where none)", "value"))
        values[col] = v.fillna(0.0).to_numpy(dtype=float)
    if problems:
        raise ValidationError(source, problems)
    points = gpd.GeoDataFrame(values, geometry=houses.geometry.representative_point().to_numpy(), crs=houses.crs)
    cells = gpd.GeoDataFrame(geometry=parcels.geometry.to_numpy(), index=parcels.index, crs=parcels.crs)
    hit = gpd.sjoin(points, cells.reset_index(names="_parcel"), how="left", predicate="within")
    hit = hit[~hit.index.duplicated()]  # a point on a shared edge counts once
    inside = hit["_parcel"].notna()
    sums = hit[inside].groupby("_parcel")[list(found)].sum().reindex(parcels.index, fill_value=0.0)
    outside = int((~inside).sum())
    totals = ", ".join(f"{k} {float(sums[k].sum()):,.0f}" for k in found)
    note = (f"{source}: {len(houses):,} houses ({', '.join(f'{k} from {v}' for k, v in found.items())}) "
            f"joined to {int((sums.sum(axis=1) > 0).sum()):,} parcels: {totals}"
            + (f"; {outside:,} houses lie in no parcel and are not counted" if outside else ""))
    return sums, note


def estimate_homesteads(parcels: gpd.GeoDataFrame, params: Parameters, columns: list[str]
                        ) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Estimate ``households`` and ``floor_area_m2`` of 0702 农村宅基地 parcels where the data has none.

    三调 carries neither. Rather than 0 (a homestead bought with no one moved and nothing paid), each of
    ``columns`` is estimated by a named rule from the parameters, both estimates (tag E):

    - households = round(宅基地 area ÷ ``acquisition.homestead_mu_per_household``), at least 1 per parcel;
    - floor area = 宅基地 area (m²) × ``acquisition.homestead_floor_area_ratio``.

    Returns the parcels and ``{column: rule}`` for what was estimated (empty when nothing was).
    """
    if not columns:
        return parcels, {}
    out = parcels.copy()
    homestead = out["DLBM"].astype(str).str[:4].eq("0702").to_numpy() if "DLBM" in out else np.zeros(len(out), bool)
    rules: dict[str, str] = {}
    if "households" in columns:
        per = float(params["acquisition.homestead_mu_per_household"])
        hh = np.where(homestead, np.maximum(np.round(out["area_mu"].to_numpy() / per), 1), 0)
        out["households"] = hh.astype("int64")
        rules["households"] = (f"数据中没有户数, 按 0702 宅基地面积 ÷ {per:g} 亩/户估算 "
                               "(参数 acquisition.homestead_mu_per_household, 估计值)")
    if "floor_area_m2" in columns:
        ratio = float(params["acquisition.homestead_floor_area_ratio"])
        out["floor_area_m2"] = np.where(homestead, out["area_m2"].to_numpy() * ratio, 0.0)
        rules["floor_area_m2"] = (f"数据中没有建筑面积, 按 0702 宅基地面积 × {ratio:g} 估算 "
                                  "(参数 acquisition.homestead_floor_area_ratio, 估计值)")
    return out, rules


@dataclass(eq=False)
class Town:
    """A town ready for the decision models.

    Build it with :meth:`from_files` (your own 三调 data), :meth:`from_parcels` (frames already in
    memory) or :func:`landkit.load_sample` (the bundled 探沂镇).

    Attributes
    ----------
    parcels : GeoDataFrame
        Validated parcels indexed by BSM, with the derived columns listed in the module docstring.
    layers : dict of str to GeoDataFrame
        Zoning and context layers, all in the town CRS.
    params : Parameters
        Costs, prices, funds and quotas with provenance.
    dem_path : Path or None
        The DEM the terrain columns came from.
    name : str
        Town name for titles.
    source : str
        Where the parcels came from (file and layer).
    """

    parcels: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    params: Parameters = field(default_factory=Parameters.load)
    dem_path: Path | None = None
    name: str = "探沂镇"
    source: str = "<memory>"
    #: Columns landkit estimated because the data did not carry them, each with the rule used.
    estimates: dict[str, str] = field(default_factory=dict)
    #: What landkit read besides the parcels (e.g. the houses layer), for the user to check.
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_parcels(
        cls,
        parcels: gpd.GeoDataFrame,
        *,
        layers: Mapping[str, gpd.GeoDataFrame] | None = None,
        dem: str | os.PathLike[str] | None = None,
        params: Parameters | None = None,
        name: str = "探沂镇",
        source: str = "<memory>",
        validate: bool = True,
    ) -> Town:
        """Build a Town from parcels (三调 fields) and layers already read.

        Parcels and layers must be in one projected CRS (layers in another CRS are reprojected to
        the parcels' CRS); ``validate=True`` runs :func:`landkit.validate.validate_parcels` first.
        """
        if parcels.crs is None:
            raise CRSError(source, [Problem(source, "parcels have no CRS", "set one with gdf.set_crs(...)",
                                            "crs")])
        if not parcels.crs.is_projected:
            raise CRSError(source, [Problem(source, f"parcels are in geographic CRS {parcels.crs.to_string()}",
                                            "read them with landkit.read_parcels, which reprojects", "crs")])
        if validate:
            validate_parcels(parcels, source=source)
        aligned: dict[str, gpd.GeoDataFrame] = {}
        for key, layer in (layers or {}).items():
            if layer.crs is None:
                raise CRSError(source, [Problem(f"layer {key}", "no CRS", "set one with gdf.set_crs(...)", "crs")])
            aligned[key] = layer if layer.crs == parcels.crs else layer.to_crs(parcels.crs)
        derived = cls._derive(parcels, aligned)
        par = params or Parameters.load()
        notes: list[str] = []
        from_houses: list[str] = []
        if "houses" in aligned:  # the real figures, when the office has a 宅基地/房屋 layer
            houses = aligned["houses"]
            sums, note = houses_by_parcel(derived, houses, str((layers or {})["houses"].attrs.get(
                "source", f"{source}: layer houses")))
            for col in sums.columns:
                derived[col] = sums[col].round().astype("int64") if col == "households" else sums[col]
            from_houses = list(sums.columns)
            notes.append(note)
        missing = [c for c in ("households", "floor_area_m2") if c not in from_houses and (
            c not in parcels.columns or pd.to_numeric(parcels[c], errors="coerce").fillna(0).eq(0).all())]
        derived, estimates = estimate_homesteads(derived, par, missing)
        town = cls(
            parcels=derived, layers=aligned, params=par,
            dem_path=Path(dem) if dem is not None else None, name=name, source=source, estimates=estimates,
            notes=notes,
        )
        if dem is not None:
            town._add_terrain()
        return town

    @classmethod
    def from_files(
        cls,
        parcels_path: str | os.PathLike[str],
        *,
        layer: str | None = None,
        zoning: Mapping[str, str | os.PathLike[str] | tuple[str | os.PathLike[str], str]] | None = None,
        context: Mapping[str, str | os.PathLike[str] | tuple[str | os.PathLike[str], str]] | None = None,
        dem: str | os.PathLike[str] | None = None,
        params: str | os.PathLike[str] | Parameters | None = None,
        encoding: str | None = None,
        crs: str | None = None,
        repair: bool = False,
    ) -> Town:
        """Read your own 三调 data and build a Town.

        Parameters
        ----------
        parcels_path : path
            GeoPackage, shapefile or File Geodatabase holding 地类图斑 (DLTB).
        layer : str, optional
            Layer name; default ``DLTB`` when present, or the only layer.
        zoning, context : mapping, optional
            Layer key (e.g. ``"YJJBNTBHTB"``) to a path, or to ``(path, layer)``; a path alone to a
            file of several layers reads the layer named like the key. Zoning keys get a
            ``frac_<KEY>`` column. When omitted and ``parcels_path`` is a GeoPackage, layers of that
            file named like :data:`ZONING_LAYERS` are used.
        dem : path, optional
            DEM GeoTIFF (checked for CRS); adds ``elev_m_mean`` and ``slope_deg_mean``.
        params : path or Parameters, optional
            Parameter file; default the bundled 探沂镇 parameters.
        encoding : str, optional
            Shapefile encoding when it has no ``.cpg`` (default: detected, UTF-8 or GBK).
        crs : str, optional
            CRS to assume for inputs that carry none (e.g. ``"EPSG:4490"``); never guessed.
        repair : bool
            Repair invalid geometry (``make_valid``) and report what changed, instead of raising.
        """
        parcels_path = Path(parcels_path)
        parcels = io.read_parcels(parcels_path, layer=layer, encoding=encoding, crs=crs, repair=repair)
        target = parcels.crs
        layers: dict[str, gpd.GeoDataFrame] = {}
        specs: dict[str, Any] = {}
        if zoning is None and parcels_path.suffix.lower() == ".gpkg":
            present = {name.upper(): name for name in io.list_layers(parcels_path)}
            specs.update({k: (parcels_path, present[k]) for k in ZONING_LAYERS if k in present})
            if context is None:
                skip = set(ZONING_LAYERS) | {"DLTB", (layer or "DLTB").upper()}
                specs.update({v: (parcels_path, v) for k, v in present.items() if k not in skip})
        specs.update(dict(zoning or {}))
        specs.update(dict(context or {}))
        problems: list[Problem] = []
        for key, spec in specs.items():
            path, lyr = spec if isinstance(spec, tuple) else (spec, None)
            try:
                if lyr is None:  # a file of several layers: the one named like the key (YJJBNTBHTB ...)
                    named = [n for n in io.list_layers(path) if n.casefold() == key.casefold()]
                    lyr = named[0] if len(named) == 1 else None
                layers[key] = io.read_layer(path, lyr, crs=crs, target_crs=target)
                layers[key].attrs["source"] = f"{path}" + (f" layer {lyr}" if lyr else "")  # named in messages
            except ValidationError as exc:
                problems.extend(exc.problems)
        if dem is not None:
            try:
                io.check_raster(dem, town_crs=target)
            except ValidationError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ValidationError(str(parcels_path), problems)
        if isinstance(params, Parameters):
            par = params
        else:
            par = Parameters.load(params)
        name = str(par.get("town.name", parcels_path.stem))
        return cls.from_parcels(
            parcels, layers=layers, dem=dem, params=par, name=name,
            source=f"{parcels_path}" + (f" layer {layer}" if layer else ""), validate=False,
        )

    # ------------------------------------------------------------------ derivation
    @staticmethod
    def _derive(parcels: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
        gdf = parcels.copy()
        if "BSM" in gdf.columns:
            gdf = gdf.set_index(gdf["BSM"].astype("string").rename("BSM_index"))
            gdf.index.name = "BSM"
        area = shapely.area(np.asarray(gdf.geometry.values))
        gdf["area_m2"] = area
        gdf["area_mu"] = m2_to_mu(area)
        gdf["area_ha"] = m2_to_ha(area)
        cls = landuse.classify(gdf["DLBM"])
        for col in ("landuse_group", "is_farmland", "is_paddy", "is_adjustable", "is_construction", "is_agricultural"):
            gdf[col] = cls[col].to_numpy()
        gdf["ownership"] = landuse.ownership_of(gdf["QSXZ"]) if "QSXZ" in gdf else pd.NA
        grade = pd.to_numeric(gdf["GDDB"], errors="coerce") if "GDDB" in gdf else np.nan
        grade = grade.where(grade > 0) if isinstance(grade, pd.Series) else grade  # 0 means "not graded"
        gdf["farmland_grade"] = np.where(gdf["is_farmland"], grade, np.nan).astype(float)
        for col, dtype in (("households", "int64"), ("floor_area_m2", "float64")):
            values = pd.to_numeric(gdf[col], errors="coerce") if col in gdf else pd.Series(0, index=gdf.index)
            gdf[col] = values.fillna(0).astype(dtype)
        for key in ZONING_LAYERS:
            gdf[f"frac_{key}"] = _zone_fraction(gdf.geometry, layers.get(key))
        return gdf

    def _add_terrain(self) -> None:
        assert self.dem_path is not None
        elev, slope = terrain_means(self.parcels, self.dem_path)
        self.parcels["elev_m_mean"] = elev
        self.parcels["slope_deg_mean"] = slope

    # ------------------------------------------------------------------ derived structure
    @property
    def crs(self) -> pyproj.CRS:
        """The town's projected CRS."""
        crs: pyproj.CRS = self.parcels.crs
        return crs

    @cached_property
    def adjacency(self) -> pd.DataFrame:
        """Pairs of parcels sharing a boundary (``id_i``, ``id_j``, ``shared_length_m``)."""
        return adjacency_table(self.parcels)

    @cached_property
    def exposed_length_m(self) -> pd.Series:
        """Boundary length of each parcel shared with no other parcel (the town edge), metres."""
        return subset_boundary(self.parcels, self.adjacency)[1]

    def with_params(self, params: Parameters | str | os.PathLike[str]) -> Town:
        """The same town with other parameters (a :class:`Parameters` or a file path).

        Examples
        --------
        >>> town2 = town.with_params(town.params.with_overrides({"funds.county_special_funds": 2500}))
        ... # doctest: +SKIP
        """
        par = params if isinstance(params, Parameters) else Parameters.load(params)
        parcels, estimates = estimate_homesteads(self.parcels, par, list(self.estimates))
        return replace(self, params=par, parcels=parcels, estimates=estimates)

    def layer(self, key: str) -> gpd.GeoDataFrame:
        """One zoning or context layer; an unknown key lists the layers the town has."""
        try:
            return self.layers[key]
        except KeyError:
            raise NotFoundError(f"town has no layer {key!r}; it has: {', '.join(sorted(self.layers))}") from None

    # ------------------------------------------------------------------ reporting
    def summary(self) -> pd.DataFrame:
        """Parcels and area by land-use group, with Chinese names (面积 in 亩 and 公顷)."""
        g = self.parcels.groupby("landuse_group", observed=True)
        out = pd.DataFrame({"图斑数": g.size(), "面积(亩)": g["area_mu"].sum(), "面积(公顷)": g["area_ha"].sum()})
        out = out.reindex([k for k in landuse.GROUP_LABELS if k in out.index])
        out.index = [landuse.GROUP_LABELS[k] for k in out.index]
        out.index.name = "地类"
        out.loc["合计"] = out.sum()
        return out.round(1)

    def plot(self, *, ax: Any = None, title: str | None = None) -> Figure:
        """Land-use map with Chinese legend, village names, town boundary, scale bar, north arrow."""
        boundary = self.layers.get("XZQ")
        villages = self.layers.get("villages")
        return category_map(
            self.parcels,
            "landuse_group",
            colours=GROUP_COLOURS,
            labels=landuse.GROUP_LABELS,
            title=title or f"{self.name} 土地利用现状图 (三调)",
            legend_title="地类",
            boundary=boundary,
            points=villages,
            point_label="ZLDWMC" if villages is not None and "ZLDWMC" in villages else None,
            ax=ax,
        )

    def plot_zoning(self, *, ax: Any = None, title: str | None = None) -> Figure:
        """国土空间管控分区图: the zoning layers the town has (城镇开发边界, 永久基本农田, 生态保护红线, 水源保护区,
        现代农业示范区, 田园综合体) over the parcels, with legend, scale bar and north arrow."""
        use_cjk_font()
        fig, ax = new_axes((11, 9), ax=ax)
        draw_polygons(ax, self.parcels.geometry, facecolor="#f4f1ea", edgecolor="#cccccc", linewidth=0.05)
        handles = []
        for key, (colour, alpha) in ZONING_STYLE.items():
            layer = self.layers.get(key)
            if layer is None or not len(layer):
                continue
            draw_polygons(ax, layer.geometry, facecolor=colour, edgecolor=colour, linewidth=0.4, alpha=alpha)
            handles.append(Patch(facecolor=colour, edgecolor=colour, alpha=alpha, label=ZONING_LAYERS[key]))
            if key in AGRICULTURE_ZONES and "name" in layer:
                for geom, name in zip(layer.geometry, layer["name"], strict=True):
                    if geom is not None and not geom.is_empty:
                        at = geom.representative_point()
                        ax.annotate(str(name), (at.x, at.y), fontsize=7, ha="center", color="#1d4d1d")
        boundary = self.layers.get("XZQ")
        if boundary is not None:
            boundary.boundary.plot(ax=ax, color="black", linewidth=1.2)
            handles.append(Patch(facecolor="none", edgecolor="black", label="镇界"))
        finish_map(ax, title=title or f"{self.name} 国土空间管控分区图", legend_handles=handles,
                   legend_title="管控分区", crs_label=self.crs.to_string() if self.crs else None)
        return fig

    def __repr__(self) -> str:
        return (
            f"<Town {self.name}: {len(self.parcels)} parcels, {self.parcels['area_mu'].sum():,.0f} 亩, "
            f"CRS {self.crs.to_string() if self.crs else None}, layers {sorted(self.layers)}>"
        )


def sample_path(name: str = "tanyi.gpkg") -> Path:
    """Path of a file of the bundled sample town (``tanyi.gpkg``, ``dem.tif``, ``parameters.yaml``)."""
    path = SAMPLE_DIR / name
    if not path.exists():
        have = ", ".join(sorted(p.name for p in SAMPLE_DIR.iterdir()))
        raise MissingFileError(f"{path} does not exist; the sample folder has: {have}")
    return path


def load_sample() -> Town:
    """The bundled 探沂镇 sample town (``data/tanyi``): parcels, zoning, DEM and parameters.

    The data are synthetic but plausible (see ``data/tanyi/README.md``); the parameters carry
    their provenance, with estimates marked.
    """
    return Town.from_files(SAMPLE_DIR / "tanyi.gpkg", dem=SAMPLE_DIR / "dem.tif")
