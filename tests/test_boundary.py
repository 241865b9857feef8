"""Tests of landkit.boundary: hand-derived boundary lengths, compile checks, brute force.

Every expected number is derived by hand in the comments (or by enumeration).
"""

from __future__ import annotations

import itertools

import linopy
import numpy as np
import pandas as pd
import pytest

import landkit.boundary as boundary_module
from landkit import ValidationError
from landkit.boundary import boundary_penalty
from landkit.optimize import Status, solve

FORMS = ["product", "difference"]

# --------------------------------------------------------------------------- the line of three units
#
#   [a]--2--[b]--3--[c]      shared lengths a-b 2, b-c 3; exposed boundary a 1, b 0.5, c 4
#
# B(S) = exposed boundary of the selected units + every shared edge with exactly one side selected:
#   S          exposed          cut edges       B
#   {}         0                -               0
#   {a}        1                a-b 2           3
#   {b}        0.5              a-b 2, b-c 3    5.5
#   {c}        4                b-c 3           7
#   {a,b}      1 + 0.5          b-c 3           4.5
#   {b,c}      0.5 + 4          a-b 2           6.5
#   {a,c}      1 + 4            a-b 2, b-c 3    10
#   {a,b,c}    1 + 0.5 + 4      -               5.5

IDS = pd.Index(["a", "b", "c"], name="unit")
EDGES = pd.DataFrame({"id_i": ["a", "b"], "id_j": ["b", "c"], "shared_length_m": [2.0, 3.0]})
EXPOSED = pd.Series({"a": 1.0, "b": 0.5, "c": 4.0})
LINE_B = {
    (): 0.0, ("a",): 3.0, ("b",): 5.5, ("c",): 7.0,
    ("a", "b"): 4.5, ("b", "c"): 6.5, ("a", "c"): 10.0, ("a", "b", "c"): 5.5,
}
YEARS = pd.Index([2020, 2021], name="year")


def fixed_selection(m: linopy.Model, selected: tuple[str, ...], kind: str):
    """``z`` fixed to the selection through bounds: a Variable, or an expression with a constant.

    ``kind="complement"``: ``z = 1 - sum_t x_t`` over two years, with unit ``k`` not selected by
    ``x[k, year k mod 2] = 1`` (so both year terms and the constant are exercised).
    """
    s = np.array([u in selected for u in IDS], dtype=float)
    if kind == "variable":
        return m.add_variables(lower=s, upper=s, coords=[IDS], name="x")
    fixed = np.zeros((len(IDS), len(YEARS)))
    fixed[np.arange(len(IDS)), np.arange(len(IDS)) % 2] = 1 - s
    x = m.add_variables(lower=fixed, upper=fixed, coords=[IDS, YEARS], name="x")
    return 1 - x.sum("year")


@pytest.mark.parametrize("kind", ["variable", "complement"])
@pytest.mark.parametrize("weight", [2.0, -1.0])  # penalised, rewarded
@pytest.mark.parametrize("form", FORMS)
def test_line_boundary_values(form, weight, kind):
    # min w B(z) over the linearisation variables with z fixed: exactly w B(S) for either sign,
    # since only the rows that bind for that sign are present
    for selected, b in LINE_B.items():
        m = linopy.Model()
        z = fixed_selection(m, selected, kind)
        term = boundary_penalty(m, z, EDGES, EXPOSED, weight=weight, form=form)
        const = float(term.const)
        m.add_objective(term - const, sense="min")
        result = solve(m, time_limit_s=30)
        assert result.status is Status.OPTIMAL
        assert result.objective + const == pytest.approx(weight * b), selected


@pytest.mark.parametrize("form", FORMS)
def test_line_boundary_maximised(form):
    # the returned term is a cost: subtracted from a maximised objective it is penalised too.
    # max -(B) with z free: the empty selection, 0; max +B (weight -1) picks {a, c}, 10.
    for weight, best in [(1.0, 0.0), (-1.0, 10.0)]:
        m = linopy.Model()
        z = m.add_variables(binary=True, coords=[IDS], name="x")
        m.add_objective(-boundary_penalty(m, z, EDGES, EXPOSED, weight=weight, form=form), sense="max")
        result = solve(m, time_limit_s=30, mip_gap=0.0)
        assert result.objective == pytest.approx(best)


# --------------------------------------------------------------------------- compile checks


def _rows(model: linopy.Model, name: str) -> list[dict]:
    """One {variable name and coordinate: coefficient} per row of a constraint group."""
    con = model.constraints[name]
    where = {}
    for var_name, var in model.variables.items():
        for idx, lab in np.ndenumerate(var.labels.to_numpy()):
            where[int(lab)] = (var_name, *(var.labels[d].to_numpy()[k] for d, k in zip(var.labels.dims, idx,
                                                                                       strict=True)))
    out = []
    for k in range(con.labels.sizes["edge"]):
        row: dict = {}
        for v, c in zip(con.vars.isel(edge=k).to_numpy(), con.coeffs.isel(edge=k).to_numpy(), strict=True):
            if v >= 0:
                row[where[int(v)]] = row.get(where[int(v)], 0.0) + float(c)
        out.append(row)
    return out


def _objective_coefficients(term: linopy.LinearExpression) -> dict[int, float]:
    out: dict[int, float] = {}
    for v, c in zip(term.vars.to_numpy().ravel(), term.coeffs.to_numpy().ravel(), strict=True):
        out[int(v)] = out.get(int(v), 0.0) + float(c)
    return out


def test_compile_product_penalised():
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    term = boundary_penalty(m, x, EDGES, EXPOSED, weight=2.0, form="product", name="bnd")
    assert set(m.variables) == {"x", "bnd_y"}
    assert set(m.constraints) == {"bnd_y_le_zi", "bnd_y_le_zj"}  # no y >= z_i + z_j - 1 for a penalty
    assert _rows(m, "bnd_y_le_zi") == [{("bnd_y", 0): 1.0, ("x", "a"): -1.0}, {("bnd_y", 1): 1.0, ("x", "b"): -1.0}]
    assert _rows(m, "bnd_y_le_zj") == [{("bnd_y", 0): 1.0, ("x", "b"): -1.0}, {("bnd_y", 1): 1.0, ("x", "c"): -1.0}]
    for name in ("bnd_y_le_zi", "bnd_y_le_zj"):
        assert (m.constraints[name].sign.to_numpy() == "<=").all()
        assert (m.constraints[name].rhs.to_numpy() == 0).all()
    # z_i carries w (e_i + incident shared): a 2(1 + 2), b 2(0.5 + 2 + 3), c 2(4 + 3); y carries -2 w b
    coef = _objective_coefficients(term)
    assert [coef[int(v)] for v in x.labels.to_numpy()] == pytest.approx([6.0, 11.0, 14.0])
    assert [coef[int(v)] for v in m.variables["bnd_y"].labels.to_numpy()] == pytest.approx([-8.0, -12.0])


def test_compile_product_rewarded():
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    boundary_penalty(m, x, EDGES, EXPOSED, weight=-1.0, form="product", name="bnd")
    assert set(m.constraints) == {"bnd_y_ge_zi_plus_zj_minus_1"}  # no y <= z_i, y <= z_j for a reward
    con = m.constraints["bnd_y_ge_zi_plus_zj_minus_1"]
    assert _rows(m, con.name) == [{("bnd_y", 0): 1.0, ("x", "a"): -1.0, ("x", "b"): -1.0},
                                  {("bnd_y", 1): 1.0, ("x", "b"): -1.0, ("x", "c"): -1.0}]
    assert (con.sign.to_numpy() == ">=").all()
    assert (con.rhs.to_numpy() == -1).all()


def test_compile_difference_penalised():
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    term = boundary_penalty(m, x, EDGES, EXPOSED, weight=2.0, form="difference", name="bnd")
    assert set(m.variables) == {"x", "bnd_d"}
    assert set(m.constraints) == {"bnd_d_ge_zi_minus_zj", "bnd_d_ge_zj_minus_zi"}
    assert _rows(m, "bnd_d_ge_zi_minus_zj") == [{("bnd_d", 0): 1.0, ("x", "a"): -1.0, ("x", "b"): 1.0},
                                                {("bnd_d", 1): 1.0, ("x", "b"): -1.0, ("x", "c"): 1.0}]
    assert _rows(m, "bnd_d_ge_zj_minus_zi") == [{("bnd_d", 0): 1.0, ("x", "a"): 1.0, ("x", "b"): -1.0},
                                                {("bnd_d", 1): 1.0, ("x", "b"): 1.0, ("x", "c"): -1.0}]
    for name in ("bnd_d_ge_zi_minus_zj", "bnd_d_ge_zj_minus_zi"):
        assert (m.constraints[name].sign.to_numpy() == ">=").all()
        assert (m.constraints[name].rhs.to_numpy() == 0).all()
    # z_i carries w e_i only; d carries w b
    coef = _objective_coefficients(term)
    assert [coef[int(v)] for v in x.labels.to_numpy()] == pytest.approx([2.0, 1.0, 8.0])
    assert [coef[int(v)] for v in m.variables["bnd_d"].labels.to_numpy()] == pytest.approx([4.0, 6.0])


def test_compile_difference_rewarded():
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    boundary_penalty(m, x, EDGES, EXPOSED, weight=-1.0, form="difference", name="bnd")
    assert set(m.constraints) == {"bnd_d_le_zi_plus_zj", "bnd_d_le_2_minus_zi_minus_zj"}
    plus, two = m.constraints["bnd_d_le_zi_plus_zj"], m.constraints["bnd_d_le_2_minus_zi_minus_zj"]
    assert _rows(m, plus.name)[0] == {("bnd_d", 0): 1.0, ("x", "a"): -1.0, ("x", "b"): -1.0}
    assert _rows(m, two.name)[1] == {("bnd_d", 1): 1.0, ("x", "b"): 1.0, ("x", "c"): 1.0}
    assert (plus.sign.to_numpy() == "<=").all() and (plus.rhs.to_numpy() == 0).all()
    assert (two.sign.to_numpy() == "<=").all() and (two.rhs.to_numpy() == 2).all()


def test_compile_expression_terms_and_constant():
    # z = 1 - (x_2020 + x_2021): y <= z_a reads y + x[a,2020] + x[a,2021] <= 1
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS, YEARS], name="x")
    boundary_penalty(m, 1 - x.sum("year"), EDGES, weight=1.0, form="product", dim="unit", name="bnd")
    assert _rows(m, "bnd_y_le_zi")[0] == {("bnd_y", 0): 1.0, ("x", "a", 2020): 1.0, ("x", "a", 2021): 1.0}
    assert (m.constraints["bnd_y_le_zi"].rhs.to_numpy() == 1).all()


def test_compile_mixed_signs_and_zero_edges():
    # a negative length with a positive weight is rewarded; a zero-length edge gets no variable
    edges = pd.DataFrame({"id_i": ["a", "b", "a"], "id_j": ["b", "c", "c"], "shared_length_m": [2.0, -1.0, 0.0]})
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    boundary_penalty(m, x, edges, weight=1.0, form="difference")
    assert list(m.variables["boundary_d"].labels["edge"].to_numpy()) == [0, 1]  # row positions in `edges`
    assert list(m.constraints["boundary_d_ge_zi_minus_zj"].labels["edge"].to_numpy()) == [0]
    assert list(m.constraints["boundary_d_le_zi_plus_zj"].labels["edge"].to_numpy()) == [1]


def test_zero_weight_adds_nothing():
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    term = boundary_penalty(m, x, EDGES, EXPOSED, weight=0.0)
    assert set(m.variables) == {"x"} and not set(m.constraints)
    assert (term.coeffs.to_numpy() == 0).all()


def test_auto_picks_product_for_few_edges_and_difference_above(monkeypatch):
    def variables(threshold: int) -> set[str]:
        monkeypatch.setattr(boundary_module, "AUTO_PRODUCT_MAX_EDGES", threshold)
        m = linopy.Model()
        boundary_penalty(m, m.add_variables(binary=True, coords=[IDS], name="x"), EDGES, EXPOSED)
        return set(m.variables)

    assert variables(2) == {"x", "boundary_y"}  # two weighted edges: product
    assert variables(1) == {"x", "boundary_d"}


def test_bad_inputs():
    m = linopy.Model()
    x = m.add_variables(binary=True, coords=[IDS], name="x")
    with pytest.raises(ValueError, match="form"):
        boundary_penalty(m, x, EDGES, form="square")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not among the units"):
        boundary_penalty(m, x, pd.DataFrame({"id_i": ["a"], "id_j": ["zz"], "shared_length_m": [1.0]}))
    with pytest.raises(ValidationError, match="itself"):
        boundary_penalty(m, x, pd.DataFrame({"id_i": ["a"], "id_j": ["a"], "shared_length_m": [1.0]}))
    with pytest.raises(ValidationError, match="not finite"):
        boundary_penalty(m, x, pd.DataFrame({"id_i": ["a"], "id_j": ["b"], "shared_length_m": [np.nan]}))
    with pytest.raises(ValidationError, match="not among the units"):
        boundary_penalty(m, x, EDGES, pd.Series({"zz": 1.0}))
    with pytest.raises(ValueError, match="single dimension"):
        boundary_penalty(m, m.add_variables(coords=[IDS, YEARS], name="x2"), EDGES)
    assert set(m.variables) == {"x", "x2"} and not set(m.constraints)  # nothing added on error


# --------------------------------------------------------------------------- brute force


def random_instance(seed: int) -> tuple[pd.Index, pd.DataFrame, pd.Series, np.ndarray]:
    """Six units on a 2 x 3 grid: random shared and exposed lengths, costs of either sign per year."""
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"u{k}" for k in range(6)], name="unit")
    pairs = [(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)]
    edges = pd.DataFrame({"id_i": [ids[i] for i, _ in pairs], "id_j": [ids[j] for _, j in pairs],
                          "shared_length_m": rng.uniform(0.5, 2.0, len(pairs)).round(2)})
    exposed = pd.Series(rng.uniform(0.0, 2.0, 6).round(2), index=ids)
    cost = rng.uniform(-3.0, 3.0, (6, len(YEARS))).round(2)
    return ids, edges, exposed, cost


def enumerate_best(ids, edges, exposed, unit_cost, weight) -> float:
    pos = {u: k for k, u in enumerate(ids)}
    best = np.inf
    for bits in itertools.product([0, 1], repeat=len(ids)):
        s = np.array(bits)
        b = float(exposed.to_numpy() @ s)
        for i, j, length in edges.itertuples(index=False):
            b += length * (s[pos[i]] != s[pos[j]])
        best = min(best, float(unit_cost @ s) + weight * b)
    return best


@pytest.mark.parametrize("kind", ["variable", "expression"])
@pytest.mark.parametrize("weight", [1.5, -1.5])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("seed", [1, 2])
def test_brute_force_min_cost_plus_boundary(seed, form, weight, kind):
    ids, edges, exposed, cost = random_instance(seed)
    m = linopy.Model()
    if kind == "variable":  # z = x, cost of a unit: its first-year cost
        z = m.add_variables(binary=True, coords=[ids], name="x")
        objective = (z * pd.Series(cost[:, 0], index=ids).to_xarray()).sum()
        unit_cost = cost[:, 0]
    else:  # z = sum_t x_t with at most one year: a selected unit costs its cheapest year
        x = m.add_variables(binary=True, coords=[ids, YEARS], name="x")
        m.add_constraints(x.sum("year") <= 1, name="once")
        z = x.sum("year")
        objective = (x * pd.DataFrame(cost, index=ids, columns=YEARS).stack().to_xarray()).sum()
        unit_cost = cost.min(axis=1)
    m.add_objective(objective + boundary_penalty(m, z, edges, exposed, weight=weight, form=form), sense="min")
    result = solve(m, time_limit_s=30, mip_gap=0.0)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(enumerate_best(ids, edges, exposed, unit_cost, weight), abs=1e-6)
