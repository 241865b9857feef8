"""Results of a reserve plan: the schedule, the annual plan, the cash-flow table, quotas, KPIs, maps.

Table headings follow the forms the reserve centre already uses (年度土地储备计划表, 资金平衡表), with
units in every heading. All values are read back from the solved model, never recomputed from
assumptions; :func:`landkit.reserve.check_plan` verifies them independently.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from landkit._errors import ArgumentError, ValidationError
from landkit.plot import draw_polygons, finish_map, new_axes, use_cjk_font
from landkit.reserve.inputs import USE_LABELS, USES
from landkit.reserve.people import FIRST_USES, people_table
from landkit.results import ModelResult
from landkit.siting.rules import control_indicators

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from landkit.reserve.model import ReservePlan

_METHOD = {"collective": "征收", "state": "收购/收回"}
#: Uses of the reserve fund in the 资金平衡表, in order.
CASH_USES: tuple[str, ...] = ("企业扶持", "以奖代补", "征收补偿", "拆迁安置", "前期开发", "有偿使用费", "持有成本",
                              "利息", "还本")


def _rounded(value: Any, digits: int) -> float:
    """``round`` that never returns -0.0."""
    return round(float(value), digits) + 0.0


class ReserveResult(ModelResult):
    """The solved plan. Build it with :meth:`ReservePlan.solve`.

    Attributes
    ----------
    plan : ReservePlan
    outcome : SolveResult
        Status, objective, bound, gap, run time and log of the solve.
    """

    plan: ReservePlan

    # ------------------------------------------------------------------ raw decisions
    @cached_property
    def acquire(self) -> pd.DataFrame:
        """parcel × year, 1 where the parcel is acquired that year."""
        return self.binary("x")

    @cached_property
    def supply(self) -> pd.DataFrame:
        """parcel × year, 1 where the parcel is supplied that year."""
        return self.binary("s")

    @cached_property
    def market_entry(self) -> pd.DataFrame:
        """parcel × year, 1 where the parcel's collective supplies it that year (入市); only 入市 candidates."""
        inp = self.plan.inputs
        ids = inp.market_entry_parcels
        if not len(ids) or "market_entry" not in self.outcome.solution():
            return pd.DataFrame(0, index=ids, columns=list(inp.years))
        return self.binary("market_entry").reindex(index=ids, columns=list(inp.years)).fillna(0).astype(int)

    @cached_property
    def held_at_start(self) -> pd.Series:
        """1 for parcels already held when the plan starts (from the reserve ledger), else 0."""
        return self.plan.inputs.held_since.notna().astype(int)

    def _flows(self, name: str) -> pd.DataFrame:
        inp = self.plan.inputs
        if not inp.finance:
            return pd.DataFrame(0.0, index=[], columns=list(inp.years))
        values: pd.DataFrame = self.outcome.value(name).to_pandas()
        return values.clip(lower=0.0)

    # ------------------------------------------------------------------ tables
    @cached_property
    def schedule(self) -> pd.DataFrame:
        """One row per parcel acquired or held: year acquired and supplied, area, cost and revenue (万元).

        Parcels already held at the start (``held_at_start``) carry the year the ledger says they were
        acquired and no cost in this plan (it is sunk); they count in supply and stock, not in the
        KPIs of land newly acquired.
        """
        inp = self.plan.inputs
        p = inp.parcels
        acq = self.acquire
        sup = self.supply
        held0 = self.held_at_start.reindex(acq.index).fillna(0).astype(bool)
        chosen = acq.index[(acq.sum(axis=1) > 0) | held0]
        years = np.asarray(inp.years)
        year_acq = pd.Series(years[acq.loc[chosen].to_numpy().argmax(axis=1)], index=chosen)
        old = held0.loc[chosen]
        year_acq[old] = inp.held_since.loc[chosen[old.to_numpy()]].astype(int)
        new = (~old).astype(float)
        supplied = sup.loc[chosen].sum(axis=1) > 0
        year_sup = pd.Series(pd.NA, index=chosen, dtype="Int64")
        year_sup[supplied] = years[sup.loc[chosen[supplied.to_numpy()]].to_numpy().argmax(axis=1)]
        gross = pd.Series(0.0, index=chosen)
        for pid in chosen[supplied.to_numpy()]:
            gross[pid] = inp.revenue_gross.at[pid, int(year_sup[pid])]
        rows = p.loc[chosen]
        return pd.DataFrame(
            {
                "year_acquired": year_acq.astype(int),
                "held_at_start": old.to_numpy(),
                "year_supplied": year_sup,
                "area_mu": rows["area_mu"],
                "planned_use": rows["planned_use"],
                "planned_use_default": rows.get("planned_use_default", pd.Series(False, index=chosen)).astype(bool),
                "ownership": rows.get("ownership", pd.Series("collective", index=chosen)),
                "acquisition_cost_wan_yuan": rows["acquisition_cost_wan_yuan"] * new,
                "demolition_cost_wan_yuan": rows["demolition_cost_wan_yuan"] * new,
                "prep_cost_wan_yuan": rows["prep_cost_wan_yuan"] * new,
                "land_use_fee_wan_yuan": rows["land_use_fee_wan_yuan"] * new,
                "cost_wan_yuan": inp.cost_wan_yuan.loc[chosen] * new,
                "gross_revenue_wan_yuan": gross,
                "households": rows["households"] * new,
                "farmland_mu": rows["farmland_mu"] * new,
                "paddy_mu": rows["paddy_mu"] * new,
                "capacity_kg": rows["capacity_kg"] * new,
                "agricultural_mu": rows["agricultural_mu"] * new,
                "village": rows.get("ZLDWMC", pd.Series("", index=chosen)),
                "current_use": rows.get("DLMC", pd.Series("", index=chosen)),
            },
            index=chosen.rename("parcel"),
        ).sort_values(["year_acquired", "planned_use"])

    def plan_table(self) -> pd.DataFrame:
        """年度土地储备计划表: the schedule with the office's Chinese headings and units."""
        s = self.schedule
        return pd.DataFrame(
            {
                "地块编号": s.index,
                "坐落": s["village"].to_numpy(),
                "面积(亩)": s["area_mu"].round(2).to_numpy(),
                "现状地类": s["current_use"].to_numpy(),
                "规划用途": (s["planned_use"].map(USE_LABELS) + np.where(s["planned_use_default"], "（默认）", "")
                         ).to_numpy(),
                "储备方式": s["ownership"].map(_METHOD).to_numpy(),
                "收储年度": s["year_acquired"].to_numpy(),
                "预计成本(万元)": s["cost_wan_yuan"].round(1).to_numpy(),
                "计划供应年度": s["year_supplied"].astype("string").fillna("年末库存").to_numpy(),
                "预计出让收入(万元)": s["gross_revenue_wan_yuan"].round(1).to_numpy(),
            }
        )

    def annual_plan(self) -> pd.DataFrame:
        """Annual plan headings (国土资规〔2017〕17号): newly reserved, front-end development, supplied,
        available for temporary use, and the year-end stock (亩)."""
        inp = self.plan.inputs
        area = inp.parcels["area_mu"]
        acq = self.acquire.mul(area, axis=0).sum()
        sup = self.supply.mul(area, axis=0).sum()
        stock = acq.cumsum() - sup.cumsum() + float((self.held_at_start * area).sum())
        lag = inp.supply_lag_years
        # front-end development runs from acquisition until the parcel may be supplied
        dev = sum(acq.shift(k, fill_value=0.0) for k in range(max(lag, 1)))
        out = pd.DataFrame(
            {
                "新增储备(亩)": acq,
                "前期开发(亩)": dev,
                "供应(亩)": sup,
                "可临时利用(亩)": (stock - sup.shift(-1, fill_value=0.0)).clip(lower=0.0),
                "年末储备库存(亩)": stock,
            }
        )
        out.index.name = "年度"
        return out.round(2)

    def deductions(self) -> pd.DataFrame:
        """计提 by item and year (万元), recomputed from the supply decisions on each year's totals.

        Item :math:`j` on base :math:`b` takes :math:`\\phi_j \\max(0, B_{bt})`: 出让收益
        :math:`B_{proceeds,t} = \\sum_p (g_{pt} - C_p) s_{pt}`, 出让收入 :math:`B_{gross,t} = \\sum_p g_{pt} s_{pt}`.
        """
        inp = self.plan.inputs
        years = list(inp.years)
        sup = self.supply
        gross = (sup * inp.revenue_gross).sum()
        bases = {"gross": gross, "proceeds": gross - sup.mul(inp.cost_wan_yuan, axis=0).sum()}
        out = pd.DataFrame({d.label: d.share * bases[d.base].clip(lower=0.0) for d in inp.deductions},
                           index=pd.Index(years, name="年度"))
        return out.reindex(years).fillna(0.0)

    def cashflow(self, *, decimals: int | None = 2) -> pd.DataFrame:
        """资金平衡表: sources and uses of the reserve fund by year, year-end balance and debt (万元).

        Sources: 财政专项资金, 矿业权出让收益 (when set), each borrowing source, 出让收入返还 (= returned share ×
        (出让收入 − 计提)); the 出让收入 and each 计提 item are shown before it as the lines it is derived
        from. Uses: 企业扶持 (贷款贴息 and other support: ``funds.enterprise_support_share`` of the county
        funds), 以奖代补 (``funds.industrial_reward_per_mu`` × industrial land supplied),
        征收补偿, 拆迁安置, 前期开发, 有偿使用费 (新增建设用地土地有偿使用费), 持有成本, 利息, 还本. With 入市
        candidates, 入市调节金 (the 土地增值收益调节金 on land the collectives supply) is a source.
        ``decimals=None`` returns unrounded values (used for NPV and checks).
        """
        inp = self.plan.inputs
        years = list(inp.years)
        p = inp.parcels
        acq, sup = self.acquire, self.supply
        held = acq.cumsum(axis=1).add(self.held_at_start.reindex(acq.index).fillna(0), axis=0) - sup.cumsum(axis=1)
        out = pd.DataFrame(index=pd.Index(years, name="年度"))
        out["财政专项资金"] = inp.funds_wan_yuan.reindex(years).to_numpy()
        other = inp.other_income_wan_yuan
        if other is not None and float(other.abs().sum()) > 0:
            out["矿业权出让收益"] = other.reindex(years).fillna(0.0).to_numpy()
        borrow = self._flows("borrow")
        repay = self._flows("repay")
        labels = {f.name: f.label for f in inp.finance}
        for name, label in labels.items():
            out[label] = borrow.loc[name].to_numpy() if name in borrow.index else 0.0
        out["出让收入"] = (sup * inp.revenue_gross).sum().to_numpy()
        ded = self.deductions()
        for label in ded.columns:
            out[f"计提{label}"] = ded[label].to_numpy()
        out["出让收入返还"] = inp.returned_share * (out["出让收入"] - ded.sum(axis=1).to_numpy())
        fund = self.market_entry.mul(inp.adjustment_fund_wan_yuan.reindex(self.market_entry.index).fillna(0.0))
        if len(inp.market_entry_parcels):
            out["入市调节金"] = fund.sum().reindex(years).fillna(0.0).to_numpy()
        out["企业扶持"] = out["财政专项资金"] * inp.enterprise_support_share  # 贷款贴息 and other support
        out["以奖代补"] = sup.mul(inp.reward_wan_yuan, axis=0).sum().to_numpy()  # on industrial land supplied
        out["征收补偿"] = acq.mul(p["acquisition_cost_wan_yuan"], axis=0).sum().to_numpy()
        out["拆迁安置"] = acq.mul(p["demolition_cost_wan_yuan"], axis=0).sum().to_numpy()
        out["前期开发"] = acq.mul(p["prep_cost_wan_yuan"], axis=0).sum().to_numpy()
        out.loc[years[0], "前期开发"] += inp.pending_prep_wan_yuan  # owed on parcels held at the start
        out["有偿使用费"] = acq.mul(p["land_use_fee_wan_yuan"], axis=0).sum().to_numpy()
        out["持有成本"] = held.mul(p["holding_cost_wan_yuan_per_year"], axis=0).sum().to_numpy()
        debt = (borrow - repay).cumsum(axis=1) if len(borrow) else pd.DataFrame(0.0, index=[], columns=years)
        interest = pd.Series(0.0, index=years)
        for f in inp.finance:
            interest += f.rate * (debt.loc[f.name] + repay.loc[f.name])
        out["利息"] = interest.to_numpy()
        out["还本"] = repay.sum().to_numpy() if len(repay) else 0.0
        sources = ["财政专项资金", *(["矿业权出让收益"] if "矿业权出让收益" in out else []), *labels.values(),
                   "出让收入返还", *(["入市调节金"] if "入市调节金" in out else [])]
        out["年末余额"] = inp.opening_cash_wan_yuan + (out[sources].sum(axis=1) - out[list(CASH_USES)].sum(axis=1)
                                                    ).cumsum()
        out["年末债务"] = debt.sum().to_numpy() if len(debt) else 0.0
        out.columns = [f"{c}(万元)" for c in out.columns]
        return out if decimals is None else out.round(decimals) + 0.0  # + 0.0 turns -0.0 into 0.0

    def cashflow_statement(self) -> pd.DataFrame:
        """资金平衡表 as offices lay it out: one row per item (来源, 计提, 用途, 结余), one column per year, and 合计.

        The same figures as :meth:`cashflow` (万元, 2 decimals), turned so that many items read down a page; the
        计提 rows and 出让收入 are the lines 出让收入返还 is derived from (类别 返还测算).
        """
        cf = self.cashflow()
        years = [str(y) for y in cf.index]
        items = [c.removesuffix("(万元)") for c in cf.columns]
        uses = set(CASH_USES)
        kind = []
        for c in items:
            if c in ("年末余额", "年末债务"):
                kind.append("结余")
            elif c.startswith("计提") or c == "出让收入":
                kind.append("返还测算")
            elif c in uses:
                kind.append("用途")
            else:
                kind.append("来源")
        out = pd.DataFrame(cf.to_numpy().T, columns=years)
        flows = [k not in ("结余",) for k in kind]
        out["合计"] = np.where(flows, out[years].sum(axis=1), np.nan)
        out.insert(0, "项目", items)
        out.insert(0, "类别", kind)
        order = {"来源": 0, "返还测算": 1, "用途": 2, "结余": 3}
        out = out.iloc[sorted(range(len(out)), key=lambda i: (order[kind[i]], i))].reset_index(drop=True)
        out.columns = [*out.columns[:2], *(f"{y}年(万元)" for y in years), "合计(万元)"]
        return out.round(2)

    def stock_value_at_end_wan_yuan(self) -> float:
        """The stock held at the end of the plan at ``stock_value_share`` of its cost (万元)."""
        inp = self.plan.inputs
        held = self.acquire.sum(axis=1) + self.held_at_start.reindex(self.acquire.index).fillna(0) \
            - self.supply.sum(axis=1)
        return float(inp.stock_value_share * (held * inp.cost_wan_yuan).sum())

    def quota_use(self) -> pd.DataFrame:
        """Quota use by year: 农用地转用 used vs quota; farmland occupied for the 占补平衡 ledger."""
        inp = self.plan.inputs
        p = inp.parcels
        acq = self.acquire
        out = pd.DataFrame(index=pd.Index(list(inp.years), name="年度"))
        out["新增建设用地指标(亩)"] = inp.quota_mu.reindex(out.index).to_numpy()
        out["农用地转用(亩)"] = acq.mul(p["agricultural_mu"], axis=0).sum().to_numpy()
        out["占用耕地(亩)"] = acq.mul(p["farmland_mu"], axis=0).sum().to_numpy()
        out["占用水田(亩)"] = acq.mul(p["paddy_mu"], axis=0).sum().to_numpy()
        out["占用产能(公斤)"] = acq.mul(p["capacity_kg"], axis=0).sum().to_numpy()
        out["搬迁户数(户)"] = acq.mul(p["households"], axis=0).sum().to_numpy()
        out["安置能力(户)"] = inp.resettlement_households.reindex(out.index).to_numpy()
        return out.round(2)

    def people_table(self) -> pd.DataFrame | None:
        """人地挂钩测算表 (:func:`landkit.reserve.people.people_table`): the land the plan supplies for housing and
        public services against the migrants of the seat's resident path; None without ``people.*`` parameters.

        The table says whether the plan's quota and demand came from it (``people_link``) or from the flat
        ``reserve.*`` estimates.
        """
        town = self.plan.town
        params = town.params if town is not None else None
        if params is None or "people.seat_residents" not in params:
            return None
        inp = self.plan.inputs
        sup = self.supply.mul(inp.parcels["area_mu"], axis=0)
        first = sup[inp.parcels["planned_use"].astype(str).isin(FIRST_USES).to_numpy()].sum()
        converted = self.acquire.mul(inp.parcels["agricultural_mu"], axis=0).sum()
        if inp.people_link:
            return people_table(params, list(inp.years), first, converted, True)
        try:  # for information only: a path that does not cover the plan years says nothing here
            return people_table(params, list(inp.years), first, converted, False)
        except ValidationError:
            return None

    def occupations(self) -> pd.DataFrame:
        """Farmland occupied by the plan, one row per parcel, for the 占补平衡 ledger."""
        s = self.schedule
        occ = s[(s["farmland_mu"] > 0) & ~s["held_at_start"]]
        return pd.DataFrame(
            {"source": "reserve", "parcel": occ.index, "year": occ["year_acquired"].to_numpy(),
             "area_mu": occ["farmland_mu"].to_numpy(), "paddy_mu": occ["paddy_mu"].to_numpy(),
             "capacity_kg": occ["capacity_kg"].to_numpy()}
        )

    def demand_table(self) -> pd.DataFrame:
        """Demand, land supplied (by the centre, and by collectives through 入市) and shortfall by use and year (亩)."""
        inp = self.plan.inputs
        sup = self.supply.mul(inp.parcels["area_mu"], axis=0)
        entry = self.market_entry
        if len(entry):
            sup = sup.add(entry.mul(inp.parcels.loc[entry.index, "area_mu"], axis=0), fill_value=0.0)
        by_use = sup.groupby(inp.parcels["planned_use"].reindex(sup.index)).sum().reindex(list(USES),
                                                                                        fill_value=0.0)
        rows = []
        for use in USES:
            for year in inp.years:
                d = float(inp.demand_mu.at[use, year]) if use in inp.demand_mu.index else 0.0
                got = float(by_use.at[use, year])
                rows.append({"规划用途": USE_LABELS[use], "年度": year, "需求(亩)": d, "供应(亩)": round(got, 2),
                             "缺口(亩)": round(max(d - got, 0.0), 2)})
        return pd.DataFrame(rows)

    def industrial_table(self, params: Any, *, kind: str = "wood") -> pd.DataFrame:
        """工业用地供应与控制指标表: per year, the industrial land the plan supplies and what it must host under
        the industrial land control indicators (:func:`landkit.siting.rules.control_indicators`): minimum floor
        area (容积率), minimum building footprint (建筑系数), maximum office and service land, and the investment
        and tax it should bring where the parameters give an intensity.

        ``kind`` is the industry whose indicators apply: the town's industrial land is taken as wood
        processing (``wood``: 容积率 ≥ 0.8, the stricter of the two, and the wood zone's sourced 189 万元/亩
        invested, 9.4 万元/亩 of tax a year); the table's 说明 says so.
        """
        d = self.demand_table()
        supplied = d[d["规划用途"] == USE_LABELS["industrial"]].set_index("年度")["供应(亩)"]
        rows = []
        for year, mu in supplied.items():
            row = {"年度": int(year), "工业用地供应(亩)": round(float(mu), 2)}
            row.update({k: round(v, 2) for k, v in control_indicators(kind, float(mu), params).items()})
            rows.append(row)
        out = pd.DataFrame(rows)
        far = float(params["siting.min_far"][kind])
        out["说明"] = f"按{'木材加工' if kind == 'wood' else kind}类工业用地控制指标 (容积率 ≥ {far:g}) 计"
        return out

    def npv_wan_yuan(self) -> float:
        """NPV of net land revenue (万元): discounted revenue (with the 入市调节金) − costs − holding − interest."""
        cf = self.cashflow(decimals=None)
        # principal is financing and support to firms is not land: neither is in the NPV
        costs = [f"{c}(万元)" for c in CASH_USES if c not in ("还本", "企业扶持")]
        flow = cf["出让收入返还(万元)"] - cf[costs].sum(axis=1)
        if "入市调节金(万元)" in cf:
            flow = flow + cf["入市调节金(万元)"]
        return float((self.plan.discount().to_pandas().to_numpy() * flow.to_numpy()).sum())

    def kpis(self) -> dict[str, Any]:
        """Headline figures: NPV, land acquired and supplied, people and farmland affected, money.

        Figures are rounded (areas and money to 0.01, capacity to 0.1 kg); a shortfall below the
        rounding is reported as 0.
        """
        s = self.schedule
        cf = self.cashflow()
        demand = self.demand_table()
        new = s[~s["held_at_start"]]
        return {
            "status": self.status.value,
            "gap": self.gap,
            "npv_wan_yuan": round(self.npv_wan_yuan(), 2),
            "acquired_parcels": len(new),
            "acquired_mu": _rounded(new["area_mu"].sum(), 2),
            "held_at_start_mu": _rounded(s.loc[s["held_at_start"], "area_mu"].sum(), 2),
            "supplied_mu": _rounded(s.loc[s["year_supplied"].notna(), "area_mu"].sum(), 2),
            "stock_end_mu": _rounded(s.loc[s["year_supplied"].isna(), "area_mu"].sum(), 2),
            "cost_wan_yuan": _rounded(s["cost_wan_yuan"].sum(), 2),
            "gross_revenue_wan_yuan": _rounded(cf["出让收入(万元)"].sum(), 2),
            "deductions_wan_yuan": _rounded(self.deductions().to_numpy().sum(), 2),
            "land_use_fee_wan_yuan": _rounded(cf["有偿使用费(万元)"].sum(), 2),
            "net_revenue_wan_yuan": _rounded(cf["出让收入返还(万元)"].sum(), 2),
            "households": int(s["households"].sum()),
            "farmland_mu": _rounded(s["farmland_mu"].sum(), 2),
            "paddy_mu": _rounded(s["paddy_mu"].sum(), 2),
            "capacity_kg": _rounded(s["capacity_kg"].sum(), 1),
            "shortfall_mu": _rounded(demand["缺口(亩)"].sum(), 2),
            "max_debt_wan_yuan": _rounded(cf["年末债务(万元)"].max(), 2),
            "debt_at_horizon_end_wan_yuan": _rounded(cf["年末债务(万元)"].iloc[-1], 2),
            "stock_value_at_horizon_end_wan_yuan": _rounded(self.stock_value_at_end_wan_yuan(), 2),
            "end_cash_wan_yuan": _rounded(cf["年末余额(万元)"].iloc[-1], 2),
            "min_cash_wan_yuan": _rounded(cf["年末余额(万元)"].min(), 2),
            "market_entry_mu": _rounded(float((self.market_entry.sum(axis=1)
                                               * self.plan.inputs.parcels["area_mu"].reindex(self.market_entry.index)
                                               ).sum()), 2),
            "adjustment_fund_wan_yuan": _rounded(cf["入市调节金(万元)"].sum() if "入市调节金(万元)" in cf else 0.0, 2),
        }

    def route_table(self) -> pd.DataFrame:
        """征收/入市选择表: each 入市 candidate, the route the plan chose and why, in 万元 (undiscounted, its year).

        For 征收 the net is the 出让收入 returned to the fund less the parcel's one-off cost (as if supplied in
        the year after acquisition, or the year the plan supplies it; before 计提, holding and discounting, so a
        guide, not the plan's reason: the plan compares the whole town's NPV); for 入市 it is the 调节金 in
        the year the collective supplies it (from ``market_entry_from``). 未选 means the plan uses it neither way.
        """
        inp = self.plan.inputs
        ids = inp.market_entry_parcels
        cols = ["地块编号", "坐落", "面积(亩)", "规划用途", "选择", "年度", "征收净收益(万元)", "入市调节金(万元)",
                "说明"]
        if not len(ids):
            return pd.DataFrame(columns=cols)
        p = inp.parcels.loc[ids]
        entry, acq, sup = self.market_entry, self.acquire.loc[ids], self.supply.loc[ids]
        years = list(inp.years)
        fund = inp.adjustment_fund_wan_yuan
        rows = []
        for pid in ids:
            e_year = next((y for y in years if entry.at[pid, y] > 0), None)
            a_year = next((y for y in years if acq.at[pid, y] > 0), None)
            s_year = next((y for y in years if sup.at[pid, y] > 0), None)
            y_sale = s_year or (a_year + inp.supply_lag_years if a_year is not None else None)
            y_sale = y_sale if y_sale in years else years[-1]
            net = float(inp.returned_share * inp.revenue_gross.at[pid, y_sale] - inp.cost_wan_yuan[pid])
            later = [y for y in years if inp.market_entry_from is not None and y >= inp.market_entry_from]
            best_fund = max((float(fund.at[pid, y]) for y in later), default=0.0)
            if e_year is not None:
                choice, year, why = "入市", e_year, "集体自行入市: 镇不付征收成本, 收取土地增值收益调节金"
            elif a_year is not None:
                choice, year, why = "征收", a_year, ("入市尚未施行" if inp.market_entry_from is None or not later
                                                  else "全计划比较: 征收后出让对全镇净现值更有利")
            else:
                choice, year, why = "未选", None, "全计划比较: 两种方式都不如其他地块, 或需求已满足"
            rows.append({"地块编号": pid, "坐落": p.at[pid, "ZLDWMC"] if "ZLDWMC" in p else "",
                         "面积(亩)": round(float(p.at[pid, "area_mu"]), 2),
                         "规划用途": USE_LABELS.get(str(p.at[pid, "planned_use"]), str(p.at[pid, "planned_use"])),
                         "选择": choice, "年度": year, "征收净收益(万元)": round(net, 1),
                         "入市调节金(万元)": round(float(fund.at[pid, e_year]) if e_year else best_fund, 1),
                         "说明": why})
        return pd.DataFrame(rows, columns=cols)

    def summary(self) -> str:
        """A few lines for the notebook or the console."""
        k = self.kpis()
        gap = f" (差距 {k['gap']:.2%})" if k["gap"] is not None else ""
        return (
            f"土地收储计划 {self.plan.inputs.years[0]}–{self.plan.inputs.years[-1]}: {self.outcome.summary()}\n"
            f"  净现值 {k['npv_wan_yuan']:,.0f} 万元{gap}; 收储 {k['acquired_parcels']} 宗 {k['acquired_mu']:,.1f} 亩, "
            f"供应 {k['supplied_mu']:,.1f} 亩, 年末库存 {k['stock_end_mu']:,.1f} 亩\n"
            f"  搬迁 {k['households']} 户; 占用耕地 {k['farmland_mu']:,.1f} 亩 (水田 {k['paddy_mu']:,.1f} 亩); "
            f"需求缺口 {k['shortfall_mu']:,.1f} 亩; 最高负债 {k['max_debt_wan_yuan']:,.0f} 万元, "
            f"{self._end_debt_text(k)}"
        )

    def _end_debt_text(self, k: dict[str, Any]) -> str:
        inp = self.plan.inputs
        debt = k["debt_at_horizon_end_wan_yuan"]
        if inp.debt_at_end == "repay" or debt <= 0:
            return "期末债务已全部偿还" if debt <= 0 else f"期末债务 {debt:,.0f} 万元"
        return (f"期末债务 {debt:,.0f} 万元，由期末库存覆盖（按成本的 {inp.stock_value_share:.0%} 估值 "
                f"{k['stock_value_at_horizon_end_wan_yuan']:,.0f} 万元，估计值）；计划期后的利息不在净现值内")

    # ------------------------------------------------------------------ geometry and figures
    def schedule_gdf(self) -> gpd.GeoDataFrame:
        """The schedule with parcel geometry (needs a plan built from a town)."""
        town = self.plan.town
        if town is None:
            raise ArgumentError("this plan was not built from a Town, so it has no geometry")
        s = self.schedule
        geom = town.parcels.geometry.reindex(s.index)
        return gpd.GeoDataFrame(s.assign(year_supplied=s["year_supplied"].astype("float")), geometry=geom.values,
                                crs=town.crs)

    def plot_map(self, *, ax: Any = None) -> Figure:
        """Map of the parcels acquired, coloured by year, over the town (legend, scale bar, north arrow)."""
        town = self.plan.town
        if town is None:
            raise ArgumentError("this plan was not built from a Town, so it has no geometry")
        use_cjk_font()
        fig, ax = new_axes((11, 9), ax=ax)
        draw_polygons(ax, town.parcels.geometry, facecolor="#eeeeee", linewidth=0.05, edgecolor="#bbbbbb")
        cand = town.parcels.loc[self.plan.inputs.parcels.index]
        draw_polygons(ax, cand.geometry, facecolor="#d4d4aa", linewidth=0.1, edgecolor="#999999")
        handles = [Patch(facecolor="#d4d4aa", edgecolor="#999999", label="候选地块")]
        gdf = self.schedule_gdf()
        cmap = mpl.colormaps["viridis"].resampled(max(len(self.plan.inputs.years), 2))
        old = gdf[gdf["held_at_start"]]
        if len(old):
            draw_polygons(ax, old.geometry, facecolor="#8c564b", linewidth=0.2, edgecolor="black")
            handles.append(Patch(facecolor="#8c564b", edgecolor="black",
                                 label=f"期初已储备 ({old['area_mu'].sum():,.0f} 亩)"))
        gdf = gdf[~gdf["held_at_start"]]
        for k, year in enumerate(self.plan.inputs.years):
            part = gdf[gdf["year_acquired"] == year]
            if len(part):
                draw_polygons(ax, part.geometry, facecolor=cmap(k), linewidth=0.2, edgecolor="black")
            label = f"{year} 年收储 ({part['area_mu'].sum():,.0f} 亩)"
            handles.append(Patch(facecolor=cmap(k), edgecolor="black", label=label))
        boundary = town.layers.get("XZQ")
        if boundary is not None:
            boundary.boundary.plot(ax=ax, color="black", linewidth=1.0)
            handles.append(Patch(facecolor="none", edgecolor="black", label="镇界"))
        czk = town.layers.get("CZKFBJ")
        if czk is not None:
            czk.boundary.plot(ax=ax, color="#d62728", linewidth=0.8, linestyle="--")
            handles.append(Patch(facecolor="none", edgecolor="#d62728", linestyle="--", label="城镇开发边界"))
        finish_map(ax, title=f"{town.name} 土地收储计划 (按收储年度)", legend_handles=handles, legend_title="图例",
                   crs_label=town.crs.to_string())
        return fig

    def plot_cashflow(self, *, ax: Any = None) -> Figure:
        """Stacked bars of sources (up) and uses (down) by year, with the year-end balance and debt."""
        use_cjk_font()
        cf = self.cashflow()
        fig, ax = new_axes((9, 5.5), ax=ax)
        years = cf.index.astype(str)
        sources = [c for c in ("财政专项资金", "矿业权出让收益", *(f.label for f in self.plan.inputs.finance),
                               "出让收入返还") if f"{c}(万元)" in cf]
        uses = list(CASH_USES)
        bottom = np.zeros(len(cf))
        for name in sources:
            v = cf[f"{name}(万元)"].to_numpy()
            ax.bar(years, v, bottom=bottom, label=f"来源: {name}")
            bottom += v
        bottom = np.zeros(len(cf))
        for name in uses:
            v = -cf[f"{name}(万元)"].to_numpy()
            ax.bar(years, v, bottom=bottom, label=f"用途: {name}", hatch="//", alpha=0.8)
            bottom += v
        ax.plot(years, cf["年末余额(万元)"], "k-o", label="年末余额")
        ax.plot(years, cf["年末债务(万元)"], "r--s", label="年末债务")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel("万元")
        ax.set_xlabel("年度")
        ax.set_title("资金平衡 (来源为正, 用途为负)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return fig

    def to_folder(self, folder: str | os.PathLike[str], *, dpi: int = 150) -> Path:
        """Write the tables (CSV, UTF-8 with BOM for Excel), the schedule (GeoPackage) and the figures."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.plan_table().to_csv(folder / "年度土地储备计划表.csv", index=False, encoding="utf-8-sig")
        self.annual_plan().to_csv(folder / "年度储备计划汇总.csv", encoding="utf-8-sig")
        self.cashflow().to_csv(folder / "资金平衡表.csv", encoding="utf-8-sig")
        self.quota_use().to_csv(folder / "指标使用表.csv", encoding="utf-8-sig")
        self.demand_table().to_csv(folder / "用地需求保障表.csv", index=False, encoding="utf-8-sig")
        pd.Series(self.kpis()).to_csv(folder / "kpis.csv", header=["value"], encoding="utf-8-sig")
        if self.plan.town is not None:
            self.schedule_gdf().to_file(folder / "reserve_plan.gpkg", layer="schedule", driver="GPKG")
            fig = self.plot_map()
            fig.savefig(folder / "土地收储计划图.png", dpi=dpi, bbox_inches="tight")
        fig = self.plot_cashflow()
        fig.savefig(folder / "资金平衡图.png", dpi=dpi, bbox_inches="tight")
        return folder


def plot_pareto(front: pd.DataFrame, *, ax: Any = None) -> Figure:
    """Chart of a Pareto front from :meth:`ReservePlan.pareto`: NPV against households or farmland.

    Each point is one solve at one cap; points whose solve was not proven optimal are drawn hollow
    and labelled with their status, so an unproven point is never mistaken for the true front.
    """
    use_cjk_font()
    key = "households" if "households" in front.columns else "farmland_mu"
    xlabel = "搬迁户数(户)" if key == "households" else "占用耕地(亩)"
    fig, ax = new_axes((7, 4.5), ax=ax)
    ok = front.dropna(subset=["npv_wan_yuan"]).sort_values(key)
    ax.plot(ok[key], ok["npv_wan_yuan"], "-", color="#1f77b4", zorder=1)
    proven = ok["status"] == "optimal"
    ax.scatter(ok.loc[proven, key], ok.loc[proven, "npv_wan_yuan"], color="#1f77b4", zorder=2, label="已证明最优")
    ax.scatter(ok.loc[~proven, key], ok.loc[~proven, "npv_wan_yuan"], facecolor="white", edgecolor="#1f77b4",
               zorder=2, label="未证明最优 (见差距)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("净现值 NPV (万元)")
    ax.set_title(f"帕累托前沿: 净现值 与 {xlabel}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
