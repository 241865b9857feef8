"""Grade, capacity and price conversions of the 占补平衡, and the regime of a date.

Every number comes from the ``farmland`` section of ``parameters.yaml`` (unit and provenance there).

Capacity (产能) of farmland of 国土 等别 :math:`g \\in \\{1, …, 15\\}` (1 best):

.. math::

    c(g) = \\text{capacity\\_by\\_grade}[g] \\quad \\text{(kg 标准粮/亩)}

Shandong 补充耕地指标 guide prices (万元/亩): provincial 统筹 is flat, :math:`P^{pool}_k` for
:math:`k \\in \\{\\text{ordinary}, \\text{paddy}\\}`; provincial 调剂 is priced at the reference grade
:math:`g_0 = 8` and moves by :math:`\\sigma = 1.1` per grade, dearer for better land:

.. math::

    P^{adj}_k(g) = P^{adj}_k(g_0) + \\sigma\\,(g_0 - g)

so 调剂 ordinary at grade 6 is :math:`13.8 + 2 × 1.1 = 16.0`. The national cross-province price is

.. math::

    P^{nat} = \\big(B_k + \\pi \\cdot c / 100\\big) \\times \\alpha_r

with 基准价 :math:`B_{dry} = 10`, :math:`B_{paddy} = 20`, 产能价 :math:`\\pi = 2` 万元 per 100 kg/亩 and the
调节系数 :math:`\\alpha_r` of the region (山东 1): paddy with 600 kg/亩 costs :math:`(20 + 6 × 2) × 1 = 32`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.params import Param, Parameters

Regime = Literal["per_project", "annual"]
#: Regime names and their Chinese labels.
REGIMES: dict[str, str] = {"per_project": "先补后占 (逐项目)", "annual": "以补定占 (年度)"}
MARKETS: dict[str, str] = {
    "shandong_pooled": "省级统筹指标",
    "shandong_adjusted": "省级调剂指标",
    "national": "跨省补充耕地",
}


def _params(params: Parameters | None) -> Parameters:
    return params if params is not None else Parameters.load()


def check_grade(grade: object, where: str, params: Parameters | None = None) -> int:
    """Return ``grade`` as an int in 1..n (n = length of the capacity table), or raise naming ``where``."""
    n = len(_params(params)["farmland.capacity_by_grade"])
    value: object = grade.item() if isinstance(grade, np.generic) else grade  # numpy scalars as Python numbers
    if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(float(value)) \
            and float(value) == int(value) and 1 <= int(value) <= n:
        return int(value)
    raise ValidationError(
        where, [Problem(where, f"国土 等别 {value!r} is not a whole number from 1 to {n}", "give the 耕地等别 (GDDB)",
                        "bad_grade")]
    )


def capacity_per_mu(grade: int, params: Parameters | None = None) -> float:
    """Grain capacity (kg 标准粮/亩) of farmland of 国土 等别 ``grade``: :math:`c(g)`."""
    params = _params(params)
    g = check_grade(grade, "grade", params)
    return float(params["farmland.capacity_by_grade"][g - 1])


def capacity_kg_per_mu(grades: pd.Series | np.ndarray, params: Parameters | None = None) -> np.ndarray:
    """Vectorised :func:`capacity_per_mu`; NaN where the grade is missing (caller decides what that means)."""
    table = np.asarray(_params(params)["farmland.capacity_by_grade"], dtype=float)
    g = np.asarray(grades, dtype=float)
    out = np.full(g.shape, np.nan)
    ok = np.isfinite(g) & (g >= 1) & (g <= table.size) & (g == np.round(g))
    out[ok] = table[g[ok].astype(int) - 1]
    return out


def shandong_price(grade: int, *, paddy: bool, kind: str = "adjusted", params: Parameters | None = None,
                   year: int | None = None) -> float:
    """Shandong 补充耕地指标 guide price (万元/亩), from the table in force in ``year``.

    Parameters
    ----------
    grade : int
        国土 等别 of the indicator's land (only 调剂 prices depend on it).
    paddy : bool
        Paddy (水田) indicator rather than ordinary.
    kind : {"adjusted", "pooled"}
        省级调剂 (:math:`P^{adj}_k(g)`, by grade) or 省级统筹 (flat).
    year : int, optional
        The year of the purchase: the guide prices are dated (:meth:`Parameters.in_force`), and a year
        no version covers is refused. Without a year, the table as published.
    """
    params = _params(params)
    g = check_grade(grade, "grade", params)
    k = "paddy" if paddy else "ordinary"
    if kind not in ("adjusted", "pooled"):
        raise ValidationError("shandong_price", [Problem("kind", f"{kind!r} is not 'adjusted' or 'pooled'")])
    table = price_table(kind, params, year).value
    if kind == "pooled":
        return float(table[k])
    ref = int(params["farmland.shandong_reference_grade"])
    step = float(params["farmland.shandong_grade_step"])
    return float(table[k]) + step * (ref - g)


def price_table(kind: str, params: Parameters | None = None, year: int | None = None) -> Param:
    """The Shandong guide price table (``"adjusted"`` or ``"pooled"``) in force in ``year`` (as published if None)."""
    params = _params(params)
    key = f"farmland.shandong_{kind}_price"
    return params.param(key) if year is None else params.in_force(key, int(year))


def national_price(
    *, paddy: bool, capacity_kg_per_mu: float, region: str = "shandong", params: Parameters | None = None
) -> float:
    """National cross-province 补充耕地 price (万元/亩): :math:`(B_k + \\pi c/100)\\,\\alpha_r`.

    ``region`` is a key of ``farmland.national_adjustment`` (``"shandong"``, ``"beijing_shanghai"``,
    ``"lowest"``).
    """
    params = _params(params)
    coefs = params["farmland.national_adjustment"]
    if region not in coefs:
        raise ValidationError(
            "national_price", [Problem("region", f"{region!r} has no 调节系数", f"use one of {sorted(coefs)}")]
        )
    if not (np.isfinite(capacity_kg_per_mu) and capacity_kg_per_mu >= 0):
        raise ValidationError("national_price", [Problem("capacity_kg_per_mu", f"{capacity_kg_per_mu!r} is not ≥ 0")])
    base = float(params["farmland.national_base_price"]["paddy" if paddy else "dry"])
    per_100kg = float(params["farmland.national_capacity_price"])
    return (base + per_100kg * capacity_kg_per_mu / 100.0) * float(coefs[region])


def regime_for(date: str | dt.date | pd.Timestamp, params: Parameters | None = None) -> Regime:
    """The 占补平衡 regime of an occupation on ``date``.

    ``"per_project"`` (先补后占: each project balanced before approval) before
    ``farmland.annual_regime_from`` (2025-01-01, 自然资发〔2024〕204号), ``"annual"`` (以补定占: this
    year's occupation capped by last year's net gain) from that date on.
    """
    start = pd.Timestamp(str(_params(params)["farmland.annual_regime_from"]))
    try:
        when = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            "regime_for", [Problem("date", f"{date!r} is not a date", "give e.g. '2024-06-30'")]
        ) from exc
    return "annual" if when >= start else "per_project"
