"""Occupations and candidate supplement units derived from a :class:`~landkit.Town`.

Occupations of a planned site
-----------------------------
Every farmland parcel (``is_farmland``) overlapping the site's polygons occupies the overlap area
:math:`a_p` (亩, planar in the town CRS), with the parcel's grade (GDDB) and paddy flag; overlaps
under ``min_mu`` are mapping slivers and are dropped.

Candidate supplement units (all numbers from ``farmland`` in ``parameters.yaml``)
--------------------------------------------------------------------------------
- **自行垦造** (whole project per village 坐落): non-farmland parcels with DLBM in ``reclaim_codes`` (idle
  1201, saline 1204, sand 1205, bare soil 1206, bare rock 1207, other grassland 0404 and mining 0602),
  mean slope ≤ ``reclaim_max_slope_deg`` (a town without a DEM has no slope: the rule cannot be applied, and
  each such project's note says 坡度未核), at most ``reclaim_max_zone_frac`` inside 生态保护红线 or
  饮用水水源保护区. Result: dry farmland of ``reclaimed_grade``; cost area × ``own_reclamation_cost``
  (× ``mining_reclamation_cost`` for 0602, a separate project per village); accepted
  ``project_lead_years`` after ``base_year``.
- **提质改造** (whole project per village): farmland of grade ≥ ``upgrade_min_grade`` outside 生态保护红线
  improved by ``upgrade_steps`` grades: capacity :math:`\\sum_p a_p (c(g_p - k) - c(g_p))`, cost
  :math:`\\sum_p a_p\\,k \\cdot` ``upgrade_cost_per_grade``; no new area, no paddy.
- **购买指标** (divisible, up to ``indicator_max_mu`` 亩 each, available in ``base_year``): Shandong 调剂 at
  grades 6, 8 and 10, 统筹 (flat price, counted at the reference grade 8) and the national cross-province
  price at grade 8, each ordinary and paddy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.farmland.ledger import SupplementUnit, indicator
from landkit.farmland.prices import capacity_kg_per_mu
from landkit.glossary import SOURCE_LABELS
from landkit.params import Parameters
from landkit.town import Town, in_agriculture_zone
from landkit.units import m2_to_mu

#: Default purchasable indicators: (market, grade or None for the reference grade).
DEFAULT_MARKETS: tuple[tuple[str, int | None], ...] = (
    ("shandong_adjusted", 6), ("shandong_adjusted", 8), ("shandong_adjusted", 10),
    ("shandong_pooled", None), ("national", None),
)
_MARKET_IDS = {"shandong_adjusted": "调剂", "shandong_pooled": "统筹", "national": "跨省"}


def occupations_from_layer(
    town: Town, layer: str | gpd.GeoDataFrame, *, year: int, source: str, project: str | None = None,
    min_mu: float = 0.01,
) -> pd.DataFrame:
    """Farmland occupied by a planned site: ``source, id, project, year, area_mu, grade, paddy`` per parcel.

    Parameters
    ----------
    town : Town
    layer : str or GeoDataFrame
        A layer name in ``town.layers`` (e.g. ``"wood_zone"``) or polygons in the town CRS.
    year : int
        Year the site occupies the land.
    source : str
        Name of the plan (e.g. ``"木业园区"``).
    project : str, optional
        The per-project 批次 (default ``"<source> <year>年"``, as the ledger names a model's batches).
    min_mu : float
        Overlaps smaller than this (亩) are slivers and dropped.
    """
    layers = town.layers
    if isinstance(layer, str):
        if layer not in layers:
            raise ValidationError("occupations_from_layer", [Problem(f"layer {layer!r}", "is not in town.layers",
                                                                     f"use one of {sorted(layers)}")])
        site = layers[layer]
    else:
        site = layer
    parcels = town.parcels
    if site.crs is None or not site.crs.equals(parcels.crs):
        raise ValidationError("occupations_from_layer", [Problem("layer", f"CRS {site.crs} is not the town's "
                                                                 f"{parcels.crs}", "reproject it with to_crs()")])
    farm = parcels[parcels["is_farmland"].astype(bool)]
    shape = site.geometry.union_all()
    hit = farm[farm.intersects(shape)]
    area = m2_to_mu(hit.geometry.intersection(shape).area.to_numpy())
    keep = area >= min_mu
    hit = hit[keep]
    return pd.DataFrame({
        "source": source, "id": hit.index.astype(str),
        "project": project or f"{SOURCE_LABELS.get(source, source)} {year}年",
        "year": int(year), "area_mu": area[keep], "grade": hit["farmland_grade"].to_numpy(dtype=float),
        "paddy": hit["is_paddy"].astype(bool).to_numpy(),
    })


def _project_parcels(town: Town, params: Parameters, exclude_parcels: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The parcels of each 自行垦造 / 工矿复垦 and 提质改造 project, keyed by the unit's 编号.

    One project per village and kind; ``exclude_parcels`` (taken by another model) are left out.
    """
    p = town.parcels
    p = p[~p.index.astype(str).isin([str(b) for b in exclude_parcels])]
    f = "farmland."
    zone = np.zeros(len(p))
    for layer in ("STBHHX", "YYSYDBHQ"):
        if f"frac_{layer}" in p:
            zone = np.maximum(zone, p[f"frac_{layer}"].fillna(0).to_numpy())
    slope = p["slope_deg_mean"].to_numpy() if "slope_deg_mean" in p else np.zeros(len(p))
    codes = [str(c) for c in params[f + "reclaim_codes"]]
    ok = (p["DLBM"].astype(str).isin(codes).to_numpy() & ~p["is_farmland"].astype(bool).to_numpy()
          & (np.nan_to_num(slope, nan=np.inf) <= float(params[f + "reclaim_max_slope_deg"]))
          & (zone <= float(params[f + "reclaim_max_zone_frac"])))
    rec = p[ok].assign(mining=p.loc[ok, "DLBM"].astype(str) == "0602")
    out: dict[str, pd.DataFrame] = {}
    for (village, mining), part in rec.groupby(["ZLDWMC", "mining"], sort=True):
        out[f"{'工矿复垦' if mining else '垦造'}-{village}"] = part
    g = p["farmland_grade"].to_numpy(dtype=float)
    upg = p[(p["is_farmland"].astype(bool).to_numpy()) & (g >= float(params[f + "upgrade_min_grade"]))
            & (p["frac_STBHHX"].fillna(0).to_numpy() <= float(params[f + "reclaim_max_zone_frac"])
               if "frac_STBHHX" in p else True)]
    for village, part in upg.groupby("ZLDWMC", sort=True):
        out[f"提质-{village}"] = part
    return out


def candidate_unit_parcels(town: Town, *, exclude_parcels: Iterable[str] = (),
                           params: Parameters | None = None) -> dict[str, list[str]]:
    """The parcels (BSM) of each candidate project unit of :func:`candidate_units`, keyed by 编号.

    A cancelled project takes these parcels (the land account); purchased indicators take none.
    """
    params = params if params is not None else town.params
    return {uid: [str(b) for b in part.index] for uid, part in _project_parcels(town, params, exclude_parcels).items()}


def project_parcels(town: Town, *, exclude_parcels: Iterable[str] = (),
                    params: Parameters | None = None) -> dict[str, pd.DataFrame]:
    """The parcels (rows of ``town.parcels``) of each candidate project of :func:`candidate_units`, by 编号."""
    params = params if params is not None else town.params
    return _project_parcels(town, params, exclude_parcels)


def project_unit(uid: str, part: pd.DataFrame, *, year: int, params: Parameters) -> SupplementUnit:
    """The supplement unit of project ``uid`` (``垦造-<村>``, ``工矿复垦-<村>``, ``提质-<村>``) on the parcels ``part``.

    Reclamation adds the parcels' area at ``farmland.reclaimed_grade`` (``agri_zone_grade_gain`` grades better in
    an agriculture zone, :func:`landkit.town.in_agriculture_zone`) and costs ``own_reclamation_cost``
    (``mining_reclamation_cost`` for 工矿复垦) per 亩; 提质改造 raises each parcel ``upgrade_steps`` grades
    (capacity gain parcel by parcel) at ``upgrade_cost_per_grade`` per 亩 and grade. Every figure is a sum
    over the parcels, so a project on a subset of its parcels is the same sum over the subset.
    """
    f = "farmland."
    kind, village = uid.split("-", 1)
    area = float(part["area_mu"].sum())
    if kind == "提质":
        steps = int(params[f + "upgrade_steps"])
        gain = (capacity_kg_per_mu(part["farmland_grade"].to_numpy() - steps, params)
                - capacity_kg_per_mu(part["farmland_grade"].to_numpy(), params))
        cost = area * steps * float(params[f + "upgrade_cost_per_grade"])
        return SupplementUnit(uid, "upgrade", year, 0.0, float((part["area_mu"].to_numpy() * gain).sum()), 0.0,
                              cost, False, float("nan"), f"{village} {len(part)} 图斑 {area:.0f} 亩, 提升 {steps} 等")
    grade = int(params[f + "reclaimed_grade"])
    zoned = in_agriculture_zone(part).to_numpy()
    grades = np.clip(grade - int(params[f + "agri_zone_grade_gain"]) * zoned, 1, None)
    capacity = float((part["area_mu"].to_numpy() * capacity_kg_per_mu(grades, params)).sum())
    price = float(params[f + ("mining_reclamation_cost" if kind == "工矿复垦" else "own_reclamation_cost")])
    unchecked = "" if "slope_deg_mean" in part else "; 坡度未核 (无DEM)"
    better = f"; {int(zoned.sum())} 图斑在农业示范区, 复垦至{int(grades.min())}等" if zoned.any() else ""
    mean_grade = float(np.average(grades, weights=part["area_mu"].to_numpy())) if area > 0 else float(grade)
    return SupplementUnit(uid, "reclamation", year, area, capacity, 0.0, area * price, False, round(mean_grade, 2),
                          f"{village} {len(part)} 图斑, {kind} → {grade}等旱地{unchecked}{better}")


def candidate_units(
    town: Town, *, base_year: int, markets: Sequence[tuple[str, int | None]] = DEFAULT_MARKETS,
    params: Parameters | None = None, exclude_parcels: Iterable[str] = (),
) -> list[SupplementUnit]:
    """Candidate supplement units of a town by the rules of the module docstring.

    Parameters
    ----------
    town : Town
    base_year : int
        Projects start in this year; indicators can be bought from it.
    markets : sequence of (market, grade)
        Purchasable indicators offered (grade None: the Shandong reference grade).
    params : Parameters, optional
        Default ``town.params`` (pass ``town.params.with_overrides(...)`` for a what-if).
    exclude_parcels : iterable of str
        Parcels (BSM) another model of the scenario takes (acquired, built on, demolished): no
        project may use them (:func:`candidate_unit_parcels` gives each project's parcels).
    """
    params = params if params is not None else town.params
    f = "farmland."
    year = int(base_year) + int(params[f + "project_lead_years"])
    units: list[SupplementUnit] = []
    for uid, part in _project_parcels(town, params, exclude_parcels).items():
        units.append(project_unit(uid, part, year=year, params=params))

    max_mu = float(params[f + "indicator_max_mu"])
    ref = int(params[f + "shandong_reference_grade"])
    for market, gr in markets:
        gr = ref if gr is None else gr
        for paddy in (False, True):
            uid = f"{_MARKET_IDS.get(market, market)}-{'水田' if paddy else '旱地'}-{gr}等"
            units.append(indicator(uid, market=market, grade=gr, paddy=paddy, max_mu=max_mu, year=int(base_year),
                                   params=params))
    return units
