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
