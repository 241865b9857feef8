"""The quota market: sellers of 节余指标 and buyers, cleared under a dated policy regime.

Regimes (:data:`REGIMES`, each a dated parameter set chosen by name and trade date):

``"county"`` / ``"intra_province"``: a uniform-price market, cleared by one LP
    Sellers :math:`s` offer up to :math:`\\bar x_s` 亩 at marginal cost :math:`c_s`; buyers :math:`b` want
    up to :math:`\\bar y_b` 亩 with willingness to pay :math:`w_b` (万元/亩). With per-participant caps
    :math:`\\bar m` (亩, optional) the market maximises total surplus

    .. math::

        \\max_{x, y} \\; \\sum_b w_b y_b - \\sum_s c_s x_s \\quad\\text{s.t.}\\quad
        \\text{balance:}\\; \\sum_b y_b - \\sum_s x_s = 0, \\qquad
        0 \\le x_s \\le \\min(\\bar x_s, \\bar m), \\quad 0 \\le y_b \\le \\min(\\bar y_b, \\bar m).

    The uniform price is the dual of ``balance``. In landkit's convention a dual is
    :math:`\\partial\\,\\text{objective}^* / \\partial\\,\\text{rhs}`: raising the right-hand side by one
    亩 hands buyers one 亩 from outside the market, which is worth exactly the marginal buyer's
    willingness to pay = the marginal seller's cost, so **price = +dual(balance)** (≥ 0). Where the
    curves cross on a vertical step the price is any value in an interval; the solver returns one end.
    Each seller earns :math:`(p - c_s) x_s`, each buyer :math:`(w_b - p) y_b`. Trades between pairs are
    then matched in merit order (cheapest seller with the highest bidder), split into lots of at most
    ``max_per_transaction_mu``.

``"cross_province_2018"``: state-set prices, rationed, not cleared (国办发〔2018〕16号)
    Valid from 2018-03-10 to 2025-12-31 (``linkage.cross_province_valid_*``); a date outside raises.
    Sellers (deep-poverty areas) are paid :math:`P^{out}` = 30 (ordinary) or 40 (高标准农田) 万元/亩;
    buyers pay :math:`P^{in}` = 70 / 50 / 30 by tier plus the 20 万元/亩 附加规划选址费. A seller offers
    only if :math:`c_s \\le P^{out}_s`, a buyer bids only if :math:`w_b \\ge P^{in}_b + 20`; the long side
    is rationed pro rata to the short side (the state keeps the spread).

``"dipiao"``: a 重庆地票-style sealed-bid auction
    Buyers' sealed bids (:math:`w_b` per 亩, :math:`\\bar y_b` 亩) are served highest first against
    sellers' lots cheapest first, while the bid covers the seller's reserve (its cost); each buyer pays
    its own bid (pay-as-bid). The seller's net proceeds are split ``linkage.farmer_share`` (85 %) to
    farmers and the rest to the collective.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit._errors import Problem, ValidationError
from landkit.optimize import Status, solve
from landkit.params import Parameters
from landkit.plot import new_axes, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Kind = Literal["cleared", "state_priced", "sealed_bid"]


@dataclass(frozen=True)
class MarketRegime:
    """A policy regime: a dated, selectable parameter set.

    Parameters
    ----------
    name : str
    kind : {"cleared", "state_priced", "sealed_bid"}
    label : str
        Chinese name for tables.
    valid_from, valid_until : date or None
        Dates the regime applies (inclusive); None is open-ended.
    prices : mapping
        State prices (万元/亩) for ``state_priced`` (``out``, ``in``, ``siting_fee``).
    source : str
        Where the rules come from.
    """

    name: str
    kind: Kind
    label: str
    valid_from: _dt.date | None = None
    valid_until: _dt.date | None = None
    prices: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def check_date(self, date: _dt.date) -> None:
        """Raise a :class:`ValidationError` when ``date`` lies outside the regime's validity."""
        if self.valid_until is not None and date > self.valid_until:
            raise ValidationError("QuotaMarket", [Problem(
                f"regime {self.name}", f"expired on {self.valid_until.isoformat()}; trade date {date.isoformat()}",
                "choose 'intra_province', 'county' or 'dipiao', or a date within the regime", "expired")])
        if self.valid_from is not None and date < self.valid_from:
            raise ValidationError("QuotaMarket", [Problem(
                f"regime {self.name}", f"starts on {self.valid_from.isoformat()}; trade date {date.isoformat()}",
                "choose a later date or another regime", "not_yet_valid")])


def _date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value))


def regimes(params: Parameters) -> dict[str, MarketRegime]:
    """The regimes known to landkit, with their dates and prices from ``params`` (section ``linkage``)."""
    return {
        "county": MarketRegime("county", "cleared", "县域指标交易 (统一出清)", source="uniform-price clearing"),
        "intra_province": MarketRegime("intra_province", "cleared", "省域内节余指标流转 (统一出清)",
                                       source="uniform-price clearing"),
        "cross_province_2018": MarketRegime(
            "cross_province_2018", "state_priced", "跨省域调剂 (国家定价, 配额)",
            valid_from=_date(params["linkage.cross_province_valid_from"]),
            valid_until=_date(params["linkage.cross_province_valid_until"]),
            prices={"out": params["linkage.cross_province_out"], "in": params["linkage.cross_province_in"],
                    "siting_fee": float(params["linkage.cross_province_siting_fee"])},
            source="国办发〔2018〕16号; 自然资发〔2021〕178号"),
        "dipiao": MarketRegime("dipiao", "sealed_bid", "地票 (密封竞价)",
                               prices={"reference": float(params["linkage.chongqing_dipiao_price"])},
                               source="重庆农村土地交易所"),
    }


#: Regime names (see :func:`regimes`).
REGIMES: tuple[str, ...] = ("county", "intra_province", "cross_province_2018", "dipiao")


def _frame(data: Any, role: str, value_col: str) -> pd.DataFrame:
    """Participants as a DataFrame indexed by name, checked (every problem collected)."""
    frame = pd.DataFrame(data).copy()
    if "name" in frame.columns:
        frame = frame.set_index("name")
    frame.index = frame.index.astype(str)
    problems: list[Problem] = []
    for col in ("quantity_mu", value_col):
        if col not in frame.columns:
            problems.append(Problem(f"{role}", f"missing column {col}", f"give name, quantity_mu, {value_col}",
                                    "column"))
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = frame.index[values.isna() | (values < 0) | ~np.isfinite(values)]
        if len(bad):
            problems.append(Problem(f"{role} column {col}", f"negative, missing or infinite for {list(bad)}",
                                    "give finite values ≥ 0", "value"))
    if frame.index.has_duplicates:
        problems.append(Problem(role, f"duplicate names {sorted(set(frame.index[frame.index.duplicated()]))}",
                                "names must be unique", "duplicate"))
    if problems:
        raise ValidationError("QuotaMarket", problems)
    frame["quantity_mu"] = frame["quantity_mu"].astype(float)
    frame[value_col] = frame[value_col].astype(float)
    return frame


@dataclass(frozen=True)
class _Allocation:
    """What each seller sold and each buyer bought (亩), and at what price (万元/亩, per participant)."""

    sold: pd.Series
    bought: pd.Series
    seller_price: pd.Series
    buyer_price: pd.Series


class QuotaMarket:
    """Sellers and buyers of 节余指标 under one regime (see the module docstring for the rules).

    Parameters
    ----------
    sellers : DataFrame or records
        ``name, quantity_mu, cost_wan_per_mu`` and, for ``cross_province_2018``, ``category``
        (``ordinary`` or ``high_standard``).
    buyers : DataFrame or records
        ``name, quantity_mu, wtp_wan_per_mu`` and, for ``cross_province_2018``, ``tier``
        (``beijing_shanghai``, ``tianjin_jiangsu_zhejiang_guangdong``, ``shandong_and_others``).
    regime : str
        One of :data:`REGIMES`.
    date : date or ISO string
        Trade date; a regime not valid on it raises :class:`ValidationError`.
    params : Parameters, optional
        Default: the bundled parameters.
    max_per_participant_mu, max_per_transaction_mu : float, optional
        Most 亩 one participant may trade, and most 亩 in one transaction (a lot).

    Examples
    --------
    >>> m = QuotaMarket(sellers=[{"name": "A", "quantity_mu": 100, "cost_wan_per_mu": 10}],
    ...                 buyers=[{"name": "X", "quantity_mu": 80, "wtp_wan_per_mu": 30}],
    ...                 regime="county", date="2024-06-30")   # doctest: +SKIP
    >>> m.clear().price_wan_per_mu                          # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        sellers: Any,
        buyers: Any,
        regime: str = "county",
        date: Any = "2024-12-31",
        params: Parameters | None = None,
        max_per_participant_mu: float | None = None,
        max_per_transaction_mu: float | None = None,
    ) -> None:
        self.params = params if params is not None else Parameters.load()
        known = regimes(self.params)
        if regime not in known:
            raise ValidationError("QuotaMarket", [Problem("regime", f"unknown regime {regime!r}",
                                                          f"choose one of {list(known)}", "value")])
        self.regime = known[regime]
        self.date = _date(date)
        self.regime.check_date(self.date)
        self.sellers = _frame(sellers, "sellers", "cost_wan_per_mu")
        self.buyers = _frame(buyers, "buyers", "wtp_wan_per_mu")
        problems = []
        for name, cap in (("max_per_participant_mu", max_per_participant_mu),
                          ("max_per_transaction_mu", max_per_transaction_mu)):
            if cap is not None and not (np.isfinite(cap) and cap > 0):
                problems.append(Problem(name, f"{cap!r} is not a positive number", "give 亩 > 0 or None", "value"))
        if self.regime.kind == "state_priced":
            out_p, in_p = self.regime.prices["out"], self.regime.prices["in"]
            cat = self.sellers.get("category", pd.Series("ordinary", index=self.sellers.index))
            bad = sorted(set(cat.astype(str)) - set(out_p))
            if bad:
                problems.append(Problem("sellers column category", f"unknown {bad}", f"use {list(out_p)}", "value"))
            if "tier" not in self.buyers:
                problems.append(Problem("buyers", "missing column tier", f"use {list(in_p)}", "column"))
            else:
                bad = sorted(set(self.buyers["tier"].astype(str)) - set(in_p))
                if bad:
                    problems.append(Problem("buyers column tier", f"unknown {bad}", f"use {list(in_p)}", "value"))
        if problems:
            raise ValidationError("QuotaMarket", problems)
        self.max_per_participant_mu = max_per_participant_mu
        self.max_per_transaction_mu = max_per_transaction_mu

    # ------------------------------------------------------------------ the clearing LP
    def build(self) -> linopy.Model:
        """The uniform-price clearing LP (variables ``sell``, ``buy``; constraint ``balance``)."""
        cap = self.max_per_participant_mu if self.max_per_participant_mu is not None else np.inf
        S = pd.Index(self.sellers.index, name="seller")
        B = pd.Index(self.buyers.index, name="buyer")
        m = linopy.Model()
        sell_ub = xr.DataArray(np.minimum(self.sellers["quantity_mu"].to_numpy(), cap), coords=[S])
        buy_ub = xr.DataArray(np.minimum(self.buyers["quantity_mu"].to_numpy(), cap), coords=[B])
        x = m.add_variables(lower=0, upper=sell_ub, coords=[S], name="sell")
        y = m.add_variables(lower=0, upper=buy_ub, coords=[B], name="buy")
        m.add_constraints(y.sum() - x.sum() == 0, name="balance")
        cost = xr.DataArray(self.sellers["cost_wan_per_mu"].to_numpy(), coords=[S])
        wtp = xr.DataArray(self.buyers["wtp_wan_per_mu"].to_numpy(), coords=[B])
        m.add_objective((wtp * y).sum() - (cost * x).sum(), sense="max")
        return m

    def clear(self, *, solver: str = "highs", time_limit_s: float | None = 30.0) -> MarketResult:
        """Clear the market under its regime; returns trades, price and each participant's surplus."""
        if self.regime.kind == "cleared":
            return self._clear_lp(solver, time_limit_s)
        if self.regime.kind == "state_priced":
            return self._ration()
        return self._auction()

    def _clear_lp(self, solver: str, time_limit_s: float | None) -> MarketResult:
        outcome = solve(self.build(), solver=solver, time_limit_s=time_limit_s)
        outcome.raise_for_status()
        sold = cast(pd.Series, outcome.value("sell").to_pandas()).clip(lower=0.0).round(9)
        bought = cast(pd.Series, outcome.value("buy").to_pandas()).clip(lower=0.0).round(9)
        volume = float(sold.sum())
        price = float(outcome.dual("balance").item()) if volume > 1e-9 else float("nan")
        seller_price = pd.Series(price, index=self.sellers.index)
        buyer_price = pd.Series(price, index=self.buyers.index)
        return self._result(_Allocation(sold, bought, seller_price, buyer_price), price, outcome.status,
                            outcome.solver,
                            notes=("price = dual of the balance constraint (d objective / d rhs, ≥ 0)",))

    def _ration(self) -> MarketResult:
        pr = self.regime.prices
        cat = self.sellers.get("category", pd.Series("ordinary", index=self.sellers.index)).astype(str)
        pay_out = cat.map(lambda c: float(pr["out"][c]))
        pay_in = self.buyers["tier"].astype(str).map(lambda t: float(pr["in"][t])) + float(pr["siting_fee"])
        cap = self.max_per_participant_mu if self.max_per_participant_mu is not None else np.inf
        offer = self.sellers["quantity_mu"].clip(upper=cap).where(self.sellers["cost_wan_per_mu"] <= pay_out, 0.0)
        bid = self.buyers["quantity_mu"].clip(upper=cap).where(self.buyers["wtp_wan_per_mu"] >= pay_in, 0.0)
        volume = min(float(offer.sum()), float(bid.sum()))
        sold = offer * (volume / offer.sum()) if offer.sum() > 0 else offer * 0.0
        bought = bid * (volume / bid.sum()) if bid.sum() > 0 else bid * 0.0
        spread = float((bought * pay_in).sum() - (sold * pay_out).sum())
        return self._result(_Allocation(sold, bought, pay_out, pay_in), float("nan"), Status.OPTIMAL, "rule",
                            notes=(f"state prices, rationed pro rata; the state keeps {spread:,.1f} 万元",))

    def _auction(self) -> MarketResult:
        cap = self.max_per_participant_mu if self.max_per_participant_mu is not None else np.inf
        left_s = self.sellers["quantity_mu"].clip(upper=cap).copy()
        left_b = self.buyers["quantity_mu"].clip(upper=cap).copy()
        order_s = self.sellers.sort_values(["cost_wan_per_mu"], kind="stable").index
        order_b = self.buyers.sort_values(["wtp_wan_per_mu"], ascending=False, kind="stable").index
        pairs: list[tuple[str, str, float, float]] = []
        for b in order_b:
            bid = float(self.buyers.at[b, "wtp_wan_per_mu"])
            for s in order_s:
                if left_b[b] <= 1e-12:
                    break
                if left_s[s] <= 1e-12 or bid < float(self.sellers.at[s, "cost_wan_per_mu"]):
                    continue
                q = float(min(left_b[b], left_s[s]))
                pairs.append((s, b, q, bid))
                left_b[b] -= q
                left_s[s] -= q
        sold = pd.Series(0.0, index=self.sellers.index)
        bought = pd.Series(0.0, index=self.buyers.index)
        revenue = pd.Series(0.0, index=self.sellers.index)
        for s, b, q, bid in pairs:
            sold[s] += q
            bought[b] += q
            revenue[s] += q * bid
        seller_price = (revenue / sold).where(sold > 0, np.nan)
        buyer_price = self.buyers["wtp_wan_per_mu"].where(bought > 0, np.nan)
        volume = float(sold.sum())
        avg = float(revenue.sum() / volume) if volume > 0 else float("nan")
        return self._result(_Allocation(sold, bought, seller_price, buyer_price), avg, Status.OPTIMAL, "rule",
                            pairs=pairs, notes=("pay-as-bid; price = volume-weighted average winning bid",))

    # ------------------------------------------------------------------ results
    def _result(self, alloc: _Allocation, price: float, status: Status, solver: str, *,
                pairs: list[tuple[str, str, float, float]] | None = None, notes: tuple[str, ...] = ()) -> MarketResult:
        sold, bought, seller_price, buyer_price = alloc.sold, alloc.bought, alloc.seller_price, alloc.buyer_price
        share = float(self.params["linkage.farmer_share"])
        rows = []
        for name, q in sold.items():
            pr = float(seller_price[name]) if q > 0 else float("nan")
            surplus = (pr - float(self.sellers.at[name, "cost_wan_per_mu"])) * q if q > 0 else 0.0
            rows.append({"participant": name, "role": "seller", "quantity_mu": float(q), "price_wan_per_mu": pr,
                         "value_wan_yuan": float(q) * pr if q > 0 else 0.0, "surplus_wan_yuan": surplus,
                         "farmer_share_wan_yuan": max(surplus, 0.0) * share if self.regime.kind == "sealed_bid"
                         else np.nan})
        for name, q in bought.items():
            pr = float(buyer_price[name]) if q > 0 else float("nan")
            surplus = (float(self.buyers.at[name, "wtp_wan_per_mu"]) - pr) * q if q > 0 else 0.0
            rows.append({"participant": name, "role": "buyer", "quantity_mu": float(q), "price_wan_per_mu": pr,
                         "value_wan_yuan": float(q) * pr if q > 0 else 0.0, "surplus_wan_yuan": surplus,
                         "farmer_share_wan_yuan": np.nan})
        participants = pd.DataFrame(rows)
        if pairs is None:
            pairs = self._match(alloc)
        lot = self.max_per_transaction_mu
        trades: list[dict[str, Any]] = []
        for s, b, q, pr in pairs:
            n = max(1, int(np.ceil(q / lot - 1e-9))) if lot else 1
            for k in range(n):
                part = q / n
                trades.append({"transaction": len(trades) + 1, "seller": s, "buyer": b, "lot": k + 1,
                               "quantity_mu": part, "price_wan_per_mu": pr, "value_wan_yuan": part * pr})
        trades_df = pd.DataFrame(trades, columns=["transaction", "seller", "buyer", "lot", "quantity_mu",
                                                  "price_wan_per_mu", "value_wan_yuan"])
        return MarketResult(self.regime, self.date, price, trades_df, participants, status, solver, notes)

    def _match(self, alloc: _Allocation) -> list[tuple[str, str, float, float]]:
        """Pair sellers and buyers in merit order (cheapest seller with the highest bidder)."""
        sold, bought, buyer_price = alloc.sold, alloc.bought, alloc.buyer_price
        left_s = sold[sold > 1e-9].copy()
        left_b = bought[bought > 1e-9].copy()
        order_s = self.sellers.loc[left_s.index].sort_values("cost_wan_per_mu", kind="stable").index
        order_b = self.buyers.loc[left_b.index].sort_values("wtp_wan_per_mu", ascending=False, kind="stable").index
        pairs: list[tuple[str, str, float, float]] = []
        i = j = 0
        while i < len(order_s) and j < len(order_b):
            s, b = order_s[i], order_b[j]
            q = float(min(left_s[s], left_b[b]))
            if q > 1e-9:
                pairs.append((s, b, q, float(buyer_price[b])))
            left_s[s] -= q
            left_b[b] -= q
            if left_s[s] <= 1e-9:
                i += 1
            if left_b[b] <= 1e-9:
                j += 1
        return pairs


@dataclass
class MarketResult:
    """What :meth:`QuotaMarket.clear` returns.

    Attributes
    ----------
    regime : MarketRegime
    date : date
    price_wan_per_mu : float
        The uniform clearing price (cleared), NaN for no trade or state prices, or the average
        winning bid (sealed bid).
    trades : DataFrame
        ``transaction, seller, buyer, lot, quantity_mu, price_wan_per_mu, value_wan_yuan`` (the
        buyer's price; under state prices the seller is paid the 调出 price, see ``participants``).
    participants : DataFrame
        ``participant, role, quantity_mu, price_wan_per_mu, value_wan_yuan, surplus_wan_yuan,
        farmer_share_wan_yuan``.
    status : Status
    solver : str
        ``"highs"``/``"cbc"`` for the clearing LP, ``"rule"`` for rationing and auctions.
    notes : tuple of str
    """

    regime: MarketRegime
    date: _dt.date
    price_wan_per_mu: float
    trades: pd.DataFrame
    participants: pd.DataFrame
    status: Status
    solver: str
    notes: tuple[str, ...] = ()

    @property
    def volume_mu(self) -> float:
        """亩 traded."""
        return float(self.participants.loc[self.participants["role"] == "seller", "quantity_mu"].sum())

    @property
    def total_surplus_wan_yuan(self) -> float:
        """Sum of every participant's surplus (万元)."""
        return float(self.participants["surplus_wan_yuan"].sum())

    def table(self) -> pd.DataFrame:
        """The participants with Chinese headings and units."""
        p = self.participants
        return pd.DataFrame({
            "参与方": p["participant"], "角色": p["role"].map({"seller": "卖方", "buyer": "买方"}),
            "成交量(亩)": p["quantity_mu"].round(4), "价格(万元/亩)": p["price_wan_per_mu"].round(4),
            "成交额(万元)": p["value_wan_yuan"].round(2), "剩余(万元)": p["surplus_wan_yuan"].round(2),
        })

    def summary(self) -> str:
        """One line: regime, volume, price and total surplus."""
        price = "no clearing price" if np.isnan(self.price_wan_per_mu) else f"{self.price_wan_per_mu:,.2f} 万元/亩"
        return (f"{self.regime.label} ({self.date.isoformat()}): 成交 {self.volume_mu:,.1f} 亩, 价格 {price}, "
                f"总剩余 {self.total_surplus_wan_yuan:,.1f} 万元")

    def plot(self, market: QuotaMarket, *, ax: Axes | None = None) -> Figure:
        """Supply and demand steps with the clearing price and volume."""
        use_cjk_font()
        fig, ax = new_axes((7, 4.5), ax=ax)
        for frame, col, asc, colour, label in ((market.sellers, "cost_wan_per_mu", True, "#2ca02c", "供给 (边际成本)"),
                                               (market.buyers, "wtp_wan_per_mu", False, "#1f77b4", "需求 (支付意愿)")):
            f = frame.sort_values(col, ascending=asc)
            q = np.concatenate([[0.0], f["quantity_mu"].cumsum().to_numpy()])
            v = np.concatenate([f[col].to_numpy(), f[col].to_numpy()[-1:]])
            ax.step(q, v, where="post", color=colour, label=label)
        if not np.isnan(self.price_wan_per_mu):
            ax.axhline(self.price_wan_per_mu, color="red", linestyle="--", linewidth=0.8,
                       label=f"价格 {self.price_wan_per_mu:,.1f} 万元/亩")
        ax.axvline(self.volume_mu, color="grey", linestyle=":", label=f"成交 {self.volume_mu:,.0f} 亩")
        ax.set_xlabel("指标 (亩)")
        ax.set_ylabel("万元/亩")
        ax.set_title(f"{self.regime.label}: 供需与出清")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        return fig


__all__ = ["REGIMES", "MarketRegime", "MarketResult", "QuotaMarket", "regimes"]
