"""The result of one solve: status, numbers, log, values and duals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import linopy
import xarray as xr

from landkit._errors import InfeasibleError, NotFoundError, SolverError
from landkit.optimize._status import Status

if TYPE_CHECKING:
    from landkit.optimize.diagnose import GroupSpec

_SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}
_PHRASES = {
    Status.OPTIMAL: "optimal",
    Status.FEASIBLE: "feasible, not proven optimal (stopped at a limit)",
    Status.TIME_LIMIT_NO_SOLUTION: "no solution found within the time limit",
    Status.INFEASIBLE: "infeasible",
    Status.UNBOUNDED: "unbounded",
    Status.ERROR: "solver error",
}


@dataclass
class SolveResult:
    """What :func:`landkit.optimize.solve` returns.

    Attributes
    ----------
    status : Status
        How the solve ended (see :class:`Status`).
    solver : str
        ``"highs"`` or ``"cbc"``.
    objective : float or None
        Objective value of the returned solution, in the model's units and sense.
    best_bound : float or None
        The best proven bound on the optimum (a MIP's dual bound; an optimal LP's objective).
    gap : float or None
        ``|objective - best_bound| / max(|objective|, 1e-9)``: how far from optimal the solution
        can be at most, relative to the objective.
    runtime_s : float
        Wall-clock seconds from the call of :func:`solve` to its return (building the solver
        model, solving, reading the solution back).
    log_text : str
        The solver's log.
    time_limit_s : float or None
        The limit the solve ran under.
    is_mip : bool
        True if the model has integer or binary variables.
    model : linopy.Model
        The solved model; its variables' ``solution`` hold this result's values, unless the caller later
        changes that model and solves it again (as :class:`landkit.widgets.ReservePanel` does when only the
        funds or a debt ceiling moved): use :meth:`solution` for values that stay this result's.
    solver_status : str
        The solver's own words for how it ended (for the log, not for decisions).
    notes : tuple of str
        What landkit did beyond the plain solve (stopped the solver at the limit, checked
        an unbounded-or-infeasible status, ...).
    lp_method : str
        The LP algorithm used: ``"simplex"``, ``"ipm"`` or ``"choose"`` (solver's choice).
    max_violation : float or None
        Largest relative constraint, bound or integrality violation of the returned solution,
        as checked by landkit.
    """

    status: Status
    solver: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    runtime_s: float
    log_text: str = field(repr=False)
    time_limit_s: float | None
    is_mip: bool
    model: linopy.Model = field(repr=False)
    solver_status: str = ""
    notes: tuple[str, ...] = ()
    lp_method: str = ""
    max_violation: float | None = None
    _values: dict[str, xr.DataArray] = field(default_factory=dict, repr=False)
    _duals: dict[str, xr.DataArray] = field(default_factory=dict, repr=False)

    def has_solution(self) -> bool:
        """True if a feasible solution is available (status OPTIMAL or FEASIBLE)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) and bool(self._values)

    def value(self, var_name: str) -> xr.DataArray:
        """Primal values of variable ``var_name``, with the variable's labelled dimensions.

        Masked entries are NaN. Integer variables are rounded when within 1e-5 of an integer.

        Raises
        ------
        SolverError
            If the solve produced no solution.
        KeyError
            If the model has no such variable.
        """
        self._require_solution()
        if var_name not in self._values:
            raise NotFoundError(f"no variable {var_name!r}; the model has {sorted(self._values)}")
        return self._values[var_name].copy()

    def solution(self) -> dict[str, xr.DataArray]:
        """Primal values of every variable, by name (copies, as :meth:`value` gives them).

        Handy as the ``start`` of a later solve of a similar model (:func:`landkit.optimize.solve`).

        Raises
        ------
        SolverError
            If the solve produced no solution.
        """
        self._require_solution()
        return {name: values.copy() for name, values in self._values.items()}

    def _require_solution(self) -> None:
        if not self.has_solution():
            raise SolverError(f"No solution to read values from. {self.summary()}")

    def dual(self, con_name: str) -> xr.DataArray:
        """Dual values of constraint ``con_name`` (LP only), with its labelled dimensions.

        The dual is the change of the optimal objective per unit increase of the constraint's
        right-hand side, in the model's own objective sense, whatever the solver: for a
        maximisation with a binding budget ``<=`` constraint it is >= 0.

        Raises
        ------
        SolverError
            If the model is a MIP (duals are not defined), or the LP was not solved to
            optimality.
        KeyError
            If the model has no such constraint.
        """
        if self.is_mip:
            raise SolverError(
                "Duals are defined only for LPs: this model has integer variables. Fix the "
                "integer variables at their solution values and solve the remaining LP to get "
                "marginal values for that plan."
            )
        if self.status is not Status.OPTIMAL:
            raise SolverError(f"Duals need an optimal LP solution. {self.summary()}")
        if con_name not in self._duals:
            raise NotFoundError(f"no constraint {con_name!r}; the model has {sorted(self._duals)}")
        return self._duals[con_name].copy()

    def summary(self) -> str:
        """One line for users: solver, status, objective, bound, gap and seconds."""
        parts = [f"{_SOLVER_NAMES.get(self.solver, self.solver)}: {_PHRASES[self.status]}"]
        if self.status is Status.ERROR and self.solver_status:
            parts[0] += f" ({self.solver_status})"
        if self.objective is not None:
            parts.append(f"objective {self.objective:,.6g}")
        if self.best_bound is not None and self.is_mip:
            parts.append(f"bound {self.best_bound:,.6g}")
        if self.gap is not None and self.is_mip:
            parts.append(f"gap {self.gap:.2%}" if self.gap < 10 else "gap > 999%")
        limit = "" if self.time_limit_s is None else f" (limit {self.time_limit_s:g} s)"
        parts.append(f"{self.runtime_s:.2f} s{limit}")
        return "; ".join(parts)

    def raise_for_status(
        self,
        diagnose: bool = True,
        *,
        groups: Mapping[str, GroupSpec] | None = None,
        diagnose_time_limit_s: float | None = 10.0,
        model_name: str = "The model",
    ) -> None:
        """Raise unless a feasible solution is available.

        Parameters
        ----------
        diagnose : bool
            For an infeasible model, run :func:`diagnose_infeasibility` and put its findings
            (which named constraint groups cannot be met, and by how much) in the message.
        groups : mapping of str to GroupSpec, optional
            The named constraint groups for the diagnosis (default: every constraint).
        diagnose_time_limit_s : float or None
            Time limit of the diagnosis solve.
        model_name : str
            How the messages name the model, e.g. ``"土地收储计划 (ReservePlan)"``.

        Raises
        ------
        InfeasibleError
            The model is infeasible (``.diagnosis`` holds the :class:`Diagnosis`).
        SolverError
            No solution within the time limit, an unbounded model, or a solver error.
        """
        if self.status in (Status.OPTIMAL, Status.FEASIBLE):
            return
        if self.status is Status.INFEASIBLE:
            message = f"{model_name} is infeasible: no plan satisfies all its constraints."
            diagnosis = None
            if diagnose:
                # landkit.optimize.diagnose -> _solve -> this module
                from landkit.optimize.diagnose import diagnose_infeasibility  # noqa: PLC0415  cycle with diagnose

                diagnosis = diagnose_infeasibility(self.model, groups, time_limit_s=diagnose_time_limit_s)
                lead = " At least this must give way:" if diagnosis.relaxable else ""
                message += lead + "\n" + str(diagnosis)
            raise InfeasibleError(message, diagnosis=diagnosis)
        if self.status is Status.TIME_LIMIT_NO_SOLUTION:
            raise SolverError(
                f"{model_name}: no feasible solution was found within the time limit of {self.time_limit_s:g} s. "
                "Raise time_limit_s, or simplify the model; it may also be infeasible. " + self.summary()
            )
        if self.status is Status.UNBOUNDED:
            raise SolverError(
                "The model is unbounded: the objective can improve without limit, so some "
                "variable lacks a bound or a constraint. " + self.summary()
            )
        tail = "\n".join(self.log_text.strip().splitlines()[-15:])
        raise SolverError(f"{self.summary()}\nLast lines of the solver log:\n{tail}")
