"""SolveSession: one HiGHS model kept between solves and changed in place; every answer is a fresh solve's."""

from __future__ import annotations

import itertools
import time

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import landkit
from landkit import ValidationError
from landkit.optimize import SolveSession, Status, _runner, from_linopy, solve
from landkit.optimize.session import problem_changes
from landkit.reserve import ReservePlan, check_plan


def knapsack(values: list[float], weights: list[list[float]], caps: list[float]) -> linopy.Model:
    """max v·x subject to W x ≤ cap, x binary (small enough to enumerate)."""
    item = pd.RangeIndex(len(values), name="item")
    res = pd.RangeIndex(len(caps), name="res")
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[item], name="x")
    m.add_constraints((xr.DataArray(np.array(weights, dtype=float), coords=[res, item]) * x).sum("item")
                      <= xr.DataArray(np.array(caps, dtype=float), coords=[res]), name="cap")
    m.add_objective((xr.DataArray(np.array(values, dtype=float), coords=[item]) * x).sum(), sense="max")
    return m


def brute_force(values: list[float], weights: list[list[float]], caps: list[float]) -> float:
    """The knapsack's optimum by enumerating every subset."""
    v, w, c = np.array(values, dtype=float), np.array(weights, dtype=float), np.array(caps, dtype=float)
    return max(float(v @ x) for x in map(np.array, itertools.product((0, 1), repeat=len(values)))
               if np.all(w @ x <= c + 1e-9))


VALUES = [10.0, 13.0, 7.0, 8.0, 12.0, 4.0, 9.0, 11.0]
WEIGHTS = [[5.0, 7.0, 4.0, 3.0, 8.0, 2.0, 6.0, 5.0], [2.0, 1.0, 3.0, 4.0, 2.0, 1.0, 3.0, 5.0]]


def test_problem_changes_turn_the_held_arrays_into_the_new_ones_exactly():
    held = from_linopy(knapsack(VALUES, WEIGHTS, [15.0, 9.0]))
    values = list(VALUES)
    values[2] = 9.5
    weights = [list(WEIGHTS[0]), list(WEIGHTS[1])]
    weights[1][4] = 3.0
    new = from_linopy(knapsack(values, weights, [15.0, 11.0]))
    ch = problem_changes(held, new)
    assert ch is not None
    c, lb, ub = held.c.copy(), held.lb.copy(), held.ub.copy()
    lo, hi, A = held.row_lower.copy(), held.row_upper.copy(), held.A.toarray()
    c[ch["cost_index"]] = ch["cost"]
    lb[ch["bound_index"]], ub[ch["bound_index"]] = ch["lower"], ch["upper"]
    lo[ch["row_index"]], hi[ch["row_index"]] = ch["row_lower"], ch["row_upper"]
    A[ch["coef_row"], ch["coef_col"]] = ch["coef"]
    for got, want in ((c, new.c), (lb, new.lb), (ub, new.ub), (lo, new.row_lower), (hi, new.row_upper),
                      (A, new.A.toarray())):
        np.testing.assert_array_equal(got, want)
    assert (ch["cost_index"].size, ch["row_index"].size, ch["coef"].size, ch["bound_index"].size) == (1, 1, 1, 0)
    # another structure (one item fewer) cannot be changed in place
    assert problem_changes(held, from_linopy(knapsack(VALUES[:-1], [w[:-1] for w in WEIGHTS], [15.0, 9.0]))) is None


def test_each_re_solve_equals_the_brute_force_optimum_and_says_what_it_changed():
    cases = [  # (values, weights, caps, how the model reaches the worker, entries changed against the previous)
        (VALUES, WEIGHTS, [15.0, 9.0], "full", None),
        (VALUES, WEIGHTS, [20.0, 9.0], "update", (0, 0, 1, 0)),  # a right-hand side (a slider on a budget)
        ([v * (1.5 if i % 2 else 1.0) for i, v in enumerate(VALUES)], WEIGHTS, [20.0, 9.0], "update",
         (4, 0, 0, 0)),  # objective coefficients (a price)
        (VALUES, [[w + (i < 3) for i, w in enumerate(WEIGHTS[0])], WEIGHTS[1]], [20.0, 9.0], "update",
         (4, 0, 0, 3)),  # the prices back, and coefficients (a price in a cash row)
        (VALUES, WEIGHTS, [3.0, 0.5], "update", (0, 0, 2, 3)),  # nothing fits but the empty set
        (VALUES, [[w + 1.0 for w in WEIGHTS[0]], WEIGHTS[1]], [20.0, 9.0], "full", None),  # too many: sent whole
        (VALUES[:5], [w[:5] for w in WEIGHTS], [12.0, 6.0], "full", None),  # another structure
    ]
    with SolveSession(threads=1) as session:
        for values, weights, caps, kind, counts in cases:
            model = knapsack(values, weights, caps)
            result = session.solve(model, time_limit_s=30, mip_gap=0.0)
            assert result.status is Status.OPTIMAL
            assert result.objective == pytest.approx(brute_force(values, weights, caps), abs=1e-6)
            assert result.objective == pytest.approx(solve(model, mip_gap=0.0).objective, abs=1e-6)
            update = session.last_update
            assert update is not None and update.kind == kind, (caps, update)
            if counts is not None:
                assert (update.costs, update.bounds, update.rows, update.coefficients) == counts
            assert update.describe() in result.notes


def test_column_bounds_are_changed_in_place_too():
    def fixed(k: int) -> linopy.Model:
        m = knapsack(VALUES, WEIGHTS, [15.0, 9.0])
        m.variables["x"].upper.loc[{"item": k}] = 0  # item k is ruled out
        return m

    with SolveSession() as session:
        for k in (1, 4, 7):
            result = session.solve(fixed(k), time_limit_s=30, mip_gap=0.0)
            values = [0.0 if i == k else v for i, v in enumerate(VALUES)]
            assert result.objective == pytest.approx(brute_force(values, WEIGHTS, [15.0, 9.0]), abs=1e-6)
            assert result.value("x").values[k] == 0
        assert session.last_update.kind == "update" and session.last_update.bounds == 2


def multi_knapsack(n: int = 300, m: int = 10, seed: int = 0) -> linopy.Model:
    """A 0-1 multidimensional knapsack on which HiGHS proves nothing within seconds (as in test_optimize)."""
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 1001, size=(m, n)).astype(float)
    profit = np.round(W.sum(axis=0) / m + 500 * rng.random(n))
    return knapsack(list(profit), W.tolist(), list(0.25 * W.sum(axis=1)))


def test_a_session_solve_keeps_the_time_limit_and_recovers_after_a_kill(monkeypatch):
    """A solver told to run 20 × the limit is killed at the wall clock with its worker; its incumbent is
    kept, and the next solve starts a new worker, sends the model whole and answers correctly."""
    with SolveSession(threads=1) as session:
        session.solve(knapsack(VALUES, WEIGHTS, [15.0, 9.0]), time_limit_s=30, mip_gap=0.0)
        monkeypatch.setattr(_runner, "SOLVER_SHARE", 20.0)
        hard = multi_knapsack(seed=1)
        began = time.perf_counter()
        result = session.solve(hard, time_limit_s=1.5)
        assert time.perf_counter() - began <= 1.5 * 1.1
        assert result.status is Status.FEASIBLE and any("stopped by landkit" in n for n in result.notes)
        assert result.objective <= result.best_bound + 1e-6
        monkeypatch.undo()
        again = session.solve(knapsack(VALUES, WEIGHTS, [20.0, 9.0]), time_limit_s=30, mip_gap=0.0)
        assert session.last_update.kind == "full"
        assert again.objective == pytest.approx(brute_force(VALUES, WEIGHTS, [20.0, 9.0]), abs=1e-6)


def test_a_failed_worker_says_why_in_the_error_and_the_session_recovers():
    """The worker's stderr is kept: its traceback reaches the error outcome; the next solve starts a new worker."""
    small = knapsack(VALUES[:5], [w[:5] for w in WEIGHTS], [12.0, 6.0])
    values = list(VALUES)
    values[7] = 20.0
    with SolveSession(threads=1) as session:
        session.solve(small, time_limit_s=30, mip_gap=0.0)
        # make the session believe its worker holds the 8-item model: the change it sends (item 7's cost)
        # names a column the worker's 5-item model does not have, and HiGHS refuses it
        session._held = from_linopy(knapsack(VALUES, WEIGHTS, [15.0, 9.0]))
        failed = session.solve(knapsack(values, WEIGHTS, [15.0, 9.0]), time_limit_s=30, mip_gap=0.0)
        assert session.last_update.kind == "update" and session.last_update.costs == 1
        assert failed.status is Status.ERROR
        assert "session worker: error UpdateRefusedError" in failed.solver_status
        assert "Traceback" in failed.log_text and "changeColsCost" in failed.log_text
        again = session.solve(knapsack(values, WEIGHTS, [15.0, 9.0]), time_limit_s=30, mip_gap=0.0)
        assert session.last_update.kind == "full"
        assert again.objective == pytest.approx(brute_force(values, WEIGHTS, [15.0, 9.0]), abs=1e-6)


def test_session_arguments_are_checked():
    with pytest.raises(ValidationError, match="threads"):
        SolveSession(threads=0)
    with pytest.raises(ValidationError, match="no_such_option"):
        SolveSession(options={"no_such_option": 1})
    with pytest.raises(ValidationError, match="mip_heuristic_effort"):
        SolveSession(options={"mip_heuristic_effort": "a lot"})
    with pytest.raises(ValidationError, match="set by landkit"):
        SolveSession(options={"mip_rel_gap": 0.5})
    # a search option changes how HiGHS searches, not the answer
    with SolveSession(threads=1, options={"mip_heuristic_run_root_reduced_cost": False,
                                          "mip_heuristic_effort": 0.0}) as session:
        for caps in ([15.0, 9.0], [20.0, 9.0]):
            got = session.solve(knapsack(VALUES, WEIGHTS, caps), time_limit_s=30, mip_gap=0.0)
            assert got.objective == pytest.approx(brute_force(VALUES, WEIGHTS, caps), abs=1e-6)
    with SolveSession() as session, pytest.raises(ValidationError, match="mip_gap"):
        session.solve(knapsack(VALUES, WEIGHTS, [15.0, 9.0]), mip_gap=-1.0)
    # only search options: not what HiGHS accepts (tolerances) nor what it writes; and they stay as checked
    with pytest.raises(ValidationError, match="not a search option"):
        SolveSession(options={"mip_feasibility_tolerance": 1e-3})
    with pytest.raises(ValidationError, match="not a search option"):
        SolveSession(options={"write_solution_to_file": True})
    with pytest.raises(TypeError):
        SolveSession(options={"presolve": "off"}).options["mip_rel_gap"] = 0.5  # type: ignore[index]


def test_a_worker_that_died_between_solves_is_replaced_and_sent_the_whole_model():
    import os
    import signal

    with SolveSession(threads=1) as session:
        first = session.solve(knapsack(VALUES, WEIGHTS, [15.0, 9.0]), time_limit_s=30, mip_gap=0.0)
        assert first.status is Status.OPTIMAL
        os.kill(session._worker.proc.pid, signal.SIGKILL)
        session._worker.proc.wait()
        again = session.solve(knapsack(VALUES, WEIGHTS, [20.0, 9.0]), time_limit_s=30, mip_gap=0.0)
        assert again.status is Status.OPTIMAL and session.last_update.kind == "full"
        assert again.objective == pytest.approx(brute_force(VALUES, WEIGHTS, [20.0, 9.0]), abs=1e-6)


# --------------------------------------------------------------------------- the reserve plan, as the panel moves it
def _agree(a, b) -> None:
    """Two solves of one maximisation: each objective lies below the other's proven bound, and the checker
    finds the same (no) fault in both plans."""
    assert a.outcome.has_solution() and b.outcome.has_solution()
    for x, y in ((a, b), (b, a)):
        assert x.objective <= y.outcome.best_bound + 1e-6 * max(1.0, abs(y.outcome.best_bound))
    assert check_plan(a) == check_plan(b) == []


def _moves(town: landkit.Town) -> list[tuple[dict[str, float], float]]:
    p = town.params
    funds, ceiling = float(p["funds.county_special_funds"]), float(p["financing.company_debt_ceiling"])
    return [({}, 0.0),
            ({"funds.county_special_funds": funds * 0.6}, 0.0),  # right-hand sides (cash)
            ({"funds.county_special_funds": funds * 0.6, "reserve.discount_rate": 0.09}, 0.0),  # objective
            ({"funds.county_special_funds": funds * 0.6, "reserve.discount_rate": 0.09,
              "financing.company_debt_ceiling": ceiling * 0.5}, 0.0),  # a debt ceiling
            ({"funds.county_special_funds": funds * 0.6, "reserve.discount_rate": 0.09}, -0.2)]  # prices: coefficients


def test_reserve_re_solves_after_each_slider_move_agree_with_fresh_solves():
    # a generated town, every kind of move (the sample town's slider is checked in test_widgets.py)
    town = landkit.synthetic_town(2_000, seed=3)
    moves = _moves(town)
    session = SolveSession()
    previous = None
    try:
        for k, (overrides, price) in enumerate(moves):
            t = town.with_params(town.params.with_overrides(overrides, source="test")) if overrides else town
            plan = ReservePlan.from_town(t, price_change=price)
            again = plan.solve(time_limit_s=60, mip_gap=0.02, session=session, warm_start=previous)
            assert session.last_update.kind == ("full" if k == 0 else "update")
            if k:
                u = session.last_update
                assert u.costs + u.bounds + u.rows + u.coefficients > 0  # the move changed something in place
            fresh = plan.solve(time_limit_s=60, mip_gap=0.02)
            assert again.status.value == fresh.status.value == "optimal"
            _agree(again, fresh)
            previous = again
    finally:
        session.close()
