"""宅基地有偿退出 (#19, part 2): the paid homestead exit, chosen per village with the 挂钩 plan."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from test_quota import tiny_inputs

import landkit
from landkit.quota import LinkagePlan, check_linkage

YEARS = (2019, 2020, 2021)
OFFERS = (2.0, 5.0, 8.0)


def _exit_inputs(seed: int):
    """The tiny town's plots (excluded below), three villages offered the exit, three years, tight caps."""
    rng = np.random.default_rng(seed)
    base = tiny_inputs()
    flat = pd.Series(1.0, index=list(YEARS))
    villages = pd.Index(["甲村", "乙村", "丙村"], name="village")
    homes = rng.uniform(5, 30, 3)
    exits = pd.DataFrame({"households": rng.integers(10, 60, 3).astype(float), "homestead_mu": homes,
                          "reclaim_mu": 0.9 * homes, "capacity_kg_per_mu": 500.0, "paddy_share": 0.0,
                          "reclamation_cost_wan_per_mu": rng.uniform(2, 8, 3)}, index=villages)
    curve = np.sort(rng.uniform(0.02, 0.4, (3, 3)), axis=1)
    part = pd.DataFrame(curve, index=villages, columns=range(3))
    return dataclasses.replace(
        base, years=YEARS, max_households=40 * flat, town_use_value_wan_per_mu=pd.Series([25.0, 22.0, 30.0],
                                                                                         index=list(YEARS)),
        sale_price_wan_per_mu=20 * flat, town_use_cap_mu=4 * flat, sale_cap_mu=3 * flat, discount_rate=0.05,
        exits=exits, exit_offers=OFFERS, exit_participation=part).check()


def _rest(inp, campaign: dict[str, tuple[int, int]]) -> float:
    """Best value given each village's (level, year): reclaim, use in town and sell as the rules allow (an LP)."""
    years = list(YEARS)
    n = len(years)
    villages = list(campaign)
    nv = len(villages)
    # x = [r (villages × years), use (years), sell (years)]
    size = nv * n + 2 * n
    delta = np.array([(1 + inp.discount_rate) ** -k for k in range(n)])
    c = np.zeros(size)
    bounds = [(0.0, 0.0)] * size
    for i, v in enumerate(villages):
        level, year = campaign[v]
        t = years.index(year)
        c[i * n + t] = delta[t] * float(inp.exits.at[v, "reclamation_cost_wan_per_mu"])
        bounds[i * n + t] = (0.0, float(inp.exits.at[v, "reclaim_mu"]) * float(inp.exit_participation.at[v, level]))
    for t in range(n):
        c[nv * n + t] = -delta[t] * float(inp.town_use_value_wan_per_mu[years[t]])
        c[nv * n + n + t] = -delta[t] * float(inp.sale_price_wan_per_mu[years[t]])
        bounds[nv * n + t] = (0.0, float(inp.town_use_cap_mu[years[t]]))
        bounds[nv * n + n + t] = (0.0, float(inp.sale_cap_mu[years[t]]))
    rows, rhs = [], []
    for t in range(n):  # stock by t: uses so far ≤ reclamation accepted so far (accepted one year after)
        row = np.zeros(size)
        for i in range(nv):
            for s in range(n):
                if s + inp.reclamation_lag_years <= t:
                    row[i * n + s] = -1.0
        row[nv * n: nv * n + t + 1] = 1.0
        row[nv * n + n: nv * n + n + t + 1] = 1.0
        rows.append(row)
        rhs.append(0.0)
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    assert res.status == 0
    pay = sum(float(inp.exits.at[v, "households"]) * float(inp.exit_participation.at[v, lv]) * OFFERS[lv]
              * delta[years.index(y)] for v, (lv, y) in campaign.items())
    return -float(res.fun) - pay


@pytest.mark.parametrize("seed", range(3))
def test_the_offer_choice_equals_brute_force(seed):
    inp = _exit_inputs(seed)
    res = LinkagePlan(inp, excluded=["A", "B", "M"]).solve(time_limit_s=60, mip_gap=1e-9)
    assert check_linkage(res) == []
    choices = [None] + [(lv, y) for lv in range(3) for y in YEARS]
    best = max(_rest(inp, {v: c for v, c in zip(inp.exits.index, combo, strict=True) if c is not None})
               for combo in itertools.product(choices, repeat=3))
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    # the table says what the plan did, and the ledger counts the land it gave
    t = res.exits()
    for _, r in t.iterrows():
        share = float(inp.exit_participation.at[r["村"], OFFERS.index(r["补偿标准(万元/户)"])])
        assert r["退出户数(户)"] == pytest.approx(round(float(inp.exits.at[r["村"], "households"]) * share, 1))
    assert float(res.ledger()["复垦验收(亩)"].sum()) == pytest.approx(
        float(t.loc[t["复垦验收年度"] != "规划期后", "复垦(亩)"].sum()), abs=0.05)


def test_a_bad_participation_curve_is_named():
    from landkit.quota.inputs import exits_from_town

    town = landkit.load_sample()
    bad = town.with_params(town.params.with_overrides({"people.exit_participation": {"default": [0.3, 0.1, 0.2,
                                                                                                 0.4]}}, source="t"))
    with pytest.raises(landkit.ValidationError, match="exit_participation"):
        exits_from_town(bad, pd.DataFrame({"village": []}))


def test_the_sample_offers_the_exit_outside_the_relocated_villages():
    town = landkit.load_sample()
    plan = LinkagePlan.from_town(town, homestead_exit=True)
    ex = plan.inputs.exits
    assert len(ex) > 10
    plots = plan.inputs.plots
    relocated = set(plots.loc[plots["kind"] == "homestead", "village"])
    assert relocated and not relocated & set(ex.index)  # the 南阳 villages move whole; the others may exit
    assert set(plots.loc[plots["kind"] == "mining", "village"]) & set(ex.index)  # a mine does not exclude its village
    parcels = town.parcels
    for village, members in plan.inputs.exit_parcels.items():
        rows = parcels.loc[list(members)]
        assert (rows["DLBM"].astype(str) == "0702").all() and (rows["ZLDWMC"].astype(str) == village).all()
        assert float(rows["area_mu"].sum()) == pytest.approx(float(ex.at[village, "homestead_mu"]))
    res = plan.solve(time_limit_s=60, mip_gap=0.005)
    assert check_linkage(res) == []
    k = res.kpis()
    assert k["homestead_exit_households"] > 0 and k["homestead_exit_reclaimed_mu"] > 0


def test_exits_without_participation_are_refused_with_the_others() -> None:
    # used to pass the check and fail at build time with an AttributeError
    import landkit

    inp = _exit_inputs(0)
    with pytest.raises(landkit.ValidationError) as err:
        dataclasses.replace(inp, exit_participation=None).check()
    assert [p.where for p in err.value.problems] == ["exit_participation"]
    assert "missing while exits are given" in str(err.value)
