"""CBC back end: the second, independent solver, run as a binary on an MPS file.

The model goes to CBC as a *minimisation* (a maximisation's objective is negated here and the
objective, bound and duals negated back), because this CBC (2.10.3, shipped in the pulp wheel)
ignores ``OBJSENSE MAX`` in MPS files. Columns and rows get positional names ``C<j>``/``R<i>``
and are matched back by name, since CBC drops free rows from its solution file.

CBC stops at its own ``-sec`` limit only outside its root LP; landkit sends SIGINT at the time
limit (CBC then stops and writes its incumbent) and kills it shortly after if it has not exited.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from dataclasses import replace
from pathlib import Path

import numpy as np
from pulp.apis.coin_api import PULP_CBC_CMD

from landkit._errors import SolverError
from landkit.optimize._highs import write_with_highs
from landkit.optimize._problem import LinearProblem
from landkit.optimize._runner import Deadlines, RawOutcome, job_dir, read_text, run_process
from landkit.optimize._status import Status

_NAME = re.compile(r"^([CR])(\d+)$")
_OBJ = re.compile(r"objective value\s+(\S+)")
_LOWER_BOUND = re.compile(r"^Lower bound:\s+(\S+)", re.MULTILINE)


def find_cbc() -> str:
    """Path of the CBC binary: ``$LANDKIT_CBC``, a ``cbc`` on ``PATH``, or pulp's bundled one.

    Raises
    ------
    SolverError
        If none is found.
    """
    env = os.environ.get("LANDKIT_CBC")
    if env:
        return env
    found = shutil.which("cbc")
    if found:
        return found
    bundled = str(PULP_CBC_CMD.pulp_cbc_path)
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    raise SolverError("CBC not found: install pulp (which ships CBC), put `cbc` on PATH, or set LANDKIT_CBC")


def run_cbc(
    problem: LinearProblem,
    *,
    deadlines: Deadlines,
    mip_gap: float,
    threads: int | None,
    lp_method: str,
    log_to_console: bool,
) -> RawOutcome:
    """Solve ``problem`` with CBC within ``deadlines``."""
    cbc = find_cbc()
    flip = problem.sense == "max"
    as_min = replace(problem, sense="min", c=-problem.c if flip else problem.c, col_names=None, row_names=None)
    with job_dir("cbc") as jobdir:
        mps = jobdir / "model.mps"
        if not write_with_highs(as_min, mps, names=True, deadlines=deadlines):
            return RawOutcome(
                status=Status.TIME_LIMIT_NO_SOLUTION,
                solver_status="time limit reached while writing the model for CBC",
                stopped_by_landkit=True,
            )
        sol = jobdir / "solution.txt"
        log = jobdir / "cbc.log"
        cmd = [cbc, str(mps), "-timeMode", "elapsed"]
        remaining = deadlines.soft_remaining_s()
        if remaining is not None:
            cmd += ["-sec", f"{max(remaining, 0.01):.3f}"]
        if problem.is_mip:
            cmd += ["-ratioGap", repr(float(mip_gap))]
        if threads is not None and threads > 1:  # CBC's default is serial; "-threads 1" is not
            cmd += ["-threads", str(int(threads))]
        if problem.is_mip:
            action = "-solve"
        else:
            action = {"simplex": "-dualSimplex", "ipm": "-barrier"}.get(lp_method, "-solve")
        cmd += ["-printingOptions", "all", action, "-solution", str(sol)]
        outcome = run_process(
            cmd,
            cwd=jobdir,
            output_path=log,
            deadlines=deadlines,
            interrupt_signal=signal.SIGINT,
            stream_path=log if log_to_console else None,
        )
        log_text = read_text(log)
        raw = _parse(problem, sol, log_text, complete_only=outcome.killed)
        if outcome.interrupted or outcome.killed:
            raw.stopped_by_landkit = True
            raw.notes.append(
                "CBC was still running at the time limit and was "
                + ("killed by landkit" if outcome.killed else "interrupted by landkit (SIGINT)")
            )
        if raw.solver_status == "no solution file" and not outcome.killed:
            raw.status = Status.ERROR
            raw.solver_status = f"CBC exited with code {outcome.returncode} and wrote no solution"
        elif raw.solver_status == "no solution file":
            raw.status = Status.TIME_LIMIT_NO_SOLUTION
            raw.solver_status = "killed by landkit at the time limit (no solution)"
        if flip:
            raw.objective = None if raw.objective is None else -raw.objective
            raw.bound = None if raw.bound is None else -raw.bound
            raw.row_dual = None if raw.row_dual is None else -raw.row_dual
        return raw


def _read_values(problem: LinearProblem, lines: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Column values and row duals from the solution file's lines, and how many columns it gave."""
    x = np.zeros(problem.n_cols)
    dual = np.zeros(problem.n_rows)
    seen_cols = 0
    for line in lines:
        parts = line.split()
        if parts and parts[0] == "**":
            parts = parts[1:]
        if len(parts) < 4:
            continue
        match = _NAME.match(parts[1])
        if not match:
            continue
        index = int(match.group(2))
        if match.group(1) == "C" and index < problem.n_cols:
            x[index] = float(parts[2])
            seen_cols += 1
        elif match.group(1) == "R" and index < problem.n_rows:
            dual[index] = float(parts[3])
    return x, dual, seen_cols


def _parse(problem: LinearProblem, sol: Path, log_text: str, *, complete_only: bool) -> RawOutcome:
    """Read CBC's solution file (objective and duals in the minimisation CBC solved)."""
    text = read_text(sol)
    lines = text.splitlines()
    if not lines:
        return RawOutcome(status=Status.ERROR, solver_status="no solution file", log_text=log_text)
    head = lines[0].strip()
    low = head.lower()
    x, dual, seen_cols = _read_values(problem, lines[1:])
    obj_match = _OBJ.search(head)
    objective = float(obj_match.group(1)) if obj_match else None
    raw = RawOutcome(status=Status.ERROR, solver_status=head, log_text=log_text)
    complete = seen_cols == problem.n_cols
    if complete_only and not complete:
        raw.solver_status = "no solution file"
        return raw

    if low.startswith("optimal") and complete:
        raw.status = Status.OPTIMAL
        raw.x, raw.objective = x, objective
        if problem.is_mip:
            bounds = _LOWER_BOUND.findall(log_text)
            raw.bound = float(bounds[-1]) if bounds else objective
        else:
            raw.bound = objective
            raw.row_dual = dual
    elif low.startswith(("infeasible", "integer infeasible")):
        raw.status = Status.INFEASIBLE
    elif low.startswith("unbounded"):
        raw.status = Status.UNBOUNDED
        raw.unbounded_or_infeasible = True
    elif low.startswith("stopped"):
        if "no integer solution" in low or not complete:
            raw.status = Status.TIME_LIMIT_NO_SOLUTION
        else:
            raw.status = Status.FEASIBLE
            raw.x, raw.objective = x, objective
        bounds = _LOWER_BOUND.findall(log_text)
        raw.bound = float(bounds[-1]) if bounds and problem.is_mip else None
    return raw
