"""``solve``: one entry point for HiGHS and CBC with honest statuses and a hard time limit."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import linopy
import numpy as np
import xarray as xr

from landkit._errors import Problem, ValidationError
from landkit.optimize._cbc import run_cbc
from landkit.optimize._highs import Transport, run_highs
from landkit.optimize._problem import LinearProblem, assign_solution, from_linopy, start_vector
from landkit.optimize._result import SolveResult
from landkit.optimize._runner import SOLVER_SHARE, Deadlines, RawOutcome
from landkit.optimize._status import Status

SOLVERS = ("highs", "cbc")
LP_METHODS = ("auto", "simplex", "ipm")
#: ``lp_method="auto"`` uses the interior-point method at or above this many nonzeros...
AUTO_IPM_MIN_NONZEROS = 100_000
#: ... or at or above this many columns (measured: a 50k-parcel root LP took 45-60 s with dual
#: simplex and 12.6 s with IPM).
AUTO_IPM_MIN_COLUMNS = 20_000
#: A solution whose relative violation (see ``LinearProblem.max_violation``) exceeds this is
#: not accepted as feasible.
VIOLATION_TOL = 1e-4


def resolve_lp_method(problem: LinearProblem, lp_method: str) -> str:
    """``"simplex"``, ``"ipm"`` or ``"choose"`` (the solver decides) for ``lp_method``."""
    if lp_method == "auto":
        large = problem.nnz >= AUTO_IPM_MIN_NONZEROS or problem.n_cols >= AUTO_IPM_MIN_COLUMNS
        return "ipm" if large else "choose"
    return lp_method


def _check_args(solver: str, time_limit_s: float | None, mip_gap: float, threads: int | None, lp_method: str) -> None:
    problems = []
    if solver not in SOLVERS:
        problems.append(Problem("solver", f"is {solver!r}; choose one of {SOLVERS}"))
    if time_limit_s is not None and not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        problems.append(Problem("time_limit_s", f"is {time_limit_s!r}; give seconds > 0, or None"))
    if not (isinstance(mip_gap, int | float) and 0 <= mip_gap < math.inf):
        problems.append(Problem("mip_gap", f"is {mip_gap!r}; give a relative gap >= 0, e.g. 1e-4"))
    if threads is not None and not (isinstance(threads, int) and threads >= 1):
        problems.append(Problem("threads", f"is {threads!r}; give an integer >= 1, or None"))
    if lp_method not in LP_METHODS:
        problems.append(Problem("lp_method", f"is {lp_method!r}; choose one of {LP_METHODS}"))
    if problems:
        raise ValidationError("solve() arguments", problems)


@dataclass(frozen=True)
class MipStart:
    """The part of a start handed to the solver: column indices and values, and what was done."""

    index: np.ndarray  # int32 column indices
    value: np.ndarray
    note: str


def prepare_start(problem: LinearProblem, start: np.ndarray) -> MipStart:
    """Turn start values (NaN: not given) into the MIP start handed to HiGHS.

    Values are clipped to their column's bounds and integer columns rounded to the nearest
    integer. A start that gives every column and satisfies every row, bound and integrality
    (relative violation at most :data:`VIOLATION_TOL`) is passed whole. Otherwise only its
    integer values are passed: HiGHS then fixes them and solves for the other columns, and
    discards the start when that has no feasible solution. A start can therefore make a solve
    faster (an incumbent from the first moment) but never change what counts as feasible: the
    result is checked as any other.
    """
    start = np.asarray(start, dtype=float)
    given = np.isfinite(start)
    x = np.where(given, np.clip(start, problem.lb, problem.ub), np.nan)
    ints = problem.integrality.astype(bool)
    x[ints] = np.clip(np.round(x[ints]), problem.lb[ints], problem.ub[ints])
    if given.all():
        violation = problem.max_violation(x)
        if violation <= VIOLATION_TOL:
            objective = problem.objective_value(x) / problem.objective_scaling
            return MipStart(np.arange(problem.n_cols, dtype=np.int32), x,
                            f"MIP start: feasible (objective {objective:,.6g}), passed to the solver")
        what = f"violates the model by {violation:.2g} (relative)"
    else:
        what = f"gives {int(given.sum())} of {problem.n_cols} columns"
    keep = np.flatnonzero(given & ints).astype(np.int32)
    if keep.size == 0:
        return MipStart(keep, np.zeros(0), f"MIP start {what} and no integer column: not used")
    return MipStart(keep, x[keep], f"MIP start {what}: its {keep.size} integer values were passed, for the "
                                   "solver to complete with the other columns or discard")


@dataclass(frozen=True)
class _Backend:
    """One solver with the settings of one :func:`run`: call it on a problem to get its raw outcome."""

    solver: str
    deadlines: Deadlines
    mip_gap: float
    threads: int | None
    lp_method: str
    transport: Transport | None = None  # HiGHS: where the job runs (None: a one-off worker)

    def __call__(self, problem: LinearProblem, *, log_to_console: bool, start: MipStart | None = None) -> RawOutcome:
        """Solve ``problem`` with this solver (HiGHS takes ``start``; CBC is never given one)."""
        if self.solver == "highs":
            return run_highs(problem, deadlines=self.deadlines, mip_gap=self.mip_gap, threads=self.threads,
                             lp_method=self.lp_method, log_to_console=log_to_console, start=start,
                             transport=self.transport)
        return run_cbc(problem, deadlines=self.deadlines, mip_gap=self.mip_gap, threads=self.threads,
                       lp_method=self.lp_method, log_to_console=log_to_console)


def _mip_start(problem: LinearProblem, solver: str, start: np.ndarray | None) -> tuple[MipStart | None, list[str]]:
    """The MIP start handed to the solver (None: none) and the notes saying what was done with ``start``."""
    if start is None:
        return None, []
    if not problem.is_mip:
        return None, ["a start is used for MIPs only; this model has no integer variable"]
    if solver != "highs":
        return None, [f"the start is not used: only HiGHS takes a MIP start, not {solver}"]
    mip_start = prepare_start(problem, start)
    return (None if mip_start.index.size == 0 else mip_start), [mip_start.note]


def _verify_solution(problem: LinearProblem, raw: RawOutcome) -> None:
    """Round the solution's integers, recompute its objective and reject it if it violates the model."""
    if raw.x is None:
        return
    raw.x = problem.round_integers(raw.x)
    # the objective of the solution handed back, whatever the solver printed
    raw.objective = problem.objective_value(raw.x)
    violation = raw.max_violation = problem.max_violation(raw.x)
    if violation > VIOLATION_TOL:
        raw.notes.append(f"the solver's solution violates the model by {violation:.2g} (relative); rejected")
        raw.status = Status.TIME_LIMIT_NO_SOLUTION if raw.status is Status.FEASIBLE else Status.ERROR
        raw.x = raw.row_dual = raw.objective = None


def _settle_unbounded(problem: LinearProblem, raw: RawOutcome, backend: _Backend) -> None:
    """Tell unbounded from infeasible by a feasibility solve (objective zero) when time allows."""
    if not raw.unbounded_or_infeasible:
        return
    if backend.deadlines.expired():
        raw.notes.append("unbounded or infeasible: no time left to tell which")
    else:  # in a one-off worker, as before sessions existed: a session keeps the model it solves
        check = replace(backend, transport=None)(problem.with_zero_objective(), log_to_console=False)
        raw.log_text += "\n--- feasibility check (objective set to zero) ---\n" + check.log_text
        if check.status in (Status.OPTIMAL, Status.FEASIBLE):
            raw.status = Status.UNBOUNDED
            raw.notes.append("feasibility check: the model is feasible, so it is unbounded")
        elif check.status is Status.INFEASIBLE:
            raw.status = Status.INFEASIBLE
            raw.notes.append("feasibility check: the model is infeasible (not unbounded)")
        else:
            raw.notes.append("unbounded or infeasible: the feasibility check could not tell")
    raw.x = raw.row_dual = raw.objective = raw.bound = None


def _demote_outside_gap(problem: LinearProblem, raw: RawOutcome, mip_gap: float) -> bool:
    """A MIP "optimal" whose gap exceeds ``mip_gap`` becomes FEASIBLE (with a note); True if it did."""
    if raw.status is not Status.OPTIMAL or not problem.is_mip or raw.objective is None or raw.bound is None:
        return False
    gap = relative_gap(raw.objective, raw.bound)
    if gap > mip_gap + 1e-9 and abs(raw.objective - raw.bound) > 1e-6:
        raw.status = Status.FEASIBLE
        raw.notes.append(f"the solver said optimal but the gap is {gap:.3g} > mip_gap")
        return True
    return False


def _drop_unproven(problem: LinearProblem, raw: RawOutcome) -> None:
    """No values without a solution, and duals only for an LP solved to optimality."""
    if raw.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raw.x = raw.row_dual = raw.objective = raw.max_violation = None
    if raw.status is not Status.OPTIMAL or problem.is_mip:
        raw.row_dual = None


def run(
    problem: LinearProblem,
    *,
    solver: str,
    deadlines: Deadlines,
    mip_gap: float,
    threads: int | None,
    lp_method: str,
    log_to_console: bool = False,
    start: np.ndarray | None = None,
    transport: Transport | None = None,
) -> RawOutcome:
    """Solve ``problem`` and verify what the solver claims (internal; see :func:`solve`).

    The returned solution (if any) has its integers rounded and has been checked against
    every row, bound and integrality; an unbounded-or-infeasible answer is settled by a
    feasibility solve when time allows; a MIP "optimal" outside ``mip_gap`` becomes FEASIBLE.
    ``start`` (column values, NaN where not given) becomes a MIP start for HiGHS
    (:func:`prepare_start`); CBC and LPs do not use it, and a note says so. ``transport`` (HiGHS only:
    a :class:`~landkit.optimize.SolveSession`'s worker) runs the solve in place of a one-off worker;
    the checks are the same.
    """
    backend = _Backend(solver=solver, deadlines=deadlines, mip_gap=mip_gap, threads=threads, lp_method=lp_method,
                       transport=transport)
    mip_start, start_notes = _mip_start(problem, solver, start)
    raw = backend(problem, log_to_console=log_to_console, start=mip_start)
    raw.notes[:0] = start_notes
    _verify_solution(problem, raw)
    _settle_unbounded(problem, raw, backend)
    if _demote_outside_gap(problem, raw, mip_gap) and mip_start is not None and not deadlines.expired():
        # HiGHS (1.16) can hand back the start itself as "optimal" after finding better in its
        # reduced space: solve again without the start in the time left
        cold = run(problem, solver=solver, deadlines=deadlines, mip_gap=mip_gap, threads=threads,
                   lp_method=lp_method, log_to_console=log_to_console, start=None, transport=transport)
        cold.notes[:0] = [*raw.notes, "the solver returned the MIP start as optimal outside the gap: "
                          "solved again without the start"]
        cold.log_text = raw.log_text + "\n--- solved again without the MIP start ---\n" + cold.log_text
        return cold
    _drop_unproven(problem, raw)
    return raw


def _early_stop_note(raw: RawOutcome, deadlines: Deadlines) -> tuple[str, ...]:
    """Say why a solve that hit its own time limit returned before the user's limit."""
    limit = deadlines.limit_s
    if limit is None or raw.stopped_by_landkit or raw.status not in (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION):
        return ()
    if "time" not in raw.solver_status.lower():
        return ()
    return (f"stopped at the solver's own time limit, {SOLVER_SHARE:.0%} of the {limit:g} s asked "
            f"({SOLVER_SHARE * limit:.1f} s from the call): the rest is kept to stop the solver and read the answer "
            "back, so the whole call ends within the limit",)


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, 1e-9)``."""
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solve(
    model: linopy.Model,
    *,
    solver: str = "highs",
    time_limit_s: float | None = 60.0,
    mip_gap: float = 1e-4,
    threads: int | None = None,
    lp_method: str = "auto",
    log_to_console: bool = False,
    start: Mapping[str, xr.DataArray] | None = None,
    started_at: float | None = None,
) -> SolveResult:
    """Solve a linopy model and report honestly how it ended.

    Parameters
    ----------
    model : linopy.Model
        A linear or mixed-integer linear model (continuous, binary and integer variables).
    solver : {"highs", "cbc"}
        HiGHS (default) or CBC (the independent second solver, from the pulp wheel).
    time_limit_s : float or None
        Hard wall-clock limit in seconds, counted from this call to its return. The solver is
        stopped at 103 % of the limit at the latest, whatever it does, and the best solution it
        found is kept; reading it back takes ~0.1 s for 300k columns. None: no limit.
    mip_gap : float
        Relative optimality gap at which a MIP counts as solved (OPTIMAL).
    threads : int or None
        Solver threads (None: the solver's default; CBC runs serially unless ``threads > 1``).
    lp_method : {"auto", "simplex", "ipm"}
        LP algorithm (for a MIP: of its LP relaxations, HiGHS ``mip_lp_solver``). ``"auto"``
        picks the interior-point method when the model has at least
        :data:`AUTO_IPM_MIN_NONZEROS` (100,000) nonzeros or :data:`AUTO_IPM_MIN_COLUMNS`
        (20,000) columns, otherwise lets the solver choose. CBC ignores it for MIPs.
    log_to_console : bool
        Echo the solver log to standard output while it runs (it is always in ``log_text``).
    start : mapping of str to DataArray, optional
        A MIP start (e.g. ``earlier.solution()`` of a similar model): values by variable name,
        aligned to each variable by coordinate labels, so it may cover only part of the model.
        Values are clipped to bounds and integers rounded. A start that satisfies the whole model
        is handed to HiGHS as it is; otherwise only its integer values are, and HiGHS completes
        them with the other columns or discards them. A start never changes the model, what
        counts as feasible or optimal, or how the result is checked; ``notes`` says what was done
        with it. Used by HiGHS for MIPs; with CBC, or for an LP, it is not used (a note says so).
    started_at : float, optional
        The :func:`time.perf_counter` reading from which ``time_limit_s`` counts (default: this
        call). A model's ``.solve`` passes the moment it was called, so that building the model
        counts against the user's limit: the whole call ends within the limit.

    Returns
    -------
    SolveResult
        Status, objective, bound, gap, run time, log; values and (LP) duals.

    Raises
    ------
    ValidationError
        Bad arguments, a ``start`` naming an unknown variable or dimension, or a model landkit
        cannot solve (quadratic, SOS, NaN data).
    """
    return solve_model(model, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                       lp_method=lp_method, log_to_console=log_to_console, start=start, started_at=started_at)


def solve_model(
    model: linopy.Model,
    *,
    solver: str,
    time_limit_s: float | None,
    mip_gap: float,
    threads: int | None,
    lp_method: str,
    log_to_console: bool,
    start: Mapping[str, xr.DataArray] | None,
    started_at: float | None,
    transport: Transport | None = None,
) -> SolveResult:
    """:func:`solve` with the transport of a HiGHS job as a parameter (internal: ``SolveSession.solve`` passes its
    worker; None, a one-off worker per solve)."""
    began = time.perf_counter() if started_at is None else float(started_at)
    _check_args(solver, time_limit_s, mip_gap, threads, lp_method)
    problem = from_linopy(model)
    start_x = None if start is None else start_vector(model, problem, start)
    method = resolve_lp_method(problem, lp_method)
    deadlines = Deadlines(start=began, limit_s=None if time_limit_s is None else float(time_limit_s))
    raw = run(problem, solver=solver, deadlines=deadlines, mip_gap=float(mip_gap), threads=threads, lp_method=method,
              log_to_console=log_to_console, start=start_x, transport=transport)
    return to_result(model, problem, raw, solver=solver, deadlines=deadlines, lp_method=method)


def to_result(model: linopy.Model, problem: LinearProblem, raw: RawOutcome, *, solver: str, deadlines: Deadlines,
              lp_method: str) -> SolveResult:
    """Write a checked outcome into ``model`` and return it as a :class:`SolveResult` (internal; see :func:`solve`).

    ``runtime_s`` counts from ``deadlines.start``.
    """
    method = lp_method
    assign_solution(
        model,
        problem,
        x=raw.x,
        row_dual=raw.row_dual,
        objective=raw.objective,
        optimal=raw.status is Status.OPTIMAL,
    )
    values, duals = {}, {}
    if raw.x is not None:
        values = {name: var.solution.copy() for name, var in model.variables.items()}
        if raw.row_dual is not None:
            duals = {name: con.dual.copy() for name, con in model.constraints.items() if not con.is_indicator}
    scale = problem.objective_scaling
    objective = None if raw.objective is None else raw.objective / scale
    bound = None if raw.bound is None else raw.bound / scale
    if raw.status is Status.OPTIMAL and not problem.is_mip:
        bound = objective
    gap = None
    if objective is not None and bound is not None and np.isfinite(bound):
        gap = relative_gap(objective, bound)
    result = SolveResult(
        status=raw.status,
        solver=solver,
        objective=objective,
        best_bound=bound,
        gap=gap,
        runtime_s=0.0,
        log_text=raw.log_text,
        time_limit_s=deadlines.limit_s,
        is_mip=problem.is_mip,
        model=model,
        solver_status=raw.solver_status,
        notes=tuple(raw.notes) + _early_stop_note(raw, deadlines),
        lp_method=method,
        max_violation=raw.max_violation,
        _values=values,
        _duals=duals,
    )
    result.runtime_s = time.perf_counter() - deadlines.start
    return result
