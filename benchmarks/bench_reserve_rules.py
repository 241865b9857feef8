"""The sample's reserve plan under the money rules of issue 18, switched on one at a time.

Starts from the earlier rules, emulated with the current code, and adds each rule in turn:

0. earlier rules: 计提 parcel by parcel (each parcel's 出让收益 clipped at 0), no 有偿使用费, bonds
   repaid early at will and debt allowed to remain at the end, whole parcels even where they lie
   partly outside the 城镇开发边界;
1. 计提 on each year's totals (a loss on one parcel offsets a gain on another);
2. + 新增建设用地土地有偿使用费 on every 亩 of 农用地转用;
3. + bonds repaid exactly at term and all debt repaid by the end of the plan;
4. + only the part of a candidate inside the 城镇开发边界 (= the current rules).

Each row is one solve (time limit and gap below) with its status, objective, gap, NPV, debt left at the
end and the independent checker's verdict; the differences between rows explain the change of the NPV
line by line (within the solves' gaps).

Usage::

    .venv/bin/python benchmarks/bench_reserve_rules.py [--gap 0.001] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import linopy
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

import landkit
from landkit.reserve import ReservePlan, check_plan
from landkit.reserve.inputs import ReserveInputs

HEADER = ["step", "candidates", "seconds", "status", "objective", "gap", "NPV 万元", "debt at end", "peak MB",
          "check"]


class _OpenEnd(ReservePlan):
    """The earlier rule: debt may remain at the end of the plan, unaccounted for."""

    def build(self) -> linopy.Model:
        m = super().build()
        m.remove_constraints("debt_repaid_by_end")
        return m


def _per_parcel(inp: ReserveInputs) -> ReserveInputs:
    """计提 parcel by parcel, as before: revenue less the shares of each parcel's own positive 出让收益."""
    share = sum(d.share for d in inp.deductions if d.base == "proceeds")
    proceeds = inp.revenue_gross.sub(inp.cost_wan_yuan, axis=0).clip(lower=0.0)
    return inp.with_changes(revenue_gross=inp.revenue_gross - share * proceeds, deductions=())


def _early_bonds(inp: ReserveInputs) -> ReserveInputs:
    return inp.with_changes(finance=tuple(replace(f, early_repayment=True) for f in inp.finance))


def _whole_parcels(town: landkit.Town) -> landkit.Town:
    """The town with every candidate counted whole (its share inside the boundary set to 1)."""
    inside = town.parcels["frac_CZKFBJ"]
    ok = inside >= float(town.params["reserve.min_inside_boundary"])
    return replace(town, parcels=town.parcels.assign(frac_CZKFBJ=inside.where(~ok, 1.0)))


def _no_fee(town: landkit.Town) -> landkit.Town:
    zero = [0.0] * len(town.params["revenue.new_construction_land_fee"])
    return town.with_params(town.params.with_overrides({"revenue.new_construction_land_fee": zero}))


def steps(town: landkit.Town) -> list[tuple[str, ReservePlan]]:
    """The five plans, from the earlier rules to the current ones."""
    old_town = _no_fee(_whole_parcels(town))
    old = ReservePlan.from_town(old_town)
    fee = ReservePlan.from_town(_whole_parcels(town))
    return [
        ("0 earlier rules", _OpenEnd(_early_bonds(_per_parcel(old.inputs)))),
        ("1 计提 on year totals", _OpenEnd(_early_bonds(old.inputs))),
        ("2 + 有偿使用费", _OpenEnd(_early_bonds(fee.inputs))),
        ("3 + debt repaid", ReservePlan(fee.inputs)),
        ("4 + inside boundary", ReservePlan.from_town(town)),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gap", type=float, default=0.001)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    town = landkit.load_sample()
    print(" | ".join(f"{h:>14}" for h in HEADER))
    rows = []
    for name, plan in steps(town):
        with measure() as m:
            t0 = time.perf_counter()
            result = plan.solve(time_limit_s=args.time_limit, mip_gap=args.gap)
            seconds = time.perf_counter() - t0
        k = result.kpis()
        problems = check_plan(result)
        # the earlier rules leave debt at the end by design: that is the one invariant they break
        verdict = "ok" if not problems else ("debt left" if all("debt" in p for p in problems) else "VIOLATED")
        row = [name, len(plan.inputs.parcels), f"{seconds:.1f}", result.status.value, f"{result.objective:,.1f}",
               f"{result.gap:.3%}" if result.gap is not None else "-", f"{k['npv_wan_yuan']:,.1f}",
               f"{k['debt_at_horizon_end_wan_yuan']:,.1f}", f"{m.peak_mb:,.0f}", verdict]
        rows.append(k["npv_wan_yuan"])
        print(" | ".join(f"{v!s:>14}" for v in row), flush=True)
    print("NPV change by step (万元):", pd.Series(rows).diff().round(1).tolist()[1:])


if __name__ == "__main__":
    main()
