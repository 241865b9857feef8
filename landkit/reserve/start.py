"""A MIP start for large reserve plans: the best plan among the parcels the LP relaxation uses.

On county-scale plans HiGHS bounds the optimum well from the first LP (since ``supply_after_lag`` is
written on the supply to date, the relaxation is within 0.2–0.4 % of the best plans found), but its own
primal heuristics find poor plans late (the cash chain, the demand windows and the quotas couple every
parcel): a 200,000-parcel county × 5 years still left 7 亩 of demand unmet at 120 s without this start.
This module finds a plan first, on a much smaller MIP, and hands it to the solver of the whole plan as a
MIP start; the solver then proves it (or improves it), and whatever it returns is checked as any other
solution.

Steps, on the model flattened by :func:`landkit.optimize._problem.from_linopy`:

1. Solve the LP relaxation of the whole plan. Its optimum :math:`z_{LP}` is a proven upper bound on
   the plan's objective (a maximisation), reported in the notes.
2. Keep free the parcels the LP uses (any of their ``x``, ``s``, ``market_entry`` > 0) and a pool of
   ``POOL_SHARE`` × as many others, those whose best reduced cost is nearest to entering; fix every
   other parcel's columns to 0 (never acquired, never entered).
3. Solve that restricted MIP (every row of the plan, a fraction of its columns) with HiGHS before the
   deadline given; its best plan is feasible for the whole plan, since it only fixes columns to 0
   within their bounds, and is returned as start values by variable name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import linopy
import numpy as np
import xarray as xr

from landkit.optimize import Status
from landkit.optimize._problem import LinearProblem, from_linopy
from landkit.optimize._runner import Deadlines
from landkit.optimize._solve import resolve_lp_method, run

#: An LP value above this counts as used.
USED_TOL = 1e-6
#: Parcels kept free beside those the LP uses, as a share of their number.
POOL_SHARE = 0.0


@dataclass(frozen=True)
class _Columns:
    """Column of each (parcel, year) of ``x``, ``s`` and, over the 入市 parcels, ``market_entry`` (−1: none)."""

    blocks: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, model: linopy.Model, problem: LinearProblem) -> _Columns:
        col = np.full(problem.n_var_labels, -1, dtype=np.int64)
        col[problem.vlabels] = np.arange(problem.n_cols)
        out = []
        for name in ("x", "s", "market_entry"):
            if name in model.variables:
                lab = np.asarray(model.variables[name].labels.values)
                out.append(np.where(lab >= 0, col[np.maximum(lab, 0)], -1).reshape(lab.shape[0], -1))
        return cls(tuple(out))


def _lp(problem: LinearProblem, until: float, threads: int | None) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The LP relaxation's solution and row duals, solved before ``until`` (perf_counter); None if not solved."""
    left = until - time.perf_counter()
    if left <= 1.0:
        return None
    relaxed = replace(problem, integrality=np.zeros_like(problem.integrality))
    raw = run(relaxed, solver="highs", deadlines=Deadlines(start=time.perf_counter(), limit_s=left), mip_gap=0.0,
              threads=threads, lp_method=resolve_lp_method(relaxed, "auto"))
    if raw.status is not Status.OPTIMAL or raw.x is None:
        return None
    return raw.x, raw.row_dual


def _free_columns(problem: LinearProblem, cols: _Columns, x: np.ndarray, dual: np.ndarray | None
                  ) -> tuple[np.ndarray, int, int]:
    """Mask of the columns left free (step 2), the number of parcels the LP uses and of those kept free."""

    def values(block: np.ndarray) -> np.ndarray:
        return np.where(block >= 0, x[np.maximum(block, 0)], 0.0)

    xb, sb = cols.blocks[0], cols.blocks[1]
    used: np.ndarray = np.asarray((values(xb) > USED_TOL).any(axis=1) | (values(sb) > USED_TOL).any(axis=1))
    keep = used.copy()
    if dual is not None and POOL_SHARE > 0:  # off (0): a pool measured worse; no reduced costs to compute
        rc = problem.c - problem.A.T @ dual
        if problem.sense == "min":
            rc = -rc
        score = np.maximum(np.where(xb >= 0, rc[np.maximum(xb, 0)], -np.inf).max(axis=1),
                           np.where(sb >= 0, rc[np.maximum(sb, 0)], -np.inf).max(axis=1))
        extra = int(np.ceil(POOL_SHARE * used.sum()))
        order = np.argsort(-np.where(used, -np.inf, score), kind="stable")
        keep[order[:extra]] = True
    free = np.ones(problem.n_cols, dtype=bool)
    pairs = [(xb, keep), (sb, keep), *[(b, (values(b) > USED_TOL).any(axis=1)) for b in cols.blocks[2:]]]
    for block, kept in pairs:
        dead = block[~kept].ravel()
        free[dead[dead >= 0]] = False
    return free, int(used.sum()), int(keep.sum())


def support_start(model: linopy.Model, *, until: float, mip_gap: float, threads: int | None = None
                  ) -> tuple[dict[str, xr.DataArray] | None, float | None, list[str]]:
    """A plan for the reserve ``model`` from the MIP over the parcels its LP relaxation uses (module docstring).

    Parameters
    ----------
    model : linopy.Model
        The plan's model (:meth:`landkit.reserve.ReservePlan.build`): variables ``x``, ``s`` and, with 入市,
        ``market_entry`` over (parcel, year).
    until : float
        ``time.perf_counter()`` value by which both solves end.
    mip_gap : float
        Relative gap at which the restricted MIP stops.
    threads : int, optional

    Returns
    -------
    start : dict of str to DataArray, or None
        Values of every variable (a MIP start for :func:`landkit.optimize.solve`), or None when no plan was
        found in time.
    bound : float or None
        The LP relaxation's optimum, a proven bound on the model's objective (None if it was not solved).
    notes : list of str
        What was done: the LP relaxation's objective (a proven bound on the plan's), the parcels kept free, the
        restricted MIP's plan and its own gap.
    """
    began = time.perf_counter()
    problem = from_linopy(model)
    lp = _lp(problem, until, threads)
    if lp is None:
        return None, None, ["LP-support start: the LP relaxation was not solved in the time given; no start"]
    x, dual = lp
    scale = problem.objective_scaling
    bound = problem.objective_value(x) / scale
    free, used, kept = _free_columns(problem, _Columns.of(model, problem), x, dual)
    restricted = replace(problem, ub=np.where(free | (problem.lb > 0), problem.ub, 0.0))
    left = until - time.perf_counter()
    notes = [f"LP relaxation {bound:,.6g} ({'upper' if problem.sense == 'max' else 'lower'} bound on the objective, "
             f"proven by HiGHS); it uses {used} parcels, {kept} kept free for the restricted MIP"]
    if left <= 1.0:
        return None, bound, [*notes, "LP-support start: no time left for the restricted MIP; no start"]
    raw = run(restricted, solver="highs", deadlines=Deadlines(start=time.perf_counter(), limit_s=left),
              mip_gap=mip_gap, threads=threads, lp_method=resolve_lp_method(restricted, "auto"))
    if raw.x is None or raw.objective is None:
        return None, bound, [*notes, f"LP-support start: the restricted MIP found no plan ({raw.status.value}); "
                                     "no start"]
    objective = raw.objective / scale
    notes.append(f"LP-support start: restricted MIP plan {objective:,.6g} ({raw.status.value}, "
                 f"{time.perf_counter() - began:.1f} s with the LP), passed to the solver of the whole plan")
    return _by_name(model, problem, raw.x), bound, notes


def _by_name(model: linopy.Model, problem: LinearProblem, x: np.ndarray) -> dict[str, xr.DataArray]:
    """Column values as a start by variable name, in the model's units."""
    by_label = np.full(problem.n_var_labels, np.nan)
    by_label[problem.vlabels] = x
    out = {}
    for name, var in model.variables.items():
        lab = np.asarray(var.labels.values)
        vals = np.where(lab >= 0, by_label[np.maximum(lab, 0)], np.nan) / np.asarray(var.solver_scaling.values)
        out[str(name)] = xr.DataArray(vals, coords=var.labels.coords, dims=var.labels.dims)
    return out


__all__ = ["support_start"]
