r"""Annealing that keeps every target met, many units at a time: the heuristic's search for compact selections.

Marxan anneals one random unit flip at a time with a penalty for missed targets. Done one flip at a time
in Python, that would be a hundred times slower than Marxan's C. Here the flips of one step are taken
together, and the two things that couple flips are handled exactly:

- **Boundary.** The units are coloured so that no two units of a colour share an edge (a greedy
  colouring, deterministic). A step draws its units from one colour class, so the change of each
  flip, :math:`\pm(c_i + \sum_j w_{ij} - 2 \sum_{j \in S} w_{ij})`, does not depend on the other flips of
  the step.
- **Targets.** The selection is feasible throughout: a removal is taken only while the amounts removed
  so far in the step stay within every target's slack (in the step's random order); additions never
  break a target.

Each flip is accepted with the Metropolis rule at temperature :math:`T`, which falls geometrically from
a quantile of the positive changes at the start to a thousandth of it; the :class:`Schedule` (units per
step, that quantile, flips per unit) is chosen by how much of the objective the boundary is. The best selection seen is
kept. Random numbers come from a generator seeded by the caller, so a run is repeatable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from landkit.select.heuristic import CoverProblem, adjacency

#: The final temperature is the starting one times this.
FINAL_RATIO = 1e-3


@dataclass(frozen=True)
class Schedule:
    """How an annealing run is paced.

    Attributes
    ----------
    batch : int
        Units drawn per step (from one colour class).
    start_quantile : float
        The starting temperature is this quantile of the positive flip changes at the start.
    flips_per_unit : int
        Flips tried per unit over the run.
    """

    batch: int
    start_quantile: float
    flips_per_unit: int


#: Where cost weighs more than boundary: small steps, a warmer start (measured in
#: ``benchmarks/bench_select_boundary.py``: BLM 1 reaches 1,402 against 1,539–1,598 with larger steps).
COST_LED = Schedule(batch=50, start_quantile=0.2, flips_per_unit=3600)
#: Where the boundary is most of the objective: large steps, a cold start, many more flips (BLM 10: 4,658
#: against 4,753; BLM 100: 30,365 against 31,148 with the cost-led schedule, in the same 4.2 s).
BOUNDARY_LED = Schedule(batch=400, start_quantile=0.05, flips_per_unit=10_000)


@dataclass(frozen=True)
class AnnealResult:
    """The best selection the annealing saw, its objective and the flips tried."""

    selected: np.ndarray
    objective: float
    flips: int
    stopped_by_time: bool


def colour_classes(p: CoverProblem, adj: sp.csr_array) -> list[np.ndarray]:
    """Unlocked units in classes of which no two share an edge (greedy, largest degree first)."""
    degree = np.diff(adj.indptr)
    colour = np.full(p.n, -1, dtype=np.int64)
    for i in np.argsort(-degree, kind="stable"):
        used = set(colour[adj.indices[adj.indptr[i]:adj.indptr[i + 1]]].tolist())
        c = 0
        while c in used:
            c += 1
        colour[i] = c
    free = ~p.locked_in & ~p.locked_out
    return [c for c in (np.flatnonzero((colour == k) & free) for k in range(int(colour.max(initial=-1)) + 1))
            if len(c)]


#: Dense lookup tables are used up to this many cells (8 bytes each); sparse row slicing above.
DENSE_CELLS = 20_000_000


class _Tables:
    """What a step reads, as dense arrays where they fit: each unit's neighbours (padded with a unit ``n``
    that is never selected) and weights, and the requirement amounts of each unit."""

    def __init__(self, p: CoverProblem, adj: sp.csr_array) -> None:
        n = p.n
        degree = np.diff(adj.indptr)
        width = int(degree.max(initial=0))
        self.total = np.bincount(np.repeat(np.arange(n), degree), weights=adj.data, minlength=n)
        self.cost = p.cost
        self.adj = adj
        self.dense_nb = n * max(width, 1) <= DENSE_CELLS
        if self.dense_nb:
            rows = np.repeat(np.arange(n), degree)
            cols = np.arange(adj.nnz) - np.repeat(adj.indptr[:-1], degree)
            self.nb = np.full((n, max(width, 1)), n, dtype=np.intp)
            self.w = np.zeros((n, max(width, 1)))
            self.nb[rows, cols] = adj.indices
            self.w[rows, cols] = adj.data
        self.amounts = p.amounts
        self.dense_amounts: np.ndarray | None = (
            p.amounts.toarray() if n * max(p.amounts.shape[1], 1) <= DENSE_CELLS else None)

    def changes(self, xp: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Objective change of flipping each of ``units`` alone (``xp``: the selection as 0/1, padded)."""
        if self.dense_nb:
            selected_nb = (self.w[units] * xp[self.nb[units]]).sum(axis=1)
        else:
            selected_nb = np.asarray(self.adj[units] @ xp[:-1])
        add: np.ndarray = self.cost[units] + self.total[units] - 2.0 * np.asarray(selected_nb)
        return np.where(xp[units] > 0, -add, add)

    def rows(self, units: np.ndarray) -> np.ndarray:
        """The requirement amounts of ``units`` (dense, one row each)."""
        if self.dense_amounts is not None:
            return np.asarray(self.dense_amounts[units])
        return np.asarray(self.amounts[units].toarray())


def _within_slack(p: CoverProblem, tables: _Tables, held: np.ndarray, removals: np.ndarray) -> np.ndarray:
    """The removals, in order, that keep every target met when taken together with those before them."""
    if not len(removals) or not p.amounts.shape[1]:
        return removals
    slack = held - p.targets * (1 + 1e-9)
    taken = np.cumsum(tables.rows(removals), axis=0)
    return removals[np.all(taken <= slack[None, :], axis=1)]


def anneal(p: CoverProblem, start: np.ndarray, *, schedule: Schedule = COST_LED, seed: int = 0,
           deadline: float = np.inf, adj: sp.csr_array | None = None) -> AnnealResult:
    """Anneal from the feasible selection ``start`` with ``schedule`` (see the module notes); ``adj``: the
    unit adjacency (:func:`landkit.select.heuristic.adjacency`), built here when not given."""
    rng = np.random.default_rng(seed)
    adj = adjacency(p) if adj is None else adj
    tables = _Tables(p, adj)
    classes = colour_classes(p, adj)
    x = start.copy()
    xp = np.append(x, False).astype(float)
    held = p.held(x)
    value = best = p.objective(x)
    best_x = x.copy()
    if not classes:
        return AnnealResult(best_x, best, 0, False)
    first = tables.changes(xp, np.concatenate(classes))
    rises = first[first > 0]
    temp = float(np.quantile(rises, schedule.start_quantile)) if len(rises) else 1.0
    steps = max(1, schedule.flips_per_unit * p.n // schedule.batch)
    cooling = FINAL_RATIO ** (1.0 / steps)
    tried, stopped = 0, False
    for step in range(steps):
        if step % 64 == 0 and time.perf_counter() >= deadline:
            stopped = True
            break
        cls = classes[step % len(classes)]
        units = cls[rng.permutation(len(cls))[:schedule.batch]]
        change = tables.changes(xp, units)
        take = (change < 0) | (rng.random(len(units)) < np.exp(-np.maximum(change, 0.0) / temp))
        removals = _within_slack(p, tables, held, units[take & x[units]])
        additions = units[take & ~x[units]]
        tried += len(units)
        if len(removals) or len(additions):
            flip = np.concatenate([removals, additions])
            held = held + tables.rows(additions).sum(axis=0) - tables.rows(removals).sum(axis=0)
            value += float(tables.changes(xp, flip).sum())
            x[flip] = ~x[flip]
            xp[flip] = 1.0 - xp[flip]
            if value < best - 1e-9 * max(1.0, abs(best)):
                best, best_x = value, x.copy()
        temp *= cooling
    return AnnealResult(best_x, p.objective(best_x), tried, stopped)
