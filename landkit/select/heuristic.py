r"""Lagrangian graph cuts for the minimum-set problem: compact feasible selections for a start.

With the targets moved into the objective by multipliers :math:`\lambda_f \ge 0`, the problem

.. math::

    \min_{x \in \{0,1\}^n} \; \sum_i \Big(c_i + \mathrm{BLM}\, e_i - \sum_f \lambda_f a_{if}\Big) x_i
    + \mathrm{BLM} \sum_{(i,j) \in E} b_{ij} \, |x_i - x_j| \; + \; \sum_f \lambda_f t_f

is a minimum s–t cut (its pairwise terms are submodular for BLM ≥ 0): units on the source side are
selected, a unit with a positive unit term is joined to the sink, one with a negative term to the
source, shared edges both ways with capacity :math:`\mathrm{BLM}\, b_{ij}`, locked units to their side
with a capacity larger than any cut. Each cut is solved exactly (:func:`scipy.sparse.csgraph.maximum_flow`,
on capacities scaled to integers) and is compact by construction. The multipliers follow a subgradient
method with Polyak steps towards the best selection found.

Each cut's selection is **repaired** (the unit with the least objective increase per unit of relative
shortfall it covers is added until every target is met) and **improved** by single flips (add or drop
the unit that lowers the objective most while every target stays met) until no flip helps.

Occurrence targets (at least :math:`n_f` selected units holding feature :math:`f`) are requirements whose
amount is 1 in every unit holding :math:`f`. No random numbers are used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

#: Subgradient iterations (each one cut, one repair and one local search): a fixed number, so the start
#: does not depend on the machine's speed (the time budget only stops a run that would overrun it).
MAX_ITERATIONS = 12
#: Capacities are scaled so that the largest finite one is this integer (maximum_flow takes int32).
CAPACITY_SCALE = 2.0e6
#: A target counts as met when the amount held is within this relative tolerance of it.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class CoverProblem:
    """The minimum-set problem as arrays: what the heuristic reads.

    Attributes
    ----------
    cost : ndarray, shape (n,)
        Unit cost plus BLM times its exposed boundary (the unit term of the objective).
    edge_i, edge_j : ndarray of int
        The shared edges, each pair once.
    edge_w : ndarray
        BLM times the shared length of each edge (≥ 0).
    amounts : scipy.sparse.csr_matrix, shape (n, k)
        Amount of each targeted requirement (feature amounts, and 1 for occurrence targets) in each unit.
    targets : ndarray, shape (k,)
        What the selection must hold of each requirement (> 0).
    locked_in, locked_out : ndarray of bool, shape (n,)
    exposed : ndarray, shape (n,), or None
        The part of ``cost`` that is BLM times the unit's exposed boundary (None: no exposed boundary).
    """

    cost: np.ndarray
    edge_i: np.ndarray
    edge_j: np.ndarray
    edge_w: np.ndarray
    amounts: sp.csr_array
    targets: np.ndarray
    locked_in: np.ndarray
    locked_out: np.ndarray
    exposed: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.cost)

    def objective(self, x: np.ndarray) -> float:
        """Unit terms of the selected units plus the weight of every edge with exactly one side selected."""
        cut = x[self.edge_i] != x[self.edge_j]
        return float(self.cost[x].sum() + self.edge_w[cut].sum())

    def boundary(self, x: np.ndarray) -> float:
        """The boundary term of the selection: shared edges with one side selected and exposed edges."""
        shared = float(self.edge_w[x[self.edge_i] != x[self.edge_j]].sum())
        return shared + (0.0 if self.exposed is None else float(self.exposed[x].sum()))

    def held(self, x: np.ndarray) -> np.ndarray:
        """Amount of each requirement the selection holds."""
        return np.asarray(self.amounts.T @ x.astype(float)).ravel()

    def feasible(self, x: np.ndarray) -> bool:
        """Every target met (within :data:`TOLERANCE`), no lock broken."""
        met = bool(np.all(self.held(x) >= self.targets * (1 - TOLERANCE)))
        return met and not (x & self.locked_out).any() and bool(x[self.locked_in].all())


@dataclass
class CutResult:
    """The best selection the cuts found.

    Attributes
    ----------
    selected : ndarray of bool or None
        The selection (None when no cut could be repaired into a feasible one).
    objective : float
        Its objective (inf without a selection).
    lower_bound : float
        The best Lagrangian bound on the problem's optimum: proven (the rounding of the integer
        capacities is subtracted, see :func:`min_cut`).
    iterations : int
        Subgradient iterations run.
    seconds : float
        Wall-clock time spent.
    stopped_by_time : bool
        True when the time budget ended the iterations.
    """

    selected: np.ndarray | None
    objective: float
    lower_bound: float
    iterations: int
    seconds: float
    stopped_by_time: bool


# --------------------------------------------------------------------------- the cut
def adjacency(p: CoverProblem) -> sp.csr_array:
    """Symmetric unit × unit matrix of edge weights."""
    w = np.concatenate([p.edge_w, p.edge_w])
    rows = np.concatenate([p.edge_i, p.edge_j])
    cols = np.concatenate([p.edge_j, p.edge_i])
    return sp.csr_array((w, (rows, cols)), shape=(p.n, p.n))


def min_cut(p: CoverProblem, unary: np.ndarray) -> tuple[np.ndarray, float]:
    r"""The selection minimising ``f(x) = unary · x + Σ w_ij |x_i − x_j|`` under the locks (an exact s–t
    cut on capacities scaled to integers), and a proven lower bound on that minimum.

    The capacities are scaled so that all finite ones add up to less than 2³⁰ (maximum_flow's integers
    do not overflow, and an arc of a locked unit, at 2³⁰, is never cut). Rounding moves a cut's value by
    at most half a unit per arc, so the minimum of :math:`f` is at least the maximum flow over the scale,
    minus that rounding, minus the constant :math:`\sum_{u_i < 0} |u_i|` the cut leaves out.
    """
    n = p.n
    source, sink = n, n + 1
    finite = float(np.abs(unary).sum() + 2.0 * p.edge_w.sum())
    scale = min(CAPACITY_SCALE / max(float(np.abs(unary).max(initial=0.0)), float(p.edge_w.max(initial=0.0)),
                                     1e-12), (2**30 - 1) / max(finite, 1e-12))
    big = 2**30 / scale  # more than every finite arc together
    pos = (unary > 0) | p.locked_out
    neg = (unary < 0) | p.locked_in
    to_sink = np.where(p.locked_out, big, np.maximum(unary, 0.0))
    from_source = np.where(p.locked_in, big, np.maximum(-unary, 0.0))
    units = np.arange(n)
    rows = np.concatenate([units[pos], np.full(int(neg.sum()), source), p.edge_i, p.edge_j])
    cols = np.concatenate([np.full(int(pos.sum()), sink), units[neg], p.edge_j, p.edge_i])
    cap = np.concatenate([to_sink[pos], from_source[neg], p.edge_w, p.edge_w])
    cap_int = np.minimum(np.round(cap * scale), 2**30).astype(np.int32)
    graph = sp.csr_array((cap_int, (rows, cols)), shape=(n + 2, n + 2))
    graph.sum_duplicates()
    result = maximum_flow(graph, source, sink)
    flow = result.flow
    bound = float(result.flow_value) / scale - 0.5 * len(cap) / scale - float(np.maximum(-unary, 0.0).sum())
    residual = sp.csr_array(graph - flow)
    residual.data = np.maximum(residual.data, 0)
    residual.eliminate_zeros()
    reached = breadth_first_order(residual, source, directed=True, return_predecessors=False)
    x = np.zeros(n + 2, dtype=bool)
    x[reached] = True
    return x[:n], bound


# --------------------------------------------------------------------------- repair and local search
def _flip_deltas(p: CoverProblem, adj: sp.csr_array, total: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Objective change of flipping each unit (``total``: each unit's summed edge weights)."""
    selected_nb = np.asarray(adj @ x.astype(float))
    add: np.ndarray = p.cost + total - 2.0 * selected_nb
    return np.where(x, -add, add)


def _droppable(p: CoverProblem, x: np.ndarray) -> np.ndarray:
    """Selected, unlocked units whose removal keeps every target met."""
    slack = p.held(x) - p.targets * (1 - TOLERANCE)
    a = p.amounts
    blocked = np.bincount(_rows(a), weights=a.data > slack[a.indices], minlength=p.n)
    return np.asarray(x & ~p.locked_in & (blocked == 0))


def _rows(a: sp.csr_array) -> np.ndarray:
    """The row of each stored value of a CSR matrix."""
    return np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))


def repair(p: CoverProblem, adj: sp.csr_array, x: np.ndarray) -> np.ndarray | None:
    """Add units until every target is met: each time the one with the least objective increase per unit
    of relative shortfall covered. None when even every allowed unit cannot meet the targets."""
    x = x & ~p.locked_out | p.locked_in
    free = ~p.locked_out
    total = np.asarray(adj.sum(axis=1)).ravel()
    while True:
        short = np.maximum(p.targets - p.held(x), 0.0)
        if not (short > p.targets * TOLERANCE).any():
            return x
        gain = np.where(free & ~x, _covered(p, short), 0.0)
        if gain.max(initial=0.0) <= 0:
            return None
        delta = _flip_deltas(p, adj, total, x)
        ratio = np.where(gain > 0, np.maximum(delta, 0.0) / np.where(gain > 0, gain, 1.0), np.inf)
        x = x.copy()
        x[int(np.argmin(ratio))] = True


def _covered(p: CoverProblem, short: np.ndarray) -> np.ndarray:
    """Relative shortfall each unit would cover: Σ_f min(a_if, short_f) / t_f."""
    a = p.amounts
    part = np.minimum(a.data, short[a.indices]) / p.targets[a.indices]
    return np.bincount(_rows(a), weights=part, minlength=p.n)


def improve(p: CoverProblem, adj: sp.csr_array, x: np.ndarray, *, deadline: float) -> np.ndarray:
    """Single flips that lower the objective and keep every target met, best first, until none helps."""
    x = x.copy()
    total = np.asarray(adj.sum(axis=1)).ravel()
    while time.perf_counter() < deadline:
        delta = _flip_deltas(p, adj, total, x)
        allowed = np.where(x, _droppable(p, x), ~x & ~p.locked_out)
        delta = np.where(allowed, delta, np.inf)
        best = int(np.argmin(delta))
        if not delta[best] < -1e-12 * max(1.0, abs(float(p.cost.sum()))):
            break
        x[best] = ~x[best]
    return x


# --------------------------------------------------------------------------- the subgradient loop
def _initial_multipliers(p: CoverProblem) -> np.ndarray:
    """λ_f: the average unit term per unit of requirement, a scale at which the cut selects something."""
    amount_total = np.asarray(p.amounts.sum(axis=0)).ravel()
    per_unit = float(np.maximum(p.cost, 0.0).sum()) / max(1.0, float((np.diff(p.amounts.indptr) > 0).sum()))
    k = max(1, len(p.targets))
    return np.where(amount_total > 0, per_unit / np.maximum(amount_total / p.n, 1e-300) / k, 0.0)


def lagrangian_cuts(p: CoverProblem, *, time_budget_s: float, max_iterations: int | None = None,
                    adj: sp.csr_array | None = None) -> CutResult:
    """Subgradient iterations of cut, repair and improvement for at most ``time_budget_s`` seconds (``adj``:
    the unit adjacency, :func:`adjacency`, built here when not given)."""
    began = time.perf_counter()
    deadline = began + max(0.0, time_budget_s)
    adj = adjacency(p) if adj is None else adj
    lam = _initial_multipliers(p)
    best_x: np.ndarray | None = None
    best = np.inf
    lower = peak = -np.inf
    mu = 2.0
    stalled = 0
    iterations = 0
    stopped_by_time = False
    for _ in range(MAX_ITERATIONS if max_iterations is None else max_iterations):
        if time.perf_counter() >= deadline:
            stopped_by_time = True
            break
        iterations += 1
        unary = p.cost - np.asarray(p.amounts @ lam).ravel()
        x, cut_bound = min_cut(p, unary)
        value = float(unary[x].sum() + p.edge_w[x[p.edge_i] != x[p.edge_j]].sum() + lam @ p.targets)
        if not np.isfinite(peak) or value > peak + 1e-9 * max(1.0, abs(peak)):
            peak, stalled = value, 0
        else:
            stalled += 1
            if stalled >= 4:
                mu, stalled = mu / 2, 0
        lower = max(lower, cut_bound + float(lam @ p.targets))  # a Lagrangian bound, proven (see min_cut)
        fixed = repair(p, adj, x)
        if fixed is not None and p.objective(fixed) < best:
            best, best_x = p.objective(fixed), fixed
        g = p.targets - p.held(x)  # the subgradient: what the cut leaves short (negative: over)
        norm = float(g @ g)
        if norm <= 0 or not np.isfinite(best) or mu < 1e-4:
            break
        lam = np.maximum(0.0, lam + mu * max(best - value, 1e-9 * abs(best)) / norm * g)
    if best_x is not None:  # the best repaired cut, improved by single flips
        best_x = improve(p, adj, best_x, deadline=deadline)
        best = p.objective(best_x)
    return CutResult(best_x, float(best), float(lower), iterations, time.perf_counter() - began,
                           stopped_by_time)
