"""The selection engine's own search for minimum-set problems with a boundary term: cuts, annealing, flips.

:func:`search` gives :meth:`SelectionProblem.solve` a good feasible selection to hand HiGHS as a MIP
start, where the boundary term makes the MILP's bound weak and its own search slow:

1. Lagrangian graph cuts (:mod:`landkit.select.heuristic`) for a compact feasible start, within
   :data:`CUT_SHARE` of the budget;
2. where the boundary (shared and exposed edges) is at least :data:`ANNEAL_FROM` of the objective,
   annealing that keeps every target met (:mod:`landkit.select.anneal`), paced by how much of the
   objective the boundary is; from :data:`CHAINS_FROM` on, Marxan's annealing compiled with numba
   (:mod:`landkit.select.chains`: a fixed number of flips in eight chains from every allowed unit selected,
   the best repaired end kept, or the cuts' selection where it is better). The first call on a machine
   compiles the kernels (2–4 s, measured; cached on disk after); with less than
   :data:`landkit.select.chains.COMPILE_ALLOWANCE_S` left and nothing compiled, the numpy annealing runs;
3. single improving flips until none helps.

With the same input and enough time the result is the same on every machine and load (a fixed seed, a
fixed number of flips); a budget too short for the flips stops the annealing early and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from landkit.select import chains
from landkit.select.anneal import BOUNDARY_LED, COST_LED, AnnealResult, anneal
from landkit.select.heuristic import CoverProblem, adjacency, improve, lagrangian_cuts

#: Share of the budget the cuts may use (0.4 before the compiled chains; measured 2026-12-08 on
#: ``benchmarks/bench_select_boundary.py``: with 0.25 the chains' 33.6 million flips fit a 5.2 s limit at BLM
#: 100, where 0.4 left 18.4 million; BLM 0.1–10 gave the same scores).
CUT_SHARE = 0.25
#: The annealing runs when the boundary (shared and exposed edges) is at least this share of the cuts'
#: selection's objective; below it the MILP is strong and the cuts' selection is the start.
ANNEAL_FROM = 0.2
#: From this share on the annealing uses :data:`landkit.select.anneal.BOUNDARY_LED`, below it ``COST_LED``.
BOUNDARY_LED_FROM = 0.5
#: From this share on the search runs Marxan's annealing, compiled (:mod:`landkit.select.chains`), from every
#: allowed unit selected (measured in ``benchmarks/bench_select_boundary.py``: at BLM 100, 94 % boundary, the
#: chains reach 29,890 where the numpy annealing reached 30,365; at BLM 10 and 1, two chains of 4,000 flips per
#: unit did worse, 4,758 and 1,408 against 4,658 and 1,402).
CHAINS_FROM = 0.8


@dataclass(frozen=True)
class SearchResult:
    """The best selection the search found.

    Attributes
    ----------
    selected : ndarray of bool or None
        The selection (None when the cuts found no feasible one).
    objective : float
        Its objective (cost + BLM × boundary; inf without a selection).
    start_objective : float
        The objective of the cuts' selection, before annealing.
    lower_bound : float
        A proven lower bound on the optimum from the cuts (:func:`landkit.select.heuristic.lagrangian_cuts`).
    flips : int
        Flips the annealing tried.
    seconds : float
        Wall-clock time spent.
    stopped_by_time : bool
        True when the budget cut a step short (the result then depends on the machine's speed).
    chains : int
        Chains of the compiled annealing that ran (:mod:`landkit.select.chains`; 0: the numpy annealing or none).
    uncompiled : bool
        True when the boundary called for the compiled chains but their kernels were not compiled on this machine
        and too little time was left to compile them, so the numpy annealing ran instead.
    """

    selected: np.ndarray | None
    objective: float
    start_objective: float
    lower_bound: float
    flips: int
    seconds: float
    stopped_by_time: bool
    chains: int = 0
    uncompiled: bool = False

    def note(self) -> str:
        """One line for the result's notes."""
        if self.selected is None:
            return f"heuristic: no feasible selection found in {self.seconds:.1f} s"
        cut = "" if not self.stopped_by_time else "; stopped by the time budget, so it may vary with the machine"
        kind = f"compiled annealing, best of {self.chains} chains" if self.chains else "annealing"
        steps = (f"{kind} ({self.flips:,} flips) and single flips {self.objective:,.6g}" if self.flips
                 else "no annealing (the boundary is a small part of the objective)")
        skipped = ("; the compiled annealing was skipped: its kernels are not compiled on this machine yet and "
                   f"compiling them takes up to {chains.COMPILE_ALLOWANCE_S:g} s (`make setup` compiles them, or "
                   "landkit.select.chains.warm_up())") if self.uncompiled else ""
        return (f"heuristic: graph cuts {self.start_objective:,.6g}, {steps} in {self.seconds:.1f} s; "
                f"Lagrangian bound {self.lower_bound:,.6g}{cut}{skipped}")


def search(p: CoverProblem, *, time_budget_s: float, seed: int = 0) -> SearchResult:
    """Cuts, annealing and improving flips within ``time_budget_s`` seconds (see the module notes)."""
    began = time.perf_counter()
    deadline = began + max(0.0, time_budget_s)
    adj = adjacency(p)  # built once for the cuts, the annealing and the flips
    cuts = lagrangian_cuts(p, time_budget_s=CUT_SHARE * time_budget_s, adj=adj)
    if cuts.selected is None:
        return SearchResult(None, np.inf, np.inf, cuts.lower_bound, 0, time.perf_counter() - began,
                            cuts.stopped_by_time)
    x = cuts.selected
    boundary = p.boundary(x)
    if boundary < ANNEAL_FROM * cuts.objective:
        return SearchResult(x, cuts.objective, cuts.objective, cuts.lower_bound, 0, time.perf_counter() - began,
                            cuts.stopped_by_time)
    annealed, ran = _anneal(p, x, boundary / cuts.objective if cuts.objective > 0 else 1.0, adj=adj, seed=seed,
                            deadline=deadline)
    best = improve(p, adj, annealed.selected, deadline=deadline)
    return SearchResult(best, p.objective(best), cuts.objective, cuts.lower_bound, annealed.flips,
                        time.perf_counter() - began, cuts.stopped_by_time or annealed.stopped_by_time, max(ran, 0),
                        uncompiled=ran < 0)


def _anneal(p: CoverProblem, x: np.ndarray, share: float, *, adj: sp.csr_array, seed: int,
            deadline: float) -> tuple[AnnealResult, int]:
    """The annealing for a boundary share, and the compiled chains run: compiled chains from every allowed
    unit where the boundary dominates (when their kernels are compiled, or there is time to compile them),
    numpy otherwise; the count is −1 when the chains were due but skipped for want of compiled kernels."""
    if share >= CHAINS_FROM and (chains.compiled() or deadline - time.perf_counter() >= chains.COMPILE_ALLOWANCE_S):
        chains.warm_up()
        schedule = chains.ChainSchedule()
        found = chains.anneal_chains(p, ~p.locked_out | p.locked_in, adj=adj, schedule=schedule, seed=seed,
                                     deadline=deadline)
        if found.objective >= p.objective(x):  # the cuts' selection is better
            found = AnnealResult(x, p.objective(x), found.flips, found.stopped_by_time)
        return found, schedule.chains
    paced = BOUNDARY_LED if share >= BOUNDARY_LED_FROM else COST_LED
    return anneal(p, x, schedule=paced, seed=seed, deadline=deadline, adj=adj), -1 if share >= CHAINS_FROM else 0
