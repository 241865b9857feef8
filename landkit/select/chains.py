r"""Marxan's annealing, compiled, in several chains: the search where the boundary dominates.

Each chain starts from the given feasible selection and flips one random unlocked unit at a time, accepting
a flip by the Metropolis rule on the change of

.. math::

    \sum_i c_i x_i + \sum_{(i,j) \in E} w_{ij} |x_i - x_j|
    + \sum_f \mathrm{SPF} \, \frac{P_f}{t_f} \max\Big(0, \; t_f - \sum_i a_{if} x_i\Big),

where :math:`c_i` is the unit term (cost and BLM times its exposed boundary), :math:`w_{ij}` BLM times a
shared edge's length, :math:`t_f` a target and :math:`P_f` Marxan's feature penalty: the unit terms and
whole boundary of the units a greedy pass (cheapest per amount first) takes to meet the target alone.
The temperature falls geometrically (after every flip) from a quantile of the positive flip changes at
the start to :data:`FINAL_RATIO` of it; then iterative improvement (sweeps in random order taking every
improving flip) ends the chain. A chain's end is repaired to meet every target
(:func:`landkit.select.heuristic.repair`) and improved by single flips that keep them met; the best chain
is kept.

**Determinism.** The number of flips is fixed by the problem's size (:class:`ChainSchedule`: flips per
unlocked unit, chains), and every chain's random numbers come from the caller's seed, so the same input
gives the same answer on every machine. The deadline is only a safety stop, checked between blocks of
:data:`BLOCK` flips; a run it stops says so.

The kernels (:mod:`landkit.select._sa_kernel`) are compiled by numba on first use and cached on disk
(``cache=True``), so only the first call on a machine pays the compilation; numba is imported only when
the chains run, so ``import landkit`` does not pay its ~0.5 s import.
"""

from __future__ import annotations

import importlib
import os
import time
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import scipy.sparse as sp

from landkit.select.anneal import AnnealResult
from landkit.select.heuristic import CoverProblem, adjacency, improve, repair

#: The final temperature is the starting one times this.
FINAL_RATIO = 1e-3
#: Flips per kernel call: the deadline is checked between blocks.
BLOCK = 1 << 18
#: Sweeps of iterative improvement at most, per chain.
DESCENT_SWEEPS = 200


#: The default (measured at BLM 100 on ``benchmarks/bench_select_boundary.py``'s grid, seeds 0–5, best of the
#: chains: 8 × 1,500 flips per unit from q 0.35 gave 29,890–30,038, every seed below the opponent's 30,039.5;
#: 6 × 2,000 gave 29,884–30,234; 4 × 3,000: 29,896–31,287; 4 × 2,000 from q 0.2: 29,760–30,733; 2 × 4,000:
#: 29,884–31,707; 8 × 1,000: 29,935–31,697).
@dataclass(frozen=True)
class ChainSchedule:
    """How the chains are paced.

    Attributes
    ----------
    chains : int
        Independent chains (the best is kept).
    flips_per_unit : int
        Flips per unlocked unit in each chain.
    start_quantile : float
        The starting temperature is this quantile of the positive flip changes at the start.
    spf : float
        Species penalty factor: weight of the shortfall penalty relative to Marxan's feature penalty.
    """

    chains: int = 8
    flips_per_unit: int = 1500
    start_quantile: float = 0.35
    spf: float = 10.0


@dataclass(frozen=True)
class _Arrays:
    """What the kernels read."""

    free: np.ndarray
    w_ptr: np.ndarray
    w_idx: np.ndarray
    w_val: np.ndarray
    unit: np.ndarray
    a_ptr: np.ndarray
    a_idx: np.ndarray
    a_val: np.ndarray
    targets: np.ndarray
    pen: np.ndarray

    def g(self) -> tuple[np.ndarray, ...]:
        """The problem as the kernels read it (see :mod:`landkit.select._sa_kernel`)."""
        return (self.w_ptr, self.w_idx, self.w_val, self.unit, self.a_ptr, self.a_idx, self.a_val, self.targets,
                self.pen)


def kernels() -> ModuleType:
    """The compiled kernels (imports numba on first use)."""
    return importlib.import_module("landkit.select._sa_kernel")


#: Seconds a first compilation of the kernels may take (measured: 3.6 s at load 3); with less time left
#: and no compiled kernels on disk, :mod:`landkit.select.search` uses the numpy annealing instead.
COMPILE_ALLOWANCE_S = 8.0
_warm = False


def compiled() -> bool:
    """True when the kernels are loaded in this process or compiled in numba's on-disk cache."""
    if _warm:
        return True
    k = kernels()
    for name in ("flip_delta", "apply_flip", "anneal_flips", "descend", "all_deltas"):
        index = getattr(getattr(getattr(getattr(k, name), "_cache", None), "_cache_file", None), "_index_path", None)
        if not isinstance(index, str) or not os.path.exists(index):
            return False
    return True


def warm_up() -> float:
    """Compile (or load from the cache) every kernel on a two-unit problem; returns the seconds it took."""
    began = time.perf_counter()
    p = CoverProblem(cost=np.array([1.0, 2.0]), edge_i=np.array([0]), edge_j=np.array([1]), edge_w=np.array([1.0]),
                     amounts=sp.csr_array(np.array([[1.0], [1.0]])), targets=np.array([1.0]),
                     locked_in=np.zeros(2, bool), locked_out=np.zeros(2, bool))
    anneal_chains(p, np.ones(2, bool), adj=adjacency(p), schedule=ChainSchedule(chains=1, flips_per_unit=2))
    global _warm
    _warm = True
    return time.perf_counter() - began


def shortfall_penalties(p: CoverProblem, total: np.ndarray) -> np.ndarray:
    """Marxan's feature penalty :math:`P_f` (see the module notes); ``total``: each unit's shared edge weight."""
    unit = p.cost + total
    a = p.amounts.tocsc()
    out = np.zeros(len(p.targets))
    for f in range(len(p.targets)):
        rows = a.indices[a.indptr[f]:a.indptr[f + 1]]
        vals = a.data[a.indptr[f]:a.indptr[f + 1]]
        keep = vals > 0
        rows, vals = rows[keep], vals[keep]
        order = np.argsort(unit[rows] / vals, kind="stable")
        k = int(np.searchsorted(np.cumsum(vals[order]), p.targets[f] * (1 - 1e-12))) + 1
        out[f] = float(np.maximum(unit[rows[order[:k]]], 0.0).sum())
    return out


def _arrays(p: CoverProblem, adj: sp.csr_array, spf: float) -> _Arrays:
    total = np.asarray(adj.sum(axis=1)).ravel()
    amounts = sp.csr_array(p.amounts)
    targets = np.ascontiguousarray(p.targets, dtype=float)
    pen = spf * shortfall_penalties(p, total) / np.where(targets > 0, targets, 1.0)
    return _Arrays(free=np.flatnonzero(~p.locked_in & ~p.locked_out).astype(np.int64),
                   w_ptr=adj.indptr.astype(np.int64), w_idx=adj.indices.astype(np.int64),
                   w_val=np.ascontiguousarray(adj.data, dtype=float), unit=np.ascontiguousarray(p.cost, dtype=float),
                   a_ptr=amounts.indptr.astype(np.int64), a_idx=amounts.indices.astype(np.int64),
                   a_val=np.ascontiguousarray(amounts.data, dtype=float), targets=targets, pen=pen)


def _chain(k: ModuleType, arr: _Arrays, start: np.ndarray, temps: tuple[float, float, int], seed: int,
           deadline: float) -> tuple[np.ndarray, int, bool]:
    """One chain from ``start``: (its end, flips tried, stopped by the deadline)."""
    x = start.astype(np.uint8)
    held = np.zeros(len(arr.targets))
    rows = np.repeat(np.arange(len(arr.a_ptr) - 1), np.diff(arr.a_ptr))
    np.add.at(held, arr.a_idx, arr.a_val * x[rows])
    temp, cooling, flips = temps
    done, block = 0, 0
    while done < flips:
        if time.perf_counter() >= deadline:
            return x.astype(bool), done, True
        count = min(BLOCK, flips - done)
        k.anneal_flips(arr.free, x, held, arr.g(), np.array([temp, cooling, count], dtype=float),
                       (seed * 7919 + block) % 2**32)
        temp *= cooling ** count
        done += count
        block += 1
    k.descend(arr.free, x, held, arr.g(), (seed * 7919 + block) % 2**32, DESCENT_SWEEPS)
    return x.astype(bool), done, False


def anneal_chains(p: CoverProblem, start: np.ndarray, *, adj: sp.csr_array, schedule: ChainSchedule | None = None,
                  seed: int = 0, deadline: float = np.inf) -> AnnealResult:
    """Anneal ``schedule.chains`` chains from the feasible selection ``start`` (see the module notes).

    Parameters
    ----------
    p : CoverProblem
    start : ndarray of bool
        A selection meeting every target (returned when no chain does better).
    adj : scipy.sparse.csr_array
        The symmetric unit × unit edge weights (:func:`landkit.select.heuristic.adjacency`).
    schedule : ChainSchedule, optional
    seed : int
        Seed of every chain's random numbers.
    deadline : float
        ``time.perf_counter()`` value at which the chains stop (a safety stop; see the module notes).

    Returns
    -------
    AnnealResult
        The best selection meeting every target (``start`` or a chain's repaired and improved end), its
        objective, the flips tried and whether the deadline stopped a chain.
    """
    schedule = schedule or ChainSchedule()
    k = kernels()
    arr = _arrays(p, adj, schedule.spf)
    best_x, best = start.copy(), p.objective(start)
    if not len(arr.free):
        return AnnealResult(best_x, best, 0, False)
    x0 = start.astype(np.uint8)
    held0 = np.asarray(p.amounts.T @ start.astype(float)).ravel()
    first = k.all_deltas(arr.free, x0, held0, arr.g())
    rises = first[first > 0]
    temp = float(np.quantile(rises, schedule.start_quantile)) if len(rises) else 1.0
    flips = schedule.flips_per_unit * len(arr.free)
    cooling = FINAL_RATIO ** (1.0 / max(1, flips))
    tried, stopped = 0, False
    for c in range(schedule.chains):
        end, done, stopped = _chain(k, arr, start, (temp, cooling, flips), seed * 1009 + c, deadline)
        tried += done
        fixed = repair(p, adj, end)
        if fixed is not None:
            fixed = improve(p, adj, fixed, deadline=deadline)
            value = p.objective(fixed)
            if value < best - 1e-9 * max(1.0, abs(best)):
                best, best_x = value, fixed
        if stopped:
            break
    return AnnealResult(best_x, best, tried, stopped)
