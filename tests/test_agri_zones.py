"""Agriculture zones (#19, part 4): planning layers closed to construction where reclaimed land is worth more."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import landkit
from landkit.farmland.candidates import project_unit
from landkit.reserve.inputs import candidate_mask
from landkit.town import in_agriculture_zone


@pytest.fixture(scope="module")
def town() -> landkit.Town:
    return landkit.load_sample()


def test_the_sample_has_the_plans_agriculture_zones(town):
    zones, tianyuan = town.layers["agri_zone"], town.layers["tianyuan"]
    assert list(zones["name"]) == ["涑河现代农业示范区", "丰收河现代农业示范区", "高刘路现代农业示范区"]
    assert list(tianyuan["name"]) == ["南阳田园综合体"]
    assert (zones.area > 0).all() and float(tianyuan.area.iloc[0]) > 0
    boundary = town.layers["CZKFBJ"].union_all()
    for layer in (zones, tianyuan):  # outside the 城镇开发边界: closed to construction
        assert shapely.intersection(layer.union_all(), boundary).area < 1.0
    p = town.parcels
    assert "frac_agri_zone" in p and "frac_tianyuan" in p
    assert in_agriculture_zone(p).sum() > 50
    nanyang = p[p["ZLDWMC"].astype(str).str.contains("南阳")]
    assert (nanyang["frac_tianyuan"] > 0.5).mean() > 0.5  # the 南阳 villages lie in the 田园综合体


def test_no_parcel_in_an_agriculture_zone_is_a_reserve_candidate(town):
    p = town.parcels.copy()
    inside = p.index[candidate_mask(p, town.params).to_numpy()]
    assert not in_agriculture_zone(p.loc[inside]).any()
    # a candidate that a zone covers is no longer one
    pick = inside[0]
    p.loc[pick, "frac_agri_zone"] = 1.0
    assert not bool(candidate_mask(p, town.params)[pick])


def test_reclamation_in_an_agriculture_zone_adds_more_capacity(town):
    params = town.params
    part = pd.DataFrame({"area_mu": [10.0], "frac_agri_zone": [0.0], "slope_deg_mean": [2.0]}, index=["a"])
    outside = project_unit("垦造-甲村", part, year=2020, params=params)
    inside = project_unit("垦造-甲村", part.assign(frac_agri_zone=1.0), year=2020, params=params)
    grade = int(params["farmland.reclaimed_grade"])
    gain = int(params["farmland.agri_zone_grade_gain"])
    table = params["farmland.capacity_by_grade"]
    assert outside.capacity_kg == pytest.approx(10.0 * table[grade - 1])
    assert inside.capacity_kg == pytest.approx(10.0 * table[grade - gain - 1])
    assert inside.capacity_kg > outside.capacity_kg and inside.cost_wan_yuan == outside.cost_wan_yuan
    assert "农业示范区" in inside.note


def test_the_zoning_map_draws_them_with_a_legend(town):
    fig = town.plot_zoning()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert {"现代农业示范区", "田园综合体", "永久基本农田", "生态保护红线", "城镇开发边界", "镇界"} <= set(labels)


def test_a_users_agriculture_zone_is_read_like_the_other_zoning_layers(tmp_path, town):
    # the user's own layer file, passed as zoning={"agri_zone": path}
    zone = gpd.GeoDataFrame({"name": ["示范区"]}, geometry=[town.layers["agri_zone"].union_all()], crs=town.crs)
    path = tmp_path / "zones.gpkg"
    zone.to_file(path, layer="agri_zone")
    from landkit.town import sample_path

    parcels = gpd.read_file(sample_path(), layer="DLTB").iloc[:400]  # the office's own DLTB, as it is
    src = tmp_path / "dltb.gpkg"
    parcels.to_file(src, layer="DLTB")
    mine = landkit.Town.from_files(src, layer="DLTB", zoning={"agri_zone": path})
    assert "frac_agri_zone" in mine.parcels
    expected = town.parcels["frac_agri_zone"].reindex(mine.parcels.index)
    assert mine.parcels["frac_agri_zone"].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-6)
