"""The reserve plan's money rules to the letter: 计提 on the year's totals, the 有偿使用费, debt at the
end of the plan, bonds repaid at term, the development boundary. Hand-derived cases and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from reserve_cases import inputs_abc, parcels_abc
from test_reserve_town import square_town

import landkit
from landkit import InfeasibleError, ValidationError
from landkit.optimize import Status
from landkit.reserve import Deduction, FinanceSource, ReservePlan, check_plan, cost_parcels
from landkit.reserve.inputs import deductions_from, land_use_fee_wan_per_mu

TEN = (Deduction("education", "教育资金", 0.10, "proceeds"),)


def solved(inputs, solver="highs"):
    result = ReservePlan(inputs).solve(solver=solver, time_limit_s=30, mip_gap=0.0)
    assert result.status is Status.OPTIMAL
    assert check_plan(result) == []
    return result


def _locks(inn=(), out=()):
    p = parcels_abc()
    p["locked_in"] = p.index.isin(list(inn))
    p["locked_out"] = p.index.isin(list(out))
    return p


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_deductions_on_the_years_totals_let_a_loss_offset_a_gain(solver):
    # 2020: A (residential, cost 100) sells for 300: +200; C (industrial, cost 50) for 40: −10.
    # 出让收益 of the year 190 → 教育资金 10 % = 19 (parcel by parcel it would be 20); returned 340 − 19 = 321.
    demand = inputs_abc().demand_mu.copy()
    demand.loc["industrial", 2020] = 5.0
    inp = inputs_abc(funds={2019: 150.0, 2020: 0.0}, parcels=_locks(inn=["A", "C"], out=["B"]),
                     demand_mu=demand, deductions=TEN)
    r = solved(inp, solver)
    cf = r.cashflow()
    assert cf.loc[2020, "出让收入(万元)"] == pytest.approx(340.0)
    assert cf.loc[2020, "计提教育资金(万元)"] == pytest.approx(19.0)
    assert cf.loc[2020, "出让收入返还(万元)"] == pytest.approx(321.0)
    assert r.npv_wan_yuan() == pytest.approx(321.0 - 150.0)
    assert r.objective == pytest.approx(171.0)


def test_a_year_of_losses_deducts_nothing_and_gross_bases_always_deduct():
    # only C (cost 50) sold for 40: 出让收益 −10 → no 计提; a 2 % levy on 出让收入 still takes 0.8
    demand = inputs_abc().demand_mu.copy()
    demand.loc["industrial", 2020] = 5.0
    demand.loc["residential", 2020] = 0.0
    levy = Deduction("levy", "测试计提", 0.02, "gross")
    inp = inputs_abc(funds={2019: 50.0, 2020: 0.0}, parcels=_locks(inn=["C"], out=["A", "B"]), demand_mu=demand,
                     deductions=(*TEN, levy), returned_share=0.5)
    r = solved(inp)
    cf = r.cashflow()
    assert cf.loc[2020, "计提教育资金(万元)"] == 0
    assert cf.loc[2020, "计提测试计提(万元)"] == pytest.approx(0.8)
    assert cf.loc[2020, "出让收入返还(万元)"] == pytest.approx(0.5 * (40 - 0.8))


def test_the_land_use_fee_on_ten_mu_of_grade_12_land():
    # grade 12: 20 元/m²; 10 亩 = 6,666.7 m² → 13.33 万元, paid with the acquisition, and part of the
    # cost that 出让收益 is computed from
    params = landkit.Parameters.load()
    assert int(params["revenue.industrial_land_grade"]) == 12
    assert land_use_fee_wan_per_mu(params) * 10 == pytest.approx(20 * 10 * 10000 / 15 / 1e4)
    p = parcels_abc()
    p["land_use_fee_wan_yuan"] = [13.0, 0.0, 0.0]
    r = solved(inputs_abc(parcels=p, funds={2019: 120.0, 2020: 0.0}, deductions=TEN))
    cf = r.cashflow()
    assert cf.loc[2019, "有偿使用费(万元)"] == pytest.approx(13.0)
    assert cf.loc[2020, "计提教育资金(万元)"] == pytest.approx(0.1 * (300 - 113))
    assert r.npv_wan_yuan() == pytest.approx(300 - 18.7 - 113)


def _bond(term: int, early: bool) -> FinanceSource:
    return FinanceSource("bond", "专项债券", rate=0.05, term_years=term, max_debt_wan_yuan=500.0,
                         early_repayment=early)


def test_a_bond_due_after_the_horizon_cannot_pay_for_the_plan():
    # A (cost 100) is locked in, the town has 50. A 5-year bond borrowed in 2019 falls due in 2024, after
    # the plan: it may not be repaid early and all debt must be repaid by 2020, so the plan is infeasible:
    # 50 万元 are missing, as cash in 2020 or as debt left at the end (the two explanations cost the same)
    inp = inputs_abc(funds={2019: 50.0, 2020: 0.0}, parcels=_locks(inn=["A"]), finance=(_bond(5, early=False),))
    with pytest.raises(InfeasibleError) as err:
        ReservePlan(inp).solve(time_limit_s=30, mip_gap=0.0)
    assert "50" in str(err.value) and "万元" in str(err.value)
    with pytest.raises(InfeasibleError, match="debt left at the end"):  # when cash may not give way
        ReservePlan(inp).solve(time_limit_s=30, mip_gap=0.0, relax=["debt_repaid_by_end", "locked_in"])
    # a bond whose terms allow early repayment: borrowed in 2019 (≥ 50), all repaid from the 2020 sale
    r = solved(inp.with_changes(finance=(_bond(5, early=True),)))
    cf = r.cashflow()
    assert cf.loc[2019, "专项债券(万元)"] >= 50.0 - 1e-6
    assert cf.loc[2020, "还本(万元)"] == pytest.approx(cf.loc[2019, "专项债券(万元)"])
    assert r.kpis()["debt_at_horizon_end_wan_yuan"] == 0


def test_a_bond_is_repaid_exactly_at_its_term():
    # three years, a 1-year bond without early repayment: 50 borrowed in 2019 is repaid in 2020, not later
    # and not earlier, though the town could pay it back only in 2021 otherwise
    years = (2019, 2020, 2021)
    inp = inputs_abc(years=years, funds={2019: 50.0, 2020: 0.0, 2021: 0.0}, parcels=_locks(inn=["A"], out=["B", "C"]),
                     finance=(_bond(1, early=False),))
    r = solved(inp)
    cf = r.cashflow(decimals=None)
    b = 50 / 0.95  # 50 + b − 100 − 0.05 b = 0
    assert cf["专项债券(万元)"].tolist() == pytest.approx([b, 0.0, 0.0], abs=1e-6)
    assert cf["还本(万元)"].tolist() == pytest.approx([0.0, b, 0.0], abs=1e-6)


def test_debt_left_at_the_end_must_be_covered_by_the_stock():
    # B (cost 150) is locked in and never sold (no demand in time: lag 2 in a 2-year plan). With 'cover' the
    # debt left may be at most 0.8 × 150 = 120: funds 30 suffice (borrow 120), funds 20 do not.
    demand = inputs_abc().demand_mu * 0
    base = dict(parcels=_locks(inn=["B"], out=["A", "C"]), demand_mu=demand, lag=2,
                finance=(FinanceSource("company", "融资公司", rate=0.0, term_years=5, max_debt_wan_yuan=500.0),),
                debt_at_end="cover", stock_value_share=0.8)
    r = solved(inputs_abc(funds={2019: 30.0, 2020: 0.0}, **base))
    k = r.kpis()
    assert k["stock_value_at_horizon_end_wan_yuan"] == pytest.approx(120.0)
    assert 120.0 - 1e-6 <= k["debt_at_horizon_end_wan_yuan"] <= 120.0 + 1e-6
    assert "由期末库存覆盖" in r.summary()
    with pytest.raises(InfeasibleError, match="beyond the value of the stock"):
        ReservePlan(inputs_abc(funds={2019: 20.0, 2020: 0.0}, **base)).solve(time_limit_s=30, mip_gap=0.0)
    with pytest.raises(InfeasibleError, match="debt left at the end"):  # the default: repay it all
        ReservePlan(inputs_abc(funds={2019: 30.0, 2020: 0.0}, **{**base, "debt_at_end": "repay"})).solve(
            time_limit_s=30, mip_gap=0.0, relax=["debt_repaid_by_end", "locked_in"])


def test_the_checker_catches_each_money_defect():
    inp = inputs_abc(funds={2019: 50.0, 2020: 0.0}, parcels=_locks(inn=["A"]), finance=(_bond(1, early=True),),
                     deductions=TEN)
    r = solved(inp)
    # the same decisions read against stricter rules: no early repayment is allowed; or more 计提
    strict = ReservePlan(inp.with_changes(finance=(_bond(2, early=False),)))
    fake = type(r)(strict, r.outcome)
    assert any("before its term" in e or "debt left" in e for e in check_plan(fake))
    heavy = ReservePlan(inp.with_changes(deductions=(Deduction("levy", "测试", 0.99, "gross"),)))
    assert any("cash balance" in e for e in check_plan(type(r)(heavy, r.outcome)))


def test_deductions_from_parameters_and_the_rural_share():
    params = landkit.Parameters.load()
    assert sum(d.share for d in deductions_from(params)) == pytest.approx(0.45)
    half = params.with_overrides({"revenue.rural_share_min": 0.5})
    items = {d.name: d for d in deductions_from(half)}
    # 农田水利 10 % + 农业土地开发 15 % go to agriculture and rural areas; 25 % more brings them to 50 %
    assert items["rural_topup"].share == pytest.approx(0.25) and items["rural_topup"].base == "proceeds"
    bad = params.with_overrides({"revenue.deduction_bases": {"education": "proceeds", "farmland_water": "net",
                                                             "affordable_housing": "proceeds",
                                                             "agricultural_development": "proceeds"}})
    with pytest.raises(ValidationError, match="farmland_water"):
        deductions_from(bad)


def test_inputs_refuse_impossible_money_rules():
    with pytest.raises(ValidationError) as err:
        inputs_abc(deductions=(Deduction("a", "a", 0.7, "proceeds"), Deduction("b", "b", 0.6, "other")),
                   debt_at_end="later", returned_share=1.5)
    msg = str(err.value)
    assert "more than 1" in msg and "'other'" in msg and "later" in msg and "returned_share" in msg


def test_the_plan_says_why_special_bonds_are_not_used():
    plan = ReservePlan.from_town(landkit.load_sample())
    assert any("专项债券: a 5-year term may not be repaid early" in n for n in plan.inputs.notes)


def test_bank_loans_only_when_the_parameter_allows_them():
    params = landkit.Parameters.load()
    from landkit.reserve.inputs import finance_sources

    assert [f.name for f in finance_sources(params)] == ["bond", "company"]
    assert not finance_sources(params)[0].early_repayment
    allowed = params.with_overrides({"financing.bank_loans_allowed": True})
    bank = finance_sources(allowed)[-1]
    assert bank.name == "bank" and bank.rate == pytest.approx(float(params["financing.bank_rate"]))


def test_a_parcel_forty_percent_outside_the_boundary_counts_its_inside_part():
    # q0 (15 亩 farmland) with 60 % inside: 9 亩 of land, 农用地转用, farmland and capacity; compensation,
    # preparation and the fee on 9 亩; households and floor area whole
    town = square_town()
    parcels = town.parcels.copy()
    parcels["planned_use"] = "residential"
    share = pd.Series(1.0, index=parcels.index)
    share["q0"] = 0.6
    params = town.params
    table, gross, _ = cost_parcels(parcels, params, [2020], inside_share=share)
    whole, gross_whole, _ = cost_parcels(parcels, params, [2020])
    assert table.at["q0", "area_mu"] == pytest.approx(9.0)
    for col in ("acquisition_cost_wan_yuan", "prep_cost_wan_yuan", "land_use_fee_wan_yuan", "agricultural_mu",
                "farmland_mu", "capacity_kg", "holding_cost_wan_yuan_per_year"):
        assert table.at["q0", col] == pytest.approx(0.6 * whole.at["q0", col])
    assert gross.at["q0", 2020] == pytest.approx(0.6 * gross_whole.at["q0", 2020])
    assert table.at["q1", "demolition_cost_wan_yuan"] == whole.at["q1", "demolition_cost_wan_yuan"]


def test_a_town_parcel_partly_outside_the_boundary_is_planned_for_its_inside_part():
    # the boundary cuts q0 at x = 600060: 60 % inside; the plan says so and the checker holds it to that
    from shapely.geometry import box

    town = square_town()
    czk = town.layers["CZKFBJ"].copy()
    czk["geometry"] = [box(600040, 3896000, 601000, 3898000)]
    moved = landkit.Town.from_parcels(town.parcels[["BSM", "DLBM", "DLMC", "QSXZ", "ZLDWDM", "ZLDWMC", "TBMJ",
                                                    "GDDB", "households", "floor_area_m2", "geometry"]]
                                      .reset_index(drop=True), layers={**town.layers, "CZKFBJ": czk})
    plan = ReservePlan.from_town(moved, compactness_wan_yuan_per_km=0.0)
    p = plan.inputs.parcels
    assert p.at["q0", "inside_boundary_share"] == pytest.approx(0.6)
    assert p.at["q0", "area_mu"] == pytest.approx(9.0)
    assert any("partly outside the 城镇开发边界" in n for n in plan.inputs.notes)
    r = plan.solve(time_limit_s=30)
    assert check_plan(r) == []
    # the checker refuses a plan that claims the whole parcel
    whole = p.copy()
    whole.loc["q0", "area_mu"] = 15.0
    fake = type(r)(ReservePlan(plan.inputs.with_changes(parcels=whole)), r.outcome)
    fake.plan.town = moved
    if r.acquire.loc["q0"].sum():
        assert any("inside the 城镇开发边界" in e for e in check_plan(fake))


def _brute_force(inputs):
    """Every (acquire year, supply year) per parcel, company debt 0, 计提 on the year's totals."""
    years = list(inputs.years)
    p = inputs.parcels
    cost = inputs.cost_wan_yuan
    options = [(None, None)]
    for ia, ya in enumerate(years):
        options += [(ya, None)] + [(ya, ys) for ys in years[ia + inputs.supply_lag_years:]]
    delta = {y: (1 + inputs.discount_rate) ** -(y - years[0]) for y in years}
    best = -np.inf
    for combo in itertools.product(options, repeat=len(p)):
        cash, npv, ok = inputs.opening_cash_wan_yuan, 0.0, True
        sold: dict[int, dict[str, float]] = {y: {} for y in years}
        for y in years:
            spend = sum(cost[i] for i, (ya, _) in zip(p.index, combo, strict=True) if ya == y)
            quota = sum(p.at[i, "agricultural_mu"] for i, (ya, _) in zip(p.index, combo, strict=True) if ya == y)
            out = [i for i, (_, ys) in zip(p.index, combo, strict=True) if ys == y]
            gross = sum(inputs.revenue_gross.at[i, y] for i in out)
            base = {"gross": gross, "proceeds": gross - sum(cost[i] for i in out)}
            ded = sum(d.share * max(0.0, base[d.base]) for d in inputs.deductions)
            returned = inputs.returned_share * (gross - ded)
            cash += float(inputs.funds_wan_yuan[y]) + returned - spend
            npv += delta[y] * (returned - spend)
            ok &= cash >= -1e-9 and quota <= inputs.quota_mu[y] + 1e-9
            for i in out:
                use = p.at[i, "planned_use"]
                sold[y][use] = sold[y].get(use, 0.0) + p.at[i, "area_mu"]
        penalty = 0.0
        for y in years:
            for use in inputs.demand_mu.index:
                d, got = float(inputs.demand_mu.at[use, y]), sold[y].get(use, 0.0)
                ok &= got <= inputs.market_absorption * d + 1e-9
                penalty += delta[y] * inputs.shortfall_penalty_wan_per_mu * max(d - got, 0.0)
        if ok:
            best = max(best, npv - penalty)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_brute_force_with_deductions_and_fees(seed):
    rng = np.random.default_rng(100 + seed)
    n, years = 4, (2019, 2020, 2021)
    idx = pd.Index([f"p{i}" for i in range(n)], name="parcel")
    area = rng.integers(2, 12, n).astype(float)
    p = pd.DataFrame({
        "area_mu": area, "planned_use": rng.choice(["residential", "industrial"], n),
        "acquisition_cost_wan_yuan": rng.integers(20, 120, n).astype(float),
        "demolition_cost_wan_yuan": rng.integers(0, 30, n).astype(float), "prep_cost_wan_yuan": area * 5,
        "land_use_fee_wan_yuan": area * rng.uniform(0, 2, n), "holding_cost_wan_yuan_per_year": np.zeros(n),
        "households": np.zeros(n, int), "agricultural_mu": area, "farmland_mu": np.zeros(n),
        "paddy_mu": np.zeros(n), "capacity_kg": np.zeros(n)}, index=idx)
    revenue = pd.DataFrame({y: area * rng.uniform(3, 40, n) for y in years}, index=idx)
    demand = pd.DataFrame({y: {"industrial": float(rng.integers(0, 10)), "commercial": 0.0,
                               "residential": float(rng.integers(0, 15)), "public": 0.0} for y in years})
    inputs = inputs_abc(
        years=years, parcels=p, revenue_gross=revenue, funds={y: float(rng.integers(50, 250)) for y in years},
        demand_mu=demand, quota_mu=pd.Series({y: 100.0 for y in years}), discount_rate=0.05,
        shortfall_penalty_wan_per_mu=20.0, market_absorption=1.5, returned_share=float(rng.uniform(0.6, 1.0)),
        deductions=(Deduction("a", "甲", 0.3, "proceeds"), Deduction("b", "乙", 0.05, "gross")))
    r = solved(inputs)
    assert r.objective == pytest.approx(_brute_force(inputs), abs=1e-5)


def test_county_funds_split_with_enterprise_support_and_mining_income():
    # funds 2019 = 200: 30 % to firms (贷款贴息, 以奖代补) leaves 140 for land, +10 of 矿业权出让收益 = 150, which
    # buys A (100) and C (50) but not B; the lines appear in the 资金平衡表 and the checker recomputes them
    demand = inputs_abc().demand_mu.copy()
    demand.loc["industrial", 2020] = 5.0
    inp = inputs_abc(funds={2019: 200.0, 2020: 0.0}, demand_mu=demand, enterprise_support_share=0.3,
                     other_income_wan_yuan=pd.Series({2019: 10.0, 2020: 0.0}))
    r = solved(inp)
    cf = r.cashflow()
    assert cf.loc[2019, "企业扶持(万元)"] == pytest.approx(60.0)
    assert cf.loc[2019, "矿业权出让收益(万元)"] == pytest.approx(10.0)
    assert cf.loc[2019, "年末余额(万元)"] == pytest.approx(200 - 60 + 10 - 150)
    assert sorted(r.schedule.index) == ["A", "C"]
    assert r.npv_wan_yuan() == pytest.approx(300 + 40 - 150)  # support is not land value
    # the same decisions with more support for firms: the checker finds the cash short
    fake = type(r)(ReservePlan(inp.with_changes(enterprise_support_share=0.9)), r.outcome)
    assert any("cash balance" in e for e in check_plan(fake))
    params = landkit.Parameters.load()
    assert float(params["funds.enterprise_support_share"]) == 0.0
    assert params.param("funds.mining_rights_income").is_estimate


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_yijiang_daibu_on_industrial_land_supplied(solver):
    # C (5 亩 industrial, cost 50, sells for 40) with 以奖代补 of 2 万元/亩: 10 万元 paid in 2020 when C is supplied;
    # the NPV of A and C falls from 190 to 180 and the line is in the 资金平衡表
    demand = inputs_abc().demand_mu.copy()
    demand.loc["industrial", 2020] = 5.0
    base = dict(funds={2019: 150.0, 2020: 0.0}, parcels=_locks(inn=["A", "C"], out=["B"]), demand_mu=demand)
    r0 = solved(inputs_abc(**base), solver)
    r = solved(inputs_abc(**base, industrial_reward_wan_per_mu=2.0), solver)
    assert r0.npv_wan_yuan() == pytest.approx(190.0)
    assert r.npv_wan_yuan() == pytest.approx(180.0)
    assert r.cashflow().loc[2020, "以奖代补(万元)"] == pytest.approx(10.0)
    assert r.cashflow().loc[2019, "以奖代补(万元)"] == 0


def test_industrial_land_carries_its_control_indicators_by_hand() -> None:
    """10 亩 of industrial land supplied in 2020 must host ≥ 10 × 666.67 m² × 0.8 = 0.5333 万m² of floor area on
    ≥ 3 亩 of building footprint, give ≤ 0.7 亩 to offices, and (wood zone) bring 1,890 万元 and 94 万元/年 of tax."""
    from types import SimpleNamespace

    from landkit.params import Parameters
    from landkit.reserve.result import ReserveResult

    demand = pd.DataFrame({"规划用途": ["工业", "工业", "住宅"], "年度": [2019, 2020, 2020],
                           "需求(亩)": [0.0, 10.0, 5.0], "供应(亩)": [0.0, 10.0, 5.0], "缺口(亩)": [0.0, 0.0, 0.0]})
    fake = SimpleNamespace(demand_table=lambda: demand)
    t = ReserveResult.industrial_table(fake, Parameters.load()).set_index("年度")  # type: ignore[arg-type]
    assert t.loc[2019, "工业用地供应(亩)"] == 0.0
    row = t.loc[2020]
    assert row["工业用地供应(亩)"] == 10.0
    assert row["最低建筑面积(万m²)"] == pytest.approx(0.53, abs=0.005)
    assert row["最低建筑占地(亩)"] == pytest.approx(3.0)
    assert row["行政办公用地上限(亩)"] == pytest.approx(0.7)
    assert row["预期投资(万元)"] == pytest.approx(1890.0)
    assert row["预期税收(万元/年)"] == pytest.approx(94.0)
    assert "容积率 ≥ 0.8" in row["说明"]
