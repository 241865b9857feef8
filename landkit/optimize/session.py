"""``SolveSession``: one HiGHS model kept in a long-lived worker and changed in place between solves.

A panel re-solving after a slider moved, or a sweep worker solving sample after sample, solves models
of one structure (the same columns, rows and nonzero pattern) whose numbers differ in a few places.
A session keeps the last model in its worker process; the next :meth:`SolveSession.solve` compares the
new model with it and sends only what differs, applied with HiGHS's ``changeColsCost``,
``changeColsBounds``, ``changeRowsBounds`` and ``changeCoeff`` (or the whole model when the structure
differs). Before every solve the worker clears HiGHS's solver state (``clearSolver``): what is solved
is exactly the model a fresh build would give, from scratch but for the MIP start the caller gives.

Everything else is :func:`landkit.optimize.solve`'s: statuses read from the solver and checked, the
returned solution verified against every row, bound and integrality, the MIP start handled by
:func:`landkit.optimize._solve.prepare_start`, and ``time_limit_s`` a promise for the whole call:
HiGHS's own limit ends at 90 % of it, and a worker still running at 103 % is killed with its process
group (its last incumbent recovered from disk); the next solve then starts a new worker and sends
the model whole.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType

import highspy
import linopy
import numpy as np
import xarray as xr

from landkit._errors import Problem, ValidationError
from landkit.optimize._highs import Delivery
from landkit.optimize._problem import LinearProblem
from landkit.optimize._result import SolveResult
from landkit.optimize._runner import POLL_S, Deadlines, _echo, _kill_group, _popen
from landkit.optimize._solve import solve_model

WORKER = Path(__file__).with_name("_highs_session_worker.py")
#: With more changed coefficients than this share of the nonzeros, the model is sent whole.
MAX_CHANGED_COEF_SHARE = 0.25
#: Characters of the worker's output (its stderr: HiGHS's printing, a Python traceback) kept for an error message.
STDERR_TAIL = 4000


@dataclass(frozen=True)
class SessionUpdate:
    """How the last model reached the session's worker: whole, or as changed entries.

    Attributes
    ----------
    kind : {"full", "update"}
        ``"full"``: the whole model was sent (first solve, a new worker, or a different structure);
        ``"update"``: only the entries counted below were changed in the model the worker held.
    costs, bounds, rows, coefficients : int
        Objective coefficients, column bounds, row bounds and matrix coefficients changed.
    seconds : float
        Comparing the models and writing what is sent.
    """

    kind: str
    costs: int = 0
    bounds: int = 0
    rows: int = 0
    coefficients: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        """One line, e.g. ``'model updated in place: 3 row bounds'``."""
        if self.kind == "full":
            return "model sent whole to the session's worker"
        parts = [f"{n} {what}" for n, what in ((self.costs, "objective coefficients"), (self.bounds, "column bounds"),
                                                (self.rows, "row bounds"), (self.coefficients, "matrix coefficients"))
                 if n]
        return "model updated in place: " + (", ".join(parts) if parts else "nothing changed")


def problem_changes(held: LinearProblem, new: LinearProblem) -> dict[str, np.ndarray] | None:
    """The entries of ``new`` that differ from ``held``, as the session worker applies them; None if the
    structure differs (columns, rows, sense, integrality or nonzero pattern) or too many coefficients changed.

    Parameters
    ----------
    held, new : LinearProblem
        The model the worker holds and the one to solve.

    Returns
    -------
    dict of str to ndarray or None
        ``cost_index``/``cost``, ``bound_index``/``lower``/``upper``, ``row_index``/``row_lower``/``row_upper``
        and ``coef_row``/``coef_col``/``coef``: after they are applied, every array of the worker's model
        equals ``new``'s.
    """
    a, b = held.A, new.A
    same = (held.n_cols == new.n_cols and held.n_rows == new.n_rows and held.sense == new.sense
            and np.array_equal(held.integrality, new.integrality)
            and a.has_canonical_format and b.has_canonical_format
            and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices))
    if not same:
        return None
    coef = np.flatnonzero(a.data != b.data)
    if coef.size > MAX_CHANGED_COEF_SHARE * max(b.nnz, 1):
        return None
    cost = np.flatnonzero(held.c != new.c)
    bound = np.flatnonzero((held.lb != new.lb) | (held.ub != new.ub))
    rows = np.flatnonzero((held.row_lower != new.row_lower) | (held.row_upper != new.row_upper))
    row_of = np.repeat(np.arange(new.n_rows, dtype=np.int32), np.diff(b.indptr))
    return {
        "cost_index": cost.astype(np.int32), "cost": new.c[cost].astype(float),
        "bound_index": bound.astype(np.int32), "lower": new.lb[bound].astype(float),
        "upper": new.ub[bound].astype(float),
        "row_index": rows.astype(np.int32), "row_lower": new.row_lower[rows].astype(float),
        "row_upper": new.row_upper[rows].astype(float),
        "coef_row": row_of[coef], "coef_col": b.indices[coef].astype(np.int32), "coef": b.data[coef].astype(float),
    }


class _Worker:
    """The session's child process: a job folder per line on stdin, ``done`` (or ``error …``) per line on stdout."""

    def __init__(self) -> None:
        # the worker's stderr (HiGHS's printing and any traceback) goes to an unnamed temporary file, read back
        # only when a job fails: a pipe nobody drains could fill and stall the worker
        self._stderr = tempfile.TemporaryFile()
        self.proc = _popen([sys.executable, str(WORKER)], death_signal=signal.SIGTERM, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=self._stderr)
        self._buffer = b""
        self._job_offset = 0  # where the current job's stderr starts in the file

    def _stderr_size(self) -> int:
        try:
            return os.fstat(self._stderr.fileno()).st_size
        except (OSError, ValueError):
            return 0

    def stderr_tail(self) -> str:
        """The last :data:`STDERR_TAIL` characters the worker wrote to its stderr during the current job ("" if
        none or unreadable)."""
        try:
            fd = self._stderr.fileno()
            size = os.fstat(fd).st_size
            start = max(size - STDERR_TAIL * 4, self._job_offset)
            data = os.pread(fd, size - start, start)
        except (OSError, ValueError):
            return ""
        return data.decode("utf-8", errors="replace")[-STDERR_TAIL:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, jobdir: Path) -> bool:
        """Hand the worker a job; False if it is gone."""
        self._job_offset = self._stderr_size()
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(f"{jobdir}\n".encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def answer(self, timeout: float) -> str | None:
        """The worker's answer line if it came within ``timeout`` seconds (``"gone"`` if the worker died)."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        if b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return "gone"
            self._buffer += chunk
        if b"\n" not in self._buffer:
            return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", errors="replace")

    def kill(self) -> None:
        _kill_group(self.proc)
        for stream in (self.proc.stdin, self.proc.stdout, self._stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class SolveSession:
    """Solve a sequence of similar linopy models in one HiGHS model kept in a long-lived worker process.

    Each :meth:`solve` compares the model with the last one the worker holds: with the same columns,
    rows, sense, integrality and nonzero pattern, only the objective coefficients, column bounds, row
    bounds and matrix coefficients that differ are sent and changed in place; otherwise the model is
    sent whole. The worker then clears HiGHS's solver state and solves, so the answer is that of a
    fresh build and solve of the same model (HiGHS does not carry bases, cuts or solutions from one
    MIP solve to the next); ``start`` (e.g. the previous plan) is the only warm start, as in
    :func:`landkit.optimize.solve`.

    Parameters
    ----------
    threads : int, optional
        HiGHS threads of every solve (fixed for the worker's life; None: HiGHS's default).
    options : mapping of str to bool, int, float or str, optional
        Further HiGHS options of every solve (set after landkit's own: the gap, time limit, threads and LP
        method are the call's), e.g. ``{"mip_heuristic_run_root_reduced_cost": False}``. Only options that
        change how HiGHS searches are accepted (:data:`SEARCH_OPTIONS`: its heuristics, presolve, restarts,
        symmetry, pseudo-costs, the simplex strategy and the random seed), never what counts as feasible,
        optimal or within the gap, nor files it writes: the checks are the same.

    Attributes
    ----------
    last_update : SessionUpdate or None
        How the last model reached the worker (whole or the entries changed).

    Examples
    --------
    >>> with SolveSession() as session:                                   # doctest: +SKIP
    ...     first = session.solve(model_a, time_limit_s=10, mip_gap=0.02)
    ...     again = session.solve(model_b, time_limit_s=10, mip_gap=0.02, start=first.solution())
    ...     session.last_update.describe()
    'model updated in place: 3 row bounds'

    Notes
    -----
    The time limit, statuses, gap and checks are those of :func:`landkit.optimize.solve` (HiGHS only).
    A worker killed at the time limit, interrupted (KeyboardInterrupt) or failed is replaced at the next
    solve. The worker ends with the session (:meth:`close`, or the end of the Python process).
    """

    def __init__(self, *, threads: int | None = None, options: Mapping[str, object] | None = None) -> None:
        problems = []
        if threads is not None and not (isinstance(threads, int) and threads >= 1):
            problems.append(Problem("threads", f"is {threads!r}", "an integer ≥ 1, or None"))
        problems += _option_problems(options or {})
        if problems:
            raise ValidationError("SolveSession", problems)
        self.threads = threads
        self.options: Mapping[str, object] = MappingProxyType(dict(options or {}))  # checked once: read-only
        self.last_update: SessionUpdate | None = None
        self._worker: _Worker | None = None
        self._held: LinearProblem | None = None
        self._lock = threading.Lock()
        _OPEN.add(self)

    # ------------------------------------------------------------------ lifetime
    def start(self) -> SolveSession:
        """Start the worker now (it imports numpy and highspy, ~0.2 s), so the first solve need not wait."""
        if self._worker is None or not self._worker.alive():
            if self._worker is not None:  # died since the last solve: close its pipes and stderr file
                self._worker.kill()
            self._worker = _Worker()
            self._held = None
        return self

    def close(self) -> None:
        """End the worker (a later :meth:`solve` starts a new one)."""
        if self._worker is not None:
            self._worker.kill()
        self._worker = None
        self._held = None

    def __del__(self) -> None:  # a session dropped (a panel closed) takes its worker with it
        try:
            self.close()
        except Exception:  # at interpreter exit the modules it needs may be gone; the worker exits anyway
            pass

    def __enter__(self) -> SolveSession:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ solve
    def solve(
        self,
        model: linopy.Model,
        *,
        time_limit_s: float | None = 60.0,
        mip_gap: float = 1e-4,
        lp_method: str = "auto",
        log_to_console: bool = False,
        start: Mapping[str, xr.DataArray] | None = None,
        started_at: float | None = None,
    ) -> SolveResult:
        """Solve ``model`` in the session's HiGHS model (changed in place where it can be).

        Parameters are those of :func:`landkit.optimize.solve` (the solver is HiGHS, the threads the
        session's). ``result.notes`` says how the model reached the worker (:attr:`last_update`).

        Raises
        ------
        ValidationError
            Bad arguments, a ``start`` naming an unknown variable, or a model landkit cannot solve.
        """
        began = time.perf_counter() if started_at is None else float(started_at)  # the wait for the lock counts
        with self._lock:
            return solve_model(model, solver="highs", time_limit_s=time_limit_s, mip_gap=mip_gap, threads=self.threads,
                               lp_method=lp_method, log_to_console=log_to_console, start=start, started_at=began,
                               transport=_SessionTransport(self))

    def _write_model(self, problem: LinearProblem, jobdir: Path) -> SessionUpdate:
        """Write the model (whole, or its changes against the one held) into ``jobdir``."""
        t0 = time.perf_counter()
        changes = None if self._held is None else problem_changes(self._held, problem)
        if changes is None:
            with open(jobdir / "problem.npz", "wb") as f:
                np.savez(f, **problem.to_arrays())  # type: ignore[arg-type]  # stub: **kwds may fill allow_pickle
            return SessionUpdate("full", seconds=time.perf_counter() - t0)
        with open(jobdir / "update.npz", "wb") as f:
            np.savez(f, **changes)  # type: ignore[arg-type]  # as above
        return SessionUpdate("update", costs=int(changes["cost_index"].size), bounds=int(changes["bound_index"].size),
                             rows=int(changes["row_index"].size), coefficients=int(changes["coef"].size),
                             seconds=time.perf_counter() - t0)

    def _deliver(self, problem: LinearProblem, jobdir: Path, deadlines: Deadlines, log_path: Path | None) -> Delivery:
        """Hand the job to the worker and wait for it within ``deadlines``; keep or replace the worker after."""
        if self._worker is None or not self._worker.alive():
            self.start()
        worker = self._worker
        assert worker is not None
        self._held = None  # until the worker says it holds this model
        answer = self._wait(worker, deadlines, log_path) if worker.send(jobdir) else "gone"
        if answer == "done" and (jobdir / "result.npz").exists():
            self._held = problem
            update = self.last_update
            return Delivery(answered=True, note="" if update is None else update.describe())
        stderr = worker.stderr_tail()
        self.close()  # killed, gone or failed: the next solve starts a new worker
        if answer is None:
            return Delivery(answered=False, killed=True)
        failure = f"session worker: {answer or 'gone'}"
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        if last and last not in failure:
            failure += f" (its last output: {last[:300]})"
        detail = f"\n--- session worker's output (last {STDERR_TAIL:,} characters) ---\n{stderr}" if stderr else ""
        return Delivery(answered=False, failure=failure, detail=detail)

    def _wait(self, worker: _Worker, deadlines: Deadlines, log_path: Path | None) -> str | None:
        """The worker's answer, or None once the kill deadline passed (the caller then kills it)."""
        offset = 0
        try:
            while True:
                answer = worker.answer(POLL_S)
                if log_path is not None:
                    offset = _echo(log_path, offset)
                if answer is not None:
                    return answer
                kill_at = deadlines.kill
                if kill_at is not None and time.perf_counter() >= kill_at:
                    return None
        except BaseException:  # KeyboardInterrupt (the notebook's ■): stop the solve with its worker
            self.close()
            raise


#: Options a session may not set: each solve's own (the call's gap, limit and LP method; the session's threads)
#: and the worker's logging.
_RESERVED_OPTIONS = frozenset({"mip_rel_gap", "time_limit", "threads", "solver", "mip_lp_solver", "output_flag",
                               "log_file", "log_to_console"})
#: The HiGHS options a session may set (a name, or a prefix ending in "_"): how HiGHS searches, not what it
#: accepts (tolerances, gaps, bounds, limits) nor what it writes.
SEARCH_OPTIONS = ("mip_heuristic_", "mip_pscost_", "mip_detect_symmetry", "mip_allow_restart", "presolve",
                  "random_seed", "simplex_strategy", "mip_lp_age_limit", "mip_pool_age_limit")


def _search_option(name: str) -> bool:
    return any(name.startswith(o) if o.endswith("_") else name == o for o in SEARCH_OPTIONS)


def _option_problems(options: Mapping[str, object]) -> list[Problem]:
    """What is wrong with extra HiGHS options: a name HiGHS does not know, a value of the wrong type, one
    landkit sets itself, or one that is not a search option (:data:`SEARCH_OPTIONS`)."""
    probe = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy's Highs.__init__ lacks '-> None'
    probe.setOptionValue("output_flag", False)
    problems = []
    for name, value in options.items():
        if name in _RESERVED_OPTIONS:
            problems.append(Problem(f"options[{name!r}]", "is set by landkit for each solve",
                                    "pass it to solve() (mip_gap, time_limit_s, lp_method) or as threads="))
        elif not isinstance(value, bool | int | float | str) or (
                probe.setOptionValue(str(name), value) == highspy.HighsStatus.kError):
            problems.append(Problem(f"options[{name!r}]", f"is {value!r}", "a HiGHS option name with a value of its "
                                    "type (see HiGHS's option list)"))
        elif not _search_option(str(name)):
            problems.append(Problem(f"options[{name!r}]", "is not a search option (it would change what HiGHS accepts "
                                    "or writes)", f"use one of {', '.join(SEARCH_OPTIONS)} (a prefix ends in '_')"))
    return problems


@dataclass(frozen=True)
class _SessionTransport:
    """Where :func:`landkit.optimize._highs.run_highs` runs a session's job: its long-lived worker."""

    session: SolveSession

    def write_model(self, problem: LinearProblem, jobdir: Path) -> str:
        self.session.start()  # a worker that died since the last solve is replaced now, so the model goes whole
        update = self.session.last_update = self.session._write_model(problem, jobdir)
        return update.kind

    def deliver(self, problem: LinearProblem, jobdir: Path, *, deadlines: Deadlines,
                log_path: Path | None) -> Delivery:
        return self.session._deliver(problem, jobdir, deadlines, log_path)

    def options(self) -> Mapping[str, object]:
        return self.session.options


_OPEN: weakref.WeakSet[SolveSession] = weakref.WeakSet()


def _close_all() -> None:
    for session in list(_OPEN):
        session.close()


atexit.register(_close_all)

__all__ = ["SessionUpdate", "SolveSession", "problem_changes"]
