"""HiGHS back end: run the worker process, enforce the wall clock, map HiGHS statuses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import highspy
import numpy as np

from landkit._errors import ExportError
from landkit.optimize._problem import LinearProblem
from landkit.optimize._runner import (
    KILL_AT,
    Deadlines,
    RawOutcome,
    job_dir,
    read_text,
    run_worker,
)
from landkit.optimize._status import Status

if TYPE_CHECKING:
    from landkit.optimize._solve import MipStart

WORKER = Path(__file__).with_name("_highs_worker.py")

_MS = highspy.HighsModelStatus
_LIMITS = {
    _MS.kTimeLimit,
    _MS.kIterationLimit,
    _MS.kSolutionLimit,
    _MS.kInterrupt,
    _MS.kHighsInterrupt,  # type: ignore[attr-defined]  # highspy's stub omits it; present at runtime
    _MS.kObjectiveBound,
    _MS.kObjectiveTarget,
}


def highs_options(problem: LinearProblem, *, mip_gap: float, threads: int | None, lp_method: str) -> dict[str, object]:
    """HiGHS options for one solve (``lp_method`` already resolved to simplex/ipm/choose)."""
    options: dict[str, object] = {"mip_rel_gap": float(mip_gap)}
    if threads is not None:
        options["threads"] = int(threads)
    if problem.is_mip:
        # never set "solver" for a MIP: HiGHS then ignores integrality
        options["mip_lp_solver"] = lp_method
    else:
        options["solver"] = lp_method
    return options


def write_with_highs(
    problem: LinearProblem, path: Path, *, names: bool = True, deadlines: Deadlines | None = None
) -> bool:
    """Write ``problem`` to ``path`` (MPS or LP, by suffix) with HiGHS, in a worker process.

    Returns False if the deadlines' kill time arrived first; raises OSError if HiGHS failed.
    """
    with job_dir("write") as jobdir:
        with open(jobdir / "problem.npz", "wb") as f:
            np.savez(f, **problem.to_arrays(names=names))  # type: ignore[arg-type]  # stub: **kwds may fill allow_pickle (numpy ≥ 2.1); numpy 1.26 has none
        (jobdir / "job.json").write_text(json.dumps({"task": "write", "path": str(path)}), encoding="utf-8")
        outcome = run_worker(WORKER, jobdir, deadlines=deadlines or Deadlines(start=0.0, limit_s=None))
        if outcome.killed:
            return False
        written = read_text(jobdir / "written.json")
        if outcome.returncode != 0 or not written or not json.loads(written)["ok"]:
            raise ExportError(f"HiGHS could not write {path}: {written or read_text(jobdir / 'stdout.txt')[-2000:]}")
        return True


@dataclass(frozen=True)
class Delivery:
    """How a HiGHS job came back from the process that ran it (see :class:`Transport`).

    Attributes
    ----------
    answered : bool
        The process finished the job: its ``result.npz``, if written, is the answer.
    killed : bool
        Still running at the kill deadline and stopped: the answer is its last incumbent.
    failure : str
        What went wrong otherwise (the solver status of an error outcome).
    detail : str
        Text added to the log of an error outcome (the tail of the process's output).
    note : str
        A note added to an answered outcome (e.g. how a session's kept model was changed).
    """

    answered: bool
    killed: bool = False
    failure: str = ""
    detail: str = ""
    note: str = ""


class Transport(Protocol):
    """Where a HiGHS job runs: writes the model into the job folder, then runs the job there.

    :func:`run_highs` writes everything else (``job.json``, ``start.npz``) and reads the answer.
    """

    def write_model(self, problem: LinearProblem, jobdir: Path) -> str:
        """Write the model for the job; returns the job's task (``"solve"``, or a session's ``"full"``/``"update"``)."""
        ...

    def deliver(self, problem: LinearProblem, jobdir: Path, *, deadlines: Deadlines,
                log_path: Path | None) -> Delivery:
        """Run the job within ``deadlines`` (echoing ``log_path`` as it grows when given)."""
        ...

    def options(self) -> Mapping[str, object]:
        """HiGHS options of every job of this transport, set after landkit's own (e.g. a session's)."""
        ...


class OneOffWorker:
    """The default transport: a new worker process (``_highs_worker.py``) for each job."""

    def options(self) -> Mapping[str, object]:
        return {}

    def write_model(self, problem: LinearProblem, jobdir: Path) -> str:
        with open(jobdir / "problem.npz", "wb") as f:
            np.savez(f, **problem.to_arrays())  # type: ignore[arg-type]  # as in write_with_highs
        return "solve"

    def deliver(self, problem: LinearProblem, jobdir: Path, *, deadlines: Deadlines,
                log_path: Path | None) -> Delivery:
        # HiGHS stops at its own limit; the kill at the deadline is the backstop
        outcome = run_worker(WORKER, jobdir, deadlines=deadlines, stream_path=log_path)
        stdout = read_text(jobdir / "stdout.txt")
        return Delivery(answered=True, killed=outcome.killed, failure=f"worker exited with code {outcome.returncode}",
                        detail="\n" + stdout[-4000:] if stdout else "")


def run_highs(
    problem: LinearProblem,
    *,
    deadlines: Deadlines,
    mip_gap: float,
    threads: int | None,
    lp_method: str,
    log_to_console: bool,
    start: MipStart | None = None,
    transport: Transport | None = None,
) -> RawOutcome:
    """Solve ``problem`` with HiGHS in a worker process within ``deadlines``.

    ``start`` (see :func:`landkit.optimize._solve.prepare_start`) is handed to HiGHS as a MIP
    start (``Highs.setSolution`` with column indices and values). ``transport`` runs the job (default
    :class:`OneOffWorker`; a :class:`~landkit.optimize.SolveSession` passes its long-lived worker).
    """
    transport = transport or OneOffWorker()
    with job_dir("highs") as jobdir:
        task = transport.write_model(problem, jobdir)
        if start is not None:
            with open(jobdir / "start.npz", "wb") as f:
                np.savez(f, index=start.index.astype(np.int32), value=start.value.astype(float))
        job = {
            "task": task,
            "is_mip": problem.is_mip,
            "options": {**highs_options(problem, mip_gap=mip_gap, threads=threads, lp_method=lp_method),
                        **transport.options()},
            "soft_deadline_epoch": deadlines.soft_epoch(),
            "start": start is not None,
        }
        (jobdir / "job.json").write_text(json.dumps(job), encoding="utf-8")
        log_path = jobdir / "highs.log"
        delivery = transport.deliver(problem, jobdir, deadlines=deadlines,
                                     log_path=log_path if log_to_console else None)
        return read_outcome(problem, jobdir, delivery, deadlines)


def read_outcome(problem: LinearProblem, jobdir: Path, delivery: Delivery, deadlines: Deadlines) -> RawOutcome:
    """The outcome of a job from its folder: the answer, the incumbent of a killed run, or the error."""
    log_text = read_text(jobdir / "highs.log")
    result_path = jobdir / "result.npz"
    if delivery.answered and result_path.exists():
        with np.load(result_path, allow_pickle=False) as npz:
            raw = _from_result(problem, {k: npz[k] for k in npz.files}, log_text)
        if delivery.note:
            raw.notes.append(delivery.note)
        return raw
    if delivery.killed:
        raw = _from_incumbent(problem, jobdir, log_text)
        raw.notes.append(
            f"HiGHS was still running at {KILL_AT:.0%} of the time limit "
            f"({KILL_AT * (deadlines.limit_s or 0.0):.2f} s) and was stopped by landkit"
        )
        return raw
    return RawOutcome(status=Status.ERROR, solver_status=delivery.failure, log_text=log_text + delivery.detail)


def _from_incumbent(problem: LinearProblem, jobdir: Path, log_text: str) -> RawOutcome:
    """Outcome after the worker was killed: the last incumbent it saved, if any."""
    bound = None
    progress = read_text(jobdir / "progress.json")
    if progress:
        bound = _finite(json.loads(progress).get("bound"))
    inc_path = jobdir / "incumbent.npz"
    if inc_path.exists():
        with np.load(inc_path, allow_pickle=False) as npz:
            x = np.asarray(npz["x"], dtype=float)
            if bound is None:
                bound = _finite(float(npz["bound"]))
        if x.shape == problem.c.shape:
            return RawOutcome(
                status=Status.FEASIBLE,
                solver_status="stopped by landkit at the time limit (incumbent recovered)",
                x=x,
                objective=problem.objective_value(x),
                bound=bound,
                log_text=log_text,
                stopped_by_landkit=True,
            )
    return RawOutcome(
        status=Status.TIME_LIMIT_NO_SOLUTION,
        solver_status="stopped by landkit at the time limit (no solution found)",
        bound=bound,
        log_text=log_text,
        stopped_by_landkit=True,
    )


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _from_result(problem: LinearProblem, res: dict[str, np.ndarray], log_text: str) -> RawOutcome:
    status_code = _MS(int(res["model_status"]))
    text = str(res["model_status_text"])
    primal_ok = bool(res["primal_feasible"])
    x = np.asarray(res["x"], dtype=float) if "x" in res else None
    row_dual = np.asarray(res["row_dual"], dtype=float) if "row_dual" in res else None
    objective = _finite(float(res["objective"])) if x is not None else None
    bound = _finite(float(res["mip_dual_bound"])) if problem.is_mip else None
    raw = RawOutcome(status=Status.ERROR, solver_status=text, log_text=log_text)
    if bool(res.get("start_refused", False)):
        raw.notes.append("HiGHS refused the MIP start and solved without it")

    if status_code == _MS.kOptimal and x is not None:
        raw.status = Status.OPTIMAL
        raw.x, raw.row_dual, raw.objective = x, row_dual, objective
        raw.bound = bound if problem.is_mip else objective
    elif status_code == _MS.kModelEmpty:
        raw.status = Status.OPTIMAL
        raw.x = np.zeros(problem.n_cols)
        raw.objective = raw.bound = 0.0
    elif status_code in _LIMITS:
        if primal_ok and x is not None:
            raw.status = Status.FEASIBLE
            raw.x, raw.objective, raw.bound = x, objective, bound
        else:
            raw.status = Status.TIME_LIMIT_NO_SOLUTION
            raw.bound = bound
    elif status_code == _MS.kInfeasible:
        raw.status = Status.INFEASIBLE
    elif status_code == _MS.kUnbounded:
        raw.status = Status.UNBOUNDED
        # an LP's unboundedness is proven; a MIP's only says the relaxation is unbounded
        raw.unbounded_or_infeasible = problem.is_mip
    elif status_code == _MS.kUnboundedOrInfeasible:
        raw.status = Status.UNBOUNDED
        raw.unbounded_or_infeasible = True
    return raw
