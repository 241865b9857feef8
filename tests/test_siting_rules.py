"""Parks where the plan and the provincial rules put them: sizes, location vetoes, the five criteria, control
indicators, houses relocated with a chemical park (companions), on towns the tests build."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, box
from test_siting import _connected_sets

import landkit
from landkit import InfeasibleError, SolverError, ValidationError
from landkit.optimize import Status
from landkit.siting import UnitGraph
from landkit.siting.contiguous import Companions, ContiguousResult, SiteSpec, solve_sites
from landkit.siting.parks import ParkSpec, _raise_without_sites
from landkit.siting.rules import (
    chemical_rules,
    control_indicators,
    criteria_weights,
    default_area_mu,
    park_rules,
    seat_xy,
    side_rules,
)
from landkit.town import Town

CRS = "EPSG:4548"
SEAT = (600_000.0, 3_900_000.0)


def grid_town(n: int = 9, cell: float = 500.0, **layers) -> Town:
    """An n × n grid of 500 m squares (375 亩 each) centred on the seat; all dry farmland of grade 10."""
    x0, y0 = SEAT[0] - n * cell / 2, SEAT[1] - n * cell / 2
    geoms = [box(x0 + i * cell, y0 + j * cell, x0 + (i + 1) * cell, y0 + (j + 1) * cell)
             for j in range(n) for i in range(n)]
    k = len(geoms)
    parcels = gpd.GeoDataFrame({
        "BSM": [f"g{i:03d}" for i in range(k)], "DLBM": ["0103"] * k, "DLMC": ["旱地"] * k, "QSXZ": ["30"] * k,
        "ZLDWDM": ["1"] * k, "ZLDWMC": ["甲村"] * k, "TBMJ": [cell * cell] * k, "GDDB": [10] * k,
        "households": [0] * k, "floor_area_m2": [0.0] * k}, geometry=geoms, crs=CRS)
    town = Town.from_parcels(parcels, layers={k: v for k, v in layers.items()})
    return town.with_params(town.params.with_overrides({"town.seat_xy_m": list(SEAT)}))


def test_the_planned_sizes_come_from_the_parameters():
    params = landkit.Parameters.load()
    assert default_area_mu("chemical", params) == pytest.approx(3.05e6 / (10000 / 15))  # 4,575 亩
    assert default_area_mu("chemical", params) == pytest.approx(4575.0)
    assert default_area_mu("wood", params) == pytest.approx(1060.0)
    assert ParkSpec.planned("化工园区", "chemical", params).area_mu == pytest.approx(4575.0)


def test_the_chemical_park_lies_south_west_away_from_and_not_upwind_of_the_seat():
    town = grid_town()
    rules, notes = chemical_rules(town, town.params)
    c = town.parcels.geometry.centroid
    dx, dy = c.x - SEAT[0], c.y - SEAT[1]
    bearing = np.degrees(np.arctan2(dx, dy)) % 360
    # 225° ± 67.5°: south (180°) and west (270°) are in, north-east is out
    sw = (dx < -100) & (dy < -100)
    assert not rules.loc[sw[sw].index, "bearing"].any()
    ne = (dx > 100) & (dy > 100)
    assert rules.loc[ne[ne].index, "bearing"].all()
    assert rules["near_seat"].equals(pd_series_lt(np.hypot(dx, dy), 1500.0, rules.index))
    # wind from 67.5° ± 45°: a parcel due east of the seat (90°) is upwind
    east = (bearing - 90).abs() < 1
    assert rules.loc[east[east].index, "upwind"].all()
    assert any("225" in n for n in notes)


def pd_series_lt(values, limit, index):
    import pandas as pd

    return pd.Series(np.asarray(values) < limit, index=index)


def test_the_wood_cluster_lies_south_of_the_railway_and_east_of_s229():
    rail = gpd.GeoDataFrame({"name": ["兖石铁路"]}, geometry=[LineString([(597000, 3899600), (603000, 3899400)])],
                            crs=CRS)
    roads = gpd.GeoDataFrame({"name": ["S229", "乡道"]}, geometry=[
        LineString([(600300, 3897000), (600100, 3903000)]), LineString([(597000, 3901000), (603000, 3901000)])],
        crs=CRS)
    town = grid_town(railway=rail, roads=roads)
    out = side_rules(town, [("south_of", "railway"), ("east_of", "S229")])
    c = town.parcels.geometry.centroid
    rail_y = np.interp(c.x, [597000, 603000], [3899600, 3899400])
    road_x = np.interp(c.y, [3897000, 3903000], [600300, 600100])
    assert (out["south_of:railway"].to_numpy() == ~(c.y.to_numpy() < rail_y)).all()
    assert (out["east_of:S229"].to_numpy() == ~(c.x.to_numpy() > road_x)).all()
    with pytest.raises(ValidationError, match="G999"):
        side_rules(town, [("east_of", "G999")])
    with pytest.raises(ValidationError, match="'above'"):
        side_rules(town, [("above", "railway")])


def test_best_farmland_and_wetland_are_vetoed_for_every_park():
    town = grid_town()
    parcels = town.parcels.copy()
    parcels.loc[parcels.index[0], "farmland_grade"] = 6
    parcels.loc[parcels.index[1], "landuse_group"] = "wetland"
    from dataclasses import replace

    town = replace(town, parcels=parcels)
    for kind in ("chemical", "wood"):
        params = town.params.with_overrides({"siting.wood_cluster_location": []})
        table, labels, _ = park_rules(town, kind, params)
        assert table.loc[parcels.index[0], "best_farmland"] and table.loc[parcels.index[1], "landuse_group"]
        assert not table.loc[parcels.index[2], ["best_farmland", "landuse_group"]].any()
        assert "5" in labels["best_farmland"] and "8" in labels["best_farmland"]


def test_the_five_criteria_weights_by_hand():
    params = landkit.Parameters.load()
    w = criteria_weights(params, ["slope", "road", "railway", "settlement", "landuse", "farmland_grade"])
    # 安全 25 → settlement; 环保 25 → farmland grade; 规划 20 → land use; 公用 20 → road and railway, 10 each;
    # 经济 10 → slope
    assert w == pytest.approx({"slope": 0.10, "road": 0.10, "railway": 0.10, "settlement": 0.25, "landuse": 0.20,
                               "farmland_grade": 0.25})
    bad = params.with_overrides({"siting.criteria_factors": {"safety": ["noise"], "environment": ["farmland_grade"],
                                                             "planning": ["landuse"], "utilities": ["road"],
                                                             "economy": ["slope"]}})
    with pytest.raises(ValidationError, match="noise"):
        criteria_weights(bad, ["slope", "road", "landuse", "farmland_grade"])


def test_control_indicators_by_hand():
    params = landkit.Parameters.load()
    wood = control_indicators("wood", 1060.0, params)
    assert wood["最低建筑面积(万m²)"] == pytest.approx(1060 * 10000 / 15 * 0.8 / 1e4)
    assert wood["最低建筑占地(亩)"] == pytest.approx(318.0)
    assert wood["行政办公用地上限(亩)"] == pytest.approx(74.2)
    assert wood["预期投资(万元)"] == pytest.approx(189.0 * 1060)
    assert wood["预期税收(万元/年)"] == pytest.approx(9.4 * 1060)
    chem = control_indicators("chemical", 4575.0, params)
    assert chem["最低建筑面积(万m²)"] == pytest.approx(4575 * 10000 / 15 * 0.6 / 1e4)
    assert "预期投资(万元)" not in chem  # no sourced intensity for the chemical park


def test_a_seat_far_from_the_town_is_refused_and_another_crs_is_converted():
    town = grid_town()
    far = town.with_params(town.params.with_overrides({"town.seat_xy_m": [100000.0, 100000.0]}))
    with pytest.raises(ValidationError, match=r"town\.seat_xy_m"):
        seat_xy(far, far.params)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True).transform(*SEAT)
    geo = town.with_params(town.params.with_overrides({"town.crs": "EPSG:4490", "town.seat_xy_m": [lon, lat]}))
    assert seat_xy(geo, geo.params) == pytest.approx(SEAT, abs=0.01)


def _brute(graph, values, lo, hi, comp):
    best = -np.inf
    for mask in _connected_sets(graph, np.isfinite(values), lo, hi):
        best = max(best, float(values[mask].sum()) - comp.cost_of(mask))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_companions_equal_brute_force_on_small_grids(seed):
    # a 3 × 4 grid; some cells drag a 'house' (a companion) along at a cost; one house is itself a cell
    rng = np.random.default_rng(seed)
    graph = UnitGraph.from_grid((3, 4))
    values = rng.uniform(1, 10, graph.n)
    pairs = np.array([[a, j] for a in range(graph.n) for j in range(3) if rng.random() < 0.3] or [[0, 0]])
    comp = Companions(pairs, rng.uniform(2, 12, 3), np.array([-1, -1, 5]))
    spec = SiteSpec("s", values, 4.0, 5.0, companions=comp)
    res = solve_sites(graph, [spec], time_limit_s=30, mip_gap=0.0)
    assert res.status is Status.OPTIMAL
    want = _brute(graph, values, 4.0, 5.0, comp)
    assert res.objective == pytest.approx(want, abs=1e-6)
    assert float(values[res.mask].sum()) - comp.cost_of(res.mask) == pytest.approx(want, abs=1e-6)


def test_a_search_without_sites_is_an_error_in_mu():
    spec = ParkSpec("化工园区", "chemical", 100.0)
    site = SiteSpec("化工园区", np.array([1.0, np.nan]), 95.0, 105.0)
    empty = {"化工园区": np.zeros(2, bool)}
    infeasible = ContiguousResult(masks=empty, objective=-np.inf, bound=np.inf, gap=np.inf, status=Status.INFEASIBLE,
                                  iterations=1, cuts=0, runtime_s=0.1, method="cuts")
    with pytest.raises(InfeasibleError, match="100 亩") as err:
        _raise_without_sites(infeasible, [spec], [site], np.array([50.0, 60.0]), 10.0)
    assert "50 亩" in str(err.value)
    late = ContiguousResult(masks=empty, objective=-np.inf, bound=np.inf, gap=np.inf,
                            status=Status.TIME_LIMIT_NO_SOLUTION, iterations=1, cuts=0, runtime_s=10.0, method="cuts")
    with pytest.raises(SolverError, match="time_limit_s"):
        _raise_without_sites(late, [spec], [site], np.array([50.0, 60.0]), 10.0)
