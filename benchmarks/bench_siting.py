"""Siting benchmarks: exact contiguous sites on every field of seeds 0–8, and block-wise suitability.

Run: ``.venv/bin/python benchmarks/bench_siting.py`` (all 18 fields at ≤ 60 s each, up to 18 min, then the λ = 5 and
naive-flow comparisons and the suitability raster). Options: ``--seeds 2 3``, ``--peaks 4``, ``--limit 30``,
``--only fields`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import resource
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


SHAPE = (40, 25)
K = 60


def _peak_mb(m_peak: float) -> float:
    """Peak resident memory of this process or of a finished solver child, whichever is larger, MB."""
    return max(m_peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def fields(seeds: list[int], peaks: list[int], *, limit_s: float) -> None:
    """One site of K = 60 among 1,000 cells (40 × 25), λ = 0, stop at 1 %, on every field ``field(SHAPE, seed, p)``."""
    print(f"cells  K  λ  seed  peaks  status  objective  bound  gap  seconds  peak_MB  (limit {limit_s:g} s)")
    for seed in seeds:
        for p in peaks:
            v = field(SHAPE, seed, p)
            with measure() as m:
                r = best_contiguous_site(v, K, 0.0, time_limit_s=limit_s, mip_gap=0.01)
            print(f"{v.size} {K} 0 {seed} {p} {r.status.value} {r.objective:,.1f} {r.bound:,.1f} "
                  f"{r.gap:.2%} {m.seconds:.1f} {_peak_mb(m.peak_mb):.0f}", flush=True)


def contiguity(limit_s: float = 60.0) -> None:
    """Lifted cuts with a perimeter price (λ = 5) and the naive flow model, on the fields of seeds 0–2."""
    print("cells  K  λ  seed  peaks  method  status  objective  bound  gap  seconds  peak_MB")
    for seed, peaks in ((0, 0), (1, 0), (2, 4)):
        v = field(SHAPE, seed, peaks)
        runs = [("cuts", 5.0, best_contiguous_site), ("flow", 0.0, flow_contiguous_site)]
        for method, lam, fn in runs:
            with measure() as m:
                r = fn(v, K, lam, time_limit_s=limit_s, mip_gap=0.01)
            print(f"{v.size} {K} {lam:g} {seed} {peaks} {method} {r.status.value} {r.objective:,.1f} {r.bound:,.1f} "
                  f"{r.gap:.2%} {m.seconds:.1f} {_peak_mb(m.peak_mb):.0f}", flush=True)


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(9)), help="field seeds (default 0–8)")
    ap.add_argument("--peaks", type=int, nargs="+", default=[0, 4], help="peaks per field (default 0 and 4)")
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per site (default 60)")
    ap.add_argument("--only", choices=("fields", "compare", "suitability"), help="run one part only")
    args = ap.parse_args(argv)
    if args.only in (None, "fields"):
        fields(args.seeds, args.peaks, limit_s=args.limit)
    if args.only in (None, "compare"):
        contiguity(args.limit)
    if args.only in (None, "suitability"):
        suitability()


if __name__ == "__main__":
    main()
