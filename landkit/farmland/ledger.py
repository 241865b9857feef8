"""The 占补平衡 ledger: occupations, supplement units, cancellations (核销) and the balance sheet.

Three balances are kept separately for every balancing unit (平衡单元) :math:`g`, each in its own unit:

.. math::

    \\text{数量: } \\sum_{u} s_{ug}\\, a_u \\ge A_g \\;(亩) \\qquad
    \\text{产能: } \\sum_{u} s_{ug}\\, c_u \\ge C_g \\;(公斤) \\qquad
    \\text{水田: } \\sum_{u} s_{ug}\\, w_u \\ge W_g \\;(亩)

where :math:`A_g, C_g, W_g` are the farmland area, grain capacity and paddy area occupied in :math:`g`,
:math:`a_u, c_u, w_u` what supplement unit :math:`u` adds, and :math:`s_{ug} \\ge 0` the share of
:math:`u` cancelled against :math:`g`, with :math:`\\sum_g s_{ug} \\le 1` and a unit cancelled at most
once (one :meth:`FarmlandLedger.cancel` call, whatever the shares).

Balancing units by regime
-------------------------
- ``per_project`` (先补后占): one unit per project (column ``project``; default ``"<source> <year>"``,
  one 批次 application per source and year); a supplement may serve it when it is available in or
  before the project's year.
- ``annual`` (以补定占): one unit per occupation year :math:`t`, labelled ``"<t>年度"``; its cap is the net
  gain of year :math:`t - 1`, so a supplement may serve it when available in or before :math:`t - 1`.
- ``auto``: each occupation by its date (column ``date``, else 1 January of ``year``) against
  ``farmland.annual_regime_from`` (:func:`~landkit.farmland.regime_for`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.farmland.prices import (
    MARKETS,
    REGIMES,
    capacity_kg_per_mu,
    check_grade,
    national_price,
    price_table,
    regime_for,
    shandong_price,
)
from landkit.glossary import SOURCE_LABELS
from landkit.params import Parameters

#: Normalised occupation columns.
OCCUPATION_COLUMNS = ("source", "id", "project", "year", "date", "area_mu", "paddy_mu", "capacity_kg", "grade",
                      "regime", "group")
#: Kinds of supplement unit and their Chinese labels.
SOURCES: dict[str, str] = {
    "reclamation": "自行垦造",
    "consolidation": "土地整治",
    "linkage_surplus": "挂钩复垦节余",
    "upgrade": "提质改造",
    "indicator": "购买指标",
}
DIMENSIONS: dict[str, tuple[str, str]] = {
    # model name: (Chinese label, unit)
    "quantity": ("数量", "亩"),
    "capacity": ("产能", "公斤"),
    "paddy": ("水田", "亩"),
}


@dataclass(frozen=True)
class SupplementUnit:
    """One source of supplementary farmland (补充耕地) with a unique id.

    Parameters
    ----------
    id : str
        Unique id (编号); a unit is cancelled (核销) at most once.
    source : str
        A key of :data:`SOURCES`.
    year : int
        First year the unit can be cancelled (accepted / bought).
    area_mu : float
        New farmland area it adds (0 for 提质改造).
    capacity_kg : float
        Grain capacity it adds (kg 标准粮).
    paddy_mu : float
        Paddy area it adds.
    cost_wan_yuan : float
        Cost of the whole unit (万元); a divisible unit costs pro rata.
    divisible : bool
        True if any share of it can be used (purchased indicators); False for a whole project.
    grade : float
        国土 等别 of the resulting land (NaN when not meaningful).
    note : str
        Free text (village, market, ...).
    """

    id: str
    source: str
    year: int
    area_mu: float
    capacity_kg: float
    paddy_mu: float
    cost_wan_yuan: float
    divisible: bool = False
    grade: float = float("nan")
    note: str = ""


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _show(v: Any) -> str:
    """A value as users read it (``-1.0``, ``'yes'``), without numpy's ``np.float64(...)`` wrapper."""
    return repr(_py(v))


def _p(params: Parameters | None) -> Parameters:
    return params if params is not None else Parameters.load()


def reclamation(
    id: str, *, area_mu: float, grade: int, year: int, paddy: bool = False, cost_wan_yuan: float | None = None,
    source: str = "reclamation", mining: bool = False, params: Parameters | None = None, note: str = "",
) -> SupplementUnit:
    """A whole own reclamation or consolidation project adding ``area_mu`` of farmland of ``grade``.

    Capacity :math:`a\\,c(g)`; paddy :math:`a` if ``paddy``; cost (default) :math:`a \\times`
    ``own_reclamation_cost`` (``mining_reclamation_cost`` for 工矿废弃地).
    """
    params = _p(params)
    g = check_grade(grade, f"supplement unit {id!r}", params)
    if cost_wan_yuan is None:
        cost_wan_yuan = area_mu * float(params["farmland.mining_reclamation_cost" if mining
                                               else "farmland.own_reclamation_cost"])
    cap = float(capacity_kg_per_mu(np.array([g]), params)[0])
    return SupplementUnit(id, source, int(year), float(area_mu), area_mu * cap, area_mu if paddy else 0.0,
                          float(cost_wan_yuan), False, float(g), note)


def linkage_surplus(
    id: str, *, area_mu: float, grade: int, year: int, paddy_mu: float = 0.0, cost_wan_yuan: float = 0.0,
    params: Parameters | None = None, note: str = "",
) -> SupplementUnit:
    """挂钩 reclamation beyond its own balance, divisible; cost is the value given up (default 0: already paid)."""
    params = _p(params)
    g = check_grade(grade, f"supplement unit {id!r}", params)
    cap = float(capacity_kg_per_mu(np.array([g]), params)[0])
    return SupplementUnit(id, "linkage_surplus", int(year), float(area_mu), area_mu * cap, float(paddy_mu),
                          float(cost_wan_yuan), True, float(g), note)


def upgrade(
    id: str, *, area_mu: float, grade_from: int, grade_to: int, year: int, to_paddy: bool = False,
    divisible: bool = False, params: Parameters | None = None, note: str = "",
) -> SupplementUnit:
    """提质改造 of ``area_mu`` of existing farmland: capacity and paddy only, no new area.

    Capacity gain :math:`a\\,(c(g_{to}) - c(g_{from}))`; paddy :math:`a` if ``to_paddy`` (旱改水); cost
    :math:`a\\,\\big((g_{from} - g_{to}) \\cdot` ``upgrade_cost_per_grade`` :math:`+` ``paddy_conversion_cost``
    if 旱改水 :math:`\\big)`.
    """
    params = _p(params)
    where = f"supplement unit {id!r}"
    g0, g1 = check_grade(grade_from, where, params), check_grade(grade_to, where, params)
    if g1 > g0:
        raise ValidationError(where, [Problem(where, f"grade_to {g1} is worse than grade_from {g0}",
                                              "an upgrade improves the grade (smaller 等别 is better)")])
    caps = capacity_kg_per_mu(np.array([g0, g1]), params)
    cost = area_mu * ((g0 - g1) * float(params["farmland.upgrade_cost_per_grade"])
                      + (float(params["farmland.paddy_conversion_cost"]) if to_paddy else 0.0))
    return SupplementUnit(id, "upgrade", int(year), 0.0, area_mu * float(caps[1] - caps[0]),
                          area_mu if to_paddy else 0.0, cost, divisible, float(g1), note)


def indicator(
    id: str, *, market: str, grade: int, paddy: bool, max_mu: float, year: int, region: str = "shandong",
    params: Parameters | None = None,
) -> SupplementUnit:
    """Purchasable 补充耕地指标 (divisible, up to ``max_mu`` 亩), priced by :mod:`~landkit.farmland.prices`.

    ``market``: ``"shandong_adjusted"`` (调剂, by grade), ``"shandong_pooled"`` (统筹) or ``"national"``
    (cross-province, with the capacity of ``grade`` and the 调节系数 of ``region``).
    """
    params = _p(params)
    g = check_grade(grade, f"supplement unit {id!r}", params)
    cap = float(capacity_kg_per_mu(np.array([g]), params)[0])
    estimate = False
    if market in ("shandong_adjusted", "shandong_pooled"):
        kind = market.removeprefix("shandong_")
        price = shandong_price(g, paddy=paddy, kind=kind, params=params, year=int(year))
        estimate = price_table(kind, params, int(year)).is_estimate
    elif market == "national":
        price = national_price(paddy=paddy, capacity_kg_per_mu=cap, region=region, params=params)
    else:
        raise ValidationError(f"supplement unit {id!r}", [Problem("market", f"{market!r} is unknown",
                                                                  f"use one of {sorted(MARKETS)}")])
    note = f"{MARKETS[market]} {'水田' if paddy else '旱地'} {g}等 {price:.2f}万元/亩{'（估）' if estimate else ''}"
    return SupplementUnit(id, "indicator", int(year), float(max_mu), max_mu * cap, max_mu if paddy else 0.0,
                          max_mu * price, True, float(g), note)


def _units_frame(units: Iterable[SupplementUnit] | pd.DataFrame) -> pd.DataFrame:
    """Supplement units as a table with an ``id`` column (a list must hold only :class:`SupplementUnit`)."""
    if isinstance(units, pd.DataFrame):
        df = units.copy()
        if "id" not in df.columns:
            df = df.reset_index().rename(columns={df.index.name or "index": "id"})
        return df
    items = list(units)
    bad = [i for i, u in enumerate(items) if not isinstance(u, SupplementUnit)]
    if bad:
        raise ValidationError("supplement units", [Problem(f"item {i}", "is not a SupplementUnit",
                                                           "build units with reclamation(), upgrade(), ...")
                                                   for i in bad])
    return pd.DataFrame([asdict(u) for u in items], columns=list(SupplementUnit.__dataclass_fields__))


def _unit_amount_problems(where: str, vals: Mapping[str, Any]) -> list[Problem]:
    """Area, capacity, paddy and cost are finite numbers ≥ 0; the unit adds something; its paddy fits its area."""
    problems = [Problem(where, f"{c} is {v!r}", "give a finite number ≥ 0", "bad_number") for c, v in vals.items()
                if not (isinstance(v, (int, float, np.number)) and math.isfinite(float(v)) and float(v) >= 0)]
    if all(isinstance(v, (int, float, np.number)) for v in vals.values()):
        if float(vals["area_mu"]) + float(vals["capacity_kg"]) + float(vals["paddy_mu"]) <= 0:
            problems.append(Problem(where, "adds no area, capacity or paddy", "drop it or fill in what it adds"))
        if vals["area_mu"] > 0 and vals["paddy_mu"] > vals["area_mu"] + 1e-9:
            problems.append(Problem(where, f"paddy {vals['paddy_mu']} 亩 exceeds its area {vals['area_mu']} 亩"))
    return problems


def _unit_problems(row: Any) -> list[Problem]:
    """What is wrong with one supplement unit (a row of the table): its source, amounts and year."""
    where = f"supplement unit {row.id!r}"
    problems = []
    if row.source not in SOURCES:
        problems.append(Problem(where, f"source {row.source!r} is unknown", f"use one of {sorted(SOURCES)}"))
    problems += _unit_amount_problems(where, {c: _py(getattr(row, c))
                                              for c in ("area_mu", "capacity_kg", "paddy_mu", "cost_wan_yuan")})
    if not (isinstance(row.year, (int, np.integer)) or (isinstance(row.year, float) and row.year == int(row.year))):
        problems.append(Problem(where, f"year {_show(row.year)} is not a whole year", "", "bad_year"))
    return problems


def unit_table(units: Iterable[SupplementUnit] | pd.DataFrame) -> pd.DataFrame:
    """Validate supplement units and return them as a table indexed by id (every problem reported at once)."""
    df = _units_frame(units)
    required = ["id", "source", "year", "area_mu", "capacity_kg", "paddy_mu", "cost_wan_yuan"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValidationError("supplement units", [Problem(f"column {c}", "is missing", "", "missing_column")
                                                   for c in missing])
    for col, default in (("divisible", False), ("grade", np.nan), ("note", "")):
        if col not in df.columns:
            df[col] = default
    df["id"] = df["id"].astype(str)
    dup = df["id"][df["id"].duplicated()]
    problems = [Problem(f"supplement unit {i!r}", "id is used twice", "give each unit its own 编号", "duplicate_id")
                for i in dup.unique()]
    problems += [problem for row in df.itertuples(index=False) for problem in _unit_problems(row)]
    if problems:
        raise ValidationError("supplement units", problems)
    df["year"] = df["year"].astype(int)
    df["divisible"] = df["divisible"].astype(bool)
    for c in ("area_mu", "capacity_kg", "paddy_mu", "cost_wan_yuan", "grade"):
        df[c] = df[c].astype(float)
    return df.set_index("id")[["source", "year", "area_mu", "capacity_kg", "paddy_mu", "cost_wan_yuan",
                               "divisible", "grade", "note"]]


def _occupation_frame(data: Any) -> pd.DataFrame:
    """Occupations as a table with ``source``, ``id``, ``year`` and ``area_mu`` and a way to their capacity and
    paddy, or raise naming what is missing."""
    if hasattr(data, "occupations") and callable(data.occupations):
        data = data.occupations()
    if not isinstance(data, pd.DataFrame):
        raise ValidationError("occupations", [Problem("occupations", f"got {type(data).__name__}",
                                                      "pass a DataFrame or ReserveResult.occupations()")])
    df = data.copy().reset_index(drop=True)
    if "id" not in df.columns and "parcel" in df.columns:
        df = df.rename(columns={"parcel": "id"})
    problems = [Problem(f"column {col}", "is missing", "occupations need source, id, year, area_mu", "missing_column")
                for col in ("source", "id", "year", "area_mu") if col not in df.columns]
    if "capacity_kg" not in df.columns and "grade" not in df.columns:
        problems.append(Problem("column capacity_kg", "is missing and there is no grade to derive it from",
                                "add capacity_kg or grade (国土 等别)", "missing_column"))
    if "paddy_mu" not in df.columns and "paddy" not in df.columns:
        problems.append(Problem("column paddy_mu", "is missing and there is no paddy flag", "add paddy_mu or paddy",
                                "missing_column"))
    if problems:
        raise ValidationError("occupations", problems)
    df["source"] = df["source"].astype(str)
    df["id"] = df["id"].astype(str)
    return df


def _area_year_problems(df: pd.DataFrame, where: pd.Series, area: pd.Series, year: pd.Series) -> list[Problem]:
    """Each occupation's area is > 0 and its year a whole year."""
    problems = []
    for i in df.index:
        if not (np.isfinite(area[i]) and area[i] > 0):
            problems.append(Problem(where[i], f"area_mu is {_show(df.at[i, 'area_mu'])}",
                                    "give the area occupied in 亩 > 0"))
        if not (np.isfinite(year[i]) and year[i] == round(year[i])):
            problems.append(Problem(where[i], f"year is {_show(df.at[i, 'year'])}", "give a whole year such as 2025"))
    return problems


def _occupation_capacity(df: pd.DataFrame, where: pd.Series, area: pd.Series, grade: pd.Series,
                         params: Parameters) -> tuple[pd.Series, list[Problem]]:
    """Capacity occupied (given, else :math:`a\\,c(g)`), and the problems of grades and capacities."""
    if "capacity_kg" in df.columns:
        cap = pd.to_numeric(df["capacity_kg"], errors="coerce").astype(float)
        need = cap.isna() & grade.notna() if "grade" in df else pd.Series(False, df.index)
        cap[need] = area[need] * capacity_kg_per_mu(grade[need].to_numpy(), params)
    else:
        cap = area * capacity_kg_per_mu(grade.to_numpy(), params)
    bad_grade = grade.notna() & ~np.isfinite(capacity_kg_per_mu(grade.to_numpy(), params))
    problems = [Problem(where[i], f"grade {_show(df.at[i, 'grade'])} is not a 国土 等别 1–15", "use GDDB")
                for i in df.index[bad_grade]]
    bad_area = ~(np.isfinite(area) & (area > 0))
    problems += [Problem(where[i], "capacity_kg is missing or negative", "give capacity_kg or grade")
                 for i in df.index[~bad_grade & ~bad_area & ~(np.isfinite(cap) & (cap >= 0))]]
    return cap, problems


def _occupation_paddy(df: pd.DataFrame, where: pd.Series, area: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """Paddy occupied (``paddy_mu``, else the whole area of rows flagged ``paddy``), and its problems."""
    problems = []
    if "paddy_mu" in df.columns:
        paddy = pd.to_numeric(df["paddy_mu"], errors="coerce").astype(float)
    else:
        flag = df["paddy"]
        ok = flag.map(lambda v: isinstance(v, (bool, np.bool_)))
        problems += [Problem(where[i], f"paddy is {flag[i]!r}", "give True (水田) or False") for i in df.index[~ok]]
        paddy = pd.Series(np.where(ok & flag.where(ok, False).astype(bool), area, 0.0), index=df.index)
    bad_area = ~(np.isfinite(area) & (area > 0))
    problems += [Problem(where[i], f"paddy_mu {_show(paddy[i])} is not within 0..area_mu {_show(area[i])}")
                 for i in df.index[~bad_area & (~(paddy >= 0) | (paddy > area + 1e-9))]]
    return paddy, problems


def _occupation_dates(df: pd.DataFrame, where: pd.Series, year: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """Each occupation's date (``date``, else 1 January of its year), and the dates that are not dates."""
    if "date" not in df.columns:
        return pd.to_datetime(year.fillna(1900).astype(int).astype(str) + "-01-01"), []
    date = pd.to_datetime(df["date"], errors="coerce")
    return date, [Problem(where[i], f"date {_show(df.at[i, 'date'])} is not a date", "e.g. 2025-03-31")
                  for i in df.index[date.isna()]]


def occupation_table(data: Any, params: Parameters | None = None, regime: str = "auto") -> pd.DataFrame:
    """Normalise occupations of farmland into the ledger's form, assigning each its balancing unit.

    Accepts ``ReserveResult.occupations()`` as it is (``source, parcel, year, area_mu, paddy_mu,
    capacity_kg``), an object with an ``occupations()`` method, or a generic table ``source, id, year,
    area_mu, grade, paddy`` (``paddy`` bool: the whole area is paddy). Optional: ``project`` (the
    per-project 批次), ``date``. Missing capacity is :math:`a\\,c(g)`; missing ``paddy_mu`` is
    :math:`a` for paddy rows, else 0.

    Returns
    -------
    DataFrame
        :data:`OCCUPATION_COLUMNS`; ``regime`` per row and ``group`` (its balancing unit).
    """
    params = _p(params)
    if regime not in ("auto", *REGIMES):
        raise ValidationError("occupations", [Problem("regime", f"{regime!r} is unknown",
                                                      "use 'auto', 'per_project' or 'annual'")])
    df = _occupation_frame(data)
    where = "occupation " + df["source"] + ":" + df["id"]
    area = pd.to_numeric(df["area_mu"], errors="coerce").astype(float)
    year = pd.to_numeric(df["year"], errors="coerce").astype(float)
    grade = pd.to_numeric(df["grade"], errors="coerce").astype(float) if "grade" in df else pd.Series(np.nan, df.index)
    problems = _area_year_problems(df, where, area, year)
    cap, cap_problems = _occupation_capacity(df, where, area, grade, params)
    paddy, paddy_problems = _occupation_paddy(df, where, area)
    problems += cap_problems + paddy_problems
    dup = where[where.duplicated()]
    problems += [Problem(w, "listed twice", "each occupation once (source, id)", "duplicate_id") for w in dup.unique()]
    date, date_problems = _occupation_dates(df, where, year)
    problems += date_problems
    if problems:
        raise ValidationError("occupations", problems)
    out = pd.DataFrame({
        "source": df["source"], "id": df["id"],
        "project": (df["project"].astype(str) if "project" in df.columns
                    else df["source"].map(lambda v: SOURCE_LABELS.get(v, v)) + " " + year.astype(int).astype(str)
                    + "年"),
        "year": year.astype(int), "date": date, "area_mu": area, "paddy_mu": paddy, "capacity_kg": cap,
        "grade": grade,
    })
    out["regime"] = [regime if regime != "auto" else regime_for(d, params) for d in out["date"]]
    out["group"] = np.where(out["regime"] == "annual", out["year"].astype(str) + "年度", out["project"])
    return out[list(OCCUPATION_COLUMNS)]


class FarmlandLedger:
    """The 占补平衡 ledger: occupations, registered supplement units, and cancellations (核销).

    Parameters
    ----------
    params : Parameters, optional
        Default: the bundled file.
    regime : {"auto", "per_project", "annual"}
        How occupations are grouped into balancing units (module docstring).

    Examples
    --------
    >>> ledger = FarmlandLedger()                                          # doctest: +SKIP
    >>> ledger.occupy(reserve_result.occupations())                         # doctest: +SKIP
    >>> ledger.add_units([indicator("S1", market="shandong_adjusted", grade=6, paddy=False,
    ...                             max_mu=50, year=2024)])                 # doctest: +SKIP
    >>> ledger.cancel("S1", against="土地收储 2024年", share=0.2)              # doctest: +SKIP
    >>> ledger.balance_sheet()                                              # doctest: +SKIP
    """

    def __init__(self, params: Parameters | None = None, *, regime: str = "auto") -> None:
        self.params = _p(params)
        if regime not in ("auto", *REGIMES):
            raise ValidationError("FarmlandLedger", [Problem("regime", f"{regime!r} is unknown",
                                                             "use 'auto', 'per_project' or 'annual'")])
        self.regime = regime
        self._occ = pd.DataFrame(columns=list(OCCUPATION_COLUMNS))
        self._units = unit_table([])
        self._cancel: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ entries
    def occupy(self, occupations: Any) -> FarmlandLedger:
        """Add occupations (see :func:`occupation_table`); an occupation already in the ledger is an error."""
        new = occupation_table(occupations, self.params, self.regime)
        key_old = set(self._occ["source"] + ":" + self._occ["id"])
        clash = [k for k in new["source"] + ":" + new["id"] if k in key_old]
        if clash:
            raise ValidationError("occupations", [Problem(f"occupation {k}", "is already in the ledger",
                                                          "add each occupation once") for k in clash])
        self._occ = new if self._occ.empty else pd.concat([self._occ, new], ignore_index=True)
        return self

    def add_units(self, units: Iterable[SupplementUnit] | pd.DataFrame) -> FarmlandLedger:
        """Register supplement units (available, not yet cancelled); ids must be new."""
        new = unit_table(units)
        clash = new.index.intersection(self._units.index)
        if len(clash):
            raise ValidationError("supplement units", [Problem(f"supplement unit {i!r}", "is already registered",
                                                               "give each unit its own 编号", "duplicate_id")
                                                       for i in clash])
        self._units = new if self._units.empty else pd.concat([self._units, new])
        return self

    def cancel(self, unit_id: str, against: str | Mapping[str, float], share: float = 1.0) -> None:
        """Cancel (核销) supplement unit ``unit_id`` against balancing unit(s).

        Parameters
        ----------
        unit_id : str
            A registered unit never cancelled before.
        against : str or mapping of str to float
            One balancing unit (with ``share``), or shares per balancing unit (their sum ≤ 1).
        share : float
            Share of the unit used when ``against`` is one balancing unit (a whole project: 1).

        Raises
        ------
        ValidationError
            Unknown unit or balancing unit, a second cancellation of the same unit (naming it and
            where it went first), shares outside 0..1, a part of a whole project, or a unit not yet
            available for a balancing unit (``year`` rule of the regime).
        """
        where = f"supplement unit {unit_id!r}"
        if unit_id not in self._units.index:
            raise ValidationError("cancel", [Problem(where, "is not registered", "add_units() first")])
        first = next((c for c in self._cancel if c["unit"] == unit_id), None)
        if first is not None:
            raise ValidationError("cancel", [Problem(
                where, f"was already cancelled (核销) against {first['group']!r}: a unit is cancelled once",
                "use another supplement unit", "double_cancellation")])
        shares = {against: share} if isinstance(against, str) else dict(against)
        groups = self.groups()
        u = self._units.loc[unit_id]
        problems = []
        for g, s in shares.items():
            if g not in groups.index:
                problems.append(Problem(where, f"balancing unit {g!r} has no occupation",
                                        f"use one of {list(groups.index)[:8]}"))
            elif int(u["year"]) > int(groups.at[g, "credit_year"]):
                problems.append(Problem(where, f"is available in {int(u['year'])}, after {g!r} needs it "
                                        f"({int(groups.at[g, 'credit_year'])})", "use an earlier unit"))
            if not (0 <= s <= 1 + 1e-9):
                problems.append(Problem(where, f"share {_show(s)} is not within 0..1"))
        total = sum(shares.values())
        if total > 1 + 1e-6 or total <= 0:
            problems.append(Problem(where, f"shares add up to {total:.4g}", "use a share in (0, 1]"))
        if not bool(u["divisible"]) and abs(total - 1) > 1e-6:
            problems.append(Problem(where, f"is a whole project but only {total:.4g} of it is used",
                                    "cancel it whole (shares adding up to 1)"))
        if problems:
            raise ValidationError("cancel", problems)
        for g, s in shares.items():
            if s > 0:
                self._cancel.append({"unit": unit_id, "group": g, "share": float(s)})

    # ------------------------------------------------------------------ views
    @property
    def occupations(self) -> pd.DataFrame:
        """The occupations (normalised, with ``regime`` and ``group``)."""
        return self._occ.copy()

    @property
    def units(self) -> pd.DataFrame:
        """All registered supplement units, indexed by id."""
        return self._units.copy()

    def available_units(self) -> pd.DataFrame:
        """Registered units not yet cancelled."""
        used = {c["unit"] for c in self._cancel}
        return self._units[~self._units.index.isin(used)].copy()

    def cancellations(self) -> pd.DataFrame:
        """One row per (unit, balancing unit) share: ``unit, group, share``."""
        return pd.DataFrame(self._cancel, columns=["unit", "group", "share"])

    def groups(self) -> pd.DataFrame:
        """Balancing units: regime, year, credit year (latest year a supplement may come from), demands.

        ``credit_year`` is the balancing unit's earliest occupation year (per project) or the year
        before (annual: last year's net gain caps this year's occupation).
        """
        if self._occ.empty:
            return pd.DataFrame(columns=["regime", "year", "credit_year", "area_mu", "capacity_kg", "paddy_mu"])
        g = self._occ.groupby("group", sort=True).agg(
            regime=("regime", "first"), year=("year", "min"), area_mu=("area_mu", "sum"),
            capacity_kg=("capacity_kg", "sum"), paddy_mu=("paddy_mu", "sum"))
        g["credit_year"] = np.where(g["regime"] == "annual", g["year"] - 1, g["year"]).astype(int)
        return g[["regime", "year", "credit_year", "area_mu", "capacity_kg", "paddy_mu"]]

    def supplied(self) -> pd.DataFrame:
        """Area, capacity and paddy cancelled into each balancing unit (group × dimension)."""
        c = self.cancellations()
        idx = self.groups().index
        if c.empty:
            return pd.DataFrame(0.0, index=idx, columns=["area_mu", "capacity_kg", "paddy_mu"])
        u = self._units.loc[c["unit"], ["area_mu", "capacity_kg", "paddy_mu"]].to_numpy() * c[["share"]].to_numpy()
        out = pd.DataFrame(u, columns=["area_mu", "capacity_kg", "paddy_mu"]).groupby(c["group"].to_numpy()).sum()
        return out.reindex(idx, fill_value=0.0)

    def balance_sheet(self, decimals: int | None = 2) -> pd.DataFrame:
        """占补平衡核算表: occupied vs supplemented per balancing unit and dimension, with a 合计 row.

        A balance is met (``平衡``) when every dimension's 结余 (supplemented − occupied) is ≥ 0.
        """
        g = self.groups()
        s = self.supplied()
        out = pd.DataFrame(index=g.index)
        out.index.name = "平衡单元"
        out["核算方式"] = g["regime"].map(REGIMES)
        out["指标来源年度"] = g["credit_year"]
        for key, (label, unit) in DIMENSIONS.items():
            col = {"quantity": "area_mu", "capacity": "capacity_kg", "paddy": "paddy_mu"}[key]
            out[f"占用{label}({unit})"] = g[col].astype(float)
            out[f"补充{label}({unit})"] = s[col].astype(float)
            out[f"{label}结余({unit})"] = s[col] - g[col]
        total = out.select_dtypes("number").sum()
        total["指标来源年度"] = np.nan
        out.loc["合计"] = total
        out.loc["合计", "核算方式"] = ""
        tol = 1e-6
        out["平衡"] = (out[[f"{lab}结余({u})" for lab, u in DIMENSIONS.values()]] >= -tol).all(axis=1)
        return out.round(decimals) if decimals is not None else out

    def shortfalls(self, tol: float = 1e-6) -> list[str]:
        """Balances not met, in words (e.g. ``"土地收储 2024年: 水田 short by 12 亩"``); empty when balanced."""
        sheet = self.balance_sheet(decimals=None).drop(index="合计")
        out = []
        for g, row in sheet.iterrows():
            for label, unit in DIMENSIONS.values():
                gap = -row[f"{label}结余({unit})"]
                if gap > tol * max(1.0, row[f"占用{label}({unit})"]):
                    out.append(f"{g}: {label} short by {gap:,.2f} {unit}")
        return out

    def cancelled_table(self) -> pd.DataFrame:
        """补充耕地核销清单: one row per cancelled unit (编号, 来源, 可用年度, shares, what it added, cost)."""
        c = self.cancellations()
        cols = ["编号", "来源", "可用年度", "核销比例", "核销至", "数量(亩)", "产能(公斤)", "水田(亩)", "费用(万元)",
                "说明"]
        if c.empty:
            return pd.DataFrame(columns=cols)
        rows = []
        for unit, part in c.groupby("unit", sort=False):
            u = self._units.loc[unit]
            share = float(part["share"].sum())
            rows.append({"编号": unit, "来源": SOURCES[u["source"]], "可用年度": int(u["year"]), "核销比例": share,
                         "核销至": "; ".join(f"{g} ({s:.0%})"
                                            for g, s in zip(part["group"], part["share"], strict=True)),
                         "数量(亩)": share * u["area_mu"], "产能(公斤)": share * u["capacity_kg"],
                         "水田(亩)": share * u["paddy_mu"], "费用(万元)": share * u["cost_wan_yuan"],
                         "说明": u["note"]})
        return pd.DataFrame(rows, columns=cols)

    def cost_wan_yuan(self) -> float:
        """Cost of all cancelled units (万元; divisible units pro rata)."""
        t = self.cancelled_table()
        return float(t["费用(万元)"].sum()) if len(t) else 0.0

    def copy(self) -> FarmlandLedger:
        """An independent copy (cancellations included)."""
        new = FarmlandLedger(self.params, regime=self.regime)
        new._occ = self._occ.copy()
        new._units = self._units.copy()
        new._cancel = [dict(c) for c in self._cancel]
        return new
