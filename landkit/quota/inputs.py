"""Inputs of a 增减挂钩 项目区 plan: 拆旧 plots, 建新 resettlement sites, money and quota rules.

:class:`LinkageInputs` is the validated, costed data the project-area model is built from, in the
user's units (亩, 万元, 户, kg). :func:`linkage_inputs_from_town` derives it from a
:class:`~landkit.Town` and its parameters (section ``linkage``); small hand-made cases build it
directly (see the tests).

拆旧 candidates
---------------
- rural homesteads (DLBM 0702) of the villages in ``villages`` (default: every village whose
  ``area_name`` in the layer ``villages`` is one of ``linkage.whole_village_areas``, i.e. the 南阳
  area). Villages named in ``whole_villages`` (default: the same) are 整村搬迁 blocks: all of their
  homesteads are demolished or none (each in its own year, so a village can move in phases);
- abandoned mining land (DLBM 0602) anywhere, for 工矿废弃地复垦利用;
- a plot more than ``reserve.partial_zone_rule`` (5 %) inside the 城镇开发边界 or the 生态保护红线
  is not a candidate: inside the boundary land is for urban renewal, and in the red line land is
  restored to nature, not to farmland.

Reclaimed farmland (the rule)
-----------------------------
reclaimable area :math:`r_p = \\sigma\\, a_p` (``linkage.reclaimable_share``); grade = the 国土 等别 of the
nearest existing farmland parcel + ``linkage.reclaimed_grade_offset`` (clipped to 1–15); paddy when
the plot lies within ``linkage.paddy_max_distance_m`` of a river or canal (layer ``river_area``);
grain capacity :math:`k_p = r_p \\cdot \\text{farmland.capacity\\_by\\_grade}[\\text{grade}]`.

Costs (万元, paid in the year of demolition)
--------------------------------------------
floor area × ``acquisition.house_demolition`` + households × ``acquisition.resettlement_per_household``
+ :math:`r_p` × ``linkage.reclamation_cost`` (``linkage.mining_reclamation_cost`` for mining land).

建新 sites
----------
Non-construction parcels (``linkage.site_groups``) at least ``reserve.min_inside_boundary`` inside the
城镇开发边界, at most ``reserve.partial_zone_rule`` inside 永久基本农田, 生态保护红线 or a water-source
zone, and planned residential in the planning layer ``GHYT``, grouped by village (ZLDWMC) into one
site each. Capacity = area / ``linkage.resettlement_land_per_household``; cost =
``linkage.site_fixed_cost`` when opened + ``linkage.resettlement_site_cost_per_household`` per
household; the farmland, paddy and grain capacity a site occupies per 亩 are its parcels' averages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, SupportsFloat, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.params import Parameters
from landkit.planning import town_planning
from landkit.town import CLOSED_TO_CONSTRUCTION, Town, in_agriculture_zone

#: Columns of the 拆旧 candidate table (units in the names).
PLOT_COLUMNS: dict[str, str] = {
    "kind": "类型",
    "village": "坐落",
    "area_mu": "拆旧面积(亩)",
    "reclaim_mu": "可复垦面积(亩)",
    "paddy_mu": "复垦水田(亩)",
    "capacity_kg": "复垦产能(公斤)",
    "grade": "复垦后等别",
    "households": "户数(户)",
    "demolition_cost_wan_yuan": "拆迁补偿(万元)",
    "reclamation_cost_wan_yuan": "复垦费用(万元)",
}
#: Columns of the 建新 site table.
SITE_COLUMNS: dict[str, str] = {
    "area_mu": "安置区面积(亩)",
    "capacity_households": "安置能力(户)",
    "fixed_cost_wan_yuan": "开办费用(万元)",
    "farmland_share": "耕地比例",
    "paddy_share": "水田比例",
    "capacity_kg_per_mu": "产能(公斤/亩)",
}
KIND_LABELS: dict[str, str] = {"homestead": "宅基地(增减挂钩)", "mining": "工矿废弃地(复垦利用)"}


@dataclass(frozen=True)
class LinkageInputs:
    """Everything the project-area model needs, validated, in 亩 / 万元 / 户 / kg.

    Attributes
    ----------
    plots : DataFrame
        One row per 拆旧 candidate (index: unit id, e.g. BSM) with :data:`PLOT_COLUMNS`, plus
        optional ``block`` (str or NA; plots sharing a block are demolished all or none: 整村搬迁).
    sites : DataFrame
        One row per 建新 site (index: site name) with :data:`SITE_COLUMNS`.
    years : tuple of int
        Plan years, consecutive.
    max_households : Series
        Households moved per year at most (户).
    return_years : int
        周转指标 borrowed in year t must be returned by accepted reclamation by year t + N.
    reclamation_lag_years : int
        Years from demolition to accepted reclamation (复垦验收).
    land_per_household_mu, site_cost_per_household_wan_yuan : float
        建新 land take (亩/户) and site cost (万元/户).
    town_use_value_wan_per_mu, sale_price_wan_per_mu : Series
        Value of 1 亩 of 节余指标 used in town, and its sale price, by year (万元/亩).
    town_use_cap_mu, sale_cap_mu : Series
        Most 节余指标 the town can use, and sell, per year (亩).
    discount_rate : float
    farmer_share : float
        Share of net sale proceeds paid to farmers (reported, not optimised).
    exits : DataFrame or None
        宅基地有偿退出: one row per village offered the paid exit (index: village) with
        :data:`EXIT_COLUMNS`; None or empty: no exit programme.
    exit_offers : tuple of float
        Payment levels offered (万元/户).
    exit_participation : DataFrame or None
        village × level: the share of the village's homestead households that leave at each level.
    exit_parcels : mapping or None
        Village → its homestead parcels (BSM) offered the exit (the land account claims their share).
    notes : tuple of str
        What the costing assumed, shown with results.
    """

    plots: pd.DataFrame
    sites: pd.DataFrame
    years: tuple[int, ...]
    max_households: pd.Series
    return_years: int = 3
    reclamation_lag_years: int = 1
    land_per_household_mu: float = 0.25
    site_cost_per_household_wan_yuan: float = 12.0
    town_use_value_wan_per_mu: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    sale_price_wan_per_mu: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    town_use_cap_mu: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    sale_cap_mu: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    discount_rate: float = 0.05
    farmer_share: float = 0.85
    exits: pd.DataFrame | None = None
    exit_offers: tuple[float, ...] = ()
    exit_participation: pd.DataFrame | None = None
    exit_parcels: Mapping[str, tuple[str, ...]] | None = None
    notes: tuple[str, ...] = ()

    @property
    def plot_cost_wan_yuan(self) -> pd.Series:
        """One-off cost of each 拆旧 plot: demolition and compensation + reclamation (万元)."""
        return self.plots["demolition_cost_wan_yuan"] + self.plots["reclamation_cost_wan_yuan"]

    def with_changes(self, **changes: Any) -> LinkageInputs:
        """A validated copy with some fields replaced."""
        return replace(self, **changes).check()

    def check(self) -> LinkageInputs:
        """Collect every problem in the inputs and raise one :class:`ValidationError` naming them."""
        problems = [problem for invariant in _INVARIANTS for problem in invariant(self)]
        if problems:
            raise ValidationError("linkage plan inputs", problems)
        return self


# ---------------------------------------------------------------------- the invariants of LinkageInputs
def _consecutive_years(inp: LinkageInputs) -> list[Problem]:
    """The plan years are consecutive."""
    years = list(inp.years)
    if not years or years != list(range(years[0], years[0] + len(years))):
        return [Problem("years", f"{years} are not consecutive years", "e.g. 2019, …, 2025", "years")]
    return []


def _table_problems(name: str, frame: pd.DataFrame, cols: Mapping[str, str]) -> list[Problem]:
    """A plot or site table: every column present, ids unique, numbers ≥ 0."""
    problems: list[Problem] = []
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        problems.append(Problem(name, f"missing columns {missing}", f"see {name.upper()[:-1]}_COLUMNS", "column"))
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique().tolist()[:20]
        problems.append(Problem(name, f"duplicate ids {dup}", "ids must be unique", "duplicate"))
    for c in [c for c in cols if c in frame.columns and c not in ("kind", "village")]:
        values = pd.to_numeric(frame[c], errors="coerce")
        bad = frame.index[values.isna() | (values < 0)]
        if len(bad):
            problems.append(Problem(f"{name} column {c}", f"negative or missing for {list(bad[:10])}",
                                    "areas, costs, households and shares are ≥ 0", "value"))
    return problems


def _tables(inp: LinkageInputs) -> list[Problem]:
    """The plot table, then the site table."""
    return _table_problems("plots", inp.plots, PLOT_COLUMNS) + _table_problems("sites", inp.sites, SITE_COLUMNS)


def _plot_areas(inp: LinkageInputs) -> list[Problem]:
    """Reclaimable area within the plot's area, paddy within the reclaimable area."""
    p = inp.plots
    if not {"reclaim_mu", "area_mu", "paddy_mu"} <= set(p.columns):
        return []
    problems: list[Problem] = []
    over = p.index[p["reclaim_mu"] > p["area_mu"] + 1e-9]
    if len(over):
        problems.append(Problem("plots", f"reclaimable area above plot area for {list(over[:10])}",
                                "reclaim_mu ≤ area_mu", "value"))
    over = p.index[p["paddy_mu"] > p["reclaim_mu"] + 1e-9]
    if len(over):
        problems.append(Problem("plots", f"paddy above reclaimable area for {list(over[:10])}",
                                "paddy_mu ≤ reclaim_mu", "value"))
    return problems


def _site_shares(inp: LinkageInputs) -> list[Problem]:
    """A site's farmland and paddy shares at most 1."""
    s = inp.sites
    return [Problem(f"sites column {c}", "share above 1", "give a share in [0, 1]", "value")
            for c in ("farmland_share", "paddy_share") if c in s.columns and (s[c] > 1 + 1e-9).any()]


def _yearly_series(inp: LinkageInputs) -> list[Problem]:
    """Every yearly series has a value ≥ 0 for each plan year."""
    years = list(inp.years)
    problems: list[Problem] = []
    for name in ("max_households", "town_use_value_wan_per_mu", "sale_price_wan_per_mu", "town_use_cap_mu",
                 "sale_cap_mu"):
        series = getattr(inp, name)
        absent = [y for y in years if y not in series.index]
        if absent:
            problems.append(Problem(name, f"no value for years {absent}", "give one per plan year", "years"))
        elif (series.reindex(years) < 0).any():
            problems.append(Problem(name, "negative values", "give values ≥ 0", "value"))
    return problems


#: The numbers of :class:`LinkageInputs` with a rule: field -> (is it wrong, what is wrong, hint).
_NUMBER_RULES: dict[str, tuple[Callable[[float], bool], Callable[[float], str], str]] = {
    "return_years": (lambda v: v < 1, lambda v: f"{v} < 1", "周转指标 are returned within ≥ 1 year"),
    "reclamation_lag_years": (lambda v: v < 0, lambda v: "must be ≥ 0", ""),
    "land_per_household_mu": (lambda v: v <= 0, lambda v: "must be > 0", "e.g. 0.25 亩/户"),
    "discount_rate": (lambda v: not 0 <= v < 1, lambda v: f"{v} outside [0, 1)", ""),
    "farmer_share": (lambda v: not 0 <= v <= 1, lambda v: f"{v} outside [0, 1]", ""),
}


def _numbers(inp: LinkageInputs) -> list[Problem]:
    """The rules of :data:`_NUMBER_RULES`, in order."""
    return [Problem(name, what(getattr(inp, name)), hint, "value")
            for name, (wrong, what, hint) in _NUMBER_RULES.items() if wrong(getattr(inp, name))]


def _exit_participation(inp: LinkageInputs) -> list[Problem]:
    """An exit programme says how many of each village's households leave at each offer level."""
    if inp.exits is not None and len(inp.exits) and inp.exit_offers and inp.exit_participation is None:
        return [Problem("exit_participation", "missing while exits are given",
                        "give each exit village's share of households leaving at each offer level", "value")]
    return []


#: The invariants :meth:`LinkageInputs.check` runs, in the order their problems are listed.
_INVARIANTS: tuple[Callable[[LinkageInputs], list[Problem]], ...] = (
    _consecutive_years, _tables, _plot_areas, _site_shares, _yearly_series, _numbers, _exit_participation,
)


# ---------------------------------------------------------------------- from a Town
def by_year(value: object, years: Sequence[int], key: str) -> pd.Series:
    """A scalar or {year: value} parameter as a float Series over ``years`` (missing years NaN)."""
    if isinstance(value, Mapping):
        return pd.Series({y: float(value[y]) if y in value else float(value.get(str(y), np.nan)) for y in years},
                         name=key, dtype=float)
    return pd.Series({y: float(cast(SupportsFloat, value)) for y in years}, name=key, dtype=float)


def reclaimed_quality(plots: gpd.GeoDataFrame, town: Town) -> pd.DataFrame:
    """Grade, paddy flag and grain capacity per 亩 of farmland reclaimed from ``plots`` (the module rule).

    Returns a DataFrame indexed like ``plots`` with ``grade`` (国土 等别 1–15), ``is_paddy`` (bool),
    ``capacity_kg_per_mu`` and ``nearest_farmland_m`` (distance to the farmland whose grade was taken).
    """
    params: Parameters = town.params
    parcels = town.parcels
    farmland = parcels[parcels["is_farmland"].astype(bool) & parcels["farmland_grade"].notna()]
    if len(farmland) == 0:
        raise ValidationError("reclaimed farmland quality", [Problem(
            "town parcels", "no farmland with a grade (GDDB), so reclaimed land has no grade to take",
            "fill GDDB for farmland parcels", "value")])
    pts = gpd.GeoDataFrame(geometry=plots.geometry.representative_point(), crs=parcels.crs)
    near = gpd.sjoin_nearest(pts, farmland[["farmland_grade", "geometry"]], how="left", distance_col="dist_m")
    near = near[~near.index.duplicated(keep="first")].reindex(plots.index)
    table = np.asarray(params["farmland.capacity_by_grade"], dtype=float)
    offset = int(params["linkage.reclaimed_grade_offset"])
    zoned = in_agriculture_zone(parcels.reindex(plots.index)).to_numpy() if "frac_agri_zone" in parcels or \
        "frac_tianyuan" in parcels else np.zeros(len(plots), bool)
    gain = int(params["farmland.agri_zone_grade_gain"]) * zoned  # reclaimed in an agriculture zone: better land
    grade = np.clip(near["farmland_grade"].to_numpy(dtype=float) + offset - gain, 1, table.size).astype(int)
    water = town.layers.get("river_area")
    limit = float(params["linkage.paddy_max_distance_m"])
    if water is not None and len(water):
        dist = plots.geometry.distance(water.geometry.union_all())
        paddy = np.asarray(dist <= limit)
    else:
        paddy = np.zeros(len(plots), dtype=bool)
    return pd.DataFrame({"grade": grade, "is_paddy": paddy, "capacity_kg_per_mu": table[grade - 1],
                         "nearest_farmland_m": near["dist_m"].to_numpy(dtype=float)}, index=plots.index)


def villages_in_areas(town: Town, areas: Iterable[str]) -> list[str]:
    """Village names (ZLDWMC) whose ``area_name`` in the layer ``villages`` is one of ``areas``."""
    layer = town.layers.get("villages")
    areas = list(areas)
    if layer is None:
        raise ValidationError("linkage plan", [Problem("layer villages", "the town has no villages layer",
                                                       "pass villages=[...] by name", "layer")])
    known = sorted(set(layer["area_name"].astype(str)))
    unknown = [a for a in areas if a not in known]
    if unknown:
        raise ValidationError("linkage plan", [Problem("whole_village_areas", f"unknown areas {unknown}",
                                                       f"choose from {known}", "unknown_id")])
    return sorted(layer.loc[layer["area_name"].isin(areas), "ZLDWMC"].astype(str))


def plots_from_town(town: Town, villages: Iterable[str], whole_villages: Iterable[str],
                    exclude_parcels: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """The 拆旧 candidates of a town, costed, as a GeoDataFrame (see the module docstring).

    ``exclude_parcels`` (BSM) are taken by another model of the scenario (the land account) and are
    not candidates.
    """
    params: Parameters = town.params
    parcels = town.parcels
    villages, whole_villages = list(villages), list(whole_villages)
    known = set(parcels["ZLDWMC"].astype(str))
    problems = [Problem(f"village {v}", "no parcel has this ZLDWMC", f"choose from e.g. {sorted(known)[:8]}",
                        "unknown_id") for v in villages + whole_villages if v not in known]
    problems += [Problem(f"village {v}", "in whole_villages but not in villages", "add it to villages", "value")
                 for v in whole_villages if v not in villages]
    if problems:
        raise ValidationError("linkage plan", problems)
    sliver = float(params["reserve.partial_zone_rule"])
    zlmc = parcels["ZLDWMC"].astype(str)
    home = (parcels["DLBM"] == "0702") & zlmc.isin(villages)
    mining = parcels["DLBM"] == "0602"
    ok = parcels.get("frac_CZKFBJ", 0.0) <= sliver
    ok &= parcels.get("frac_STBHHX", 0.0) <= sliver
    free = ~parcels.index.astype(str).isin([str(b) for b in exclude_parcels])
    chosen = parcels[(home | mining) & ok & free].copy()
    quality = reclaimed_quality(chosen, town)
    share = float(params["linkage.reclaimable_share"])
    reclaim = chosen["area_mu"].astype(float) * share
    is_mining = chosen["DLBM"].eq("0602").to_numpy()
    households = chosen["households"].fillna(0).astype(int) if "households" in chosen else 0
    floor = chosen["floor_area_m2"].fillna(0.0).astype(float) if "floor_area_m2" in chosen else 0.0
    demolition = (floor * float(params["acquisition.house_demolition"]) / 1e4
                  + households * float(params["acquisition.resettlement_per_household"]))
    unit_cost = np.where(is_mining, float(params["linkage.mining_reclamation_cost"]),
                         float(params["linkage.reclamation_cost"]))
    out = chosen[["geometry"]].copy()
    out["kind"] = np.where(is_mining, "mining", "homestead")
    out["village"] = zlmc.loc[chosen.index]
    out["area_mu"] = chosen["area_mu"].astype(float)
    out["reclaim_mu"] = reclaim
    out["paddy_mu"] = np.where(quality["is_paddy"], reclaim, 0.0)
    out["capacity_kg"] = reclaim * quality["capacity_kg_per_mu"]
    out["grade"] = quality["grade"]
    out["households"] = households
    out["demolition_cost_wan_yuan"] = demolition
    out["reclamation_cost_wan_yuan"] = reclaim * unit_cost
    block = pd.Series(pd.NA, index=out.index, dtype="string")
    whole = out["village"].isin(whole_villages) & out["kind"].eq("homestead")
    block[whole] = out.loc[whole, "village"]
    out["block"] = block
    out.index.name = "unit"
    return out


def site_candidate_parcels(town: Town, exclude_parcels: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """The parcels that may hold 建新 resettlement (see the module docstring), less ``exclude_parcels``."""
    params: Parameters = town.params
    parcels = town.parcels
    planning = town_planning(town)
    if planning is None:
        raise ValidationError("linkage plan", [Problem(
            "layer GHYT", "no planning layer with planned_use, so no resettlement site can be derived",
            "pass sites=... (a GeoDataFrame with SITE_COLUMNS)", "layer")])
    sliver = float(params["reserve.partial_zone_rule"])
    ok = parcels["landuse_group"].isin(list(params["linkage.site_groups"]))
    ok &= parcels.get("frac_CZKFBJ", 0.0) >= float(params["reserve.min_inside_boundary"])
    for key in CLOSED_TO_CONSTRUCTION:
        if f"frac_{key}" in parcels:
            ok &= parcels[f"frac_{key}"] <= sliver
    ok &= ~parcels.index.astype(str).isin([str(b) for b in exclude_parcels])
    cand = parcels[ok]
    residential = planning[planning["planned_use"].astype("string").eq("residential").fillna(False).to_numpy()]
    pts = gpd.GeoDataFrame(geometry=cand.geometry.representative_point(), crs=parcels.crs)
    inside = gpd.sjoin(pts, residential[["geometry"]], how="inner", predicate="within").index.unique()
    return cand.loc[cand.index.isin(inside)]


def sites_from_town(town: Town, exclude_parcels: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """The 建新 resettlement sites of a town as a GeoDataFrame (see the module docstring).

    A site is the candidate parcels of one village (:func:`site_candidate_parcels`), less
    ``exclude_parcels`` (taken by another model of the scenario).
    """
    params: Parameters = town.params
    parcels = town.parcels
    cand = site_candidate_parcels(town, exclude_parcels)
    if len(cand) == 0:
        raise ValidationError("linkage plan", [Problem(
            "resettlement sites", "no parcel is inside the 城镇开发边界, planned residential and free of 永久基本农田",
            "pass sites=... explicitly", "empty")])
    table = np.asarray(params["farmland.capacity_by_grade"], dtype=float)
    grade = cand["farmland_grade"].astype(float)
    idx = np.clip(np.nan_to_num(grade, nan=table.size).astype(int), 1, table.size) - 1
    farm = np.where(cand["is_farmland"].astype(bool), cand["area_mu"], 0.0)
    frame = pd.DataFrame({
        "area_mu": cand["area_mu"].astype(float),
        "farm_mu": farm,
        "paddy_mu": np.where(cand["is_paddy"].astype(bool), cand["area_mu"], 0.0),
        "cap_kg": farm * table[idx],
        "village": cand["ZLDWMC"].astype(str),
    }, index=cand.index)
    g = frame.groupby("village")
    area = g["area_mu"].sum()
    geom = gpd.GeoSeries(cand.geometry, crs=parcels.crs).groupby(frame["village"]).agg(lambda s: s.union_all())
    per_hh = float(params["linkage.resettlement_land_per_household"])
    sites = gpd.GeoDataFrame({
        "area_mu": area,
        "capacity_households": np.floor(area / per_hh).astype(int),
        "fixed_cost_wan_yuan": float(params["linkage.site_fixed_cost"]),
        "farmland_share": g["farm_mu"].sum() / area,
        "paddy_share": g["paddy_mu"].sum() / area,
        "capacity_kg_per_mu": g["cap_kg"].sum() / area,
        "parcels": g.size(),
    }, geometry=geom.reindex(area.index).values, crs=parcels.crs)
    sites.index = pd.Index([f"{v}安置区" for v in area.index], name="site")
    return sites


#: Columns of :attr:`LinkageInputs.exits` (one row per village offered the paid homestead exit).
EXIT_COLUMNS: tuple[str, ...] = ("households", "homestead_mu", "reclaim_mu", "capacity_kg_per_mu", "paddy_share",
                                 "reclamation_cost_wan_per_mu")


def exits_from_town(town: Town, plots: pd.DataFrame, exclude_parcels: Iterable[str] = ()) -> tuple[
        pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Villages offered 宅基地有偿退出: homesteads (DLBM 0702) outside the 城镇开发边界 and the 生态保护红线, of
    villages whose homesteads are not already 拆旧 plots (a village's mining plot does not count), on land no
    other model took.

    Returns the exit table (:data:`EXIT_COLUMNS`, by village), the participation by village and offer level
    (``people.exit_participation``: a village's own list, else ``default``) and each village's homestead
    parcels. Reclaimable area and quality are the 拆旧 plots' rules (``linkage.reclaimable_share``, the grade
    of the nearest farmland, paddy near water).
    """
    params: Parameters = town.params
    parcels = town.parcels
    sliver = float(params["reserve.partial_zone_rule"])
    zlmc = parcels["ZLDWMC"].astype(str)
    moving = plots.loc[plots["kind"].astype(str).eq("homestead"), "village"] if "kind" in plots else plots["village"]
    ok = (parcels["DLBM"].astype(str) == "0702") & ~zlmc.isin(set(moving.astype(str)))
    ok &= parcels.get("frac_CZKFBJ", 0.0) <= sliver
    ok &= parcels.get("frac_STBHHX", 0.0) <= sliver
    ok &= ~parcels.index.astype(str).isin([str(b) for b in exclude_parcels])
    homes = parcels[ok]
    households = homes["households"].fillna(0).astype(float) if "households" in homes else \
        pd.Series(0.0, index=homes.index)
    homes = homes[households > 0]
    offers = [float(v) for v in params["people.exit_offers"]]
    curves = {str(k): [float(x) for x in v] for k, v in dict(params["people.exit_participation"]).items()}
    bad = [k for k, v in curves.items() if len(v) != len(offers) or any(not 0 <= x <= 1 for x in v)
           or any(b < a for a, b in pairwise(v))]
    if bad or "default" not in curves:
        raise ValidationError("parameters", [Problem(
            "people.exit_participation", f"{'lacks default' if 'default' not in curves else f'bad lists {bad}'}",
            f"give default (and any village) {len(offers)} shares in 0–1, not falling, one per people.exit_offers")])
    if homes.empty:
        empty = pd.DataFrame(columns=list(EXIT_COLUMNS))
        return empty, pd.DataFrame(columns=range(len(offers))), {}
    quality = reclaimed_quality(homes, town)
    share = float(params["linkage.reclaimable_share"])
    area = homes["area_mu"].astype(float)
    g = pd.DataFrame({"village": zlmc.loc[homes.index], "households": households.loc[homes.index], "area": area,
                      "cap": area * quality["capacity_kg_per_mu"], "paddy": area * quality["is_paddy"]})
    by = g.groupby("village", sort=True).sum()
    exits = pd.DataFrame({
        "households": by["households"], "homestead_mu": by["area"], "reclaim_mu": by["area"] * share,
        "capacity_kg_per_mu": by["cap"] / by["area"], "paddy_share": by["paddy"] / by["area"],
        "reclamation_cost_wan_per_mu": float(params["linkage.reclamation_cost"])})
    exits.index.name = "village"
    part = pd.DataFrame([curves.get(v, curves["default"]) for v in exits.index], index=exits.index)
    members = {str(v): [str(b) for b in idx] for v, idx in g.groupby("village").groups.items()}
    return exits, part, members


def linkage_inputs_from_town(
    town: Town,
    *,
    years: Iterable[int] | None = None,
    villages: Iterable[str] | None = None,
    whole_villages: Iterable[str] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    sale_price_wan_per_mu: float | Mapping[int, float] | None = None,
    town_use_value_wan_per_mu: float | Mapping[int, float] | None = None,
    max_households: float | Mapping[int, float] | None = None,
    exclude_parcels: Iterable[str] = (),
    homestead_exit: bool = False,
) -> tuple[LinkageInputs, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Costed 拆旧 plots and 建新 sites of a town, with the quota rules, from its parameters.

    Returns ``(inputs, plots_gdf, sites_gdf)``: the validated inputs and the geometries of the
    candidates (for maps). Villages default to those of ``linkage.whole_village_areas``, all of them
    整村搬迁 blocks; pass ``villages`` (and ``whole_villages``, a subset) to choose others.
    ``exclude_parcels`` (BSM) are taken by another model of the scenario: neither 拆旧 nor 建新.
    ``homestead_exit`` offers the paid homestead exit (宅基地有偿退出) in the other villages
    (:func:`exits_from_town`; their homestead parcels by village in ``inputs.exit_parcels``).
    """
    params: Parameters = town.params
    years_t = tuple(int(y) for y in (years if years is not None else params["linkage.plan_years"]))
    default = villages_in_areas(town, params["linkage.whole_village_areas"])
    villages_l = list(villages) if villages is not None else default
    whole_l = list(whole_villages) if whole_villages is not None else [v for v in villages_l if v in default]
    plots = plots_from_town(town, villages_l, whole_l, exclude_parcels)
    site_gdf = sites_from_town(town, exclude_parcels) if sites is None else sites
    exits, participation, members = exits_from_town(town, plots, exclude_parcels) if homestead_exit else (
        None, None, {})
    inputs = LinkageInputs(
        plots=pd.DataFrame(plots.drop(columns="geometry")),
        sites=pd.DataFrame(site_gdf.drop(columns="geometry", errors="ignore")),
        years=years_t,
        max_households=by_year(max_households if max_households is not None
                               else params["linkage.max_households_per_year"], years_t, "max_households"),
        return_years=int(params["linkage.return_years"]),
        reclamation_lag_years=int(params["linkage.reclamation_lag"]),
        land_per_household_mu=float(params["linkage.resettlement_land_per_household"]),
        site_cost_per_household_wan_yuan=float(params["linkage.resettlement_site_cost_per_household"]),
        town_use_value_wan_per_mu=by_year(town_use_value_wan_per_mu if town_use_value_wan_per_mu is not None
                                          else params["linkage.town_use_value"], years_t, "town_use_value"),
        sale_price_wan_per_mu=by_year(sale_price_wan_per_mu if sale_price_wan_per_mu is not None
                                      else params["linkage.sale_price"], years_t, "sale_price"),
        town_use_cap_mu=by_year(params["linkage.town_use_cap"], years_t, "town_use_cap"),
        sale_cap_mu=by_year(params["linkage.sale_cap"], years_t, "sale_cap"),
        discount_rate=float(params["linkage.discount_rate"]),
        farmer_share=float(params["linkage.farmer_share"]),
        exits=exits,
        exit_offers=tuple(float(v) for v in params["people.exit_offers"]) if homestead_exit else (),
        exit_participation=participation,
        exit_parcels={v: tuple(b) for v, b in members.items()} or None,
        notes=(
            f"拆旧 villages {', '.join(villages_l)}; 整村搬迁 blocks {', '.join(whole_l) or 'none'}",
            "reclaimed grade = nearest farmland's 等别 + offset; paddy within the distance of a river (estimates)",
        ),
    )
    return inputs.check(), plots, site_gdf


__all__ = [
    "EXIT_COLUMNS",
    "KIND_LABELS",
    "PLOT_COLUMNS",
    "SITE_COLUMNS",
    "LinkageInputs",
    "by_year",
    "exits_from_town",
    "linkage_inputs_from_town",
    "plots_from_town",
    "reclaimed_quality",
    "sites_from_town",
    "villages_in_areas",
]
