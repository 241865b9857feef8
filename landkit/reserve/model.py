"""The multi-year acquisition and supply schedule of the land reserve centre (土地收储).

Formulation
-----------
Sets: candidate parcels :math:`p \\in P`, plan years :math:`t \\in T = \\{t_0, …, t_n\\}`, planned uses
:math:`u`, finance sources :math:`k` (special bonds, financing company).

Decisions: :math:`x_{pt} \\in \\{0,1\\}` acquire :math:`p` in year :math:`t`; :math:`s_{pt} \\in \\{0,1\\}` supply
it in year :math:`t`; :math:`b_{kt}, r_{kt} \\ge 0` borrow and repay (万元); :math:`q_{ut} \\ge 0` unmet
demand (亩); :math:`y_e \\in [0,1]` both ends of a shared boundary :math:`e=(i,j)` acquired.

Derived: :math:`A_{pt} = \\sum_{\\tau \\le t} x_{p\\tau}` (held or sold by the end of :math:`t`),
:math:`S_{pt} = \\sum_{\\tau \\le t} s_{p\\tau}`, held stock :math:`H_{pt} = A_{pt} - S_{pt}`, debt
:math:`D_{kt} = \\sum_{\\tau \\le t} (b_{k\\tau} - r_{k\\tau})`, interest
:math:`I_{kt} = \\rho_k (D_{kt} + r_{kt})` (on the debt outstanding during the year), and the cash flow

.. math::

    F_t = G_t + \\sum_k (b_{kt} - r_{kt} - I_{kt}) + R_t
          - \\sum_p C_p x_{pt} - \\sum_p h_p H_{pt}

with county funds :math:`G_t` (less the share spent on enterprise support, plus other income such as
the county's share of 矿业权出让收益), one-off cost :math:`C_p` (compensation, demolition and resettlement,
site preparation, 新增建设用地土地有偿使用费), holding cost :math:`h_p`, and the land revenue
returned to the fund (less the 以奖代补 :math:`w\\, a_p` paid to firms on industrial land supplied)

.. math::

    R_t = \\rho \\Big(\\sum_p g_{pt} s_{pt} - \\sum_b d_{bt}\\Big), \\qquad
    d_{bt} \\ge \\phi_b B_{bt},\\; d_{bt} \\ge 0

where :math:`g_{pt}` is the gross transfer revenue (出让收入), :math:`\\rho` the returned share and
:math:`d_{bt}` the 计提 on the **year's total** of base :math:`b`: 出让收益
:math:`B_{proceeds,t} = \\sum_p (g_{pt} - C_p) s_{pt}` or 出让收入 :math:`B_{gross,t} = \\sum_p g_{pt}
s_{pt}`, at the summed share :math:`\\phi_b` of its items (a loss on one parcel offsets a gain on
another supplied the same year).

Constraints (named as in the linopy model, which infeasibility diagnosis reports by name):

.. math::

    \\text{acquire\\_once:}\\; \\sum_t x_{pt} \\le 1 \\qquad
    \\text{supply\\_once:}\\; \\sum_t s_{pt} \\le \\sum_t x_{pt} \\qquad
    \\text{supply\\_after\\_lag:}\\; S_{pt} \\le A_{p,t-L} \\text{ (or } s_{pt} \\le A_{p,t-L}\\text{, below)}

    \\text{cash:}\\; \\text{opening} + \\sum_{\\tau \\le t} F_\\tau \\ge 0 \\qquad
    \\text{debt\\_ceiling:}\\; D_{kt} \\le \\bar D_k \\qquad
    \\text{new\\_borrowing:}\\; b_{kt} \\le \\bar b_k \\qquad
    \\text{debt\\_nonnegative:}\\; D_{kt} \\ge 0

    \\text{repay\\_term:}\\; \\sum_{\\tau \\le t} r_{k\\tau} \\ge \\sum_{\\tau \\le t - \\text{term}_k} b_{k\\tau}
    \\;(= \\text{ for a source that may not repay early, e.g. special bonds})

    \\text{debt\\_repaid\\_by\\_end:}\\; D_{kT} = 0 \\qquad\\text{or}\\qquad
    \\text{debt\\_covered:}\\; \\sum_k D_{kT} \\le v \\sum_p C_p H_{pT}

    \\text{quota:}\\; \\sum_p a^{agr}_p x_{pt} \\le Q_t \\qquad
    \\text{resettlement:}\\; \\sum_p n_p x_{pt} \\le N_t

    \\text{demand:}\\; \\sum_{p \\in P_u} a_p s_{pt} + q_{ut} \\ge d_{ut} \\qquad
    \\text{market:}\\; \\sum_{p \\in P_u} a_p s_{pt} \\le \\alpha\\, d_{ut}

On plans of at least :data:`CUMULATIVE_LAG_FROM` candidate-years ``supply_after_lag`` is written on the
supply to date, :math:`S_{pt} \\le A_{p,t-L}`: with each parcel supplied at most once it admits the same
plans as the per-year :math:`s_{pt} \\le A_{p,t-L}`, but its LP relaxation cannot supply in year :math:`t`
a share of a parcel acquired after :math:`t-L` (the per-year row let it; at 200,000 parcels × 5 years that
was a 1.1 % weaker bound, which no cut of HiGHS's closed). Smaller plans keep the per-year row, with which
HiGHS solved the sample town faster.

Parcels the centre already holds at the start (:math:`p \\in P^0`, rolling re-planning from the
reserve ledger, acquired in year :math:`a_p`) enter with :math:`x_{pt} = 0` and an opening stock
:math:`h^0_p = 1`: :math:`A_{pt}` gains :math:`h^0_p`, ``supply_once`` becomes
:math:`\\sum_t s_{pt} \\le \\sum_t x_{pt} + h^0_p`, and ``supply_after_lag`` allows supply from
:math:`a_p + L`. Their acquisition cost is sunk (not in :math:`F_t`) and they use no quota or
resettlement capacity; holding them still costs :math:`h_p` a year, and site preparation not yet
done on them (``prep_pending``) is paid in the first year. The constant part of their
holding cost is left out of the solver's objective (linopy takes no constant) but is in the NPV
the result reports.

**入市.** A candidate that is collective 经营性建设用地 with a commercial or industrial planned use may
instead be supplied by its collective (:math:`e_{pt} \\in \\{0,1\\}`, from ``market_entry_from``, the 2019
土地管理法): ``one_route`` :math:`\\sum_t x_{pt} + \\sum_t e_{pt} \\le 1`; its area counts toward
``demand`` and ``market`` in year :math:`t`; the town pays nothing and receives the 土地增值收益调节金
:math:`f_{pt} = \\phi \\max(0, g_{pt} - c^{prep}_p)` (``adjustment_fund_rate`` :math:`\\phi`), added to
:math:`R_t` outside the 计提 (:func:`_define_market_entry`).

plus ``locked_in`` (:math:`\\sum_t x_{pt} = 1`), ``locked_out`` (:math:`= 0`) and ``bundle``
(:math:`x_{pt} = x_{\\ell(p),t}` for each member of a bundle led by :math:`\\ell(p)`). With the discount
factor :math:`\\delta_t = (1+i)^{-(t-t_0)}`, the net present value of land revenue is

.. math::

    \\mathrm{NPV} = \\sum_t \\delta_t \\Big(R_t - \\sum_p C_p x_{pt}
                    - \\sum_p h_p H_{pt} - \\sum_k I_{kt}\\Big)

(borrowed principal is a financing flow, not value: only its interest counts). By default every debt
is repaid by the end of the plan (``debt_at_end="repay"``); with ``"cover"`` debt may remain only up to
the value of the stock held at the end at :math:`v` = ``stock_value_share`` of its cost, and it is
reported as 期末债务 beside that value (its later interest is outside the NPV). Land has
no value after the plan period, so nothing is bought that cannot be supplied within it unless demand
or a lock requires it. Objectives:

- ``"npv"``: maximise :math:`\\mathrm{NPV} - \\pi \\sum_{u,t} \\delta_t q_{ut} - w B(z)`; unmet demand is
  allowed but penalised (:math:`\\pi` far above any price), and reported;
- ``"min_cost"``: minimise :math:`\\sum_t \\delta_t (\\sum_p C_p x_{pt} + \\sum_p h_p H_{pt} + \\sum_k I_{kt})
  + w B(z)` with all demand met (:math:`q = 0`); when that is impossible the diagnosis says where.

:math:`B(z)` is the boundary length of the acquired set :math:`z_p = \\sum_t x_{pt}` (compactness,
see :func:`landkit.boundary.boundary_penalty`), weighted by :math:`w` 万元 per km.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Unpack

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit._errors import InfeasibleError, Problem, ValidationError
from landkit.boundary import boundary_penalty
from landkit.optimize import GroupSpec, Scope, SolveResult, SolveSession, solve
from landkit.optimize._solve import relative_gap
from landkit.reserve.inputs import USES, ReserveInputs, TownOptions, inputs_from_town
from landkit.reserve.result import ReserveResult
from landkit.reserve.start import support_start
from landkit.town import Town

Objective = Literal["npv", "min_cost"]

#: From this many candidate-years on, :meth:`ReservePlan.solve` starts from the LP relaxation's support by
#: default (``lp_start=None``). Measured (docs/performance.md, county-scale plans): a county of 200k parcels
#: (5,584 candidates) × 5 years, optimal at 0.36 % in 36 s with it, and at the 120 s limit with 7 亩 of
#: demand unmet without (with the cumulative ``supply_after_lag``; before it 1.16 % in 120 s against 9.35 %
#: in 300 s). The sample town (570 candidates × 3 years) stays below it and solves as before.
LP_START_FROM = 5000


#: Candidate-years from which ``supply_after_lag`` bounds the supply to date instead of each year's supply
#: (:func:`cumulative_lag`). Measured on 2026-12-08: the cumulative row took 200k × 5 from 1.16 % in 108 s
#: to 0.36 % in 27 s, but on the sample (1,680 candidate-years) it made HiGHS slower (a 10 s cap on relocations:
#: 9.0 s and stopped at the limit, against 3.8 s optimal; prices −20 %: 6.8 s against 2.8 s).
CUMULATIVE_LAG_FROM = 5000


def cumulative_lag(inputs: ReserveInputs) -> bool:
    """Whether ``supply_after_lag`` is written on the supply to date (plans of at least
    :data:`CUMULATIVE_LAG_FROM` candidate-years; see the module notes)."""
    return len(inputs.parcels) * len(inputs.years) >= CUMULATIVE_LAG_FROM


def lp_start_by_size(inputs: ReserveInputs) -> bool:
    """Whether a plan is large enough for the LP-support start by default (:data:`LP_START_FROM`)."""
    return len(inputs.parcels) * len(inputs.years) >= LP_START_FROM

#: How infeasibility is explained to the reserve centre: constraint group -> label, unit.
DIAGNOSIS_GROUPS: dict[str, GroupSpec] = {
    # name: GroupSpec.of(label, unit, weight per unit in the elastic re-solve, what to change). The weights put the
    # units on one scale: 1 亩 of land or quota counts like 20 万元 (about the cost of acquiring and
    # preparing a 亩), a household like 10 万元, so the diagnosis names money when money is what is
    # short. The user's own choices (locks, caps) give way last.
    "cash": GroupSpec.of("{year} cash balance", "万元", 1.0,
             "raise budget_wan_yuan (funds.county_special_funds) or funds.opening_cash, allow use_bonds / "
             "use_company, or lower reserve.demand"),
    "demand": GroupSpec.of("{use} demand in {year}", "亩", 20.0,
               "lower reserve.demand for that use and year, or give more candidate parcels that planned use"),
    "demand_unserved": GroupSpec.of("{use} demand in {year} (no candidate parcel has this planned use)", "亩", 20.0,
                        "give candidate parcels that planned use (the planning layer), or set reserve.demand "
                        "for it to 0"),
    "quota": GroupSpec.of("{year} 新增建设用地 quota", "亩", 20.0,
              "raise reserve.new_construction_quota, or link 挂钩节余 (linkage.surplus -> reserve.quota)"),
    "resettlement": GroupSpec.of("{year} resettlement capacity", "户", 10.0, "raise reserve.resettlement_capacity"),
    "debt_ceiling": GroupSpec.of("{source} debt ceiling in {year}", "万元", 1.0,
                     "raise financing.company_debt_ceiling or financing.special_bond_max_per_year"),
    "debt_repaid_by_end": GroupSpec.of("{source} debt left at the end of the plan", "万元", 1.0,
                           "raise funds or lower demand, or set financing.debt_at_horizon_end: cover (debt covered "
                           "by the reserve stock left)"),
    "debt_covered": GroupSpec.of("debt left at the end beyond the value of the stock held", "万元", 1.0,
                     "raise funds or financing.stock_value_share, or lower reserve.demand"),
    "locked_in": GroupSpec.of("locked-in parcel {parcel}", "parcel", 1e6, "remove the parcel from lock_in"),
    "eps_households": GroupSpec.of("households relocated cap", "户", 1e6, "raise the households cap"),
    "eps_farmland": GroupSpec.of("farmland converted cap", "亩", 1e6, "raise the farmland cap"),
}


def _returned_revenue(m: Scope, inp: ReserveInputs, s: linopy.Variable, cost: xr.DataArray,
                      P: pd.Index, T: pd.Index) -> linopy.LinearExpression:
    r"""Land revenue returned to the fund by year: :math:`\rho (\sum_p G_{pt} s_{pt} - \sum_b d_{bt})`.

    Adds ``deduction[base, year] ≥ 0`` with ``deduction_base``: :math:`d_{bt} \ge \phi_b B_{bt}`, the
    计提 on the year's total of each base (出让收益 :math:`\sum_p (G_{pt} - C_p) s_{pt}` or 出让收入
    :math:`\sum_p G_{pt} s_{pt}`) at the summed share :math:`\phi_b` of its items. Paying more than
    that only lowers the cash and the NPV, so at the optimum :math:`d_{bt} = \phi_b \max(0, B_{bt})`;
    the result reports that value recomputed from the decisions.
    """
    gross_pt = xr.DataArray(inp.revenue_gross.to_numpy(dtype=float), coords=[P, T])
    gross = (gross_pt * s).sum("parcel")
    shares = inp.deduction_shares()
    if not shares:
        return inp.returned_share * gross
    B = pd.Index(list(shares), name="base")
    ded = m.add_variables(lower=0, coords=[B, T], name="deduction")
    for base, share in shares.items():
        total = gross if base == "gross" else ((gross_pt - cost) * s).sum("parcel")
        m.add_constraints(ded.sel(base=base) - share * total >= 0, name=f"deduction_{base}")
    return inp.returned_share * (gross - ded.sum("base"))


def _define_finance(m: Scope, inp: ReserveInputs, K: pd.Index, T: pd.Index,
                    stock_cost_end: linopy.LinearExpression) -> tuple[linopy.LinearExpression,
                                                                       linopy.LinearExpression]:
    r"""Borrowing, repayment, interest and the end-of-plan rule; returns (interest, net financing flow) by year.

    ``repay_term_k``: :math:`\sum_{\tau \le t} r_{k\tau} \ge \sum_{\tau \le t-\text{term}_k} b_{k\tau}`,
    with equality for a source that may not repay early (special bonds). ``debt_repaid_by_end``:
    :math:`D_{kT} = 0` (``debt_at_end="repay"``), or ``debt_covered``: :math:`\sum_k D_{kT} \le
    v \sum_p C_p H_{pT}` (``"cover"``: the stock held at the end, valued at ``stock_value_share`` ×
    its cost, covers the debt left).
    """
    rate = xr.DataArray([f.rate for f in inp.finance], coords=[K])
    borrow = m.add_variables(lower=0, coords=[K, T], name="borrow")
    repay = m.add_variables(lower=0, coords=[K, T], name="repay")
    debt = (borrow - repay).cumsum("year")
    interest = (rate * (debt + repay)).sum("source")
    m.add_constraints(debt >= 0, name="debt_nonnegative")
    # a row only where there is a limit: a stand-in such as 1e12 for "none" scales the model badly
    for expr, limits, name in ((debt, [f.max_debt_wan_yuan for f in inp.finance], "debt_ceiling"),
                               (borrow, [f.max_new_per_year_wan_yuan for f in inp.finance], "new_borrowing")):
        limit = pd.Series(limits, index=K, dtype=float)
        capped = pd.Index(limit.index[np.isfinite(limit)], name="source")
        if len(capped):
            m.add_constraints(expr.sel(source=list(capped)) <= xr.DataArray(limit[capped].to_numpy(),
                                                                            coords=[capped]), name=name)
    for f in inp.finance:  # one small constraint per source: its own term
        b, r = borrow.sel(source=f.name), repay.sel(source=f.name)
        due = b.cumsum("year").shift(year=f.term_years).fillna(0)
        lhs = r.cumsum("year") - due
        m.add_constraints(lhs >= 0 if f.early_repayment else lhs == 0, name=f"repay_term_{f.name}")
    end = debt.sel(year=T[-1])
    if inp.debt_at_end == "repay":
        m.add_constraints(end == 0, name="debt_repaid_by_end")
    else:
        m.add_constraints(end.sum("source") - inp.stock_value_share * stock_cost_end.sum("parcel") <= 0,
                          name="debt_covered")
    return interest, (borrow - repay).sum("source") - interest


@dataclass(frozen=True)
class _MarketEntry:
    entry: linopy.Variable  # parcel (入市 candidates) × year
    fund: linopy.LinearExpression  # 土地增值收益调节金 by year (万元)
    area_by_use: xr.DataArray  # parcel × use: the parcel's area under its planned use


def _define_market_entry(m: Scope, inp: ReserveInputs, x: linopy.Variable, T: pd.Index) -> _MarketEntry | None:
    r"""入市: ``market_entry[p, t]`` — collective 经营性建设用地 supplied by its collective in year :math:`t`.

    :math:`e_{pt} \in \{0,1\}`, 0 before ``market_entry_from``; ``one_route``:
    :math:`\sum_t x_{pt} + \sum_t e_{pt} \le 1` (acquired by the centre or supplied by the collective,
    not both). The town pays nothing for it and receives the 土地增值收益调节金 :math:`\sum_p f_{pt} e_{pt}`
    (:attr:`ReserveInputs.adjustment_fund_wan_yuan`), not subject to 计提; the land counts toward demand.
    """
    ids = inp.market_entry_parcels
    if not len(ids):
        return None
    PM = pd.Index(ids.astype(str), name="parcel")
    fund_pt = inp.adjustment_fund_wan_yuan.reindex(columns=list(T))
    allowed = np.array([[1.0 if inp.market_entry_from is not None and t >= inp.market_entry_from else 0.0
                         for t in T]] * len(PM))
    entry = m.add_variables(lower=0, upper=xr.DataArray(allowed, coords=[PM, T]), coords=[PM, T],
                            name="market_entry", integer=True)
    m.add_constraints(x.sel(parcel=list(PM)).sum("year") + entry.sum("year") <= 1, name="one_route")
    fund = (xr.DataArray(fund_pt.to_numpy(dtype=float), coords=[PM, T]) * entry).sum("parcel")
    parcels = inp.parcels.loc[ids]
    uses = sorted(set(inp.parcels["planned_use"].astype(str)))
    onehot = np.equal.outer(parcels["planned_use"].astype(str).to_numpy(), np.asarray(uses)).astype(float)
    area = xr.DataArray(onehot * parcels["area_mu"].to_numpy(dtype=float)[:, None],
                        coords=[PM, pd.Index(uses, name="use")])
    return _MarketEntry(entry, fund, area)


@dataclass(frozen=True)
class ReserveTerms:
    """What :meth:`ReservePlan.define` adds that other parts of a joint model link to.

    Attributes
    ----------
    objective : linopy.LinearExpression
        The plan's objective (万元; with the constant of held parcels, see ``constant``).
    sense : {"max", "min"}
    constant : float
        The objective's constant (holding the opening stock), which linopy's objective cannot carry.
    x : linopy.Variable
        Acquire parcel in year (``parcel × year``).
    parcels, years : pandas.Index
    entry : linopy.Variable or None
        入市 of a collective parcel in year (``parcel × year`` over the 入市 candidates), None without any.
    """

    objective: linopy.LinearExpression
    sense: str
    constant: float
    x: linopy.Variable
    parcels: pd.Index
    years: pd.Index
    entry: linopy.Variable | None = None


@dataclass(frozen=True)
class _Caps:
    """Caps on households relocated and farmland converted over the plan (None: no cap)."""

    households: float | None = None
    farmland_mu: float | None = None


@dataclass(frozen=True)
class _Sets:
    """The plan's index sets (parcel, year, use, finance source) and its data as arrays over them."""

    inp: ReserveInputs
    P: pd.Index
    T: pd.Index
    U: pd.Index
    K: pd.Index

    @classmethod
    def of(cls, inp: ReserveInputs) -> _Sets:
        """The sets of ``inp``."""
        return cls(inp, pd.Index(inp.parcels.index.astype(str), name="parcel"), pd.Index(list(inp.years), name="year"),
                   pd.Index(list(USES), name="use"), pd.Index([f.name for f in inp.finance], name="source"))

    def col(self, name: str) -> xr.DataArray:
        """A column of the parcel table over the parcels."""
        return xr.DataArray(self.inp.parcels[name].to_numpy(dtype=float), coords=[self.P])

    def by_year(self, series: pd.Series) -> xr.DataArray:
        """A series by year over the plan years."""
        return xr.DataArray(series.reindex(self.T).to_numpy(dtype=float), coords=[self.T])


@dataclass(frozen=True)
class _Schedule:
    """Acquisition and supply decisions, the stock held at the end of each year, and the parcels held at the start."""

    x: linopy.Variable
    s: linopy.Variable
    held: linopy.LinearExpression
    held0: np.ndarray


def _acquire_upper(sets: _Sets, held0: np.ndarray) -> xr.DataArray:
    """Upper bound of ``x``: 0 for a parcel already held, and in the last ``lag`` years for one free of locks."""
    inp, T = sets.inp, sets.T
    p, lag = inp.parcels, inp.supply_lag_years
    # a parcel bought in the last `lag` years cannot be supplied within the plan: it only costs, so
    # it is fixed to 0 unless the user's locks or bundles may need it (presolve misses this)
    free = ~p.get("locked_in", pd.Series(False, index=p.index)).to_numpy(dtype=bool)
    if "bundle" in p:
        free &= p["bundle"].isna().to_numpy()
    late = np.asarray(T) > T[-1] - lag
    upper = np.where(free[:, None] & late[None, :] & (lag > 0), 0.0, 1.0)
    return xr.DataArray(np.where(held0[:, None], 0.0, upper), coords=[sets.P, T])


def _define_schedule(m: Scope, sets: _Sets) -> _Schedule:
    """``x`` and ``s`` with ``acquire_once``, ``supply_once`` and ``supply_after_lag`` (parcels held at the start
    enter as an opening stock, never acquired again)."""
    inp, P, T = sets.inp, sets.P, sets.T
    lag = inp.supply_lag_years
    since = inp.held_since.to_numpy(dtype=float)
    held0 = ~np.isnan(since)  # already held at the start: never acquired again
    x = m.add_variables(lower=0, upper=_acquire_upper(sets, held0), coords=[P, T], name="x", integer=True)
    s = m.add_variables(binary=True, coords=[P, T], name="s")
    h0 = xr.DataArray(held0.astype(float), coords=[P])
    with np.errstate(invalid="ignore"):
        ready = held0[:, None] & (np.asarray(T)[None, :] >= since[:, None] + lag)
    ready0 = xr.DataArray(ready.astype(float), coords=[P, T])
    acquired_by = x.cumsum("year")
    held = acquired_by + h0 - s.cumsum("year")
    m.add_constraints(x.sum("year") <= 1, name="acquire_once")
    m.add_constraints(s.sum("year") - x.sum("year") <= h0, name="supply_once")
    available = acquired_by.shift(year=lag).fillna(0) if lag > 0 else acquired_by
    # on large plans cumulative (S_pt ≤ A_{p,t-L}), on small ones per year (s_pt ≤ A_{p,t-L}): the same integer
    # plans, since a parcel is supplied at most once, but the cumulative row's LP relaxation cannot supply in
    # year t a share of a parcel acquired after t - L (at 200k × 5 that was 1.1 % of the NPV, the whole gap)
    supplied = s.cumsum("year") if cumulative_lag(inp) else s
    m.add_constraints(supplied - available <= ready0, name="supply_after_lag")
    return _Schedule(x, s, held, held0)


@dataclass(frozen=True)
class _Money:
    """The plan's money by year: spending, holding cost, revenue returned and interest; and its 入市 terms."""

    spend: linopy.LinearExpression
    holding: linopy.LinearExpression
    revenue: linopy.LinearExpression
    interest: linopy.LinearExpression | None
    market: _MarketEntry | None


def _define_money(m: Scope, sets: _Sets, sched: _Schedule, cost: xr.DataArray) -> _Money:
    """Spending, holding, revenue (less 以奖代补, plus the 入市 调节金), borrowing, and ``cash`` ≥ 0 every year."""
    inp, P, T = sets.inp, sets.P, sets.T
    # site preparation still owed on held parcels is paid in the first year (a constant)
    owed = xr.DataArray([inp.pending_prep_wan_yuan if t == T[0] else 0.0 for t in T], coords=[T])
    spend = (cost * sched.x).sum("parcel") + owed
    holding = (sets.col("holding_cost_wan_yuan_per_year") * sched.held).sum("parcel")
    revenue = _returned_revenue(m, inp, sched.s, cost, P, T)
    if inp.industrial_reward_wan_per_mu > 0:  # 以奖代补 to firms on the industrial land supplied
        reward = xr.DataArray(inp.reward_wan_yuan.to_numpy(dtype=float), coords=[P])
        revenue = revenue - (reward * sched.s).sum("parcel")
    market = _define_market_entry(m, inp, sched.x, T)
    if market is not None:
        revenue = revenue + market.fund
    flow = revenue - spend - holding
    interest = None
    if len(sets.K):
        interest, financing = _define_finance(m, inp, sets.K, T, cost * sched.held.sel(year=T[-1]))
        flow = flow + financing
    cash = (flow + sets.by_year(inp.land_funds_wan_yuan())).cumsum("year") + inp.opening_cash_wan_yuan
    m.add_constraints(cash >= 0, name="cash")
    return _Money(spend, holding, revenue, interest, market)


def _define_capacity(m: Scope, sets: _Sets, x: linopy.Variable, extra_quota: linopy.LinearExpression | None) -> None:
    """``quota`` (新增建设用地, plus ``extra_quota``) and ``resettlement`` capacity by year."""
    inp = sets.inp
    converted = (sets.col("agricultural_mu") * x).sum("parcel")
    if extra_quota is not None:
        converted = converted - extra_quota
    m.add_constraints(converted <= sets.by_year(inp.quota_mu), name="quota")
    m.add_constraints((sets.col("households") * x).sum("parcel") <= sets.by_year(inp.resettlement_households),
                      name="resettlement")


def _define_demand(m: Scope, sets: _Sets, s: linopy.Variable, market: _MarketEntry | None, *,
                   hard: bool) -> linopy.Variable:
    """``demand`` met (or its ``shortfall``, fixed to 0 when ``hard``) and the ``market`` cap, by use and year."""
    inp, P, T, U = sets.inp, sets.P, sets.T, sets.U
    p = inp.parcels
    use = xr.DataArray(p["planned_use"].astype(str).to_numpy(), coords=[P], name="use")
    supplied = (sets.col("area_mu") * s).groupby(use).sum()
    if market is not None:  # land the collectives supply (入市) meets the same demand
        supplied = supplied + (market.area_by_use * market.entry).sum("parcel")
    demand = xr.DataArray(inp.demand_mu.reindex(index=U, columns=T).fillna(0.0).to_numpy(dtype=float),
                          coords=[U, T])
    short = m.add_variables(lower=0, upper=0 if hard else np.inf, coords=[U, T], name="shortfall")
    uses_present = set(p["planned_use"].astype(str))
    present = [u for u in U if u in uses_present]
    absent = [u for u in U if u not in uses_present]
    if present:
        sup = supplied.sel(use=present)
        m.add_constraints(sup + short.sel(use=present) >= demand.sel(use=present), name="demand")
        m.add_constraints(sup <= inp.market_absorption * demand.sel(use=present), name="market")
    if absent:  # no candidate has this use: whatever demand there is stays unserved
        m.add_constraints(short.sel(use=absent) >= demand.sel(use=absent), name="demand_unserved")
    return short


def _define_locks(m: Scope, p: pd.DataFrame, x: linopy.Variable, P: pd.Index) -> None:
    """``locked_in`` parcels acquired, ``locked_out`` ones not, and each ``bundle`` acquired together."""
    if "locked_in" in p and p["locked_in"].any():
        locked = list(P[p["locked_in"].to_numpy(dtype=bool)])
        m.add_constraints(x.sel(parcel=locked).sum("year") == 1, name="locked_in")
    if "locked_out" in p and p["locked_out"].any():
        locked = list(P[p["locked_out"].to_numpy(dtype=bool)])
        m.add_constraints(x.sel(parcel=locked).sum("year") == 0, name="locked_out")
    if "bundle" in p and p["bundle"].notna().any():
        _define_bundles(m, p, x)


def _define_bundles(m: Scope, p: pd.DataFrame, x: linopy.Variable) -> None:
    """``bundle``: each member acquired in the same year as its bundle's first parcel (its leader)."""
    b = p["bundle"].dropna().astype(str)
    leaders = b.groupby(b).transform(lambda g: g.index[0])
    members = leaders[leaders.index != leaders.to_numpy()]
    if len(members):
        xm = x.sel(parcel=list(members.index.astype(str)))
        xl = x.sel(parcel=list(members.to_numpy().astype(str))).assign_coords(
            parcel=list(members.index.astype(str)))
        m.add_constraints(xm - xl == 0, name="bundle")


class ReservePlan:
    """A multi-year acquisition and supply plan (see the module docstring for the maths).

    Parameters
    ----------
    inputs : ReserveInputs
        Costed candidates, money, quotas and demand (:func:`landkit.reserve.inputs_from_town`).
    objective : {"npv", "min_cost"}
        Maximise the NPV of net land revenue, or meet all demand at least discounted cost.
    compactness_wan_yuan_per_km : float
        Weight :math:`w` of the boundary length of the acquired set (万元 per km); 0 disables it.
    max_households, max_farmland_mu : float, optional
        Caps on households relocated and farmland converted over the plan (the epsilon
        constraints of :meth:`pareto`).
    town : Town, optional
        The town the inputs were costed from (:meth:`from_town` sets it): the result's maps and the
        independent check of its zones need it.

    Examples
    --------
    >>> town = landkit.load_sample()                                       # doctest: +SKIP
    >>> plan = ReservePlan.from_town(town, budget_wan_yuan=2000)           # doctest: +SKIP
    >>> result = plan.solve(time_limit_s=60)                               # doctest: +SKIP
    >>> result.plan_table()                                                # doctest: +SKIP
    """

    def __init__(
        self,
        inputs: ReserveInputs,
        *,
        objective: Objective = "npv",
        compactness_wan_yuan_per_km: float = 0.0,
        max_households: float | None = None,
        max_farmland_mu: float | None = None,
        town: Town | None = None,
    ) -> None:
        if objective not in ("npv", "min_cost"):
            raise ValidationError("ReservePlan", [f"objective {objective!r} is not one of 'npv', 'min_cost'"])
        if compactness_wan_yuan_per_km < 0:
            raise ValidationError("ReservePlan", ["compactness_wan_yuan_per_km must be ≥ 0"])
        self.inputs = inputs.check()
        self.objective: Objective = objective
        self.compactness_wan_yuan_per_km = float(compactness_wan_yuan_per_km)
        self.caps = _Caps(max_households, max_farmland_mu)
        #: The town the plan was costed from (:meth:`from_town`), for maps and the independent check; None for
        #: inputs built by hand.
        self.town: Town | None = town

    @classmethod
    def from_town(
        cls,
        town: Town,
        *,
        years: Iterable[int] | None = None,
        budget_wan_yuan: float | Mapping[int, float] | None = None,
        objective: Objective = "npv",
        price_change: float = 0.0,
        compactness_wan_yuan_per_km: float | None = None,
        **kwargs: Unpack[TownOptions],
    ) -> ReservePlan:
        """Validate and cost a town's candidates, then set up the plan.

        ``kwargs`` go to :func:`landkit.reserve.inputs_from_town` (``use_bonds``, ``use_company``,
        ``lock_in``, ``lock_out``, ``bundles``, ``planned_use``, ``linkage_surplus_mu``, ...: :class:`TownOptions`).
        ``compactness_wan_yuan_per_km`` defaults to ``reserve.boundary_penalty`` of the parameters.
        """
        weight = (float(town.params.get("reserve.boundary_penalty", 0.0))
                  if compactness_wan_yuan_per_km is None else compactness_wan_yuan_per_km)
        inputs = inputs_from_town(town, years=years, budget_wan_yuan=budget_wan_yuan, price_change=price_change,
                                  compactness=weight > 0, **kwargs)
        return cls(inputs, objective=objective, compactness_wan_yuan_per_km=weight, town=town)

    def with_inputs(self, **changes: Any) -> ReservePlan:
        """The same plan with some inputs replaced (e.g. ``funds_wan_yuan=...``)."""
        return ReservePlan(self.inputs.with_changes(**changes), objective=self.objective,
                           compactness_wan_yuan_per_km=self.compactness_wan_yuan_per_km,
                           max_households=self.caps.households, max_farmland_mu=self.caps.farmland_mu, town=self.town)

    def with_caps(self, *, max_households: float | None = None, max_farmland_mu: float | None = None) -> ReservePlan:
        """The same plan with caps on households relocated and farmland converted."""
        return ReservePlan(self.inputs, objective=self.objective,
                           compactness_wan_yuan_per_km=self.compactness_wan_yuan_per_km,
                           max_households=max_households, max_farmland_mu=max_farmland_mu, town=self.town)

    # ------------------------------------------------------------------ build
    def discount(self) -> xr.DataArray:
        """Discount factor :math:`\\delta_t` by year."""
        years = np.asarray(self.inputs.years)
        return xr.DataArray((1 + self.inputs.discount_rate) ** -(years - years[0]),
                            coords=[pd.Index(years, name="year")])

    def build(self) -> linopy.Model:
        """Build the linopy model (vectorised over parcel × year; loops only over years or bundles)."""
        m = linopy.Model()
        terms = self.define(Scope(m))
        m.add_objective(terms.objective - terms.constant if terms.constant else terms.objective, sense=terms.sense)
        return m

    def define(self, m: Scope, *, extra_quota: linopy.LinearExpression | None = None) -> ReserveTerms:
        """Add the plan's variables and constraints to ``m``; return its objective and the decisions others link to.

        ``extra_quota`` (亩 by year, a linear expression of another part of the model, e.g. the 挂钩
        节余 used in town when the plans are decided together) adds to the 新增建设用地 quota.
        """
        inp = self.inputs
        sets = _Sets.of(inp)
        sched = _define_schedule(m, sets)
        cost = xr.DataArray(inp.cost_wan_yuan.to_numpy(dtype=float), coords=[sets.P])
        money = _define_money(m, sets, sched, cost)
        _define_capacity(m, sets, sched.x, extra_quota)
        short = _define_demand(m, sets, sched.s, money.market, hard=self.objective == "min_cost")
        _define_locks(m, inp.parcels, sched.x, sets.P)
        z = sched.x.sum("year")
        self._define_caps(m, sets, z)
        obj = self._objective(m, money, short, z)
        constant = float(obj.const.sum()) if sched.held0.any() else 0.0  # holding the opening stock (see above)
        return ReserveTerms(obj, "max" if self.objective == "npv" else "min", constant, sched.x, sets.P, sets.T,
                            money.market.entry if money.market is not None else None)

    def _define_caps(self, m: Scope, sets: _Sets, z: linopy.LinearExpression) -> None:
        """The epsilon constraints: households relocated and farmland converted within the caps."""
        if self.caps.households is not None:
            m.add_constraints((sets.col("households") * z).sum() <= self.caps.households, name="eps_households")
        if self.caps.farmland_mu is not None:
            m.add_constraints((sets.col("farmland_mu") * z).sum() <= self.caps.farmland_mu, name="eps_farmland")

    def _objective(self, m: Scope, money: _Money, short: linopy.Variable,
                   z: linopy.LinearExpression) -> linopy.LinearExpression:
        """The NPV less the shortfall penalty and the boundary penalty, or the discounted cost (``min_cost``)."""
        inp = self.inputs
        boundary = None
        if self.compactness_wan_yuan_per_km > 0 and inp.edges is not None and inp.exposed_m is not None:
            boundary = boundary_penalty(m, z, inp.edges, inp.exposed_m.reindex(inp.parcels.index).fillna(0.0),
                                        dim="parcel", name="shared")
        delta = self.discount()
        discounted_cost = (delta * (money.spend + money.holding)).sum()
        if money.interest is not None:
            discounted_cost = discounted_cost + (delta * money.interest).sum()
        w = self.compactness_wan_yuan_per_km / 1000.0
        if self.objective == "npv":
            penalty = inp.shortfall_penalty_wan_per_mu * (delta * short).sum()
            obj = (delta * money.revenue).sum() - discounted_cost - penalty
            if boundary is not None:
                obj = obj - w * boundary
        else:
            obj = discounted_cost + (w * boundary if boundary is not None else 0)
        return obj

    # ------------------------------------------------------------------ solve
    def diagnosis_groups(self, relax: Iterable[str] | None = None) -> dict[str, GroupSpec]:
        """Constraint groups and units used to explain an infeasible plan.

        ``relax`` names the groups that may give way (default: all of :data:`DIAGNOSIS_GROUPS`);
        e.g. ``relax=["cash"]`` asks "how much money is missing?" with everything else held firm.
        """
        names = list(DIAGNOSIS_GROUPS) if relax is None else list(relax)
        unknown = [n for n in names if n not in DIAGNOSIS_GROUPS]
        if unknown:
            known = list(DIAGNOSIS_GROUPS)
            raise ValidationError("ReservePlan.solve", [f"relax: unknown groups {unknown}; known: {known}"])
        return {name: DIAGNOSIS_GROUPS[name] for name in names}

    def solve(
        self,
        *,
        solver: str = "highs",
        time_limit_s: float | None = 60.0,
        mip_gap: float = 0.005,
        threads: int | None = None,
        relax: Iterable[str] | None = None,
        diagnose_time_limit_s: float | None = 10.0,
        warm_start: ReserveResult | None = None,
        session: SolveSession | None = None,
        lp_start: bool | None = None,
        model: linopy.Model | None = None,
    ) -> ReserveResult:
        """Build and solve; the result carries the solver's status, gap and the plan tables.

        An infeasible plan raises :class:`landkit.InfeasibleError` whose message says which
        constraint groups cannot be met and by how much (万元, 亩, 户); ``relax`` chooses the groups
        allowed to give way in that explanation (see :meth:`diagnosis_groups`), and
        ``diagnose_time_limit_s`` bounds its re-solve.

        ``warm_start``, an earlier result of a similar plan (e.g. before a slider moved), gives the
        solver that plan as a MIP start, matched by parcel and year (``start`` of
        :func:`landkit.optimize.solve`, which says in ``result.outcome.notes`` what it did with it).
        It changes neither the model nor how the result is checked and reported: a start that no
        longer fits these inputs is completed or dropped by the solver. It usually, not always,
        shortens the solve (a good incumbent from the first moment).

        ``session`` (a :class:`landkit.optimize.SolveSession`, HiGHS only; its threads apply) solves in a
        HiGHS model kept between calls, changing in place only the entries that differ from the last plan
        it solved (a slider's right-hand sides, bounds or objective); the answer and its checks are those
        of a fresh solve.

        ``lp_start=True`` (by default, ``None``, on for plans of at least :data:`LP_START_FROM`
        candidate-years, such as a county's thousands of candidates over 5 years) first solves the
        LP relaxation and then the MIP restricted to the parcels that LP uses
        (:func:`landkit.reserve.start.support_start`), within 60 % of ``time_limit_s`` (60 s without a
        limit), and gives its plan to the solver of the whole plan as a MIP start (not with
        ``warm_start``). The bound the result reports is still the solver's, proven on the whole plan:
        at any stopping point the plan returned is within ``result.gap`` of the optimum. The LP
        relaxation's value, also a proven bound, is in ``result.outcome.notes``.

        ``model``, this plan's model already built (by :meth:`build`, or changed into it in place by
        :func:`landkit.reserve.rebuild.update_in_place`, as the panel does when only the funds or a debt
        ceiling moved), is solved instead of a new build; the result's ``outcome.model`` is that object.
        """
        if solver != "highs":
            asked = (("session", "a SolveSession", session is not None),
                     ("lp_start", "the LP-support start", bool(lp_start)))
            refused = [f"{name}: {what} solves with HiGHS, not {solver!r} (leave it unset)"
                       for name, what, given in asked if given]
            if refused:
                raise ValidationError("ReservePlan.solve", refused)
        began = time.perf_counter()  # the limit counts the build too
        if model is None:
            model = self.build()
        else:
            self._check_model(model)
        start = None
        notes: list[str] = []
        lp_bound: float | None = None
        if warm_start is not None and warm_start.outcome.has_solution():
            start = {name: values for name, values in warm_start.outcome.solution().items() if name in model.variables}
        elif (lp_start if lp_start is not None else lp_start_by_size(self.inputs)) and solver == "highs":
            until = began + (0.6 * time_limit_s if time_limit_s is not None else 60.0)
            start, lp_bound, notes = support_start(model, until=until, mip_gap=mip_gap / 2, threads=threads)
        if session is not None:  # HiGHS: another solver with a session was refused above
            outcome = session.solve(model, time_limit_s=time_limit_s, mip_gap=mip_gap, start=start,
                                    started_at=began)
        else:
            outcome = solve(model, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                            start=start, started_at=began)
        if notes:
            outcome.notes = (*notes, *outcome.notes)
            _take_lp_bound(outcome, lp_bound, maximise=self.objective == "npv")
        if not outcome.has_solution():
            outcome.raise_for_status(groups=self.diagnosis_groups(relax), diagnose_time_limit_s=diagnose_time_limit_s,
                                     model_name="土地收储计划 (ReservePlan)")
        return ReserveResult(self, outcome)

    def _check_model(self, model: linopy.Model) -> None:
        """Refuse a model given to :meth:`solve` that was not built for this plan's parcels and years."""
        sets = _Sets.of(self.inputs)
        x = model.variables["x"] if "x" in model.variables else None
        if x is None or not (x.indexes["parcel"].equals(sets.P) and x.indexes["year"].equals(sets.T)):
            raise ValidationError("ReservePlan.solve", [Problem(
                "model", "was not built for this plan (its acquisitions are over other parcels or years)",
                "leave model unset (the plan builds its own) or pass this plan's build()", "model")])

    # ------------------------------------------------------------------ analyses
    def marginal_budget(self, result: ReserveResult | None = None, *, step_wan_yuan: float = 100.0,
                        **solve_kwargs: Any) -> pd.DataFrame:
        """The value of ``step_wan_yuan`` more county funds in each year, from one re-solve per year.

        A marginal *estimate*: the difference of two MIP objectives, each within its own gap. The
        columns 下界/上界 bound the true change using the solvers' proven bounds: for a maximisation,
        Δ ∈ [obj_new − bound_base, bound_new − obj_base] (for a minimisation the roles swap); a change
        inside that interval's noise is not a real difference.
        """
        base = result if result is not None else self.solve(**solve_kwargs)
        rows = []
        for year in self.inputs.years:
            funds = self.inputs.funds_wan_yuan.copy()
            funds[year] += step_wan_yuan
            other = self.with_inputs(funds_wan_yuan=funds).solve(**solve_kwargs)
            lo, hi = _difference_bounds(base, other, maximise=self.objective == "npv")
            rows.append({"年度": year, "增加资金(万元)": step_wan_yuan,
                         "目标值变化(万元)": other.objective - base.objective,
                         "下界(万元)": lo, "上界(万元)": hi,
                         "求解状态": other.status.value, "说明": "边际估计 (marginal estimate from a re-solve)"})
        return pd.DataFrame(rows)

    def pareto(self, result: ReserveResult | None = None, *, against: Literal["households", "farmland"] = "households",
               points: int = 5, **solve_kwargs: Any) -> pd.DataFrame:
        """Epsilon-constraint Pareto front of NPV against households relocated or farmland converted.

        The first point is the uncapped plan (``result`` when given, else solved); the others cap the
        criterion at evenly spaced levels down to 0. Each row is one solve with its status and gap,
        and with the demand it leaves unmet (``shortfall_mu``): a tighter cap can raise the NPV only by
        leaving demand unserved, and the row says so.
        """
        key = "households" if against == "households" else "farmland_mu"
        first = result if result is not None else self.solve(**solve_kwargs)
        top = float(first.kpis()[key])
        levels = np.linspace(top, 0.0, points) if top > 0 else np.array([0.0])
        rows = []
        for k_level, level in enumerate(levels):
            caps = {"max_households": level} if against == "households" else {"max_farmland_mu": level}
            try:
                r = first if k_level == 0 else self.with_caps(**caps).solve(**solve_kwargs)
            except InfeasibleError as exc:  # an infeasible level ends the front; say so in the table
                rows.append({"cap": level, "npv_wan_yuan": np.nan, "status": f"infeasible: {exc}"})
                continue
            k = r.kpis()
            rows.append({"cap": level, "npv_wan_yuan": k["npv_wan_yuan"], key: k[key],
                         "shortfall_mu": k["shortfall_mu"], "objective": r.objective, "gap": r.gap,
                         "status": r.status.value, "acquired_mu": k["acquired_mu"]})
        front = pd.DataFrame(rows)
        for col in (key, "shortfall_mu"):
            if col not in front:
                front[col] = np.nan
        return front


def _take_lp_bound(outcome: SolveResult, lp_bound: float | None, *, maximise: bool) -> None:
    """Where the LP relaxation's optimum (proven by HiGHS on the whole plan) bounds the objective more tightly than
    the solver's last MIP bound, or the solver stopped before it had one, report it as the bound (with a note)."""
    if lp_bound is None or outcome.objective is None or not outcome.is_mip:
        return
    bound = outcome.best_bound
    tighter = bound is None or not np.isfinite(bound) or (lp_bound < bound if maximise else lp_bound > bound)
    if not tighter:
        return
    outcome.best_bound = lp_bound
    outcome.gap = relative_gap(outcome.objective, lp_bound)
    outcome.notes = (*outcome.notes, f"bound: the LP relaxation's {lp_bound:,.6g} (the solver's own "
                     f"{'none' if bound is None else f'{bound:,.6g}'} is weaker)")


def _difference_bounds(base: ReserveResult, other: ReserveResult, *, maximise: bool) -> tuple[float, float]:
    """Proven interval for (optimum of other) − (optimum of base) from objectives and bounds."""
    def bound(r: ReserveResult) -> float:
        b = r.outcome.best_bound
        return float(b) if b is not None else float("nan")

    if maximise:  # optimum ∈ [objective, bound]
        return other.objective - bound(base), bound(other) - base.objective
    return bound(other) - base.objective, other.objective - bound(base)  # optimum ∈ [bound, objective]


__all__ = ["DIAGNOSIS_GROUPS", "ReservePlan"]
