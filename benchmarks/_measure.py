"""Shared helpers of the benchmark scripts: wall time and peak memory of a step.

Peak memory is the process's resident set size sampled every 20 ms while the step runs (Linux
``/proc/self/statm``), so it includes memory held by C libraries (GDAL, HiGHS) that tracemalloc
does not see.
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


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: float = 0.0


@contextmanager
def measure() -> Iterator[Measure]:
    """Time a block and sample its peak RSS."""
    out = Measure()
    stop = threading.Event()
    peak = [rss_mb()]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
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
        out.peak_mb = max(peak[0], rss_mb())
