r"""人地挂钩: new urban construction land from the people settling at the town seat.

The rule (国土资发〔2016〕123号 as commonly cited [R]): a town whose existing urban construction land per
person :math:`a_0` is at most 100 m² gets 100 m² of new urban construction land for each agricultural
migrant who settles (落户); above that, less (the tiers are a parameter, ``people.land_per_migrant_tiers``);
the province may adjust the standard by up to 10 % (``people.provincial_adjustment``). Housing and public
services come first, then industry.

From the seat's resident path :math:`R_t` (``people.seat_residents``: the figure today and the reform plan's
10万 by 2020, interpolated linearly between the years given and held after the last), for each plan year

.. math::

    G_t = R_t - R_{t-1}, \qquad M_t = \mu\, G_t, \qquad
    E_t = M_t\, s(a_0)\, (1 + \alpha) / 666.67

with :math:`\mu` the share of growth that is settled agricultural migrants (``people.migrant_share``),
:math:`s(a_0)` the standard of the tier of :math:`a_0` (``people.urban_land_per_person_m2``), :math:`\alpha`
the provincial adjustment and :math:`E_t` the entitlement in 亩. With ``people_link`` the reserve plan's
新增建设用地 quota is :math:`E_t` (instead of ``reserve.new_construction_quota``) and its demand by use is
:math:`E_t` split by ``people.demand_shares`` (instead of ``reserve.demand``). The 人地挂钩测算表 of a solved
plan sets the land it supplies for housing and public services against the migrants it can house at the
standard, and shows the gap to the population target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.units import M2_PER_MU

#: Uses housing and public services (they come first: the people who settle live and go to school there).
FIRST_USES = ("residential", "public")


def resident_path(params: Any, years: Sequence[int]) -> pd.Series:
    """Seat residents (人) in the year before the plan and in each plan year, from ``people.seat_residents``."""
    given = {int(k): float(v) for k, v in dict(params["people.seat_residents"]).items()}
    if len(given) < 2:
        raise ValidationError("parameters", [Problem("people.seat_residents", f"gives {len(given)} year(s)",
                                                     "give at least two years, e.g. {2018: 60000, 2020: 100000}")])
    known = pd.Series(given).sort_index()
    wanted = [int(years[0]) - 1, *[int(y) for y in years]]
    if wanted[0] < known.index[0]:
        raise ValidationError("parameters", [Problem(
            "people.seat_residents", f"starts in {known.index[0]}, after {wanted[0]} (the year before the plan)",
            f"give the residents of {wanted[0]} or earlier")])
    values = np.interp(wanted, known.index.to_numpy(dtype=float), known.to_numpy(dtype=float))
    return pd.Series(values, index=pd.Index(wanted, name="year"), name="residents")


def standard_m2(params: Any) -> float:
    """m² of new urban construction land per settled migrant: the tier of today's land per person, adjusted."""
    per_person = float(params["people.urban_land_per_person_m2"])
    adjust = float(params["people.provincial_adjustment"])
    problems = []
    if abs(adjust) > 0.1 + 1e-12:
        problems.append(Problem("people.provincial_adjustment", f"is {adjust}", "at most ±0.10 (±10 %)"))
    tiers = dict(params["people.land_per_migrant_tiers"])
    bounds = [float(v) for v in tiers.get("up_to_m2", [])]
    standards = [float(v) for v in tiers.get("standard_m2", [])]
    if len(standards) != len(bounds) + 1 or bounds != sorted(bounds):
        problems.append(Problem("people.land_per_migrant_tiers", f"has {len(bounds)} bounds and "
                                f"{len(standards)} standards", "give rising up_to_m2 and one more standard_m2"))
    if problems:
        raise ValidationError("parameters", problems)
    tier = sum(per_person > b for b in bounds)  # the first tier whose bound is not below today's land per person
    return standards[tier] * (1.0 + adjust)


def people_link(params: Any, years: Sequence[int]) -> pd.DataFrame:
    """The entitlement by plan year (module docstring): residents, growth, migrants, standard, 亩.

    Returns
    -------
    DataFrame
        Indexed by year: ``residents``, ``growth``, ``migrants``, ``standard_m2``, ``entitlement_mu``.
    """
    path = resident_path(params, years)
    growth = path.diff().iloc[1:].clip(lower=0.0)
    migrants = growth * float(params["people.migrant_share"])
    std = standard_m2(params)
    out = pd.DataFrame({"residents": path.iloc[1:], "growth": growth, "migrants": migrants,
                        "standard_m2": std, "entitlement_mu": migrants * std / M2_PER_MU})
    out.index = out.index.astype(int)
    return out


def people_demand(params: Any, years: Sequence[int], uses: Sequence[str]) -> pd.DataFrame:
    """Land demand by use (rows) and year (columns), 亩: each year's entitlement split by ``people.demand_shares``."""
    shares = {str(k): float(v) for k, v in dict(params["people.demand_shares"]).items()}
    unknown = sorted(set(shares) - set(uses))
    total = sum(shares.values())
    problems = [Problem("people.demand_shares", f"names {unknown}", f"use {', '.join(uses)}")] if unknown else []
    if abs(total - 1.0) > 1e-6:
        problems.append(Problem("people.demand_shares", f"sum to {total:g}", "make the shares add up to 1"))
    if problems:
        raise ValidationError("parameters", problems)
    link = people_link(params, years)["entitlement_mu"]
    return pd.DataFrame({y: {u: shares.get(u, 0.0) * float(link[y]) for u in uses} for y in years})


def people_table(params: Any, years: Sequence[int], supplied_first_mu: pd.Series, converted_mu: pd.Series,
                 applied: bool) -> pd.DataFrame:
    """人地挂钩测算表: what the plan supplies for the people it is to house, year by year.

    ``supplied_first_mu``: land the plan supplies for housing and public services by year (亩);
    ``converted_mu``: its 农用地转用 by year (亩). A migrant needs the standard in all, of which the housing and
    public-service share (``people.demand_shares``); 可承载落户人口 is the land supplied so far for them at that
    share of the standard, and 累计落户缺口 the migrants so far the plan cannot house (0 when it houses them all).
    """
    link = people_link(params, years)
    std = float(link["standard_m2"].iloc[0])
    shares = {str(k): float(v) for k, v in dict(params["people.demand_shares"]).items()}
    first = sum(shares.get(u, 0.0) for u in FIRST_USES) or 1.0
    # a migrant needs std m² in all, of which the housing and public-service share; supply lags acquisition, so
    # the land so far is set against the migrants so far
    housed = (supplied_first_mu.reindex(link.index).fillna(0.0).cumsum() * M2_PER_MU / (std * first))
    can_house = housed.diff().fillna(housed)
    return pd.DataFrame({
        "年度": link.index, "镇区常住人口(人)": link["residents"].round(0).astype(int).to_numpy(),
        "新增人口(人)": link["growth"].round(0).astype(int).to_numpy(),
        "农业转移人口落户(人)": link["migrants"].round(0).astype(int).to_numpy(),
        "人均新增用地标准(m²/人)": round(std, 1),
        "挂钩新增城镇建设用地(亩)": link["entitlement_mu"].round(2).to_numpy(),
        "计划农用地转用(亩)": converted_mu.reindex(link.index).fillna(0.0).round(2).to_numpy(),
        "住宅与公服供地(亩)": supplied_first_mu.reindex(link.index).fillna(0.0).round(2).to_numpy(),
        "可承载落户人口(人)": can_house.round(0).astype(int).to_numpy(),
        "累计落户人口(人)": link["migrants"].cumsum().round(0).astype(int).to_numpy(),
        "累计可承载(人)": housed.round(0).astype(int).to_numpy(),
        "累计落户缺口(人)": (link["migrants"].cumsum() - housed).clip(lower=0.0).round(0).astype(int).to_numpy(),
        "用于本计划": "是" if applied else "否（计划用估计的指标与需求）",
    })


__all__ = ["FIRST_USES", "people_demand", "people_link", "people_table", "resident_path", "standard_m2"]
