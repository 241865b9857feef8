"""文化旅游大动脉 in a scenario: the tourism corridor's adapter (:mod:`landkit.scenario.registry`)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from landkit.account import corridor_claims
from landkit.corridor.plan import TourismCorridor
from landkit.corridor.result import Route
from landkit.landuse import ECOLOGICAL_GROUPS
from landkit.scenario.checks import COMMON, Check, choice
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import ModelAdapter
from landkit.town import Town

OPTIONS: dict[str, Check] = {
    **COMMON,
    "order": (lambda v: v is None or (isinstance(v, list) and len(v) >= 2 and all(isinstance(s, str) for s in v)),
              "null (best order) or a list of at least 2 site names"),
    "by": choice("length_m", "resistance", "build_cost_wan_yuan"),
    "start": (lambda v: v is None or isinstance(v, str), "a site name or null"),
    "end": (lambda v: v is None or isinstance(v, str), "a site name or null"),
    "neighbours": choice(8, 16),
    "name": (lambda v: isinstance(v, str), "a text"),
    "protected": choice("barrier", "allow"),
}
CROSSING_HEADINGS = {"layer": "图层", "name": "保护区", "length_m": "穿越长度(m)", "area_mu": "占用面积(亩)"}


def solve(ctx: RunContext, rec: ModelRecord) -> Route:
    """Route on the free land (protected land a barrier unless allowed) and claim its footprint."""
    town, land = ctx.town, ctx.land
    o = ctx.options("corridor")
    protected = o.get("protected", "barrier")
    corridor = TourismCorridor.from_town(town, neighbours=int(o.get("neighbours", 8)), protected=protected,
                                         exclude_parcels=sorted(land.taken))
    if o.get("order"):
        route = corridor.route(o["order"], name=o.get("name"))
        rec.status, rec.summary = "given", "route order given in the scenario (no optimisation)"
    else:
        solver = ctx.solve_options("corridor")
        choice_ = corridor.best_order(by=o.get("by", "length_m"), start=o.get("start"), end=o.get("end"),
                                      time_limit_s=solver["time_limit_s"], mip_gap=solver["mip_gap"])
        route = corridor.route(choice_, name=o.get("name"))
        rec.solver, rec.status, rec.gap = "highs", choice_.status, choice_.gap
        rec.objective, rec.summary = float(choice_.objective), choice_.summary
        rec.notes.append("RouteChoice keeps no solver model or run time, so no MPS file is written for the corridor")
    if protected == "allow":
        crossings = route.protected_crossings()
        land.protected_allowed.add("corridor")
        rec.notes.append("protected land may be crossed (models.corridor.protected: allow): " + "; ".join(
            f"{r.name} {r.length_m:,.0f} m, {r.area_mu:,.2f} 亩" for r in crossings.itertuples()))
    land.add(corridor_claims(route))
    return route


def write(ctx: RunContext, route: Route, rec: ModelRecord) -> None:
    """Segments, headline figures, land to acquire, protected crossings, layers and the route map."""
    w, town, corridor = ctx.writer, ctx.town, route.corridor
    if w is None:  # a run that writes nothing (a sweep's sample) has no writer
        return
    assert corridor is not None  # solve routes in a TourismCorridor, which every route it builds carries
    w.table("corridor", "廊道线路分段表", route.table())
    w.table("corridor", "廊道线路指标", pd.DataFrame([route.summary()]))
    w.table("corridor", "廊道用地征收表", route.acquisition_table())
    w.table("corridor", "廊道穿越保护区表", route.protected_crossings().rename(columns=CROSSING_HEADINGS))
    w.layer("corridor_route", route.segments.copy())
    taken = route.parcels_taken()
    geo = town.parcels.geometry.reindex(taken["BSM"]).to_numpy()
    w.layer("corridor_parcels", gpd.GeoDataFrame(taken, geometry=geo, crs=town.crs))
    w.figure("corridor", "廊道线路图", corridor.plot({route.name: route}))


def kpis(route: Route, town: Town) -> dict[str, Any]:
    """Length and cost; households whose parcels the footprint touches (涉及, not counted as 搬迁), farmland
    and ecological land in the footprint."""
    cs = route.summary()
    taken = route.parcels_taken()
    eco = float(taken.loc[taken["landuse_group"].isin(ECOLOGICAL_GROUPS), "taken_mu"].sum())
    return {"corridor_length_km": cs["长度(km)"], "corridor_cost_wan_yuan": cs["建设费用(万元)"],
            "corridor_affected_households": int(cs["涉及户数"]), "farmland_taken_mu": float(cs["占用耕地(亩)"]),
            "paddy_taken_mu": float(cs["其中水田(亩)"]), "ecological_land_mu": eco}


ADAPTER = ModelAdapter(
    name="corridor", order=20, label="文化旅游大动脉", title="文化旅游大动脉线路", options=OPTIONS, solve=solve,
    write=write, kpis=kpis,
    links={"corridor.occupations -> farmland.ledger":
           "farmland taken by the corridor route enters the 占补平衡 ledger"},
    report_tables=("廊道线路指标", "廊道穿越保护区表", "廊道线路分段表"),
)
