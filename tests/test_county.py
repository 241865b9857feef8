"""The synthetic county of the reserve benchmarks (:func:`landkit.county.synthetic_county`).

Its promise: about ``candidate_share`` of the parcels are candidates, every year has funds, quota and
resettlement capacity, and the demand can be met — the witness plan it was scaled from meets all of
it within every constraint of the model (checked by fixing the model to it), and the solved plan
passes the independent checker.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from landkit import ArgumentError, ValidationError
from landkit.county import synthetic_county
from landkit.optimize import Status, solve
from landkit.reserve import check_plan, model


@pytest.fixture(scope="module")
def county():
    return synthetic_county(6000, years=4, towns=2, candidate_share=0.04, seed=3)


def test_the_candidate_share_and_the_towns_are_honoured(county):
    assert len(county.seats) == 2
    assert county.candidates / 6000 == pytest.approx(0.04, rel=0.15)
    assert county.town.params["town.plan_years"] == [2019, 2020, 2021, 2022]


def test_every_year_has_funds_quota_and_capacity_and_demand_after_the_lag(county):
    inp = county.plan().inputs
    assert inp.years == (2019, 2020, 2021, 2022)
    for series in (inp.funds_wan_yuan, inp.quota_mu, inp.resettlement_households):
        assert (series.reindex(list(inp.years)) > 0).all()
    demand = inp.demand_mu.sum()
    assert demand[2019] == 0.0  # nothing can be supplied in the first year (one-year lag)
    assert (demand[[2020, 2021, 2022]] > 0).all()
    debt = {f.name: f.max_debt_wan_yuan for f in inp.finance}
    assert debt["company"] == pytest.approx(10000.0 * inp.funds_wan_yuan.iloc[0] / 2000.0, rel=1e-3)


def test_the_witness_meets_all_demand_within_every_constraint(county):
    plan = county.plan(objective="min_cost")  # demand is hard: no shortfall allowed
    model = plan.build()
    P = [str(p) for p in plan.inputs.parcels.index]
    years = list(plan.inputs.years)
    w = county.witness.reindex(plan.inputs.parcels.index)
    acq = np.array([[1.0 if a == t else 0.0 for t in years] for a in w["acquire_year"]])
    sup = np.array([[1.0 if s == t else 0.0 for t in years] for s in w["supply_year"]])
    assert acq.sum() == len(county.witness) > 0
    for name, fixed in (("x", acq), ("s", sup)):
        values = xr.DataArray(fixed, coords=[("parcel", P), ("year", years)])
        model.variables[name].update(lower=values, upper=values)
    result = solve(model, time_limit_s=60, mip_gap=1e-6)
    assert result.status is Status.OPTIMAL


def test_the_solved_plan_passes_the_checker_and_meets_the_demand(county):
    result = county.plan().solve(time_limit_s=60, mip_gap=0.01)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert check_plan(result) == []
    k = result.kpis()
    demand = float(county.plan().inputs.demand_mu.to_numpy().sum())
    assert k["shortfall_mu"] <= 0.01 * demand
    assert k["npv_wan_yuan"] > 0


def test_a_county_needs_a_year_to_supply_in_and_sane_shares():
    with pytest.raises(ArgumentError):
        synthetic_county(2000, years=1)
    with pytest.raises(ArgumentError):
        synthetic_county(2000, candidate_share=0.5)
    with pytest.raises(ArgumentError):
        synthetic_county(500)
    with pytest.raises(ArgumentError, match=r"years must be at least 1.*slack must be at least 1"):
        synthetic_county(2000, years=0, slack=0.5)  # every problem in one message


def test_the_lp_start_asked_of_another_solver_is_refused_before_any_build(county):
    with pytest.raises(ValidationError, match="lp_start: the LP-support start solves with HiGHS, not 'cbc'"):
        county.plan().solve(solver="cbc", lp_start=True)


def test_the_lp_start_finds_the_same_optimum_and_reports_the_lp_bound():
    plan = synthetic_county(3000, years=3, towns=1, candidate_share=0.02, seed=5).plan()
    cold = plan.solve(time_limit_s=120, mip_gap=1e-6)
    warm = plan.solve(time_limit_s=120, mip_gap=1e-6, lp_start=True)
    assert cold.status is Status.OPTIMAL and warm.status is Status.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective, rel=2e-6)
    assert check_plan(warm) == []
    note = next(n for n in warm.outcome.notes if n.startswith("LP relaxation "))
    lp_bound = float(note.split()[2].replace(",", ""))
    assert lp_bound >= cold.objective - 1e-6  # the relaxation bounds every plan (a maximisation)
    assert any("LP-support start: restricted MIP plan" in n for n in warm.outcome.notes)


def test_large_plans_start_from_the_lp_by_default(county, monkeypatch):
    plan = county.plan()
    assert not model.lp_start_by_size(plan.inputs)  # 240 candidates × 4 years: below the threshold
    monkeypatch.setattr(model, "LP_START_FROM", len(plan.inputs.parcels) * len(plan.inputs.years))
    assert model.lp_start_by_size(plan.inputs)
    result = plan.solve(time_limit_s=60, mip_gap=0.01)
    assert any(n.startswith("LP relaxation ") for n in result.outcome.notes) and check_plan(result) == []
