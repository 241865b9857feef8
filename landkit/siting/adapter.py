"""园区选址 in a scenario: the park siting's adapter (:mod:`landkit.scenario.registry`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from landkit.account import park_claims
from landkit.landuse import ECOLOGICAL_GROUPS
from landkit.scenario.checks import COMMON, YEAR, Check, is_names, is_number
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import ModelAdapter
from landkit.siting.parks import ParkSiting, ParkSpec, site_parks
from landkit.town import Town


def _parks(v: Any) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(
        isinstance(p, dict) and {"name", "kind"} <= set(p) <= {"name", "kind", "area_mu"}
        and isinstance(p["name"], str) and p["kind"] in ("chemical", "wood")
        and (("area_mu" not in p) or (is_number(p["area_mu"]) and p["area_mu"] > 0)) for p in v) and \
        len({p["name"] for p in v}) == len(v)


OPTIONS: dict[str, Check] = {
    **COMMON,
    "parks": (_parks, "a list of {name: text, kind: 'chemical' or 'wood', area_mu: number > 0 (optional: the "
                      "planned size from siting.chemical_park_area / siting.wood_cluster_area)}, "
                      "e.g. [{name: 化工园区, kind: chemical}]"),
    "year": YEAR,
    "buffer_m": (lambda v: v is None or (is_number(v) and v >= 0), "null (parameter default) or metres ≥ 0"),
    "perimeter_weight": (lambda v: v is None or (is_number(v) and v >= 0), "null (parameter default) or a number ≥ 0"),
    "min_separation_m": (lambda v: v is None or (is_number(v) and v >= 0), "null (parameter default) or metres ≥ 0"),
    "exclude_villages": (is_names, "a list of village names or codes whose parcels no park may take"),
}


def solve(ctx: RunContext, rec: ModelRecord) -> ParkSiting:
    """Site the parks on the free land and claim their parcels."""
    town, land = ctx.town, ctx.land
    o = ctx.options("park_sites")
    specs = [ParkSpec(str(p["name"]), str(p["kind"]), float(p["area_mu"])) if "area_mu" in p
             else ParkSpec.planned(str(p["name"]), str(p["kind"]), town.params) for p in o["parks"]]
    rec.notes += [f"{s.name}: planned size {s.area_mu:,.0f} 亩 (parameters)" for s, p in zip(specs, o["parks"],
                                                                                          strict=True)
                  if "area_mu" not in p]
    exclude = None
    if o.get("exclude_villages"):
        wanted = {str(v) for v in o["exclude_villages"]}
        cols = [c for c in ("ZLDWMC", "ZLDWDM") if c in town.parcels.columns]
        hit = town.parcels[cols].astype(str).isin(wanted).any(axis=1) if cols else pd.Series(False, town.parcels.index)
        exclude = town.parcels.index[hit.to_numpy()]
        rec.notes.append(f"{len(exclude)} parcels of {', '.join(sorted(wanted))} excluded")
    if land.taken:
        taken = land.taken_of(town.parcels.index)
        exclude = taken if exclude is None else exclude.union(taken)
    year = int(o.get("year", max(town.params["town.plan_years"])))
    solver = ctx.solve_options("park_sites")
    res = site_parks(town, specs, buffer_m=o.get("buffer_m"), perimeter_weight=o.get("perimeter_weight"),
                     min_separation_m=o.get("min_separation_m"), year=year, exclude=exclude,
                     time_limit_s=solver["time_limit_s"], mip_gap=solver["mip_gap"])
    sol = res.solve
    rec.solver, rec.status = "highs", str(getattr(sol.status, "value", sol.status))
    rec.gap = None if sol.gap is None else float(sol.gap)
    rec.objective = None if getattr(sol, "objective", None) is None else float(sol.objective)
    rec.summary = sol.summary()
    rec.notes += list(res.notes[1:])
    rec.notes.append("the contiguous search adds cuts over several solves, so no single MPS file is written")
    land.add(park_claims(res, year))
    return res


def write(ctx: RunContext, res: ParkSiting, rec: ModelRecord) -> None:
    """The sites' summary and parcels, the layer and the map."""
    w = ctx.writer
    if w is None:  # a run that writes nothing (a sweep's sample) has no writer
        return
    w.table("park_sites", "园区选址汇总", res.summary())
    w.table("park_sites", "园区选址地块表", res.parcels.drop(columns="geometry", errors="ignore"), index=True)
    w.layer("park_sites", res.sites)
    w.figure("park_sites", "园区选址图", res.plot())


def kpis(res: ParkSiting, town: Town) -> dict[str, Any]:
    """Park area, households and farmland; ecological land taken."""
    sm = res.summary()
    t = res.parcels
    eco = float(t.loc[t["landuse_group"].isin(ECOLOGICAL_GROUPS), "area_mu"].sum()) if len(t) else 0.0
    return {"park_area_mu": round(float(sm["面积(亩)"].sum()), 2), "park_households": int(sm["涉及户数"].sum()),
            "park_cost_wan_yuan": round(float(sm["征收成本(万元)"].sum()), 2),
            "park_farmland_mu": round(float(sm["占用耕地(亩)"].sum()), 2),
            "households_moved": int(sm["涉及户数"].sum()), "farmland_taken_mu": float(sm["占用耕地(亩)"].sum()),
            "paddy_taken_mu": float(sm["占用水田(亩)"].sum()), "ecological_land_mu": eco}


ADAPTER = ModelAdapter(
    name="park_sites", order=10, label="园区选址", title="园区选址", options=OPTIONS, solve=solve, write=write,
    kpis=kpis,
    links={"park_sites.occupations -> farmland.ledger": "farmland taken by the park sites enters the 占补平衡 ledger"},
    report_tables=("园区选址汇总",), required=("parks",),
)
