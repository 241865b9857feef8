"""土地收储 plan: hand-derived tiny cases, brute force, two solvers, the independent checker."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from reserve_cases import enumerate_plans, inputs_abc, parcels_abc

from landkit import InfeasibleError, ValidationError
from landkit.optimize import Status
from landkit.reserve import FinanceSource, ReservePlan, check_plan
from landkit.reserve.start import support_start


def solved(inputs, solver="highs", **kw):
    plan = ReservePlan(inputs, **kw)
    result = plan.solve(solver=solver, time_limit_s=30, mip_gap=0.0)
    assert result.status is Status.OPTIMAL
    assert check_plan(result) == []
    return result


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_budget_buys_only_the_affordable_parcel(solver):
    # 2019 funds 120 万元: only A (cost 100) is affordable; supplied 2020 for 300 → NPV 200.
    r = solved(inputs_abc(), solver)
    assert list(r.schedule.index) == ["A"]
    assert r.schedule.loc["A", "year_acquired"] == 2019
    assert r.schedule.loc["A", "year_supplied"] == 2020
    assert r.npv_wan_yuan() == pytest.approx(200.0)
    assert r.objective == pytest.approx(200.0)
    cf = r.cashflow()
    assert cf.loc[2019, "年末余额(万元)"] == pytest.approx(20.0)
    assert cf.loc[2020, "年末余额(万元)"] == pytest.approx(320.0)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_more_funds_buy_both(solver):
    # funds 260: A and B (250) both bought in 2019 and sold 2020: 300 + 320 − 250 = 370.
    r = solved(inputs_abc(funds={2019: 260.0, 2020: 0.0}), solver)
    assert sorted(r.schedule.index) == ["A", "B"]
    assert r.npv_wan_yuan() == pytest.approx(370.0)


def test_discounting():
    # rate 10 %: −100 + 300 / 1.1 = 172.727…
    r = solved(inputs_abc(discount_rate=0.1))
    assert r.npv_wan_yuan() == pytest.approx(-100 + 300 / 1.1)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_borrowing_covers_the_gap_at_least_interest(solver):
    # funds 50, company loan 10 %/yr, 1-year term: borrow b with 50 + b − 100 − 0.1 b ≥ 0 → b = 500/9;
    # interest 0.1 b in 2019 and again in 2020 (repaid at the end of 2020): NPV = 200 − 0.2 b.
    loan = FinanceSource("company", "融资公司", rate=0.1, term_years=1, max_debt_wan_yuan=100.0)
    r = solved(inputs_abc(funds={2019: 50.0, 2020: 0.0}, finance=(loan,)), solver)
    b = 500 / 9
    assert r.npv_wan_yuan() == pytest.approx(200 - 0.2 * b, rel=1e-6)
    cf = r.cashflow(decimals=None)
    assert cf.loc[2019, "融资公司(万元)"] == pytest.approx(b, rel=1e-6)
    assert cf.loc[2020, "年末债务(万元)"] == pytest.approx(0.0, abs=1e-6)


def test_debt_ceiling_binds():
    loan = FinanceSource("company", "融资公司", rate=0.1, term_years=1, max_debt_wan_yuan=40.0)
    r = solved(inputs_abc(funds={2019: 50.0, 2020: 0.0}, finance=(loan,)))
    assert r.schedule.empty  # 50 + 40 − 4 < 100: A unaffordable
    assert r.npv_wan_yuan() == pytest.approx(0.0)


def test_bundle_forces_companion():
    # A and C in one bundle, B locked out: with 150 万元 both are bought (NPV 300 − 150); with 120 neither.
    p = parcels_abc().assign(bundle=pd.Series(["k", pd.NA, "k"], index=["A", "B", "C"], dtype="string"),
                             locked_out=[False, True, False])
    r = solved(inputs_abc(funds={2019: 150.0, 2020: 0.0}, parcels=p))
    assert sorted(r.schedule.index) == ["A", "C"]
    assert r.npv_wan_yuan() == pytest.approx(150.0)
    r = solved(inputs_abc(parcels=p))
    assert r.schedule.empty


def test_locks():
    p = parcels_abc().assign(locked_in=[False, False, True], locked_out=[True, False, False])
    r = solved(inputs_abc(funds={2019: 400.0, 2020: 0.0}, parcels=p))
    assert "C" in r.schedule.index and "A" not in r.schedule.index


def test_resettlement_capacity():
    # capacity 1 household: A (2 households) is not allowed, B (0) is but costs 150 > 120 → nothing.
    r = solved(inputs_abc(resettlement_households=pd.Series({2019: 1, 2020: 1})))
    assert "A" not in r.schedule.index


def test_quota_limits_farmland_conversion():
    r = solved(inputs_abc(funds={2019: 260.0, 2020: 0.0}, quota_mu=pd.Series({2019: 10.0, 2020: 10.0})))
    assert len(r.schedule) == 1  # one 10-亩 parcel per year of quota


def test_lag_two_years():
    years = (2019, 2020, 2021)
    r = solved(inputs_abc(years=years, lag=2, funds={2019: 120.0, 2020: 0.0, 2021: 0.0}, demand_res_2020=0.0,
                          demand_mu=pd.DataFrame({y: {"industrial": 0.0, "commercial": 0.0,
                                                      "residential": 10.0 if y == 2021 else 0.0, "public": 0.0}
                                                  for y in years})))
    assert r.schedule.loc["A", "year_supplied"] == 2021


def test_min_cost_infeasible_explained_in_mu():
    # 30 亩 residential demand, only 20 亩 of candidates: short by 10 亩.
    plan = ReservePlan(inputs_abc(funds={2019: 1000.0, 2020: 0.0}, demand_res_2020=30.0), objective="min_cost")
    with pytest.raises(InfeasibleError) as err:
        plan.solve(time_limit_s=30)
    msg = str(err.value)
    assert "residential demand in 2020" in msg and "10" in msg and "亩" in msg


def test_locked_in_unaffordable_explained_in_wan_yuan():
    # B (150 万元) locked in, 100 万元 of funds, nothing to sell: cheapest explanation is one year's cash
    # balance short by 50 万元 (buying in 2020 violates only the 2020 balance).
    p = parcels_abc().assign(locked_in=[False, True, False])
    plan = ReservePlan(inputs_abc(funds={2019: 100.0, 2020: 0.0}, parcels=p, demand_res_2020=0.0),
                       objective="min_cost")
    with pytest.raises(InfeasibleError) as err:
        plan.solve(time_limit_s=30)
    msg = str(err.value)
    assert "2020 cash balance" in msg and "50" in msg and "万元" in msg


def test_shortfall_reported_in_npv_mode():
    r = solved(inputs_abc(funds={2019: 1000.0, 2020: 0.0}, demand_res_2020=30.0))
    d = r.demand_table()
    row = d[(d["规划用途"] == "住宅") & (d["年度"] == 2020)].iloc[0]
    assert row["缺口(亩)"] == pytest.approx(10.0)
    assert r.kpis()["shortfall_mu"] == pytest.approx(10.0)


def test_bad_inputs_listed_together():
    p = parcels_abc()
    p.loc["A", "area_mu"] = -1.0
    p.loc["B", "planned_use"] = "farm"
    with pytest.raises(ValidationError) as err:
        inputs_abc(parcels=p)
    msg = str(err.value)
    assert "area_mu" in msg and "planned_use" in msg and "farm" in msg


def _brute_force(inputs) -> float:
    """Enumerate every (acquire year, supply year) per parcel with no borrowing; best feasible NPV."""
    return max((value for value, _ in enumerate_plans(inputs)), default=-np.inf)


@pytest.mark.parametrize("seed", range(6))
def test_brute_force_small_random(seed):
    rng = np.random.default_rng(seed)
    n = 4
    years = (2019, 2020, 2021)
    idx = pd.Index([f"p{i}" for i in range(n)], name="parcel")
    area = rng.integers(2, 12, n).astype(float)
    p = pd.DataFrame(
        {
            "area_mu": area,
            "planned_use": rng.choice(["residential", "industrial"], n),
            "acquisition_cost_wan_yuan": rng.integers(20, 120, n).astype(float),
            "demolition_cost_wan_yuan": rng.integers(0, 30, n).astype(float),
            "prep_cost_wan_yuan": area * 5,
            "land_use_fee_wan_yuan": np.zeros(n),
            "holding_cost_wan_yuan_per_year": np.zeros(n),
            "households": rng.integers(0, 4, n),
            "agricultural_mu": area * rng.integers(0, 2, n),
            "farmland_mu": np.zeros(n),
            "paddy_mu": np.zeros(n),
            "capacity_kg": np.zeros(n),
        },
        index=idx,
    )
    price = rng.uniform(5, 40, n)
    revenue = pd.DataFrame({y: area * price * (1.03 ** k) for k, y in enumerate(years)}, index=idx)
    demand = pd.DataFrame({y: {"industrial": float(rng.integers(0, 10)), "commercial": 0.0,
                               "residential": float(rng.integers(0, 15)), "public": 0.0} for y in years})
    inputs = inputs_abc(
        years=years, parcels=p, revenue_gross=revenue,
        funds={y: float(rng.integers(50, 250)) for y in years}, demand_mu=demand,
        quota_mu=pd.Series({y: float(rng.integers(5, 25)) for y in years}),
        resettlement_households=pd.Series({y: int(rng.integers(1, 6)) for y in years}),
        discount_rate=0.05, shortfall_penalty_wan_per_mu=50.0, market_absorption=1.5,
    )
    expected = _brute_force(inputs)
    r = solved(inputs)
    assert r.objective == pytest.approx(expected, abs=1e-6)


def test_pareto_front_households():
    # A moves 2 households, B none. Uncapped (funds 260): both bought, NPV 370, 2 households.
    # Cap 1 household: A excluded → B alone, NPV 320 − 150 = 170. Cap 0: the same.
    plan = ReservePlan(inputs_abc(funds={2019: 260.0, 2020: 0.0}))
    front = plan.pareto(against="households", points=3, time_limit_s=30, mip_gap=0.0)
    assert list(front["cap"]) == [2.0, 1.0, 0.0]
    assert list(front["npv_wan_yuan"]) == pytest.approx([370.0, 170.0, 170.0])
    assert list(front["households"]) == [2, 0, 0]
    from landkit.reserve import plot_pareto

    fig = plot_pareto(front)
    assert "NPV" in fig.axes[0].get_ylabel()


def test_marginal_budget_hand_case():
    # 160 万元 in 2019 buys A only (NPV 200); 100 more in 2019 buys B too (NPV 370, +170);
    # 100 more in 2020 buys nothing useful (a 2020 purchase cannot be sold within the plan).
    plan = ReservePlan(inputs_abc(funds={2019: 160.0, 2020: 0.0}))
    table = plan.marginal_budget(step_wan_yuan=100.0, time_limit_s=30, mip_gap=0.0)
    assert list(table["年度"]) == [2019, 2020]
    assert list(table["目标值变化(万元)"]) == pytest.approx([170.0, 0.0])
    assert table["说明"].str.contains("estimate").all()


def test_relax_only_cash_says_how_much_money_is_missing():
    # 30 亩 of residential demand needs A and B (250 万元) bought in 2019; with 100 万元 and demand held
    # firm, the 2019 cash balance is short by exactly 150 万元.
    plan = ReservePlan(inputs_abc(funds={2019: 100.0, 2020: 0.0}, demand_res_2020=20.0), objective="min_cost")
    with pytest.raises(InfeasibleError) as err:
        plan.solve(time_limit_s=30, relax=["cash"], diagnose_time_limit_s=10)
    msg = str(err.value)
    assert "2019 cash balance" in msg and "150" in msg
    with pytest.raises(ValidationError, match="nope"):
        plan.solve(relax=["nope"])


# ---------------------------------------------------------------------- opening stock (rolling re-planning)
def _held(since: dict[str, int], **changes: object):
    base = inputs_abc(**changes)
    p = base.parcels.copy()
    p["held_since"] = pd.array([since.get(i) for i in p.index], dtype="Int64")
    return base.with_changes(parcels=p)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_held_parcel_is_supplied_without_paying_for_it_again(solver):
    # B is held since 2018 (its 150 万元 is sunk): it sells in 2020 for 320 at no cost in this plan.
    # The 120 万元 of 2019 still buys A (100), sold in 2020 for 300 (the market takes 2 × 10 亩).
    # NPV 320 + 300 − 100 = 520; cash 2019: 120 − 100 = 20; 2020: 20 + 620 = 640.
    r = solved(_held({"B": 2018}), solver)
    s = r.schedule
    assert sorted(s.index) == ["A", "B"]
    assert bool(s.loc["B", "held_at_start"]) and s.loc["B", "year_acquired"] == 2018
    assert s.loc["B", "year_supplied"] == 2020 and s.loc["B", "cost_wan_yuan"] == 0.0
    assert not s.loc["A", "held_at_start"] and s.loc["A", "cost_wan_yuan"] == 100.0
    assert r.npv_wan_yuan() == pytest.approx(520.0)
    k = r.kpis()
    assert k["acquired_parcels"] == 1 and k["acquired_mu"] == 10.0
    assert k["held_at_start_mu"] == 10.0 and k["supplied_mu"] == 20.0
    assert k["households"] == 2 and k["farmland_mu"] == 10.0  # A only: B was counted when it was acquired
    cf = r.cashflow()
    assert cf.loc[2019, "年末余额(万元)"] == pytest.approx(20.0)
    assert cf.loc[2020, "年末余额(万元)"] == pytest.approx(640.0)
    assert list(r.occupations()["parcel"]) == ["A"]


def test_holding_the_opening_stock_costs_and_the_objective_says_how():
    # B costs 5 万元 a year to hold: held through 2019, sold in 2020 → NPV 520 − 5 = 515. The
    # solver's objective leaves out the constant −10 (holding B both years whatever happens).
    inp = _held({"B": 2018})
    p = inp.parcels.copy()
    p.loc["B", "holding_cost_wan_yuan_per_year"] = 5.0
    r = solved(inp.with_changes(parcels=p))
    assert r.npv_wan_yuan() == pytest.approx(515.0)
    assert r.objective == pytest.approx(525.0)
    assert r.cashflow().loc[2019, "持有成本(万元)"] == pytest.approx(5.0)


def test_a_held_parcel_waits_for_its_lag():
    # B acquired in 2019 (the plan's first year) with a 1-year lag cannot be sold in 2019 even though
    # 2019 pays 500 and the market would take it; it sells in 2020 for 320.
    inp = _held({"B": 2019})
    rev = inp.revenue_gross.copy()
    rev.loc["B", 2019] = 500.0
    demand = inp.demand_mu.copy()
    demand.loc["residential", 2019] = 10.0
    r = solved(inp.with_changes(revenue_gross=rev, demand_mu=demand))
    assert r.schedule.loc["B", "year_supplied"] == 2020
    r0 = solved(_held({"B": 2018}).with_changes(revenue_gross=rev, demand_mu=demand))
    assert r0.schedule.loc["B", "year_supplied"] == 2019  # held since 2018: ready in 2019


def test_held_parcels_reject_contradictory_inputs():
    with pytest.raises(ValidationError, match="held from a year after"):
        _held({"B": 2020})  # after the plan's first year
    p = _held({"B": 2018}).parcels.copy()
    p["locked_out"] = p.index == "B"
    with pytest.raises(ValidationError, match="cannot be locked out"):
        inputs_abc().with_changes(parcels=p)


def test_preparation_still_owed_on_a_held_parcel_is_paid_in_the_first_year():
    # B is held but its 前期开发 is not done: its 20 万元 of preparation is owed in 2019. A is still bought
    # (120 − 100 − 20 = 0 left in 2019) and both sell in 2020: NPV 520 − 20 = 500.
    inp = _held({"B": 2018})
    p = inp.parcels.copy()
    p["prep_pending"] = p.index == "B"
    r = solved(inp.with_changes(parcels=p))
    assert r.npv_wan_yuan() == pytest.approx(500.0)
    assert r.objective == pytest.approx(520.0)  # the constant 20 is outside the solver's objective
    cf = r.cashflow()
    assert cf.loc[2019, "前期开发(万元)"] == pytest.approx(40.0)  # A's 20 and B's 20 owed
    assert cf.loc[2019, "年末余额(万元)"] == pytest.approx(0.0)
    assert inp.with_changes(parcels=p).pending_prep_wan_yuan == pytest.approx(20.0)


@pytest.mark.parametrize("cumulative, lp_optimum", [(True, 450.0), (False, 900.0)])
def test_lp_relaxation_supplies_no_share_of_a_parcel_before_it_is_acquired(monkeypatch, cumulative, lp_optimum):
    import landkit.reserve.model as reserve_model

    # large plans get the cumulative row; a threshold of 0 (or one above this plan) picks the form here
    monkeypatch.setattr(reserve_model, "CUMULATIVE_LAG_FROM", 0 if cumulative else 10**9)
    # A alone (10 亩 farmland, cost 100), 2019-2022, lag 1; quota 5 亩 in 2019, 0 in 2020, 10 in 2021; sold for
    # 1000 in 2020 or 2021, for nothing in 2022. No whole plan pays (2019 and 2020 lack quota, 2022 sells for
    # nothing): optimum 0. A per-year lag row (s_t ≤ A_{t-1}) let the LP buy half in 2019 and half in 2021 and
    # sell a half in 2020 and in 2021 (1000 - 100 = 900); the cumulative row (s_2020 + s_2021 ≤ A_2020 = x_2019
    # ≤ 0.5) leaves the LP 0.5 · (1000 - 100) = 450.
    years = (2019, 2020, 2021, 2022)
    p = parcels_abc().loc[["A"]]
    revenue = pd.DataFrame({2019: [0.0], 2020: [1000.0], 2021: [1000.0], 2022: [0.0]}, index=p.index)
    demand = pd.DataFrame({y: {"industrial": 0.0, "commercial": 0.0, "residential": 10.0 if y in (2020, 2021)
                               else 0.0, "public": 0.0} for y in years})
    inputs = inputs_abc(years=years, parcels=p, revenue_gross=revenue, demand_mu=demand,
                        funds={2019: 1000.0, 2020: 0.0, 2021: 0.0, 2022: 0.0},
                        quota_mu=pd.Series({2019: 5.0, 2020: 0.0, 2021: 10.0, 2022: 0.0}),
                        resettlement_households=pd.Series({y: 10 for y in years}), shortfall_penalty_wan_per_mu=0.0)
    plan = ReservePlan(inputs)
    _, lp_bound, _ = support_start(plan.build(), until=time.perf_counter() + 30, mip_gap=0.0)
    assert lp_bound == pytest.approx(lp_optimum)  # the same integer plans, a tighter LP with the cumulative row
    assert solved(inputs).objective == pytest.approx(0.0, abs=1e-6)
    assert _brute_force(inputs) == pytest.approx(0.0, abs=1e-6)
