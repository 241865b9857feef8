"""Reserve plan: the sample town × 3 years, and synthetic towns × 3 years.

Prints parcels, candidates, build seconds, solve seconds, status, objective, gap and peak memory
of this process (the solver runs in a worker process; its memory is not included). Bars (issue 4):
sample × 3 years to 0.5 % gap in ≤ 10 s; a synthetic 50k-parcel town × 3 years to 1 % gap in ≤ 120 s.

Synthetic towns have no planning layer: planned uses are assigned by a fixed rule (60 % residential,
30 % industrial, 7 % commercial, 3 % public by parcel id), and demand, funds, quota and
resettlement capacity are scaled to the candidate area so the plan is neither trivial nor empty.

Usage::

    .venv/bin/python benchmarks/bench_reserve.py [--sizes 50000] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

import landkit
from landkit.io import read_layer, read_parcels
from landkit.reserve import ReservePlan, check_plan
from landkit.sample import write_synthetic
from landkit.town import Town

HEADER = ["town", "parcels", "candidates", "build s", "solve s", "status", "objective", "gap", "peak MB", "check"]


def report(name: str, town: Town, plan: ReservePlan, gap: float, limit: float) -> None:
    with measure() as m:
        t0 = time.perf_counter()
        model = plan.build()
        build_s = time.perf_counter() - t0
        del model
        result = plan.solve(time_limit_s=limit, mip_gap=gap)
    row = [name, len(town.parcels), len(plan.inputs.parcels), f"{build_s:.2f}", f"{result.outcome.runtime_s:.1f}",
           result.status.value, f"{result.objective:,.1f}", f"{result.gap:.3%}" if result.gap is not None else "-",
           f"{m.peak_mb:,.0f}", "ok" if not check_plan(result) else "VIOLATED"]
    print(" | ".join(f"{v!s:>12}" for v in row), flush=True)


def synthetic_plan(n: int, folder: Path) -> tuple[Town, ReservePlan]:
    path = write_synthetic(folder, n, seed=7, dem=False)
    parcels = read_parcels(path)
    layers = {k: read_layer(path, k, target_crs=parcels.crs) for k in ("CZKFBJ", "YJJBNTBHTB", "STBHHX", "YYSYDBHQ")}
    town = Town.from_parcels(parcels, layers=layers, validate=False, name=f"synthetic {n}")
    rule = np.array(["residential"] * 60 + ["industrial"] * 30 + ["commercial"] * 7 + ["public"] * 3)
    ids = town.parcels.index
    planned = pd.Series(rule[np.arange(len(ids)) % 100], index=ids)
    plan = ReservePlan.from_town(town, planned_use=planned)
    inp = plan.inputs
    years = list(inp.years)
    area = inp.parcels.groupby("planned_use")["area_mu"].sum()
    demand = pd.DataFrame({y: (area * (0.0 if k == 0 else 0.04)) for k, y in enumerate(years)}).reindex(
        ["industrial", "commercial", "residential", "public"]).fillna(0.0)
    scale = inp.parcels["area_mu"].sum() / 14_000.0  # the sample has ~14,000 亩 of candidates
    plan = plan.with_inputs(
        demand_mu=demand,
        funds_wan_yuan=inp.funds_wan_yuan * scale,
        quota_mu=inp.quota_mu * scale,
        resettlement_households=(inp.resettlement_households * scale).round(),
    )
    return town, plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="*", default=[50_000])
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    print(" | ".join(f"{h:>12}" for h in HEADER))
    town = landkit.load_sample()
    report("sample", town, ReservePlan.from_town(town), 0.005, 60.0)
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            town, plan = synthetic_plan(n, Path(tmp))
            report("synthetic", town, plan, 0.01, args.time_limit)


if __name__ == "__main__":
    main()
