r"""Annealing that keeps every target met, many units and many chains at a time.

Marxan anneals one random unit flip at a time with a penalty for missed targets, and a user runs it ten
times and keeps the best run. Done one flip at a time in Python, that would be a hundred times slower than
Marxan's C. Here every step works on many flips of many chains at once, and the two things that couple
flips are handled exactly:

- **Boundary.** The units are coloured so that no two units of a colour share an edge (a greedy
  colouring, deterministic). A step proposes units of one colour class only, so the change of each
  flip, :math:`\pm(c_i + \sum_j w_{ij} - 2 s_i)` with :math:`s_i = \sum_{j \in S} w_{ij}` the edge weight
  from unit :math:`i` to the selection, does not depend on the other flips of the step. Each chain keeps
  :math:`s` up to date as units flip, so a proposal costs a few arithmetic operations.
- **Targets.** Every chain stays feasible throughout: a removal is taken only while the amounts removed
  so far in the step (in a random order) stay within every target's slack; additions never break a
  target.

A step proposes each unit of its class with probability ``share`` (the same units in every chain), and
each chain accepts each proposed flip with the Metropolis rule at temperature :math:`T`,
:math:`\min(1, e^{-\Delta/T})`. :math:`T` falls geometrically from a quantile of
the positive changes at the start to a thousandth of it. ``chains`` independent chains run side by side
from the same start (their random numbers differ) and the best selection any of them saw is kept: like
Marxan's repeated runs, and cheaper per flip, since a step's arithmetic is shared. The :class:`Schedule`
is chosen by how much of the objective the boundary is. Random numbers come from a generator seeded by
the caller, so a run is repeatable; a run that its deadline would cut short is instead shortened to fit,
cooling faster (it then depends on the machine's speed, and says so).
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
    share : float
        Chance that a unit of the step's colour class is proposed (0 < share ≤ 1).
    start_quantile : float
        The starting temperature is this quantile of the positive flip changes at the start.
    sweeps : int
        Proposals per unit and chain over the run.
    chains : int
        Chains run side by side; the best selection of any is kept.
    """

    share: float
    start_quantile: float
    sweeps: int
    chains: int = 1


#: Where cost weighs more than boundary: few proposals a step, a warmer start, one chain (measured in
#: ``benchmarks/bench_select_boundary.py``: BLM 1 reaches 1,402 against 1,539–1,598 with larger steps).
COST_LED = Schedule(share=0.07, start_quantile=0.2, sweeps=3600, chains=1)
#: Where the boundary is most of the objective: more proposals a step, a cold start, 4 chains. Measured on
#: ``benchmarks/bench_select_boundary.py``'s case: single chains end anywhere from 29,836 to 31,600 at BLM
#: 100, so several chains pay there, while at BLM 10 long chains do (unshortened, from the cuts' start:
#: 16 × 2,000 sweeps 4,674–4,691, 32 × 1,000 4,761–4,844). About 28 million proposals fit the annealer's
#: time on this machine; there, with a 6 s limit, 4 × 2,500 gave 30,001 at BLM 100 and 4,700–4,784 at
#: BLM 10, against 29,987–29,999 and 4,919 for 8 × 1,250, and 30,662 and 4,825 for 24 × 1,500 (shortened).
BOUNDARY_LED = Schedule(share=0.57, start_quantile=0.05, sweeps=2500, chains=4)


@dataclass(frozen=True)
class AnnealResult:
    """The best selection the annealing saw, its objective, the proposals tried, and whether the deadline
    shortened or stopped the run (its result then depends on the machine's speed)."""

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


#: Steps between looks at the clock; from the pace so far, a run that would overrun its deadline is
#: shortened, cooling faster to the same final temperature (a run cut off while still warm ends poor).
CHECK_EVERY = 64
#: Share of the time left that a shortened run plans to use.
FIT_MARGIN = 0.95

#: Dense lookup tables are used up to this many cells (8 bytes each); sparse rows above.
DENSE_CELLS = 20_000_000


class _Tables:
    """What a step reads, as dense arrays where they fit: each unit's neighbours (padded with a unit ``n``
    that is never selected) and their edge weights, and the requirement amounts of each unit."""

    def __init__(self, p: CoverProblem, adj: sp.csr_array) -> None:
        n = p.n
        degree = np.diff(adj.indptr)
        width = max(int(degree.max(initial=0)), 1)
        self.adj = adj
        self.base = p.cost + np.bincount(np.repeat(np.arange(n), degree), weights=adj.data, minlength=n)
        self.nb: np.ndarray | None = None
        self.w = np.zeros(0)
        if n * width <= DENSE_CELLS:
            rows = np.repeat(np.arange(n), degree)
            cols = np.arange(adj.nnz) - np.repeat(adj.indptr[:-1], degree)
            self.nb = np.full((n, width), n, dtype=np.intp)
            self.w = np.zeros((n, width))
            self.nb[rows, cols] = adj.indices
            self.w[rows, cols] = adj.data
        self.amounts = p.amounts
        self.dense_amounts: np.ndarray | None = (
            p.amounts.toarray() if n * max(p.amounts.shape[1], 1) <= DENSE_CELLS else None)

    def rows(self, units: np.ndarray) -> np.ndarray:
        """The requirement amounts of ``units`` (dense, one row each)."""
        if self.dense_amounts is not None:
            return np.asarray(self.dense_amounts[units])
        return np.asarray(self.amounts[units].toarray())

    def spread(self, s: np.ndarray, chain: np.ndarray, units: np.ndarray, sign: np.ndarray) -> None:
        """Add ``sign`` × each flipped unit's edge weights to its neighbours' entries of ``s`` (chains × units)."""
        if self.nb is not None:
            width = self.nb.shape[1]
            np.add.at(s, (np.repeat(chain, width), self.nb[units].ravel()), (sign[:, None] * self.w[units]).ravel())
            return
        flips = sp.csr_array((sign, (chain, units)), shape=(s.shape[0], self.adj.shape[0]))
        change = (flips @ self.adj).tocoo()
        np.add.at(s, (change.row, change.col), change.data)


class _Chains:
    """The state of every chain: selections (padded with a never-selected unit), edge weight to the
    selection :math:`s`, amounts held, objective, and the best selection each has seen."""

    def __init__(self, p: CoverProblem, tables: _Tables, start: np.ndarray, chains: int) -> None:
        n = p.n
        self.x = np.zeros((chains, n + 1), dtype=bool)
        self.x[:, :n] = start
        self.s = np.zeros((chains, n + 1))
        self.s[:, :n] = tables.adj @ start.astype(float)
        self.held = np.tile(p.held(start), (chains, 1))
        self.floor = p.targets * (1 + 1e-9)
        self.value = np.full(chains, p.objective(start))
        self.best = self.value.copy()
        self.best_x = self.x.copy()

    def changes(self, tables: _Tables, units: np.ndarray) -> np.ndarray:
        """Objective change of flipping each of ``units`` alone, per chain (chains × units)."""
        d: np.ndarray = tables.base[units] - 2.0 * self.s[:, units]
        return np.where(self.x[:, units], -d, d)

    def within_slack(self, chain: np.ndarray, rows: np.ndarray, key: np.ndarray) -> np.ndarray:
        """Which removals to take, of chains ``chain`` with amounts ``rows``: in the order of ``key`` within
        each chain, those that keep every target met together with the removals before them."""
        order = np.lexsort((key, chain))
        chain = chain[order]
        taken = np.cumsum(rows[order], axis=0)
        first = np.searchsorted(chain, chain)
        later = first > 0
        taken[later] -= taken[first[later] - 1]  # each chain's own running total
        ok = np.empty(len(order), dtype=bool)
        ok[order] = np.all(taken <= (self.held - self.floor)[chain], axis=1)
        return ok

    def flip(self, tables: _Tables, chain: np.ndarray, units: np.ndarray, change: np.ndarray,
             rows: np.ndarray) -> None:
        """Flip ``units`` in ``chain`` (one flip per chain and unit), whose objective changes are ``change``
        and amounts ``rows``."""
        sign = np.where(self.x[chain, units], -1.0, 1.0)
        np.add.at(self.held, chain, sign[:, None] * rows)
        self.value += np.bincount(chain, weights=change, minlength=len(self.value))
        self.x[chain, units] = ~self.x[chain, units]
        tables.spread(self.s, chain, units, sign)
        better = self.value < self.best - 1e-9 * np.maximum(1.0, np.abs(self.best))
        if better.any():
            self.best[better] = self.value[better]
            self.best_x[better] = self.x[better]


def _step(state: _Chains, tables: _Tables, units: np.ndarray, *, share: float, temp: float,
          rng: np.random.Generator) -> int:
    """Propose a random ``share`` of ``units`` (one colour class) and accept flips of them in every chain at
    temperature ``temp``; return the number of proposals (chains × units proposed)."""
    proposed = units[rng.random(len(units)) < share]
    change = state.changes(tables, proposed)
    draw = rng.random(change.shape)
    chain, col = np.nonzero(draw < np.exp(-np.maximum(change, 0.0) / temp))
    if len(chain):
        flipped = proposed[col]
        rows = tables.rows(flipped)
        removal = state.x[chain, flipped]
        if removal.any() and rows.shape[1]:
            keep = np.ones(len(chain), dtype=bool)
            keep[removal] = state.within_slack(chain[removal], rows[removal], draw[chain, col][removal])
            chain, col, flipped, rows = chain[keep], col[keep], flipped[keep], rows[keep]
        state.flip(tables, chain, flipped, change[chain, col], rows)
    return change.size


def anneal(p: CoverProblem, start: np.ndarray, *, schedule: Schedule = COST_LED, seed: int = 0,
           deadline: float = np.inf) -> AnnealResult:
    """Anneal from the feasible selection ``start`` with ``schedule`` (see the module notes)."""
    rng = np.random.default_rng(seed)
    adj = adjacency(p)
    tables = _Tables(p, adj)
    classes = colour_classes(p, adj)
    state = _Chains(p, tables, start, schedule.chains)
    if not classes:
        return AnnealResult(start.copy(), p.objective(start), 0, False)
    first = state.changes(tables, np.concatenate(classes))[0]
    rises = first[first > 0]
    initial = float(np.quantile(rises, schedule.start_quantile)) if len(rises) else 1.0
    level = 1.0  # the temperature is the initial one times this
    steps = planned = max(1, round(schedule.sweeps * len(classes) / schedule.share))
    cooling = FINAL_RATIO ** (1.0 / steps)
    began, tried, step, fitted = time.perf_counter(), 0, 0, False
    while step < steps:
        if step % CHECK_EVERY == 0 and step and np.isfinite(deadline):
            now = time.perf_counter()
            if now >= deadline:
                break
            # at the pace so far, the steps that fit (the early, warm steps are the slowest, so a run
            # shortened early may lengthen again, up to its plan); cooling is set to end at the same
            # final temperature
            fit = min(planned, max(step + 1, step + int(FIT_MARGIN * (deadline - now) * step / (now - began))))
            if fit != steps:
                steps, fitted = fit, fitted or fit < planned
                cooling = (FINAL_RATIO / level) ** (1.0 / (steps - step))
        tried += _step(state, tables, classes[step % len(classes)], share=schedule.share, temp=initial * level,
                       rng=rng)
        level *= cooling
        step += 1
    k = int(np.argmin(state.best))
    best = state.best_x[k, :-1].copy()
    return AnnealResult(best, p.objective(best), tried, fitted or step < steps)
