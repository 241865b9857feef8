"""Reserve plan: the sample town × 3 years, and synthetic counties × 3 and 5 years.

The counties come from :func:`landkit.county.synthetic_county`: one town seat and 城镇开发边界 per
50,000 parcels, 2.8 % of parcels reserve candidates, and demand, funds, quotas, resettlement capacity
and debt ceilings fitted to a witness plan that meets all demand, so the gap is a gap on the NPV and
not on the 1,000 万元/亩 shortfall penalty (the table prints the shortfall; it should be 0).

Printed per case: parcels, candidates, years, generation seconds, build seconds, solve seconds (the
whole ``plan.solve`` call, build included, which the time limit bounds), status, NPV (万元), the
solver's proven bound on it, the gap on the NPV ((bound − NPV) / |NPV|), unmet demand (亩), peak
memory of the whole process tree during the solve (this process and the HiGHS worker; MB),
``check_plan``'s verdict, and the load average before the case. Bars (issue 22): 200k × 5 years ≤ 1 %
in ≤ 120 s; 400k × 5 ≤ 1 % in ≤ 300 s; 750k × 5 ≤ 2 % in ≤ 300 s and ≤ 4 GB.

Usage::

    .venv/bin/python benchmarks/bench_reserve.py [--sizes 50000 200000] [--years 3 5] [--time-limit 300]
        [--gap 0.01] [--no-sample] [--lp-start auto|on|off] [--compactness 10]

``--lp-start`` chooses ``ReservePlan.solve(lp_start=...)``: the LP relaxation, then the MIP over the
parcels it uses, whose plan is the solver's MIP start (:mod:`landkit.reserve.start`); ``auto`` (the
default) is the library's default, on from ``landkit.reserve.model.LP_START_FROM`` candidate-years.
``--compactness W`` adds a second sample row with the compactness term on (W 万元/km of boundary,
``ReservePlan.from_town(compactness_wan_yuan_per_km=W)``; off by default in the parameters), limit 120 s; its
gap is on the objective (NPV − W × boundary km), which the bound bounds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

import landkit
from landkit.county import synthetic_county
from landkit.reserve import ReservePlan, check_plan
from landkit.reserve.model import lp_start_by_size

HEADER = ["case", "parcels", "cands", "years", "gen s", "build s", "solve s", "status", "NPV 万元", "bound 万元",
          "gap (NPV)", "short 亩", "peak MB", "check", "load"]


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def report(name: str, n_parcels: int, plan: ReservePlan, gen_s: float, gap: float, limit: float, *,
           lp_start: bool | None = None) -> None:
    load = _load()
    t0 = time.perf_counter()
    model = plan.build()
    build_s = time.perf_counter() - t0
    del model
    with measure(tree=True) as m:
        result = plan.solve(time_limit_s=limit, mip_gap=gap, lp_start=lp_start)
    k = result.kpis()
    npv = float(k["npv_wan_yuan"])
    bound = result.outcome.best_bound
    # the objective is the NPV less the shortfall penalty; with no shortfall the bound is a bound on the NPV. With
    # the compactness term the objective also loses w × boundary, so the gap is the solver's, on that objective
    target = npv if plan.compactness_wan_yuan_per_km == 0 else result.outcome.objective
    npv_gap = (bound - target) / max(abs(target), 1e-9) if bound is not None and target is not None else None
    row = [name, n_parcels, len(plan.inputs.parcels), len(plan.inputs.years), f"{gen_s:.1f}", f"{build_s:.1f}",
           f"{m.seconds:.1f}", result.status.value, f"{npv:,.1f}", f"{bound:,.1f}" if bound is not None else "-",
           f"{npv_gap:.3%}" if npv_gap is not None else "-", f"{float(k['shortfall_mu']):,.2f}",
           f"{m.peak_mb:,.0f}", "ok" if not check_plan(result) else "VIOLATED", load]
    print(" | ".join(f"{v!s:>10}" for v in row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[50_000, 200_000, 400_000, 750_000])
    ap.add_argument("--years", type=int, nargs="*", default=[3, 5])
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--candidate-share", type=float, default=0.028)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-sample", action="store_true", help="skip the sample town's row")
    ap.add_argument("--compactness", type=float, default=None,
                    help="also solve the sample with the compactness term at this weight (万元/km), 120 s limit")
    ap.add_argument("--lp-start", choices=("auto", "on", "off"), default="auto",
                    help="ReservePlan.solve(lp_start=None|True|False) for the counties (LP-support MIP start)")
    args = ap.parse_args()
    print(" | ".join(f"{h:>10}" for h in HEADER), flush=True)
    if not args.no_sample:
        town = landkit.load_sample()
        report("sample", len(town.parcels), ReservePlan.from_town(town), 0.0, 0.005, 60.0)
        if args.compactness:
            report(f"sample+compact{args.compactness:g}", len(town.parcels),
                   ReservePlan.from_town(town, compactness_wan_yuan_per_km=args.compactness), 0.0, 0.005, 120.0)
    for n in args.sizes:
        for years in args.years:
            t0 = time.perf_counter()
            county = synthetic_county(n, years=years, candidate_share=args.candidate_share, seed=args.seed)
            plan = county.plan()
            gen_s = time.perf_counter() - t0
            lp_start = {"auto": None, "on": True, "off": False}[args.lp_start]
            lp = lp_start if lp_start is not None else lp_start_by_size(plan.inputs)
            report("county+lp" if lp else "county", n, plan, gen_s, args.gap, args.time_limit, lp_start=lp_start)
            del county, plan


if __name__ == "__main__":
    main()
