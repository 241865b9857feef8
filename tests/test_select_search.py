"""The selection engine's own search (issue 24): exact cuts, annealing that keeps the targets, a MIP start.

Brute force over every selection of small random instances is the reference: the cut must equal the
unconstrained optimum exactly, the search must return a feasible selection no better than the optimum
(it cannot beat it) and the solve started from it must reach the optimum.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from landkit.select import SelectionProblem
from landkit.select.anneal import Schedule, anneal, colour_classes
from landkit.select.heuristic import CoverProblem, adjacency, min_cut
from landkit.select.search import search


def grid_problem(rows: int, cols: int, n_features: int, blm: float, seed: int, *,
                 share: float = 0.3) -> SelectionProblem:
    """A small square grid: random costs and patchy features, 4-neighbour edges, exposed outer edges."""
    rng = np.random.default_rng(seed)
    n = rows * cols
    ids = np.arange(1, n + 1)
    r, c = np.divmod(np.arange(n), cols)
    right = np.flatnonzero(c < cols - 1)
    down = np.flatnonzero(r < rows - 1)
    pairs = np.r_[np.c_[right, right + 1], np.c_[down, down + cols]]
    degree = np.bincount(pairs.ravel(), minlength=n)
    bound = pd.DataFrame({"id1": np.r_[ids[pairs[:, 0]], ids], "id2": np.r_[ids[pairs[:, 1]], ids],
                          "boundary": np.r_[rng.uniform(0.5, 1.5, len(pairs)), (4 - degree).astype(float)]})
    units = pd.DataFrame({"cost": rng.uniform(1, 3, n)}, index=pd.Index(ids, name="id"))
    amounts = np.where(rng.random((n, n_features)) < 0.4, rng.uniform(0.1, 1, (n, n_features)), 0.0)
    features = pd.DataFrame(amounts, index=units.index, columns=[f"f{k}" for k in range(n_features)])
    return SelectionProblem(units, features, boundary=bound, blm=blm).with_min_set(share, relative=True)


def brute_force(p: CoverProblem) -> tuple[float, np.ndarray | None]:
    """The optimum over every feasible selection (inf, None when none is feasible)."""
    best, best_x = np.inf, None
    for bits in itertools.product([False, True], repeat=p.n):
        x = np.array(bits)
        if p.feasible(x):
            value = p.objective(x)
            if value < best - 1e-12:
                best, best_x = value, x
    return best, best_x


@pytest.mark.parametrize("seed", range(6))
def test_the_cut_is_the_exact_unconstrained_optimum(seed) -> None:
    rng = np.random.default_rng(seed)
    n = 9
    i, j = np.triu_indices(n, 1)
    keep = rng.random(len(i)) < 0.35
    locked_in, locked_out = np.zeros(n, bool), np.zeros(n, bool)
    locked_in[0], locked_out[1] = True, seed % 2 == 0
    p = CoverProblem(cost=np.zeros(n), edge_i=i[keep], edge_j=j[keep], edge_w=rng.uniform(0.1, 2, keep.sum()),
                     amounts=sp.csr_array((n, 0)), targets=np.zeros(0), locked_in=locked_in, locked_out=locked_out)
    unary = rng.normal(0, 1.5, n)
    best = min(float(unary[np.array(b)].sum()) + p.objective(np.array(b))
               for b in itertools.product([False, True], repeat=n)
               if not (np.array(b) & locked_out).any() and np.array(b)[locked_in].all())
    x, bound = min_cut(p, unary)
    assert x[locked_in].all() and not (x & locked_out).any()
    assert float(unary[x].sum()) + p.objective(x) == pytest.approx(best, abs=1e-5)  # integer-scaled capacities
    assert best - 1e-4 <= bound + 1e-4 and bound <= best + 1e-12  # a proven bound, and a tight one


@pytest.mark.parametrize(("seed", "blm"), [(0, 0.5), (1, 2.0), (2, 8.0), (3, 1.0)])
def test_the_search_is_feasible_and_the_solve_from_it_is_optimal(seed, blm) -> None:
    p = grid_problem(3, 4, 3, blm, seed)
    cover = p.cover_problem()
    optimum, _ = brute_force(cover)
    found = search(cover, time_budget_s=30)
    assert found.selected is not None and cover.feasible(found.selected)
    assert found.objective >= optimum - 1e-9 and found.objective == pytest.approx(cover.objective(found.selected))
    assert found.lower_bound <= optimum + 1e-9  # the Lagrangian bound is proven
    res = p.solve(time_limit_s=30)  # the search runs by default here (min-set, BLM > 0, a boundary)
    assert res.heuristic is not None and res.evaluation.feasible
    assert res.objective == pytest.approx(optimum, rel=1e-6)
    assert res.objective <= found.objective + 1e-9  # the solver started from the search: never worse
    assert "heuristic: graph cuts" in res.summary()


def test_the_search_gives_the_same_selection_every_time() -> None:
    p = grid_problem(8, 9, 6, 4.0, seed=5).cover_problem()
    first, second = search(p, time_budget_s=60), search(p, time_budget_s=60)
    assert not first.stopped_by_time and not second.stopped_by_time
    assert np.array_equal(first.selected, second.selected) and first.objective == second.objective
    assert first.objective <= first.start_objective  # the annealing never returns worse than its start


def test_the_annealing_keeps_every_target_and_every_lock() -> None:
    problem = grid_problem(8, 9, 6, 3.0, seed=7)
    locked = problem.with_locked_in([1, 2]).with_locked_out([40, 41])
    p = locked.cover_problem()
    start = ~p.locked_out
    assert p.feasible(start)
    out = anneal(p, start, schedule=Schedule(batch=20, start_quantile=0.2, flips_per_unit=700), seed=0)
    assert p.feasible(out.selected) and out.selected[[0, 1]].all() and not out.selected[[39, 40]].any()
    assert out.objective <= p.objective(start)
    classes = colour_classes(p, adjacency(p))  # no two units of a class share an edge; locked units left out
    for cls in classes:
        member = np.zeros(p.n, bool)
        member[cls] = True
        assert not (member[p.edge_i] & member[p.edge_j]).any()
    assert sorted(np.concatenate(classes)) == sorted(np.flatnonzero(~p.locked_in & ~p.locked_out))


def test_unreachable_targets_leave_the_search_without_a_selection() -> None:
    p = grid_problem(3, 3, 2, 1.0, seed=2).cover_problem()
    impossible = CoverProblem(p.cost, p.edge_i, p.edge_j, p.edge_w, p.amounts, p.targets * 100, p.locked_in,
                              p.locked_out)
    found = search(impossible, time_budget_s=10)
    assert found.selected is None and found.objective == np.inf and "no feasible selection" in found.note()


def test_the_search_runs_only_where_the_boundary_counts() -> None:
    no_blm = grid_problem(3, 4, 3, 0.0, seed=1)
    assert no_blm.solve(time_limit_s=10).heuristic is None  # BLM 0: the MILP alone (strong there)
    assert grid_problem(3, 4, 3, 2.0, seed=1).solve(time_limit_s=10, heuristic=False).heuristic is None
    assert grid_problem(3, 4, 3, 2.0, seed=1).solve(time_limit_s=10, solver="cbc").heuristic is None


def test_the_boundary_share_counts_the_exposed_edges() -> None:
    """A selection of every unit shares no edge with an unselected one, but its exposed edges are boundary:
    the share that decides whether to anneal counts them (a time-cut cut that selected nearly everything
    used to skip the annealing as if the boundary did not matter)."""
    problem = grid_problem(5, 6, 3, 4.0, seed=2)
    p = problem.cover_problem()
    everything = np.ones(p.n, bool)
    exposed = problem.evaluate(problem.units.index).boundary * problem.blm
    assert p.boundary(everything) == pytest.approx(exposed) and exposed == pytest.approx(4.0 * 2 * (5 + 6))
    x = np.zeros(p.n, bool)
    x[[0, 7]] = True  # a corner unit (2 exposed edges) and an interior one
    assert p.boundary(x) == pytest.approx(problem.evaluate(problem.units.index[x]).boundary * problem.blm)


def test_a_small_boundary_term_skips_the_annealing() -> None:
    p = grid_problem(6, 6, 4, 0.01, seed=3).cover_problem()
    found = search(p, time_budget_s=30)
    assert found.flips == 0 and found.objective == found.start_objective
    assert "no annealing" in found.note()
