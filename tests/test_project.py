"""Your own town in two commands (issue #23, part 3): ``landkit init`` then ``landkit run``."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
import yaml

from landkit.cli import main
from landkit.sample import write_synthetic


@pytest.fixture(scope="module")
def office_data(tmp_path_factory):
    """A town unlike the sample: synthetic parcels and zoning, and a planning layer in GB 50137 letters in a
    file of its own, as a planning office would hand it over."""
    folder = tmp_path_factory.mktemp("office")
    source = write_synthetic(folder, 2500, seed=5, dem=True)
    parcels = gpd.read_file(source, layer="DLTB")
    xmin, ymin, xmax, ymax = parcels.total_bounds
    xm, ym = (xmin + xmax) / 2, (ymin + ymax) / 2
    planning = gpd.GeoDataFrame({"YDDM": ["R2", "M1", "B1", "G1"], "YDMC": ["二类居住用地", "一类工业用地",
                                                                            "商业用地", "公园绿地"]},
                                geometry=[shapely.box(xmin, ym, xm, ymax), shapely.box(xm, ym, xmax, ymax),
                                          shapely.box(xmin, ymin, xm, ym), shapely.box(xm, ymin, xmax, ym)],
                                crs=parcels.crs)
    planning.to_file(folder / "规划.gpkg", layer="控规用地", driver="GPKG")
    return {"dltb": source, "planning": folder / "规划.gpkg", "dem": folder / "dem.tif", "root": folder}


def test_init_then_run_on_a_town_never_seen(office_data, tmp_path, capsys) -> None:
    project = tmp_path / "我的镇"
    assert main(["init", str(project), "--dltb", str(office_data["dltb"]), "--planning",
                 f"{office_data['planning']}@控规用地", "--dem", str(office_data["dem"])]) == 0
    out = capsys.readouterr().out
    assert "next: " in out and "landkit run" in out and "linkage" in out
    scenario = project / "scenarios" / "baseline.yaml"
    tree = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    assert tree["models"]["reserve"]["enabled"] and not tree["models"]["linkage"]["enabled"]
    assert "GHYT" in tree["data"]["context"]
    nb = json.loads((project / "notebooks" / "00_我的城镇.ipynb").read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4 and any("run_scenario" in "".join(c["source"]) for c in nb["cells"])
    params = yaml.safe_load((project / "parameters.yaml").read_text(encoding="utf-8"))
    assert params["town"]["seat_xy_m"]["tag"] == "E"  # the centroid stands in for the seat: an estimate

    bundle = tmp_path / "bundle"
    assert main(["run", str(scenario), "--out", str(bundle), "--quiet"]) == 0
    plan = gpd.read_file(bundle / "results.gpkg", layer="reserve_parcels")
    assert len(plan) > 0
    audit = json.loads((bundle / "audit.json").read_text(encoding="utf-8"))
    assert any(i["role"] == "context GHYT" for i in audit["inputs"])  # the office's planning file, hashed
    # the report of a town the project has never seen is as Chinese as the sample's (its estimated inputs too)
    from report_text import docx_text, html_text, latin_words

    for text in (html_text(bundle / "report.html"), docx_text(bundle / "report.docx")):
        assert latin_words(text) == set()
    assert "估算说明" in html_text(bundle / "report.html")


def test_init_names_bad_planning_codes_and_refuses_a_users_folder(office_data, tmp_path, capsys) -> None:
    bad = gpd.read_file(office_data["planning"], layer="控规用地")
    bad.loc[0, "YDDM"] = "Q9"
    bad.to_file(tmp_path / "bad.gpkg", layer="控规用地", driver="GPKG")
    assert main(["init", str(tmp_path / "p"), "--dltb", str(office_data["dltb"]),
                 "--planning", f"{tmp_path / 'bad.gpkg'}@控规用地"]) == 1
    err = capsys.readouterr().err
    assert "'Q9'" in err and "Traceback" not in err and not (tmp_path / "p").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x", encoding="utf-8")
    assert main(["init", str(mine), "--dltb", str(office_data["dltb"])]) == 1
    assert (mine / "notes.txt").exists()
    assert main(["init", str(tmp_path / "q"), "--dltb", str(office_data["dltb"]), "--zoning", "nonsense"]) == 1
    assert "KEY=FILE" in capsys.readouterr().err


def test_zoning_from_one_file_of_several_layers_reads_each_by_its_key(office_data, tmp_path) -> None:
    # the office keeps 三区三线 in one GeoPackage: --zoning KEY=FILE reads the layer named KEY
    from landkit.town import Town

    src = office_data["dltb"]
    zoning = {key: str(src) for key in ("YJJBNTBHTB", "STBHHX", "CZKFBJ")}
    town = Town.from_files(src, layer="DLTB", zoning=zoning)
    assert {"YJJBNTBHTB", "STBHHX", "CZKFBJ"} <= set(town.layers)
    assert town.parcels["frac_CZKFBJ"].max() > 0


def test_a_town_without_households_is_estimated_by_a_named_rule(office_data, tmp_path) -> None:
    # 三调 as offices hold it: no households, no floor area. Not 0 (a homestead bought with no one moved):
    # an estimate by a named rule, marked wherever a figure rests on it.
    import pyogrio

    from landkit.scenario import run_scenario
    from landkit.town import Town

    src = office_data["dltb"]
    bare = tmp_path / "三调.gpkg"
    for name in pyogrio.list_layers(src)[:, 0]:
        layer = gpd.read_file(src, layer=name)
        if name == "DLTB":
            layer = layer.drop(columns=[c for c in ("households", "floor_area_m2", "HOUSEHOLDS") if c in layer])
        layer.to_file(bare, layer=name, driver="GPKG")
    town = Town.from_files(bare)
    assert set(town.estimates) == {"households", "floor_area_m2"}
    home = town.parcels[town.parcels["DLBM"].astype(str).str.startswith("0702")]
    expect = (home["area_mu"] / 0.4).round().clip(lower=1)
    assert (home["households"] == expect).all() and (home["floor_area_m2"] > 0).all()
    halved = town.with_params(town.params.with_overrides({"acquisition.homestead_mu_per_household": 0.8}))
    assert halved.parcels.loc[home.index, "households"].sum() < home["households"].sum()

    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"name": "bare", "data": {"source": str(bare)},
                                        "solver": {"time_limit_s": 30, "mip_gap": 0.02},
                                        "models": {"reserve": {"enabled": True}}, "links": []},
                                       allow_unicode=True), encoding="utf-8")
    run = run_scenario(scenario, tmp_path / "bundle", progress=False)
    kpis = (run.path / "tables" / "关键指标.csv").read_text(encoding="utf-8-sig")
    assert "搬迁户数(户)（估）" in kpis and "净现值NPV(万元)（估）" in kpis
    audit = json.loads((run.path / "audit.json").read_text(encoding="utf-8"))
    assert set(audit["estimates"]) == {"households", "floor_area_m2"}
    assert "估算的输入" in (run.path / "report.html").read_text(encoding="utf-8")
    # the mark follows the figures into the tables: households and demolition rest on the estimates
    quota = (run.path / "tables" / "指标使用表.csv").read_text(encoding="utf-8-sig")
    cash = (run.path / "tables" / "资金平衡表.csv").read_text(encoding="utf-8-sig")
    assert "搬迁户数(户)（估）" in quota and "拆迁安置（估）" in cash and "征收补偿（估）" not in cash


def test_a_houses_layer_gives_the_real_households_population_and_floor_area(office_data, tmp_path, capsys) -> None:
    # an office's 房屋 layer: one point per house with 户数, 人口 and 建筑面积 (Chinese field names); one house
    # lies outside the town and is reported, not counted
    from landkit.town import Town

    parcels = gpd.read_file(office_data["dltb"], layer="DLTB")
    home = parcels[parcels["DLBM"].astype(str).str.startswith("0702")].head(40)
    pts = [*home.geometry.representative_point(), shapely.Point(0, 0)]
    houses = gpd.GeoDataFrame({"户数": [2] * len(home) + [5], "人口": [7] * len(home) + [9],
                               "建筑面积": [180.0] * len(home) + [99.0]}, geometry=pts, crs=parcels.crs)
    houses.to_file(tmp_path / "房屋.gpkg", layer="FW", driver="GPKG")
    project = tmp_path / "有房屋"
    assert main(["init", str(project), "--dltb", str(office_data["dltb"]), "--houses",
                 f"{tmp_path / '房屋.gpkg'}@FW", "--dem", str(office_data["dem"])]) == 0
    out = capsys.readouterr().out
    assert "1 houses lie in no parcel" in out
    tree = yaml.safe_load((project / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    assert "houses" in tree["data"]["context"]
    town = Town.from_files(office_data["dltb"], context={"houses": (tmp_path / "房屋.gpkg", "FW")})
    assert "households" not in town.estimates and "floor_area_m2" not in town.estimates
    got = town.parcels.loc[home["BSM"].astype(str)]
    assert (got["households"] == 2).all() and (got["population"] == 7).all() and (got["floor_area_m2"] == 180).all()
    assert int(town.parcels["households"].sum()) == 2 * len(home)
    assert any("1 houses lie in no parcel" in n for n in town.notes)


def test_a_houses_layer_without_figures_or_with_bad_ones_is_refused(office_data, tmp_path) -> None:
    from landkit import ValidationError
    from landkit.town import houses_by_parcel

    parcels = gpd.read_file(office_data["dltb"], layer="DLTB").set_index("BSM")
    pt = parcels.geometry.representative_point().iloc[:2]
    with pytest.raises(ValidationError) as err:
        houses_by_parcel(parcels, gpd.GeoDataFrame({"名称": ["a", "b"]}, geometry=pt.to_numpy(), crs=parcels.crs))
    assert "户数" in str(err.value) and "名称" in str(err.value)
    with pytest.raises(ValidationError, match="HS") as err:
        houses_by_parcel(parcels, gpd.GeoDataFrame({"HS": [1, -2]}, geometry=pt.to_numpy(), crs=parcels.crs))


def test_a_town_without_a_dem_is_told_not_given_another_towns_terrain(office_data) -> None:
    from landkit import ValidationError
    from landkit.suitability import town_suitability
    from landkit.town import Town

    town = Town.from_files(office_data["dltb"])  # no DEM
    with pytest.raises(ValidationError, match="has no DEM"):
        town_suitability(town, park="wood")
    from landkit.farmland import candidate_units

    units = candidate_units(town, base_year=2020)
    assert any("坡度未核" in u.note for u in units if u.source == "reclamation")


def test_candidates_with_the_default_planned_use_are_marked(office_data) -> None:
    from landkit.reserve import ReservePlan
    from landkit.town import Town

    town = Town.from_files(office_data["dltb"])  # no planning layer
    plan = ReservePlan.from_town(town)
    assert plan.inputs.parcels["planned_use_default"].all()
    result = plan.solve(time_limit_s=30, mip_gap=0.05)
    table = result.plan_table()
    assert len(table) and table["规划用途"].str.endswith("（默认）").all()


def test_init_names_the_town_and_refuses_a_zoning_key_no_model_reads(office_data, tmp_path, capsys) -> None:
    from landkit.params import Parameters

    project = tmp_path / "石井镇"
    assert main(["init", str(project), "--dltb", str(office_data["dltb"]), "--planning",
                 f"{office_data['planning']}@控规用地", "--dem", str(office_data["dem"])]) == 0
    assert Parameters.load(project / "parameters.yaml")["town.name"] == "石井镇"   # the folder's name
    assert main(["init", str(tmp_path / "x"), "--dltb", str(office_data["dltb"]), "--name", "东镇",
                 "--dem", str(office_data["dem"])]) == 0
    assert Parameters.load(tmp_path / "x" / "parameters.yaml")["town.name"] == "东镇"
    capsys.readouterr()
    assert main(["init", str(tmp_path / "y"), "--dltb", str(office_data["dltb"]),
                 "--zoning", f"STBHX={office_data['dltb']}"]) == 1                      # a misspelt key
    err = capsys.readouterr().err
    assert "STBHX" in err and "STBHHX" in err and "CZKFBJ" in err
    assert not (tmp_path / "y").exists()
