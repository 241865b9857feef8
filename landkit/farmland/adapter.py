"""耕地占补平衡 in a scenario: the farmland balance's adapter (:mod:`landkit.scenario.registry`)."""

from __future__ import annotations

from typing import Any

from landkit._errors import CheckFailedError
from landkit.account import farmland_claims
from landkit.farmland.candidates import candidate_unit_parcels, candidate_units
from landkit.farmland.ledger import FarmlandLedger
from landkit.farmland.model import FarmlandBalance
from landkit.farmland.prices import regime_for
from landkit.farmland.result import FarmlandResult, check_balance
from landkit.scenario.checks import BOOL, COMMON, YEAR, Check, choice
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import ModelAdapter
from landkit.town import Town

OPTIONS: dict[str, Check] = {**COMMON, "base_year": YEAR, "regime": choice("auto", "per_project", "annual"),
                             "duals": BOOL}


def ledger_from_scenario(ctx: RunContext, rec: ModelRecord) -> FarmlandLedger:
    """The 占补平衡 ledger: the linked models' farmland taken; units on the land still free; 挂钩 units."""
    sc, town = ctx.scenario, ctx.town
    o = ctx.options("farmland")
    regime = o.get("regime") or sc.policy.get("farmland_regime", "auto")
    if regime == "auto" and sc.policy.get("date"):
        regime = regime_for(sc.policy["date"], town.params)
        rec.notes.append(f"regime {regime} from policy date {sc.policy['date']}")
    ledger = FarmlandLedger(town.params, regime=regime)
    for model, result in ctx.results.items():
        if ctx.linked(f"{model}.occupations -> farmland.ledger"):
            occ = result.occupations()
            if len(occ):
                ledger.occupy(occ)
    return ledger


def solve(ctx: RunContext, rec: ModelRecord) -> FarmlandResult | None:
    """Balance the farmland the linked models take with units no other model uses; check and claim."""
    town, land = ctx.town, ctx.land
    o = ctx.options("farmland")
    ledger = ledger_from_scenario(ctx, rec)
    if ledger.occupations.empty:
        rec.status, rec.summary = "skipped", "no farmland occupied by the linked models: nothing to balance"
        return None
    years = [int(y) for y in ledger.occupations["year"]] if "year" in ledger.occupations else []
    base_year = int(o.get("base_year", min(years) if years else town.params["town.plan_years"][0]))
    free = sorted(land.taken)
    ledger.add_units(candidate_units(town, base_year=base_year, exclude_parcels=free))
    if "slope_deg_mean" not in town.parcels:
        rec.notes.append("the town has no DEM: the slope rule of 自行垦造 (farmland.reclaim_max_slope_deg) was not "
                         "applied; give a DEM (landkit init --dem) to apply it")
    linkage = ctx.results.get("linkage")
    if linkage is not None and ctx.linked("linkage.supplement_units -> farmland.units"):
        units = linkage.supplement_units()
        if len(units):
            ledger.add_units(units)
    opts = ctx.solve_options("farmland")
    res = FarmlandBalance(ledger).solve(duals=bool(o.get("duals", True)), time_limit_s=opts["time_limit_s"],
                                        mip_gap=opts["mip_gap"],
                                        unit_parcels=candidate_unit_parcels(town, exclude_parcels=free))
    accept(ctx, res, rec)
    return res


def accept(ctx: RunContext, res: FarmlandResult, rec: ModelRecord) -> None:
    """Record the outcome, check the balance independently, claim the units and their projects' parcels."""
    rec.record_outcome(res.outcome)
    problems = check_balance(res)
    if problems:
        raise CheckFailedError("farmland balance", problems)
    ctx.land.units = res.balance.ledger.units
    parcels = ctx.town.parcels
    area = parcels["area_mu"].astype(float).set_axis(parcels.index.astype(str))
    ctx.land.add(farmland_claims(res, res.unit_parcels, area))


def write(ctx: RunContext, res: FarmlandResult, rec: ModelRecord) -> None:
    """占补平衡核算表, 补充耕地核销清单, marginal costs, the figure and the MPS file."""
    w = ctx.writer
    if w is None:  # a run that writes nothing (a sweep's sample) has no writer
        return
    w.mps("farmland", res.outcome, rec)
    w.table("farmland", "占补平衡核算表", res.balance_sheet(), index=True)
    w.table("farmland", "补充耕地核销清单", res.units_cancelled())
    if res.dual_outcome is not None:
        w.table("farmland", "占补平衡边际成本", res.marginal_costs(), index=True)
    w.figure("farmland", "占补平衡图", res.plot())


def kpis(res: FarmlandResult, town: Town) -> dict[str, Any]:
    """The balance's cost and the indicators bought."""
    t = res.units_cancelled()
    bought = t.loc[t["来源"] == "购买指标", "数量(亩)"].sum() if len(t) and "来源" in t else 0.0
    return {"farmland_balance_cost_wan_yuan": round(float(res.cost_wan_yuan), 2),
            "indicators_bought_mu": round(float(bought), 2)}


ADAPTER = ModelAdapter(name="farmland", order=50, label="耕地占补平衡", title="耕地占补平衡", options=OPTIONS,
                       solve=solve, write=write, kpis=kpis, accept=accept,
                       report_tables=("占补平衡核算表", "占补平衡边际成本"))
