"""Least-cost 占补平衡: which supplement units to cancel against which balancing units.

Formulation
-----------
Sets: supplement units :math:`u \\in U = U^{div} \\cup U^{whole}` not yet cancelled (divisible purchased
indicators and 挂钩 surplus; whole reclamation, consolidation and upgrade projects), balancing units
:math:`g \\in G` (projects under 先补后占, occupation years under 以补定占, see
:mod:`landkit.farmland.ledger`).

Data: what unit :math:`u` adds, area :math:`a_u` (亩), capacity :math:`c_u` (kg), paddy :math:`w_u`
(亩); its cost :math:`K_u` (万元, pro rata for divisible units) and year :math:`y_u`; the credit year
:math:`\\tau_g` of balancing unit :math:`g` (its year under 先补后占, the year before under 以补定占); the
residual demands :math:`A_g, C_g, W_g` (occupied minus already cancelled). Eligibility
:math:`e_{ug} = [y_u \\le \\tau_g]`.

Decisions: :math:`s_{ug} \\in [0, e_{ug}]` share of :math:`u` cancelled against :math:`g`;
:math:`b_u \\in \\{0, 1\\}` build whole unit :math:`u`.

.. math::

    \\min \\; \\sum_{u \\in U^{div}} K_u \\sum_g s_{ug} + \\sum_{u \\in U^{whole}} K_u b_u

subject to (names as in the linopy model):

.. math::

    \\text{cancel\\_once:}\\; \\sum_g s_{ug} \\le 1 \\;(u \\in U^{div}) \\qquad
    \\text{whole:}\\; \\sum_g s_{ug} = b_u \\;(u \\in U^{whole})

    \\text{quantity:}\\; \\sum_u a_u s_{ug} \\ge A_g \\qquad
    \\text{capacity:}\\; \\sum_u \\tfrac{c_u}{100} s_{ug} \\ge \\tfrac{C_g}{100} \\qquad
    \\text{paddy:}\\; \\sum_u w_u s_{ug} \\ge W_g

Capacity rows count hundreds of kg, so their duals read directly in 万元 per 100 kg.

Marginal costs
--------------
The dual :math:`\\lambda^d_g = \\partial\\,\\text{cost}^* / \\partial\\,\\text{rhs}^d_g \\ge 0` of each balance
(landkit's sign convention: change of the optimal objective per unit increase of the right-hand
side) is what one more 亩 of occupied farmland, 100 kg of occupied capacity or 亩 of occupied paddy
costs at the margin: 万元/亩, 万元/100 kg, 万元/亩. Duals exist for LPs; when whole projects make
the model a MILP, the binaries are fixed at the optimal plan and the remaining LP is re-solved, so
the duals are the marginal costs *given the chosen projects* (buying indicators or using the spare
share of a chosen project), not the cost of changing the project set.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import linopy
import pandas as pd
import xarray as xr

from landkit._errors import Problem, ValidationError
from landkit.farmland.ledger import FarmlandLedger, SupplementUnit
from landkit.farmland.result import FarmlandResult, marginal_table  # noqa: F401  (marginal_table lived here)
from landkit.glossary import status_text
from landkit.optimize import GroupSpec, Scope, SolveResult, Status, solve
from landkit.params import Parameters

#: How an impossible balance is explained: constraint -> GroupSpec (user units: 亩, 公斤).
_MORE_UNITS = "add supplement units (自行垦造, 提质改造, 挂钩复垦), or allow more purchased indicators " \
              "(farmland.indicator_max_mu)"
DIAGNOSIS_GROUPS: dict[str, GroupSpec] = {
    "quantity": GroupSpec(label="{group}: quantity balance (占一补一, 数量)", unit="亩", weight=1.0, hint=_MORE_UNITS),
    "capacity": GroupSpec(label="{group}: capacity balance (占优补优, 产能)", unit="公斤", scale=100.0, weight=0.01,
                          hint=_MORE_UNITS + "; upgrade units (提质改造) add capacity"),
    "paddy": GroupSpec(label="{group}: paddy balance (占水补水, 水田)", unit="亩", weight=1.0,
                       hint=_MORE_UNITS + "; paddy conversion units (旱改水) add paddy"),
}
_DIM_COLUMN = {"quantity": "area_mu", "capacity": "capacity_kg", "paddy": "paddy_mu"}
_DIM_SCALE = {"quantity": 1.0, "capacity": 0.01, "paddy": 1.0}


class FarmlandBalance:
    """The least-cost balancing problem for a ledger's open balances (module docstring for the maths).

    Parameters
    ----------
    ledger : FarmlandLedger
        Occupations and registered units; units already cancelled count toward their balancing
        units and are not available again.

    Examples
    --------
    >>> ledger = FarmlandLedger().occupy(occ).add_units(units)           # doctest: +SKIP
    >>> result = FarmlandBalance(ledger).solve()                          # doctest: +SKIP
    >>> result.balance_sheet(); result.marginal_costs()                   # doctest: +SKIP
    """

    def __init__(self, ledger: FarmlandLedger) -> None:
        if not isinstance(ledger, FarmlandLedger):
            raise ValidationError("FarmlandBalance", [Problem("ledger", f"got {type(ledger).__name__}",
                                                              "pass a FarmlandLedger")])
        problems = []
        if ledger.occupations.empty:
            problems.append(Problem("ledger", "has no occupations", "ledger.occupy(...) first"))
        if ledger.available_units().empty:
            problems.append(Problem("ledger", "has no supplement unit left to cancel", "ledger.add_units(...) first"))
        if problems:
            raise ValidationError("FarmlandBalance", problems)
        self.ledger = ledger

    @classmethod
    def from_occupations(
        cls,
        occupations: Any,
        units: Iterable[SupplementUnit] | pd.DataFrame,
        *,
        regime: str = "auto",
        params: Parameters | None = None,
    ) -> FarmlandBalance:
        """A fresh ledger with ``occupations`` (e.g. ``ReserveResult.occupations()``) and ``units``."""
        return cls(FarmlandLedger(params, regime=regime).occupy(occupations).add_units(units))

    # ------------------------------------------------------------------ data
    def groups(self) -> pd.DataFrame:
        """Balancing units with their residual demands (occupied − already cancelled)."""
        g = self.ledger.groups()
        s = self.ledger.supplied()
        for col in _DIM_COLUMN.values():
            g[f"residual_{col}"] = g[col] - s[col]
        return g

    def eligibility(self) -> pd.DataFrame:
        """unit × balancing unit: True where the unit is available by the credit year."""
        u = self.ledger.available_units()
        g = self.ledger.groups()
        e = u["year"].to_numpy()[:, None] <= g["credit_year"].to_numpy()[None, :]
        return pd.DataFrame(e, index=u.index, columns=g.index)

    # ------------------------------------------------------------------ model
    def build_model(self, fixed_build: Mapping[str, float] | None = None) -> linopy.Model:
        """The linopy model; with ``fixed_build`` (whole unit -> 0/1) the binaries are constants (an LP)."""
        groups = self.groups()
        gidx = pd.Index(groups.index.astype(str), name="group")
        demand = {dim: xr.DataArray(groups[f"residual_{col}"].to_numpy(dtype=float), coords=[gidx])
                  for dim, col in _DIM_COLUMN.items()}
        units = self.ledger.available_units()
        uidx = pd.Index(units.index.astype(str), name="unit")
        m = linopy.Model()
        terms = define_balance(Scope(m), units, demand, xr.DataArray(self.eligibility().to_numpy().astype(float),
                                                                     coords=[uidx, gidx]), fixed_build=fixed_build)
        m.add_objective(terms.cost, sense="min")
        return m

    def solve(
        self,
        *,
        solver: str = "highs",
        time_limit_s: float | None = 60.0,
        mip_gap: float = 1e-4,
        duals: bool = True,
        unit_parcels: Mapping[str, list[str]] | None = None,
    ) -> FarmlandResult:
        """Solve; raise :class:`~landkit.InfeasibleError` explaining each balance that cannot be met.

        Parameters
        ----------
        solver : {"highs", "cbc"}
        time_limit_s : float or None
            Hard wall-clock limit of the whole call (build, solve and the marginal-cost solve). When
            no time is left for the marginal costs, the result has none and says so.
        mip_gap : float
            Relative gap at which a MILP counts as optimal.
        duals : bool
            Compute the marginal cost of each balance (for a MILP: a second, LP solve with the
            whole projects fixed).
        unit_parcels : mapping of str to list of str, optional
            The parcels (BSM) of each project unit (:func:`landkit.farmland.candidate_unit_parcels`), kept on
            the result for the land account.

        Raises
        ------
        InfeasibleError
            Not enough supplement; the message names each balance short and by how much
            (e.g. ``"土地收储 2024年: paddy balance (占水补水, 水田) short by 12亩"``).
        SolverError
            No solution within the time limit, or a solver failure.
        """
        began = time.perf_counter()  # the limit counts the build and the marginal-cost solve too
        model = self.build_model()
        outcome = solve(model, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, started_at=began)
        outcome.raise_for_status(groups=DIAGNOSIS_GROUPS, diagnose_time_limit_s=time_limit_s,
                                 model_name="耕地占补平衡 (FarmlandBalance)")
        dual_outcome: SolveResult | None = None
        dual_note = ""
        if duals:
            if outcome.is_mip:
                build = outcome.value("build").to_pandas()
                dual_outcome = solve(self.build_model(fixed_build=build.to_dict()), solver=solver,
                                     time_limit_s=time_limit_s, started_at=began)
                if dual_outcome.status is Status.OPTIMAL:
                    dual_note = "固定所选整体项目后的线性规划, 即给定项目组合下的边际成本"
                else:
                    dual_note = ("无边际成本：固定所选项目后的线性规划未在整次调用的时限内求得最优 "
                                 f"({status_text(dual_outcome.status.value)})")
                    dual_outcome = None
            else:
                dual_outcome = outcome
                dual_note = "线性规划"
        return FarmlandResult(self, outcome, dual_outcome, dual_note, unit_parcels=unit_parcels)


@dataclass(frozen=True)
class BalanceTerms:
    """What :func:`define_balance` adds: the cost (万元), the shares cancelled and the whole units built."""

    cost: linopy.LinearExpression
    share: linopy.Variable
    build: linopy.Variable | None


def define_balance(m: Scope, units: pd.DataFrame, demand: Mapping[str, Any], eligible: xr.DataArray, *,
                   fixed_build: Mapping[str, float] | None = None,
                   extra_supply: Mapping[str, Any] | None = None) -> BalanceTerms:
    """Add the balance (module docstring) of ``units`` against balancing units to ``m``.

    Parameters
    ----------
    m : Scope
        The model (part) to add to.
    units : DataFrame
        Supplement units indexed by id: ``area_mu, capacity_kg, paddy_mu, cost_wan_yuan, divisible``.
    demand : mapping
        ``"quantity"``, ``"capacity"``, ``"paddy"`` → the residual demand by balancing unit (dimension
        ``group``): numbers (a DataArray) or, in a joint model, linear expressions of another part's
        decisions (the farmland the reserve plan takes).
    eligible : DataArray
        ``unit × group`` upper bound of each share: 1 where the unit is available by the group's credit
        year, else 0.
    fixed_build : mapping, optional
        Whole unit → 0/1: the binaries become constants (an LP, for marginal costs).
    extra_supply : mapping, optional
        Dimension → supply by group from another part of a joint model (挂钩 reclamation cancelled
        there), added to the units' own in each balance.
    """
    uidx = pd.Index(units.index.astype(str), name="unit")
    gidx = next(iter(demand.values())).indexes["group"]
    share = m.add_variables(lower=0.0, upper=eligible, coords=[uidx, gidx], name="share")
    used = share.sum("group")
    div = units["divisible"].to_numpy(dtype=bool)
    cost = xr.DataArray(units["cost_wan_yuan"].to_numpy(dtype=float), coords=[uidx])
    total: Any = 0.0 * share.sum()  # a model of fixed whole units only still needs a term
    build = None
    if div.any():
        d_idx = uidx[div]
        m.add_constraints(used.sel(unit=d_idx) <= 1.0, name="cancel_once")
        total = total + (used.sel(unit=d_idx) * cost.sel(unit=d_idx)).sum()
    if (~div).any():
        w_idx = uidx[~div]
        if fixed_build is None:
            build = m.add_variables(binary=True, coords=[w_idx], name="build")
            m.add_constraints(used.sel(unit=w_idx) - build == 0.0, name="whole")
            total = total + (build * cost.sel(unit=w_idx)).sum()
        else:
            b = xr.DataArray([float(round(fixed_build[str(i)])) for i in w_idx], coords=[w_idx])
            m.add_constraints(used.sel(unit=w_idx) == b, name="whole")
    for dim, col in _DIM_COLUMN.items():
        coef = xr.DataArray(units[col].to_numpy(dtype=float) * _DIM_SCALE[dim], coords=[uidx])
        supply = (share * coef).sum("unit")
        if extra_supply is not None:
            supply = supply + _DIM_SCALE[dim] * extra_supply[dim]
        m.add_constraints(supply - _DIM_SCALE[dim] * demand[dim] >= 0, name=dim)
    return BalanceTerms(total, share, build)
