"""MIP starts (``solve(..., start=...)`` and ``ReservePlan.solve(..., warm_start=...)``).

A start may only change how fast a solve goes, never its answer: every test compares with a
known optimum (derived in the docstrings, or by brute force) or with a cold solve.
"""

from __future__ import annotations

import itertools

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from reserve_cases import inputs_abc

from landkit import ValidationError
from landkit.optimize import Status, from_linopy, solve
from landkit.optimize._problem import start_vector
from landkit.optimize._solve import prepare_start
from landkit.reserve import FinanceSource, ReservePlan

SITES = pd.Index(["a", "b"], name="site")


def facility() -> linopy.Model:
    """max 10 f - 3 y_a - 4 y_b  s.t.  cap: f <= 2 y_a + 3 y_b,  limit: f <= 4,  y binary, f >= 0.

    Nothing open: 0. Only a: f = 2, 20 - 3 = 17. Only b: f = 3, 30 - 4 = 26. Both: f = 4 (capacity
    5, limit 4), 40 - 7 = 33, the optimum.
    """
    m = linopy.Model()
    y = m.add_variables(binary=True, coords=[SITES], name="y")
    f = m.add_variables(lower=0, name="f")
    cap = xr.DataArray([2.0, 3.0], coords=[SITES])
    m.add_constraints(f - (cap * y).sum() <= 0, name="cap")
    m.add_constraints(f <= 4, name="limit")
    fixed = xr.DataArray([3.0, 4.0], coords=[SITES])
    m.add_objective(10 * f - (fixed * y).sum(), sense="max")
    return m


def _start_note(result) -> str:
    notes = [n for n in result.notes if "start" in n]
    assert len(notes) == 1, result.notes
    return notes[0]


# --------------------------------------------------------------------------- solve(start=...)
def test_a_feasible_start_reaches_highs_and_the_optimum_is_still_found():
    # only b open with f = 3 is feasible, objective 26: the parent evaluates it in the user's units
    start = {"y": xr.DataArray([0.0, 1.0], coords=[SITES]), "f": xr.DataArray(3.0)}
    r = solve(facility(), start=start, mip_gap=0.0)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(33.0)
    assert r.value("y").values.tolist() == [1.0, 1.0]
    assert _start_note(r) == "MIP start: feasible (objective 26), passed to the solver"
    assert "Assessing feasibility of MIP solution" in r.log_text  # HiGHS received it ...
    line = next(s for s in r.log_text.splitlines() if "Assessing feasibility of MIP solution" in s)
    assert line.rstrip().endswith("feasible")  # ... and found it feasible


def test_an_infeasible_start_is_repaired_or_dropped_and_the_answer_is_unchanged():
    # f = 5 breaks 'limit' (and 'cap' with only a open): only the integer values go to HiGHS
    start = {"y": xr.DataArray([1.0, 0.0], coords=[SITES]), "f": xr.DataArray(5.0)}
    r = solve(facility(), start=start, mip_gap=0.0)
    assert r.status is Status.OPTIMAL and r.objective == pytest.approx(33.0)
    note = _start_note(r)
    assert note.startswith("MIP start violates the model by") and "its 2 integer values were passed" in note
    assert r.max_violation is not None and r.max_violation <= 1e-6


def test_a_start_of_nonsense_values_is_clipped_rounded_and_the_answer_is_unchanged():
    # 7 and -3 are outside [0, 1]; 0.6 rounds to 1; NaN means "not given"
    start = {"y": xr.DataArray([7.0, np.nan], coords=[SITES]), "f": xr.DataArray(-3.0)}
    r = solve(facility(), start=start, mip_gap=0.0)
    assert r.objective == pytest.approx(33.0)
    assert _start_note(r).startswith("MIP start gives 2 of 3 columns")


def test_start_values_land_on_their_columns_by_label_in_solver_units():
    m = facility()
    problem = from_linopy(m, names=True)
    # coordinates in another order, and one site the model does not have (ignored by alignment)
    given = xr.DataArray([5.0, 7.0, 9.0], coords=[pd.Index(["b", "zz", "a"], name="site")])
    x = start_vector(m, problem, {"y": given})
    by_name = dict(zip(problem.col_names, x, strict=True))
    assert by_name["y(a)"] == 9.0 and by_name["y(b)"] == 5.0
    assert np.isnan(by_name["f"])
    # a scalar applies to every entry of its variable
    x = start_vector(m, problem, {"y": 1.0})
    assert dict(zip(problem.col_names, x, strict=True))["y(b)"] == 1.0


def test_prepare_start_clips_rounds_and_passes_only_integers_of_a_partial_start():
    problem = from_linopy(facility(), names=True)
    names = list(problem.col_names)
    raw = np.full(problem.n_cols, np.nan)
    raw[names.index("y(a)")] = 0.6
    raw[names.index("y(b)")] = -2.0
    raw[names.index("f")] = 1.5  # continuous values of a partial start are not passed
    s = prepare_start(problem, raw)
    passed = dict(zip((names[i] for i in s.index), s.value, strict=True))
    # every column is given here, but y = (1, 0), f = 1.5 is feasible: passed whole
    assert passed == {"y(a)": 1.0, "y(b)": 0.0, "f": 1.5}
    assert s.note == "MIP start: feasible (objective 12), passed to the solver"
    raw[names.index("f")] = np.nan
    s = prepare_start(problem, raw)
    assert dict(zip((names[i] for i in s.index), s.value, strict=True)) == {"y(a)": 1.0, "y(b)": 0.0}


def test_a_start_naming_an_unknown_variable_or_dimension_is_refused():
    with pytest.raises(ValidationError, match="start\\['z'\\]: is not a variable"):
        solve(facility(), start={"z": xr.DataArray(1.0)})
    with pytest.raises(ValidationError, match="has dimensions \\('year',\\)"):
        solve(facility(), start={"y": xr.DataArray([1.0], coords=[pd.Index([2020], name="year")])})


def test_cbc_and_lps_do_not_use_a_start_and_say_so():
    start = {"y": xr.DataArray([0.0, 1.0], coords=[SITES])}
    r = solve(facility(), solver="cbc", start=start, mip_gap=0.0)
    assert r.objective == pytest.approx(33.0)
    assert _start_note(r) == "the start is not used: only HiGHS takes a MIP start, not cbc"
    lp = linopy.Model()
    x = lp.add_variables(lower=0, upper=2, name="x")
    lp.add_objective(1 * x, sense="max")
    r = solve(lp, start={"x": xr.DataArray(1.0)})
    assert r.objective == pytest.approx(2.0)
    assert _start_note(r) == "a start is used for MIPs only; this model has no integer variable"


@pytest.mark.parametrize("seed", range(6))
def test_random_knapsacks_with_random_starts_match_brute_force(seed):
    """max v·x s.t. w·x <= W, and min w·x s.t. v·x >= V: any start, feasible or not, gives the optimum."""
    rng = np.random.default_rng(seed)
    n = 7
    items = pd.Index([f"i{k}" for k in range(n)], name="item")
    v = rng.integers(1, 30, n).astype(float)
    w = rng.integers(1, 10, n).astype(float)
    cap, need = float(w.sum() // 2), float(v.sum() // 2)
    subsets = [np.array(bits, dtype=float) for bits in itertools.product([0, 1], repeat=n)]
    best = {"max": max(float(v @ b) for b in subsets if w @ b <= cap),
            "min": min(float(w @ b) for b in subsets if v @ b >= need)}
    vv, ww = xr.DataArray(v, coords=[items]), xr.DataArray(w, coords=[items])
    for sense in ("max", "min"):
        m = linopy.Model()
        x = m.add_variables(binary=True, coords=[items], name="x")
        if sense == "max":
            m.add_constraints((ww * x).sum() <= cap, name="cap")
            m.add_objective((vv * x).sum(), sense="max")
        else:
            m.add_constraints((vv * x).sum() >= need, name="need")
            m.add_objective((ww * x).sum(), sense="min")
        start = {"x": xr.DataArray(rng.integers(0, 2, n).astype(float), coords=[items])}
        r = solve(m, start=start, mip_gap=0.0)
        assert r.status is Status.OPTIMAL
        assert r.objective == pytest.approx(best[sense])
        assert _start_note(r).startswith(("MIP start: feasible", "MIP start violates"))


# --------------------------------------------------------------------------- ReservePlan.solve(warm_start=...)
FIN = (FinanceSource("company", "融资公司", 0.05, 2, 200.0),)


def test_a_warm_start_from_a_richer_plan_gives_the_cold_answer():
    # 120 万元 more in 2019 lets the richer plan buy more than the poorer one can afford: its plan
    # breaks the poorer plan's cash rows, so HiGHS must repair or drop it
    rich = ReservePlan(inputs_abc(funds={2019: 240.0, 2020: 0.0}, finance=FIN))
    poor = ReservePlan(inputs_abc(funds={2019: 120.0, 2020: 0.0}, finance=FIN))
    start_from = rich.solve(mip_gap=0.0)
    cold = poor.solve(mip_gap=0.0)
    warm = poor.solve(mip_gap=0.0, warm_start=start_from)
    assert start_from.objective > cold.objective  # the two plans really differ
    assert warm.status is Status.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective)
    assert _start_note(warm.outcome).startswith("MIP start violates the model")
    assert not any("start" in n for n in cold.outcome.notes)


def test_a_warm_start_from_a_plan_with_other_parcels_is_aligned_by_parcel():
    full = ReservePlan(inputs_abc(finance=FIN))
    base = full.inputs
    keep = ["A", "B"]
    smaller = ReservePlan(base.with_changes(parcels=base.parcels.loc[keep],
                                            revenue_gross=base.revenue_gross.loc[keep]))
    start_from = smaller.solve(mip_gap=0.0)
    warm = full.solve(mip_gap=0.0, warm_start=start_from)
    assert warm.objective == pytest.approx(full.solve(mip_gap=0.0).objective)
    assert _start_note(warm.outcome).startswith("MIP start gives")  # parcel C had no value


def test_a_start_returned_as_optimal_outside_the_gap_is_solved_again() -> None:
    # HiGHS 1.16 hands this start back as "optimal" although it found better in its reduced space;
    # landkit sees the gap, solves again without the start, and reports the true optimum
    from landkit.siting import UnitGraph
    from landkit.siting.contiguous import SiteSpec, _Model

    g = UnitGraph(pd.Index(range(6), name="unit"), np.array([2.8, 2.9, 2.6, 2.0, 1.2, 1.2]),
                  np.array([0, 0, 1, 1, 1, 2]), np.array([1, 3, 2, 3, 4, 4]),
                  np.array([1.0, 1, 1, 2, 2, 2]), np.array([2.0, 3, 3, 3, 3, 1]))
    model = _Model(g, [SiteSpec("s0", np.array([13.2, -1.6, -1.9, -1.0, 8.4, 5.5]), 5.2, 7.2)], 2.0, None).model
    cold = solve(model, mip_gap=1e-6)
    start = {"x_0": xr.DataArray([1.0, 1, 0, 0, 0, 0], coords=[pd.Index(range(6), name="unit")])}
    warm = solve(model, mip_gap=1e-6, start=start)
    assert cold.status is Status.OPTIMAL and warm.status is Status.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective)
