"""Inputs of the reserve plan: candidate parcels, their costs and revenues, money, quotas, demand.

:class:`ReserveInputs` is the fully costed, validated data the scheduling model is built from,
in the user's units (亩, 万元, 户). :func:`inputs_from_town` derives it from a :class:`~landkit.Town`
and its parameters; small hand-made cases build it directly (see the tests).

Candidate rule
--------------
A parcel is a candidate when

- at least ``reserve.min_inside_boundary`` (default 50 %) of its area lies inside the 城镇开发边界
  (CZKFBJ), and
- at most ``reserve.partial_zone_rule`` (default 5 %) lies inside 永久基本农田 (YJJBNTBHTB),
  生态保护红线 (STBHHX) or 饮用水水源保护区 (YYSYDBHQ): a larger overlap excludes the whole parcel;
  a smaller one is treated as a mapping sliver between layers drawn at different scales, and
- its land-use group is in ``reserve.candidate_groups``.

Costs (万元, paid in the year of acquisition)
----------------------------------------------
collective land (征收): area × (区片综合地价 + social security + 青苗) × (construction factor when the
parcel is collective construction land); state land (收回/收购): area × buy-back price of its current
use; both: floor area × demolition price + households × resettlement allowance, and site
preparation to 净地 (area × price). Holding cost: area × price per year while held.

Revenue (万元, in the year of supply)
-------------------------------------
area × transfer price of the planned use × (1 + growth)^(year − base year) × (1 + price change);
industrial prices never below the 工业用地出让最低价标准 of the land grade (70 % for prioritised
projects); 划拨 uses earn nothing. The 计提 deductions (:class:`Deduction`) are taken by the model on
each **year's totals**, not parcel by parcel (a loss on one parcel offsets a gain on another supplied
the same year); what is left × the returned share goes back to the reserve fund.

新增建设用地土地有偿使用费 (万元, paid with the acquisition): 农用地转用 area × the fee of the county's
土地等别 (``revenue.new_construction_land_fee`` at ``revenue.industrial_land_grade``).

Development boundary
--------------------
A candidate contributes only its part inside the 城镇开发边界: its areas (land, 农用地, farmland,
paddy, grain capacity) and the costs that go with area (compensation, preparation, holding, the fee)
are its inside share (``inside_boundary_share``) of the parcel's; households and floor area are
counted whole (a house is not split). A parcel with less than ``reserve.min_inside_boundary`` inside
is not a candidate at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError, reject_unknown_keywords
from landkit.params import Parameters
from landkit.planning import planned_use_by_overlap, town_planning
from landkit.reserve.people import people_demand
from landkit.reserve.people import people_link as entitlement
from landkit.town import CLOSED_TO_CONSTRUCTION, Town, subset_boundary
from landkit.units import M2_PER_MU, yuan_per_m2_to_wan_per_mu

USES: tuple[str, ...] = ("industrial", "commercial", "residential", "public")
USE_LABELS: dict[str, str] = {"industrial": "工业", "commercial": "商服", "residential": "住宅", "public": "公共(划拨)"}
EXCLUSION_LAYERS: dict[str, str] = dict(CLOSED_TO_CONSTRUCTION)
#: Current land-use group -> buy-back class of state land.
_BUYBACK_CLASS = {"industrial": "industrial", "mining": "industrial", "commercial": "commercial",
                  "urban_residential": "residential", "public": "public"}

#: Columns a costed candidate table carries (units in the names).
PARCEL_COLUMNS: dict[str, str] = {
    "area_mu": "面积(亩)",
    "planned_use": "规划用途",
    "acquisition_cost_wan_yuan": "征收/收购补偿(万元)",
    "demolition_cost_wan_yuan": "拆迁安置(万元)",
    "prep_cost_wan_yuan": "前期开发(万元)",
    "holding_cost_wan_yuan_per_year": "持有成本(万元/年)",
    "land_use_fee_wan_yuan": "新增建设用地有偿使用费(万元)",
    "households": "搬迁户数(户)",
    "agricultural_mu": "农用地转用(亩)",
    "farmland_mu": "占用耕地(亩)",
    "paddy_mu": "占用水田(亩)",
    "capacity_kg": "占用产能(公斤)",
}


@dataclass(frozen=True)
class FinanceSource:
    """One source of borrowed money, modelled separately so a user can switch it off.

    Parameters
    ----------
    name : str
        ``"bond"`` (土地储备专项债券) or ``"company"`` (融资公司 borrowing), or any label.
    label : str
        Chinese label for tables.
    rate : float
        Interest rate per year (share), paid each year on the debt outstanding during the year.
    term_years : int
        Every amount borrowed is repaid within this many years.
    max_debt_wan_yuan : float
        Ceiling on the outstanding debt (万元); 0 switches the source off.
    max_new_per_year_wan_yuan : float
        Ceiling on new borrowing in one year (万元); ``inf`` for none.
    early_repayment : bool
        Whether principal may be repaid before its term; when False each amount is repaid exactly at
        its term (special bonds, 财预〔2017〕62号).
    """

    name: str
    label: str
    rate: float
    term_years: int
    max_debt_wan_yuan: float
    max_new_per_year_wan_yuan: float = float("inf")
    early_repayment: bool = True


#: 计提 bases: ``proceeds`` = 出让收益 (出让收入 − 成本性支出 of the land supplied), ``gross`` = 出让收入.
DEDUCTION_BASES: dict[str, str] = {"proceeds": "出让收益", "gross": "出让收入"}
#: Chinese names of the 计提 items in ``revenue.deductions``.
DEDUCTION_LABELS: dict[str, str] = {
    "education": "教育资金",
    "farmland_water": "农田水利建设资金",
    "affordable_housing": "保障性安居工程资金",
    "agricultural_development": "农业土地开发资金",
    "rural_topup": "农业农村补足",
}
#: Dated parameter tables the reserve plan reads in each plan year.
DATED_KEYS: tuple[str, ...] = ("revenue.industrial_min_price", "revenue.new_construction_land_fee")
#: What a plan does about debt left at its end: repay it all, or cover it by the reserve stock.
DEBT_AT_END: tuple[str, ...] = ("repay", "cover")


@dataclass(frozen=True)
class Deduction:
    r"""One 计提 from land revenue: ``share`` of the year's total ``base``, never below 0.

    The year's amount is :math:`\phi_j \max(0, B_{b(j),t})` with :math:`B_{proceeds,t} = \sum_p
    (G_{pt} - C_p) s_{pt}` (出让收益: revenue less the cost of the parcels supplied that year) and
    :math:`B_{gross,t} = \sum_p G_{pt} s_{pt}` (出让收入).

    Parameters
    ----------
    name : str
        Key, e.g. ``"education"``.
    label : str
        Chinese name shown in the 资金平衡表.
    share : float
        Share of the base (0–1).
    base : {"proceeds", "gross"}
    """

    name: str
    label: str
    share: float
    base: str = "proceeds"


@dataclass(frozen=True)
class ReserveInputs:
    """Everything the scheduling model needs, validated, in 亩 / 万元 / 户.

    Attributes
    ----------
    parcels : DataFrame
        One row per candidate (index: parcel id, e.g. BSM) with :data:`PARCEL_COLUMNS`, plus
        optional ``locked_in``/``locked_out`` (bool), ``bundle`` (str; parcels sharing a bundle
        are acquired together or not at all) and ``held_since`` (year, nullable): a parcel the centre
        already holds at the start of the plan (rolling re-planning from the reserve ledger). A held
        parcel is not acquired again — its acquisition cost is sunk and it uses no quota or
        resettlement capacity — but it costs its holding cost each year until supplied, and may be
        supplied from ``held_since + supply_lag_years`` on. ``prep_pending`` (bool) marks held parcels
        whose 前期开发 is not done yet: their site-preparation cost is paid in the plan's first year.
    revenue_gross : DataFrame
        parcel × year: gross transfer revenue (出让收入) if supplied that year (万元).
    years : tuple of int
        Plan years, consecutive.
    funds_wan_yuan : Series
        County special funds by year (万元).
    enterprise_support_share : float
        Share of the county funds spent on enterprise support (贷款贴息, 以奖代补) rather than land.
    other_income_wan_yuan : Series or None
        Other income of the fund by year (万元): the county's share of 矿业权出让收益.
    industrial_reward_wan_per_mu : float
        以奖代补 paid to firms per 亩 of industrial land supplied (万元/亩), in the year of supply.
    quota_mu : Series
        新增建设用地 (农用地转用) quota by year (亩), including any 挂钩 surplus made available.
    resettlement_households : Series
        Households the town can rehouse by year (户).
    demand_mu : DataFrame
        use × year: land waiting projects need supplied (亩).
    finance : tuple of FinanceSource
    deductions : tuple of Deduction
        计提 taken from each year's totals (none by default: all revenue is returned).
    returned_share : float
        Share of the revenue left after 计提 that returns to the reserve fund.
    debt_at_end : {"repay", "cover"}
        ``"repay"``: every debt is repaid by the end of the last year; ``"cover"``: debt may remain if
        the stock held at the end, valued at ``stock_value_share`` × its cost, covers it.
    stock_value_share : float
        Value of land held at the end as a share of its cost (used only with ``"cover"``).
    discount_rate, supply_lag_years, opening_cash_wan_yuan, market_absorption, shortfall_penalty_wan_per_mu
        Scalars (see parameters.yaml ``reserve.*``).
    edges : DataFrame or None
        ``id_i, id_j, shared_length_m`` between candidates; with ``exposed_m`` it gives the
        boundary penalty.
    exposed_m : Series or None
        Boundary of each candidate shared with no other candidate (m).
    people_link : bool
        The quota and demand come from 人地挂钩 (:mod:`landkit.reserve.people`), not the flat parameters.
    adjustment_fund_rate, market_entry_from : float, int or None
        入市: parcels with ``market_entry`` (collective 经营性建设用地 with a commercial or industrial planned
        use) may be supplied by their collective from year ``market_entry_from`` instead of being
        acquired; the town then receives the 土地增值收益调节金, ``adjustment_fund_rate`` × (出让收入 −
        开发支出), and pays nothing (None: no 入市).
    notes : list of str
        What the costing assumed, shown with results.
    """

    parcels: pd.DataFrame
    revenue_gross: pd.DataFrame
    years: tuple[int, ...]
    funds_wan_yuan: pd.Series
    quota_mu: pd.Series
    resettlement_households: pd.Series
    demand_mu: pd.DataFrame
    finance: tuple[FinanceSource, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    returned_share: float = 1.0
    enterprise_support_share: float = 0.0
    other_income_wan_yuan: pd.Series | None = None
    industrial_reward_wan_per_mu: float = 0.0
    debt_at_end: str = "repay"
    stock_value_share: float = 0.8
    discount_rate: float = 0.05
    supply_lag_years: int = 1
    opening_cash_wan_yuan: float = 0.0
    market_absorption: float = 1.2
    shortfall_penalty_wan_per_mu: float = 1000.0
    edges: pd.DataFrame | None = None
    exposed_m: pd.Series | None = None
    people_link: bool = False
    adjustment_fund_rate: float = 0.0
    market_entry_from: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    # ------------------------------------------------------------------ derived
    @property
    def cost_wan_yuan(self) -> pd.Series:
        """One-off cost of each parcel when acquired: compensation + demolition + preparation + the fee."""
        p = self.parcels
        return (p["acquisition_cost_wan_yuan"] + p["demolition_cost_wan_yuan"] + p["prep_cost_wan_yuan"]
                + p["land_use_fee_wan_yuan"])

    def land_funds_wan_yuan(self) -> pd.Series:
        """What the fund receives by year besides land revenue and borrowing: county funds less enterprise
        support, plus other income (万元)."""
        years = list(self.years)
        funds = self.funds_wan_yuan.reindex(years).astype(float) * (1.0 - self.enterprise_support_share)
        if self.other_income_wan_yuan is not None:
            funds = funds + self.other_income_wan_yuan.reindex(years).fillna(0.0).astype(float)
        return funds

    @property
    def reward_wan_yuan(self) -> pd.Series:
        """以奖代补 owed if each parcel is supplied (万元): reward per 亩 × area for industrial land, else 0."""
        p = self.parcels
        return (p["planned_use"].eq("industrial") * p["area_mu"] * self.industrial_reward_wan_per_mu).astype(float)

    @property
    def market_entry_parcels(self) -> pd.Index:
        """Parcels that may enter the market through their collective (入市), when the plan allows it.

        Not a parcel locked out (another model of the scenario takes it, or the user said so) or already
        held by the centre.
        """
        p = self.parcels
        if self.market_entry_from is None or "market_entry" not in p:
            return p.index[:0]
        ok = p["market_entry"].astype(bool) & self.held_since.isna()
        if "locked_out" in p:
            ok &= ~p["locked_out"].astype(bool)
        return p.index[ok.to_numpy()]

    @property
    def adjustment_fund_wan_yuan(self) -> pd.DataFrame:
        """土地增值收益调节金 the town receives if a parcel enters the market in a year (parcel × year, 万元).

        ``adjustment_fund_rate`` × max(0, 出让收入 − 前期开发), for the 入市 parcels, from ``market_entry_from``.
        """
        ids = self.market_entry_parcels
        gain = self.revenue_gross.loc[ids].sub(self.parcels.loc[ids, "prep_cost_wan_yuan"], axis=0).clip(lower=0.0)
        allowed = [y for y in self.years if self.market_entry_from is not None and y >= self.market_entry_from]
        out = (self.adjustment_fund_rate * gain).astype(float)
        out.loc[:, [y for y in self.years if y not in allowed]] = 0.0
        return out

    def deduction_shares(self) -> dict[str, float]:
        """Total 计提 share on each base present (``proceeds``, ``gross``)."""
        out: dict[str, float] = {}
        for d in self.deductions:
            out[d.base] = out.get(d.base, 0.0) + d.share
        return out

    @property
    def pending_prep_wan_yuan(self) -> float:
        """Site preparation still owed on parcels already held (paid in the plan's first year), 万元."""
        p = self.parcels
        if "prep_pending" not in p:
            return 0.0
        owed = p["prep_pending"].fillna(False).astype(bool) & self.held_since.notna()
        return float(p.loc[owed, "prep_cost_wan_yuan"].sum())

    @property
    def held_since(self) -> pd.Series:
        """Year each parcel was acquired before the plan (NaN for parcels the centre does not hold yet)."""
        p = self.parcels
        if "held_since" not in p:
            return pd.Series(np.nan, index=p.index)
        return pd.to_numeric(p["held_since"], errors="coerce").astype(float)

    def with_changes(self, **changes: Any) -> ReserveInputs:
        """A validated copy with some fields replaced."""
        new = replace(self, **changes)
        new.check()
        return new

    # ------------------------------------------------------------------ validation
    def check(self) -> ReserveInputs:
        """Collect every problem in the inputs and raise one :class:`ValidationError` naming them.

        The problems are those of each rule of :data:`INPUT_RULES`, in order.
        """
        problems = [problem for rule in INPUT_RULES for problem in rule(self)]
        if problems:
            raise ValidationError("reserve plan inputs", problems)
        return self


# ---------------------------------------------------------------------- validation rules
def _table_problems(inp: ReserveInputs) -> list[Problem]:
    """The parcel table has every column of :data:`PARCEL_COLUMNS` and unique ids."""
    p = inp.parcels
    problems = []
    missing = [c for c in PARCEL_COLUMNS if c not in p.columns]
    if missing:
        problems.append(Problem("parcels", f"missing columns {missing}", "see PARCEL_COLUMNS", "column"))
    if p.index.has_duplicates:
        dup = p.index[p.index.duplicated()].unique().tolist()[:20]
        problems.append(Problem("parcels", f"duplicate parcel ids {dup}", "ids must be unique", "duplicate"))
    return problems


def _years_problems(inp: ReserveInputs) -> list[Problem]:
    """The plan years are consecutive."""
    years = list(inp.years)
    if not years or years != list(range(years[0], years[0] + len(years))):
        return [Problem("years", f"{years} are not consecutive years", "e.g. 2019, 2020, 2021", "years")]
    return []


def _value_problems(inp: ReserveInputs) -> list[Problem]:
    """Costs, areas and households are numbers ≥ 0; every planned use is one of :data:`USES`."""
    p = inp.parcels
    problems = []
    for col in [c for c in PARCEL_COLUMNS if c in p.columns and c != "planned_use"]:
        values = pd.to_numeric(p[col], errors="coerce")
        bad = p.index[values.isna() | (values < 0)]
        if len(bad):
            problems.append(Problem(f"column {col}", f"negative or missing for parcels {list(bad[:10])}",
                                    "costs, areas and households are ≥ 0", "value"))
    if "planned_use" in p.columns:
        bad = p.index[~p["planned_use"].isin(USES)]
        if len(bad):
            problems.append(Problem("column planned_use", f"unknown use for parcels {list(bad[:10])}: "
                                    f"{sorted(set(p.loc[bad, 'planned_use'].astype(str)))}",
                                    f"use one of {list(USES)}", "value"))
    return problems


def _revenue_problems(inp: ReserveInputs) -> list[Problem]:
    """The revenue table is parcel × plan year."""
    gross = inp.revenue_gross
    if not gross.index.equals(inp.parcels.index) or [int(c) for c in gross.columns] != list(inp.years):
        return [Problem("revenue_gross", "must be parcel × year with the parcels' index and the plan years", "",
                        "shape")]
    return []


def _deduction_problems(inp: ReserveInputs) -> list[Problem]:
    """Each 计提 is a share in [0, 1] of a known base, and the shares add up to at most 1."""
    problems = [Problem(f"deduction {d.name}", f"share {d.share}, base {d.base!r}",
                        f"a share in [0, 1] of one of {list(DEDUCTION_BASES)}", "value")
                for d in inp.deductions if d.base not in DEDUCTION_BASES or not 0 <= d.share <= 1]
    if sum(d.share for d in inp.deductions) > 1:
        problems.append(Problem("deductions", "shares add up to more than 1", "lower them", "value"))
    return problems


def _money_problems(inp: ReserveInputs) -> list[Problem]:
    """The reward, the shares of the fund and the end-of-plan rule for debt are in range."""
    problems = []
    if not (np.isfinite(inp.industrial_reward_wan_per_mu) and inp.industrial_reward_wan_per_mu >= 0):
        problems.append(Problem("industrial_reward_wan_per_mu", f"{inp.industrial_reward_wan_per_mu}",
                                "万元/亩 ≥ 0", "value"))
    if not 0 <= inp.enterprise_support_share <= 1:
        problems.append(Problem("enterprise_support_share", f"{inp.enterprise_support_share} outside [0, 1]",
                                "", "value"))
    if not 0 <= inp.returned_share <= 1:
        problems.append(Problem("returned_share", f"{inp.returned_share} outside [0, 1]", "", "value"))
    if inp.debt_at_end not in DEBT_AT_END:
        problems.append(Problem("debt_at_end", f"{inp.debt_at_end!r}", f"one of {list(DEBT_AT_END)}", "value"))
    if not 0 <= inp.stock_value_share <= 1:
        problems.append(Problem("stock_value_share", f"{inp.stock_value_share} outside [0, 1]",
                                "a conservative share of the stock's cost", "value"))
    return problems


def _by_year_problems(inp: ReserveInputs) -> list[Problem]:
    """Funds, quota and resettlement capacity have a value for every plan year."""
    problems = []
    for name, series in (("funds_wan_yuan", inp.funds_wan_yuan), ("quota_mu", inp.quota_mu),
                         ("resettlement_households", inp.resettlement_households)):
        absent = [y for y in inp.years if y not in series.index]
        if absent:
            problems.append(Problem(name, f"no value for years {absent}", "give one per plan year", "years"))
    return problems


def _demand_problems(inp: ReserveInputs) -> list[Problem]:
    """Demand is only for uses of :data:`USES`."""
    unknown_uses = sorted(set(inp.demand_mu.index) - set(USES))
    if unknown_uses:
        return [Problem("demand_mu", f"unknown uses {unknown_uses}", f"use {list(USES)}", "value")]
    return []


def _lock_problems(inp: ReserveInputs) -> list[Problem]:
    """No parcel is both locked in and locked out."""
    p = inp.parcels
    if "locked_in" in p and "locked_out" in p:
        both = p.index[p["locked_in"].astype(bool) & p["locked_out"].astype(bool)]
        if len(both):
            return [Problem("locks", f"parcels both locked in and locked out: {list(both[:10])}", "choose one",
                            "lock")]
    return []


def _lag_problems(inp: ReserveInputs) -> list[Problem]:
    """The supply lag is ≥ 0."""
    return [Problem("supply_lag_years", "must be ≥ 0", "", "value")] if inp.supply_lag_years < 0 else []


def _held_problems(inp: ReserveInputs) -> list[Problem]:
    """Parcels held at the start were acquired by the plan's first year, and are neither locked nor bundled."""
    p = inp.parcels
    if "held_since" not in p or not inp.years:
        return []
    problems = []
    first = inp.years[0]
    since = pd.to_numeric(p["held_since"], errors="coerce")
    late = p.index[since.notna() & (since > first)]
    if len(late):
        problems.append(Problem("column held_since", f"parcels {list(late[:10])} held from a year after the "
                                f"plan's first year {first}", "start the plan in the year of the ledger "
                                "or later", "value"))
    for column, what in (("locked_out", "locked out"), ("locked_in", "locked in (they are in already)")):
        if column in p:
            both = p.index[since.notna() & p[column].astype(bool)]
            if len(both):
                problems.append(Problem("locks", f"parcels already held cannot be {what}: {list(both[:10])}",
                                        "remove the lock", "lock"))
    if "bundle" in p:
        bundled = p.index[since.notna() & p["bundle"].notna()]
        if len(bundled):
            problems.append(Problem("bundle", f"parcels already held cannot be in a bundle: "
                                    f"{list(bundled[:10])}", "bundle only parcels still to acquire", "lock"))
    return problems


def _rate_problems(inp: ReserveInputs) -> list[Problem]:
    """The discount rate is in [0, 1)."""
    if not 0 <= inp.discount_rate < 1:
        return [Problem("discount_rate", f"{inp.discount_rate} outside [0, 1)", "", "value")]
    return []


def _finance_problems(inp: ReserveInputs) -> list[Problem]:
    """Each finance source has a rate ≥ 0, a term of at least a year and a ceiling ≥ 0."""
    return [Problem(f"finance {src.name}", "rate ≥ 0, term ≥ 1 year, ceiling ≥ 0 required", "", "value")
            for src in inp.finance if src.rate < 0 or src.term_years < 1 or src.max_debt_wan_yuan < 0]


#: The rules :meth:`ReserveInputs.check` applies, in the order their problems are listed.
INPUT_RULES: tuple[Callable[[ReserveInputs], list[Problem]], ...] = (
    _table_problems, _years_problems, _value_problems, _revenue_problems, _deduction_problems, _money_problems,
    _by_year_problems, _demand_problems, _lock_problems, _lag_problems, _held_problems, _rate_problems,
    _finance_problems,
)


# ---------------------------------------------------------------------- costing from a Town
def _by_year(value: float | Mapping[Any, float], years: Sequence[int], key: str) -> pd.Series:
    """A scalar or {year: value} parameter as a Series over ``years``."""
    if isinstance(value, Mapping):
        return pd.Series({y: float(value[y]) if y in value else float(value.get(str(y), np.nan)) for y in years},
                         name=key)
    return pd.Series({y: float(value) for y in years}, name=key)


def candidate_mask(parcels: pd.DataFrame, params: Parameters) -> pd.Series:
    """Which parcels the reserve centre may acquire (the candidate rule in the module docstring)."""
    inside = parcels.get("frac_CZKFBJ", pd.Series(0.0, index=parcels.index))
    ok = inside >= float(params["reserve.min_inside_boundary"])
    limit = float(params["reserve.partial_zone_rule"])
    for key in EXCLUSION_LAYERS:
        col = f"frac_{key}"
        if col in parcels:
            ok &= parcels[col] <= limit
    ok &= parcels["landuse_group"].isin(list(params["reserve.candidate_groups"]))
    return ok.astype(bool)


def planned_use_of(parcels: pd.DataFrame, planning: pd.DataFrame | None, default: str
                   ) -> tuple[pd.Series, pd.Index, pd.Index, list[str]]:
    """Planned use per parcel from a resolved planning layer (:func:`landkit.planning.town_planning`).

    Each parcel takes the use of the planning polygons it overlaps most, by area
    (:func:`landkit.planning.planned_use_by_overlap`). Returns the use by parcel (``default`` where the
    parcel overlaps no planning polygon), the parcels given the default (tables mark their use （默认）),
    the parcels whose largest overlap is land not for sale (roads, green space, 留白 ...), and notes
    saying these, and which parcels are split between uses.
    """
    out = pd.Series(default, index=parcels.index, dtype="string")
    if planning is None or len(planning) == 0:
        return out, parcels.index, parcels.index[:0], [
            f"no planning layer: every candidate is taken as {default} (reserve.planned_use_default)"]
    use, split, not_for_sale = planned_use_by_overlap(parcels, planning)
    out.loc[use.notna().to_numpy()] = use.dropna()
    defaulted = parcels.index[use.isna().to_numpy() & ~parcels.index.isin(not_for_sale)]
    notes = []
    uncovered = int(use.isna().sum()) - len(not_for_sale)
    if uncovered:
        notes.append(f"{uncovered} candidates outside every planning polygon are taken as {default} "
                     "(reserve.planned_use_default)")
    if len(not_for_sale):
        notes.append(f"{len(not_for_sale)} candidates are planned for land not for sale (roads, green space, 留白 ...)"
                     " and are left out")
    if len(split):
        notes.append(f"{len(split)} candidates are split between planned uses (largest overlap taken): "
                     + ", ".join(f"{r.parcel} {r.planned_use} {r.share:.0%}/{r.second_use} {r.second_share:.0%}"
                                 for r in split.head(10).itertuples()))
    return out, defaulted, not_for_sale, notes


def acquisition_costs(parcels: pd.DataFrame, params: Parameters) -> tuple[pd.Series, pd.Series]:
    r"""What acquiring each parcel costs, 万元: the land, and the houses on it.

    Collective land (征收): :math:`a_i (c_{land} + c_{social} + c_{crops}) f_i`, with :math:`f_i` =
    ``acquisition.collective_construction_factor`` on construction land and 1 elsewhere; state land
    (收回/收购): :math:`a_i p_{g(i)}` by ``acquisition.state_buyback`` class. Houses: floor area ×
    ``acquisition.house_demolition`` + households × ``acquisition.resettlement_per_household``.

    Parameters
    ----------
    parcels : DataFrame
        Town parcels with ``area_mu``, ``landuse_group``, ``ownership``, ``is_construction``,
        ``floor_area_m2`` and ``households``.
    params : Parameters

    Returns
    -------
    acquisition, demolition : pandas.Series
        Land compensation or buy-back (万元) and demolition plus resettlement (万元), by parcel.
    """
    a = parcels["area_mu"].astype(float)
    group = parcels["landuse_group"].astype(str)
    collective = parcels["ownership"].astype("string").fillna("collective").eq("collective")
    construction = parcels["is_construction"].astype(bool)
    unit_comp = (
        float(params["acquisition.collective_land_compensation"])
        + float(params["acquisition.social_security"])
        + float(params["acquisition.young_crops_attachments"])
    )
    factor = np.where(construction, float(params["acquisition.collective_construction_factor"]), 1.0)
    buyback = params["acquisition.state_buyback"]
    state_price = group.map(lambda g: float(buyback.get(_BUYBACK_CLASS.get(g, "other"), buyback["other"])))
    acquisition = pd.Series(np.where(collective, a * unit_comp * factor, a * state_price), index=parcels.index)
    demolition = (
        parcels["floor_area_m2"].astype(float) * float(params["acquisition.house_demolition"]) / 1e4
        + parcels["households"].astype(float) * float(params["acquisition.resettlement_per_household"])
    )
    return acquisition, demolition


def cost_parcels(
    parcels: pd.DataFrame,
    params: Parameters,
    years: Sequence[int],
    *,
    price_change: float = 0.0,
    inside_share: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Cost and price parcels from parameters (or only their parts inside the 城镇开发边界).

    Parameters
    ----------
    parcels : DataFrame
        Town parcels (derived columns) with a ``planned_use`` column.
    params : Parameters
    years : sequence of int
    price_change : float
        Relative change of every transfer price (−0.2 = prices fall 20 %).
    inside_share : Series, optional
        Share of each parcel to cost (the reserve passes the share inside the 城镇开发边界, see
        the module docstring); whole parcels when not given.

    Returns
    -------
    table, revenue_gross, notes
        The candidate table (:data:`PARCEL_COLUMNS` plus ``inside_boundary_share``), parcel × year
        gross revenue, and notes.
    """
    inside = pd.Series(1.0, index=parcels.index) if inside_share is None else \
        inside_share.reindex(parcels.index).astype(float).clip(0.0, 1.0)
    a = parcels["area_mu"].astype(float) * inside
    group = parcels["landuse_group"].astype(str)
    collective = parcels["ownership"].astype("string").fillna("collective").eq("collective")
    acquisition, demolition = acquisition_costs(parcels, params)
    capacity_table = np.asarray(params["farmland.capacity_by_grade"], dtype=float)
    grade = parcels["farmland_grade"].astype(float)
    grade_idx = np.clip(np.nan_to_num(grade, nan=capacity_table.size).astype(int), 1, capacity_table.size) - 1
    farmland_mu = np.where(parcels["is_farmland"].astype(bool), a, 0.0)
    agricultural_mu = np.where(parcels["is_agricultural"].astype(bool), a, 0.0)
    table = pd.DataFrame(
        {
            "area_mu": a,
            "planned_use": parcels["planned_use"].astype(str),
            "acquisition_cost_wan_yuan": acquisition * inside,
            "demolition_cost_wan_yuan": demolition,
            "prep_cost_wan_yuan": a * float(params["acquisition.site_preparation"]),
            "land_use_fee_wan_yuan": agricultural_mu * land_use_fee_wan_per_mu(params, years),
            "holding_cost_wan_yuan_per_year": a * float(params["acquisition.holding_cost"]),
            "households": parcels["households"].astype(int),
            "agricultural_mu": agricultural_mu,
            "farmland_mu": farmland_mu,
            "paddy_mu": np.where(parcels["is_paddy"].astype(bool), a, 0.0),
            "capacity_kg": farmland_mu * capacity_table[grade_idx],
            "inside_boundary_share": inside,
            "ownership": np.where(collective, "collective", "state"),
            "landuse_group": group,
            "ZLDWMC": parcels["ZLDWMC"].astype(str) if "ZLDWMC" in parcels else "",
            "DLMC": parcels["DLMC"].astype(str) if "DLMC" in parcels else "",
        },
        index=parcels.index,
    )
    gross = revenue_table(table, params, years, price_change=price_change)
    notes = [f"transfer prices × {1 + price_change:.2f}" if price_change else "transfer prices as in parameters"]
    partial = int((inside < 1 - 1e-9).sum())
    if partial:
        notes.append(f"{partial} candidates lie partly outside the 城镇开发边界: only their inside part "
                     f"({float(a[inside < 1 - 1e-9].sum()):,.1f} 亩) is planned for; households and floor area "
                     "count whole")
    return table, gross, notes


def land_use_fee_wan_per_mu(params: Parameters, years: Sequence[int] | None = None) -> float:
    """新增建设用地土地有偿使用费 (万元/亩) at the county's 土地等别 (``revenue.industrial_land_grade``).

    With ``years``, the fee table in force in each of them (:meth:`Parameters.in_force`); one fee is
    charged for the whole plan, so a table that changes within the plan years is refused.
    """
    grade = int(params["revenue.industrial_land_grade"])
    key = "revenue.new_construction_land_fee"
    tables = [params.param(key)] if years is None else [params.in_force(key, y) for y in years]
    fees = {float(t.value[grade - 1]) for t in tables}
    if len(fees) > 1:
        raise ValidationError("parameters", [Problem(
            key, f"the fee at grade {grade} changes within the plan years {list(years or [])}: {sorted(fees)} 元/m²",
            "plan the years of each fee table separately", "date")])
    return yuan_per_m2_to_wan_per_mu(fees.pop())


def deductions_from(params: Parameters) -> tuple[Deduction, ...]:
    """The 计提 of ``revenue.deductions`` on their ``revenue.deduction_bases``.

    With ``revenue.rural_share_min`` above the shares of ``revenue.rural_items``, a further item
    (``rural_topup``, 农业农村补足) on 出让收益 raises what goes to agriculture and rural areas to it.
    """
    shares: Mapping[str, float] = params["revenue.deductions"]
    bases: Mapping[str, str] = params["revenue.deduction_bases"]
    problems = [Problem(f"revenue.deduction_bases.{k}", "missing", f"give its base: one of {list(DEDUCTION_BASES)}",
                        "key") for k in shares if k not in bases]
    problems += [Problem(f"revenue.deduction_bases.{k}", f"{b!r} is not a base", f"one of {list(DEDUCTION_BASES)}",
                         "value") for k, b in bases.items() if b not in DEDUCTION_BASES]
    rural = list(params["revenue.rural_items"])
    problems += [Problem("revenue.rural_items", f"{k!r} is not in revenue.deductions", f"one of {list(shares)}",
                         "value") for k in rural if k not in shares]
    if problems:
        raise ValidationError("parameters", problems)
    out = [Deduction(k, DEDUCTION_LABELS.get(k, k), float(v), str(bases[k])) for k, v in shares.items()]
    minimum = float(params["revenue.rural_share_min"])
    have = sum(float(shares[k]) for k in rural if bases[k] == "proceeds")
    if minimum > have + 1e-12:
        out.append(Deduction("rural_topup", f"{DEDUCTION_LABELS['rural_topup']}至{minimum:.0%}", minimum - have,
                             "proceeds"))
    return tuple(out)


def revenue_table(
    table: pd.DataFrame, params: Parameters, years: Sequence[int], *, price_change: float = 0.0
) -> pd.DataFrame:
    """Gross transfer revenue (万元) of each parcel if supplied in each year.

    Industrial prices are floored at the 工业用地出让最低价标准 of ``revenue.industrial_land_grade``
    (× ``industrial_min_price_priority_factor`` for prioritised projects); allocation (划拨) uses earn 0.
    """
    prices = params["revenue.transfer_price"]
    growth = float(params["revenue.price_growth"])
    base = int(params["revenue.base_year"])
    grade = int(params["revenue.industrial_land_grade"])
    factor = float(params["revenue.industrial_min_price_priority_factor"]) if params["revenue.priority_project"] \
        else 1.0
    allocation = set(params["revenue.allocation_uses"])
    cols = {}
    for year in years:
        floor_yuan_m2 = float(params.in_force("revenue.industrial_min_price", year).value[grade - 1]) * factor
        floor = yuan_per_m2_to_wan_per_mu(floor_yuan_m2)
        per_mu = {
            use: 0.0 if use in allocation else float(prices[use]) * (1 + growth) ** (year - base) * (1 + price_change)
            for use in USES
        }
        if "industrial" not in allocation:
            per_mu["industrial"] = max(per_mu["industrial"], floor)
        cols[year] = table["area_mu"] * table["planned_use"].map(per_mu).astype(float)
    return pd.DataFrame(cols, index=table.index)


#: 三调 城镇村属性码 of urban land (城市 201, 建制镇 202, and their 201A/202A).
URBAN_CZCS: tuple[str, ...] = ("201", "202", "201A", "202A")


def boundary_note(town: Town, params: Parameters) -> str | None:
    """How the 城镇开发边界 compares with ``reserve.development_boundary_factor`` × the existing urban
    construction land (construction parcels whose 城镇村属性码 CZCSXM is 201/202), or None without the layer."""
    layers = town.layers
    parcels: pd.DataFrame = town.parcels
    czk = layers.get("CZKFBJ")
    if czk is None or not len(czk):
        return None
    factor = float(params["reserve.development_boundary_factor"])
    area = float(czk.geometry.area.sum()) / M2_PER_MU
    if "CZCSXM" not in parcels:
        return (f"城镇开发边界 {area:,.0f} 亩; the parcels have no 城镇村属性码 (CZCSXM), so the "
                f"≤ {factor:g} × existing urban construction land rule is not checked")
    urban = parcels["is_construction"].astype(bool) & parcels["CZCSXM"].astype("string").isin(URBAN_CZCS)
    existing = float(parcels.loc[urban.to_numpy(), "area_mu"].sum())
    if existing <= 0:
        return f"城镇开发边界 {area:,.0f} 亩; no urban construction land (CZCSXM 201/202) to compare it with"
    ratio = area / existing
    verdict = "within" if ratio <= factor * (1 + 1e-3) else "ABOVE"
    return (f"城镇开发边界 {area:,.0f} 亩 = {ratio:.2f} × existing urban construction land ({existing:,.0f} 亩): "
            f"{verdict} the ≤ {factor:g}× rule (reserve.development_boundary_factor)")


def finance_sources(
    params: Parameters, *, use_bonds: bool = True, use_company: bool = True
) -> tuple[FinanceSource, ...]:
    """Special bonds, financing-company borrowing and, only when ``financing.bank_loans_allowed``, bank loans.

    Bonds are repaid exactly at term unless ``financing.special_bond_early_repayment``; company
    borrowing may be repaid early.
    """
    bond = FinanceSource(
        "bond", "专项债券", float(params["financing.special_bond_rate"]), int(params["financing.special_bond_term"]),
        float("inf") if use_bonds else 0.0,
        float(params["financing.special_bond_max_per_year"]) if use_bonds else 0.0,
        early_repayment=bool(params["financing.special_bond_early_repayment"]),
    )
    company = FinanceSource(
        "company", "融资公司", float(params["financing.company_rate"]), int(params["financing.company_term"]),
        float(params["financing.company_debt_ceiling"]) if use_company else 0.0,
    )
    if not params["financing.bank_loans_allowed"]:
        return (bond, company)
    bank = FinanceSource("bank", "银行贷款", float(params["financing.bank_rate"]), int(params["financing.bank_term"]),
                         float(params["financing.bank_debt_ceiling"]))
    return (bond, company, bank)


def market_entry_mask(parcels: pd.DataFrame, table: pd.DataFrame, params: Parameters) -> pd.Series:
    """Candidates a collective may supply itself (入市): collective land of ``reserve.collective_market_codes``
    (商服, 工业) with a commercial or industrial planned use."""
    codes = tuple(str(c) for c in params["reserve.collective_market_codes"])
    dlbm = parcels["DLBM"].astype(str) if "DLBM" in parcels else pd.Series("", index=parcels.index)
    return (table["ownership"].eq("collective") & dlbm.reindex(table.index).str.startswith(codes)
            & table["planned_use"].isin(["commercial", "industrial"])).astype(bool)


def county_quota(params: Parameters, years: Sequence[int], *, people_link: bool = False) -> pd.Series:
    """The town's 新增建设用地 quota by year (亩) before any 挂钩 节余: ``reserve.new_construction_quota``, or the
    人地挂钩 entitlement (:func:`landkit.reserve.people.people_link`) with ``people_link``."""
    if people_link:
        return entitlement(params, years)["entitlement_mu"].rename("quota").astype(float)
    return _by_year(params["reserve.new_construction_quota"], years, "quota")


class TownOptions(TypedDict, total=False):
    """Further keyword options of :func:`inputs_from_town` and :meth:`landkit.reserve.ReservePlan.from_town`.

    Attributes
    ----------
    use_bonds, use_company : bool
        Allow special bonds and financing-company borrowing (default True).
    linkage_surplus_mu : mapping of int to float or None
        挂钩 surplus added to the 新增建设用地 quota by year.
    lock_in, lock_out : iterable of str
        Parcels that must, or must not, be acquired.
    bundles : mapping of str to iterable of str, or None
        Parcels acquired together or not at all, by bundle name.
    planned_use : Series or None
        Planned use by parcel; from the planning layer when not given.
    held : mapping of str to int or None
        Parcels the centre already holds, with the year each was acquired.
    supplied, undeveloped : iterable of str
        Parcels already supplied; held parcels whose 前期开发 is still to do.
    people_link : bool
        Quota and demand from 人地挂钩 (default False).
    market_entry : bool
        Allow 入市 (default True).
    """

    use_bonds: bool
    use_company: bool
    linkage_surplus_mu: Mapping[int, float] | None
    lock_in: Iterable[str]
    lock_out: Iterable[str]
    bundles: Mapping[str, Iterable[str]] | None
    planned_use: pd.Series | None
    held: Mapping[str, int] | None
    supplied: Iterable[str]
    undeveloped: Iterable[str]
    people_link: bool
    market_entry: bool


@dataclass(frozen=True)
class _Ledger:
    """The parcels a user or the reserve ledger names: locks, parcels held, supplied and still undeveloped."""

    lock_in: list[str]
    lock_out: list[str]
    held: dict[str, int]
    supplied: list[str]
    undeveloped: list[str]

    @classmethod
    def of(cls, options: TownOptions) -> _Ledger:
        """The names in ``options``, as the costing reads them."""
        return cls(list(options.get("lock_in", ())), list(options.get("lock_out", ())),
                   {str(k): int(v) for k, v in (options.get("held") or {}).items()},
                   [str(b) for b in options.get("supplied", ())], [str(b) for b in options.get("undeveloped", ())])

    @property
    def locked_in(self) -> list[str]:
        """The parcels locked in that are not held already (a held parcel is already in: no lock needed)."""
        return [b for b in self.lock_in if b not in self.held]

    def problems(self, parcels: pd.DataFrame, mask: pd.Series, params: Parameters) -> list[Problem]:
        """Names that are not parcels of the town, or that contradict each other or the candidate rule."""
        problems = [Problem(f"parcel {b}", "not a parcel of the town", "check the BSM", "unknown_id")
                    for b in self.lock_in + self.lock_out + list(self.held) + self.supplied if b not in parcels.index]
        problems += [Problem(f"parcel {b}", "both held and already supplied", "check the reserve ledger", "ledger")
                     for b in self.held if b in self.supplied]
        problems += [Problem(f"parcel {b}", "named undeveloped but not held", "name only parcels in held", "ledger")
                     for b in self.undeveloped if b not in self.held]
        problems += [_not_candidate(b, parcels, params) for b in self.locked_in if b in parcels.index and not mask[b]]
        return problems


def _not_candidate(b: str, parcels: pd.DataFrame, params: Parameters) -> Problem:
    """The problem of parcel ``b``, locked in but not a candidate, saying which exclusion zones it lies in."""
    limit = float(params["reserve.partial_zone_rule"])
    reasons = [f"{label} {parcels.at[b, f'frac_{k}']:.0%}" for k, label in EXCLUSION_LAYERS.items()
               if f"frac_{k}" in parcels and parcels.at[b, f"frac_{k}"] > limit]
    return Problem(f"parcel {b}", "locked in but not a candidate"
                   + (f" (inside {', '.join(reasons)})" if reasons else
                      " (outside the 城镇开发边界 or a land use the centre does not acquire)"),
                   "remove it from lock_in", "lock")


def _with_planned_use(town: Town, cand: pd.DataFrame, planned_use: pd.Series | None, ledger: _Ledger,
                      default: str) -> tuple[pd.DataFrame, pd.Index, list[str]]:
    """The candidates with their planned use (given, else from the planning layer, dropping land not for sale),
    the candidates given ``default``, and notes."""
    if planned_use is not None:
        given = planned_use.reindex(cand.index)
        defaulted = cand.index[given.isna().to_numpy()]
        cand["planned_use"] = given.fillna(default)
        notes = [f"{len(defaulted)} candidates have no planned use given and are taken as {default} "
                 "(reserve.planned_use_default)"] if len(defaulted) else []
        return cand, defaulted, notes
    use, defaulted, not_for_sale, notes = planned_use_of(cand, town_planning(town), default)
    fixed = [b for b in not_for_sale if b in ledger.locked_in or b in ledger.held]
    if fixed:
        raise ValidationError("reserve plan", [Problem(
            f"parcel {b}", "is locked in or held, but the planning layer plans it as land not for sale",
            "remove it from lock_in, or check the planning layer", "planning") for b in fixed])
    cand = cand.drop(index=not_for_sale)
    cand["planned_use"] = use.reindex(cand.index)
    return cand, defaulted, notes


def _market_entry_notes(table: pd.DataFrame, cand: pd.DataFrame, params: Parameters, allowed: bool) -> list[str]:
    """Mark the 入市 candidates in ``table`` (column ``market_entry``); a note saying how many there are."""
    table["market_entry"] = market_entry_mask(cand, table, params) & allowed
    if not table["market_entry"].any():
        return []
    return [f"{int(table['market_entry'].sum())} candidates are collective 经营性建设用地: from "
            f"{int(params['reserve.collective_market_from'])} their collective may supply them (入市) "
            f"for a 土地增值收益调节金 of {float(params['revenue.adjustment_fund_rate']):.0%} of the 增值收益"]


def _ledger_notes(table: pd.DataFrame, ledger: _Ledger, defaulted: pd.Index) -> list[str]:
    """Mark defaulted uses, locks, bundles (none yet) and parcels held in ``table``; notes on the ledger's parcels."""
    table["planned_use_default"] = table.index.isin(defaulted)
    table["locked_in"] = table.index.isin(ledger.locked_in)
    table["locked_out"] = table.index.isin(ledger.lock_out)
    table["bundle"] = pd.Series(pd.NA, index=table.index, dtype="string")
    notes = []
    if ledger.held:
        table["held_since"] = pd.array([ledger.held.get(b) for b in table.index], dtype="Int64")
        table["prep_pending"] = table.index.isin(ledger.undeveloped)
        notes.append(f"{len(ledger.held)} parcels already held at the start (reserve ledger): acquisition cost sunk")
    if ledger.supplied:
        notes.append(f"{len(ledger.supplied)} parcels already supplied (reserve ledger) are no longer candidates")
    return notes


def _debt_at_end(params: Parameters) -> str:
    """``financing.debt_at_horizon_end``, one of :data:`DEBT_AT_END`."""
    debt_at_end = str(params["financing.debt_at_horizon_end"])
    if debt_at_end not in DEBT_AT_END:
        raise ValidationError(params.source, [Problem("financing.debt_at_horizon_end", f"is {debt_at_end!r}",
                                                      f"write one of {', '.join(DEBT_AT_END)}", "value")])
    return debt_at_end


def _finance_notes(finance: Sequence[FinanceSource], debt_at_end: str, years: Sequence[int]) -> list[str]:
    """A note for each source that may not repay early and so cannot borrow in the plan's last years."""
    return [f"{f.label}: a {f.term_years}-year term may not be repaid early, and all debt is repaid by "
            f"{years[-1]}, so none is borrowed in {years[max(0, len(years) - f.term_years)]}–{years[-1]} "
            "(set financing.debt_at_horizon_end: cover, or allow early repayment, to use it)"
            for f in finance if not f.early_repayment and debt_at_end == "repay" and f.max_debt_wan_yuan > 0
            and f.max_new_per_year_wan_yuan > 0 and f.term_years >= 1]


def _quota_and_demand(params: Parameters, years: Sequence[int], options: TownOptions
                      ) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    """The 新增建设用地 quota (with any 挂钩 surplus) and the demand by use and year, and notes on where they come
    from."""
    people_link = options.get("people_link", False)
    linkage_surplus_mu = options.get("linkage_surplus_mu")
    quota = county_quota(params, years, people_link=people_link)
    notes = []
    if people_link:
        notes.append("新增建设用地 quota and demand from 人地挂钩 (people.*), not reserve.new_construction_quota and "
                     "reserve.demand")
    if linkage_surplus_mu:
        quota = quota + _by_year(linkage_surplus_mu, years, "surplus").fillna(0.0)
        notes.append("增减挂钩 surplus added to the 新增建设用地 quota")
    if people_link:
        demand = people_demand(params, years, USES)
    else:
        demand_raw = params["reserve.demand"]
        demand = pd.DataFrame({y: {u: float(demand_raw.get(u, {}).get(y, 0.0)) for u in USES} for y in years})
    return quota, demand, notes


def inputs_from_town(
    town: Town,
    *,
    years: Iterable[int] | None = None,
    budget_wan_yuan: float | Mapping[int, float] | None = None,
    price_change: float = 0.0,
    compactness: bool = True,
    **options: Unpack[TownOptions],
) -> ReserveInputs:
    """Candidate parcels of a town, costed and priced, with money, quotas and demand.

    See the module docstring for the candidate rule, costs and revenues. ``budget_wan_yuan``
    replaces the county special funds (a number for every year or a {year: 万元} mapping);
    ``linkage_surplus_mu`` adds 挂钩 surplus quota to the 新增建设用地 quota by year. With
    ``people_link`` the quota and the demand by use come from 人地挂钩 (:func:`landkit.reserve.people.people_link`:
    the seat's resident path, ``people.*``) instead of ``reserve.new_construction_quota`` and
    ``reserve.demand``. ``market_entry=False`` leaves 入市 out (every parcel is acquired or left).
    Parcels named in ``lock_in`` are candidates even if the rule would exclude them only when they
    are outside exclusion zones — locking in a parcel in 永久基本农田 is an error.

    Rolling re-planning (:meth:`landkit.store.ReserveLedger.replan`): ``held`` maps the parcels the
    centre already holds to the year each was acquired (they are in the plan whatever the candidate
    rule says now, see ``held_since`` in :class:`ReserveInputs`); ``supplied`` names parcels already
    supplied, which are no longer candidates; ``undeveloped`` names held parcels whose 前期开发 is
    still to do (``prep_pending``).

    Parameters
    ----------
    town : Town
    years : iterable of int, optional
        Plan years (default ``town.plan_years``).
    budget_wan_yuan : float or mapping of int to float, optional
    price_change : float
        Relative change of every transfer price (−0.2 = prices fall 20 %).
    compactness : bool
        Compute the shared boundaries of the candidates (for the boundary penalty).
    **options
        :class:`TownOptions`: ``use_bonds``, ``use_company``, ``linkage_surplus_mu``, ``lock_in``, ``lock_out``,
        ``bundles``, ``planned_use``, ``held``, ``supplied``, ``undeveloped``, ``people_link``, ``market_entry``.
    """
    reject_unknown_keywords("inputs_from_town", options, TownOptions.__optional_keys__)
    params = town.params
    parcels = town.parcels
    years_t = tuple(int(y) for y in (years if years is not None else params["town.plan_years"]))
    params.check_in_force(DATED_KEYS, years_t)
    ledger = _Ledger.of(options)
    mask = candidate_mask(parcels, params)
    problems = ledger.problems(parcels, mask, params)
    if problems:
        raise ValidationError("reserve plan", problems)
    mask = (mask | parcels.index.isin(list(ledger.held))) & ~parcels.index.isin(ledger.supplied)
    cand, defaulted, use_notes = _with_planned_use(town, parcels[mask].copy(), options.get("planned_use"), ledger,
                                                   str(params["reserve.planned_use_default"]))
    inside = cand["frac_CZKFBJ"] if "frac_CZKFBJ" in cand else pd.Series(1.0, index=cand.index)
    inside = inside.where(~cand.index.isin(list(ledger.held)), 1.0)  # a parcel the centre holds is in the plan whole
    table, gross, notes = cost_parcels(cand, params, years_t, price_change=price_change, inside_share=inside)
    deductions = deductions_from(params)
    bnote = boundary_note(town, params)
    notes = [*use_notes, *([bnote] if bnote else []), *notes, "计提 on each year's totals: " + ", ".join(
        f"{d.label} {d.share:.0%} of {DEDUCTION_BASES[d.base]}" for d in deductions),
        f"新增建设用地土地有偿使用费 {land_use_fee_wan_per_mu(params, years_t):.2f} 万元/亩 of 农用地转用"]
    market_entry = options.get("market_entry", True)
    notes += _market_entry_notes(table, cand, params, market_entry)
    notes += _ledger_notes(table, ledger, defaulted)
    finance = finance_sources(params, use_bonds=options.get("use_bonds", True),
                              use_company=options.get("use_company", True))
    debt_at_end = _debt_at_end(params)
    notes += _finance_notes(finance, debt_at_end, years_t)
    for name, members in (options.get("bundles") or {}).items():
        table.loc[[m for m in members if m in table.index], "bundle"] = name
    funds = _by_year(budget_wan_yuan if budget_wan_yuan is not None else params["funds.county_special_funds"],
                     years_t, "funds")
    quota, demand, quota_notes = _quota_and_demand(params, years_t, options)
    notes += quota_notes
    edges, exposed = subset_boundary(cand, town.adjacency) if compactness else (None, None)
    inputs = ReserveInputs(
        parcels=table,
        revenue_gross=gross,
        years=years_t,
        funds_wan_yuan=funds,
        quota_mu=quota,
        resettlement_households=_by_year(params["reserve.resettlement_capacity"], years_t, "households"),
        demand_mu=demand,
        finance=finance,
        deductions=deductions,
        returned_share=float(params["revenue.revenue_returned_share"]),
        enterprise_support_share=float(params["funds.enterprise_support_share"]),
        other_income_wan_yuan=_by_year(params["funds.mining_rights_income"], years_t, "mining"),
        industrial_reward_wan_per_mu=float(params["funds.industrial_reward_per_mu"]),
        debt_at_end=debt_at_end,
        stock_value_share=float(params["financing.stock_value_share"]),
        discount_rate=float(params["reserve.discount_rate"]),
        supply_lag_years=int(params["reserve.supply_lag"]),
        opening_cash_wan_yuan=float(params["funds.opening_cash"]),
        market_absorption=float(params["reserve.market_absorption"]),
        shortfall_penalty_wan_per_mu=float(params["reserve.shortfall_penalty"]),
        edges=edges,
        exposed_m=exposed,
        people_link=options.get("people_link", False),
        adjustment_fund_rate=float(params["revenue.adjustment_fund_rate"]),
        market_entry_from=int(params["reserve.collective_market_from"]) if market_entry else None,
        notes=tuple(notes),
    )
    return inputs.check()
