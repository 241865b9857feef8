"""Planning layers as offices hold them (issue #23, part 1): code families, fields, largest overlap."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from landkit import ValidationError
from landkit.planning import code_use, planned_use_by_overlap, resolve_planning

CRS = "EPSG:4548"


def _layer(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(columns, geometry=[box(100 * i, 0, 100 * (i + 1), 100) for i in range(n)], crs=CRS)


@pytest.mark.parametrize(("code", "use"), [
    ("0701", "residential"), ("070101", "residential"), ("0702", "public"), ("0703", None), ("0801", "public"),
    ("0901", "commercial"), ("1001", "industrial"), ("100102", "industrial"), ("1002", None),
    ("1101", "industrial"), ("1207", None), ("1401", None), ("16", None), ("0103", None),
    ("R", "residential"), ("R2", "residential"), ("A", "public"), ("B1", "commercial"), ("M2", "industrial"),
    ("W1", "industrial"), ("S1", None), ("U", "public"), ("G1", None),
])
def test_each_code_family_maps_to_one_use(code, use) -> None:
    assert code_use(code)[1] == use


def test_2023_codes_in_their_own_fields() -> None:
    layer = _layer(YDYHFLDM=["0701", "1001", "0901", "1207", "16"],
                   YDYHFLMC=["城镇住宅用地", "工业用地", "商业用地", "城镇道路用地", "留白用地"])
    plan = resolve_planning(layer)
    assert plan.code_field == "YDYHFLDM" and plan.family == "用地用海分类"
    assert list(plan.frame["planned_use"].fillna("不出让")) == ["residential", "industrial", "commercial", "不出让",
                                                                "不出让"]


def test_gb50137_letters_and_lower_case_fields() -> None:
    plan = resolve_planning(_layer(yddm=["R2", "M1", "G1"]))
    assert plan.family == "GB 50137-2011"
    assert list(plan.frame["planned_use"].fillna("不出让")) == ["residential", "industrial", "不出让"]


def test_names_only_are_read() -> None:
    plan = resolve_planning(_layer(GHYTMC=["城镇住宅用地", "工业用地", "公共管理与公共服务用地"]))
    assert list(plan.frame["planned_use"]) == ["residential", "industrial", "public"]


def test_an_unknown_code_is_named_with_the_known_ones_and_can_be_added() -> None:
    layer = _layer(GHYTDM=["0701", "99", "X9"])
    with pytest.raises(ValidationError) as err:
        resolve_planning(layer, source="规划.gpkg layer GHYT")
    text = str(err.value)
    assert "'99'" in text and "'X9'" in text
    assert "规划.gpkg layer GHYT" in text and "extra_codes" in text and "0701" in text
    plan = resolve_planning(layer, extra_codes={"99": "commercial", "X9": None})
    assert list(plan.frame["planned_use"].fillna("不出让")) == ["residential", "commercial", "不出让"]


def test_a_layer_without_a_code_field_says_what_it_looked_for() -> None:
    with pytest.raises(ValidationError, match="YDYHFLDM"):
        resolve_planning(_layer(foo=[1, 2]))


def test_each_parcel_takes_its_largest_overlap_and_splits_are_listed() -> None:
    # planning: industrial on x < 100, commercial on 100 ≤ x < 200
    planning = resolve_planning(_layer(YDYHFLDM=["1001", "0901"])).frame
    parcels = gpd.GeoDataFrame({"BSM": ["a", "b", "c"]}, geometry=[
        box(0, 0, 90, 50),      # wholly industrial
        box(60, 0, 160, 50),    # 40 % industrial, 60 % commercial: commercial (a representative point says either)
        box(300, 0, 350, 50),   # outside the planning layer
    ], crs=CRS).set_index("BSM")
    use, split, not_for_sale = planned_use_by_overlap(parcels, planning)
    assert len(not_for_sale) == 0
    assert use["a"] == "industrial" and use["b"] == "commercial" and pd.isna(use["c"])
    assert list(split["parcel"]) == ["b"]
    assert split.iloc[0]["second_use"] == "industrial" and split.iloc[0]["second_share"] == pytest.approx(0.4)


def test_the_reserve_plan_leaves_out_land_not_for_sale(tmp_path) -> None:
    import landkit
    from landkit.reserve import inputs_from_town

    town = landkit.load_sample()
    ghyt = town.layers["GHYT"]
    # the office's own layer: 用地用海分类 codes, one polygon re-planned as green space (not for sale)
    codes = {"industrial": "1001", "commercial": "0901", "public": "0801", "residential": "0701"}
    office = gpd.GeoDataFrame({"YDYHFLDM": [codes[u] for u in ghyt["planned_use"]]}, geometry=ghyt.geometry,
                              crs=ghyt.crs)
    office.loc[ghyt["planned_use"].to_numpy() == "commercial", "YDYHFLDM"] = "1401"
    town2 = town.with_layers({"GHYT": office}) if hasattr(town, "with_layers") else None
    if town2 is None:
        from dataclasses import replace

        town2 = replace(town, layers={**town.layers, "GHYT": office})
    base = inputs_from_town(town, compactness=False)
    re_planned = inputs_from_town(town2, compactness=False)
    assert "commercial" in set(base.parcels["planned_use"])
    assert "commercial" not in set(re_planned.parcels["planned_use"])
    assert len(re_planned.parcels) < len(base.parcels)
    assert any("not for sale" in n for n in re_planned.notes)


def test_a_parcel_that_only_touches_land_not_for_sale_keeps_the_default() -> None:
    planning = resolve_planning(_layer(YDYHFLDM=["1401"])).frame  # green space on 0 ≤ x < 100
    parcels = gpd.GeoDataFrame({"BSM": ["edge"]}, geometry=[box(100, 0, 150, 50)], crs=CRS).set_index("BSM")
    use, split, not_for_sale = planned_use_by_overlap(parcels, planning)
    assert pd.isna(use["edge"]) and len(not_for_sale) == 0 and split.empty  # a shared edge is no overlap


def test_survey_codes_are_not_read_as_planning_codes() -> None:
    # 三调 DLBM 1001 is 铁路用地, not 工业用地: a layer with only DLBM has no planning field
    with pytest.raises(ValidationError, match="no planning code or name field"):
        resolve_planning(_layer(DLBM=["1001", "0702"]))
