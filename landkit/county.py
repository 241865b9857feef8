"""A synthetic county for the reserve plan's benchmarks: several towns, any horizon, demand that can be met.

:func:`synthetic_county` lays ``towns`` seats (each with an industrial zone east of it) over the
synthetic parcel frame of :mod:`landkit.sample`, draws one 城镇开发边界 disc around each seat, sized so
that ``candidate_share`` of the parcels are reserve candidates, and gives every candidate a planned use
(60 % residential, 30 % industrial, 7 % commercial, 3 % public, drawn at random; industrial inside the
industrial zones).

The money, quotas and demand are then made to fit the candidates and the horizon, from a *witness
plan* :math:`W` that is feasible by construction:

1. For each planned use :math:`u` the candidates of that use are shuffled and taken in turn, each
   acquired in year :math:`t - L` and supplied in year :math:`t` (lag :math:`L` = ``reserve.supply_lag``),
   until :math:`\\text{demand\\_share} \\times a_u` 亩 are supplied in every year :math:`t \\ge t_0 + L`
   (:math:`a_u` the candidate area of use :math:`u`).
2. Demand :math:`d_{ut}` is the area :math:`W` supplies (rounded down to 0.01 亩), so :math:`W` meets it
   and stays within the market cap (1.2 × demand).
3. The 新增建设用地 quota and the resettlement capacity are, every year, ``slack`` × the most :math:`W` uses
   in any year; the county special funds, every year, ``slack`` × the least constant funding with which
   :math:`W`'s cash balance (costs, holding, 计提, revenue, as :mod:`landkit.reserve.model` counts them) never
   falls below zero without borrowing, and at least 10 % of :math:`W`'s mean yearly spending; the
   financing company's debt ceiling and the special-bond allowance are scaled from the sample's by
   funds / 2,000 万元.

So every demand can be met (:math:`W` does it), the optimum's gap is a gap on the NPV and not on the
1,000 万元/亩 shortfall penalty, and the optimiser has room beyond :math:`W` (cheaper parcels, other
years, borrowing, supply of profitable land up to the market cap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from landkit._errors import ArgumentError
from landkit.io._vector import finish_parcels
from landkit.landuse import group_of
from landkit.params import Parameters
from landkit.reserve.inputs import USES, ReserveInputs, inputs_from_town
from landkit.reserve.model import ReservePlan
from landkit.sample import _clean, _syn_river_v, _synthetic, seat_masks, synthetic_excluded, synthetic_layers
from landkit.town import Town

#: Planned uses of the candidates outside the industrial zones and their shares.
USE_SHARES: dict[str, float] = {"residential": 0.60, "industrial": 0.30, "commercial": 0.07, "public": 0.03}
#: The sample's county funds (万元/年), against which the debt ceilings are scaled.
SAMPLE_FUNDS_WAN_YUAN = 2000.0
_PARCEL_MARGIN_M = 100.0  # a parcel's width, the margin of the zones' approximation


@dataclass(frozen=True)
class SyntheticCounty:
    """A synthetic county and the feasible plan its money and demand were scaled from.

    Attributes
    ----------
    town : Town
        All the county's parcels and zoning layers; its parameters carry the horizon
        (``town.plan_years``), demand, quotas, resettlement capacity, funds and debt ceilings.
    planned_use : Series
        Planned use of every candidate (by parcel id), to pass to :meth:`ReservePlan.from_town`.
    witness : DataFrame
        The witness plan (index: parcel id; ``acquire_year``, ``supply_year``), which meets all demand
        within every constraint.
    seats : ndarray
        ``towns × 3``: each seat's u, v and radius in shares of the square's side.
    """

    town: Town
    planned_use: pd.Series
    witness: pd.DataFrame
    seats: np.ndarray

    def plan(self, **kwargs: Any) -> ReservePlan:
        """The county's reserve plan: :meth:`ReservePlan.from_town` with the planned uses, compactness off."""
        kwargs.setdefault("compactness_wan_yuan_per_km", 0.0)
        return ReservePlan.from_town(self.town, planned_use=self.planned_use, **kwargs)

    @property
    def candidates(self) -> int:
        """Number of reserve candidates."""
        return len(self.planned_use)


def _seats(towns: int, rng: np.random.Generator) -> np.ndarray:
    """Seats on a jittered grid north of the hills, kept off the river; radius 0.07 / √towns."""
    cols = math.ceil(math.sqrt(towns))
    rows = math.ceil(towns / cols)
    r = 0.07 / math.sqrt(towns)
    out = []
    for k in range(towns):
        i, j = k % cols, k // cols
        u = 0.08 + (i + 0.5 + rng.uniform(-0.2, 0.2)) / cols * 0.74
        v = 0.34 + (j + 0.5 + rng.uniform(-0.2, 0.2)) / rows * 0.6
        river = float(_syn_river_v(u))
        if abs(v - river) < 2.0 * r:
            v = river + (2.0 * r if v >= river else -2.0 * r)
        out.append((u, v, r))
    return np.array(out)


def _excluded(u: np.ndarray, v: np.ndarray, side: float) -> np.ndarray:
    """Points in the ecological zone or the water-source zone of :func:`landkit.sample.synthetic_layers`
    (approximately, with a parcel's width of margin)."""
    return synthetic_excluded(u, v, side, _PARCEL_MARGIN_M)


def _boundary_factor(layout: dict[str, Any], codes: np.ndarray, seats: np.ndarray, target: int,
                     params: Parameters) -> float:
    """The factor g of the seat radii whose discs hold about ``target`` candidates."""
    u, v = layout["u"], layout["v"]
    ratio = np.full(len(u), np.inf)
    for us, vs, r in seats:
        ratio = np.minimum(ratio, np.hypot(u - us, v - vs) / r)
    groups = {c: group_of(c) for c in set(codes)}
    ok = np.isin([groups[c] for c in codes], list(params["reserve.candidate_groups"]))
    ok &= ~_excluded(u, v, layout["side"])
    _, industrial = seat_masks(u, v, seats)
    eligible = np.sort(ratio[ok & ~industrial])
    need = target - int((ok & industrial).sum())
    if need <= 0:
        return 1.0
    g = float(eligible[min(need, len(eligible)) - 1]) * 1.0001
    return max(g, 1.0)


def _witness(inp: ReserveInputs, demand_share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Acquire/supply years of the witness plan (see the module docstring, step 1)."""
    p = inp.parcels
    years = list(inp.years)
    lag = inp.supply_lag_years
    supply_years = years[lag:]
    if not supply_years:
        raise ArgumentError(f"a horizon of {len(years)} years leaves no year to supply land after a "
                            f"{lag}-year lag")
    rows = []
    for use in USES:
        ids = p.index[(p["planned_use"] == use).to_numpy()]
        if not len(ids):
            continue
        ids = ids[rng.permutation(len(ids))]
        area = p.loc[ids, "area_mu"].to_numpy(dtype=float)
        target = demand_share * area.sum()
        if target <= 0:
            continue
        slot = np.floor((np.cumsum(area) - area) / target).astype(int)  # each year's demand filled in turn
        take = slot < len(supply_years)
        sup = np.asarray(supply_years)[slot[take]]
        rows.append(pd.DataFrame({"acquire_year": sup - lag, "supply_year": sup}, index=ids[take]))
    return pd.concat(rows) if rows else pd.DataFrame(columns=["acquire_year", "supply_year"])


def _witness_flows(inp: ReserveInputs, w: pd.DataFrame) -> pd.DataFrame:
    """The witness's money and capacity by year: spending, holding, returned revenue, quota, households."""
    p = inp.parcels.loc[w.index]
    years = list(inp.years)
    cost = inp.cost_wan_yuan.loc[w.index]
    gross = inp.revenue_gross.loc[w.index]
    reward = inp.reward_wan_yuan.loc[w.index]
    shares = inp.deduction_shares()
    out = {}
    for t in years:
        acq = (w["acquire_year"] == t).to_numpy()
        sup = (w["supply_year"] == t).to_numpy()
        held = ((w["acquire_year"] <= t) & (w["supply_year"] > t)).to_numpy()
        g = float(gross.loc[sup, t].sum())
        proceeds = g - float(cost[sup].sum())
        ded = sum(share * max(0.0, g if base == "gross" else proceeds) for base, share in shares.items())
        out[t] = {
            "spend": float(cost[acq].sum()),
            "holding": float(p.loc[held, "holding_cost_wan_yuan_per_year"].sum()),
            "revenue": inp.returned_share * (g - ded) - float(reward[sup].sum()),
            "quota": float(p.loc[acq, "agricultural_mu"].sum()),
            "households": float(p.loc[acq, "households"].sum()),
        }
    return pd.DataFrame(out).T


def _scaled_overrides(inp: ReserveInputs, w: pd.DataFrame, years: list[int], slack: float,
                      params: Parameters) -> dict[str, Any]:
    """Demand, quota, resettlement, funds and debt ceilings fitted to the witness (module docstring, steps 2–3)."""
    p = inp.parcels.loc[w.index]
    flows = _witness_flows(inp, w)
    supplied = p["area_mu"].groupby([p["planned_use"], w["supply_year"]]).sum()
    demand = {u: {y: math.floor(float(supplied.get((u, y), 0.0)) * 100.0) / 100.0 for y in years} for u in USES}
    other = inp.land_funds_wan_yuan() - inp.funds_wan_yuan.reindex(years) * (1.0 - inp.enterprise_support_share)
    need = -(flows["revenue"] - flows["spend"] - flows["holding"] + other.to_numpy()).cumsum()
    need = need - inp.opening_cash_wan_yuan
    per_year = float((need / np.arange(1, len(years) + 1)).max()) / max(1e-9, 1.0 - inp.enterprise_support_share)
    funds = max(slack * max(per_year, 0.0), 0.1 * float(flows["spend"].mean()), 1.0)
    quota = max(slack * float(flows["quota"].max()), 1.0)
    households = max(math.ceil(slack * float(flows["households"].max())), 1)
    scale = funds / SAMPLE_FUNDS_WAN_YUAN
    return {
        "town.plan_years": years,
        "reserve.demand": demand,
        "reserve.new_construction_quota": {y: round(quota, 2) for y in years},
        "reserve.resettlement_capacity": {y: households for y in years},
        "funds.county_special_funds": round(funds, 2),
        "financing.company_debt_ceiling": round(float(params["financing.company_debt_ceiling"]) * scale, 2),
        "financing.special_bond_max_per_year": round(float(params["financing.special_bond_max_per_year"]) * scale,
                                                     2),
    }


def synthetic_county(
    n_parcels: int = 200_000,
    *,
    years: int = 5,
    towns: int | None = None,
    candidate_share: float = 0.028,
    demand_share: float = 0.04,
    slack: float = 1.2,
    seed: int = 0,
) -> SyntheticCounty:
    """A synthetic county of ``n_parcels`` parcels and ``towns`` towns, with a reserve plan that can meet its demand.

    See the module docstring for the layout and for how demand, funds, quotas, resettlement capacity
    and debt ceilings are fitted to the candidates and the horizon.

    Parameters
    ----------
    n_parcels : int
        Parcels (at least 1,000); 5,000 m² each on average.
    years : int
        Plan years from 2019 (at least ``reserve.supply_lag`` + 1).
    towns : int, optional
        Town seats, each with its 城镇开发边界 (default: one per 50,000 parcels, at least 1).
    candidate_share : float
        Share of parcels that are reserve candidates (0 < share ≤ 0.3); the boundary discs are sized to it
        (approximately: the candidate rule reads the parcels' overlap with the zones).
    demand_share : float
        Demand of each use in each supply year, as a share of the candidate area of that use.
    slack : float
        Quotas, resettlement capacity and funds as a multiple (≥ 1) of what the witness plan needs.
    seed : int
        Seed of the random generator; the same arguments give the same county.

    Returns
    -------
    SyntheticCounty
        ``.plan()`` gives the :class:`~landkit.reserve.ReservePlan`.
    """
    n_towns = max(1, round(n_parcels / 50_000)) if towns is None else int(towns)
    problems = [message for broken, message in (
        (n_parcels < 1000, f"n_parcels must be at least 1,000, got {n_parcels}"),
        (years < 1, f"years must be at least 1 (plan years from 2019), got {years}"),
        (not 0.0 < candidate_share <= 0.3, f"candidate_share must be in (0, 0.3], got {candidate_share}"),
        (not 0.0 < demand_share <= 0.5, f"demand_share must be in (0, 0.5], got {demand_share}"),
        (slack < 1.0, f"slack must be at least 1, got {slack}"),
        (n_towns < 1, f"towns must be at least 1, got {towns}"),
    ) if broken]
    if problems:
        raise ArgumentError("synthetic_county: " + "; ".join(problems))
    rng = np.random.default_rng([seed, 22])
    seats = _seats(n_towns, rng)
    dltb, layout = _synthetic(n_parcels, seed, 5000.0, seats=seats)
    params = Parameters.load()
    codes = dltb["DLBM"].astype(str).to_numpy()
    g = _boundary_factor(layout, codes, seats, round(candidate_share * n_parcels), params)
    side, x0, y0 = layout["side"], layout["x0"], layout["y0"]
    discs = [shapely.Point(x0 + us * side, y0 + vs * side).buffer(g * r * side, quad_segs=32)
             for us, vs, r in seats]
    boxes = [shapely.box(x0 + (us + 1.1 * r) * side, y0 + (vs - 0.6 * r) * side, x0 + (us + 2.1 * r) * side,
                         y0 + (vs + 0.6 * r) * side) for us, vs, r in seats]
    czkfbj = _clean(shapely.intersection(shapely.union_all(discs + boxes), layout["square"]))
    layers = synthetic_layers(dltb, layout, czkfbj, f"合成县{n_parcels}")
    source = "合成县域 (landkit.synthetic_county)"
    parcels = finish_parcels(layers.pop("DLTB"), {"source": source, "notes": []}, validate=False)
    year_list = [2019 + k for k in range(years)]
    placeholder = {"town.plan_years": year_list,
                   "reserve.new_construction_quota": {y: 1.0 for y in year_list},
                   "reserve.resettlement_capacity": {y: 1 for y in year_list}}
    town = Town.from_parcels(parcels, layers=layers, params=params.with_overrides(placeholder, source),
                             name=f"合成县域 ({n_parcels:,} 宗地块)", source=source, validate=False)
    _, industrial = seat_masks(layout["u"], layout["v"], seats)
    draw = rng.choice(list(USE_SHARES), size=len(parcels), p=list(USE_SHARES.values()))
    use = pd.Series(np.where(industrial, "industrial", draw), index=town.parcels.index)
    inp = inputs_from_town(town, planned_use=use, compactness=False)
    witness = _witness(inp, demand_share, rng)
    overrides = _scaled_overrides(inp, witness, year_list, slack, params)
    town = town.with_params(params.with_overrides(overrides, "合成县域: 按可行参照方案缩放 (landkit.synthetic_county)"))
    return SyntheticCounty(town, use.reindex(inp.parcels.index), witness, seats)


__all__ = ["SyntheticCounty", "synthetic_county"]
