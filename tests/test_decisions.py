"""Decisions weighed against assumptions (issue 20, part 1): scenario kinds, composition, the decision matrix and
the three criteria, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from landkit import ValidationError
from landkit.scenario import bundled_scenarios, load_scenario
from landkit.scenario.compare import (
    _scope_caveat,
    choice_summary,
    decision_matrix,
    full_value,
    matrix_cell,
    weigh_alternatives,
)
from landkit.scenario.schema import BASE_ASSUMPTION, compose, scenario_from_dict


def _bundle(name, npv, *, kind="alternative", matrix=None, park=0.0, corridor=0.0, farmland=0.0, gap=0.0,
            short=0.0, weight=1.0):
    settings = {"kind": kind, "weight": weight, **({"matrix": matrix} if matrix else {})}
    raw = {"npv_wan_yuan": npv, "park_cost_wan_yuan": park, "corridor_cost_wan_yuan": corridor,
           "farmland_balance_cost_wan_yuan": farmland, "demand_shortfall_mu": short, "min_cash_wan_yuan": 0.0}
    return {"name": name, "raw": raw, "audit": {"scenario_settings": settings, "models": {"reserve": {"gap": gap}}}}


def test_the_bundled_scenarios_say_what_they_are():
    sc = {p.stem: load_scenario(p) for p in bundled_scenarios()}
    assert {k for k, s in sc.items() if s.kind == "assumption"} == {"funds_plus50", "prices_minus20"}
    assert {k for k, s in sc.items() if s.kind == "alternative"} == {"baseline", "corridor_b", "park_a", "park_b",
                                                                    "people_link"}
    both = compose(sc["park_a"], sc["funds_plus50"])
    assert both.name == "park_a__funds_plus50"
    assert both.matrix["alternative"] == "park_a" and both.matrix["assumption"] == "funds_plus50"
    assert both.matrix["assumption_title"] == sc["funds_plus50"].title  # the matrix shows titles, not keys
    assert both.options("reserve")["budget_wan_yuan"] == 3000  # the assumption's change
    assert both.options("park_sites")["parks"] == sc["park_a"].options("park_sites")["parks"]  # the choice kept
    again = scenario_from_dict(both.to_dict())  # a bundle's scenario.yaml reads back
    assert again.matrix == both.matrix and again.kind == "alternative"
    with pytest.raises(ValidationError):
        compose(sc["funds_plus50"], sc["park_a"])


def test_bad_kinds_and_assumptions_are_refused():
    with pytest.raises(ValidationError) as err:
        scenario_from_dict({"name": "x", "kind": "guess", "assume": {"models": {}, "prices": 1}, "weight": -1})
    msg = str(err.value)
    assert "kind" in msg and "assume.prices" in msg and "weight" in msg


def test_the_matrix_and_the_three_criteria_by_hand():
    # A and B under the base assumptions and under 'low' prices; full value = NPV − park − corridor − farmland
    # A: 100 − 30 = 70 (base), 40 − 30 = 10 (low);  B: 60 (base), 35 (low)
    # expected (weights 1, 1): A 40, B 47.5 → B;  worst: A 10, B 35 → B;  regret: A max(0, 25) = 25,
    # B max(10, 0) = 10 → B.  An assumption set run on its own is not an alternative.
    bundles = [
        _bundle("A", 100.0, park=30.0),
        _bundle("B", 70.0, corridor=5.0, farmland=5.0),
        _bundle("A__low", 40.0, park=30.0, matrix={"alternative": "A", "assumption": "low"}),
        _bundle("B__low", 45.0, corridor=5.0, farmland=5.0, matrix={"alternative": "B", "assumption": "low"},
                gap=0.05),
        _bundle("low", 50.0, kind="assumption"),
    ]
    assert matrix_cell(bundles[0]) == ("A", BASE_ASSUMPTION) and matrix_cell(bundles[4]) == (None, "low")
    assert full_value(bundles[1]["raw"]) == pytest.approx(60.0)
    values, notes, weights = decision_matrix(bundles)
    assert list(values.index) == ["A", "B"] and list(values.columns) == [BASE_ASSUMPTION, "low"]
    assert values.loc["A"].tolist() == pytest.approx([70.0, 10.0])
    assert values.loc["B"].tolist() == pytest.approx([60.0, 35.0])
    assert "差距 5.0%" in notes.at["B", "low"] and notes.at["A", "low"] == ""
    crit, text = weigh_alternatives(values, notes, weights)
    nums = ["期望值(万元)", "最坏情况(万元)", "最大遗憾(万元)"]
    assert crit.loc["A", nums].tolist() == pytest.approx([40.0, 10.0, 25.0])
    assert crit.loc["B", nums].tolist() == pytest.approx([47.5, 35.0, 10.0])
    assert set(crit["满足全部条件"]) == {"是"}
    assert "按期望值" in text and "推荐 B" in text and "最小最大遗憾推荐 B" in text
    assert "B×low" in text and "不参与排序" in text
    # a heavier weight on the base assumptions turns the expected value to A: (3·70 + 10)/4 = 55 > (3·60 + 35)/4
    crit2, text2 = weigh_alternatives(values, notes, {BASE_ASSUMPTION: 3.0, "low": 1.0})
    assert crit2.loc["A", "期望值(万元)"] == pytest.approx(55.0)
    assert "期望值 (基准假设 权重 3、low 权重 1) 推荐 A" in text2


def test_an_alternative_that_leaves_demand_unmet_is_not_recommended():
    # C has the best values but leaves 30 亩 of demand unmet under 'low': A and B are weighed without it
    # (regret: A max(70 − 70, 35 − 10) = 25, B max(70 − 60, 0) = 10, as if C were not there)
    bundles = [_bundle("A", 70.0), _bundle("B", 60.0), _bundle("C", 500.0),
               _bundle("A__low", 10.0, matrix={"alternative": "A", "assumption": "low"}),
               _bundle("B__low", 35.0, matrix={"alternative": "B", "assumption": "low"}),
               _bundle("C__low", 400.0, short=30.0, matrix={"alternative": "C", "assumption": "low"})]
    values, notes, weights = decision_matrix(bundles)
    crit, text = weigh_alternatives(values, notes, weights)
    assert crit.at["C", "满足全部条件"] == "否"
    assert crit.loc[["A", "B"], "最大遗憾(万元)"].tolist() == pytest.approx([25.0, 10.0])
    assert "推荐 B" in text and "推荐 C" not in text and "未满足条件的方案 (不参与推荐): C" in text
    # the 摘要 says the same, recommendation first: B (47.5 expected; worst case and regret B too), C not
    first, robust, conditions = choice_summary(crit)
    assert first == "建议采用：B（各假设下全口径净值的期望值最高, 47.5 万元）。"
    assert robust == "稳健性：按最坏情况应选 B；按最小最大遗憾应选 B。"
    assert conditions.startswith("条件：C 在某些假设下资金为负或用地需求未满足")
    # if every alternative fails a condition, the recommendation says it is only a guide
    values2 = values.loc[["C"]]
    _, text2 = weigh_alternatives(values2, notes.loc[["C"]], weights)
    assert "推荐 C" in text2 and "仅供参考" in text2


def test_an_alternative_not_run_under_every_assumption_is_named_not_ranked():
    bundles = [_bundle("A", 100.0), _bundle("B", 90.0),
               _bundle("A__low", 50.0, matrix={"alternative": "A", "assumption": "low"})]
    values, notes, weights = decision_matrix(bundles)
    crit, text = weigh_alternatives(values, notes, weights)
    assert list(crit.index) == ["A"] and "未参与比选的方案: B" in text
    assert pd.isna(values.at["B", "low"])


def test_alternatives_with_and_without_a_park_are_said_to_differ_in_scope():
    from landkit.scenario.compare import _scope_caveat

    bundles = [_bundle("A", 100.0), _bundle("P", 100.0, park=500.0)]
    text = _scope_caveat(bundles)
    assert "P 含园区" in text and "A 不含" in text and "500" in text
    assert _scope_caveat([_bundle("P", 1.0, park=5.0), _bundle("Q", 1.0, park=6.0)]) == ""


def test_the_summary_recommends_nothing_when_every_alternative_fails_a_condition():
    # A leaves demand unmet under the base assumptions, B runs short of cash under 'low'
    bundles = [_bundle("A", 70.0, short=5.0), _bundle("B", 60.0),
               _bundle("A__low", 10.0, matrix={"alternative": "A", "assumption": "low"}),
               _bundle("B__low", 35.0, matrix={"alternative": "B", "assumption": "low"})]
    bundles[3]["raw"]["min_cash_wan_yuan"] = -10.0
    values, notes, weights = decision_matrix(bundles)
    crit, _ = weigh_alternatives(values, notes, weights)
    first, _, conditions = choice_summary(crit, notes)[:3]
    assert first.startswith("仅供参考") and "建议采用" not in first
    assert conditions.startswith("条件：A、B")


def test_titles_with_a_list_mark_and_runs_filling_one_cell_twice():
    # "园区A、廊道B" is one alternative (its title holds a 、); two bundles of the same alternative under the same
    # assumptions are both kept, named by their folders, not one silently replacing the other
    from pathlib import Path

    one = _bundle("园区A、廊道B", 90.0)
    two, three = _bundle("基准", 50.0), _bundle("基准", 40.0)
    two["path"], three["path"] = Path("/x/run1"), Path("/x/run2")
    values, notes, weights = decision_matrix([one, two, three])
    assert sorted(values.index) == sorted(["园区A、廊道B", "基准（run1）", "基准（run2）"])
    crit, _ = weigh_alternatives(values, notes, weights)
    assert choice_summary(crit, notes)[0].startswith("建议采用：园区A、廊道B（")


def test_the_summary_carries_the_scope_caveat_and_the_gap_flags():
    bundles = [_bundle("A", 100.0, park=30.0, gap=0.05), _bundle("B", 70.0)]
    values, notes, weights = decision_matrix(bundles)
    crit, _ = weigh_alternatives(values, notes, weights)
    lines = choice_summary(crit, notes, _scope_caveat(bundles))
    assert any(line.startswith("注意：方案 A 含园区") for line in lines)
    assert any("求解差距超过 1%" in line and "A × 基准假设" in line for line in lines)
