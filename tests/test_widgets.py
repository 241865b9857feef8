"""The reserve panel: sliders feed the plan's parameters (with provenance) and redraw the results."""

from __future__ import annotations

import re

import pytest

import landkit
from landkit.widgets import ReservePanel


@pytest.fixture(scope="module")
def town():
    return landkit.load_sample()


def _npv(panel: ReservePanel) -> float:
    m = re.search(r"landkit-npv'><b>([-\d,]+)</b>", panel.kpi.value)
    assert m, panel.kpi.value
    return float(m.group(1).replace(",", ""))


def test_sliders_reach_the_plan_with_provenance(town):
    panel = ReservePanel(town, solve_on_start=False)
    panel.funds.value = 3000.0  # observers fire; solving is what update() does
    panel.discount.value = 0.08
    plan = panel.plan()
    assert plan.inputs.funds_wan_yuan.eq(3000.0).all()
    assert plan.inputs.discount_rate == pytest.approx(0.08)
    prm = plan.town.params.param("funds.county_special_funds")
    assert prm.tag == "U" and "ReservePanel" in prm.source
    assert town.params["funds.county_special_funds"] == 2000.0  # the town itself is untouched


def test_moving_the_funds_slider_resolves_and_redraws(town):
    panel = ReservePanel(town, time_limit_s=60, mip_gap=0.01, solve_on_start=True)
    assert panel.result is not None and "status" in panel.status.value
    before = _npv(panel)
    panel.funds.value = 0.0  # no county funds at all: less can be bought
    after = _npv(panel)
    assert after < before
    assert len(panel.timings_s) == 2
    assert round(panel.result.kpis()["npv_wan_yuan"]) == after  # the KPI shown is the new result's


def test_a_re_solve_starts_from_the_previous_plan_and_agrees_with_a_cold_solve(town):
    warm_panel = ReservePanel(town)  # the interactive defaults: 10 s, 2 %
    assert not any("start" in n for n in warm_panel.result.outcome.notes)  # the first solve has nothing to start from
    warm_panel.funds.value = 2500.0
    warm = warm_panel.result
    assert any(n.startswith("MIP start") for n in warm.outcome.notes), warm.outcome.notes
    cold_panel = ReservePanel(town, warm_start=False, solve_on_start=False)
    cold_panel.funds.value = 2500.0
    cold = cold_panel.result
    assert not any("start" in n for n in cold.outcome.notes)
    assert warm.plan.inputs.funds_wan_yuan.equals(cold.plan.inputs.funds_wan_yuan)
    # a maximisation: each solve proves the optimum lies in [objective, best bound], so the two
    # intervals overlap, and each objective is within the promised gap of the other's bound
    for a, b in ((warm, cold), (cold, warm)):
        assert a.objective <= b.outcome.best_bound + 1e-6
        assert b.outcome.best_bound - a.objective <= 2 * warm_panel.mip_gap * abs(a.objective)
    from landkit.glossary import status_text

    # the solver's own status, as the reports write it (可行（差距 x%） where not proven optimal)
    assert "状态：" + status_text(warm.status.value, warm.gap) in warm_panel.status.value


# --------------------------------------------------------------------------- siting, corridor, scenarios
def _kpi(html_text: str, css: str) -> float:
    m = re.search(rf"class='{css}'><b>([-\d,.]+)</b>", html_text)
    assert m, html_text
    return float(m.group(1).replace(",", ""))


def test_siting_panel_resites_and_refuses_an_inconsistent_matrix(town):
    from landkit.widgets import SitingPanel

    panel = SitingPanel(town, area_mu=1200.0, time_limit_s=10, mip_gap=0.02)
    assert panel.result is not None and "proven gap" in panel.status.value
    assert "landkit-cr'>CR = 0.0" in panel.consistency.value  # the sample judgements are consistent
    before = _kpi(panel.kpi.value, "landkit-site-area")
    assert abs(before - 1200.0) <= 0.05 * 1200.0
    panel.area.value = 600.0  # a smaller park: re-sited, the area shown follows
    after = _kpi(panel.kpi.value, "landkit-site-area")
    assert abs(after - 600.0) <= 0.05 * 600.0
    assert after == pytest.approx(panel.result.summary()["面积(亩)"].iloc[0], abs=0.05)
    assert len(panel.timings_s) == 2
    shown = panel.kpi.value

    bad = [[1.0] * 6 for _ in range(6)]
    bad[0][1], bad[1][2], bad[0][2] = 9.0, 9.0, 1 / 9  # slope ≫ road ≫ railway ≫ slope: CR ≈ 0.84
    panel.set_matrix(bad)  # refused in the panel, not raised
    assert "landkit-cr-error" in panel.consistency.value and "CR = 0.840" in panel.consistency.value
    assert "not re-sited" in panel.status.value and "previous result" in panel.status.value
    assert panel.kpi.value == shown and len(panel.timings_s) == 2
    assert panel.matrix()[2][1] == pytest.approx(1 / 9) and panel.matrix()[2][0] == pytest.approx(9.0)


def test_corridor_panel_reroutes_when_a_weight_moves(town):
    from landkit.widgets import CorridorPanel

    panel = CorridorPanel(town, start="毛家河")
    assert panel.route is not None and "status: optimal" in panel.status.value
    assert panel.choice.order[0] == "毛家河" and sorted(panel.choice.order) == sorted(panel.corridor.names)
    before = _kpi(panel.kpi.value, "landkit-route-resistance")
    panel.weights["slope"].value = 1.0  # slope dominates the (rescaled) weights
    after = _kpi(panel.kpi.value, "landkit-route-resistance")
    assert after != before
    assert after == pytest.approx(panel.route.summary()["累积阻力"])
    shares = panel.resistance_weights()
    assert shares is not None and sum(shares.values()) == pytest.approx(1.0) and shares["slope"] > 0.5
    assert len(panel.timings_s) == 2
    for s in panel.weights.values():  # all zero: said, not raised
        s.value = 0.0
    assert "all weights are 0" in panel.status.value


def test_scenario_picker_compares_two_bundles(tmp_path):
    import yaml

    from landkit.scenario import bundled_scenarios, run_scenario
    from landkit.widgets import ScenarioPicker

    tree = yaml.safe_load(next(p for p in bundled_scenarios() if p.stem == "baseline").read_text(encoding="utf-8"))
    tree["solver"] = {"time_limit_s": 10, "mip_gap": 0.05}
    tree["links"] = []
    for m in ("linkage", "corridor", "farmland"):
        tree["models"][m]["enabled"] = False
    tree["models"]["reserve"]["years"] = [2019, 2020]
    paths = []
    for name, budget in (("small_a", 2000), ("small_b", 3000)):
        tree["name"] = name
        tree["models"]["reserve"]["budget_wan_yuan"] = budget
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        paths.append(run_scenario(spec, tmp_path / "runs" / name, progress=False, report=False).path)

    picker = ScenarioPicker(tmp_path / "runs")  # a folder of bundles
    assert picker.comparison is not None
    assert list(picker.comparison.kpis.columns) == ["基准情景（small_a）", "基准情景（small_b）"]  # same title
    assert "净现值" in picker.recommendation.value and "compared 2 runs" in picker.status.value
    picker.runs.value = (str(paths[0]),)  # one only: said, not raised
    assert "at least two" in picker.status.value and len(picker.timings_s) == 1
    picker.runs.value = tuple(str(p) for p in paths)
    picker.against.value = "farmland"
    assert "占用耕地(亩)" in picker.comparison.pareto.columns
    assert len(picker.timings_s) == 3


def test_a_failed_or_interrupted_solve_is_shown_and_frees_the_controls():
    import ipywidgets as w

    from landkit import InfeasibleError
    from landkit.widgets import _busy, _Progress

    status, progress = w.HTML(), _Progress(2)
    controls = [w.FloatSlider(), w.Dropdown(options=["a"])]
    with _busy(status, controls, progress, "选线失败 · failed") as attempt:
        assert all(c.disabled for c in controls) and "solving" in status.value
        raise InfeasibleError("2020 cash balance short by 340 万元")
    assert isinstance(attempt.error, InfeasibleError)
    assert "选线失败" in status.value and "340 万元" in status.value
    assert not any(c.disabled for c in controls) and progress.bar.bar_style == "danger"
    with pytest.raises(KeyboardInterrupt), _busy(status, controls, progress, "failed"):
        raise KeyboardInterrupt
    assert "interrupted" in status.value and not any(c.disabled for c in controls)
    with pytest.raises(ZeroDivisionError), _busy(status, controls, None, "failed"):  # a bug is not hidden
        1 / 0  # noqa: B018
    assert not any(c.disabled for c in controls)


def test_busy_restores_each_controls_state_even_after_an_interrupt():
    import ipywidgets as w

    from landkit.widgets import _busy

    on, off = w.FloatSlider(), w.FloatSlider(disabled=True)  # e.g. the buffer slider of a wood-cluster panel
    with pytest.raises(KeyboardInterrupt), _busy(w.HTML(), [on, off], None, "failed"):
        assert on.disabled and off.disabled
        raise KeyboardInterrupt
    assert not on.disabled and off.disabled


def test_a_slider_move_changes_the_kept_model_in_place_and_agrees_with_a_fresh_solve(town):
    from landkit.reserve import check_plan

    panel = ReservePanel(town)
    assert panel.session.last_update.kind == "full"
    first_model = panel.result.outcome.model
    panel.debt_ceiling.value = 5000.0
    kept = panel.result
    assert kept.outcome.model is first_model  # no linopy build: its right-hand sides were changed in place
    update = panel.session.last_update
    assert update.kind == "update" and update.rows > 0 and update.costs == update.coefficients == 0
    assert update.describe() in kept.outcome.notes
    fresh = panel.plan().solve(time_limit_s=panel.time_limit_s, mip_gap=panel.mip_gap)
    for a, b in ((kept, fresh), (fresh, kept)):  # each objective below the other's proven bound (a maximisation)
        assert a.objective <= b.outcome.best_bound + 1e-6 * abs(b.outcome.best_bound)
    assert check_plan(kept) == check_plan(fresh) == []
