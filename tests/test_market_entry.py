"""入市 (#19, part 3): collective 经营性建设用地 supplied by its collective instead of acquired by the centre."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reserve_cases import inputs_abc, parcels_abc

import landkit
from landkit.reserve import ReservePlan, check_plan

YEARS = (2019, 2020)


def _inputs(revenue_c: float, *, rate: float = 0.3, start: int | None = 2020):
    """A and B residential, C 5 亩 industrial and collective 经营性: cost 30 + 10 + 10 (prep) = 50 万元.

    Funds are ample; 10 亩 residential and 5 亩 industrial are wanted in 2020 (unmet: 1,000 万元/亩).
    """
    p = parcels_abc().assign(market_entry=[False, False, True])
    revenue = pd.DataFrame({2019: [0.0, 0.0, 0.0], 2020: [300.0, 320.0, revenue_c]}, index=p.index)
    demand = pd.DataFrame({y: {"industrial": 0.0, "commercial": 0.0, "residential": 0.0, "public": 0.0}
                           for y in YEARS})
    demand.loc["residential", 2020], demand.loc["industrial", 2020] = 10.0, 5.0
    return inputs_abc(parcels=p, revenue_gross=revenue, demand_mu=demand, funds={2019: 500.0, 2020: 0.0},
                      adjustment_fund_rate=rate, market_entry_from=start, market_absorption=1.0)


def test_market_entry_when_acquiring_would_lose_money():
    # 征收 C: 40 of revenue against 50 of cost (−10); 入市: 0.3 × (40 − 10 prep) = 9 万元 of 调节金
    res = ReservePlan(_inputs(40.0)).solve(time_limit_s=30, mip_gap=1e-9)
    assert check_plan(res) == []
    assert res.market_entry.loc["C", 2020] == 1 and res.acquire.loc["C"].sum() == 0
    cf = res.cashflow()
    assert cf.loc[2020, "入市调节金(万元)"] == pytest.approx(9.0)
    assert cf.loc[2019, "入市调节金(万元)"] == 0.0
    t = res.route_table().set_index("地块编号")
    assert t.at["C", "选择"] == "入市" and t.at["C", "征收净收益(万元)"] == pytest.approx(-10.0)
    assert res.kpis()["market_entry_mu"] == pytest.approx(5.0)
    assert res.demand_table().query("规划用途 == '工业' and 年度 == 2020")["缺口(亩)"].iloc[0] == 0.0
    # the NPV counts the 调节金 and no cost of C: A bought and sold (300 − 100) + 9
    assert res.kpis()["npv_wan_yuan"] == pytest.approx(300.0 - 100.0 + 9.0)


def test_acquisition_when_the_land_revenue_is_worth_more():
    # 征收 C: 100 − 50 = 50 against 入市: 0.3 × 90 = 27
    res = ReservePlan(_inputs(100.0)).solve(time_limit_s=30, mip_gap=1e-9)
    assert check_plan(res) == []
    assert res.market_entry.to_numpy().sum() == 0 and res.acquire.loc["C", 2019] == 1
    assert res.route_table().set_index("地块编号").at["C", "选择"] == "征收"
    assert res.kpis()["npv_wan_yuan"] == pytest.approx(300.0 - 100.0 + 100.0 - 50.0)
    # at a 60 % rate the 调节金 (54) beats the net of acquiring (50)
    res = ReservePlan(_inputs(100.0, rate=0.6)).solve(time_limit_s=30, mip_gap=1e-9)
    assert res.market_entry.loc["C", 2020] == 1


def test_no_market_entry_before_the_law_allows_it():
    res = ReservePlan(_inputs(40.0, start=2021)).solve(time_limit_s=30, mip_gap=1e-9)
    assert res.market_entry.to_numpy().sum() == 0
    assert check_plan(res) == []


def test_the_checker_catches_a_planted_market_entry():
    res = ReservePlan(_inputs(40.0)).solve(time_limit_s=30, mip_gap=1e-9)
    values = res.outcome._values
    e = values["market_entry"].copy()
    e.loc[{"year": 2019}] = 1.0  # a second entry, and before 2020
    values["market_entry"] = e
    x = values["x"].copy()
    x.loc[{"parcel": "C", "year": 2019}] = 1.0  # and acquired too
    values["x"] = x
    problems = " ".join(check_plan(res))
    assert "before 2020" in problems and "both acquired and supplied" in problems and "2 times" in problems


def test_the_sample_offers_its_collective_industrial_land(tmp_path):
    town = landkit.load_sample()
    inp = ReservePlan.from_town(town).inputs
    ids = inp.market_entry_parcels
    assert len(ids) >= 1
    t = town.parcels.loc[ids]
    assert (t["ownership"] == "collective").all()
    assert t["DLBM"].astype(str).str.match(r"^(05|0601)").all()
    assert inp.parcels.loc[ids, "planned_use"].isin(["commercial", "industrial"]).all()
    fund = inp.adjustment_fund_wan_yuan
    assert (fund[2019] == 0).all()  # the 2019 土地管理法 is in force from 2020
    gain = (inp.revenue_gross.loc[ids, 2020] - inp.parcels.loc[ids, "prep_cost_wan_yuan"]).clip(lower=0.0)
    assert np.allclose(fund[2020], 0.3 * gain)


def test_a_parcel_locked_out_or_held_does_not_enter_the_market():
    inp = _inputs(40.0)
    table = inp.parcels.assign(locked_out=[False, False, True])
    assert list(inp.with_changes(parcels=table).market_entry_parcels) == []
    res = ReservePlan(inp.with_changes(parcels=table)).solve(time_limit_s=30, mip_gap=1e-9)
    assert res.market_entry.to_numpy().sum() == 0 and res.acquire.loc["C"].sum() == 0


def test_market_entry_can_be_left_out():
    town = landkit.load_sample()
    inp = ReservePlan.from_town(town, market_entry=False).inputs
    assert inp.market_entry_from is None and len(inp.market_entry_parcels) == 0
    assert not inp.parcels["market_entry"].any()
