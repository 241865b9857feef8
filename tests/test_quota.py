"""Tests of landkit.quota: 增减挂钩 project areas, the quota ledger and the quota market."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import landkit
from landkit import InfeasibleError, ValidationError
from landkit.quota import LinkageInputs, LinkagePlan, QuotaMarket, check_linkage
from landkit.reserve import inputs_from_town

YEARS = (2019, 2020, 2021, 2022, 2023, 2024)


def tiny_inputs(**changes: object) -> LinkageInputs:
    """Two homesteads of one village (a whole-village block) and one mining plot; one site.

    Hand-derived: the village costs 2 × (100 + 30) demolition and reclamation + 50 site + 40 户 ×
    12 = 790 万元 and nets 18 − 40 × 0.25 = 8 亩 of surplus; the mining plot costs 90 万元 and nets
    18 亩. At 25 万元/亩 in town only the mine pays: value 18 × 25 − 90 = 360 万元.
    """
    plots = pd.DataFrame(
        {
            "kind": ["homestead", "homestead", "mining"],
            "village": ["V1", "V1", "V2"],
            "area_mu": [10.0, 10.0, 20.0],
            "reclaim_mu": [9.0, 9.0, 18.0],
            "paddy_mu": [0.0, 0.0, 0.0],
            "capacity_kg": [5400.0, 5400.0, 10800.0],
            "grade": [8, 8, 8],
            "households": [20, 20, 0],
            "demolition_cost_wan_yuan": [100.0, 100.0, 0.0],
            "reclamation_cost_wan_yuan": [30.0, 30.0, 90.0],
            "block": pd.array(["V1", "V1", pd.NA], dtype="string"),
        },
        index=pd.Index(["A", "B", "M"], name="unit"),
    )
    sites = pd.DataFrame(
        {"area_mu": [25.0], "capacity_households": [100], "fixed_cost_wan_yuan": [50.0], "farmland_share": [1.0],
         "paddy_share": [0.0], "capacity_kg_per_mu": [500.0]},
        index=pd.Index(["S1"], name="site"),
    )
    flat = pd.Series(1.0, index=list(YEARS))
    base = LinkageInputs(
        plots=plots, sites=sites, years=YEARS, max_households=40 * flat, return_years=3, reclamation_lag_years=1,
        land_per_household_mu=0.25, site_cost_per_household_wan_yuan=12.0, town_use_value_wan_per_mu=25 * flat,
        sale_price_wan_per_mu=20 * flat, town_use_cap_mu=100 * flat, sale_cap_mu=100 * flat, discount_rate=0.0,
    )
    return dataclasses.replace(base, **changes).check()  # type: ignore[arg-type]


# ---------------------------------------------------------------------- project-area plan
def test_tiny_max_value_known_answer() -> None:
    result = LinkagePlan(tiny_inputs()).solve(time_limit_s=30)
    assert result.objective == pytest.approx(360.0, abs=1e-6)
    assert list(result.plots.index) == ["M"]
    assert check_linkage(result) == []
    assert sum(result.surplus_by_year().values()) == pytest.approx(18.0)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_tiny_min_cost_known_answer_both_solvers(solver: str) -> None:
    plan = LinkagePlan(tiny_inputs(), objective="min_cost", required_mu={2024: 20.0})
    result = plan.solve(solver=solver, time_limit_s=30)
    assert result.objective == pytest.approx(880.0, abs=1e-6)  # mine 90 + village 790
    assert set(result.plots.index) == {"A", "B", "M"}
    assert check_linkage(result) == []
    led = result.ledger()
    assert led["复垦验收(亩)"].sum() == pytest.approx(36.0)
    assert led["建新安置(亩)"].sum() == pytest.approx(10.0)
    assert result.kpis()["households"] == 40


def test_three_year_rule_violation_is_diagnosed() -> None:
    # reclamation accepted 4 years after demolition, but 周转指标 must be back within 3
    plan = LinkagePlan(tiny_inputs(reclamation_lag_years=4), fixed={"V1": 2019})
    with pytest.raises(InfeasibleError) as info:
        plan.solve(time_limit_s=30)
    text = str(info.value)
    assert "周转指标 due for return by 2022" in text
    assert "short by 10亩" in text


def test_whole_village_is_all_or_nothing_and_household_cap_phases_it() -> None:
    flat = pd.Series(20.0, index=list(YEARS))
    plan = LinkagePlan(tiny_inputs(max_households=flat), objective="min_cost", required_mu={2024: 20.0})
    result = plan.solve(time_limit_s=30)
    years = result.plots.loc[["A", "B"], "year_demolished"]
    assert years.nunique() == 2  # 20 households a year: the village moves in two phases
    assert check_linkage(result) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ledger_always_balances_on_random_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 6
    plots = pd.DataFrame({
        "kind": ["homestead"] * (n - 1) + ["mining"],
        "village": [f"V{k % 3}" for k in range(n)],
        "area_mu": rng.uniform(5, 20, n),
        "households": [*rng.integers(5, 30, n - 1), 0],
        "grade": rng.integers(5, 12, n),
        "demolition_cost_wan_yuan": rng.uniform(20, 120, n),
    }, index=pd.Index([f"P{k}" for k in range(n)], name="unit"))
    plots["reclaim_mu"] = plots["area_mu"] * 0.9
    plots["paddy_mu"] = np.where(rng.random(n) < 0.5, plots["reclaim_mu"], 0.0)
    plots["capacity_kg"] = plots["reclaim_mu"] * (1400 - 100 * plots["grade"])
    plots["reclamation_cost_wan_yuan"] = plots["reclaim_mu"] * 3.5
    plots["block"] = pd.array(["V0", None, "V0", None, None, None], dtype="string")
    sites = pd.DataFrame({"area_mu": [20.0, 40.0], "capacity_households": [40, 200],
                          "fixed_cost_wan_yuan": [30.0, 120.0], "farmland_share": [1.0, 0.5],
                          "paddy_share": [0.2, 0.0], "capacity_kg_per_mu": [600.0, 300.0]},
                         index=pd.Index(["S1", "S2"], name="site"))
    inputs = dataclasses.replace(tiny_inputs(), plots=plots, sites=sites,
                                 max_households=pd.Series(60.0, index=list(YEARS)),
                                 sale_price_wan_per_mu=pd.Series(rng.uniform(20, 60), index=list(YEARS)),
                                 discount_rate=0.05).check()
    result = LinkagePlan(inputs).solve(time_limit_s=30)
    assert check_linkage(result) == []
    led = result.ledger()
    closing = led["节余指标结存(亩)"].iloc[-1]
    spent = led[["周转指标归还(亩)", "已验收指标直接使用(亩)", "节余指标本镇使用(亩)", "节余指标交易(亩)"]].sum().sum()
    assert led["复垦验收(亩)"].sum() == pytest.approx(spent + closing, abs=1e-3)


def test_checker_catches_a_tampered_ledger() -> None:
    result = LinkagePlan(tiny_inputs(), objective="min_cost", required_mu={2024: 20.0}).solve(time_limit_s=30)
    values = result.outcome._values
    values["borrow"] = values["borrow"] + 5.0  # borrowed more than 建新 needed, never returned
    errors = check_linkage(result)
    assert any("建新" in e for e in errors)
    assert any("outstanding" in e for e in errors)


def test_bad_inputs_are_reported_together() -> None:
    bad = tiny_inputs().plots.copy()
    bad.loc["A", "area_mu"] = -1.0
    bad.loc["B", "reclaim_mu"] = 50.0
    with pytest.raises(ValidationError) as info:
        dataclasses.replace(tiny_inputs(), plots=bad, return_years=0).check()
    assert len(info.value.problems) >= 3
    with pytest.raises(ValidationError, match="neither a 拆旧 plot"):
        LinkagePlan(tiny_inputs(), fixed={"nowhere": 2019})
    with pytest.raises(ValidationError, match="required"):
        LinkagePlan(tiny_inputs(), objective="min_cost")


# ---------------------------------------------------------------------- the sample town
@pytest.fixture(scope="module")
def town() -> landkit.Town:
    return landkit.load_sample()


def test_sample_town_plan_links(town: landkit.Town) -> None:
    plan = LinkagePlan.from_town(town)
    inp = plan.inputs
    assert set(inp.plots.loc[inp.plots["kind"] == "homestead", "village"]) == {
        "南阳村", "前南阳村", "后南阳村", "东南阳村", "西南阳村"}
    assert inp.plots["block"].dropna().nunique() == 5
    # the mining plot in the 生态保护红线 is not reclaimed to farmland
    assert not (town.parcels.loc[inp.plots.index, "frac_STBHHX"] > 0.05).any()
    assert inp.plots["grade"].between(1, 15).all()
    result = plan.solve(time_limit_s=60)
    assert check_linkage(result) == []
    surplus = result.surplus_by_year()
    assert set(surplus) == set(inp.years)
    reserve_inputs = inputs_from_town(town, linkage_surplus_mu=surplus, compactness=False)
    base = inputs_from_town(town, compactness=False)
    added = (reserve_inputs.quota_mu - base.quota_mu).sum()
    assert added == pytest.approx(sum(v for y, v in surplus.items() if y in base.years))
    units = result.supplement_units()
    assert units["id"].is_unique
    assert set(units.columns) >= {"id", "source", "year", "area_mu", "grade", "paddy_mu", "capacity_kg",
                                  "cost_wan_yuan"}
    from landkit.farmland import FarmlandLedger

    ledger = FarmlandLedger(town.params).add_units(units)  # the farmland ledger takes the table as it is
    assert len(ledger.units) == len(units)
    assert units["area_mu"].sum() <= result.ledger()["复垦验收(亩)"].sum() + 1e-3
    fig = result.plot_map()
    assert fig.axes[0].get_title().startswith(town.name)


# ---------------------------------------------------------------------- the quota market
SELLERS = [{"name": "A", "quantity_mu": 100, "cost_wan_per_mu": 10},
           {"name": "B", "quantity_mu": 100, "cost_wan_per_mu": 20}]
BUYERS = [{"name": "X", "quantity_mu": 80, "wtp_wan_per_mu": 30},
          {"name": "Y", "quantity_mu": 80, "wtp_wan_per_mu": 15}]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_two_by_two_market_known_price_and_quantities(solver: str) -> None:
    # merit order: X (30) takes 80 of A (10); Y (15) takes A's last 20; B (20) is above Y's 15.
    # A is exhausted while Y is partly served, so Y is marginal: price 15.
    result = QuotaMarket(sellers=SELLERS, buyers=BUYERS, regime="county", date="2024-06-30").clear(solver=solver)
    part = result.participants.set_index("participant")
    assert result.price_wan_per_mu == pytest.approx(15.0)
    assert part.loc[["A", "B", "X", "Y"], "quantity_mu"].tolist() == pytest.approx([100, 0, 80, 20])
    assert part.loc[["A", "X", "Y"], "surplus_wan_yuan"].tolist() == pytest.approx([500, 1200, 0])
    assert result.total_surplus_wan_yuan == pytest.approx(1700.0)
    assert result.trades["quantity_mu"].sum() == pytest.approx(100.0)


def test_no_crossing_means_no_trade() -> None:
    buyers = [{"name": "X", "quantity_mu": 80, "wtp_wan_per_mu": 8}]
    result = QuotaMarket(sellers=SELLERS, buyers=buyers, regime="intra_province", date="2024-06-30").clear()
    assert result.volume_mu == 0.0
    assert result.trades.empty
    assert np.isnan(result.price_wan_per_mu)


def test_caps_per_participant_and_transaction() -> None:
    result = QuotaMarket(sellers=SELLERS, buyers=BUYERS, regime="county", date="2024-06-30",
                         max_per_participant_mu=50, max_per_transaction_mu=20).clear()
    part = result.participants.set_index("participant")
    # caps of 50 亩: A sells 50 to X (capped at 50); Y's 15 is below B's 20, so nothing else trades
    assert part.loc["A", "quantity_mu"] == pytest.approx(50)
    assert part.loc["X", "quantity_mu"] == pytest.approx(50)
    assert part.loc["Y", "quantity_mu"] == pytest.approx(0)
    assert (result.trades["quantity_mu"] <= 20 + 1e-9).all()
    assert result.trades["quantity_mu"].sum() == pytest.approx(50)


def test_cross_province_state_prices_are_rationed_and_expire() -> None:
    sellers = [{"name": "贫困县A", "quantity_mu": 100, "cost_wan_per_mu": 10, "category": "ordinary"},
               {"name": "贫困县B", "quantity_mu": 100, "cost_wan_per_mu": 35, "category": "high_standard"}]
    buyers = [{"name": "上海", "quantity_mu": 300, "wtp_wan_per_mu": 100, "tier": "beijing_shanghai"},
              {"name": "江苏", "quantity_mu": 100, "wtp_wan_per_mu": 60, "tier": "tianjin_jiangsu_zhejiang_guangdong"}]
    result = QuotaMarket(sellers=sellers, buyers=buyers, regime="cross_province_2018", date="2020-01-01").clear()
    part = result.participants.set_index("participant")
    # both sellers offer (10 ≤ 30, 35 ≤ 40); both buyers bid (100 ≥ 70 + 20, 60 ≥ 50 + 20? no): 江苏 drops out
    assert part.loc["江苏", "quantity_mu"] == 0
    assert part.loc["上海", "quantity_mu"] == pytest.approx(200)  # rationed to the supply
    assert part.loc["贫困县B", "price_wan_per_mu"] == pytest.approx(40)
    assert part.loc["上海", "price_wan_per_mu"] == pytest.approx(90)
    with pytest.raises(ValidationError, match="expired on 2025-12-31"):
        QuotaMarket(sellers=sellers, buyers=buyers, regime="cross_province_2018", date="2026-01-01")


def test_dipiao_sealed_bid_pay_as_bid() -> None:
    result = QuotaMarket(sellers=SELLERS, buyers=BUYERS, regime="dipiao", date="2024-06-30").clear()
    part = result.participants.set_index("participant")
    # X pays its 30 for 80 亩 from A; Y's 15 covers A's remaining 20 (reserve 10), not B (20)
    assert part.loc["X", "quantity_mu"] == pytest.approx(80)
    assert part.loc["Y", "quantity_mu"] == pytest.approx(20)
    assert part.loc["A", "value_wan_yuan"] == pytest.approx(80 * 30 + 20 * 15)
    assert part.loc["A", "farmer_share_wan_yuan"] == pytest.approx(0.85 * (2700 - 1000))
    assert result.price_wan_per_mu == pytest.approx(27.0)


def test_market_input_errors_name_the_problem() -> None:
    with pytest.raises(ValidationError, match="quantity_mu"):
        QuotaMarket(sellers=[{"name": "A", "quantity_mu": -1, "cost_wan_per_mu": 1}], buyers=BUYERS)
    with pytest.raises(ValidationError, match="unknown regime"):
        QuotaMarket(sellers=SELLERS, buyers=BUYERS, regime="moon")
