"""The town's land account: what a scenario takes and gives, town-wide, each parcel and quota unit once.

Every model of a scenario *claims* land and quota; the account is the table of those claims, one row
per claim (:data:`CLAIM_COLUMNS`):

``model, kind, unit_id, year, area_mu, capacity_kg, paddy_mu, amount_wan_yuan, note``

with ``kind`` one of :data:`KINDS`:

``parcel``
    land a model takes: a reserve acquisition, a park site, a 挂钩 拆旧 plot or 建新 site, the
    corridor's footprint (by area), a 自行垦造 project's parcels; ``unit_id`` is the BSM.
``relocation``
    land a model takes to move its people off, not to build on: the houses within a chemical park's
    buffer (their households counted, the land cleared); ``unit_id`` is the BSM. It counts against the
    parcel's area like ``parcel`` but is not construction on protected land.
``construction_quota``
    新增建设用地 (农用地转用) used by the reserve plan in a year; ``unit_id`` ``新增建设用地-<year>``.
``turnover_borrowed`` / ``turnover_returned``
    挂钩 周转指标 borrowed for 建新 and returned (or drawn directly) from accepted reclamation.
``surplus_used`` / ``surplus_sold``
    挂钩 节余指标 used in town (it adds to the year's construction quota) or sold.
``supplement``
    a 占补平衡 supplement unit cancelled (核销): ``unit_id`` is its 编号, with its quantity (亩),
    capacity (kg) and paddy (亩).

:func:`claims_of` builds the table from the results alone (their result tables and layers, never
from the models' internal variables); :func:`check_account` recomputes the town's balances from that
table and the town's own parcels and parameters, and returns every breach in words:

- a parcel claimed beyond its area (two fates), or a parcel landkit does not know;
- construction on 永久基本农田 or 生态保护红线 (a linear work's crossing is allowed only when the
  scenario allowed it, and is then reported, not refused);
- a supplement unit cancelled beyond what it has, or by two ledgers;
- 挂钩 reclamation used more than once: 周转 return, 节余 in town, 节余 sold and 占补 supplement
  together may not exceed what was accepted;
- a year's 农用地转用 beyond the county's 新增建设用地 quota plus the 节余 used in town.

A run refuses to publish a bundle whose account breaks any of these (:func:`landkit.scenario.run_scenario`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:  # annotations only: landkit.scenario imports this module; landkit.town would add ~190 ms to it
    from landkit.town import Town

#: Kinds of claim.
KINDS: tuple[str, ...] = ("parcel", "relocation", "construction_quota", "turnover_borrowed", "turnover_returned",
                          "surplus_used", "surplus_sold", "supplement")
#: Columns of the account (``tables/land_account.csv``).
CLAIM_COLUMNS: tuple[str, ...] = ("model", "kind", "unit_id", "year", "area_mu", "capacity_kg", "paddy_mu",
                                  "amount_wan_yuan", "note")
#: Kinds of claim that take a parcel (each parcel's area may be claimed once across them).
LAND_KINDS: tuple[str, ...] = ("parcel", "relocation")
#: Models that build on the land they claim (protected land may not be taken by them).
BUILDERS: tuple[str, ...] = ("reserve", "park_sites", "linkage_site", "corridor")
#: Protected layers: share-of-parcel column → name.
PROTECTED: dict[str, str] = {"frac_YJJBNTBHTB": "永久基本农田", "frac_STBHHX": "生态保护红线"}
#: Areas closer than this (亩) count as equal.
TOL_MU = 0.01


def claim_rows(model: str, kind: str, unit_id: Iterable[Any], year: Iterable[Any], area_mu: Iterable[float], *,
               capacity_kg: Iterable[float] | float = 0.0, paddy_mu: Iterable[float] | float = 0.0,
               amount_wan_yuan: Iterable[float] | float = 0.0, note: Iterable[str] | str = "") -> pd.DataFrame:
    """Claims of one model and kind (:data:`CLAIM_COLUMNS`); scalars apply to every row."""
    ids = [str(u) for u in unit_id]
    n = len(ids)

    def col(v: Any) -> Any:
        return list(v) if not np.isscalar(v) else [v] * n

    return pd.DataFrame({"model": model, "kind": kind, "unit_id": ids,
                         "year": pd.array(list(year) if n else [], dtype="Int64"),
                         "area_mu": np.asarray(list(area_mu), dtype=float),
                         "capacity_kg": np.asarray(col(capacity_kg), dtype=float),
                         "paddy_mu": np.asarray(col(paddy_mu), dtype=float),
                         "amount_wan_yuan": np.asarray(col(amount_wan_yuan), dtype=float),
                         "note": col(note)}, columns=list(CLAIM_COLUMNS))


def empty_account() -> pd.DataFrame:
    """An account with no claims."""
    return claim_rows("", "parcel", [], [], [])


# --------------------------------------------------------------------------- claims, model by model
def reserve_claims(result: Any) -> pd.DataFrame:
    """Parcels acquired (newly, in the plan) or supplied by their collective (入市), and 农用地转用 by year."""
    s = result.schedule
    new = s[~s["held_at_start"].astype(bool)]
    parts = [claim_rows("reserve", "parcel", new.index, new["year_acquired"], new["area_mu"],
                   capacity_kg=new["capacity_kg"], paddy_mu=new["paddy_mu"], note="收储")]
    entry = result.market_entry
    entered = entry.index[entry.sum(axis=1) > 0]
    if len(entered):  # supplied by its collective (入市): the land has this fate too
        years = [int(entry.columns[int(entry.loc[b].to_numpy().argmax())]) for b in entered]
        parts.append(claim_rows("reserve", "parcel", entered, years,
                                result.plan.inputs.parcels.loc[entered, "area_mu"], note="集体经营性建设用地入市"))
    q = result.quota_use()
    parts.append(claim_rows("reserve", "construction_quota", [f"新增建设用地-{y}" for y in q.index], q.index,
                       q["农用地转用(亩)"], note="农用地转用"))
    return pd.concat(parts, ignore_index=True)


def park_claims(result: Any, year: int) -> pd.DataFrame:
    """Parcels of the park sites, from a :class:`landkit.siting.ParkSites` result."""
    t = result.parcels
    if not len(t):
        return empty_account()
    moved = (t["role"] != "园区用地") if "role" in t else pd.Series(False, index=t.index)
    site, off = t[~moved.to_numpy()], t[moved.to_numpy()]
    return pd.concat([
        claim_rows("park_sites", "parcel", site.index, [year] * len(site), site["area_mu"],
                   note=[f"园区 {n}" for n in site["site"]] if "site" in site else "园区"),
        claim_rows("park_sites", "relocation", off.index, [year] * len(off), off["area_mu"],
                   note=[f"园区 {n} 防护距离内搬迁" for n in off["site"]] if "site" in off else "防护距离内搬迁"),
    ], ignore_index=True)


def linkage_claims(result: Any) -> pd.DataFrame:
    """拆旧 plots and 建新 site parcels taken, and the 挂钩 quota flows, from a :class:`LinkageResult`."""
    plots = result.plots
    parts = [claim_rows("linkage", "parcel", plots.index, plots["year_demolished"], plots["area_mu"], note="挂钩拆旧")]
    parts.append(_site_parcel_claims(result))
    parts.append(_exit_claims(result))
    years = list(result.plan.inputs.years)
    for kind, flows in (("turnover_borrowed", ("borrow",)), ("turnover_returned", ("repay", "direct")),
                        ("surplus_used", ("use",)), ("surplus_sold", ("sell",))):
        total = sum(result.flow(f).reindex(years).fillna(0.0) for f in flows)
        total = total[total > 1e-9]
        parts.append(claim_rows("linkage", kind, [f"挂钩-{kind}-{y}" for y in total.index], total.index,
                                total.to_numpy()))
    return pd.concat(parts, ignore_index=True)


def _exit_claims(result: Any) -> pd.DataFrame:
    """宅基地有偿退出: each village's homestead parcels, claimed by the share of its households that leave."""
    inp = result.plan.inputs
    t = result.exits() if hasattr(result, "exits") else pd.DataFrame()
    if not len(t) or not inp.exit_parcels:
        return empty_account()
    town = getattr(result.plan, "town", None)
    if town is None:
        return empty_account()
    area = town.parcels["area_mu"].astype(float).set_axis(town.parcels.index.astype(str))
    rows = []
    for r in t.itertuples(index=False):
        parcels = list(inp.exit_parcels.get(str(r.村), ()))
        rows.append(claim_rows("linkage", "parcel", parcels, [int(r.年度)] * len(parcels),
                               area.reindex(parcels).fillna(0.0).to_numpy() * float(r.退出比例),
                               note=f"宅基地有偿退出 {r.村} ({float(r.退出比例):.0%})"))
    return pd.concat(rows, ignore_index=True) if rows else empty_account()


def _site_parcel_claims(result: Any) -> pd.DataFrame:
    """Each opened 建新 site claims the share of its parcels' area that its households use.

    A site's parcels are read from its geometry (the layer ``linkage_sites``): the town's parcels whose
    representative point lies in it.
    """
    plan = result.plan
    town = getattr(plan, "town", None)
    if town is None or not len(result.sites) or plan.sites_gdf is None or "geometry" not in plan.sites_gdf:
        return empty_account()
    sites = result.sites_gdf()
    rows = []
    for site, parcels in site_parcels(town, sites).items():
        area = town.parcels.loc[parcels, "area_mu"].astype(float)
        share = min(float(sites.at[site, "land_mu"]) / max(float(area.sum()), 1e-9), 1.0)
        rows.append(claim_rows("linkage_site", "parcel", parcels, [int(sites.at[site, "year_opened"])] * len(parcels),
                          area.to_numpy() * share, note=f"挂钩建新 {site} ({share:.0%})"))
    return pd.concat(rows, ignore_index=True) if rows else empty_account()


def site_parcels(town: Town, sites: Any) -> dict[str, list[str]]:
    """The town's parcels inside each site polygon (by representative point), keyed by site id."""
    parcels = town.parcels
    pts = gpd.GeoDataFrame(geometry=parcels.geometry.representative_point(), crs=parcels.crs)
    hit = gpd.sjoin(pts, sites[["geometry"]].rename_axis("site").reset_index(), how="inner", predicate="within")
    return {str(site): [str(b) for b in g.index] for site, g in hit.groupby("site", sort=False)}


def corridor_claims(route: Any) -> pd.DataFrame:
    """The corridor's footprint by parcel and area (亩), from a :class:`landkit.corridor.Route`."""
    t = route.parcels_taken()
    return claim_rows("corridor", "parcel", t["BSM"], [route.year] * len(t), t["taken_mu"],
                 capacity_kg=t["capacity_kg"], paddy_mu=t["paddy_mu"], note=f"廊道 {route.name}")


def farmland_claims(result: Any, unit_parcels: Mapping[str, Iterable[str]] | None = None,
                    parcel_area_mu: pd.Series | None = None) -> pd.DataFrame:
    """Supplement units cancelled (and the parcels of the 自行垦造 projects cancelled), from a FarmlandResult."""
    ledger = result.ledger
    c = ledger.cancellations()
    if c.empty:
        return empty_account()
    units = ledger.units
    share = c.groupby("unit", sort=False)["share"].sum()
    u = units.loc[share.index]
    parts = [claim_rows("farmland", "supplement", share.index, u["year"], u["area_mu"].to_numpy() * share.to_numpy(),
                   capacity_kg=u["capacity_kg"].to_numpy() * share.to_numpy(),
                   paddy_mu=u["paddy_mu"].to_numpy() * share.to_numpy(),
                   amount_wan_yuan=u["cost_wan_yuan"].to_numpy() * share.to_numpy(), note=u["note"])]
    for unit in share.index:
        parcels = [str(p) for p in (unit_parcels or {}).get(str(unit), ())]
        if parcels and parcel_area_mu is not None:
            area = parcel_area_mu.reindex(parcels).fillna(0.0).to_numpy() * float(share[unit])
            parts.append(claim_rows("farmland", "parcel", parcels, [int(units.at[unit, "year"])] * len(parcels), area,
                               note=f"补充耕地项目 {unit}"))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- the independent check
def check_account(account: pd.DataFrame, town: Town, *, units: pd.DataFrame | None = None,
                  reclaimed_mu: float | None = None, quota_mu: Mapping[int, float] | None = None,
                  protected_allowed: Iterable[str] = ()) -> list[str]:
    """Every way the account breaks the town's rules, in words (empty when it holds).

    Parameters
    ----------
    account : DataFrame
        The claims (:data:`CLAIM_COLUMNS`), e.g. ``tables/land_account.csv`` read back.
    town : Town
        Its parcels (``area_mu`` and the protected-layer shares) are the truth the claims are held to.
    units : DataFrame, optional
        Supplement units registered in the scenario (index 编号; ``area_mu, capacity_kg, paddy_mu``).
    reclaimed_mu : float, optional
        挂钩 reclamation accepted within the plan (亩): the one source of every 挂钩 use.
    quota_mu : mapping, optional
        The county's 新增建设用地 quota by year (亩), before any 挂钩 节余.
    protected_allowed : iterable of str
        Models allowed to cross protected land (their crossing is reported elsewhere, not refused).
    """
    problems: list[str] = []
    problems += _parcel_problems(account, town)
    problems += _protected_problems(account, town, set(protected_allowed))
    problems += _unit_problems(account, units)
    if reclaimed_mu is not None:
        problems += _linkage_problems(account, reclaimed_mu)
    if quota_mu is not None:
        problems += _quota_problems(account, quota_mu)
    return problems


def _parcel_problems(account: pd.DataFrame, town: Town) -> list[str]:
    claims = account[account["kind"].isin(LAND_KINDS)]
    if claims.empty:
        return []
    area = town.parcels["area_mu"].astype(float)
    area.index = area.index.astype(str)
    out = [f"parcel {b} (claimed by {', '.join(sorted(set(g['model'])))}) is not a parcel of the town"
           for b, g in claims.groupby("unit_id") if b not in area.index]
    total = claims.groupby("unit_id")["area_mu"].sum()
    known = total[total.index.isin(area.index)]
    over = known[known > area.reindex(known.index) * (1 + 1e-6) + TOL_MU]
    for b in over.index:
        g = claims[claims["unit_id"] == b]
        who = "; ".join(f"{m} {a:.2f}亩" for m, a in g.groupby("model")["area_mu"].sum().items())
        out.append(f"parcel {b} ({area[b]:.2f}亩) is claimed {over[b]:.2f}亩: {who}")
    return out


def _protected_problems(account: pd.DataFrame, town: Town, allowed: set[str]) -> list[str]:
    claims = account[(account["kind"] == "parcel") & account["model"].isin(BUILDERS) & ~account["model"].isin(allowed)]
    if claims.empty:
        return []
    p = town.parcels.set_axis(town.parcels.index.astype(str))
    sliver = float(town.params["reserve.partial_zone_rule"])
    out = []
    for col, name in PROTECTED.items():
        if col not in p:
            continue
        frac = p[col].fillna(0.0).reindex(claims["unit_id"]).fillna(0.0).to_numpy()
        corridor = (claims["model"] == "corridor").to_numpy()
        # a parcel's share inside the layer is known, not where in the parcel it lies: a building model takes
        # the whole parcel (any share above the sliver rule is a take); a linear work's strip is held to the
        # parcels that lie mostly inside (its exact crossing is measured on the geometry by the corridor)
        hit = (frac > sliver) & (~corridor | (frac > 0.5))
        for (model, bsm), share in zip(claims.loc[hit, ["model", "unit_id"]].itertuples(index=False, name=None),
                                       frac[hit], strict=True):
            out.append(f"{model} builds on parcel {bsm}, {share:.0%} of it inside {name}")
    return out


def _unit_problems(account: pd.DataFrame, units: pd.DataFrame | None) -> list[str]:
    used = account[account["kind"] == "supplement"]
    if used.empty:
        return []
    out = []
    for uid, g in used.groupby("unit_id"):
        if g["model"].nunique() > 1 or len(g) > 1:
            out.append(f"supplement unit {uid} is cancelled {len(g)} times ({', '.join(g['model'])})")
        if units is not None:
            if uid not in units.index:
                out.append(f"supplement unit {uid} is cancelled but was never registered")
                continue
            for col, unit in (("area_mu", "亩"), ("capacity_kg", "kg"), ("paddy_mu", "亩")):
                have, take = float(units.at[uid, col]), float(g[col].sum())
                if take > have * (1 + 1e-6) + TOL_MU:
                    out.append(f"supplement unit {uid}: {take:.2f}{unit} cancelled of {have:.2f}{unit}")
    return out


def _linkage_problems(account: pd.DataFrame, reclaimed_mu: float) -> list[str]:
    kinds = ("turnover_returned", "surplus_used", "surplus_sold")
    uses = {k: float(account.loc[account["kind"] == k, "area_mu"].sum()) for k in kinds}
    gg = account[(account["kind"] == "supplement") & account["unit_id"].str.startswith("GG-")]
    uses["supplement"] = float(gg["area_mu"].sum())
    total = sum(uses.values())
    if total > reclaimed_mu + TOL_MU:
        parts = ", ".join(f"{k} {v:.2f}亩" for k, v in uses.items() if v > 0)
        return [f"挂钩 reclamation used {total:.2f}亩 of {reclaimed_mu:.2f}亩 accepted ({parts}): used twice"]
    return []


def _quota_problems(account: pd.DataFrame, quota_mu: Mapping[int, float]) -> list[str]:
    conv = account[account["kind"] == "construction_quota"].groupby("year")["area_mu"].sum()
    extra = account[account["kind"] == "surplus_used"].groupby("year")["area_mu"].sum()
    out = []
    for year, used in conv.items():
        have = float(quota_mu.get(int(year), 0.0)) + float(extra.get(year, 0.0))
        if used > have + TOL_MU:
            out.append(f"{year}: 农用地转用 {used:.2f}亩 exceeds the 新增建设用地 quota {have:.2f}亩 "
                       "(county allocation + 挂钩节余 used in town)")
    return out


__all__ = ["CLAIM_COLUMNS", "KINDS", "check_account", "claim_rows", "corridor_claims", "empty_account",
           "farmland_claims", "linkage_claims", "park_claims", "reserve_claims", "site_parcels"]
