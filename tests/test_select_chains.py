"""Marxan's annealing, compiled (issue 24): the kernel's flip changes, targets, repeatability, brute force.

The kernel's change of one flip must equal the change of the objective (cost + boundary + shortfall
penalty) recomputed from scratch; the chains must return a selection meeting every target and keeping
every lock, the same one for the same seed, and the optimum that brute force finds on tiny grids.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_select_search import brute_force, grid_problem

from landkit.select import chains
from landkit.select.heuristic import CoverProblem, adjacency
from landkit.select.search import CHAINS_FROM, search


def penalised(p: CoverProblem, arr: chains._Arrays, x: np.ndarray) -> float:
    """Cost + boundary + Σ_f pen_f · max(0, t_f − held_f), from scratch."""
    return p.objective(x) + float((arr.pen * np.maximum(arr.targets - p.held(x), 0.0)).sum())


@pytest.mark.parametrize("seed", range(3))
def test_the_kernel_flip_change_is_the_recomputed_change(seed) -> None:
    p = grid_problem(4, 5, 3, blm=float(seed + 1), seed=seed).cover_problem()
    arr = chains._arrays(p, adjacency(p), spf=10.0)
    k = chains.kernels()
    rng = np.random.default_rng(seed)
    x = rng.random(p.n) < 0.5
    for i in rng.permutation(p.n):
        held = p.held(x)
        delta = k.flip_delta(int(i), x.astype(np.uint8), held, arr.g())
        y = x.copy()
        y[i] = ~y[i]
        assert delta == pytest.approx(penalised(p, arr, y) - penalised(p, arr, x), abs=1e-9)
        x = y
    # and a whole annealing run's summed change is the change of the recomputed objective
    x8, held = x.astype(np.uint8), p.held(x)
    before = penalised(p, arr, x)
    total = k.anneal_flips(arr.free, x8, held, arr.g(), np.array([5.0, 0.999, 3000.0]), seed)
    assert before + total == pytest.approx(penalised(p, arr, x8.astype(bool)), abs=1e-6)
    assert held == pytest.approx(p.held(x8.astype(bool)))


@pytest.mark.parametrize("seed", range(3))
def test_the_chains_meet_every_target_keep_the_locks_and_repeat(seed) -> None:
    p = grid_problem(6, 6, 4, blm=5.0, seed=seed).cover_problem()
    locked_in, locked_out = np.zeros(p.n, bool), np.zeros(p.n, bool)
    locked_in[3], locked_out[[0, 20]] = True, True
    p = CoverProblem(p.cost, p.edge_i, p.edge_j, p.edge_w, p.amounts, p.targets, locked_in, locked_out, p.exposed)
    start = ~locked_out
    schedule = chains.ChainSchedule(chains=2, flips_per_unit=200)
    one = chains.anneal_chains(p, start, adj=adjacency(p), schedule=schedule, seed=seed)
    two = chains.anneal_chains(p, start, adj=adjacency(p), schedule=schedule, seed=seed)
    assert p.feasible(one.selected)
    assert one.objective == pytest.approx(p.objective(one.selected))
    assert one.objective <= p.objective(start)
    assert np.array_equal(one.selected, two.selected)
    assert one.flips == 2 * 200 * (p.n - 3)


@pytest.mark.parametrize(("seed", "blm"), [(0, 2.0), (1, 5.0), (2, 20.0)])
def test_the_chains_find_the_brute_force_optimum_on_tiny_grids(seed, blm) -> None:
    p = grid_problem(3, 4, 3, blm=blm, seed=seed).cover_problem()
    best, _ = brute_force(p)
    found = chains.anneal_chains(p, np.ones(p.n, bool), adj=adjacency(p),
                                 schedule=chains.ChainSchedule(chains=4, flips_per_unit=500), seed=seed)
    assert p.feasible(found.selected)
    assert found.objective == pytest.approx(best, rel=1e-9)


def test_the_search_runs_the_chains_where_the_boundary_dominates() -> None:
    sp_ = grid_problem(5, 6, 3, blm=50.0, seed=4)
    p = sp_.cover_problem()
    found = search(p, time_budget_s=30.0)
    assert found.selected is not None and p.feasible(found.selected)
    assert p.boundary(found.selected) >= CHAINS_FROM * found.objective
    schedule = chains.ChainSchedule()
    assert found.flips == schedule.chains * schedule.flips_per_unit * p.n  # the chains ran, to the end
    assert not found.stopped_by_time and chains.compiled() and found.chains == schedule.chains
    assert f"best of {schedule.chains} chains" in found.note()
    assert found.objective <= found.start_objective


def test_without_compiled_kernels_and_time_to_compile_the_search_says_it_skipped_the_chains(monkeypatch) -> None:
    sp_ = grid_problem(5, 6, 3, blm=50.0, seed=4)
    p = sp_.cover_problem()
    monkeypatch.setattr(chains, "compiled", lambda: False)
    monkeypatch.setattr(chains, "COMPILE_ALLOWANCE_S", 1e9)  # never time enough to compile
    found = search(p, time_budget_s=5.0)
    assert found.selected is not None and p.feasible(found.selected)
    assert found.chains == 0 and found.uncompiled
    assert "compiled annealing was skipped" in found.note() and "make setup" in found.note()
