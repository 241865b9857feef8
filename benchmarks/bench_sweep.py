"""Uncertainty sweep (``landkit sweep``, Dask): one worker against two, and a sample against one solve.

Runs :func:`landkit.scenario.sweep` on the bundled baseline scenario (its ``sweep:`` distributions) with a
local cluster of each ``--workers`` count, and prints for each: the sweep's wall time (cluster start
included), the samples' median and largest wall time (a worker's first sample also loads the town and
solves the models before the reserve plan), their statuses and largest gap, the speed-up over the first
worker count, the HiGHS threads per sample, and the peak memory of this process (the workers' is not
included). Each worker solves its samples in one :class:`landkit.optimize.SolveSession` (the HiGHS model
kept and changed in place from sample to sample).

The reference "one solve" is the same samples' reserve plans solved one at a time in this process
(:func:`landkit.scenario.sweep.evaluate_sample`, no cluster, HiGHS's default threads, a fresh worker per
solve): issue 22's bar is ≥ 1.8× over one worker with two workers on two cores, and a sample no slower
than one solve.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--samples 8] [--time-limit 5] [--gap 0.02] [--workers 1 2]
        [--threads N | --highs-default-threads]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

from landkit.scenario import bundled_scenarios, draw_samples, load_scenario, sweep


def one_solve_reference(sc_path: Path, n: int, time_limit_s: float, mip_gap: float) -> list[float]:
    """Seconds of each of the first ``n`` samples solved alone in this process (no session, default threads)."""
    module = importlib.import_module("landkit.scenario.sweep")  # the package's `sweep` is the function
    sc = load_scenario(sc_path)
    draws = draw_samples(sc.sweep["distributions"], n, int(sc.sweep.get("seed", 0)))
    original = module._session
    module._session = lambda threads: None  # plan.solve without a session: a fresh worker per solve
    try:
        scd = sc.to_dict()
        module.evaluate_sample(scd, {"sample": 0, **draws.iloc[0].to_dict()}, time_limit_s=time_limit_s,
                               mip_gap=mip_gap)  # loads the town and solves the models before the reserve plan
        return [module.evaluate_sample(scd, {"sample": int(i), **row.to_dict()}, time_limit_s=time_limit_s,
                                       mip_gap=mip_gap)["wall_s"] for i, row in draws.iterrows()]
    finally:
        module._session = original


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--gap", type=float, default=0.02)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--threads", type=int, default=None, help="HiGHS threads per sample (default: cpus // workers)")
    ap.add_argument("--highs-default-threads", action="store_true", help="HiGHS's own default threads per sample")
    ap.add_argument("--no-reference", action="store_true", help="skip the one-solve reference")
    args = ap.parse_args()
    path = next(p for p in bundled_scenarios() if p.stem == "baseline")
    print(f"baseline scenario, {args.samples} samples, {args.time_limit:g} s limit and {args.gap:.0%} gap per sample; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if not args.no_reference:
        ref = one_solve_reference(path, min(args.samples, 4), args.time_limit, args.gap)
        print(f"one solve (alone, default threads, {len(ref)} samples): median {statistics.median(ref):.2f} s, "
              f"max {max(ref):.2f} s; load average {os.getloadavg()[0]:.2f}")
    base = None
    for n in args.workers:
        solver: dict[str, object] = {"time_limit_s": args.time_limit, "mip_gap": args.gap}
        if args.highs_default_threads:
            solver["threads"] = None
        elif args.threads is not None:
            solver["threads"] = args.threads
        threads = solver.get("threads", max(1, (os.cpu_count() or 1) // n))
        with measure() as m:
            r = sweep(load_scenario(path), args.samples, n_workers=n, **solver)  # type: ignore[arg-type]
        s = r.samples
        per = s["wall_s"].astype(float)
        base = base or r.wall_s
        gap = s["gap"].dropna()
        print(f"{n} worker(s), HiGHS threads {threads if threads is not None else 'default'}: wall {r.wall_s:6.1f} s "
              f"(speed-up {base / r.wall_s:.2f}×); per sample median {per.median():.2f} s, max {per.max():.2f} s; "
              f"status {s['status'].value_counts().to_dict()}, max gap {gap.max() if len(gap) else float('nan'):.2%}; "
              f"NPV median {s['npv_wan_yuan'].median():,.0f} 万元; peak {m.peak_mb:.0f} MB (this process); "
              f"load average {os.getloadavg()[0]:.2f}")
        first = s.groupby("pid")["wall_s"].first().astype(float) if "pid" in s else per.iloc[:0]
        print(f"    where the wall goes: samples busy {per.sum():.1f} s over {n} worker(s) "
              f"({per.sum() / (n * r.wall_s):.0%} of worker time), of which each worker's first sample "
              f"{first.sum():.1f} s (loads the town, solves the models before the reserve plan); the rest "
              f"{r.wall_s - per.sum() / n:.1f} s a worker: cluster start, imports, waiting at the end")


if __name__ == "__main__":
    main()
