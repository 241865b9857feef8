"""土地收储 in a scenario: the reserve plan's adapter (:mod:`landkit.scenario.registry`)."""

from __future__ import annotations

from typing import Any

from landkit._errors import CheckFailedError, Problem, ValidationError
from landkit.account import reserve_claims
from landkit.landuse import ECOLOGICAL_GROUPS
from landkit.reserve.check import check_plan
from landkit.reserve.model import ReservePlan
from landkit.reserve.result import ReserveResult
from landkit.scenario.checks import BOOL, COMMON, IDS, NON_NEGATIVE, YEARS, Check, choice, is_int, is_number
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import ModelAdapter
from landkit.town import Town

_BUDGET: Check = (
    lambda v: (is_number(v) and v >= 0) or (isinstance(v, dict) and all(
        is_int(k) and is_number(x) and x >= 0 for k, x in v.items())),
    "万元 a year (a number ≥ 0) or a mapping {year: 万元}")
OPTIONS: dict[str, Check] = {
    **COMMON,
    "years": YEARS,
    "budget_wan_yuan": _BUDGET,
    "price_change": (lambda v: is_number(v) and -1 < v <= 5, "a relative change > -1, e.g. -0.2 for prices −20 %"),
    "objective": choice("npv", "min_cost"),
    "use_bonds": BOOL,
    "use_company": BOOL,
    "lock_in": IDS,
    "lock_out": IDS,
    "compactness_wan_yuan_per_km": (NON_NEGATIVE[0], "a number ≥ 0 (万元 per km)"),
    "people_link": BOOL,
    "market_entry": BOOL,
}


def plan_from_scenario(ctx: RunContext, *, budget: Any = None, price_change: float | None = None,
                       linkage_surplus_mu: dict[int, float] | None = None) -> tuple[ReservePlan, list[str]]:
    """The scenario's reserve plan on the land still free, and notes on what was set aside.

    One builder for :func:`landkit.scenario.run_scenario` and :func:`landkit.scenario.sweep`:
    ``budget`` and ``price_change`` override the scenario's (a sweep's sample), ``linkage_surplus_mu``
    the 节余 from the scenario's linkage result.
    """
    sc, town, land = ctx.scenario, ctx.town, ctx.land
    o = sc.options("reserve")
    budget = o.get("budget_wan_yuan") if budget is None else budget
    if isinstance(budget, dict):
        budget = {int(k): float(v) for k, v in budget.items()}
    kw: dict[str, Any] = {k: o[k] for k in ("use_bonds", "use_company", "lock_in", "lock_out", "people_link",
                                                  "market_entry") if k in o}
    notes = []
    if land.taken:
        # parcels an earlier model took (a park, the corridor, 挂钩 拆旧 or 建新) are not for the reserve to buy
        taken = land.taken_of(town.parcels.index).astype(str)
        clash = sorted(set(map(str, kw.get("lock_in", ()))) & set(taken))
        if clash:
            raise ValidationError(f"scenario {sc.name}", [Problem(
                "models.reserve.lock_in", f"names parcels another model of the scenario takes: {clash[:10]}",
                "remove them from lock_in, or disable the model that takes them", "conflict")])
        kw["lock_out"] = sorted(set(map(str, kw.get("lock_out", ()))) | set(taken))
        notes.append(f"{len(taken)} parcels taken by the park, corridor or 挂钩 are not reserve candidates")
    if linkage_surplus_mu is not None:
        kw["linkage_surplus_mu"] = linkage_surplus_mu
    change = float(o.get("price_change", 0.0)) if price_change is None else float(price_change)
    plan = ReservePlan.from_town(town, years=o.get("years"), budget_wan_yuan=budget,
                                 objective=o.get("objective", "npv"), price_change=change,
                                 compactness_wan_yuan_per_km=o.get("compactness_wan_yuan_per_km"), **kw)
    return plan, notes


def solve(ctx: RunContext, rec: ModelRecord) -> ReserveResult:
    """Build on the free land (with the 挂钩 节余 when linked), solve, check and claim."""
    linkage = ctx.results.get("linkage")
    surplus = linkage.surplus_by_year() if linkage is not None and ctx.linked("linkage.surplus -> reserve.quota") \
        else None
    plan, notes = plan_from_scenario(ctx, linkage_surplus_mu=surplus)
    rec.notes += notes
    opts = ctx.solve_options("reserve")
    res = plan.solve(time_limit_s=opts["time_limit_s"], mip_gap=opts["mip_gap"])
    accept(ctx, res, rec)
    return res


def accept(ctx: RunContext, res: ReserveResult, rec: ModelRecord) -> None:
    """Record the outcome, check the plan independently and add its claims to the land account."""
    rec.record_outcome(res.outcome)
    problems = check_plan(res)
    if problems:  # the independent checker disagrees with the solver: never publish such a plan
        raise CheckFailedError("reserve plan", problems)
    ctx.land.add(reserve_claims(res))


def write(ctx: RunContext, res: ReserveResult, rec: ModelRecord) -> None:
    """The plan's tables (年度土地储备计划表, 资金平衡表 ...), map, cash-flow figure, layer and MPS file."""
    w = ctx.writer
    if w is None:  # a run that writes nothing (a sweep's sample) has no writer
        return
    w.mps("reserve", res.outcome, rec)
    w.table("reserve", "年度土地储备计划表", res.plan_table())
    w.table("reserve", "年度储备计划汇总", res.annual_plan(), index=True)
    w.table("reserve", "资金平衡表", res.cashflow_statement())
    w.table("reserve", "指标使用表", res.quota_use(), index=True)
    w.table("reserve", "用地需求保障表", res.demand_table())
    w.table("reserve", "工业用地供应与控制指标表", res.industrial_table(ctx.town.params))
    routes = res.route_table()
    if len(routes):
        w.table("reserve", "征收入市选择表", routes)
    people = res.people_table()
    if people is not None:
        w.table("reserve", "人地挂钩测算表", people)
    w.layer("reserve_parcels", res.schedule_gdf())
    w.figure("reserve", "土地收储计划图", res.plot_map())
    w.figure("reserve", "资金平衡图", res.plot_cashflow())


def kpis(res: ReserveResult, town: Town) -> dict[str, Any]:
    """NPV, cost, area, demand gap, cash and debt; households, farmland and ecological land taken."""
    rk = res.kpis()
    s = res.schedule
    groups = town.parcels["landuse_group"]
    eco = float(s.loc[groups.reindex(s.index).isin(ECOLOGICAL_GROUPS).to_numpy(), "area_mu"].sum())
    return {"npv_wan_yuan": rk["npv_wan_yuan"], "acquisition_cost_wan_yuan": rk["cost_wan_yuan"],
            "acquired_mu": rk["acquired_mu"], "demand_shortfall_mu": rk["shortfall_mu"],
            "min_cash_wan_yuan": rk["min_cash_wan_yuan"], "max_debt_wan_yuan": rk["max_debt_wan_yuan"],
            "debt_at_horizon_end_wan_yuan": rk["debt_at_horizon_end_wan_yuan"],
            "stock_value_at_horizon_end_wan_yuan": rk["stock_value_at_horizon_end_wan_yuan"],
            "deductions_wan_yuan": rk["deductions_wan_yuan"], "land_use_fee_wan_yuan": rk["land_use_fee_wan_yuan"],
            "market_entry_mu": rk["market_entry_mu"], "adjustment_fund_wan_yuan": rk["adjustment_fund_wan_yuan"],
            "households_moved": int(rk["households"]), "farmland_taken_mu": float(rk["farmland_mu"]),
            "paddy_taken_mu": float(rk["paddy_mu"]), "ecological_land_mu": eco}


ADAPTER = ModelAdapter(
    name="reserve", order=40, label="土地收储", title="土地收储计划", options=OPTIONS, solve=solve, write=write,
    kpis=kpis, accept=accept,
    links={"reserve.occupations -> farmland.ledger": "farmland taken by the reserve plan enters the 占补平衡 ledger"},
    report_tables=("年度储备计划汇总", "年度土地储备计划表", "资金平衡表", "用地需求保障表", "工业用地供应与控制指标表",
                   "征收入市选择表",
                   "人地挂钩测算表"),
)
