"""Tests of landkit.select: hand-derived optima, compile tests, brute force, two solvers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from landkit import ValidationError
from landkit.select import SelectionProblem, evaluate_selection

SOLVERS = ["highs", "cbc"]
FORMS = ["difference", "product"]

# --------------------------------------------------------------------------- the line of four units
#
#   [1]--[2]--[3]--[4]     cost     2  3  4  1
#                          a        1  1  0  1
#                          b        0  1  1  0
#   shared edges 1-2, 2-3, 3-4 of length 1; exposed boundary 1 at each end (units 1 and 4).
#
# Min-set, targets a >= 2, b >= 1. A feasible set holds unit 2 or 3 (b) and two of {1, 2, 4} (a):
#   set        cost  boundary L                          cost + 1 * L
#   {2,4}        4   e12 + e23 + e34 + exp4      = 4       8
#   {1,2}        5   exp1 + e23                  = 2       7   <- optimum at BLM 1 (unique)
#   {1,2,4}      6   exp1 + e23 + e34 + exp4     = 4      10
#   {1,3,4}      7   exp1 + e12 + e23 + exp4     = 4      11
#   {2,3,4}      8   e12 + exp4                  = 2      10
#   {1,2,3}      9   exp1 + e34                  = 2      11
#   {1,2,3,4}   10   exp1 + exp4                 = 2      12
# At BLM 0 the optimum is {2,4} with cost 4 (unique; next {1,2} at 5).
# Without unit 2 (BLM 0): {1,3,4} = 7, so unit 2's replacement cost is 7 - 4 = 3;
# without unit 4: {1,2} = 5, replacement cost 1.


def line_problem(blm: float = 0.0, **kwargs) -> SelectionProblem:
    units = pd.DataFrame({"cost": [2.0, 3.0, 4.0, 1.0]}, index=pd.Index([1, 2, 3, 4], name="id"))
    features = pd.DataFrame({"a": [1.0, 1.0, 0.0, 1.0], "b": [0.0, 1.0, 1.0, 0.0]}, index=units.index)
    boundary = pd.DataFrame({"id1": [1, 2, 3, 1, 4], "id2": [2, 3, 4, 1, 4], "boundary": [1.0, 1, 1, 1, 1]})
    return SelectionProblem(units, features, boundary=boundary, blm=blm, **kwargs)


@pytest.mark.parametrize("solver", SOLVERS)
def test_min_set_line_without_boundary(solver):
    result = line_problem().with_min_set({"a": 2, "b": 1}).solve(solver=solver)
    assert list(result.selected) == [2, 4]
    assert result.objective == pytest.approx(4.0)
    ev = result.evaluate()
    assert ev.loc["selection", "cost"] == pytest.approx(4.0)
    assert ev.loc["selection", "n_selected"] == 2
    cov = result.target_coverage()
    assert cov["held"].tolist() == [2.0, 1.0]
    assert cov["met"].all()


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_min_set_line_with_boundary(solver, form):
    result = line_problem(blm=1.0).with_min_set({"a": 2, "b": 1}).solve(solver=solver, boundary_form=form)
    assert list(result.selected) == [1, 2]
    assert result.objective == pytest.approx(7.0)
    ev = result.evaluation
    assert (ev.cost, ev.boundary, ev.objective) == pytest.approx((5.0, 2.0, 7.0))
    assert ev.feasible


@pytest.mark.parametrize("solver", SOLVERS)
def test_relative_targets_same_as_absolute(solver):
    # totals a = 3, b = 2: 0.6 * 3 = 1.8 needs two a-units, 0.5 * 2 = 1 one b-unit
    p = line_problem().with_min_set({"a": 0.6, "b": 0.5}, relative=True)
    assert p.targets.tolist() == pytest.approx([1.8, 1.0])
    result = p.solve(solver=solver)
    assert list(result.selected) == [2, 4]


@pytest.mark.parametrize("solver", SOLVERS)
def test_locked_in_and_out(solver):
    base = line_problem().with_min_set({"a": 2, "b": 1})
    # without unit 2, b comes from 3 and a from 1 and 4: {1,3,4} = 7
    assert list(base.with_locked_out([2]).solve(solver=solver).selected) == [1, 3, 4]
    # 3 in and 1 out: a needs 2 and 4: {2,3,4} = 8
    result = line_problem(locked_in=[3], locked_out=[1]).with_min_set({"a": 2, "b": 1}).solve(solver=solver)
    assert list(result.selected) == [2, 3, 4]
    assert result.objective == pytest.approx(8.0)


# Max-utility on the same line, budget 4, weights a 1, b 2: utility per unit u = a + 2b = 1, 3, 2, 1.
# Within cost 4: {2,4} (cost 4, utility 4) is the best at BLM 0 (next {2} = 3, {3} = 2).
# At BLM 1 (objective u - L): {2,4}: 4 - 4 = 0; {2}: 3 - 2 = 1; {3}: 2 - 2 = 0; {1}: 1 - 2 = -1;
# {4}: 1 - 2 = -1; {1,4}: 2 - 4 = -2; {} = 0, so {2} with objective 1 (unique).
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_max_utility_line(solver, form):
    p = line_problem().with_max_utility(4.0, weights={"a": 1.0, "b": 2.0})
    result = p.solve(solver=solver)
    assert list(result.selected) == [2, 4]
    assert result.objective == pytest.approx(4.0)
    result = p.with_blm(1.0).solve(solver=solver, boundary_form=form)
    assert list(result.selected) == [2]
    assert result.objective == pytest.approx(1.0)
    assert result.evaluation.utility == pytest.approx(3.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_several_cost_layers(solver):
    # cost = 2 * land + 1 * works; land 1,1,2,0 and works 0,1,0,1 give 2, 3, 4, 1 as before
    units = pd.DataFrame({"land": [1.0, 1.0, 2.0, 0.0], "works": [0.0, 1.0, 0.0, 1.0]}, index=[1, 2, 3, 4])
    feats = line_problem().features
    p = SelectionProblem(units, feats, cost={"land": 2.0, "works": 1.0}).with_min_set({"a": 2, "b": 1})
    assert p.cost.tolist() == [2.0, 3.0, 4.0, 1.0]
    result = p.solve(solver=solver)
    assert list(result.selected) == [2, 4]
    row = result.evaluate().iloc[0]
    assert (row["cost[land]"], row["cost[works]"], row["cost"]) == pytest.approx((1.0, 2.0, 4.0))


def test_replacement_cost():
    result = line_problem().with_min_set({"a": 2, "b": 1}).solve()
    rc = result.replacement_cost()
    assert rc.to_dict() == pytest.approx({2: 3.0, 4: 1.0})
    # b only in units 2 and 3: with 3 locked out, unit 2 cannot be replaced
    result = line_problem(locked_out=[3]).with_min_set({"a": 2, "b": 1}).solve()
    assert result.replacement_cost()[2] == np.inf
    assert result.replacement_cost(max_units=1).isna().sum() == 1


def test_long_form_features_equal_wide():
    wide = line_problem()
    long = SelectionProblem(wide.units, wide.features, boundary=wide.boundary)
    assert long.features.equals(wide.features)
    assert wide.features["amount"].sum() == 5.0
    assert list(wide.feature_names) == ["a", "b"]


# --------------------------------------------------------------------------- compile tests


def _rows(model, name: str, x_or_y: str = "x") -> dict:
    """{row label: {column label: coefficient}} of one constraint group, columns by variable coordinate."""
    con = model.constraints[name]
    labels = {}
    for var_name, var in model.variables.items():
        lab = var.labels.to_numpy().ravel()
        coord = var.labels[var.labels.dims[0]].to_numpy()
        labels.update({int(lab[k]): (var_name, coord[k]) for k in range(len(lab))})
    dim = con.labels.dims[0]
    out = {}
    for k, row in enumerate(con.labels[dim].to_numpy()):
        v = con.vars.isel({dim: k}).to_numpy()
        c = con.coeffs.isel({dim: k}).to_numpy()
        out[row] = {labels[int(a)]: float(b) for a, b in zip(v, c, strict=True) if a >= 0}
    return out


def test_compile_targets_are_the_amounts():
    p = line_problem().with_min_set({"a": 2, "b": 1})
    m = p.build()
    assert set(m.variables) == {"x"}
    assert set(m.constraints) == {"target"}
    rows = _rows(m, "target")
    assert rows == {
        "a": {("x", 1): 1.0, ("x", 2): 1.0, ("x", 4): 1.0},
        "b": {("x", 2): 1.0, ("x", 3): 1.0},
    }
    con = m.constraints["target"]
    assert con.rhs.to_numpy().tolist() == [2.0, 1.0]
    assert (con.sign.to_numpy() == ">=").all()
    assert m.objective.sense == "min"


def test_compile_only_targeted_features_get_rows():
    m = line_problem().with_min_set({"b": 1}).build()
    assert list(m.constraints["target"].labels["feature"].to_numpy()) == ["b"]


def _objective_coefficients(model, name: str) -> list[float]:
    obj = model.objective.expression
    coef: dict[int, float] = {}
    for v, c in zip(obj.vars.to_numpy(), obj.coeffs.to_numpy(), strict=True):  # a variable may recur: add up
        coef[int(v)] = coef.get(int(v), 0.0) + float(c)
    return [coef[int(v)] for v in model.variables[name].labels.to_numpy()]


def test_compile_product_form_rows_as_the_sign_needs():
    p = line_problem(blm=2.0).with_min_set({"a": 2, "b": 1})
    m = p.build(boundary_form="product")
    assert set(m.constraints) == {"target", "boundary_y_le_zi", "boundary_y_le_zj"}  # no y >= ... for a penalty
    le_i, le_j = _rows(m, "boundary_y_le_zi"), _rows(m, "boundary_y_le_zj")
    edges = p.edges
    assert len(le_i) == len(edges) == 3
    for e, (i, j) in enumerate(zip(edges["id1"], edges["id2"], strict=True)):
        assert le_i[e] == {("boundary_y", e): 1.0, ("x", i): -1.0}
        assert le_j[e] == {("boundary_y", e): 1.0, ("x", j): -1.0}
    assert (m.constraints["boundary_y_le_zi"].rhs.to_numpy() == 0).all()
    assert (m.constraints["boundary_y_le_zi"].sign.to_numpy() == "<=").all()
    # x_i gets cost + BLM * (exposed + incident shared); y_ij gets -2 BLM b_ij
    assert _objective_coefficients(m, "x") == pytest.approx([2 + 2 * 2, 3 + 2 * 2, 4 + 2 * 2, 1 + 2 * 2])
    assert _objective_coefficients(m, "boundary_y") == pytest.approx([-4.0, -4.0, -4.0])


def test_compile_difference_form_rows_as_the_sign_needs():
    p = line_problem(blm=2.0).with_min_set({"a": 2, "b": 1})
    assert set(p.build().variables) == {"x", "boundary_y"}  # "auto" picks the product form for small models
    m = p.build(boundary_form="difference")
    assert set(m.variables) == {"x", "boundary_d"}
    assert set(m.constraints) == {"target", "boundary_d_ge_zi_minus_zj", "boundary_d_ge_zj_minus_zi"}
    a, b = _rows(m, "boundary_d_ge_zi_minus_zj"), _rows(m, "boundary_d_ge_zj_minus_zi")
    for e, (i, j) in enumerate(zip(p.edges["id1"], p.edges["id2"], strict=True)):
        assert a[e] == {("boundary_d", e): 1.0, ("x", i): -1.0, ("x", j): 1.0}
        assert b[e] == {("boundary_d", e): 1.0, ("x", i): 1.0, ("x", j): -1.0}
    assert (m.constraints["boundary_d_ge_zi_minus_zj"].sign.to_numpy() == ">=").all()
    assert (m.constraints["boundary_d_ge_zi_minus_zj"].rhs.to_numpy() == 0).all()
    # x_i gets cost + BLM * exposed; d_ij gets BLM b_ij
    assert _objective_coefficients(m, "x") == pytest.approx([2 + 2 * 1, 3, 4, 1 + 2 * 1])
    assert _objective_coefficients(m, "boundary_d") == pytest.approx([2.0, 2.0, 2.0])


def test_compile_negative_blm_uses_the_other_side_only():
    p = line_problem(blm=-1.0).with_min_set({"a": 2, "b": 1})
    m = p.build(boundary_form="product")
    ge = "boundary_y_ge_zi_plus_zj_minus_1"
    assert set(m.constraints) == {"target", ge}
    assert _rows(m, ge)[0] == {("boundary_y", 0): 1.0, ("x", 1): -1.0, ("x", 2): -1.0}
    assert (m.constraints[ge].rhs.to_numpy() == -1).all()
    assert (m.constraints[ge].sign.to_numpy() == ">=").all()
    m = p.build(boundary_form="difference")
    plus, two_minus = "boundary_d_le_zi_plus_zj", "boundary_d_le_2_minus_zi_minus_zj"
    assert set(m.constraints) == {"target", plus, two_minus}
    assert _rows(m, plus)[0] == {("boundary_d", 0): 1.0, ("x", 1): -1.0, ("x", 2): -1.0}
    assert _rows(m, two_minus)[0] == {("boundary_d", 0): 1.0, ("x", 1): 1.0, ("x", 2): 1.0}
    assert (m.constraints[two_minus].rhs.to_numpy() == 2).all()
    assert (m.constraints[plus].sign.to_numpy() == "<=").all()


def test_compile_no_edge_variable_without_blm_or_for_zero_edges():
    units = pd.DataFrame({"cost": [1.0, 1.0, 1.0]}, index=[1, 2, 3])
    feats = pd.DataFrame({"f": [1.0, 1.0, 1.0]}, index=[1, 2, 3])
    bnd = pd.DataFrame({"id1": [1, 2], "id2": [2, 3], "boundary": [0.0, 5.0]})
    p = SelectionProblem(units, feats, boundary=bnd, blm=1.0).with_min_set({"f": 1})
    assert p.build(boundary_form="difference").variables["boundary_d"].labels.sizes["edge"] == 1  # zero length
    assert p.build(boundary_form="product").variables["boundary_y"].labels.sizes["edge"] == 1
    assert set(p.with_blm(0.0).build().variables) == {"x"}
    with pytest.raises(ValueError, match="boundary_form"):
        p.build(boundary_form="square")


def test_compile_locks_are_bounds_and_budget_row():
    p = line_problem(locked_in=[3], locked_out=[1]).with_max_utility(10.0)
    m = p.build()
    x = m.variables["x"]
    assert x.lower.to_numpy().tolist() == [0, 0, 1, 0]
    assert x.upper.to_numpy().tolist() == [0, 1, 1, 1]
    assert set(m.constraints) == {"budget"}
    con = m.constraints["budget"]
    assert float(con.rhs) == 10.0
    assert sorted(con.coeffs.to_numpy().ravel().tolist()) == [1.0, 2.0, 3.0, 4.0]
    assert m.objective.sense == "max"


def test_compile_duplicate_pairs_and_diagonal():
    units = pd.DataFrame({"cost": [1.0, 1.0]}, index=["p", "q"])
    feats = pd.DataFrame({"unit": ["p", "q"], "feature": ["f", "f"], "amount": [1.0, 2.0]})
    bnd = pd.DataFrame({"id1": ["p", "q", "p", "p"], "id2": ["q", "p", "p", "p"], "boundary": [1.0, 2.0, 3, 4]})
    p = SelectionProblem(units, feats, boundary=bnd, blm=1.0)
    assert p.edges.to_dict("list") == {"id1": ["p"], "id2": ["q"], "boundary": [3.0]}
    assert p.boundary.iloc[0].tolist() == ["p", "p", 7.0]
    assert any("added up" in n for n in p.notes)
    assert evaluate_selection(p.with_min_set({"f": 1}), ["p"]).boundary == pytest.approx(10.0)


# --------------------------------------------------------------------------- validation


def test_check_collects_every_problem():
    units = pd.DataFrame({"cost": [1.0, -2.0, np.nan]}, index=[1, 2, 3])
    feats = pd.DataFrame({"unit": [1, 2, 9], "feature": ["f", "g", "f"], "amount": [1.0, 1.0, 1.0]})
    bnd = pd.DataFrame({"id1": [1, 7], "id2": [2, 1], "boundary": [1.0, 1.0]})
    p = SelectionProblem(units, feats, boundary=bnd, locked_in=[2, 5], locked_out=[2]).with_min_set(
        {"f": 3.0, "nope": 1.0})
    with pytest.raises(ValidationError) as info:
        p.check()
    kinds = info.value.by_kind()
    assert set(kinds) >= {"negative_cost", "bad_cost", "unknown_id", "lock_conflict", "unknown_feature",
                          "target_unreachable"}
    assert len(kinds["unknown_id"]) == 3  # unit 9 (features), 7 (boundary), 5 (locked_in)
    message = str(info.value)
    assert "target 3 exceeds the 1 available" in message and "by 2" in message


def test_unreachable_target_is_a_validation_error_before_solving():
    p = line_problem(locked_out=[2]).with_min_set({"b": 2})  # b: 1 in unit 2 (locked out), 1 in unit 3
    with pytest.raises(ValidationError, match="exceeds the 1 available outside locked-out units by 1"):
        p.solve()
    with pytest.raises(ValidationError, match=r"relative target 1\.5 is above 1"):
        line_problem().with_min_set({"a": 1.5}, relative=True).check()


def test_missing_cost_column_and_no_objective():
    with pytest.raises(ValidationError) as info:
        line_problem().with_cost("price").check()
    assert set(info.value.by_kind()) == {"missing_column", "no_objective"}


def test_budget_below_locked_in_cost():
    with pytest.raises(ValidationError, match="below the 4 cost of the locked-in units by 1"):
        line_problem(locked_in=[3]).with_max_utility(3.0).check()


def test_with_methods_return_new_problems():
    p = line_problem()
    q = p.with_min_set({"a": 1}).with_blm(2.0).with_locked_in([1])
    assert p.objective_kind is None and p.blm == 0.0 and len(p.locked_in) == 0
    assert q.objective_kind == "min_set" and q.blm == 2.0 and list(q.locked_in) == [1]


def test_evaluate_selection_reports_violations():
    p = line_problem(locked_in=[1]).with_min_set({"a": 2, "b": 1})
    ev = evaluate_selection(p, [2, 99])
    assert not ev.feasible
    text = "\n".join(ev.violations)
    assert "99" in text and "'a': held 1 < target 2" in text and "locked-in unit 1" in text


# --------------------------------------------------------------------------- brute force


def _random_instance(seed: int, rows: int, cols: int, n_features: int = 3):
    """A rows x cols lattice with random costs, features (some zero) and boundary."""
    rng = np.random.default_rng(seed)
    n = rows * cols
    ids = np.arange(101, 101 + n)
    units = pd.DataFrame({"cost": rng.uniform(1, 10, n).round(2)}, index=ids)
    amounts = rng.uniform(0, 5, (n, n_features)).round(2) * (rng.random((n, n_features)) < 0.6)
    feats = pd.DataFrame(amounts, index=ids, columns=[f"f{k}" for k in range(n_features)])
    r, c = np.divmod(np.arange(n), cols)
    pairs = [(k, k + 1) for k in range(n) if c[k] < cols - 1] + [(k, k + cols) for k in range(n) if r[k] < rows - 1]
    exposed = (r == 0).astype(float) + (r == rows - 1) + (c == 0) + (c == cols - 1)
    lengths = rng.uniform(0.5, 2, len(pairs)).round(2)
    bnd = pd.DataFrame({
        "id1": [ids[a] for a, _ in pairs] + list(ids[exposed > 0]),
        "id2": [ids[b] for _, b in pairs] + list(ids[exposed > 0]),
        "boundary": list(lengths) + list(exposed[exposed > 0]),
    })
    return units, feats, bnd, rng


def _brute_force(problem: SelectionProblem) -> float:
    """Best objective over all 2^n subsets, computed independently with numpy."""
    n = len(problem.unit_ids)
    subsets = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(float)
    cost = subsets @ problem.cost.to_numpy()
    pos = {u: k for k, u in enumerate(problem.unit_ids)}
    exposed = np.zeros(n)
    shared = 0.0
    for a, b, length in problem.boundary.itertuples(index=False):
        if a == b:
            exposed[pos[a]] += length
        else:
            sa, sb = subsets[:, pos[a]], subsets[:, pos[b]]
            shared = shared + length * (sa + sb - 2 * sa * sb)
    boundary = subsets @ exposed + shared
    amounts = problem.features.pivot_table(index="unit", columns="feature", values="amount", aggfunc="sum")
    amounts = amounts.reindex(index=problem.unit_ids, columns=problem.feature_names).fillna(0.0).to_numpy()
    held = subsets @ amounts
    ok = np.ones(len(subsets), dtype=bool)
    lock_in = problem.unit_ids.isin(problem.locked_in)
    lock_out = problem.unit_ids.isin(problem.locked_out)
    ok &= (subsets[:, lock_in] == 1).all(axis=1) & (subsets[:, lock_out] == 0).all(axis=1)
    if problem.objective_kind == "min_set":
        ok &= (held >= problem.targets.to_numpy() - 1e-9).all(axis=1)
        return float((cost + problem.blm * boundary)[ok].min())
    ok &= cost <= problem.budget + 1e-9
    value = held @ problem.weights.to_numpy() - problem.blm * boundary
    return float(value[ok].max())


@pytest.mark.parametrize("seed", range(6))
def test_brute_force_min_set_with_boundary(seed):
    units, feats, bnd, rng = _random_instance(seed, 3, 4)
    blm = [0.0, 0.5, 2.0][seed % 3]
    locked_in = [units.index[seed]] if seed % 2 else []
    p = SelectionProblem(units, feats, boundary=bnd, blm=blm, locked_in=locked_in)
    p = p.with_min_set(pd.Series(rng.uniform(0.2, 0.6, 3), index=feats.columns), relative=True)
    best = _brute_force(p)
    result = p.solve(mip_gap=0.0, boundary_form=FORMS[seed % 2])
    assert result.objective == pytest.approx(best, rel=1e-7, abs=1e-7)
    ev = result.evaluation
    assert ev.feasible and ev.objective == pytest.approx(best, rel=1e-7, abs=1e-7)


@pytest.mark.parametrize("seed", range(5))
def test_brute_force_max_utility(seed):
    units, feats, bnd, rng = _random_instance(100 + seed, 3, 4 + seed % 2)  # 12 or 15 units
    blm = [0.0, 0.3, 1.0][seed % 3]
    weights = dict(zip(feats.columns, rng.uniform(0.5, 2, 3), strict=True))
    p = SelectionProblem(units, feats, boundary=bnd, blm=blm, locked_out=[units.index[-1]])
    p = p.with_max_utility(float(units["cost"].sum() * 0.35), weights=weights)
    best = _brute_force(p)
    result = p.solve(mip_gap=0.0, boundary_form=FORMS[seed % 2])
    assert result.objective == pytest.approx(best, rel=1e-7, abs=1e-7)
    assert result.evaluation.feasible


@pytest.mark.parametrize("form", FORMS)
def test_brute_force_fragmenting_blm(form):
    # a negative BLM rewards boundary: the other side of the linearisation
    units, feats, bnd, _ = _random_instance(7, 3, 4)
    p = SelectionProblem(units, feats, boundary=bnd, blm=-0.7).with_min_set(0.4, relative=True)
    result = p.solve(mip_gap=0.0, boundary_form=form)
    assert result.objective == pytest.approx(_brute_force(p), rel=1e-7, abs=1e-7)


def test_brute_force_helper_agrees_with_evaluate_selection():
    units, feats, bnd, _ = _random_instance(3, 2, 3)
    p = SelectionProblem(units, feats, boundary=bnd, blm=0.8).with_min_set(0.0)
    n = len(units)
    values = [evaluate_selection(p, [u for u, bit in zip(units.index, bits, strict=True) if bit]).objective
              for bits in itertools.product([0, 1], repeat=n)]
    assert min(values) == pytest.approx(_brute_force(p))


@pytest.mark.parametrize("seed", range(3))
def test_brute_force_replacement_cost(seed):
    units, feats, bnd, rng = _random_instance(200 + seed, 2, 4)
    p = SelectionProblem(units, feats, boundary=bnd, blm=[0.0, 0.5, 1.0][seed])
    p = p.with_min_set(pd.Series(rng.uniform(0.3, 0.6, 3), index=feats.columns), relative=True)
    result = p.solve(mip_gap=0.0)
    best = _brute_force(p)
    rc = result.replacement_cost(progress=False)
    for u in result.selected:
        without = p.with_locked_out([u])
        try:
            expected = _brute_force(without) - best
        except ValueError:  # no subset meets the targets without u
            expected = np.inf
        assert rc[u] == pytest.approx(expected, rel=1e-7, abs=1e-7)
    # a loosely solved result never reports a negative replacement cost: the best selection seen counts
    loose = p.solve(mip_gap=0.5).replacement_cost(progress=False)
    assert (loose.dropna() >= 0).all()
