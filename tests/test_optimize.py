"""Tests of landkit.optimize: known answers, two solvers agreeing, honest statuses.

Every expected number is derived by hand in the comments (or by brute force).
"""

from __future__ import annotations

import itertools
import time

import highspy
import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from landkit import InfeasibleError, SolverError, ValidationError
from landkit.optimize import (
    AUTO_IPM_MIN_COLUMNS,
    GroupSpec,
    Status,
    _runner,
    diagnose_infeasibility,
    export_model,
    from_linopy,
    resolve_lp_method,
    solve,
)

SOLVERS = ["highs", "cbc"]


# --------------------------------------------------------------------------- models


def lp_a(sense: str) -> linopy.Model:
    """max 3x + 2y  s.t.  c1: x + y <= 4,  c2: x + 3y <= 7,  c3: x <= 3,  x, y >= 0.

    Optimum x = 3, y = 1, objective 11 (c2 slack: 3 + 3 = 6 < 7). Duals (d obj / d rhs):
    y's reduced cost 0 gives c1 = 2; x's gives c1 + c3 = 3, so c3 = 1; c2 = 0.
    Check: rhs(c1) 4 -> 5 moves y to 2, objective 13 (+2); rhs(c3) 3 -> 4 moves x to 4, y to 0,
    objective 12 (+1). ``sense="min"`` minimises -(3x + 2y): objective -11, duals -2, 0, -1.
    """
    m = linopy.Model()
    x = m.add_variables(lower=0, name="x")
    y = m.add_variables(lower=0, name="y")
    m.add_constraints(x + y <= 4, name="c1")
    m.add_constraints(x + 3 * y <= 7, name="c2")
    m.add_constraints(x <= 3, name="c3")
    sign = 1 if sense == "max" else -1
    m.add_objective(sign * (3 * x + 2 * y), sense=sense)
    return m


def lp_b(sense: str, rhs1: float = 4.0, rhs2: float = 1.0) -> linopy.Model:
    """min 2x + 3y  s.t.  c1: x + y >= 4,  c2: x - y = 1,  x <= 10,  x, y >= 0.

    x = (b1 + b2)/2, y = (b1 - b2)/2, objective = 2.5 b1 - 0.5 b2 = 9.5 at b = (4, 1):
    x = 2.5, y = 1.5, dual(c1) = 2.5, dual(c2) = -0.5. ``sense="max"`` maximises -(2x + 3y):
    objective -9.5, duals -2.5 and +0.5.
    """
    m = linopy.Model()
    x = m.add_variables(lower=0, upper=10, name="x")
    y = m.add_variables(lower=0, name="y")
    m.add_constraints(x + y >= rhs1, name="c1")
    m.add_constraints(x - y == rhs2, name="c2")
    sign = 1 if sense == "min" else -1
    m.add_objective(sign * (2 * x + 3 * y), sense=sense)
    return m


def knapsack(weights, values, capacity) -> linopy.Model:
    item = pd.RangeIndex(len(weights), name="item")
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[item], name="x")
    m.add_constraints((xr.DataArray(np.asarray(weights, float), coords=[item]) * x).sum() <= capacity, name="cap")
    m.add_objective((xr.DataArray(np.asarray(values, float), coords=[item]) * x).sum(), sense="max")
    return m


def multi_knapsack(n: int = 300, m: int = 10, seed: int = 0) -> tuple[linopy.Model, np.ndarray, np.ndarray]:
    """A Chu-Beasley-style 0-1 multidimensional knapsack (correlated profits, tightness 0.25):
    HiGHS and CBC find good solutions at once but prove nothing within seconds."""
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 1001, size=(m, n)).astype(float)
    cap = 0.25 * W.sum(axis=1)
    profit = np.round(W.sum(axis=0) / m + 500 * rng.random(n))
    item, res = pd.RangeIndex(n, name="item"), pd.RangeIndex(m, name="res")
    model = linopy.Model()
    x = model.add_variables(binary=True, coords=[item], name="x")
    model.add_constraints(
        (xr.DataArray(W, coords=[res, item]) * x).sum("item") <= xr.DataArray(cap, coords=[res]), name="cap"
    )
    model.add_objective((xr.DataArray(profit, coords=[item]) * x).sum(), sense="max")
    return model, W, cap


def reserve_model(demand_2020_mu: float = 110.0) -> linopy.Model:
    """A tiny acquisition plan that cannot be met.

    Parcels P1, P2, P3: 50, 60, 70 亩 at 200, 240, 300 万元 (4, 4, 4.29 万元/亩); costs are in 元
    in the model. 2020: budget 100 万元, demand 110 亩; 2021: budget 1000 万元, demand 265 亩.
    2020: 110 亩 at least costs 440 万元 (P1 + P2), so with demand kept the budget is short by
    340 万元. 2021: all three parcels give 180 亩 (740 万元 < budget), so demand is short by 85 亩.
    """
    years = pd.Index([2020, 2021], name="year")
    parcels = pd.Index(["P1", "P2", "P3"], name="parcel")
    m = linopy.Model()
    buy = m.add_variables(lower=0, upper=1, coords=[parcels, years], name="buy")
    cost_yuan = xr.DataArray([200e4, 240e4, 300e4], coords=[parcels])
    area_mu = xr.DataArray([50.0, 60.0, 70.0], coords=[parcels])
    budget_yuan = xr.DataArray([100e4, 1000e4], coords=[years])
    demand_mu = xr.DataArray([demand_2020_mu, 265.0], coords=[years])
    m.add_constraints((cost_yuan * buy).sum("parcel") <= budget_yuan, name="budget")
    m.add_constraints((area_mu * buy).sum("parcel") >= demand_mu, name="demand")
    m.add_objective((cost_yuan * buy).sum(), sense="min")
    return m


RESERVE_GROUPS = {
    "budget": GroupSpec("budget", label="{year} budget", unit="万元", scale=1e-4),
    # demand gives way last: 10 per 亩 > 4 万元 per 亩, the cheapest way to buy area
    "demand": GroupSpec("demand", label="industrial demand in {year}", unit="亩", weight=10.0),
}


# --------------------------------------------------------------------------- LP and duals


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("sense", "objective", "duals"),
    [("max", 11.0, {"c1": 2.0, "c2": 0.0, "c3": 1.0}), ("min", -11.0, {"c1": -2.0, "c2": 0.0, "c3": -1.0})],
)
def test_lp_a_optimum_and_duals(solver, sense, objective, duals):
    result = solve(lp_a(sense), solver=solver)
    assert result.status is Status.OPTIMAL
    assert not result.is_mip
    assert result.objective == pytest.approx(objective)
    assert result.best_bound == pytest.approx(objective)
    assert result.gap == pytest.approx(0.0)
    assert result.value("x").item() == pytest.approx(3.0)
    assert result.value("y").item() == pytest.approx(1.0)
    for name, dual in duals.items():
        assert result.dual(name).item() == pytest.approx(dual, abs=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("sense", "objective", "dual_c1", "dual_c2"), [("min", 9.5, 2.5, -0.5), ("max", -9.5, -2.5, 0.5)]
)
def test_lp_b_ge_and_equality_duals(solver, sense, objective, dual_c1, dual_c2):
    result = solve(lp_b(sense), solver=solver)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(objective)
    assert result.value("x").item() == pytest.approx(2.5)
    assert result.dual("c1").item() == pytest.approx(dual_c1)
    assert result.dual("c2").item() == pytest.approx(dual_c2)


@pytest.mark.parametrize("solver", SOLVERS)
def test_dual_is_objective_change_per_unit_rhs(solver):
    """The documented convention, checked by finite differences on a maximisation."""
    base = solve(lp_b("max"), solver=solver)
    step = 0.1
    up1 = solve(lp_b("max", rhs1=4.0 + step), solver=solver)
    up2 = solve(lp_b("max", rhs2=1.0 + step), solver=solver)
    assert (up1.objective - base.objective) / step == pytest.approx(base.dual("c1").item())
    assert (up2.objective - base.objective) / step == pytest.approx(base.dual("c2").item())


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("lp_method", ["simplex", "ipm"])
def test_lp_method_forced(solver, lp_method):
    result = solve(lp_a("max"), solver=solver, lp_method=lp_method)
    assert result.lp_method == lp_method
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(11.0)
    assert result.dual("c1").item() == pytest.approx(2.0)


def test_auto_lp_method_threshold():
    small = from_linopy(lp_a("max"))
    assert resolve_lp_method(small, "auto") == "choose"
    m = linopy.Model()
    x = m.add_variables(lower=0, upper=1, coords=[pd.RangeIndex(AUTO_IPM_MIN_COLUMNS, name="i")], name="x")
    m.add_objective(x.sum())
    assert resolve_lp_method(from_linopy(m), "auto") == "ipm"
    assert resolve_lp_method(from_linopy(m), "simplex") == "simplex"


# --------------------------------------------------------------------------- MIP


@pytest.mark.parametrize("solver", SOLVERS)
def test_knapsack_known_optimum(solver):
    # weights 5, 4, 6, 3; values 10, 40, 30, 50; capacity 10: items 2 and 4 (weight 7, value 90);
    # adding any other item exceeds 10, and every other feasible set is worth at most 80
    result = solve(knapsack([5, 4, 6, 3], [10, 40, 30, 50], 10), solver=solver)
    assert result.status is Status.OPTIMAL
    assert result.is_mip
    assert result.objective == pytest.approx(90.0)
    assert result.value("x").values.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert result.gap is not None and result.gap <= 1e-4
    with pytest.raises(SolverError, match="only for LPs"):
        result.dual("cap")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_knapsack_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 12
    weights = rng.integers(1, 30, n)
    values = rng.integers(1, 50, n)
    capacity = int(weights.sum() // 3)
    subsets = np.array(list(itertools.product([0, 1], repeat=n)))
    feasible = subsets @ weights <= capacity
    best = (subsets[feasible] @ values).max()
    model = knapsack(weights, values, capacity)
    for solver in SOLVERS:
        result = solve(model, solver=solver)
        assert result.status is Status.OPTIMAL
        assert result.objective == pytest.approx(best)
        chosen = result.value("x").values
        assert chosen @ weights <= capacity
        assert chosen @ values == pytest.approx(best)


def test_values_keep_labels_and_masks_and_survive_a_later_solve():
    item = pd.Index(["a", "b", "c"], name="item")
    year = pd.Index([2020, 2021], name="year")
    mask = xr.DataArray([[True, True], [False, False], [True, True]], coords=[item, year])

    def build(cap: float) -> linopy.Model:
        m = linopy.Model()
        x = m.add_variables(lower=0, upper=1, coords=[item, year], name="x", mask=mask)
        m.add_constraints(x.sum("item") <= cap, name="cap")
        m.add_objective(x.sum(), sense="max")
        return m

    model = build(1.5)
    first = solve(model, solver="highs")
    values = first.value("x")
    assert values.dims == ("item", "year")
    assert np.isnan(values.sel(item="b")).all()
    assert values.sel(year=2020).sum().item() == pytest.approx(1.5)
    assert model.variables["x"].solution.sum().item() == pytest.approx(3.0)
    second = solve(model, solver="cbc")
    assert second.objective == pytest.approx(3.0)
    values[:] = 0.0  # the caller's copy; the result keeps its own
    assert first.value("x").sum().item() == pytest.approx(3.0)
    assert first.dual("cap").values.tolist() == pytest.approx([1.0, 1.0])


# --------------------------------------------------------------------------- infeasible, unbounded


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_with_diagnosis_in_user_units(solver):
    model = reserve_model()
    result = solve(model, solver=solver)
    assert result.status is Status.INFEASIBLE
    assert not result.has_solution()
    with pytest.raises(SolverError):
        result.value("buy")
    with pytest.raises(InfeasibleError) as info:
        result.raise_for_status(groups=RESERVE_GROUPS)
    message = str(info.value)
    assert "2020 budget short by 340万元" in message
    assert "industrial demand in 2021 short by 85亩" in message
    table = info.value.diagnosis.table.set_index("element")
    assert table.loc["year=2020", "shortfall"] == pytest.approx(340.0)
    assert table.loc["year=2020", "group"] == "budget"
    assert table.loc["year=2020", "rhs_change"] == pytest.approx(340.0)
    assert table.loc["year=2021", "shortfall"] == pytest.approx(85.0)
    assert table.loc["year=2021", "rhs_change"] == pytest.approx(-85.0)
    assert len(table) == 2


def test_diagnosis_default_groups_and_weights():
    # every constraint, unit weights: relaxing demand (1 per 亩) beats budget (1 per 元)
    diagnosis = diagnose_infeasibility(reserve_model())
    assert diagnosis.relaxable and diagnosis.proven_minimal
    assert diagnosis.table["group"].tolist() == ["demand", "demand"]
    # 2020: 100 万元 buys 25 亩 at 4 万元/亩, so 110 - 25 = 85 亩 short; 2021: 265 - 180 = 85
    assert diagnosis.table["shortfall"].tolist() == pytest.approx([85.0, 85.0])
    assert "demand[2020] short by 85" in str(diagnosis)


def test_diagnosis_when_the_named_groups_cannot_explain_it():
    m = linopy.Model()
    x = m.add_variables(lower=0, upper=1, name="x")
    m.add_constraints(x >= 2, name="need")
    m.add_constraints(x <= 5, name="cap")
    m.add_objective(1 * x)
    diagnosis = diagnose_infeasibility(m, {"cap": GroupSpec("cap")})
    assert not diagnosis.relaxable
    assert diagnosis.table.empty
    assert "outside the named groups" in str(diagnosis)
    with pytest.raises(ValidationError, match="no constraint 'nope'"):
        diagnose_infeasibility(m, {"x": GroupSpec("nope")}, strict=True)
    # by default a group the model lacks is skipped (one set of groups serves model variants);
    # the key names the constraint when GroupSpec.constraint is not given
    lenient = diagnose_infeasibility(m, {"nope": GroupSpec(), "need": GroupSpec(label="need")})
    assert lenient.unused_groups == ["nope"]
    assert lenient.messages == ["need short by 1"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_mip(solver):
    m = linopy.Model()
    x = m.add_variables(lower=0, upper=3, integer=True, name="x")
    m.add_constraints(2 * x == 3, name="odd")  # x = 1.5 is not an integer
    m.add_objective(1 * x)
    assert solve(m, solver=solver).status is Status.INFEASIBLE


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("integer", [False, True])
def test_unbounded(solver, integer):
    m = linopy.Model()
    x = m.add_variables(lower=0, integer=integer, name="x")
    y = m.add_variables(lower=0, name="y")
    m.add_constraints(x - y <= 1.5, name="c")
    m.add_objective(x + y, sense="max")
    result = solve(m, solver=solver)
    assert result.status is Status.UNBOUNDED
    assert result.objective is None
    with pytest.raises(SolverError, match="unbounded"):
        result.raise_for_status()


# --------------------------------------------------------------------------- time limit


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_on_a_hard_mip_is_honest(solver):
    model, W, cap = multi_knapsack()
    start = time.perf_counter()
    result = solve(model, solver=solver, time_limit_s=2.0, threads=1)
    elapsed = time.perf_counter() - start
    assert result.status in (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION)
    assert elapsed <= 2.2
    assert result.runtime_s <= 2.2
    assert result.time_limit_s == 2.0
    if result.status is Status.FEASIBLE:
        x = result.value("x").values
        assert np.all(W @ x <= cap + 1e-6)
        assert result.objective <= result.best_bound  # a maximisation's bound is above
        assert result.gap > 1e-4
        assert "not proven optimal" in result.summary()


@pytest.mark.parametrize("solver", SOLVERS)
def test_overrunning_solver_is_stopped_at_the_wall_clock(solver, monkeypatch):
    """Simulate a solver that ignores its own limit (give it 20 x the limit): landkit must stop it
    at the wall clock. HiGHS's incumbent is always kept (it is saved as it is found); CBC keeps
    its incumbent only if it answers the SIGINT before the kill, so it may honestly report none."""
    monkeypatch.setattr(_runner, "SOLVER_SHARE", 20.0)
    model, W, cap = multi_knapsack(seed=1)
    start = time.perf_counter()
    result = solve(model, solver=solver, time_limit_s=1.5, threads=1)
    elapsed = time.perf_counter() - start
    assert elapsed <= 1.5 * 1.1
    assert any("landkit" in note for note in result.notes)
    if solver == "highs":
        assert result.status is Status.FEASIBLE
    else:
        assert result.status in (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION)
    if result.status is Status.FEASIBLE:
        x = result.value("x").values
        assert np.all(W @ x <= cap + 1e-6)
        assert result.objective == pytest.approx(float(from_linopy(model).c @ x))


def test_tiny_time_limit_gives_no_solution_not_a_wrong_one():
    model, _, _ = multi_knapsack()
    result = solve(model, time_limit_s=0.01)
    assert result.status in (Status.TIME_LIMIT_NO_SOLUTION, Status.FEASIBLE)
    assert result.runtime_s < 1.0
    if result.status is Status.TIME_LIMIT_NO_SOLUTION:
        with pytest.raises(SolverError, match="time limit"):
            result.raise_for_status()


# --------------------------------------------------------------------------- export, logs, args


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_export_round_trip(tmp_path, suffix):
    parcels = pd.Index(["地块-1", "地块 2", "3号"], name="parcel")
    years = pd.Index([2020, 2021], name="year")
    m = linopy.Model()
    buy = m.add_variables(binary=True, coords=[parcels, years], name="buy")
    area = xr.DataArray([50.0, 60.0, 70.0], coords=[parcels])
    m.add_constraints((area * buy).sum("parcel") <= xr.DataArray([100.0, 130.0], coords=[years]), name="cap")
    m.add_constraints(buy.sum("year") <= 1, name="once")
    m.add_objective(1.5 * (area * buy).sum(), sense="max")
    # 2020 <= 100: best single 70 (3号) or 50; 2021 <= 130: 60 + 70 = 130; each parcel once:
    # 2020 P1 (50) + 2021 P2, 3号 (130) = 180 亩, objective 270
    expected = solve(m).objective
    assert expected == pytest.approx(270.0)
    path = export_model(m, tmp_path / f"plan{suffix}")
    assert path.exists()
    assert [p.name for p in tmp_path.iterdir()] == [f"plan{suffix}"]  # nothing half-written left
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(expected)
    names = h.getLp().col_names_
    assert ("buy(地块_1,2020)" if suffix == ".mps" else "buy(%E5%9C%B0%E5%9D%97_1,2020)") in names


def test_export_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValidationError, match=r"not \.mps or \.lp"):
        export_model(lp_a("max"), tmp_path / "model.txt")


def test_log_text_and_console_echo(capsys):
    result = solve(lp_a("max"), log_to_console=True)
    assert "HiGHS" in result.log_text
    assert "HiGHS" in capsys.readouterr().out
    cbc = solve(lp_a("max"), solver="cbc")
    assert "CBC" in cbc.log_text
    assert cbc.summary().startswith("CBC: optimal; objective 11")


def test_bad_arguments_are_reported_together():
    with pytest.raises(ValidationError) as info:
        solve(lp_a("max"), solver="gurobi", time_limit_s=0, lp_method="barrier")
    text = str(info.value)
    assert "solver" in text and "time_limit_s" in text and "lp_method" in text
