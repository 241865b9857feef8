"""The reserve plan built from a town: candidate rule, costing from parameters, the sample town."""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import pandas as pd
import pytest
from shapely.geometry import box

import landkit
from landkit import ValidationError
from landkit.reserve import ReservePlan, check_plan, inputs_from_town
from landkit.town import Town

matplotlib.use("Agg")
CRS = "EPSG:4548"


def square_town() -> Town:
    """Four 100 m squares (15 亩 each) in a row inside the development boundary.

    q0 collective dry farmland grade 8; q1 collective homestead, 4 households, 600 m² floor area;
    q2 farmland with 3 % of its area in 永久基本农田 (a sliver: still a candidate); q3 farmland
    with 10 % in 永久基本农田 (excluded).
    """
    geoms = [box(600000 + 100 * i, 3897000, 600100 + 100 * i, 3897100) for i in range(4)]
    parcels = gpd.GeoDataFrame(
        {
            "BSM": ["q0", "q1", "q2", "q3"],
            "DLBM": ["0103", "0702", "0103", "0103"],
            "DLMC": ["旱地", "农村宅基地", "旱地", "旱地"],
            "QSXZ": ["30"] * 4,
            "ZLDWDM": ["1"] * 4,
            "ZLDWMC": ["南阳村"] * 4,
            "TBMJ": [10000.0] * 4,
            "GDDB": [8, 0, 8, 8],
            "households": [0, 4, 0, 0],
            "floor_area_m2": [0.0, 600.0, 0.0, 0.0],
        },
        geometry=geoms,
        crs=CRS,
    )
    layers = {
        "CZKFBJ": gpd.GeoDataFrame(geometry=[box(599000, 3896000, 601000, 3898000)], crs=CRS),
        "YJJBNTBHTB": gpd.GeoDataFrame(
            geometry=[box(600297, 3897000, 600300, 3897100), box(600390, 3897000, 600400, 3897100)], crs=CRS
        ),
        "GHYT": gpd.GeoDataFrame({"planned_use": ["residential"]},
                                 geometry=[box(599000, 3896000, 601000, 3898000)], crs=CRS),
    }
    return Town.from_parcels(parcels, layers=layers)


def test_partial_overlap_rule():
    town = square_town()
    frac = town.parcels["frac_YJJBNTBHTB"]
    assert frac["q2"] == pytest.approx(0.03) and frac["q3"] == pytest.approx(0.10)
    inputs = inputs_from_town(town, compactness=False)
    assert list(inputs.parcels.index) == ["q0", "q1", "q2"]  # q3 (10 % > 5 %) excluded


def test_lock_in_inside_basic_farmland_is_refused():
    with pytest.raises(ValidationError) as err:
        inputs_from_town(square_town(), lock_in=["q3", "nope"], compactness=False)
    msg = str(err.value)
    assert "q3" in msg and "永久基本农田" in msg and "nope" in msg


def test_costing_hand_derived():
    town = square_town()
    inputs = inputs_from_town(town, compactness=False)
    p = inputs.parcels
    # q0: 15 亩 collective farmland: (6.2 + 2.2 + 0.25) × 15 = 129.75; prep 7.5 × 15 = 112.5
    assert p.at["q0", "area_mu"] == pytest.approx(15.0)
    assert p.at["q0", "acquisition_cost_wan_yuan"] == pytest.approx(129.75)
    assert p.at["q0", "prep_cost_wan_yuan"] == pytest.approx(112.5)
    assert p.at["q0", "demolition_cost_wan_yuan"] == 0
    # q1: construction land × 1.2; demolition 600 m² × 1100 元 = 66 万元 + 4 households × 8 = 32
    assert p.at["q1", "acquisition_cost_wan_yuan"] == pytest.approx(129.75 * 1.2)
    assert p.at["q1", "demolition_cost_wan_yuan"] == pytest.approx(66.0 + 32.0)
    assert p.at["q1", "agricultural_mu"] == 0 and p.at["q0", "agricultural_mu"] == pytest.approx(15.0)
    # capacity: grade 8 = 600 kg/亩 × 15 亩
    assert p.at["q0", "capacity_kg"] == pytest.approx(9000.0)
    # residential 110 万元/亩 in 2019, +3 %/yr (计提 are taken by the model on each year's totals)
    gross_2020 = 15 * 110 * 1.03
    assert inputs.revenue_gross.at["q0", 2020] == pytest.approx(gross_2020)
    # 有偿使用费 at grade 12: 20 元/m² × 666.67 m²/亩 = 1.3333 万元/亩 of 农用地转用; q1 is construction land
    assert p.at["q0", "land_use_fee_wan_yuan"] == pytest.approx(15 * 20 * 10000 / 15 / 1e4)
    assert p.at["q1", "land_use_fee_wan_yuan"] == 0
    assert [(d.name, d.share, d.base) for d in inputs.deductions] == [
        ("education", 0.10, "proceeds"), ("farmland_water", 0.10, "proceeds"),
        ("affordable_housing", 0.10, "proceeds"), ("agricultural_development", 0.15, "proceeds")]


def test_industrial_floor_price():
    params = landkit.Parameters.load()
    table = pd.DataFrame({"area_mu": [1.0], "planned_use": ["industrial"]}, index=["i"])
    from landkit.reserve.inputs import revenue_table

    # grade 12 floor: 120 元/m² = 8.0 万元/亩; 12 × 0.5 = 6 falls below it, so 8 stands
    low = revenue_table(table, params, [2019], price_change=-0.5)
    assert low.at["i", 2019] == pytest.approx(8.0)
    normal = revenue_table(table, params, [2019])
    assert normal.at["i", 2019] == pytest.approx(12.0)
    prio = params.with_overrides({"revenue.priority_project": True})
    assert revenue_table(table, prio, [2019], price_change=-0.5).at["i", 2019] == pytest.approx(6.0)  # 0.7 × 8 < 6


def test_public_use_earns_nothing():
    params = landkit.Parameters.load()
    table = pd.DataFrame({"area_mu": [3.0], "planned_use": ["public"]}, index=["g"])
    from landkit.reserve.inputs import revenue_table

    assert revenue_table(table, params, [2020]).at["g", 2020] == 0.0


@pytest.fixture(scope="module")
def sample_result():
    town = landkit.load_sample()
    plan = ReservePlan.from_town(town)
    return plan.solve(time_limit_s=90, mip_gap=0.01)


def test_sample_plan_is_sound(sample_result, tmp_path):
    r = sample_result
    assert r.status.value in ("optimal", "feasible")
    assert check_plan(r) == []
    k = r.kpis()
    assert k["acquired_mu"] > 0 and k["npv_wan_yuan"] > 0
    table = r.plan_table()
    assert list(table.columns) == ["地块编号", "坐落", "面积(亩)", "现状地类", "规划用途", "储备方式", "收储年度",
                                   "预计成本(万元)", "计划供应年度", "预计出让收入(万元)"]
    cf = r.cashflow()
    assert (cf["年末余额(万元)"] >= 0).all()
    assert r.schedule_gdf().crs.to_epsg() == 4548
    occ = r.occupations()
    assert occ["area_mu"].sum() == pytest.approx(k["farmland_mu"], abs=0.01)
    out = r.to_folder(tmp_path / "plan")
    names = ("年度土地储备计划表.csv", "资金平衡表.csv", "土地收储计划图.png", "资金平衡图.png", "reserve_plan.gpkg")
    for name in names:
        assert (out / name).exists()


def test_sample_price_fall_lowers_npv(sample_result):
    town = sample_result.plan.town
    low = ReservePlan.from_town(town, price_change=-0.2).solve(time_limit_s=90, mip_gap=0.01)
    assert check_plan(low) == []
    # a 20 % price fall cannot raise the best NPV (both within 1 % of their optimum)
    assert low.npv_wan_yuan() <= sample_result.npv_wan_yuan() * 1.02
