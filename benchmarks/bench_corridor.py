"""All-pairs least-cost paths among 5 sites on large synthetic resistance rasters.

Prints raster size, seconds and peak RSS (MB) for 2000 × 2000 (target ≤ 15 s, ≤ 1.5 GB) and
4000 × 4000, 8 neighbours (scikit-image MCP_Geometric), plus the 16-neighbour explicit graph on
1000 × 1000 for reference. Run: ``.venv/bin/python benchmarks/bench_corridor.py``.
"""

from __future__ import annotations

import gc
import sys

import numpy as np
from _measure import measure
from scipy import ndimage

from landkit.corridor import pairwise_paths


def surface(n: int, seed: int = 0) -> np.ndarray:
    """Smoothed random resistance 1–10 with a river-like barrier crossed by three bridges."""
    rng = np.random.default_rng(seed)
    small = rng.random((n // 20 + 2, n // 20 + 2))
    field = ndimage.zoom(small, 20, order=1)[:n, :n]
    cost = 1.0 + 9.0 * (field - field.min()) / np.ptp(field)
    river = (np.arange(n) * 0.3 + n // 2).astype(int) % n
    cost[river, np.arange(n)] = np.inf
    cost[(river + 1) % n, np.arange(n)] = np.inf
    for b in (n // 5, n // 2, 4 * n // 5):
        cost[river[b], b] = cost[(river[b] + 1) % n, b] = 1.0
    return cost


def run(n: int, neighbours: int = 8) -> None:
    cost = surface(n)
    rng = np.random.default_rng(1)
    cells = rng.integers(n // 10, 9 * n // 10, size=(5, 2))
    cost[cells[:, 0], cells[:, 1]] = 1.0
    gc.collect()
    with measure() as m:
        pairs = pairwise_paths(cost, cells, [f"s{i}" for i in range(5)], cellsize=30.0, neighbours=neighbours)
    finite = np.isfinite(pairs.cost.to_numpy()).all()
    print(f"{n} x {n} ({n * n / 1e6:.0f} M cells), {neighbours} neighbours, 5 sites / 10 pairs: "
          f"{m.seconds:.2f} s, peak {m.peak_mb:.0f} MB, all pairs joined: {finite}")
    sys.stdout.flush()


if __name__ == "__main__":
    for size in (2000, 4000):
        run(size)
    run(1000, neighbours=16)
