"""The result of solving a selection problem: the selection, its evaluation and each unit's importance."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from landkit._errors import ArgumentError, SolverError, ValidationError
from landkit.optimize import SolveResult, Status
from landkit.optimize._solve import relative_gap
from landkit.select.evaluate import SelectionEvaluation, evaluate_selection

if TYPE_CHECKING:
    import linopy

    from landkit.select.problem import SelectionProblem  # the problem module imports this one to build results
    from landkit.select.search import SearchResult


class SelectionResult:
    """A solved :class:`~landkit.select.SelectionProblem`.

    Attributes
    ----------
    problem : SelectionProblem
        The problem that was solved.
    model : linopy.Model
        The model that was solved.
    solve_result : landkit.optimize.SolveResult
        Status, objective, bound, gap, runtime and log from the solver.
    heuristic : landkit.select.search.SearchResult or None
        The engine's own search whose selection started the solver (None when it did not run).
    """

    def __init__(self, problem: SelectionProblem, model: linopy.Model, solve_result: SolveResult,
                 options: dict[str, Any], *, heuristic: SearchResult | None = None) -> None:
        self.problem = problem
        self.model = model
        self.solve_result = solve_result
        self.heuristic = heuristic
        self._options = dict(options)
        self._solution: pd.Series | None = None

    # ------------------------------------------------------------------ from the solver
    @property
    def status(self) -> Status:
        """The solver status (:class:`landkit.optimize.Status`)."""
        return self.solve_result.status

    @property
    def objective(self) -> float | None:
        """The problem's own objective of the selection found (its score, :func:`evaluate_selection`).

        This is the score of the selection itself. The solver's incumbent value can be larger when it
        was stopped early: its boundary variables need not be tight yet (e.g. every unit selected
        and the boundary terms still at their upper values), so it is not shown as the objective.
        """
        if not self.has_solution():
            return None
        return float(self.evaluation.objective)

    @property
    def best_bound(self) -> float | None:
        """Best proven bound on the objective: the solver's, or the search's Lagrangian bound when that is
        tighter (a minimum-set problem only; None when neither was proven)."""
        bounds = [b for b in (self.solve_result.best_bound,
                              None if self.heuristic is None else self.heuristic.lower_bound)
                  if b is not None and np.isfinite(b)]
        if not bounds:
            return None
        return float(max(bounds)) if self.problem.objective_kind != "max_utility" else self.solve_result.best_bound

    @property
    def gap(self) -> float | None:
        """Relative gap between :attr:`objective` and :attr:`best_bound` (None without a bound)."""
        objective, bound = self.objective, self.best_bound
        if objective is None or bound is None or not np.isfinite(bound):
            return None
        if self.status.value == "optimal" and self.solve_result.gap is not None:
            return float(self.solve_result.gap)
        return relative_gap(objective, bound)

    @property
    def runtime_s(self) -> float:
        """Solver wall-clock time in seconds."""
        return self.solve_result.runtime_s

    def has_solution(self) -> bool:
        """True when the solver returned a selection (optimal, or feasible at the time limit)."""
        return bool(self.solve_result.has_solution())

    # ------------------------------------------------------------------ the selection
    @property
    def solution(self) -> pd.Series:
        """0/1 for every unit (index ``unit``); raises when the solver found no solution."""
        if self._solution is None:
            if not self.has_solution():
                self.solve_result.raise_for_status()
                raise SolverError(f"the solver returned no selection (status {self.status})")
            values = self.solve_result.value("x")
            ids = self.problem.unit_ids
            if "unit" in getattr(values, "indexes", {}):
                series = pd.Series(np.asarray(values.values, dtype=float), index=values.indexes["unit"])
                series = series.reindex(ids)
            else:
                series = pd.Series(np.asarray(values, dtype=float), index=ids)
            self._solution = (series.fillna(0.0).to_numpy() > 0.5).astype(int)
            self._solution = pd.Series(self._solution, index=ids, name="selected")
        return self._solution

    @property
    def selected(self) -> pd.Index:
        """Ids of the selected units."""
        sol = self.solution
        return sol.index[sol.to_numpy() == 1]

    @property
    def evaluation(self) -> SelectionEvaluation:
        """The full evaluation of the selection (see :func:`~landkit.select.evaluate_selection`)."""
        return evaluate_selection(self.problem, self.selected)

    def evaluate(self) -> pd.DataFrame:
        """One-row table: n_selected, cost (and each cost layer), boundary, utility, objective, targets missed."""
        return self.evaluation.to_frame()

    def target_coverage(self) -> pd.DataFrame:
        """Per feature: ``target``, ``held``, ``shortfall``, ``met`` (and the feature's ``total``)."""
        return self.evaluation.coverage

    def summary(self) -> str:
        """A few lines for a person: how the solve ended (one objective, its bound and gap), then the selection."""
        sr = self.solve_result
        if not self.has_solution():
            return sr.summary()
        ev = self.evaluation
        limit = "" if sr.time_limit_s is None else f" (limit {sr.time_limit_s:g} s)"
        head = [f"{sr.summary().split(';')[0]}; objective {ev.objective:,.6g}"]
        if self.best_bound is not None and np.isfinite(self.best_bound):
            head.append(f"bound {self.best_bound:,.6g}; gap {self.gap:.2%}")
        else:
            head.append("no bound proven (stopped before the solver proved one), so the gap is unknown")
        head.append(f"{sr.runtime_s:.2f} s{limit}")
        lines = ["; ".join(head), f"selected {ev.n_selected} of {len(self.problem.unit_ids)} units; "
                 f"cost {ev.cost:.6g}; boundary {ev.boundary:.6g}"]
        if self.heuristic is not None:
            lines.append(self.heuristic.note())
        if ev.violations:
            lines += [f"  ! {v}" for v in ev.violations[:20]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"SelectionResult(status={self.status}, objective={self.objective}, gap={self.gap})"

    # ------------------------------------------------------------------ importance
    def replacement_cost(
        self,
        max_units: int | None = None,
        *,
        units: Iterable[Hashable] | None = None,
        time_limit_s: float | None = None,
        progress: bool = True,
    ) -> pd.Series:
        r"""How much worse the optimum gets when each selected unit is locked out.

        For each assessed unit :math:`u` the problem is solved again with :math:`x_u = 0`;

        .. math::

            \mathrm{rc}_u = \begin{cases}
                z^*_{x_u = 0} - z^* & \text{min-set} \\
                z^* - z^*_{x_u = 0} & \text{max-utility}
            \end{cases}

        so a larger value means a less replaceable unit; ``inf`` when the targets cannot be met
        without it. Each re-solve uses the solver settings of this result, so the values are only as
        exact as the gaps. A re-solve's selection is also a selection of the full problem, so when one
        is better than this result's, :math:`z^*` is taken as the best objective seen (this result or
        any re-solve): every value is then ≥ 0, and exact when the solves are optimal (``mip_gap=0``).

        Parameters
        ----------
        max_units : int, optional
            Assess at most this many units (the first selected units in unit order); the rest get NaN.
        units : iterable of unit ids, optional
            Assess these selected units instead.
        time_limit_s : float, optional
            Time limit of each re-solve (default: that of the original solve).
        progress : bool
            Show a progress bar (one step a re-solve; each takes about as long as the original solve).

        Returns
        -------
        pandas.Series
            Indexed by the selected unit ids, named ``replacement_cost``. Locked-in units are not
            assessed (NaN); units whose re-solve ended without a solution get NaN.
        """
        selected = self.selected
        if self.status != Status.OPTIMAL and self.status != Status.FEASIBLE:
            self.solve_result.raise_for_status()
        out = pd.Series(np.nan, index=selected, name="replacement_cost", dtype=float)
        todo = selected if units is None else pd.Index(list(units))
        unknown = todo.difference(selected)
        if len(unknown):
            raise ArgumentError(f"replacement_cost: units {list(unknown[:10])} are not selected")
        todo = todo.difference(self.problem.locked_in, sort=False)
        if max_units is not None:
            todo = todo[: int(max_units)]
        options = dict(self._options)
        if time_limit_s is not None:
            options["time_limit_s"] = time_limit_s
        sign = -1.0 if self.problem.objective_kind == "max_utility" else 1.0
        worse = pd.Series(np.nan, index=selected, dtype=float)  # sign × each re-solve's objective: lower is better
        for u in tqdm(todo, desc="替代成本 replacement cost", unit="unit", disable=not progress or len(todo) < 2,
                      leave=False):
            reduced = self.problem.with_locked_out([u])
            try:
                reduced.check()
            except ValidationError as err:
                if "target_unreachable" in err.by_kind():
                    out[u] = np.inf
                    continue
                raise
            res = reduced.solve(**options)
            if res.status == Status.INFEASIBLE:
                out[u] = np.inf
            elif res.has_solution():
                worse[u] = sign * res.evaluation.objective  # = res.objective (it has a solution)
        solved = worse.notna()
        if solved.any():
            own = self.evaluation.objective  # = self.objective (self.selected above proved a solution)
            best = min(sign * own, float(worse[solved].min()))  # the best selection seen
            out[solved] = worse[solved] - best
        return out
