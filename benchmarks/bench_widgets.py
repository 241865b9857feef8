"""Interactive speed: seconds for a slider change of the reserve panel to re-solve and redraw.

Moves the funds slider of :class:`landkit.widgets.ReservePanel` through several values on the sample
town and prints, for each change, the re-solve + redraw seconds (the panel's own ``timings_s``), the
peak memory of this process, the solver's status, objective and proven gap, and what the solver did
with the MIP start; then the median and the maximum (issue 22 bar: ≤ 1 s median and ≤ 2 s worst with one
other job running). Each line also splits the re-solve: building the linopy model, the solve call as a whole
and HiGHS's own run inside it (from the result's log), and how the model reached the panel's kept HiGHS model
(:class:`landkit.optimize.SolveSession`: "update: 3 rows" when only the slider's right-hand sides changed); a
funds or debt-ceiling move builds no linopy model ("no build": the last one is changed in place,
:func:`landkit.reserve.rebuild.update_in_place`).
``--slider`` moves the funds (default), the debt ceiling, the discount rate or the price change.

The redraw is measured as a notebook does it: an IPython shell with the inline backend's PNG figure
format (``bbox_inches="tight"``) formats everything the panel displays, so the map is drawn *and*
rendered to PNG inside the timing (``--no-render`` skips the rendering, as a plain script would).
Peak memory is this process's; the solver runs in a worker process whose memory is not included.

Usage::

    .venv/bin/python benchmarks/bench_widgets.py [--values 1500 2500 3000 1000 2000] [--cold] [--no-render]
        [--slider funds|debt_ceiling|discount|price_change]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

import landkit
from landkit.reserve import ReservePlan
from landkit.widgets import ReservePanel

#: Default slider values (the panel's ranges) per slider.
DEFAULTS = {"funds": [1500.0, 2500.0, 3000.0, 1000.0, 2000.0], "debt_ceiling": [5000.0, 15000.0, 25000.0, 10000.0],
            "discount": [0.03, 0.06, 0.08, 0.04], "price_change": [0.1, -0.1, 0.2, 0.0]}


@contextlib.contextmanager
def build_timer() -> Iterator[list[float]]:
    """Seconds of each :meth:`ReservePlan.build` while inside (the panel's re-solve builds once)."""
    spent: list[float] = []
    original = ReservePlan.build

    def timed(self: ReservePlan) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self)
        finally:
            spent.append(time.perf_counter() - t0)

    ReservePlan.build = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        ReservePlan.build = original  # type: ignore[method-assign]


def highs_seconds(panel: ReservePanel) -> float:
    """HiGHS's own run time of the latest solve, from its log ('Timing  1.23')."""
    r = panel.result
    found = re.findall(r"^\s*Timing\s+([\d.]+)", r.outcome.log_text, flags=re.M) if r is not None else []
    return float(found[-1]) if found else float("nan")


def split(panel: ReservePanel, built: list[float]) -> str:
    """Build, solve call and HiGHS run of the latest re-solve, and how the model reached the kept HiGHS model."""
    r = panel.result
    u = panel.session.last_update
    how = "-" if u is None else ("whole" if u.kind == "full" else
                                 f"update: {u.rows} rows, {u.costs} costs, {u.bounds} bounds, {u.coefficients} coefs")
    solve_s = r.outcome.runtime_s - (built[-1] if built else 0.0) if r is not None else float("nan")
    build = f"build {built[-1]:.2f} s" if built else "no build (model changed in place)"
    return (f"[{build}, solve {solve_s:.2f} s "
            f"(HiGHS {highs_seconds(panel):.2f} s), model {how}]")


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
    ap.add_argument("--slider", choices=list(DEFAULTS), default="funds")
    ap.add_argument("--values", type=float, nargs="+", default=None)
    ap.add_argument("--cold", action="store_true", help="no warm start (every re-solve starts cold)")
    ap.add_argument("--no-render", action="store_true", help="do not render figures to PNG")
    args = ap.parse_args()
    if not args.no_render:
        notebook_like_display()
    quiet = io.StringIO()  # the text the panel's outputs would show in a notebook
    town = landkit.load_sample()
    with contextlib.redirect_stdout(quiet), measure() as first, build_timer() as built:
        panel = ReservePanel(town, warm_start=not args.cold)
    model = panel.result.outcome.model
    print(f"sample town: {len(panel.result.plan.inputs.parcels)} candidate parcels × "
          f"{len(panel.result.plan.inputs.years)} years; MIP {model.ncons} rows × {model.nvars} columns; "
          f"time limit {panel.time_limit_s:g} s, mip gap {panel.mip_gap:.0%}; "
          f"{'cold' if args.cold else 'warm'} starts, {'no ' if args.no_render else ''}PNG rendering; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"first solve: {panel.timings_s[0]:5.2f} s  peak {first.peak_mb:5.0f} MB  {describe(panel)}  "
          f"{split(panel, built)}")
    peak = first.peak_mb
    slider = getattr(panel, args.slider)
    highs = []
    for value in args.values or DEFAULTS[args.slider]:
        with contextlib.redirect_stdout(quiet), measure() as m, build_timer() as built:
            slider.value = value
        peak = max(peak, m.peak_mb)
        highs.append(highs_seconds(panel))
        print(f"{args.slider} {value:>9,.3f}: {panel.timings_s[-1]:5.2f} s  peak {m.peak_mb:5.0f} MB  "
              f"{describe(panel)}  {split(panel, built)}  load {os.getloadavg()[0]:.2f}")
    changes = panel.timings_s[1:]
    print(f"{len(changes)} slider changes: re-solve + redraw median {statistics.median(changes):.2f} s, "
          f"max {max(changes):.2f} s (HiGHS alone median {statistics.median(highs):.2f} s, max {max(highs):.2f} s); "
          f"peak memory {peak:.0f} MB; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
