"""Shared helpers of the benchmark scripts: wall time and peak memory of a step.

Peak memory is the process's resident set size sampled every 20 ms while the step runs (Linux
``/proc/self/statm``), so it includes memory held by C libraries (GDAL, HiGHS) that tracemalloc
does not see. With ``tree=True`` it is the sum over this process and all its descendants (the
solver's worker process included), sampled together.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * _PAGE / 1e6


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:  # the process ended while we looked
        pass
    return out


def tree_rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process and all its descendants, MB (Linux ``/proc``)."""
    todo = [os.getpid() if pid is None else pid]
    total = 0.0
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * _PAGE / 1e6
        except OSError:
            continue
        todo += _children(p)
    return total


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: float = 0.0


@contextmanager
def measure(*, tree: bool = False) -> Iterator[Measure]:
    """Time a block and sample its peak RSS (of the whole process tree with ``tree``)."""
    out = Measure()
    stop = threading.Event()
    rss = tree_rss_mb if tree else rss_mb
    peak = [rss()]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss())
            stop.wait(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    try:
        yield out
    finally:
        out.seconds = time.perf_counter() - t0
        stop.set()
        thread.join()
        out.peak_mb = max(peak[0], rss())
