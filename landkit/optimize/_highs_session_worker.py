"""Long-lived child process that keeps one HiGHS model for :class:`landkit.optimize.SolveSession`.

Run as ``python _highs_session_worker.py``. It reads one job folder per line on stdin and answers each
with one line on stdout (``done``) once the job's files are written; end of input ends the process.
A job folder holds ``job.json`` and either

``problem.npz`` (``job["task"] == "full"``)
    the whole model as arrays (as for ``_highs_worker.py``): a new HiGHS model replaces the one held;
``update.npz`` (``job["task"] == "update"``)
    the entries that differ from the model held (same columns, rows and nonzero pattern):
    ``cost_index``/``cost`` (``changeColsCost``), ``bound_index``/``lower``/``upper``
    (``changeColsBounds``), ``row_index``/``row_lower``/``row_upper`` (``changeRowsBounds``) and
    ``coef_row``/``coef_col``/``coef`` (``changeCoeff``).

Every solve then runs as in ``_highs_worker.py`` (same options, MIP start, incumbent and progress
files, ``result.npz``), after ``clearSolver`` and ``resetOptions``: nothing of the previous solve is carried
over but the model itself, so a re-solve is the solve of a freshly built model. The watchdog of
``_highs_worker.py`` ends this process (removing the running job's folder) when the parent is gone.
"""

from __future__ import annotations

import signal

if __name__ == "__main__" and hasattr(signal, "pthread_sigmask"):
    # before importing highspy starts a thread (see _highs_worker.py)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

import faulthandler
import json
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

if TYPE_CHECKING:
    from landkit.optimize._highs_worker import _JOB, _solve, build, start_watchdog
else:  # run as a script, this folder is sys.path[0]; importing landkit would cost the pandas stack
    from _highs_worker import _JOB, _solve, build, start_watchdog


def apply_update(h: highspy.Highs, data: dict[str, np.ndarray]) -> None:
    """Change the entries of ``data`` (see the module docstring) in the model ``h`` holds.

    Raises RuntimeError when HiGHS refuses a change (the parent then reports the solve as failed).
    """
    calls: list[tuple[str, Any]] = []
    idx = np.ascontiguousarray(data["cost_index"], dtype=np.int32)
    if idx.size:
        calls.append(("changeColsCost", h.changeColsCost(int(idx.size), idx,
                                                          np.ascontiguousarray(data["cost"], dtype=float))))
    idx = np.ascontiguousarray(data["bound_index"], dtype=np.int32)
    if idx.size:
        calls.append(("changeColsBounds", h.changeColsBounds(int(idx.size), idx,
                                                              np.ascontiguousarray(data["lower"], dtype=float),
                                                              np.ascontiguousarray(data["upper"], dtype=float))))
    idx = np.ascontiguousarray(data["row_index"], dtype=np.int32)
    if idx.size:
        rows = h.changeRowsBounds(  # type: ignore[attr-defined]  # highspy's stub omits it; present at runtime
            int(idx.size), idx, np.ascontiguousarray(data["row_lower"], dtype=float),
            np.ascontiguousarray(data["row_upper"], dtype=float))
        calls.append(("changeRowsBounds", rows))
    for r, c, v in zip(data["coef_row"].tolist(), data["coef_col"].tolist(), data["coef"].tolist(), strict=True):
        calls.append(("changeCoeff", h.changeCoeff(int(r), int(c), float(v))))
    refused = sorted({name for name, status in calls if status == highspy.HighsStatus.kError})
    if refused:
        raise UpdateRefusedError(f"HiGHS refused {', '.join(refused)}")


class UpdateRefusedError(Exception):
    """HiGHS refused a change to the model held. This process imports only numpy and highspy, not landkit:
    the error goes back as an ``error …`` answer, which the parent reports as the solver's error status."""


def run_job(held: dict[str, Any], jobdir: Path) -> None:
    """Build or update the model in ``held["h"]`` as the job says, then solve it."""
    _JOB["dir"] = jobdir
    job = json.loads((jobdir / "job.json").read_text(encoding="utf-8"))
    if job["task"] == "full" or "h" not in held:
        with np.load(jobdir / "problem.npz", allow_pickle=False) as npz:
            held["h"] = build({key: npz[key] for key in npz.files})
    else:
        with np.load(jobdir / "update.npz", allow_pickle=False) as npz:
            apply_update(held["h"], {key: npz[key] for key in npz.files})
    h = held["h"]
    h.clearSolver()
    h.resetOptions()  # the options of a fresh model: each job sets its own (as _highs_worker.py's does)
    h.setOptionValue("output_flag", False)
    try:
        _solve(h, job, jobdir)
    finally:
        h.clearCallbacks()
        h.setOptionValue("log_file", "")
        h.setOptionValue("output_flag", False)
        _JOB.pop("dir", None)


def serve() -> int:
    """Answer job folders read from stdin until it closes."""
    held: dict[str, Any] = {}
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever HiGHS prints goes to stderr (a file the parent reads back when a job fails; each
    # job's log is highs.log), never into the answers
    for line in sys.stdin:
        jobdir = Path(line.strip())
        if not line.strip():
            continue
        try:
            run_job(held, jobdir)
            answer.write("done\n")
        except Exception as exc:
            traceback.print_exc()  # to stderr, whose tail the parent puts into the error it reports
            held.clear()  # the model may be half-changed: the next job must send it whole
            answer.write(f"error {type(exc).__name__}: {exc}".replace("\n", " ") + "\n")
        answer.flush()
    return 0


if __name__ == "__main__":
    faulthandler.enable()  # a crash inside HiGHS leaves its Python stack on stderr for the parent's error message
    start_watchdog()
    code = serve()
    sys.stdout.flush()
    os._exit(code)
