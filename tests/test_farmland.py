"""耕地占补平衡: price conversions, hand-derived balances and duals, the ledger's rules, regimes, diagnosis."""

from __future__ import annotations

import pandas as pd
import pytest

import landkit
from landkit import InfeasibleError, ValidationError
from landkit.farmland import (
    FarmlandBalance,
    FarmlandLedger,
    SupplementUnit,
    candidate_units,
    capacity_per_mu,
    check_balance,
    indicator,
    national_price,
    occupation_table,
    occupations_from_layer,
    reclamation,
    regime_for,
    shandong_price,
    upgrade,
)
from landkit.optimize import Status
from landkit.params import Parameters

P = Parameters.load()
SOLVERS = ["highs", "cbc"]


def occ(area=10.0, grade=8, paddy=False, year=2024, source="site", id_="A", **extra):
    return pd.DataFrame({"source": [source], "id": [id_], "year": [year], "area_mu": [area], "grade": [grade],
                         "paddy": [paddy], **{k: [v] for k, v in extra.items()}})


def solved(occupations, units, solver="highs", regime="auto"):
    r = FarmlandBalance.from_occupations(occupations, units, regime=regime, params=P).solve(solver=solver,
                                                                                           time_limit_s=30)
    assert r.status is Status.OPTIMAL
    assert check_balance(r) == []
    return r


# ---------------------------------------------------------------------------- conversions (DOMAIN.md numbers)
def test_shandong_prices_match_the_guide():
    assert shandong_price(6, paddy=False, params=P) == pytest.approx(13.8 + 2 * 1.1)  # 16.0
    assert shandong_price(6, paddy=False, params=P) == pytest.approx(16.0)
    assert shandong_price(8, paddy=True, params=P) == pytest.approx(18.8)
    assert shandong_price(10, paddy=False, params=P) == pytest.approx(11.6)
    assert shandong_price(3, paddy=True, kind="pooled", params=P) == pytest.approx(16.0)
    assert shandong_price(12, paddy=False, kind="pooled", params=P) == pytest.approx(11.0)


def test_national_price_and_capacity():
    assert capacity_per_mu(8, P) == 600.0
    assert capacity_per_mu(6, P) - capacity_per_mu(7, P) == pytest.approx(100.0)
    assert national_price(paddy=True, capacity_kg_per_mu=600, params=P) == pytest.approx(32.0)  # (20 + 6×2) × 1
    assert national_price(paddy=False, capacity_kg_per_mu=600, params=P) == pytest.approx(22.0)
    assert national_price(paddy=True, capacity_kg_per_mu=600, region="beijing_shanghai", params=P) == 64.0
    assert national_price(paddy=False, capacity_kg_per_mu=0, region="lowest", params=P) == 5.0
    u = indicator("N", market="national", grade=8, paddy=True, max_mu=10, year=2024, params=P)
    assert u.cost_wan_yuan == pytest.approx(320.0) and u.capacity_kg == 6000 and u.paddy_mu == 10


@pytest.mark.parametrize("grade", [0, 16, 7.5, "8", None])
def test_bad_grade_is_refused(grade):
    with pytest.raises(ValidationError, match="等别"):
        capacity_per_mu(grade, P)


def test_regime_by_date():
    assert regime_for("2024-12-31", P) == "per_project"
    assert regime_for("2025-01-01", P) == "annual"
    with pytest.raises(ValidationError, match="not a date"):
        regime_for("soon", P)


# ---------------------------------------------------------------------------- each balance binding in turn
@pytest.mark.parametrize("solver", SOLVERS)
def test_quantity_binding_dual_is_the_indicator_price(solver):
    # 10 亩 dry grade 8 (6000 kg); only 调剂 grade-6 indicators (16.0 万元/亩, 800 kg/亩): buy 10 亩 = 160 万元,
    # capacity 8000 kg ≥ 6000 (slack). One more 亩 occupied costs one more 亩 bought: 16.0.
    r = solved(occ(), [indicator("I6", market="shandong_adjusted", grade=6, paddy=False, max_mu=100, year=2024,
                                 params=P)], solver)
    assert r.cost_wan_yuan == pytest.approx(160.0)
    mc = r.marginal_costs().loc["site 2024年"]
    assert mc["数量(万元/亩)"] == pytest.approx(16.0)
    assert mc["产能(万元/100公斤)"] == pytest.approx(0.0)
    assert mc["水田(万元/亩)"] == pytest.approx(0.0)
    assert mc["最贵约束"] == "数量"
    assert r.balance_sheet().loc["site 2024年", "产能结余(公斤)"] == pytest.approx(2000.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity_binding_dual_is_the_upgrade_price(solver):
    # 10 亩 dry grade 6 (8000 kg). Grade-10 indicators 11.6 万元/亩 give 400 kg/亩; 提质改造 (10 → 8) gives
    # 200 kg/亩 for 2 × 1.5 = 3 万元/亩, i.e. 1.5 万元 per 100 kg. Optimum: 10 亩 (116) + 4000 kg (60) = 176.
    # Duals: capacity 1.5 万元/100 kg; quantity 11.6 − 4 × 1.5 = 5.6 万元/亩 (a 亩 also brings 400 kg).
    units = [indicator("I10", market="shandong_adjusted", grade=10, paddy=False, max_mu=100, year=2024, params=P),
             upgrade("U", area_mu=50, grade_from=10, grade_to=8, year=2024, divisible=True, params=P)]
    r = solved(occ(grade=6), units, solver)
    assert r.cost_wan_yuan == pytest.approx(176.0)
    mc = r.marginal_costs().loc["site 2024年"]
    assert mc["产能(万元/100公斤)"] == pytest.approx(1.5)
    assert mc["数量(万元/亩)"] == pytest.approx(5.6)
    assert mc["水田(万元/亩)"] == pytest.approx(0.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_paddy_binding_dual_is_the_conversion_price(solver):
    # 10 亩 paddy grade 8. Ordinary grade-7 indicators 14.9 + 旱改水 3.0 = 17.9 < paddy grade-7 indicators 19.9.
    # Duals: paddy 3.0 万元/亩 (旱改水), quantity 14.9 万元/亩, capacity slack (700 > 600 kg/亩).
    units = [indicator("I7", market="shandong_adjusted", grade=7, paddy=False, max_mu=100, year=2024, params=P),
             indicator("P7", market="shandong_adjusted", grade=7, paddy=True, max_mu=100, year=2024, params=P),
             upgrade("W", area_mu=50, grade_from=8, grade_to=8, to_paddy=True, year=2024, divisible=True, params=P)]
    r = solved(occ(paddy=True), units, solver)
    assert r.cost_wan_yuan == pytest.approx(179.0)
    mc = r.marginal_costs().loc["site 2024年"]
    assert mc["水田(万元/亩)"] == pytest.approx(3.0)
    assert mc["数量(万元/亩)"] == pytest.approx(14.9)
    assert mc["产能(万元/100公斤)"] == pytest.approx(0.0)
    assert "P7" not in set(r.units_cancelled()["编号"])


@pytest.mark.parametrize("solver", SOLVERS)
def test_whole_project_milp_and_fixed_lp_duals(solver):
    # As the paddy case plus a whole reclamation project R (4 亩 grade 8, 16 万元 = 4 万元/亩 < 14.9): it is built,
    # then 6 亩 of I7 (89.4) and 10 亩 旱改水 (30): 135.4 万元. Duals from the LP with R fixed.
    units = [indicator("I7", market="shandong_adjusted", grade=7, paddy=False, max_mu=100, year=2024, params=P),
             upgrade("W", area_mu=50, grade_from=8, grade_to=8, to_paddy=True, year=2024, divisible=True, params=P),
             reclamation("R", area_mu=4, grade=8, year=2023, params=P)]
    r = solved(occ(paddy=True), units, solver)
    assert r.outcome.is_mip and "固定所选整体项目" in r.dual_note
    assert r.cost_wan_yuan == pytest.approx(135.4)
    t = r.units_cancelled().set_index("编号")
    assert t.loc["R", "核销比例"] == pytest.approx(1.0)
    assert t.loc["I7", "数量(亩)"] == pytest.approx(6.0)
    assert r.marginal_costs().loc["site 2024年", "水田(万元/亩)"] == pytest.approx(3.0)


def test_whole_project_too_big_is_cancelled_whole_and_surplus_shown():
    # A whole project of 30 亩 for a 10 亩 occupation: cancelled whole, 20 亩 结余.
    r = solved(occ(), [reclamation("R", area_mu=30, grade=8, year=2024, params=P)])
    assert r.cost_wan_yuan == pytest.approx(120.0)
    assert r.balance_sheet().loc["site 2024年", "数量结余(亩)"] == pytest.approx(20.0)
    assert r.units_cancelled().loc[0, "核销比例"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- ledger rules
def ledger_with_units():
    return FarmlandLedger(P).occupy(occ()).add_units(
        [indicator("I6", market="shandong_adjusted", grade=6, paddy=False, max_mu=100, year=2024, params=P),
         reclamation("R", area_mu=30, grade=8, year=2024, params=P)])


def test_double_cancellation_raises_naming_the_unit():
    ledger = ledger_with_units()
    ledger.cancel("I6", against="site 2024年", share=0.05)
    with pytest.raises(ValidationError, match=r"'I6': was already cancelled.*site 2024") as info:
        ledger.cancel("I6", against="site 2024年", share=0.05)
    assert info.value.problems[0].kind == "double_cancellation"


def test_cancel_rules():
    ledger = ledger_with_units()
    with pytest.raises(ValidationError, match="whole project"):
        ledger.cancel("R", against="site 2024年", share=0.5)
    with pytest.raises(ValidationError, match="not registered"):
        ledger.cancel("nope", against="site 2024年")
    with pytest.raises(ValidationError, match="has no occupation"):
        ledger.cancel("I6", against="elsewhere", share=0.1)
    late = FarmlandLedger(P).occupy(occ()).add_units([reclamation("L", area_mu=10, grade=8, year=2025, params=P)])
    with pytest.raises(ValidationError, match="available in 2025"):
        late.cancel("L", against="site 2024年")
    with pytest.raises(ValidationError, match="already registered"):
        ledger.add_units([reclamation("R", area_mu=1, grade=8, year=2024, params=P)])


def test_manual_balance_sheet_and_shortfalls():
    ledger = ledger_with_units()
    ledger.cancel("I6", against="site 2024年", share=0.05)  # 5 亩, 4000 kg of 10 亩, 6000 kg
    assert ledger.shortfalls() == ["site 2024年: 数量 short by 5.00 亩", "site 2024年: 产能 short by 2,000.00 公斤"]
    sheet = ledger.balance_sheet()
    assert not sheet.loc["site 2024年", "平衡"]
    assert sheet.loc["合计", "补充数量(亩)"] == pytest.approx(5.0)
    # the optimiser completes the balance with what is left; I6 is not offered again
    r = FarmlandBalance(ledger).solve()
    assert r.cost_wan_yuan == pytest.approx(120.0)  # R whole; I6's 80 万元 was spent before
    assert check_balance(r) == []
    assert r.ledger.shortfalls() == []


# ---------------------------------------------------------------------------- occupations in
def test_reserve_occupations_accepted_as_they_are():
    reserve = pd.DataFrame({"source": "reserve", "parcel": ["371325000000001928", "371325000000001945"],
                            "year": [2024, 2024], "area_mu": [32.5, 20.0], "paddy_mu": [0.0, 5.0],
                            "capacity_kg": [16250.0, 12000.0]})
    t = occupation_table(reserve, P)
    assert list(t["id"]) == ["371325000000001928", "371325000000001945"]
    assert set(t["group"]) == {"土地收储 2024年"}
    assert t["capacity_kg"].sum() == pytest.approx(28250.0)

    class FakeResult:
        def occupations(self):
            return reserve

    assert occupation_table(FakeResult(), P).equals(t)


def test_bad_occupations_report_every_problem():
    bad = pd.DataFrame({"source": ["s", "s", "s"], "id": ["a", "b", "b"], "year": [2024, 2024.5, 2024],
                        "area_mu": [-1.0, 5.0, 5.0], "grade": [8, 20, 8], "paddy": [False, "yes", True]})
    with pytest.raises(ValidationError) as info:
        occupation_table(bad, P)
    text = str(info.value)
    for piece in ("occupation s:a: area_mu", "occupation s:b: year", "grade 20", "paddy is 'yes'", "listed twice"):
        assert piece in text
    with pytest.raises(ValidationError, match="column capacity_kg"):
        occupation_table(pd.DataFrame({"source": ["s"], "id": ["a"], "year": [2024], "area_mu": [1.0],
                                       "paddy": [False]}), P)


def test_bad_units_report_every_problem():
    units = [SupplementUnit("X", "magic", 2024, 1.0, 0.0, 0.0, 1.0),
             SupplementUnit("Y", "indicator", 2024, -1.0, 0.0, 0.0, 1.0),
             SupplementUnit("Z", "indicator", 2024, 0.0, 0.0, 0.0, 1.0)]
    with pytest.raises(ValidationError) as info:
        FarmlandLedger(P).add_units(units)
    text = str(info.value)
    assert "'X': source 'magic'" in text and "'Y': area_mu is -1.0" in text and "'Z': adds no area" in text


# ---------------------------------------------------------------------------- regimes
def test_auto_regime_groups_by_date():
    both = pd.concat([occ(year=2024), occ(year=2026, id_="B"), occ(year=2026, source="corridor", id_="C")])
    t = occupation_table(both, P)
    assert list(t["group"]) == ["site 2024年", "2026年度", "2026年度"]
    assert list(t["regime"]) == ["per_project", "annual", "annual"]
    g = FarmlandLedger(P).occupy(both).groups()
    assert g.loc["2026年度", "credit_year"] == 2025 and g.loc["site 2024年", "credit_year"] == 2024
    assert g.loc["2026年度", "area_mu"] == pytest.approx(20.0)


def test_annual_cap_needs_last_years_gain():
    # 以补定占: a 2026 occupation is capped by the 2025 net gain, so a unit accepted in 2026 cannot serve it.
    late = [reclamation("R26", area_mu=20, grade=8, year=2026, params=P)]
    with pytest.raises(InfeasibleError, match=r"2026年度: quantity balance .* short by 10亩"):
        FarmlandBalance.from_occupations(occ(year=2026), late, params=P).solve()
    # the same unit balances it under 先补后占 (explicit regime): supplement in the project's own year
    r = solved(occ(year=2026), late, regime="per_project")
    assert r.cost_wan_yuan == pytest.approx(80.0)
    early = [reclamation("R25", area_mu=20, grade=8, year=2025, params=P)]
    assert solved(occ(year=2026), early).balance_sheet().loc["2026年度", "指标来源年度"] == 2025


def test_per_project_balances_each_project_on_its_own():
    # Two projects in 2024; 12 亩 of supplement can balance only one of them (10 亩 each).
    two = pd.concat([occ(project="P1"), occ(id_="B", project="P2")])
    units = [reclamation("R", area_mu=12, grade=8, year=2024, params=P)]
    with pytest.raises(InfeasibleError) as info:
        FarmlandBalance.from_occupations(two, units, params=P).solve()
    assert "short by 10亩" in str(info.value) or "short by 8亩" in str(info.value)


# ---------------------------------------------------------------------------- infeasibility diagnosis
def test_infeasible_balance_is_explained_per_balance():
    # 12 亩 paddy grade 8 occupied (7200 kg); supplement: 12 亩 of dry grade-10 land (4800 kg), no paddy.
    units = [reclamation("R", area_mu=12, grade=10, year=2024, params=P)]
    with pytest.raises(InfeasibleError) as info:
        FarmlandBalance.from_occupations(occ(area=12.0, paddy=True), units, params=P).solve()
    text = str(info.value)
    assert "site 2024年: paddy balance (占水补水, 水田) short by 12亩" in text
    assert "site 2024年: capacity balance (占优补优, 产能) short by 2400公斤" in text
    assert "quantity balance" not in text
    table = info.value.diagnosis.table.set_index("group")
    assert table.loc["paddy", "shortfall"] == pytest.approx(12.0)
    assert table.loc["capacity", "shortfall"] == pytest.approx(2400.0)


def test_problem_needs_occupations_and_units():
    with pytest.raises(ValidationError, match="no supplement unit"):
        FarmlandBalance(FarmlandLedger(P).occupy(occ()))
    with pytest.raises(ValidationError, match="no occupations"):
        FarmlandBalance(FarmlandLedger(P).add_units([reclamation("R", area_mu=1, grade=8, year=2024, params=P)]))


# ---------------------------------------------------------------------------- the sample town
@pytest.fixture(scope="module")
def town():
    return landkit.load_sample()


def test_sample_town_balance(town):
    wood = occupations_from_layer(town, "wood_zone", year=2024, source="木业园区")
    zone = occupations_from_layer(town, "industrial_zone", year=2025, source="工业区")
    assert wood["area_mu"].sum() > 0 and zone["paddy"].any()
    units = candidate_units(town, base_year=2023)
    ids = [u.id for u in units]
    assert len(ids) == len(set(ids))
    assert {u.source for u in units} == {"reclamation", "upgrade", "indicator"}
    ledger = FarmlandLedger(town.params).occupy(wood).occupy(zone).add_units(units)
    r = FarmlandBalance(ledger).solve(time_limit_s=30, mip_gap=1e-3)
    assert r.status is Status.OPTIMAL
    assert check_balance(r) == []
    sheet = r.balance_sheet()
    assert sheet["平衡"].all()
    assert sheet.loc["合计", "占用数量(亩)"] == pytest.approx(wood["area_mu"].sum() + zone["area_mu"].sum(), abs=0.01)
    assert r.cost_wan_yuan == pytest.approx(r.units_cancelled()["费用(万元)"].sum())
    assert (r.marginal_costs().drop(columns="最贵约束") >= -1e-9).all().all()
    fig = r.plot()
    assert len(fig.axes) == 3 and fig.axes[0].get_title() == "数量 (亩)"
