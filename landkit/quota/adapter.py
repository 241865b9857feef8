"""增减挂钩 in a scenario: the linkage plan's adapter (:mod:`landkit.scenario.registry`)."""

from __future__ import annotations

from typing import Any

from landkit._errors import CheckFailedError
from landkit.account import linkage_claims
from landkit.quota.check import check_linkage
from landkit.quota.linkage import LinkagePlan
from landkit.quota.result import LinkageResult
from landkit.scenario.checks import BOOL, COMMON, IDS, YEARS, Check, choice, is_names
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import ModelAdapter
from landkit.town import Town

OPTIONS: dict[str, Check] = {
    **COMMON,
    "years": YEARS,
    "objective": choice("max_value", "min_cost"),
    "villages": (is_names, "a list of village names or codes"),
    "whole_villages": (is_names, "a list of village names or codes"),
    "excluded": IDS,
    "homestead_exit": BOOL,
}


def plan_from_scenario(ctx: RunContext) -> LinkagePlan:
    """The scenario's 挂钩 plan on the land still free (no 拆旧 or 建新 on parcels another model took)."""
    o = ctx.options("linkage")
    return LinkagePlan.from_town(ctx.town, years=o.get("years"), villages=o.get("villages"),
                                 whole_villages=o.get("whole_villages"), objective=o.get("objective", "max_value"),
                                 excluded=o.get("excluded", ()), exclude_parcels=sorted(ctx.land.taken),
                                 homestead_exit=bool(o.get("homestead_exit", False)))


def solve(ctx: RunContext, rec: ModelRecord) -> LinkageResult:
    """Solve, check the quota ledger independently, claim the plots, sites and quota flows."""
    opts = ctx.solve_options("linkage")
    res = plan_from_scenario(ctx).solve(time_limit_s=opts["time_limit_s"], mip_gap=opts["mip_gap"])
    accept(ctx, res, rec)
    return res


def accept(ctx: RunContext, res: LinkageResult, rec: ModelRecord) -> None:
    """Record the outcome, check the quota ledger independently, claim the plots, sites and quota flows."""
    rec.record_outcome(res.outcome)
    problems = check_linkage(res)
    if problems:
        raise CheckFailedError("linkage plan", problems)
    ctx.land.add(linkage_claims(res))
    ctx.land.reclaimed_mu = float(res.ledger()["复垦验收(亩)"].sum())  # plots and exited homesteads, accepted in time


def write(ctx: RunContext, res: LinkageResult, rec: ModelRecord) -> None:
    """The 增减挂钩台账, costs, plots and sites layers, map and MPS file."""
    w = ctx.writer
    if w is None:  # a run that writes nothing (a sweep's sample) has no writer
        return
    w.mps("linkage", res.outcome, rec)
    w.table("linkage", "增减挂钩台账", res.ledger(), index=True)
    w.table("linkage", "增减挂钩成本", res.costs(), index=True)
    exits = res.exits()
    if len(exits):
        w.table("linkage", "宅基地有偿退出表", exits)
    w.layer("linkage_plots", res.plots_gdf())
    w.layer("linkage_sites", res.sites_gdf())
    w.figure("linkage", "增减挂钩项目区图", res.plot_map())


def kpis(res: LinkageResult, town: Town) -> dict[str, Any]:
    """Households moved and the 节余 used in town or sold."""
    q = res.kpis()
    return {"households_moved": int(q["households"]), "surplus_used_mu": q["surplus_used_mu"],
            "surplus_sold_mu": q["surplus_sold_mu"], "homestead_exit_households": q["homestead_exit_households"]}


ADAPTER = ModelAdapter(
    name="linkage", order=30, label="增减挂钩", title="城乡建设用地增减挂钩", options=OPTIONS, solve=solve, write=write,
    kpis=kpis, accept=accept,
    links={"linkage.surplus -> reserve.quota":
           "增减挂钩节余指标 by year added to the reserve plan's 新增建设用地 quota",
           "linkage.supplement_units -> farmland.units": "挂钩复垦 left after 周转 return and 节余 use, offered as "
                                                         "supplement units"},
    report_tables=("增减挂钩台账", "宅基地有偿退出表"),
)
