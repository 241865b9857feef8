"""An independent checker of a reserve plan's invariants.

It recomputes everything from the 0/1 decisions and the inputs with plain pandas arithmetic — no
linopy, no code shared with the model builder — so a modelling error cannot hide behind itself.
Every solve in the test suite passes through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from landkit.reserve.inputs import FinanceSource, ReserveInputs
from landkit.reserve.result import ReserveResult
from landkit.town import Town

TOL = 1e-6
#: Zones closed to construction: a parcel built on may overlap each only by the sliver tolerance.
_CLOSED_ZONES: tuple[str, ...] = ("YJJBNTBHTB", "STBHHX", "YYSYDBHQ", "agri_zone", "tianyuan")


def _market_entry(result: ReserveResult, parcels: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """入市 decisions (parcel × year, 0/1) over every parcel, 0 where the plan has none."""
    out = pd.DataFrame(0, index=parcels.index, columns=years)
    if "market_entry" in result.outcome.solution():
        e = _frame(result, "market_entry").round().astype(int)
        out.loc[e.index, years] = e.reindex(columns=years).fillna(0).to_numpy()
    return out


def _frame(result: ReserveResult, name: str) -> pd.DataFrame:
    """The solved values of a two-dimensional variable as a table."""
    return result.outcome.value(name).to_pandas()


def _decision(result: ReserveResult, name: str, parcels: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """A parcel × year 0/1 decision of the solution over every candidate."""
    return _frame(result, name).reindex(index=parcels.index, columns=years).round().astype(int)


@dataclass(frozen=True)
class _MoneyWalk:
    """The fund recomputed year by year: the problems met on the way, the debt left and the stock held at the end."""

    errors: list[str]
    debt_left: float
    held_end: pd.Series


@dataclass
class _Debt:
    """One finance source's running debt, borrowing and repayment through the plan."""

    source: FinanceSource
    borrow: pd.Series  # by year, as solved
    repay: pd.Series
    debt: float = 0.0
    borrowed: list[float] = field(default_factory=list)
    repaid: list[float] = field(default_factory=list)

    def step(self, t: int, year: int, tol: float) -> tuple[float, list[str]]:
        """Borrow and repay as the plan does in ``year`` (the ``t``-th); return the net financing flow and the
        problems."""
        f = self.source
        b, r = float(self.borrow[year]), float(self.repay[year])
        self.borrowed.append(b)
        self.repaid.append(r)
        interest = f.rate * (self.debt + b)
        self.debt += b - r
        errors = []
        if self.debt < -tol:
            errors.append(f"{year}: {f.name} debt negative ({self.debt:.2f} 万元)")
        if self.debt > f.max_debt_wan_yuan + tol * max(1.0, f.max_debt_wan_yuan):
            errors.append(f"{year}: {f.name} debt {self.debt:.2f} above ceiling {f.max_debt_wan_yuan} 万元")
        if b > f.max_new_per_year_wan_yuan + tol * max(1.0, b):
            errors.append(f"{year}: {f.name} new borrowing {b:.2f} above {f.max_new_per_year_wan_yuan} 万元")
        due = sum(self.borrowed[: max(0, t + 1 - f.term_years)])
        if sum(self.repaid) < due - 1e-4 * max(1.0, due):
            errors.append(f"{year}: {f.name} repaid {sum(self.repaid):.2f} < {due:.2f} 万元 due by its term")
        if not f.early_repayment and sum(self.repaid) > due + 1e-4 * max(1.0, due):
            errors.append(f"{year}: {f.name} repaid {sum(self.repaid):.2f} 万元 before its term "
                          f"(due {due:.2f}); it may not be repaid early")
        return b - r - interest, errors


@dataclass(frozen=True)
class _Plan:
    """A solved plan's decisions as 0/1 tables over every candidate, with the inputs they must respect."""

    result: ReserveResult
    tol: float
    years: list[int]
    x: pd.DataFrame
    s: pd.DataFrame
    entry: pd.DataFrame

    @classmethod
    def of(cls, result: ReserveResult, tol: float) -> _Plan:
        """Read the decisions of ``result``."""
        inp = result.plan.inputs
        years = list(inp.years)
        p = inp.parcels
        return cls(result, tol, years, _decision(result, "x", p, years), _decision(result, "s", p, years),
                   _market_entry(result, p, years))

    @property
    def inp(self) -> ReserveInputs:
        """The plan's inputs."""
        return self.result.plan.inputs

    @property
    def p(self) -> pd.DataFrame:
        """The candidate parcels."""
        return self.inp.parcels

    @property
    def town(self) -> Town | None:
        """The town the plan came from, if any."""
        return self.result.plan.town

    @cached_property
    def once(self) -> pd.Series:
        """How many times each parcel is acquired."""
        return self.x.sum(axis=1)

    @cached_property
    def sold(self) -> pd.Series:
        """How many times each parcel is supplied."""
        return self.s.sum(axis=1)

    @cached_property
    def held0(self) -> pd.Series:
        """True for parcels held at the start."""
        return self.inp.held_since.notna()

    @cached_property
    def cost(self) -> pd.Series:
        """One-off cost of each parcel when acquired (万元)."""
        p = self.p
        return (p["acquisition_cost_wan_yuan"] + p["demolition_cost_wan_yuan"] + p["prep_cost_wan_yuan"]
                + p["land_use_fee_wan_yuan"])

    @cached_property
    def money(self) -> _MoneyWalk:
        """The fund recomputed year by year (:func:`_walk_money`)."""
        return _walk_money(self)


# ---------------------------------------------------------------------- parcels
def _acquired_once(d: _Plan) -> list[str]:
    """Each parcel acquired at most once."""
    return [f"parcel {i} acquired {n} times" for i, n in d.once[d.once > 1].items()]


def _entry_reasons(d: _Plan, pid: object) -> list[str]:
    """Why parcel ``pid`` may not enter the market through its collective (empty when it may)."""
    inp, p, town = d.inp, d.p, d.town
    why = []
    if inp.market_entry_from is None:
        why.append("the plan allows no 入市")
    if str(p.at[pid, "planned_use"]) not in ("commercial", "industrial"):
        why.append(f"planned {p.at[pid, 'planned_use']}")
    if "locked_out" in p and bool(p.at[pid, "locked_out"]):
        why.append("locked out")
    if "held_since" in p and pd.notna(p.at[pid, "held_since"]):
        why.append("already held by the centre")
    if town is not None:
        row = town.parcels.loc[pid]
        codes = tuple(str(c) for c in town.params["reserve.collective_market_codes"])
        if str(row.get("ownership", "")) != "collective" or not str(row.get("DLBM", "")).startswith(codes):
            why.append(f"not collective 经营性建设用地 (DLBM {row.get('DLBM')}, {row.get('ownership')})")
    return why


def _entry_problems(d: _Plan) -> list[str]:
    """入市 only for collective 经营性 land with a commercial or industrial planned use (re-derived from the town's
    own parcels when there is a town), not locked out or already held, once, not before it is allowed, never
    also acquired."""
    errors = []
    n = d.entry.sum(axis=1)
    start = d.inp.market_entry_from
    for pid in n.index[n > 0]:
        why = _entry_reasons(d, pid)
        if why:
            errors.append(f"parcel {pid} supplied by its collective (入市) but " + "; ".join(why))
        if n[pid] > 1:
            errors.append(f"parcel {pid} enters the market {n[pid]} times")
        if d.once[pid] > 0:
            errors.append(f"parcel {pid} both acquired and supplied by its collective (入市)")
        first = d.years[int(np.argmax(d.entry.loc[pid].to_numpy()))]
        if start is not None and first < start:
            errors.append(f"parcel {pid} enters the market in {first}, before {start}")
    return errors


def _supplied_once(d: _Plan) -> list[str]:
    """Each parcel supplied at most once."""
    return [f"parcel {i} supplied {n} times" for i, n in d.sold[d.sold > 1].items()]


def _held_not_acquired(d: _Plan) -> list[str]:
    """A parcel held at the start is not acquired again."""
    return [f"parcel {i} already held at the start but acquired again"
            for i in d.once.index[d.held0 & (d.once > 0)]]


def _supplied_after_lag(d: _Plan) -> list[str]:
    """A parcel is supplied only once acquired (or held), and not before its acquisition + the lag."""
    errors = []
    since, lag = d.inp.held_since, d.inp.supply_lag_years
    for pid in d.s.index[d.sold > 0]:
        ys = d.years[int(np.argmax(d.s.loc[pid].to_numpy()))]
        if d.once[pid] == 0 and not d.held0[pid]:
            errors.append(f"parcel {pid} supplied in {ys} but never acquired")
            continue
        ya = int(since[pid]) if d.held0[pid] else d.years[int(np.argmax(d.x.loc[pid].to_numpy()))]
        if ys < ya + lag:
            errors.append(f"parcel {pid} supplied in {ys}, acquired {ya}: lag {lag} not respected")
    return errors


# ---------------------------------------------------------------------- money, year by year
def _year_flow(d: _Plan, t: int, year: int, held: pd.Series) -> float:
    """The fund's flow in ``year`` before borrowing: funds, revenue returned, 调节金, less rewards, costs, holding."""
    inp, p, s = d.inp, d.p, d.s
    flow = float(inp.funds_wan_yuan[year]) * (1.0 - inp.enterprise_support_share)
    if inp.other_income_wan_yuan is not None:
        flow += float(np.nan_to_num(inp.other_income_wan_yuan.get(year, 0.0)))
    flow += _returned(inp, s[year], year, d.cost)
    flow += float((d.entry[year] * inp.adjustment_fund_rate * (inp.revenue_gross[year] - p["prep_cost_wan_yuan"]
                                                                 ).clip(lower=0.0)).sum())  # 入市调节金
    flow -= float((s[year] * inp.reward_wan_yuan).sum())  # 以奖代补
    flow -= float((d.x[year] * d.cost).sum())
    if t == 0:
        flow -= inp.pending_prep_wan_yuan  # 前期开发 still owed on parcels held at the start
    flow -= float((held * p["holding_cost_wan_yuan_per_year"]).sum())
    return flow


def _cash_problems(year: int, cash: float, flow: float, shown: pd.Series | None) -> list[str]:
    """The year-end balance is ≥ 0 and equals the one the 资金平衡表 shows."""
    errors = []
    if cash < -1e-4 * max(1.0, abs(flow)):
        errors.append(f"{year}: cash balance {cash:.2f} 万元 < 0")
    if shown is not None and abs(float(shown[year]) - cash) > 1e-4 * max(1.0, abs(cash)):
        errors.append(f"{year}: the 资金平衡表 shows a balance of {float(shown[year]):.2f} 万元, recomputed "
                      f"{cash:.2f}")
    return errors


def _capacity_problems(d: _Plan, year: int) -> list[str]:
    """新增建设用地 quota, resettlement capacity and the market cap of each use respected in ``year``."""
    inp, p, x = d.inp, d.p, d.x
    errors = []
    used = float((x[year] * p["agricultural_mu"]).sum())
    if used > float(inp.quota_mu[year]) + 1e-6:
        errors.append(f"{year}: 农用地转用 {used:.2f} 亩 above quota {inp.quota_mu[year]}")
    moved = float((x[year] * p["households"]).sum())
    if moved > float(inp.resettlement_households[year]) + 1e-6:
        errors.append(f"{year}: {moved:.0f} households moved, capacity {inp.resettlement_households[year]}")
    supplied = ((d.s[year] + d.entry[year]) * p["area_mu"]).groupby(p["planned_use"]).sum()
    for use, mu in supplied.items():
        cap = inp.market_absorption * float(inp.demand_mu.at[use, year]) if use in inp.demand_mu.index else 0.0
        if mu > cap + 1e-6:
            errors.append(f"{year}: {use} supply {mu:.2f} 亩 above market cap {cap:.2f}")
    return errors


def _debts(d: _Plan) -> list[_Debt]:
    """Each finance source with what the plan borrows and repays from it by year."""
    if not d.inp.finance:
        return []
    borrow = _frame(d.result, "borrow")
    repay = _frame(d.result, "repay")
    return [_Debt(f, borrow.loc[f.name], repay.loc[f.name]) for f in d.inp.finance]


def _walk_money(d: _Plan) -> _MoneyWalk:
    """Recompute the cash balance and each source's debt year by year, checking each year as it goes."""
    inp, result = d.inp, d.result
    debts = _debts(d)
    held = d.held0.astype(int)  # the opening stock: its acquisition cost is sunk, holding it is not
    shown = result.cashflow(decimals=None)["年末余额(万元)"] if hasattr(result, "cashflow") else None
    cash = inp.opening_cash_wan_yuan
    errors: list[str] = []
    for t, year in enumerate(d.years):
        held = held + d.x[year] - d.s[year]
        flow = _year_flow(d, t, year, held)
        for debt in debts:
            change, problems = debt.step(t, year, d.tol)
            flow += change
            errors += problems
        cash += flow
        errors += _cash_problems(year, cash, flow, shown)
        errors += _capacity_problems(d, year)
    return _MoneyWalk(errors, sum(debt.debt for debt in debts), held)


def _yearly_problems(d: _Plan) -> list[str]:
    """Cash ≥ 0 and as shown, debt within ceilings and terms, quota, resettlement and market caps, every year."""
    return d.money.errors


def _debt_at_end_problems(d: _Plan) -> list[str]:
    """Debt left at the end: none (``repay``) or within the stock's value (``cover``)."""
    inp, left = d.inp, d.money.debt_left
    if inp.debt_at_end == "repay" and left > 1e-4:
        return [f"{left:.2f} 万元 of debt left at the end of the plan; all must be repaid"]
    if inp.debt_at_end == "cover":
        stock = float((d.money.held_end * d.cost).sum()) * inp.stock_value_share
        if left > stock + 1e-4 * max(1.0, stock):
            return [f"{left:.2f} 万元 of debt left at the end, above the stock's value {stock:.2f} 万元"]
    return []


# ---------------------------------------------------------------------- the user's choices
def _lock_problems(d: _Plan) -> list[str]:
    """Locked-in parcels acquired, locked-out parcels not."""
    p, once = d.p, d.once
    errors = []
    if "locked_in" in p:
        errors += [f"locked-in parcel {i} not acquired" for i in p.index[p["locked_in"].astype(bool) & (once == 0)]]
    if "locked_out" in p:
        errors += [f"locked-out parcel {i} acquired" for i in p.index[p["locked_out"].astype(bool) & (once > 0)]]
    return errors


def _bundle_problems(d: _Plan) -> list[str]:
    """The parcels of a bundle acquired together."""
    if "bundle" not in d.p:
        return []
    return [f"bundle {name} not acquired together" for name, members in d.p.groupby("bundle").groups.items()
            if d.x.loc[members].drop_duplicates().shape[0] > 1]


def _cap_problems(d: _Plan) -> list[str]:
    """Households relocated and farmland converted within the plan's caps."""
    caps, p, once = d.result.plan.caps, d.p, d.once
    errors = []
    if caps.households is not None and float((once * p["households"]).sum()) > caps.households + 1e-6:
        errors.append("households cap exceeded")
    if caps.farmland_mu is not None and float((once * p["farmland_mu"]).sum()) > caps.farmland_mu + 1e-6:
        errors.append("farmland cap exceeded")
    return errors


# ---------------------------------------------------------------------- the town's zones
def _built_on(d: _Plan, town: Town) -> pd.DataFrame:
    """The town's parcels built on, by either route (acquired or 入市)."""
    return town.parcels.loc[d.once.index[(d.once > 0) | (d.entry.sum(axis=1) > 0)]]


def _zone_problems(d: _Plan) -> list[str]:
    """No parcel built on lies in a zone closed to construction beyond the sliver tolerance."""
    town = d.town
    if town is None:
        return []
    limit = float(town.params["reserve.partial_zone_rule"])
    chosen = _built_on(d, town)
    errors: list[str] = []
    for key in _CLOSED_ZONES:
        col = f"frac_{key}"
        if col in chosen:
            bad = chosen.index[chosen[col] > limit]
            errors += [f"parcel {i} acquired inside {key} ({chosen.at[i, col]:.0%})" for i in bad]
    return errors


def _boundary_problems(d: _Plan) -> list[str]:
    """Every parcel built on lies inside the 城镇开发边界, and is planned for no more than its part inside."""
    town = d.town
    if town is None:
        return []
    chosen = _built_on(d, town)
    if "frac_CZKFBJ" not in chosen:
        return []
    p = d.p
    out = chosen.index[chosen["frac_CZKFBJ"] < float(town.params["reserve.min_inside_boundary"])]
    errors = [f"parcel {i} acquired outside the 城镇开发边界" for i in out]
    inside = chosen["area_mu"] * chosen["frac_CZKFBJ"]
    beyond = chosen.index[p.loc[chosen.index, "area_mu"] > inside + 1e-6]
    errors += [f"parcel {i} planned for {p.at[i, 'area_mu']:.2f} 亩, more than its "
               f"{inside[i]:.2f} 亩 inside the 城镇开发边界" for i in beyond]
    return errors


#: The invariants, in the order their problems are listed.
INVARIANTS: tuple[Callable[[_Plan], list[str]], ...] = (
    _acquired_once, _entry_problems, _supplied_once, _held_not_acquired, _supplied_after_lag, _yearly_problems,
    _debt_at_end_problems, _lock_problems, _bundle_problems, _cap_problems, _zone_problems, _boundary_problems,
)


def check_plan(result: ReserveResult, *, tol: float = TOL) -> list[str]:
    """Return the list of violated invariants (empty when the plan is sound).

    Checked: each parcel acquired at most once and supplied at most once, never before its
    acquisition + lag; 入市 only for its candidates, once, from ``market_entry_from``, never also
    acquired; the cash balance ≥ 0 every year (recomputed from funds, borrowing,
    repayment, interest, revenue and costs) and equal to the result's 资金平衡表; debt within
    ceilings and repaid within term;
    新增建设用地 quota and resettlement capacity respected each year; locked-in parcels acquired,
    locked-out parcels not, bundles together; supply of each use within the market cap; and, when
    the plan came from a town, no acquired parcel lies in 永久基本农田, 生态保护红线 or a water-source
    zone, a 现代农业示范区 or the 田园综合体 beyond the sliver tolerance, or outside the 城镇开发边界.
    """
    d = _Plan.of(result, tol)
    return [problem for invariant in INVARIANTS for problem in invariant(d)]


def _returned(inp: ReserveInputs, supplied: pd.Series, year: int, cost: pd.Series) -> float:
    """Revenue returned to the fund in ``year``: share × (出让收入 − 计提 on the year's totals)."""
    gross = float((supplied * inp.revenue_gross[year]).sum())
    proceeds = gross - float((supplied * cost).sum())
    base = {"gross": gross, "proceeds": proceeds}
    deducted = sum(d.share * max(0.0, base[d.base]) for d in inp.deductions)
    return inp.returned_share * (gross - deducted)
