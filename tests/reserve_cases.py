"""Tiny hand-checkable reserve-plan inputs shared by the reserve tests."""

from __future__ import annotations

import itertools

import pandas as pd

from landkit.reserve import FinanceSource, ReserveInputs

YEARS = (2019, 2020)


def parcels_abc() -> pd.DataFrame:
    """A: 10 亩 residential, cost 100; B: 10 亩 residential, cost 150; C: 5 亩 industrial, cost 50."""
    return pd.DataFrame(
        {
            "area_mu": [10.0, 10.0, 5.0],
            "planned_use": ["residential", "residential", "industrial"],
            "acquisition_cost_wan_yuan": [60.0, 100.0, 30.0],
            "demolition_cost_wan_yuan": [20.0, 30.0, 10.0],
            "prep_cost_wan_yuan": [20.0, 20.0, 10.0],
            "land_use_fee_wan_yuan": [0.0, 0.0, 0.0],
            "holding_cost_wan_yuan_per_year": [0.0, 0.0, 0.0],
            "households": [2, 0, 1],
            "agricultural_mu": [10.0, 10.0, 5.0],
            "farmland_mu": [10.0, 10.0, 0.0],
            "paddy_mu": [0.0, 10.0, 0.0],
            "capacity_kg": [6000.0, 7000.0, 0.0],
        },
        index=pd.Index(["A", "B", "C"], name="parcel"),
    )


def inputs_abc(
    *,
    funds: dict[int, float] | None = None,
    finance: tuple[FinanceSource, ...] = (),
    discount_rate: float = 0.0,
    demand_res_2020: float = 10.0,
    years: tuple[int, ...] = YEARS,
    lag: int = 1,
    **changes: object,
) -> ReserveInputs:
    p = parcels_abc()
    revenue = pd.DataFrame({y: [0.0, 0.0, 0.0] for y in years}, index=p.index)
    for y in years[1:]:
        revenue[y] = [300.0, 320.0, 40.0]
    demand = pd.DataFrame({y: {"industrial": 0.0, "commercial": 0.0, "residential": 0.0, "public": 0.0}
                           for y in years})
    demand.loc["residential", years[1]] = demand_res_2020
    base = {
        "parcels": p,
        "revenue_gross": revenue,
        "years": years,
        "funds_wan_yuan": pd.Series(funds or {y: (120.0 if y == years[0] else 0.0) for y in years}),
        "quota_mu": pd.Series({y: 100.0 for y in years}),
        "resettlement_households": pd.Series({y: 10 for y in years}),
        "demand_mu": demand,
        "finance": finance,
        "discount_rate": discount_rate,
        "supply_lag_years": lag,
        "market_absorption": 2.0,
        "shortfall_penalty_wan_per_mu": 1000.0,
    }
    base.update(changes)
    return ReserveInputs(**base).check()  # type: ignore[arg-type]


def enumerate_plans(inputs):
    """Every feasible (acquire year, supply year) per parcel without borrowing: yields (NPV less the unmet-demand
    penalty, farmland taken by year). The brute force the reserve tests compare the solver with."""
    years = list(inputs.years)
    p = inputs.parcels
    cost = inputs.cost_wan_yuan
    options = [(None, None)]
    for ia, ya in enumerate(years):
        options.append((ya, None))
        options += [(ya, ys) for ys in years[ia + inputs.supply_lag_years:]]
    delta = {y: (1 + inputs.discount_rate) ** -(y - years[0]) for y in years}
    for combo in itertools.product(options, repeat=len(p)):
        cash, value, ok = inputs.opening_cash_wan_yuan, 0.0, True
        supplied = {y: {} for y in years}
        farmland = dict.fromkeys(years, 0.0)
        for y in years:
            flow = float(inputs.funds_wan_yuan[y])
            quota = hh = 0.0
            for pid, (ya, ys) in zip(p.index, combo, strict=True):
                if ya == y:
                    flow -= cost[pid]
                    value -= delta[y] * cost[pid]
                    quota += p.at[pid, "agricultural_mu"]
                    hh += p.at[pid, "households"]
                    farmland[y] += p.at[pid, "farmland_mu"]
                if ys == y:
                    flow += inputs.revenue_gross.at[pid, y]
                    value += delta[y] * inputs.revenue_gross.at[pid, y]
                    use = p.at[pid, "planned_use"]
                    supplied[y][use] = supplied[y].get(use, 0.0) + p.at[pid, "area_mu"]
            cash += flow
            if cash < -1e-9 or quota > inputs.quota_mu[y] + 1e-9 or hh > inputs.resettlement_households[y] + 1e-9:
                ok = False
        if not ok:
            continue
        for y in years:
            for use in inputs.demand_mu.index:
                d = float(inputs.demand_mu.at[use, y])
                got = supplied[y].get(use, 0.0)
                if got > inputs.market_absorption * d + 1e-9:
                    ok = False
                value -= delta[y] * inputs.shortfall_penalty_wan_per_mu * max(d - got, 0.0)
        if ok:
            yield value, farmland
