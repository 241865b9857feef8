"""Interactive speed: seconds for a slider change of the reserve panel to re-solve and redraw.

Moves the funds slider of :class:`landkit.widgets.ReservePanel` through several values on the sample
town and prints each re-solve + redraw time and the median (issue 10 bar: ≤ 2 s median). Outside a
notebook the redraw still renders the map and table (into widget outputs), so the figure includes it.

Usage::

    .venv/bin/python benchmarks/bench_widgets.py [--values 1500 2500 3000 1000 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics

import landkit
from landkit.widgets import ReservePanel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--values", type=float, nargs="+", default=[1500.0, 2500.0, 3000.0, 1000.0, 2000.0])
    args = ap.parse_args()
    quiet = io.StringIO()  # outside a notebook the panel's outputs would print here
    with contextlib.redirect_stdout(quiet):
        panel = ReservePanel(landkit.load_sample())
    print(f"first solve: {panel.timings_s[0]:.2f} s ({panel.result.status.value})")
    for value in args.values:
        with contextlib.redirect_stdout(quiet):
            panel.funds.value = value
        r = panel.result
        status = r.status.value if r is not None else "infeasible"
        gap = f"{r.gap:.2%}" if r is not None and r.gap is not None else "-"
        print(f"funds {value:>7,.0f} 万元/年: {panel.timings_s[-1]:6.2f} s  status {status:<10} gap {gap}")
    print(f"median of {len(args.values)} slider changes: {statistics.median(panel.timings_s[1:]):.2f} s")


if __name__ == "__main__":
    main()
