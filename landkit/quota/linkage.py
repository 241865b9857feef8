"""城乡建设用地增减挂钩: which plots to demolish and reclaim, when, and where the households go.

Formulation
-----------
Sets: 拆旧 plots :math:`p \\in P` (homesteads, abandoned mining land), 整村搬迁 blocks
:math:`v` (a village's plots, all or none), 建新 sites :math:`s \\in S`, years
:math:`t \\in T = \\{t_0, …, t_n\\}`.

Data: reclaimable area :math:`r_p`, paddy :math:`w_p` and grain capacity :math:`k_p` of the farmland
reclaimed from :math:`p`; households :math:`n_p`; one-off cost :math:`C_p` (demolition, compensation,
reclamation); reclamation accepted :math:`L` years after demolition; 周转指标 returned within
:math:`N` years (3); households moved per year at most :math:`\\bar H_t`; site capacity
:math:`K_s` (户), opening cost :math:`F_s`, cost per household :math:`c_h`, land per household
:math:`a_h` (亩) and, per 亩 of site land, farmland :math:`\\varphi_s`, paddy :math:`\\psi_s` and
capacity :math:`\\kappa_s` occupied.

Decisions: :math:`x_{pt} \\in \\{0,1\\}` demolish :math:`p` in year :math:`t`; :math:`z_v \\in \\{0,1\\}`
relocate village :math:`v`; :math:`o_{st} \\in \\{0,1\\}` open site :math:`s` in :math:`t`;
:math:`h_{st} \\in \\mathbb{Z}_{\\ge 0}` households rehoused at :math:`s` in :math:`t`; and, in 亩,
:math:`b_t` 周转指标 borrowed, :math:`g_t` returned, :math:`d_t` 建新 drawn from accepted quota,
:math:`u_t` 节余指标 used in town, :math:`q_t` sold (all :math:`\\ge 0`).

Derived: accepted reclamation :math:`R_t = \\sum_p r_p x_{p,t-L}` (likewise paddy :math:`W_t`, capacity
:math:`K^{rec}_t`); 建新 land :math:`B_t = a_h \\sum_s h_{st}` (occupying paddy
:math:`B^w_t = a_h \\sum_s \\psi_s h_{st}` and capacity :math:`B^k_t = a_h \\sum_s \\kappa_s h_{st}`);
outstanding 周转指标 :math:`O_t = \\sum_{\\tau \\le t} (b_\\tau - g_\\tau)`; stock of accepted, unused quota
:math:`Q_t = \\sum_{\\tau \\le t} (R_\\tau - g_\\tau - d_\\tau - u_\\tau - q_\\tau)`.

Constraints (named as in the linopy model; infeasibility diagnosis reports them by name):

.. math::

    \\text{once:}\\; \\sum_t x_{pt} \\le 1 \\qquad
    \\text{whole\\_village:}\\; \\sum_t x_{pt} = z_{v(p)} \\qquad
    \\text{households:}\\; \\sum_p n_p x_{pt} \\le \\bar H_t

    \\text{rehouse:}\\; \\sum_s h_{st} = \\sum_p n_p x_{pt} \\qquad
    \\text{site\\_once:}\\; \\sum_t o_{st} \\le 1 \\qquad
    \\text{site\\_capacity:}\\; \\sum_{\\tau \\le t} h_{s\\tau} \\le K_s \\sum_{\\tau \\le t} o_{s\\tau}

    \\text{build:}\\; b_t + d_t = B_t \\qquad
    \\text{stock:}\\; Q_t \\ge 0 \\qquad
    \\text{outstanding:}\\; O_t \\ge 0

    \\text{repay\\_due:}\\; \\sum_{\\tau \\le t} g_\\tau \\ge \\sum_{\\tau \\le t-N} b_\\tau \\quad (t \\ge t_0 + N)
    \\qquad \\text{close\\_out:}\\; O_{t_n} \\le 0

    \\text{paddy\\_due:}\\; \\sum_{\\tau \\le t} W_\\tau \\ge \\sum_{\\tau \\le t-N} B^w_\\tau \\qquad
    \\text{capacity\\_due:}\\; \\sum_{\\tau \\le t} K^{rec}_\\tau \\ge \\sum_{\\tau \\le t-N} B^k_\\tau

    \\text{paddy\\_close:}\\; \\sum_t W_t \\ge \\sum_t B^w_t \\qquad
    \\text{capacity\\_close:}\\; \\sum_t K^{rec}_t \\ge \\sum_t B^k_t

    \\text{town\\_use:}\\; u_t \\le U_t \\qquad \\text{sale:}\\; q_t \\le M_t

The area balance "reclaimed farmland ≥ 建新 land" follows: :math:`Q_{t_n} \\ge 0` and
:math:`O_{t_n} = 0` give :math:`\\sum_t R_t = \\sum_t B_t + \\sum_t (u_t + q_t) + Q_{t_n}`, so the
surplus (节余) :math:`\\sum_t (u_t + q_t) + Q_{t_n}` is accepted reclamation − 建新 use. Paddy and
capacity are tracked separately (挂钩水田, 挂钩产能) with the same :math:`N`-year rule. ``fixed``
demolitions add ``locked`` (:math:`x_{p,y} = 1`), ``excluded`` plots ``excluded`` (:math:`\\sum_t
x_{pt} = 0`). With :math:`\\delta_t = (1+i)^{-(t-t_0)}` and the yearly cost

.. math::

    C_t = \\sum_p C_p x_{pt} + \\sum_s F_s o_{st} + c_h \\sum_s h_{st},

the objectives are

- ``"max_value"``: maximise :math:`\\sum_t \\delta_t (v_t u_t + \\pi_t q_t - C_t)` — 节余指标 used in town
  at the shadow value :math:`v_t`, or sold at :math:`\\pi_t`, minus costs;
- ``"min_cost"``: minimise :math:`\\sum_t \\delta_t C_t` subject to ``required``:
  :math:`u_t \\ge D_t`, a required quota by year (nothing is sold).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit._errors import Problem, ValidationError
from landkit.optimize import GroupSpec, Scope, solve
from landkit.quota.inputs import LinkageInputs, by_year, linkage_inputs_from_town
from landkit.quota.result import LinkageResult
from landkit.town import Town

Objective = Literal["max_value", "min_cost"]

#: How infeasibility is explained: constraint -> (label, unit, weight). The user's own choices (fixed
#: demolitions, required quota) give way last; the quota rules first, so the message names the rule.
_MORE_PLOTS = "add 拆旧 villages or plots (villages, whole_villages), or lengthen the plan (years)"
_g = GroupSpec.of
_PADDY, _GRADE = "add plots that can be reclaimed as paddy", "add plots of better reclaimed grade"
DIAGNOSIS_GROUPS: dict[str, GroupSpec] = {
    "repay_due": _g("周转指标 due for return by {year} (borrowed ≥ 3 years earlier)", "亩", 1.0, _MORE_PLOTS),
    "close_out": _g("周转指标 still outstanding at the end of the plan", "亩", 1.0, _MORE_PLOTS),
    "paddy_due": _g("挂钩水田 due by {year}", "亩", 1.0, f"{_PADDY}, or more years"),
    "capacity_due": _g("挂钩产能 due by {year}", "公斤", 0.001, f"{_GRADE}, or more years"),
    "paddy_close": _g("挂钩水田 balance at the end of the plan", "亩", 1.0, _PADDY),
    "capacity_close": _g("挂钩产能 balance at the end of the plan", "公斤", 0.001, _GRADE),
    "households": _g("{year} households moved cap", "户", 1.0, "raise linkage.max_households_per_year"),
    "site_capacity": _g("{site} capacity by {year}", "户", 1.0, "add 建新 resettlement sites or enlarge them"),
    "required": _g("{year} required 节余指标", "亩", 1e3, "lower the required 节余指标, or add 拆旧 plots"),
    "locked": _g("fixed demolition of {unit} in {year}", "plot", 1e6, "remove the fixed demolition"),
}


@dataclass(frozen=True)
class _Exits:
    offer: linopy.Variable  # village × level × year: the paid exit offered at that level that year
    reclaimed: linopy.Variable  # village × year: exited homestead land reclaimed (亩)
    cost: linopy.LinearExpression  # payments and reclamation by year (万元)
    paddy_share: xr.DataArray
    capacity_kg_per_mu: xr.DataArray


def _define_exits(m: Scope, inp: LinkageInputs, T: pd.Index) -> _Exits | None:
    r"""宅基地有偿退出: ``exit_offer[v, k, t]`` — village :math:`v` offered payment level :math:`k` in year :math:`t`.

    With households :math:`n_v`, homestead land :math:`A_v` (reclaimable :math:`\sigma A_v`), offers
    :math:`o_k` (万元/户) and participation :math:`\pi_{vk}` (the village's supply curve at the levels):
    ``exit_once`` :math:`\sum_{k,t} y_{vkt} \le 1` (one campaign per village); the households leaving are
    :math:`n_v \sum_k \pi_{vk} y_{vkt}`, paid :math:`\sum_k o_k n_v \pi_{vk} y_{vkt}`; ``exit_reclaim``:
    :math:`r_{vt} \le \sigma A_v \sum_k \pi_{vk} y_{vkt}` of the land they leave is reclaimed (at the
    plots' cost per 亩) and, accepted :math:`L` years later, joins the 挂钩 stock with its paddy and capacity;
    the rest stays collective construction land. Choosing among the levels makes the curve exact in a MILP.
    """
    ex, part = inp.exits, inp.exit_participation
    if ex is None or part is None or not len(ex) or not inp.exit_offers:
        return None
    V = pd.Index(ex.index.astype(str), name="village")
    K = pd.Index(range(len(inp.exit_offers)), name="level")
    share = xr.DataArray(part.reindex(ex.index).to_numpy(dtype=float), coords=[V, K])
    offer = m.add_variables(binary=True, coords=[V, K, T], name="exit_offer")
    m.add_constraints(offer.sum(["level", "year"]) <= 1, name="exit_once")

    def col(name: str) -> xr.DataArray:
        return xr.DataArray(ex[name].to_numpy(dtype=float), coords=[V])

    leaving = (share * offer).sum("level")  # share of the village's homesteads exiting, by year
    reclaimed = m.add_variables(lower=0, coords=[V, T], name="exit_reclaim")
    m.add_constraints(reclaimed - col("reclaim_mu") * leaving <= 0, name="exit_reclaimable")
    pay = xr.DataArray(np.asarray(inp.exit_offers, dtype=float), coords=[K])
    cost = ((col("households") * share * pay * offer).sum(["village", "level"])
            + (col("reclamation_cost_wan_per_mu") * reclaimed).sum("village"))
    return _Exits(offer, reclaimed, cost, col("paddy_share"), col("capacity_kg_per_mu"))


@dataclass(frozen=True)
class LinkageTerms:
    """What :meth:`LinkagePlan.define` adds that other parts of a joint model link to.

    Attributes
    ----------
    objective : linopy.LinearExpression
        Value minus cost (``"max"``) or cost (``"min"``), discounted, 万元.
    sense : {"max", "min"}
    x : linopy.Variable
        Demolish plot in year (``unit × year``).
    open : linopy.Variable
        Open 建新 site in year (``site × year``).
    use : linopy.Variable
        节余指标 used in town by year (亩).
    plots, sites, years : pandas.Index
    exit_offer : linopy.Variable or None
        宅基地有偿退出 offered in a village at a level in a year (``village × level × year``).
    """

    objective: linopy.LinearExpression
    sense: str
    x: linopy.Variable
    open: linopy.Variable
    use: linopy.Variable
    plots: pd.Index
    sites: pd.Index
    years: pd.Index
    exit_offer: linopy.Variable | None = None


@dataclass(frozen=True)
class _Sets:
    """The plan's index sets (plots, sites, years) and its data as arrays over them."""

    inp: LinkageInputs
    P: pd.Index
    S: pd.Index
    T: pd.Index

    @classmethod
    def of(cls, inp: LinkageInputs) -> _Sets:
        """The sets of ``inp``."""
        return cls(inp, pd.Index(inp.plots.index.astype(str), name="unit"),
                   pd.Index(inp.sites.index.astype(str), name="site"), pd.Index(list(inp.years), name="year"))

    def pcol(self, name: str) -> xr.DataArray:
        """A plot column over ``unit``."""
        return xr.DataArray(self.inp.plots[name].to_numpy(dtype=float), coords=[self.P])

    def scol(self, name: str) -> xr.DataArray:
        """A site column over ``site``."""
        return xr.DataArray(self.inp.sites[name].to_numpy(dtype=float), coords=[self.S])

    def yearly(self, series: pd.Series) -> xr.DataArray:
        """A yearly series over ``year``."""
        return xr.DataArray(series.reindex(self.T).to_numpy(dtype=float), coords=[self.T])


@dataclass(frozen=True)
class _Decisions:
    """The plan's decisions: demolish, open, rehouse, and the yearly quota flows (亩)."""

    x: linopy.Variable
    open: linopy.Variable
    rehoused: linopy.Variable
    borrow: linopy.Variable
    repay: linopy.Variable
    direct: linopy.Variable
    use: linopy.Variable
    sell: linopy.Variable


@dataclass(frozen=True)
class _Balance:
    """Accepted reclamation and 建新 land by year: area (亩), paddy (亩) and capacity (kg)."""

    rec: linopy.LinearExpression
    rec_paddy: linopy.LinearExpression
    rec_cap: linopy.LinearExpression
    build: linopy.LinearExpression
    build_paddy: linopy.LinearExpression
    build_cap: linopy.LinearExpression


def _add_households(m: Scope, sets: _Sets, d: _Decisions) -> None:
    """Plots demolished once (whole villages all or none), households within the cap, rehoused at opened sites."""
    p, x = sets.inp.plots, d.x
    m.add_constraints(x.sum("year") <= 1, name="once")
    if "block" in p and p["block"].notna().any():
        blk = p["block"].dropna().astype(str)
        B = pd.Index(sorted(set(blk)), name="block")
        z = m.add_variables(binary=True, coords=[B], name="village")
        members = pd.Index(blk.index.astype(str), name="unit")
        zb = z.sel(block=xr.DataArray(blk.to_numpy(), coords=[members]))
        m.add_constraints(x.sel(unit=members).sum("year") - zb == 0, name="whole_village")
    moved = (sets.pcol("households") * x).sum("unit")
    m.add_constraints(moved <= sets.yearly(sets.inp.max_households), name="households")
    m.add_constraints(d.rehoused.sum("site") - moved == 0, name="rehouse")
    m.add_constraints(d.open.sum("year") <= 1, name="site_once")
    m.add_constraints(d.rehoused.cumsum("year") - sets.scol("capacity_households") * d.open.cumsum("year") <= 0,
                      name="site_capacity")


def _balance(m: Scope, sets: _Sets, d: _Decisions) -> tuple[_Balance, _Exits | None]:
    """Reclamation accepted ``L`` years after demolition (plots and exited homesteads) and the 建新 land by year."""
    L = sets.inp.reclamation_lag_years

    def accepted(col: str) -> linopy.LinearExpression:
        flow = (sets.pcol(col) * d.x).sum("unit")
        return flow.shift(year=L).fillna(0) if L > 0 else flow

    rec, rec_paddy, rec_cap = accepted("reclaim_mu"), accepted("paddy_mu"), accepted("capacity_kg")
    exits = _define_exits(m, sets.inp, sets.T)
    if exits is not None:  # reclaimed exited homesteads are accepted like any 拆旧 plot
        lagged = exits.reclaimed.shift(year=L).fillna(0) if L > 0 else exits.reclaimed
        rec = rec + lagged.sum("village")
        rec_paddy = rec_paddy + (exits.paddy_share * lagged).sum("village")
        rec_cap = rec_cap + (exits.capacity_kg_per_mu * lagged).sum("village")
    a_h, h = sets.inp.land_per_household_mu, d.rehoused
    build = a_h * h.sum("site")
    build_paddy = (a_h * sets.scol("paddy_share") * h).sum("site")
    build_cap = (a_h * sets.scol("capacity_kg_per_mu") * h).sum("site")
    return _Balance(rec, rec_paddy, rec_cap, build, build_paddy, build_cap), exits


def _add_quota_rules(m: Scope, sets: _Sets, d: _Decisions, b: _Balance,
                     extra: Mapping[str, linopy.LinearExpression]) -> None:
    """建新 covered, stock and 周转指标 never negative, returned within ``N`` years, paddy and capacity balanced."""
    N, T = sets.inp.return_years, sets.T
    m.add_constraints(d.borrow + d.direct - b.build == 0, name="build")
    rec_paddy = b.rec_paddy - extra["paddy"] if "paddy" in extra else b.rec_paddy
    rec_cap = b.rec_cap - extra["capacity"] if "capacity" in extra else b.rec_cap
    taken = b.rec - d.repay - d.direct - d.use - d.sell
    stock = (taken - extra["area"] if "area" in extra else taken).cumsum("year")
    m.add_constraints(stock >= 0, name="stock")
    outstanding = (d.borrow - d.repay).cumsum("year")
    m.add_constraints(outstanding >= 0, name="outstanding")
    if len(T) > N:
        due_years = T[N:]
        due = d.borrow.cumsum("year").shift(year=N).fillna(0).sel(year=due_years)
        m.add_constraints(d.repay.cumsum("year").sel(year=due_years) - due >= 0, name="repay_due")
        m.add_constraints(rec_paddy.cumsum("year").sel(year=due_years)
                          - b.build_paddy.cumsum("year").shift(year=N).fillna(0).sel(year=due_years) >= 0,
                          name="paddy_due")
        m.add_constraints(rec_cap.cumsum("year").sel(year=due_years)
                          - b.build_cap.cumsum("year").shift(year=N).fillna(0).sel(year=due_years) >= 0,
                          name="capacity_due")
    m.add_constraints(outstanding.sel(year=T[-1]) <= 0, name="close_out")
    m.add_constraints((rec_paddy - b.build_paddy).sum("year") >= 0, name="paddy_close")
    m.add_constraints((rec_cap - b.build_cap).sum("year") >= 0, name="capacity_close")


class LinkagePlan:
    """A 增减挂钩 project-area plan (see the module docstring for the maths).

    Parameters
    ----------
    inputs : LinkageInputs
        Costed plots and sites and the quota rules (:func:`landkit.quota.linkage_inputs_from_town`).
    objective : {"max_value", "min_cost"}
        Maximise net value, or deliver ``required_mu`` at least discounted cost.
    required_mu : float or mapping of int to float, optional
        节余指标 the town needs by year (亩), for ``"min_cost"`` (a number: every year).
    fixed : mapping of str to int, optional
        Plots (or whole-village blocks, by village name) demolished in a given year.
    excluded : iterable of str, optional
        Plots or blocks that must not be demolished.
    town : Town, optional
        The town the inputs were derived from (for maps and the land account; :meth:`from_town` sets it).
    plots_gdf, sites_gdf : GeoDataFrame, optional
        The 拆旧 candidates and 建新 sites with their geometry (likewise).

    Examples
    --------
    >>> town = landkit.load_sample()                          # doctest: +SKIP
    >>> plan = LinkagePlan.from_town(town)                    # doctest: +SKIP
    >>> result = plan.solve(time_limit_s=60)                  # doctest: +SKIP
    >>> result.ledger()                                       # doctest: +SKIP
    """

    def __init__(
        self,
        inputs: LinkageInputs,
        *,
        objective: Objective = "max_value",
        required_mu: float | Mapping[int, float] | None = None,
        fixed: Mapping[str, int] | None = None,
        excluded: Iterable[str] = (),
        town: Town | None = None,
        plots_gdf: gpd.GeoDataFrame | None = None,
        sites_gdf: gpd.GeoDataFrame | None = None,
    ) -> None:
        self.inputs = inputs.check()
        problems: list[Problem] = []
        if objective not in ("max_value", "min_cost"):
            problems.append(Problem("objective", f"{objective!r} is not 'max_value' or 'min_cost'", "", "value"))
        if objective == "min_cost" and required_mu is None:
            problems.append(Problem("required_mu", "min_cost needs the 节余指标 required by year",
                                    "e.g. required_mu={2021: 50}", "value"))
        self.required = (by_year(required_mu, inputs.years, "required").fillna(0.0) if required_mu is not None
                         else pd.Series(0.0, index=list(inputs.years)))
        if (self.required < 0).any():
            problems.append(Problem("required_mu", "negative values", "give 亩 ≥ 0", "value"))
        self.fixed = {str(k): int(v) for k, v in (fixed or {}).items()}
        self.excluded = [str(e) for e in excluded]
        plots = inputs.plots
        blocks = set(plots["block"].dropna().astype(str)) if "block" in plots else set()
        for key in [*self.fixed, *self.excluded]:
            if key not in plots.index and key not in blocks:
                problems.append(Problem(f"plot {key}", "neither a 拆旧 plot nor a whole-village block",
                                        f"choose a plot id or one of {sorted(blocks)}", "unknown_id"))
        for key, year in self.fixed.items():
            if year not in inputs.years:
                problems.append(Problem(f"fixed {key}", f"year {year} outside the plan {inputs.years}", "", "years"))
        both = set(self.fixed) & set(self.excluded)
        if both:
            problems.append(Problem("fixed/excluded", f"{sorted(both)} both fixed and excluded", "choose one", "lock"))
        if problems:
            raise ValidationError("LinkagePlan", problems)
        self.objective: Objective = objective
        self.town = town  # for maps and the land account
        self.plots_gdf = plots_gdf
        self.sites_gdf = sites_gdf

    @classmethod
    def from_town(
        cls,
        town: Town,
        *,
        years: Iterable[int] | None = None,
        villages: Iterable[str] | None = None,
        whole_villages: Iterable[str] | None = None,
        sites: gpd.GeoDataFrame | None = None,
        objective: Objective = "max_value",
        required_mu: float | Mapping[int, float] | None = None,
        fixed: Mapping[str, int] | None = None,
        excluded: Iterable[str] = (),
        **kwargs: Any,
    ) -> LinkagePlan:
        """Validate and cost a town's 拆旧 plots and 建新 sites, then set up the plan.

        ``kwargs`` go to :func:`landkit.quota.linkage_inputs_from_town` (``sale_price_wan_per_mu``,
        ``town_use_value_wan_per_mu``, ``max_households``).
        """
        inputs, plots, site_gdf = linkage_inputs_from_town(town, years=years, villages=villages,
                                                           whole_villages=whole_villages, sites=sites, **kwargs)
        return cls(inputs, objective=objective, required_mu=required_mu, fixed=fixed, excluded=excluded,
                   town=town, plots_gdf=plots, sites_gdf=site_gdf)

    # ------------------------------------------------------------------ build
    def discount(self) -> xr.DataArray:
        """Discount factor :math:`\\delta_t` by year."""
        years = np.asarray(self.inputs.years)
        return xr.DataArray((1 + self.inputs.discount_rate) ** -(years - years[0]),
                            coords=[pd.Index(years, name="year")])

    def _members(self, key: str) -> list[str]:
        plots = self.inputs.plots
        if key in plots.index:
            return [key]
        return list(plots.index[plots["block"].astype("string").eq(key).fillna(False)].astype(str))

    def build(self) -> linopy.Model:
        """Build the linopy model (vectorised over plot × year and site × year)."""
        m = linopy.Model()
        terms = self.define(Scope(m))
        m.add_objective(terms.objective, sense=terms.sense)
        return m

    def define(self, m: Scope, *, value_town_use: bool = True,
               extra_use: Mapping[str, linopy.LinearExpression] | None = None) -> LinkageTerms:
        """Add the plan's variables and constraints to ``m``; return its objective and the decisions others link to.

        ``value_town_use=False`` leaves the shadow value :math:`v_t u_t` of 节余 used in town out of
        the objective: when the reserve plan is decided in the same model, that use is valued by
        the reserve plan itself (it raises its 新增建设用地 quota). ``extra_use`` is one more use of the
        accepted reclamation by year, e.g. what is cancelled as 占补平衡 supplement: ``"area"`` (亩) leaves the
        stock, ``"paddy"`` (亩) and ``"capacity"`` (kg) leave what the plan's own 挂钩水田 and 挂钩产能
        balances may count (the same reclaimed land is not counted twice).
        """
        sets = _Sets.of(self.inputs)
        d = self._add_decisions(m, sets)
        _add_households(m, sets, d)
        balance, exits = _balance(m, sets, d)
        _add_quota_rules(m, sets, d, balance, dict(extra_use or {}))
        self._add_choices(m, sets, d)
        return self._terms(sets, d, exits, value_town_use=value_town_use)

    def _add_decisions(self, m: Scope, sets: _Sets) -> _Decisions:
        """The variables: demolish, open, rehouse; borrowed, returned, drawn, used in town and sold quota."""
        inp, P, S, T = self.inputs, sets.P, sets.S, sets.T
        x = m.add_variables(binary=True, coords=[P, T], name="x")
        o = m.add_variables(binary=True, coords=[S, T], name="open")
        h = m.add_variables(lower=0, integer=True, coords=[S, T], name="rehoused")
        borrow = m.add_variables(lower=0, coords=[T], name="borrow")
        repay = m.add_variables(lower=0, coords=[T], name="repay")
        direct = m.add_variables(lower=0, coords=[T], name="direct")
        valued = self.objective == "max_value"
        use = m.add_variables(lower=0, upper=sets.yearly(inp.town_use_cap_mu) if valued else np.inf, coords=[T],
                              name="use")
        sell_cap = sets.yearly(inp.sale_cap_mu) if valued else xr.zeros_like(sets.yearly(inp.sale_cap_mu))
        sell = m.add_variables(lower=0, upper=sell_cap, coords=[T], name="sell")
        return _Decisions(x, o, h, borrow, repay, direct, use, sell)

    def _add_choices(self, m: Scope, sets: _Sets, d: _Decisions) -> None:
        """The user's choices: the required 节余 (min_cost), fixed demolitions and excluded plots."""
        P, T, x = sets.P, sets.T, d.x
        if self.objective == "min_cost":
            m.add_constraints(d.use >= sets.yearly(self.required), name="required")
        if self.fixed:
            fix = xr.DataArray(np.zeros((len(P), len(T))), coords=[P, T])
            for key, year in self.fixed.items():
                fix.loc[{"unit": self._members(key), "year": year}] = 1.0
            m.add_constraints(x >= fix, name="locked", mask=fix > 0)
        if self.excluded:
            units = sorted({u for key in self.excluded for u in self._members(key)})
            m.add_constraints(x.sel(unit=units).sum("year") == 0, name="excluded")

    def _terms(self, sets: _Sets, d: _Decisions, exits: _Exits | None, *, value_town_use: bool) -> LinkageTerms:
        """The discounted objective (value minus cost, or cost) and the decisions other parts link to."""
        inp, P, S, T = self.inputs, sets.P, sets.S, sets.T
        delta = self.discount()
        cost = ((xr.DataArray(inp.plot_cost_wan_yuan.to_numpy(dtype=float), coords=[P]) * d.x).sum("unit")
                + (sets.scol("fixed_cost_wan_yuan") * d.open).sum("site")
                + inp.site_cost_per_household_wan_yuan * d.rehoused.sum("site"))
        if exits is not None:
            cost = cost + exits.cost
        offer = exits.offer if exits is not None else None
        if self.objective == "max_value":
            value = sets.yearly(inp.sale_price_wan_per_mu) * d.sell
            if value_town_use:
                value = value + sets.yearly(inp.town_use_value_wan_per_mu) * d.use
            return LinkageTerms((delta * (value - cost)).sum(), "max", d.x, d.open, d.use, P, S, T, offer)
        return LinkageTerms((delta * cost).sum(), "min", d.x, d.open, d.use, P, S, T, offer)

    # ------------------------------------------------------------------ solve
    def diagnosis_groups(self) -> dict[str, GroupSpec]:
        """Constraint groups and units used to explain an infeasible plan (:data:`DIAGNOSIS_GROUPS`)."""
        return dict(DIAGNOSIS_GROUPS)

    def solve(
        self,
        *,
        solver: str = "highs",
        time_limit_s: float | None = 60.0,
        mip_gap: float = 1e-4,
        threads: int | None = None,
        diagnose_time_limit_s: float | None = 10.0,
    ) -> LinkageResult:
        """Build and solve; an impossible plan raises :class:`landkit.InfeasibleError` naming the rule broken.

        The diagnosis says which rule cannot be met and by how much, e.g. ``周转指标 due for
        return by 2022 (borrowed ≥ 3 years earlier) short by 60亩``.
        """
        began = time.perf_counter()  # the limit counts the build too
        model = self.build()
        outcome = solve(model, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                        started_at=began)
        if not outcome.has_solution():
            outcome.raise_for_status(groups=self.diagnosis_groups(), diagnose_time_limit_s=diagnose_time_limit_s,
                                     model_name="增减挂钩项目区计划 (LinkagePlan)")
        return LinkageResult(self, outcome)


__all__ = ["DIAGNOSIS_GROUPS", "LinkagePlan"]
