"""How well does ``landkit.optimize.solve`` keep its wall-clock limit, and what does it cost?

Prints, for a grid selection MILP with boundary penalties (parcels × 4-neighbour edges, a budget,
smoothed random suitability): the wall time of HiGHS run in-process with only its own
``time_limit`` (what PuLP/linopy users get), and of ``landkit.optimize.solve`` with the same limit
(HiGHS in a worker process, killed at 103 % of the limit, incumbent kept). Also the fixed cost
of a solve on a tiny LP (mostly the worker process). Run: ``python benchmarks/bench_optimize.py [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import highspy
import linopy
import numpy as np
import pandas as pd
import xarray as xr
from linopy.constants import TERM_DIM
from scipy.ndimage import gaussian_filter

from landkit.optimize import from_linopy, solve


def grid_model(side: int, seed: int = 0) -> linopy.Model:
    """Select parcels of a side × side grid: max suitability − 0.5 × boundary, cost ≤ 20 %."""
    rng = np.random.default_rng(seed)
    n = side * side
    idx = np.arange(n).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    suit = gaussian_filter(rng.random((side, side)), 3).ravel()
    suit = (suit - suit.min()) / (suit.max() - suit.min())
    cost = 1 + rng.random(n)
    parcel, edge = pd.RangeIndex(n, name="parcel"), pd.RangeIndex(len(a), name="edge")
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[parcel], name="x")
    y = m.add_variables(lower=0, coords=[edge], name="boundary")
    # y_e >= |x_a - x_b| as two rows per edge, written as (edge, term) label arrays
    xa, xb = x.labels.values[a], x.labels.values[b]
    ones = np.ones(len(a))
    for sign, name in ((1, "boundary_up"), (-1, "boundary_down")):
        ds = xr.Dataset(
            {
                "coeffs": (("edge", TERM_DIM), np.c_[ones, -sign * ones, sign * ones]),
                "vars": (("edge", TERM_DIM), np.c_[y.labels.values, xa, xb]),
            },
            coords={"edge": edge},
        )
        m.add_constraints(linopy.LinearExpression(ds, m) >= 0, name=name)
    m.add_constraints((xr.DataArray(cost, coords=[parcel]) * x).sum() <= 0.2 * cost.sum(), name="budget")
    m.add_objective((xr.DataArray(-10 * suit, coords=[parcel]) * x).sum() + 0.5 * y.sum())
    return m


def highs_alone(model: linopy.Model, limit_s: float, method: str) -> tuple[float, str]:
    """Wall time and status of in-process HiGHS with only its own time limit."""
    p = from_linopy(model)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = p.n_cols
    cols = np.arange(n, dtype=np.int32)
    h.addVars(n, p.lb, p.ub)
    h.changeColsCost(n, cols, p.c)
    h.changeColsIntegrality(n, cols, p.integrality)
    A = p.A.tocsr()
    h.addRows(p.n_rows, p.row_lower, p.row_upper, A.nnz, A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data)
    h.setOptionValue("time_limit", limit_s)
    h.setOptionValue("threads", 2)
    h.setOptionValue("mip_lp_solver", method)
    start = time.perf_counter()
    h.run()
    return time.perf_counter() - start, h.modelStatusToString(h.getModelStatus())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one small grid only")
    args = parser.parse_args()
    cases = [(100, 2.0)] if args.quick else [(224, 10.0), (316, 5.0)]

    tiny = linopy.Model()
    v = tiny.add_variables(lower=0, upper=1, name="v")
    tiny.add_objective(1 * v)
    solve(tiny)
    back_to_back = [solve(tiny).runtime_s for _ in range(5)]
    spaced = []
    for _ in range(5):
        time.sleep(0.5)  # the next warm worker has finished importing numpy and highspy
        spaced.append(solve(tiny).runtime_s)
    print(
        f"fixed cost of a solve (tiny LP, median of 5): back to back {statistics.median(back_to_back):.3f} s, "
        f"0.5 s apart {statistics.median(spaced):.3f} s"
    )

    print(f"{'parcels':>8} {'limit_s':>7} {'method':>7} {'HiGHS alone_s':>13} {'landkit_s':>9} status")
    for side, limit in cases:
        model = grid_model(side)
        for method in ("simplex", "ipm"):
            alone, _ = highs_alone(model, limit, method)
            start = time.perf_counter()
            result = solve(model, time_limit_s=limit, threads=2, lp_method=method)
            wall = time.perf_counter() - start
            print(f"{side * side:>8} {limit:>7g} {method:>7} {alone:>13.2f} {wall:>9.2f} {result.status.value}")


if __name__ == "__main__":
    main()
