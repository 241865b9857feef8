"""Child process that runs HiGHS for :mod:`landkit.optimize`.

Run as ``python _highs_worker.py JOBDIR``, or ``python _highs_worker.py --serve`` to start in
advance and read JOBDIR from stdin (a warm worker, see ``_runner.run_worker``). It imports only
numpy and highspy (not landkit, linopy or pandas), so it starts in about 0.15 s. The parent
writes ``JOBDIR/problem.npz`` (the model as arrays) and ``JOBDIR/job.json`` (the task and
options), and ``JOBDIR/start.npz`` (``index``, ``value``: a MIP start) when ``job["start"]``;
the worker writes:

``incumbent.npz``
    every improving MIP solution as it is found (``x``, ``objective``), atomically, so the
    parent can still return the best solution when it has to kill this process at the
    wall-clock limit;
``progress.json``
    the latest MIP dual bound, at most every 0.1 s;
``highs.log``
    the HiGHS log;
``result.npz``
    the final answer (model status, solution, duals, bound), atomically, last.

Tasks: ``"solve"`` and ``"write"`` (write the model to ``job["path"]`` as MPS or LP).

The worker never outlives its parent: a watchdog thread waits for SIGTERM (the death signal the
parent arms on Linux) and checks the parent's pid every 0.2 s; when the parent is gone it removes
the job folder and ends the process, HiGHS's threads with it. HiGHS releases the GIL while it
solves, so the watchdog runs during a solve.
"""

from __future__ import annotations

import signal

if __name__ == "__main__" and hasattr(signal, "pthread_sigmask"):
    # before anything starts a thread (importing highspy does): a thread that does not block SIGTERM
    # would take the death signal with its default action, and the job folder would be left behind
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
from highspy.highs import HighsCallbackEvent

_PROGRESS_EVERY_S = 0.1
_WATCH_EVERY_S = 0.2
#: The job folder of the running job, removed by the watchdog if the parent dies.
_JOB: dict[str, Path] = {}


def _watch_parent(parent: int) -> None:
    """Thread body: end the process (removing the job folder) once the parent is gone."""
    while True:
        got = None
        if hasattr(signal, "sigtimedwait"):
            got = signal.sigtimedwait({signal.SIGTERM}, _WATCH_EVERY_S)
        else:  # pragma: no cover - no sigtimedwait (macOS)
            time.sleep(_WATCH_EVERY_S)
        if got is not None or os.getppid() != parent:
            jobdir = _JOB.get("dir")
            if jobdir is not None:
                shutil.rmtree(jobdir, ignore_errors=True)
            os._exit(143)


def start_watchdog() -> None:
    """Start the thread that handles SIGTERM (blocked in every other thread, HiGHS's included, since
    the module's first lines) and watches the parent's pid."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True, name="landkit-watchdog").start()


def _atomic_savez(path: Path, **arrays: npt.ArrayLike) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]  # stub: **kwds may fill allow_pickle (numpy ≥ 2.1)
    os.replace(tmp, path)


def _atomic_json(path: Path, obj: dict[str, object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj))
    os.replace(tmp, path)


def build(data: Mapping[str, np.ndarray], quiet: bool = True) -> highspy.Highs:
    """Build a HiGHS model from the arrays written by the parent."""
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy's Highs.__init__ lacks '-> None'
    if quiet:
        h.setOptionValue("output_flag", False)
    n = int(data["lb"].shape[0])
    cols = np.arange(n, dtype=np.int32)
    h.addVars(n, data["lb"], data["ub"])
    h.changeColsCost(n, cols, data["c"])
    integrality = data["integrality"].astype(np.uint8)
    if integrality.any():
        h.changeColsIntegrality(n, cols, integrality)
    m = int(data["row_lower"].shape[0])
    if m:
        indptr = data["A_indptr"].astype(np.int32)
        h.addRows(
            m,
            data["row_lower"],
            data["row_upper"],
            int(indptr[-1]),
            indptr,
            data["A_indices"].astype(np.int32),
            data["A_data"],
        )
    if "col_names" in data:
        model = h.getModel()
        model.lp_.col_names_ = [str(s) for s in data["col_names"]]
        model.lp_.row_names_ = [str(s) for s in data["row_names"]]
        h.passModel(model)
    if str(data["sense"]) == "max":
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return h


def _set_start(h: highspy.Highs, path: Path) -> bool:
    """Hand HiGHS the MIP start in ``path``; False if HiGHS refused it (it then solves without).

    HiGHS checks an accepted start in ``run``: it completes a partial one or drops it.
    """
    with np.load(path, allow_pickle=False) as npz:
        index = np.ascontiguousarray(npz["index"], dtype=np.int32)
        value = np.ascontiguousarray(npz["value"], dtype=float)
    return h.setSolution(int(index.size), index, value) != highspy.HighsStatus.kError


def _solve(h: highspy.Highs, job: dict[str, Any], jobdir: Path) -> None:
    is_mip = bool(job["is_mip"])
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("log_file", str(jobdir / "highs.log"))
    for key, value in job["options"].items():
        h.setOptionValue(key, value)

    start_refused = False
    if is_mip:
        last = {"t": 0.0}

        def on_incumbent(event: HighsCallbackEvent) -> None:
            out = event.data_out
            _atomic_savez(
                jobdir / "incumbent.npz",
                x=np.asarray(out.mip_solution, dtype=float),
                objective=float(out.objective_function_value),
                bound=float(out.mip_dual_bound),
            )

        def on_interrupt_check(event: HighsCallbackEvent) -> None:
            now = time.monotonic()
            if now - last["t"] >= _PROGRESS_EVERY_S:
                last["t"] = now
                out = event.data_out
                _atomic_json(jobdir / "progress.json", {"bound": float(out.mip_dual_bound)})

        h.cbMipImprovingSolution.subscribe(on_incumbent)
        h.cbMipInterrupt.subscribe(on_interrupt_check)
        if job.get("start"):
            start_refused = not _set_start(h, jobdir / "start.npz")

    deadline = job.get("soft_deadline_epoch")
    if deadline is not None:
        h.setOptionValue("time_limit", max(float(deadline) - time.time(), 0.0))
    t0 = time.perf_counter()
    h.run()
    run_time = time.perf_counter() - t0

    status = h.getModelStatus()
    info = h.getInfo()
    solution = h.getSolution()
    primal_ok = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    dual_ok = int(info.dual_solution_status) == 2
    out: dict[str, npt.ArrayLike] = {
        "model_status": int(status),
        "model_status_text": h.modelStatusToString(status),
        "primal_feasible": primal_ok,
        "dual_feasible": dual_ok,
        "objective": float(info.objective_function_value),
        "mip_dual_bound": float(info.mip_dual_bound) if is_mip else float("nan"),
        "run_time": run_time,
        "start_refused": start_refused,
    }
    if primal_ok:
        out["x"] = np.asarray(solution.col_value, dtype=float)
    if dual_ok and not is_mip:
        out["row_dual"] = np.asarray(solution.row_dual, dtype=float)
    _atomic_savez(jobdir / "result.npz", **out)


def main(jobdir_arg: str) -> int:
    """Run the job in ``jobdir_arg``; return the process exit code."""
    jobdir = Path(jobdir_arg)
    _JOB["dir"] = jobdir
    job = json.loads((jobdir / "job.json").read_text(encoding="utf-8"))
    with np.load(jobdir / "problem.npz", allow_pickle=False) as npz:
        data = {key: npz[key] for key in npz.files}
    h = build(data)
    if job["task"] == "write":
        status = h.writeModel(job["path"])
        ok = status == highspy.HighsStatus.kOk
        _atomic_json(jobdir / "written.json", {"ok": bool(ok), "status": str(status)})
        return 0 if ok else 1
    _solve(h, job, jobdir)
    return 0


def serve() -> int:
    """Wait (numpy and highspy imported) for one job directory on stdin, then run it.

    Output goes to ``JOBDIR/stdout.txt``. End of input (the parent exited) ends the process.
    """
    line = sys.stdin.readline().strip()
    if not line:
        return 0
    out = open(Path(line) / "stdout.txt", "ab")  # stays open: it becomes fds 1 and 2
    os.dup2(out.fileno(), 1)
    os.dup2(out.fileno(), 2)
    return main(line)


if __name__ == "__main__":
    start_watchdog()
    code = serve() if sys.argv[1:] == ["--serve"] else main(sys.argv[1])
    sys.stdout.flush()
    sys.stderr.flush()
    # every output file is closed (HiGHS flushes its log line by line); skipping the
    # interpreter's teardown saves ~50 ms per solve
    os._exit(code)
