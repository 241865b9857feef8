"""Interactive speed: seconds for a slider change of the reserve panel to re-solve and redraw.

Moves the funds slider of :class:`landkit.widgets.ReservePanel` through several values on the sample
town and prints, for each change, the re-solve + redraw seconds (the panel's own ``timings_s``), the
peak memory of this process, the solver's status, objective and proven gap, and what the solver did
with the MIP start; then the median and the maximum (issue 10 bar: ≤ 2 s median).

The redraw is measured as a notebook does it: an IPython shell with the inline backend's PNG figure
format (``bbox_inches="tight"``) formats everything the panel displays, so the map is drawn *and*
rendered to PNG inside the timing (``--no-render`` skips the rendering, as a plain script would).
Peak memory is this process's; the solver runs in a worker process whose memory is not included.

Usage::

    .venv/bin/python benchmarks/bench_widgets.py [--values 1500 2500 3000 1000 2000] [--cold] [--no-render]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

import landkit
from landkit.widgets import ReservePanel


def notebook_like_display() -> None:
    """Make ``IPython.display.display`` format objects as a notebook kernel does (PNG figures)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    shell = InteractiveShell.instance()
    select_figure_formats(shell, {"png"}, bbox_inches="tight")


def describe(panel: ReservePanel) -> str:
    """Status, objective and gap of the panel's latest result, and what became of its MIP start."""
    r = panel.result
    if r is None:
        return "infeasible"
    gap = f"{r.gap:.2%}" if r.gap is not None else "-"
    note = next((n for n in r.outcome.notes if "start" in n), "")
    start = ("no start" if not note else "start feasible" if note.startswith("MIP start: feasible")
             else "start infeasible as given: its integers passed" if note.startswith("MIP start violates")
             else note)
    return f"{r.status.value:<8} objective {r.objective:>9,.1f}  gap {gap:>6}  ({start})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--values", type=float, nargs="+", default=[1500.0, 2500.0, 3000.0, 1000.0, 2000.0])
    ap.add_argument("--cold", action="store_true", help="no warm start (every re-solve starts cold)")
    ap.add_argument("--no-render", action="store_true", help="do not render figures to PNG")
    args = ap.parse_args()
    if not args.no_render:
        notebook_like_display()
    quiet = io.StringIO()  # the text the panel's outputs would show in a notebook
    town = landkit.load_sample()
    with contextlib.redirect_stdout(quiet), measure() as first:
        panel = ReservePanel(town, warm_start=not args.cold)
    model = panel.result.outcome.model
    print(f"sample town: {len(panel.result.plan.inputs.parcels)} candidate parcels × "
          f"{len(panel.result.plan.inputs.years)} years; MIP {model.ncons} rows × {model.nvars} columns; "
          f"time limit {panel.time_limit_s:g} s, mip gap {panel.mip_gap:.0%}; "
          f"{'cold' if args.cold else 'warm'} starts, {'no ' if args.no_render else ''}PNG rendering; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"first solve: {panel.timings_s[0]:5.2f} s  peak {first.peak_mb:5.0f} MB  {describe(panel)}")
    peak = first.peak_mb
    for value in args.values:
        with contextlib.redirect_stdout(quiet), measure() as m:
            panel.funds.value = value
        peak = max(peak, m.peak_mb)
        print(f"funds {value:>7,.0f} 万元/年: {panel.timings_s[-1]:5.2f} s  peak {m.peak_mb:5.0f} MB  "
              f"{describe(panel)}")
    changes = panel.timings_s[1:]
    print(f"{len(changes)} slider changes: median {statistics.median(changes):.2f} s, max {max(changes):.2f} s; "
          f"peak memory {peak:.0f} MB; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
