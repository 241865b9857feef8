"""Siting benchmarks: exact contiguous sites (cuts vs naive flow) and block-wise suitability.

Run: ``.venv/bin/python benchmarks/bench_siting.py`` (several minutes: the flow model runs to its limit).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure

from landkit.siting import best_contiguous_site, flow_contiguous_site
from landkit.suitability import ClassTable, Linear, Sigmoid, suitability_raster


def field(shape: tuple[int, int], seed: int, peaks: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = gaussian_filter(rng.normal(size=shape), 2.0)
    for _ in range(peaks):
        r, c = rng.integers(0, shape[0]), rng.integers(0, shape[1])
        v[max(r - 2, 0):r + 3, max(c - 2, 0):c + 3] += 1.0
    return (v - v.min()) / (v.max() - v.min()) * 100


def contiguity() -> None:
    """Exact contiguous sites on 40 × 25 = 1,000-cell fields, K = 60: lifted cuts (λ = 0 and 5) vs naive flow."""
    print("cells  K  λ  seed  method  status  objective  bound  gap  seconds  peak_MB")
    for seed, peaks in ((0, 0), (1, 0), (2, 4)):
        v = field((40, 25), seed, peaks)
        runs = [("cuts", lam, best_contiguous_site) for lam in (0.0, 5.0)] + [("flow", 0.0, flow_contiguous_site)]
        for method, lam, fn in runs:
            with measure() as m:
                r = fn(v, 60, lam, time_limit_s=60, mip_gap=0.01)
            print(f"{v.size} 60 {lam:g} {seed} {method} {r.status.value} {r.objective:,.1f} {r.bound:,.1f} "
                  f"{r.gap:.2%} {m.seconds:.1f} {m.peak_mb:.0f}", flush=True)


def suitability(n: int = 5000) -> None:
    import rasterio
    from affine import Affine

    with tempfile.TemporaryDirectory() as tmp:
        t = Affine(30.0, 0.0, 0.0, 0.0, -30.0, n * 30.0)
        paths = {}
        for k in range(5):
            paths[f"f{k}"] = Path(tmp) / f"f{k}.tif"
            with rasterio.open(paths[f"f{k}"], "w", driver="GTiff", height=n, width=n, count=1, dtype="float32",
                               transform=t, crs="EPSG:4548", tiled=True, blockxsize=256, blockysize=256) as dst:
                for r0 in range(0, n, 1000):
                    rows = min(1000, n - r0)
                    dst.write(np.random.default_rng(k + r0).uniform(0, 3000, (rows, n)).astype("float32"), 1,
                              window=rasterio.windows.Window(0, r0, n, rows))
        std = {"f0": ClassTable((2, 8, 15), (100, 80, 60, 40)), "f1": Linear(0, 2000, increasing=False),
               "f2": Linear(0, 6000, increasing=False), "f3": Sigmoid(1000, 200), "f4": Linear(0, 1500)}
        w = {k: 0.2 for k in std}
        with measure() as m:
            suitability_raster(paths, std, w, Path(tmp) / "out.tif", block_rows=256)
        print(f"suitability 5 factors {n}x{n}: {m.seconds:.2f} s, peak RSS {m.peak_mb:.0f} MB")


if __name__ == "__main__":
    suitability()
    contiguity()
