"""Uncertainty sweeps on a real local Dask cluster: reproducibility, frequencies, quantiles, shortfall, bad specs."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from landkit import ValidationError
from landkit.cli import build_parser
from landkit.scenario import bundled_scenarios, draw_samples, scenario_from_dict, sweep
from landkit.scenario.sweep import QUANTILES, _collect, check_distributions

FAST = {"time_limit_s": 8, "mip_gap": 0.05}
DISTS = {"price_change": {"dist": "uniform", "low": -0.05, "high": 0.1},
         "budget_factor": {"dist": "normal", "mean": 1.0, "sd": 0.1, "low": 0.8, "high": 1.2},
         "demand_factor": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.1}}


def _tree(**sweep_section: object) -> dict:
    tree = yaml.safe_load(next(p for p in bundled_scenarios() if p.stem == "baseline").read_text(encoding="utf-8"))
    tree["name"] = "sweep_test"
    tree["solver"] = dict(FAST)
    tree["sweep"] = {"seed": 7, "distributions": DISTS, **sweep_section}
    return tree


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.daemon": False}):
        c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    yield c
    c.close()


@pytest.fixture(scope="module")
def two_sweeps(cluster, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sweep") / "run"
    sc = scenario_from_dict(_tree())
    a = sweep(sc, 4, scheduler=cluster.scheduler_address, out=out)
    b = sweep(sc, 4, scheduler=cluster.scheduler_address)
    return a, b, out


# --------------------------------------------------------------------------- sampling (no cluster)
def test_draws_reproducible_and_prefix_stable() -> None:
    a = draw_samples(DISTS, 20, seed=3)
    b = draw_samples(DISTS, 20, seed=3)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(draw_samples(DISTS, 5, seed=3), a.head(5))
    assert not a.equals(draw_samples(DISTS, 20, seed=4))
    assert list(a.columns) == ["price_change", "budget_factor", "demand_factor"]
    assert a["price_change"].between(-0.05, 0.1).all()
    assert a["budget_factor"].between(0.8, 1.2).all()
    assert a["demand_factor"].between(0.9, 1.1).all()


@pytest.mark.parametrize(("spec", "key"), [
    ({"price_change": {"dist": "triangular", "low": -0.2, "mode": 0.3, "high": 0.1}},
     "sweep.distributions.price_change.mode"),
    ({"budget_factor": {"dist": "uniform", "low": 1.5, "high": 0.5}}, "sweep.distributions.budget_factor.high"),
    ({"demand_factor": {"dist": "normal", "mean": 1.0, "sd": 0.0}}, "sweep.distributions.demand_factor.sd"),
    ({"price_change": {"dist": "uniform", "low": -1.5, "high": 0.1}}, "sweep.distributions.price_change.low"),
    ({}, "sweep.distributions"),
])
def test_bad_distribution_names_key(spec: dict, key: str) -> None:
    with pytest.raises(ValidationError, match=key.replace(".", r"\.")):
        check_distributions(spec)
    sc = scenario_from_dict(_tree(distributions=spec))
    with pytest.raises(ValidationError, match=key.replace(".", r"\.")):  # refused before any cluster starts
        sweep(sc, 2, scheduler="tcp://127.0.0.1:1")


def test_unknown_dist_rejected_by_schema() -> None:
    with pytest.raises(ValidationError, match=r"sweep\.distributions\.quota_price_factor\.dist"):
        scenario_from_dict(_tree(distributions={"quota_price_factor": {"dist": "lognormal", "mean": 1, "sd": 1}}))


def test_shortfall_definition() -> None:
    sc = scenario_from_dict(_tree())
    draws = draw_samples(DISTS, 4, seed=0)
    base = {"gap": 0.0, "cost_wan_yuan": 1.0, "acquired_mu": 1.0, "shortfall_mu": 0.0, "message": "", "pid": 1,
            "wall_s": 1.0}
    results = [
        {**base, "sample": 0, "status": "optimal", "npv_wan_yuan": 10.0, "min_cash_wan_yuan": 0.0,
         "cash_shortfall": False, "acquired": ["a", "b"]},
        {**base, "sample": 1, "status": "feasible", "npv_wan_yuan": 20.0, "min_cash_wan_yuan": -5.0,
         "cash_shortfall": True, "acquired": ["a"]},
        {**base, "sample": 2, "status": "infeasible", "npv_wan_yuan": None, "min_cash_wan_yuan": None,
         "cash_shortfall": True, "acquired": []},
        {**base, "sample": 3, "status": "no_solution", "npv_wan_yuan": None, "min_cash_wan_yuan": None,
         "cash_shortfall": None, "acquired": []},
    ]
    r = _collect(sc, draws, results, 1.0)
    assert r.shortfall_probability == pytest.approx(2 / 3)  # the unknown sample is left out
    assert r.frequency.loc["a", "frequency"] == 1.0 and r.frequency.loc["b", "frequency"] == 0.5
    assert r.npv_quantiles[0.5] == pytest.approx(15.0)


def test_cli_has_sweep() -> None:
    args = build_parser().parse_args(["sweep", "s.yaml", "--samples", "4", "--scheduler", "tcp://h:8786",
                                      "--workers", "2", "--out", "o"])
    assert (args.samples, args.scheduler, args.workers, args.out) == (4, "tcp://h:8786", 2, "o")


# --------------------------------------------------------------------------- on the cluster
@pytest.mark.slow
def test_sweep_on_local_cluster(two_sweeps) -> None:
    a, b, out = two_sweeps
    s = a.samples
    assert len(s) == 4 and s["status"].isin(["optimal", "feasible", "infeasible", "no_solution"]).all()
    assert s["status"].isin(["optimal", "feasible"]).any()
    assert s["pid"].nunique() == 2  # both worker processes solved samples
    # reproducible: same draws; samples solved to optimality in both runs agree within the gap
    pd.testing.assert_frame_equal(a.samples[list(DISTS)], b.samples[list(DISTS)])
    both = (a.samples["status"] == "optimal") & (b.samples["status"] == "optimal")
    npv_a, npv_b = a.samples.loc[both, "npv_wan_yuan"], b.samples.loc[both, "npv_wan_yuan"]
    assert np.allclose(npv_a, npv_b, rtol=2 * FAST["mip_gap"])
    f = a.frequency["frequency"]
    assert len(f) > 0 and ((f >= 0) & (f <= 1)).all()
    q = a.npv_quantiles
    assert list(q.index) == list(QUANTILES) and q.is_monotonic_increasing
    assert 0.0 <= a.shortfall_probability <= 1.0
    assert s["gap"].notna().sum() == s["status"].isin(["optimal", "feasible"]).sum()
    for name in ("samples.csv", "parcel_frequency.csv", "npv_quantiles.csv", "summary.json", "sweep.html",
                 "收储频率图.png", "净现值分布.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["samples"] == 4 and 0 <= summary["cash_shortfall_probability"] <= 1
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert "资金缺口概率" in html and "data:image/png;base64" in html
    back = pd.read_csv(out / "samples.csv", encoding="utf-8-sig", index_col="sample")
    assert list(back["status"]) == list(s["status"])
    assert not [p for p in Path(out).parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


@pytest.mark.slow
def test_sweep_default_local_cluster(tmp_path: Path) -> None:
    tree = _tree(distributions={"budget_factor": {"dist": "uniform", "low": 0.9, "high": 1.1}})
    r = sweep(scenario_from_dict(tree), 2, n_workers=2)
    assert len(r.samples) == 2 and r.samples["status"].isin(["optimal", "feasible"]).all()


def test_samples_solved_in_one_session_equal_fresh_solves(monkeypatch) -> None:
    """A worker keeps one HiGHS model from sample to sample (changed in place); each sample's answer is the
    one a fresh build and solve gives: same status, NPVs within the gap, the same parcels' count within it."""
    sweep_module = importlib.import_module("landkit.scenario.sweep")  # the package's `sweep` is the function
    sc = scenario_from_dict(_tree()).to_dict()
    draws = draw_samples(DISTS, 2, seed=7)
    tasks = [{"sample": int(i), **{k: float(v) for k, v in row.items()}} for i, row in draws.iterrows()]
    for session in sweep_module._SESSIONS.values():
        session.close()
    monkeypatch.setattr(sweep_module, "_SESSIONS", {})
    kept = [sweep_module.evaluate_sample(sc, t, threads=1) for t in tasks]
    session = sweep_module._SESSIONS[1]
    assert session.last_update is not None and session.last_update.kind == "update"  # changed in place
    monkeypatch.setattr(sweep_module, "_session", lambda threads: None)  # plan.solve without a session
    fresh = [sweep_module.evaluate_sample(sc, t, threads=1) for t in tasks]
    gap = FAST["mip_gap"]
    for a, b in zip(kept, fresh, strict=True):
        assert a["status"] == b["status"] and a["status"] in ("optimal", "feasible")
        assert a["npv_wan_yuan"] == pytest.approx(b["npv_wan_yuan"], rel=gap)
        assert a["cash_shortfall"] == b["cash_shortfall"]
