"""人地挂钩 (#19, part 1): the entitlement from the seat's resident path, and the reserve plan it feeds."""

from __future__ import annotations

import pandas as pd
import pytest

import landkit
from landkit.params import Parameters
from landkit.reserve import ReservePlan
from landkit.reserve.inputs import USES, county_quota, inputs_from_town
from landkit.reserve.people import people_demand, people_link, resident_path, standard_m2


@pytest.fixture(scope="module")
def town() -> landkit.Town:
    return landkit.load_sample()


def _params(**changes) -> Parameters:
    return Parameters.load().with_overrides({f"people.{k}": v for k, v in changes.items()}, source="test")


def test_entitlement_from_a_three_year_path_by_hand():
    p = _params(seat_residents={2018: 50000, 2019: 52000, 2021: 58000}, migrant_share=0.5,
                urban_land_per_person_m2=90.0, provincial_adjustment=0.1)
    t = people_link(p, [2019, 2020, 2021])
    # residents 52,000 / 55,000 (interpolated) / 58,000; growth 2,000 / 3,000 / 3,000; half of it settles
    assert list(t["residents"]) == [52000, 55000, 58000]
    assert list(t["migrants"]) == [1000, 1500, 1500]
    # 90 m² per person today: the 100 m² tier, +10 % by the province = 110 m² per migrant
    assert standard_m2(p) == pytest.approx(110.0)
    # 1,000 × 110 m² = 110,000 m² = 165 亩; 1,500 × 110 m² = 247.5 亩
    assert list(t["entitlement_mu"].round(6)) == [165.0, 247.5, 247.5]
    d = people_demand(p, [2019, 2020, 2021], USES)
    assert d[2020].sum() == pytest.approx(247.5)
    assert d.at["residential", 2019] == pytest.approx(165.0 * float(p["people.demand_shares"]["residential"]))


@pytest.mark.parametrize(("per_person", "m2"), [(100.0, 100.0), (120.0, 80.0), (150.0, 80.0), (151.0, 50.0)])
def test_the_tier_of_todays_land_per_person(per_person, m2):
    assert standard_m2(_params(urban_land_per_person_m2=per_person)) == pytest.approx(m2)


def test_bad_people_parameters_are_named():
    with pytest.raises(landkit.ValidationError, match="provincial_adjustment"):
        standard_m2(_params(provincial_adjustment=0.2))
    with pytest.raises(landkit.ValidationError, match="demand_shares"):
        people_demand(_params(demand_shares={"residential": 0.5, "public": 0.2}), [2019], USES)
    with pytest.raises(landkit.ValidationError, match="seat_residents"):
        resident_path(_params(seat_residents={2020: 100000}), [2019])
    with pytest.raises(landkit.ValidationError, match="2018"):
        resident_path(_params(seat_residents={2019: 80000, 2020: 100000}), [2019])


def test_the_reserve_plan_takes_its_quota_and_demand_from_the_people(town):
    years = (2019, 2020, 2021)
    flat = inputs_from_town(town, years=years, compactness=False)
    linked = inputs_from_town(town, years=years, compactness=False, people_link=True)
    link = people_link(town.params, years)
    assert list(linked.quota_mu) == pytest.approx(list(link["entitlement_mu"]))
    assert list(county_quota(town.params, years, people_link=True)) == pytest.approx(list(linked.quota_mu))
    assert list(flat.quota_mu) == pytest.approx([400.0, 400.0, 400.0])
    assert linked.demand_mu[2019].sum() == pytest.approx(float(link.at[2019, "entitlement_mu"]))
    assert linked.people_link and not flat.people_link


def test_the_people_table_sets_the_plan_against_the_migrants(town):
    res = ReservePlan.from_town(town, people_link=True).solve(time_limit_s=60)
    t = res.people_table().set_index("年度")
    supplied = res.supply.mul(res.plan.inputs.parcels["area_mu"], axis=0)
    first = supplied[res.plan.inputs.parcels["planned_use"].isin(["residential", "public"]).to_numpy()].sum()
    # a migrant needs 80 m² in all, of which housing and public services take 45 % + 20 %
    per_migrant_m2 = 80.0 * 0.65
    housed = 0.0
    for y in res.plan.inputs.years:
        assert t.at[y, "住宅与公服供地(亩)"] == pytest.approx(round(float(first[y]), 2))
        housed += float(first[y]) * (10000 / 15) / per_migrant_m2
        assert t.at[y, "累计可承载(人)"] == round(housed)
        gap = max(float(t.loc[:y, "农业转移人口落户(人)"].sum()) - housed, 0.0)
        assert abs(t.at[y, "累计落户缺口(人)"] - gap) <= 1  # rounded figures
    assert set(t["用于本计划"]) == {"是"}
    flat = ReservePlan.from_town(town).solve(time_limit_s=60).people_table()
    assert set(flat["用于本计划"]) == {"否（计划用估计的指标与需求）"}


def test_the_people_link_scenario_runs_with_its_table(tmp_path):
    from landkit.scenario import load_scenario, run_scenario

    run = run_scenario(load_scenario("data/tanyi/scenarios/people_link.yaml"), tmp_path / "pl", progress=False,
                       report=False)
    t = pd.read_csv(run.path / "tables" / "人地挂钩测算表.csv", encoding="utf-8-sig")
    assert set(t["用于本计划"]) == {"是"}
    assert run.kpis["demand_shortfall_mu"] > 0  # the 10万 target asks more land than the candidates give
