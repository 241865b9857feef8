"""The town's land account (issue #17): each parcel and quota unit used once, checked independently."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from test_quota import tiny_inputs

import landkit
from landkit.account import CLAIM_COLUMNS, check_account, claim_rows
from landkit.params import SAMPLE_DIR
from landkit.quota import LinkagePlan
from landkit.scenario import run_scenario


@pytest.fixture(scope="module")
def town() -> landkit.Town:
    return landkit.load_sample()


# --------------------------------------------------------------------------- 挂钩 reclamation, one source
def test_reclamation_returned_and_used_in_town_offers_no_supplement() -> None:
    # the issue's hand case: V1's two homesteads reclaim 9 + 9 = 18 亩, its 40 households need 40 × 0.25 =
    # 10 亩 of 建新 (周转指标 returned), and the 8 亩 节余 are used in town: nothing is left for 占补平衡
    result = LinkagePlan(tiny_inputs(), fixed={"V1": 2019}, excluded=["M"]).solve(time_limit_s=30)
    led = result.ledger()
    assert led["复垦验收(亩)"].sum() == pytest.approx(18.0)
    assert led["建新安置(亩)"].sum() == pytest.approx(10.0)
    assert led["节余指标本镇使用(亩)"].sum() + led["节余指标交易(亩)"].sum() == pytest.approx(8.0)
    assert result.supplement_units().empty  # was 8 亩 (only 建新's farmland was subtracted)


def test_reclamation_left_unused_is_offered_once() -> None:
    flat = pd.Series(0.0, index=[2019, 2020, 2021, 2022, 2023, 2024])
    inputs = tiny_inputs(town_use_cap_mu=flat, sale_cap_mu=flat)  # 节余 can be neither used nor sold
    result = LinkagePlan(inputs, fixed={"V1": 2019}, excluded=["M"]).solve(time_limit_s=30)
    units = result.supplement_units()
    assert units["area_mu"].sum() == pytest.approx(8.0)  # 18 reclaimed − 10 returned
    # the oldest plot (A, 9 亩) is wholly committed to 建新 and not offered; B offers 9 − 1 亩
    assert list(units["id"]) == ["GG-B"] and units["committed_mu"].iloc[0] == pytest.approx(1.0)


# --------------------------------------------------------------------------- the checker catches planted defects
def _account(*parts: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True)[list(CLAIM_COLUMNS)]


def _two_parcels(town: landkit.Town) -> tuple[str, str, float]:
    p = town.parcels
    free = p[(p.get("frac_YJJBNTBHTB", 0) == 0) & (p.get("frac_STBHHX", 0) == 0)]
    a, b = (str(x) for x in free.index[:2])
    return a, b, float(free["area_mu"].iloc[0])


def test_a_parcel_with_two_fates_is_caught(town) -> None:
    a, b, area = _two_parcels(town)
    ok = _account(claim_rows("reserve", "parcel", [a], [2020], [area]),
                  claim_rows("corridor", "parcel", [b], [2021], [0.5]))
    assert check_account(ok, town) == []
    twice = _account(claim_rows("reserve", "parcel", [a], [2020], [area]),
                     claim_rows("corridor", "parcel", [a], [2021], [0.5]))
    problems = check_account(twice, town)
    assert len(problems) == 1 and a in problems[0] and "reserve" in problems[0] and "corridor" in problems[0]
    unknown = _account(claim_rows("park_sites", "parcel", ["no-such-BSM"], [2021], [1.0]))
    assert "not a parcel of the town" in check_account(unknown, town)[0]


def test_a_unit_cancelled_twice_or_beyond_its_size_is_caught(town) -> None:
    units = pd.DataFrame({"area_mu": [10.0], "capacity_kg": [5000.0], "paddy_mu": [0.0]}, index=["垦造-甲村"])
    once = _account(claim_rows("farmland", "supplement", ["垦造-甲村"], [2020], [10.0], capacity_kg=5000.0))
    assert check_account(once, town, units=units) == []
    twice = _account(once, claim_rows("farmland_2", "supplement", ["垦造-甲村"], [2021], [4.0]))
    assert any("cancelled 2 times" in p for p in check_account(twice, town, units=units))
    too_much = _account(claim_rows("farmland", "supplement", ["垦造-甲村"], [2020], [12.0]))
    assert any("12.00亩 cancelled of 10.00亩" in p for p in check_account(too_much, town, units=units))
    ghost = _account(claim_rows("farmland", "supplement", ["垦造-乙村"], [2020], [1.0]))
    assert any("never registered" in p for p in check_account(ghost, town, units=units))


def test_reclamation_used_twice_is_caught(town) -> None:
    uses = _account(claim_rows("linkage", "turnover_returned", ["r"], [2020], [10.0]),
                    claim_rows("linkage", "surplus_used", ["u"], [2020], [8.0]))
    assert check_account(uses, town, reclaimed_mu=18.0) == []
    again = _account(uses, claim_rows("farmland", "supplement", ["GG-A"], [2020], [8.0]))
    problems = check_account(again, town, reclaimed_mu=18.0)
    assert len(problems) == 1 and "26.00亩 of 18.00亩" in problems[0]


def test_a_negative_quota_balance_is_caught(town) -> None:
    conv = claim_rows("reserve", "construction_quota", ["q19"], [2019], [450.0])
    assert "exceeds" in check_account(_account(conv), town, quota_mu={2019: 400.0})[0]
    fed = _account(conv, claim_rows("linkage", "surplus_used", ["s19"], [2019], [60.0]))
    assert check_account(fed, town, quota_mu={2019: 400.0}) == []


def test_building_on_protected_land_is_caught_unless_a_crossing_is_allowed(town) -> None:
    p = town.parcels
    inside = str(p.index[p["frac_YJJBNTBHTB"].fillna(0).to_numpy() > 0.9][0])
    area = float(p.loc[inside, "area_mu"])
    built = _account(claim_rows("reserve", "parcel", [inside], [2020], [area]))
    assert "永久基本农田" in check_account(built, town)[0]
    road = _account(claim_rows("corridor", "parcel", [inside], [2020], [0.3]))
    assert "永久基本农田" in check_account(road, town)[0]
    assert check_account(road, town, protected_allowed={"corridor"}) == []
    # houses relocated out of a park's buffer are cleared, not built on: no protected-land breach, but the
    # parcel is then spent and another model may not take it too
    moved = _account(claim_rows("park_sites", "relocation", [inside], [2021], [area]))
    assert check_account(moved, town) == []
    both = _account(claim_rows("park_sites", "relocation", [inside], [2021], [area]),
                    claim_rows("corridor", "parcel", [inside], [2021], [0.3]))
    assert any("claimed" in p and "park_sites" in p for p in check_account(both, town, protected_allowed={"corridor"}))


# --------------------------------------------------------------------------- the corridor and protected land
def test_the_corridor_refuses_protected_land_by_default(town) -> None:
    from landkit.corridor import TourismCorridor

    with pytest.raises(landkit.ValidationError, match="生态保护红线") as err:
        TourismCorridor.from_town(town)
    assert "protected='allow'" in str(err.value)


def test_crossings_are_reported_as_the_geometry_says(town) -> None:
    from landkit.corridor import TourismCorridor

    corridor = TourismCorridor.from_town(town, protected="allow")
    route = corridor.route(["毛家河", "岐山寺"])
    table = route.protected_crossings().set_index("layer")
    line = shapely.union_all(np.asarray(route.segments.geometry.values))
    for key in ("YJJBNTBHTB", "STBHHX"):
        layer = shapely.union_all(np.asarray(town.layers[key].geometry.values))
        assert table.at[key, "length_m"] == pytest.approx(line.intersection(layer).length, abs=0.1)
        taken = route.footprint().intersection(layer).area / (10000 / 15)
        assert table.at[key, "area_mu"] == pytest.approx(taken, abs=0.01)
    assert table.at["STBHHX", "length_m"] > 0  # 岐山寺 lies inside 生态保护红线


# --------------------------------------------------------------------------- a whole scenario
@pytest.fixture(scope="module")
def park_run(tmp_path_factory: pytest.TempPathFactory):
    tree = yaml.safe_load((SAMPLE_DIR / "scenarios" / "park_a.yaml").read_text(encoding="utf-8"))
    tree["solver"] = {"time_limit_s": 30, "mip_gap": 0.02}
    tmp = tmp_path_factory.mktemp("account")
    path = tmp / "park_a.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    return run_scenario(path, tmp / "bundle", progress=False)


def test_the_published_account_recomputes_from_the_bundle(park_run, town) -> None:
    bundle = Path(park_run.path)
    account = pd.read_csv(bundle / "tables" / "land_account.csv", dtype={"unit_id": str})
    assert set(account["kind"]) <= {"parcel", "relocation", "construction_quota", "turnover_borrowed",
                                    "turnover_returned", "surplus_used", "surplus_sold", "supplement"}
    quota = {int(k): float(v) for k, v in town.params["reserve.new_construction_quota"].items()}
    assert check_account(account, town, quota_mu=quota, protected_allowed={"corridor"}) == []
    # every parcel the result layers hold is in the account, under its model
    claims = account[account["kind"] == "parcel"]
    for layer, model in (("reserve_parcels", "reserve"), ("park_sites", None)):
        if layer == "reserve_parcels":
            ids = set(gpd.read_file(bundle / "results.gpkg", layer=layer)["id"].astype(str))
            held = set(park_run.results["reserve"].schedule.index[park_run.results["reserve"].schedule[
                "held_at_start"].astype(bool)].astype(str))
            assert ids - held == set(claims.loc[claims["model"] == model, "unit_id"])
    parks = park_run.results["park_sites"].parcels
    site = set(map(str, parks.index[parks["role"] == "园区用地"]))
    moved = set(map(str, parks.index[parks["role"] != "园区用地"]))
    assert site == set(claims.loc[claims["model"] == "park_sites", "unit_id"])
    # the houses relocated with the chemical park are claimed as relocation, not as land built on
    relocated = account[account["kind"] == "relocation"]
    assert moved == set(relocated["unit_id"]) and (relocated["model"] == "park_sites").all()
    assert not set(relocated["unit_id"]) & set(claims["unit_id"])
    # no parcel has two fates (the corridor's strips may share a parcel only with nothing else)
    fates = claims.groupby("unit_id")["model"].nunique()
    assert (fates == 1).all()
    # the report says so
    html = (bundle / "report.html").read_text(encoding="utf-8")
    assert "全镇用地与指标台账" in html and "没有地块或指标单元被重复使用" in html


def test_a_run_whose_account_breaks_publishes_nothing(tmp_path, monkeypatch) -> None:
    import landkit.reserve.adapter as reserve_adapter

    real = reserve_adapter.reserve_claims

    def doubled(result):  # a planted defect: a claim on land the town does not have
        claims = real(result)
        extra = claims.iloc[:1].copy()
        extra["unit_id"] = "__not_a_parcel__"
        return pd.concat([claims, extra], ignore_index=True)

    monkeypatch.setattr(reserve_adapter, "reserve_claims", doubled)
    tree = yaml.safe_load((SAMPLE_DIR / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    with pytest.raises(landkit.LandkitError, match="land account does not hold"):
        run_scenario(path, tmp_path / "out", progress=False, report=False)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- one registry, one contract
def test_every_registered_model_keeps_the_contract() -> None:
    import re

    from landkit.glossary import KPI_LABELS
    from landkit.scenario.checks import COMMON
    from landkit.scenario.registry import adapters

    found = adapters()
    assert [a.name for a in found] == ["park_sites", "corridor", "linkage", "reserve", "farmland",
                                       "ecological_selection"]
    assert [a.order for a in found] == sorted(a.order for a in found)
    for a in found:
        assert set(COMMON) <= set(a.options), a.name
        assert a.label and a.title and callable(a.solve) and callable(a.write) and callable(a.kpis)
        assert all(link.split(".")[0] == a.name for link in a.links), a.name
        assert all(key in a.options for key in a.required), a.name
    assert all(re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", k) for k in KPI_LABELS)
    assert all(k.endswith(("_wan_yuan", "_mu", "_km", "_moved", "_households")) for k in KPI_LABELS)


def test_the_ecological_selection_runs_from_a_scenario_on_the_land_left(tmp_path, town) -> None:
    tree = yaml.safe_load((SAMPLE_DIR / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    tree["solver"] = {"time_limit_s": 30, "mip_gap": 0.01}
    tree["models"]["ecological_selection"] = {"enabled": True, "targets": {"forest": 0.3, "water": 0.3,
                                                                          "wetland": 0.3}}
    path = tmp_path / "eco.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    run = run_scenario(path, tmp_path / "eco", progress=False, report=False)
    res = run.results["ecological_selection"]
    assert res.evaluation.targets_met
    assert run.kpis["protected_area_mu"] > 0 and run.kpis["protection_cost_wan_yuan"] > 0
    account = pd.read_csv(run.path / "tables" / "land_account.csv", dtype={"unit_id": str})
    mine = set(account.loc[account["model"] == "ecological_selection", "unit_id"])
    others = set(account.loc[(account["model"] != "ecological_selection") & (account["kind"] == "parcel"),
                             "unit_id"])
    assert mine == set(map(str, res.selected)) and not (mine & others)  # only land no other model took
    assert (run.path / "tables" / "生态保护目标完成表.csv").exists()
    with pytest.raises(landkit.ValidationError, match="targets"):
        bad = dict(tree)
        bad["models"] = {**tree["models"], "ecological_selection": {"enabled": True}}
        path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
        from landkit.scenario import load_scenario

        load_scenario(path)


@pytest.mark.parametrize("mode", ["sequential", "joint"])
def test_the_account_holds_on_a_differently_shaped_town(tmp_path, mode) -> None:
    # a synthetic town: another shape, river and zoning, no planning layer, villages or tourism sites;
    # solved in sequence, and with the reserve plan and the balance decided together
    from landkit.sample import write_synthetic

    source = write_synthetic(tmp_path / "town", 3000, seed=11, dem=True)
    dem = next((tmp_path / "town").glob("*.tif"))
    tree = {"name": "合成镇", "data": {"source": str(source), "dem": str(dem)}, "solve": mode,
            "solver": {"time_limit_s": 30, "mip_gap": 0.01},
            "models": {"reserve": {"enabled": True, "budget_wan_yuan": 3000},
                       "farmland": {"enabled": True, "base_year": 2019},
                       "ecological_selection": {"enabled": True, "study_area": "town",
                                                "targets": {"forest": 0.2, "water": 0.2}}},
            "links": ["reserve.occupations -> farmland.ledger"]}
    path = tmp_path / "synthetic.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    run = run_scenario(path, tmp_path / "bundle", progress=False, report=False)
    account = pd.read_csv(run.path / "tables" / "land_account.csv", dtype={"unit_id": str})
    quota = {int(k): float(v) for k, v in run.town.params["reserve.new_construction_quota"].items()}
    assert check_account(account, run.town, quota_mu=quota) == []
    parcels = account[account["kind"] == "parcel"]
    assert (parcels.groupby("unit_id")["model"].nunique() == 1).all()
    assert {"reserve", "ecological_selection"} <= set(parcels["model"])
    if mode == "joint":
        t = pd.read_csv(run.path / "tables" / "联合与顺序求解对比.csv", encoding="utf-8-sig")
        assert t.loc[1, "全镇目标值(万元)"] >= t.loc[0, "全镇目标值(万元)"] - 0.1


def test_a_route_around_taken_land_takes_none_of_it(town) -> None:
    # the park_b case the account check caught: the route avoided a park's parcels, but its 20 m strip
    # still clipped their edges. Taken parcels are now barriers wide enough for the strip.
    from landkit import NotFoundError
    from landkit.corridor import TourismCorridor

    route = TourismCorridor.from_town(town, protected="allow").route(["毛家河", "岐山寺"])
    crossed = route.parcels_taken()
    crossed = crossed[crossed["landuse_group"] != "transport"]
    tried = 0
    for bsm in crossed["BSM"].astype(str).head(12):
        try:  # a parcel at a bridge may leave no way round: then the next one
            again = TourismCorridor.from_town(town, protected="allow", exclude_parcels=[bsm]).route(
                ["毛家河", "岐山寺"])
        except NotFoundError:
            continue
        tried += 1
        assert bsm not in set(map(str, again.parcels_taken()["BSM"]))
    assert tried >= 3
