"""Wall-clock enforcement shared by the solver back ends.

Every solver runs in a child process in its own process group. The parent polls it and, at the
deadlines below, first asks it to stop (CBC: SIGINT, after which CBC writes its incumbent) and
then kills the whole group (SIGKILL), which always works. Incumbents are recovered from files
the child writes as it goes, so a kill loses no solution that was found.

A child never outlives its parent, whatever kills the parent: the HiGHS worker watches its
parent's pid and, when the parent is gone, removes its job folder and exits; on Linux every child
also gets a death signal (``PR_SET_PDEATHSIG``) as a backstop (CBC has no watchdog of its own). Job
folders are named ``landkit-job-<solver>-<pid>-…``; one of this user's whose owner died without
cleaning up is removed by the next solve (:func:`job_dir`).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from landkit.atomic import pid_alive
from landkit.optimize._status import Status

#: What a child's stdin, stdout or stderr may be given as (binary streams).
_Stream = int | IO[bytes] | None

#: The solver's own time limit ends at this fraction of the user's limit (counted from the
#: start of :func:`landkit.optimize.solve`), leaving room to stop, write and read results.
SOLVER_SHARE = 0.90
#: A child still running at this fraction of the limit is asked to stop (CBC: SIGINT; it then
#: writes its incumbent, usually within milliseconds, but inside some heuristics it takes longer).
INTERRUPT_AT = 0.95
#: A child still running at this fraction of the limit is killed (SIGKILL to its group). The
#: rest, up to 1.10, is for reading the solution back (measured: 0.1 s for a 300k-column MILP).
KILL_AT = 1.03
#: Polling interval of the parent while the child runs, in seconds.
POLL_S = 0.02


_JOB_NAME = re.compile(r"^landkit-job-[a-z]+-(\d+)-")
_PR_SET_PDEATHSIG = 1


def sweep_job_dirs(root: Path | None = None) -> list[Path]:
    """Remove solver job folders in ``root`` (default the temp folder) whose landkit process is dead."""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in root.iterdir():
            m = _JOB_NAME.match(entry.name)
            if (m and int(m.group(1)) != os.getpid() and entry.is_dir() and not entry.is_symlink()
                    and entry.stat().st_uid == os.getuid() and not pid_alive(int(m.group(1)))):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


@contextlib.contextmanager
def job_dir(solver: str) -> Iterator[Path]:
    """A private job folder ``landkit-job-<solver>-<pid>-…`` in the temp folder, removed afterwards.

    Folders left by landkit processes that died (and so could not remove theirs) are removed first.
    """
    sweep_job_dirs()
    with tempfile.TemporaryDirectory(prefix=f"landkit-job-{solver}-{os.getpid()}-") as tmp:
        yield Path(tmp)


def _death_signal(sig: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to send ``sig`` to the child when its parent dies (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return preexec


def _popen(cmd: list[str], *, death_signal: int = signal.SIGKILL, cwd: Path | str | None = None,
           stdin: _Stream = None, stdout: _Stream = None, stderr: _Stream = None) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` in a new session, with the death signal armed where the platform has one.

    The HiGHS worker takes SIGTERM (its watchdog thread then removes the job folder and exits);
    programs without such a watchdog (CBC) take SIGKILL.
    """
    return subprocess.Popen(cmd, cwd=cwd, stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True,
                            preexec_fn=_death_signal(death_signal))


@dataclass(frozen=True)
class Deadlines:
    """Deadlines on :func:`time.perf_counter`, derived from the start and the user's limit."""

    start: float
    limit_s: float | None

    def _at(self, share: float) -> float | None:
        return None if self.limit_s is None else self.start + share * self.limit_s

    @property
    def soft(self) -> float | None:
        """When the solver's own time limit should end."""
        return self._at(SOLVER_SHARE)

    @property
    def interrupt(self) -> float | None:
        """When a still-running child is asked to stop."""
        return self._at(INTERRUPT_AT)

    @property
    def kill(self) -> float | None:
        """When a still-running child is killed."""
        return self._at(KILL_AT)

    def soft_remaining_s(self) -> float | None:
        """Seconds left for the solver's own time limit (never negative)."""
        soft = self.soft
        return None if soft is None else max(soft - time.perf_counter(), 0.0)

    def soft_epoch(self) -> float | None:
        """The soft deadline on the :func:`time.time` clock, for a child process."""
        soft = self.soft
        return None if soft is None else time.time() + (soft - time.perf_counter())

    def expired(self) -> bool:
        """True once the soft deadline has passed."""
        soft = self.soft
        return soft is not None and time.perf_counter() >= soft


@dataclass
class RawOutcome:
    """What one solver run produced, before it is written into the linopy model."""

    status: Status
    solver_status: str
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    objective: float | None = None  # solver-scaled units, the model's own sense
    bound: float | None = None
    log_text: str = ""
    stopped_by_landkit: bool = False
    unbounded_or_infeasible: bool = False
    max_violation: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProcessOutcome:
    """How a child process ended."""

    returncode: int | None
    interrupted: bool
    killed: bool


def run_process(
    cmd: list[str],
    *,
    cwd: Path,
    output_path: Path,
    deadlines: Deadlines,
    interrupt_signal: int | None,
    stream_path: Path | None = None,
) -> ProcessOutcome:
    """Run ``cmd`` with stdout and stderr to ``output_path``, enforcing the deadlines.

    Parameters
    ----------
    cmd : list of str
        The command.
    cwd : Path
        Working directory.
    output_path : Path
        File receiving the child's stdout and stderr.
    deadlines : Deadlines
        ``interrupt`` sends ``interrupt_signal`` (if not None); ``kill`` kills the group.
    interrupt_signal : int or None
        Signal asking the child to stop gracefully.
    stream_path : Path, optional
        A log file to echo to ``sys.stdout`` as it grows (``log_to_console``).
    """
    with open(output_path, "wb") as out:
        proc = _popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return supervise(proc, deadlines=deadlines, interrupt_signal=interrupt_signal, stream_path=stream_path)


def run_worker(script: Path, jobdir: Path, *, deadlines: Deadlines, stream_path: Path | None = None) -> ProcessOutcome:
    """Run the Python worker ``script`` on ``jobdir`` (output in ``jobdir/stdout.txt``).

    A worker started in advance (numpy and highspy already imported) is used when one is ready,
    which saves the interpreter start-up (0.1-0.25 s); a fresh one is then started for the next
    call. Each worker runs exactly one job. Set ``LANDKIT_WARM_WORKER=0`` to start every
    worker cold.
    """
    proc = _POOL.take(script)
    if proc is not None:
        try:
            assert proc.stdin is not None
            proc.stdin.write(f"{jobdir}\n".encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            _kill_group(proc)
            proc = None
    if proc is None:
        with open(jobdir / "stdout.txt", "wb") as out:
            proc = _popen(
                [sys.executable, str(script), str(jobdir)],
                death_signal=signal.SIGTERM,
                cwd=jobdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
    _POOL.refill(script)
    return supervise(proc, deadlines=deadlines, interrupt_signal=None, stream_path=stream_path)


class _WarmPool:
    """At most one idle worker process per script, owned by the process that started it.

    An idle worker waits on its stdin for a job directory; when the parent exits its stdin
    closes and the worker exits too, so nothing is left behind.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[Path, subprocess.Popen[bytes]] = {}
        self._owner = os.getpid()

    def _enabled(self) -> bool:
        return os.environ.get("LANDKIT_WARM_WORKER", "1") != "0" and os.getpid() == self._owner

    def take(self, script: Path) -> subprocess.Popen[bytes] | None:
        if not self._enabled():
            return None
        with self._lock:
            proc = self._idle.pop(script, None)
        if proc is not None and proc.poll() is not None:
            return None
        return proc

    def refill(self, script: Path) -> None:
        if not self._enabled():
            return
        with self._lock:
            if script in self._idle:
                return
            self._idle[script] = _popen(
                [sys.executable, str(script), "--serve"],
                death_signal=signal.SIGTERM,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def shutdown(self) -> None:
        """Stop the idle workers (at interpreter exit)."""
        if os.getpid() != self._owner:
            return
        with self._lock:
            idle, self._idle = list(self._idle.values()), {}
        for proc in idle:
            _kill_group(proc)
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()


_POOL = _WarmPool()
atexit.register(_POOL.shutdown)


def supervise(
    proc: subprocess.Popen[bytes],
    *,
    deadlines: Deadlines,
    interrupt_signal: int | None,
    stream_path: Path | None = None,
) -> ProcessOutcome:
    """Wait for ``proc``, asking it to stop and then killing it at the deadlines."""
    interrupted = killed = False
    offset = 0
    waiter = _Waiter(proc)
    try:
        while True:
            if waiter.wait(POLL_S):
                break
            if stream_path is not None:
                offset = _echo(stream_path, offset)
            now = time.perf_counter()
            kill_at, interrupt_at = deadlines.kill, deadlines.interrupt
            if kill_at is not None and now >= kill_at:
                _kill_group(proc)
                killed = True
                break
            if (
                interrupt_signal is not None
                and os.name == "posix"
                and not interrupted
                and interrupt_at is not None
                and now >= interrupt_at
            ):
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(interrupt_signal)
                interrupted = True
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        waiter.close()
    if stream_path is not None:
        _echo(stream_path, offset)
    return ProcessOutcome(returncode=proc.returncode, interrupted=interrupted, killed=killed)


class _Waiter:
    """Wait for a child's exit with a timeout, waking at once when it exits (Linux pidfd)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.fd: int | None = None
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                self.fd = os.pidfd_open(proc.pid)

    def wait(self, timeout: float) -> bool:
        """True once the child has exited (and been reaped)."""
        if self.fd is None:
            try:
                self.proc.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            self.proc.wait()
            return True
        return self.proc.poll() is not None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)  # the solver and any helpers it started
        else:  # pragma: no cover - Windows
            proc.kill()
    proc.wait()


def _echo(path: Path, offset: int) -> int:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            chunk = f.read()
    except FileNotFoundError:
        return offset
    if chunk:
        sys.stdout.write(chunk.decode("utf-8", errors="replace"))
        sys.stdout.flush()
    return offset + len(chunk)


def read_text(path: Path) -> str:
    """A text file's contents, or ``""`` if it does not exist."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
