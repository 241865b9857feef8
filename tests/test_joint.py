"""The joint solve (#17): the 挂钩, reserve and 占补平衡 plans in one MILP over the town's account.

Hand cases for the pieces (projects split where another model may take a parcel, merged back; shares
moved off empty balancing units), brute force of the reserve plan with its farmland balance on tiny
random towns, and the bundled baseline run in both modes on one account.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from reserve_cases import enumerate_plans, inputs_abc

from landkit.account import check_account
from landkit.params import Parameters
from landkit.reserve import ReservePlan
from landkit.scenario import load_scenario, run_scenario
from landkit.scenario.joint import FarmlandPart, JointPlan, _merge_projects, _onto, _split_projects


def _unit(uid: str, area: float, cost: float, *, year: int = 2019, divisible: bool = False,
          capacity_per_mu: float = 1000.0, source: str = "reclamation", note: str = "") -> dict:
    return {"id": uid, "source": source, "year": year, "area_mu": area, "capacity_kg": area * capacity_per_mu,
            "paddy_mu": 0.0, "cost_wan_yuan": cost, "divisible": divisible, "grade": 11.0, "note": note}


# --------------------------------------------------------------------------- hand cases
def test_split_project_into_rest_and_contested_parts():
    from landkit.farmland.candidates import project_unit
    from landkit.farmland.ledger import unit_table

    params = Parameters.load()
    part = pd.DataFrame({"area_mu": [10.0, 5.0, 15.0], "slope_deg_mean": 2.0}, index=["a", "b", "c"])
    whole = project_unit("垦造-甲村", part, year=2020, params=params)
    units = unit_table([whole])

    def unit_of(uid, parcels):
        return project_unit(uid, parcels, year=2020, params=params)

    split, parcels = _split_projects(units, {"垦造-甲村": part}, {"b"}, unit_of)
    # the rest (a, c: 25 of 30 亩) keeps the project's id; b is a part of its own: 5 亩 at the project's rates
    assert list(split.index) == ["垦造-甲村", "垦造-甲村/b"]
    assert split.loc["垦造-甲村", "area_mu"] == pytest.approx(25.0)
    assert split.loc["垦造-甲村/b", "cost_wan_yuan"] == pytest.approx(whole.cost_wan_yuan / 6)
    assert split.loc["垦造-甲村/b", "capacity_kg"] == pytest.approx(whole.capacity_kg / 6)
    assert split.loc["垦造-甲村", "note"].startswith("甲村 2 图斑")
    assert set(split["project"]) == {"垦造-甲村"}
    assert parcels == {"垦造-甲村": ["a", "c"], "垦造-甲村/b": ["b"]}
    # 提质: each part's capacity gain is its own parcels' (grade by grade), not a share of the area
    grades = pd.DataFrame({"area_mu": [10.0, 10.0], "farmland_grade": [14.0, 8.0]}, index=["u", "v"])
    up = unit_table([project_unit("提质-甲村", grades, year=2020, params=params)])
    split, _ = _split_projects(up, {"提质-甲村": grades}, {"v"}, unit_of)
    alone = project_unit("提质-甲村", grades.loc[["v"]], year=2020, params=params)
    assert split.loc["提质-甲村/v", "capacity_kg"] == pytest.approx(alone.capacity_kg)
    assert split["capacity_kg"].sum() == pytest.approx(up["capacity_kg"].sum())
    assert split.loc["提质-甲村/v", "capacity_kg"] != pytest.approx(up["capacity_kg"].sum() / 2)


def test_merge_projects_gives_each_balance_what_the_parts_gave():
    units = pd.DataFrame([_unit("P", 25.0, 100.0, note="甲村 3 图斑, 垦造"), _unit("P/b", 5.0, 20.0),
                          _unit("Q", 8.0, 40.0)]).set_index("id")
    units["project"] = ["P", "P", "Q"]
    share = pd.DataFrame({"g1": [0.4, 1.0, 0.0], "g2": [0.6, 0.0, 0.0]}, index=units.index)
    build = pd.Series({"P": 1.0, "P/b": 1.0, "Q": 0.0})
    merged, mshare, mbuild, parcels = _merge_projects(units, share, build, {"P": ["a", "c"], "P/b": ["b"], "Q": ["q"]})
    assert merged.loc["P", "area_mu"] == pytest.approx(30.0)
    assert merged.loc["P", "cost_wan_yuan"] == pytest.approx(120.0)
    assert merged.loc["P", "note"].startswith("甲村 3 图斑")
    # g1 got 0.4·25 + 1.0·5 = 15 亩, g2 got 0.6·25 = 15 亩: the merged unit's shares give the same
    assert mshare.loc["P", "g1"] * 30.0 == pytest.approx(15.0)
    assert mshare.loc["P", "g2"] * 30.0 == pytest.approx(15.0)
    assert mbuild["P"] == 1.0 and mbuild["Q"] == 0.0
    assert sorted(parcels["P"]) == ["a", "b", "c"]


def test_merge_keeps_only_the_parts_built():
    units = pd.DataFrame([_unit("P", 25.0, 100.0, note="甲村 3 图斑"), _unit("P/b", 5.0, 20.0)]).set_index("id")
    units["project"] = ["P", "P"]
    share = pd.DataFrame({"g1": [1.0, 0.0]}, index=units.index)
    merged, mshare, _, parcels = _merge_projects(units, share, pd.Series({"P": 1.0, "P/b": 0.0}),
                                                 {"P": ["a", "c"], "P/b": ["b"]})
    assert merged.loc["P", "area_mu"] == pytest.approx(25.0)  # b was taken by another model
    assert merged.loc["P", "note"].startswith("甲村 2 图斑")
    assert parcels["P"] == ["a", "c"]
    assert mshare.loc["P", "g1"] == pytest.approx(1.0)


def test_share_on_an_empty_balancing_unit_moves_to_one_the_unit_serves():
    groups = pd.DataFrame({"credit_year": [2019, 2020]}, index=["reserve 2019", "reserve 2020"])
    share = pd.DataFrame({"reserve 2019": [0.3], "reserve 2020": [0.5], "reserve 2021": [0.2]}, index=["P"])
    out = _onto(share, groups, pd.Series({"P": 2019}))
    assert list(out.columns) == ["reserve 2019", "reserve 2020"]
    assert out.loc["P"].sum() == pytest.approx(1.0)
    assert out.loc["P", "reserve 2020"] == pytest.approx(0.7)


# --------------------------------------------------------------------------- brute force
def _balance_cost(farmland: dict[int, float], project_mu: float, project_cost: float, price: float) -> float:
    """Least cost of balancing the farmland taken: the whole project (any year's) or not, the rest bought."""
    need = sum(farmland.values())
    if need <= 1e-9:
        return 0.0
    return min(price * need, project_cost + price * max(need - project_mu, 0.0))


@pytest.mark.parametrize("seed", range(6))
def test_joint_reserve_and_balance_equal_brute_force(seed):
    """Seeds 3 and 4 are towns where the reserve plan alone would buy farmland the balance makes too dear;
    seeds 1, 4 and 5 build the whole project."""
    rng = np.random.default_rng(seed)
    n, years = 4, (2019, 2020, 2021)
    idx = pd.Index([f"p{i}" for i in range(n)], name="parcel")
    area = rng.integers(2, 12, n).astype(float)
    farm = area * rng.integers(0, 2, n)
    p = pd.DataFrame({
        "area_mu": area, "planned_use": rng.choice(["residential", "industrial"], n),
        "acquisition_cost_wan_yuan": rng.integers(20, 120, n).astype(float),
        "demolition_cost_wan_yuan": rng.integers(0, 30, n).astype(float), "prep_cost_wan_yuan": area * 5,
        "land_use_fee_wan_yuan": np.zeros(n), "holding_cost_wan_yuan_per_year": np.zeros(n),
        "households": rng.integers(0, 4, n), "agricultural_mu": area, "farmland_mu": farm,
        "paddy_mu": np.zeros(n), "capacity_kg": farm * 500.0}, index=idx)
    revenue = pd.DataFrame({y: area * rng.uniform(20, 60, n) * (1.03 ** k) for k, y in enumerate(years)}, index=idx)
    demand = pd.DataFrame({y: {"industrial": float(rng.integers(0, 6)), "commercial": 0.0,
                               "residential": float(rng.integers(0, 8)), "public": 0.0} for y in years})
    inputs = inputs_abc(years=years, parcels=p, revenue_gross=revenue,
                        funds={y: float(rng.integers(100, 400)) for y in years}, demand_mu=demand,
                        quota_mu=pd.Series({y: 40.0 for y in years}),
                        resettlement_households=pd.Series({y: int(rng.integers(2, 6)) for y in years}),
                        discount_rate=0.05, shortfall_penalty_wan_per_mu=30.0, market_absorption=3.0)
    price = float(rng.uniform(10, 40))
    project_mu, project_cost = float(rng.integers(3, 15)), float(rng.uniform(30, 150))
    units = pd.DataFrame([_unit("垦造-甲村", project_mu, project_cost),
                          _unit("指标", 1000.0, 1000.0 * price, divisible=True, source="indicator")]).set_index("id")
    units["project"] = units.index
    groups = pd.DataFrame({"year": list(years), "credit_year": list(years), "regime": "per_project"},
                          index=pd.Index([f"土地收储 {y}年" for y in years], name="group"))
    part = FarmlandPart(groups, units, {"垦造-甲村": [], "指标": []}, "per_project", False,
                        pd.Series(list(groups.index), index=list(years)), [])
    town = SimpleNamespace(params=Parameters.load())
    plan = JointPlan(ReservePlan(inputs), None, part, town)
    res = plan.solve(time_limit_s=60, mip_gap=1e-6)

    expected = max(v - _balance_cost(f, project_mu, project_cost, price) for v, f in enumerate_plans(inputs))
    assert res.outcome.objective == pytest.approx(expected, rel=1e-5, abs=1e-4)
    # the split results recompute the same town value from their own tables
    assert res.town_value_wan_yuan == pytest.approx(expected, rel=1e-5, abs=1e-4)
    if res.farmland is not None:
        assert not res.farmland.ledger.shortfalls()


# --------------------------------------------------------------------------- the bundled baseline
@pytest.fixture(scope="module")
def joint_baseline(tmp_path_factory):
    sc = load_scenario("data/tanyi/scenarios/baseline.yaml").with_changes(solve="joint")
    out = tmp_path_factory.mktemp("joint") / "baseline"
    return run_scenario(sc, out, progress=False)


def test_joint_baseline_is_no_worse_than_sequential_on_the_same_account(joint_baseline):
    run = joint_baseline
    t = pd.read_csv(run.path / "tables" / "联合与顺序求解对比.csv", encoding="utf-8-sig")
    seq, joint = t.iloc[0], t.iloc[1]
    assert joint["全镇目标值(万元)"] >= seq["全镇目标值(万元)"] - 0.1
    assert joint["全镇目标上界(万元)"] >= joint["全镇目标值(万元)"] - 0.1
    # the town value is the sum of the models' own figures, recomputed from their results
    parts = run.results
    farmland = parts["farmland"].cost_wan_yuan if "farmland" in parts else 0.0
    assert joint["占补平衡成本(万元)"] == pytest.approx(farmland, abs=0.1)
    assert joint["收储净现值(万元)"] == pytest.approx(parts["reserve"].kpis()["npv_wan_yuan"], abs=0.01)


def test_joint_baseline_account_holds_from_the_claims_alone(joint_baseline):
    run = joint_baseline
    account = pd.read_csv(run.path / "tables" / "land_account.csv", encoding="utf-8-sig", dtype={"unit_id": str})
    quota = run.town.params["reserve.new_construction_quota"]
    assert check_account(account, run.town, units=run.land.units, reclaimed_mu=run.land.reclaimed_mu,
                         quota_mu={int(k): float(v) for k, v in quota.items()},
                         protected_allowed=run.land.protected_allowed) == []
    parcels = account[account["kind"].isin(["parcel", "relocation"])]
    per = parcels.groupby("unit_id")["area_mu"].sum()
    area = run.town.parcels["area_mu"].set_axis(run.town.parcels.index.astype(str))
    assert (per <= area.reindex(per.index) + 0.01).all()
    # a reserve parcel is never also a 自行垦造 project's, a 拆旧 plot or a 建新 site's
    by_model = parcels.groupby("unit_id")["model"].apply(set)
    assert not any({"reserve", "farmland"} <= s or {"reserve", "linkage"} <= s for s in by_model)


def test_joint_baseline_report_says_how_it_was_solved(joint_baseline):
    run = joint_baseline
    html = (run.path / "report.html").read_text(encoding="utf-8")
    assert "求解方式：联合求解" in html and "联合求解与顺序求解对比" in html
    audit = json.loads((run.path / "audit.json").read_text(encoding="utf-8"))
    assert audit["scenario_settings"]["solve"] == "joint"
    notes = audit["models"]["reserve"]["notes"] + audit["models"]["linkage"]["notes"]
    assert any("decided jointly" in n for n in notes)
    assert (run.path / "models" / "joint.mps").exists()  # the joint model, written once
    assert not (run.path / "models" / "reserve.mps").exists()
    assert audit["models"]["reserve"]["mps"] == "models/joint.mps"


def test_solve_mode_is_checked():
    from landkit._errors import ValidationError

    with pytest.raises(ValidationError, match="solve"):
        load_scenario("data/tanyi/scenarios/baseline.yaml").with_changes(solve="together")


def test_a_joint_plan_below_the_sequential_one_is_not_published(tmp_path, monkeypatch):
    # a joint solve stopped short (here: made to look worse) publishes the sequential plan and says so
    import yaml

    import landkit.scenario.joint as joint
    from landkit.sample import write_synthetic

    source = write_synthetic(tmp_path / "town", 800, seed=3, dem=True)
    tree = {"name": "小镇", "data": {"source": str(source), "dem": str(next((tmp_path / "town").glob("*.tif")))},
            "solve": "joint", "solver": {"time_limit_s": 20, "mip_gap": 0.01},
            "models": {"reserve": {"enabled": True, "budget_wan_yuan": 2000},
                       "farmland": {"enabled": True}},
            "links": ["reserve.occupations -> farmland.ledger"]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    real = joint.sequential_parts
    monkeypatch.setattr(joint, "sequential_parts", lambda seq, plan: {**real(seq, plan), "reserve": 1e9})
    run = run_scenario(path, tmp_path / "bundle", progress=False, report=False)
    t = pd.read_csv(run.path / "tables" / "联合与顺序求解对比.csv", encoding="utf-8-sig")
    assert list(t["采用"]) == ["是", "否"]
    assert any("the sequential plan is published" in n for n in run.records["reserve"].notes)
    assert not (run.path / "models" / "joint.mps").exists()
    assert (run.path / "models" / "reserve.mps").exists()
