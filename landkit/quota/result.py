"""Results of a 增减挂钩 plan: chosen plots and sites, the 增减挂钩台账, costs, links and a map.

Every figure is read back from the solved model (decisions and quota flows), never recomputed from
assumptions; :func:`landkit.quota.check_linkage` re-derives them independently.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from landkit._errors import ArgumentError
from landkit.plot import draw_polygons, finish_map, new_axes, use_cjk_font
from landkit.quota.inputs import KIND_LABELS
from landkit.results import ModelResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from landkit.quota.linkage import LinkagePlan


class LinkageResult(ModelResult):
    """The solved project-area plan. Build it with :meth:`LinkagePlan.solve`.

    Attributes
    ----------
    plan : LinkagePlan
    outcome : SolveResult
        Status, objective, bound, gap, run time and log of the solve.
    """

    plan: LinkagePlan

    # ------------------------------------------------------------------ raw decisions
    @cached_property
    def demolish(self) -> pd.DataFrame:
        """plot × year, 1 where the plot is demolished that year."""
        return self.binary("x")

    @cached_property
    def opened(self) -> pd.DataFrame:
        """site × year, 1 where the site opens that year."""
        return self.binary("open")

    @cached_property
    def rehoused(self) -> pd.DataFrame:
        """site × year, households rehoused (户)."""
        return self.outcome.value("rehoused").to_pandas().round().astype(int)

    def flow(self, name: str) -> pd.Series:
        """A yearly quota flow in 亩: ``borrow``, ``repay``, ``direct``, ``use`` or ``sell``."""
        values = cast(pd.Series, self.outcome.value(name).to_pandas())
        return values.clip(lower=0.0).reindex(list(self.plan.inputs.years))

    # ------------------------------------------------------------------ tables
    @cached_property
    def plots(self) -> pd.DataFrame:
        """One row per demolished plot: year demolished and accepted, areas, quality, households, cost."""
        inp = self.plan.inputs
        d = self.demolish
        chosen = d.index[d.sum(axis=1) > 0]
        years = np.asarray(inp.years)
        year = pd.Series(years[d.loc[chosen].to_numpy().argmax(axis=1)] if len(chosen) else [], index=chosen,
                         dtype=int)
        rows = inp.plots.loc[chosen]
        accepted = year + inp.reclamation_lag_years
        return pd.DataFrame({
            "kind": rows["kind"],
            "village": rows["village"],
            "year_demolished": year,
            "year_accepted": accepted.where(accepted <= years[-1]).astype("Int64"),
            "area_mu": rows["area_mu"],
            "reclaim_mu": rows["reclaim_mu"],
            "paddy_mu": rows["paddy_mu"],
            "capacity_kg": rows["capacity_kg"],
            "grade": rows["grade"],
            "households": rows["households"],
            "demolition_cost_wan_yuan": rows["demolition_cost_wan_yuan"],
            "reclamation_cost_wan_yuan": rows["reclamation_cost_wan_yuan"],
            "block": rows["block"] if "block" in rows else pd.NA,
        }, index=chosen.rename("unit")).sort_values(["year_demolished", "village"])

    @cached_property
    def sites(self) -> pd.DataFrame:
        """One row per opened site: year opened, households rehoused, land used (亩) and cost (万元)."""
        inp = self.plan.inputs
        o, h = self.opened, self.rehoused
        chosen = o.index[o.sum(axis=1) > 0]
        years = np.asarray(inp.years)
        hh = h.loc[chosen].sum(axis=1)
        st = inp.sites.loc[chosen]
        return pd.DataFrame({
            "year_opened": years[o.loc[chosen].to_numpy().argmax(axis=1)] if len(chosen) else [],
            "households": hh,
            "capacity_households": st["capacity_households"],
            "land_mu": hh * inp.land_per_household_mu,
            "paddy_mu": hh * inp.land_per_household_mu * st["paddy_share"],
            "capacity_kg": hh * inp.land_per_household_mu * st["capacity_kg_per_mu"],
            "cost_wan_yuan": st["fixed_cost_wan_yuan"] + hh * inp.site_cost_per_household_wan_yuan,
        }, index=chosen.rename("site"))

    def exits(self) -> pd.DataFrame:
        """宅基地有偿退出表: each village where the plan offers the paid exit (empty without an exit programme).

        Columns: 村, 年度, 补偿标准(万元/户), 退出比例, 退出户数(户), 退出宅基地(亩), 补偿支出(万元), 复垦(亩),
        复垦验收年度, 复垦产能(公斤), 复垦费用(万元), 保留集体建设用地(亩).
        """
        inp = self.plan.inputs
        cols = ["村", "年度", "补偿标准(万元/户)", "退出比例", "退出户数(户)", "退出宅基地(亩)", "补偿支出(万元)",
                "复垦(亩)", "复垦验收年度", "复垦产能(公斤)", "复垦费用(万元)", "保留集体建设用地(亩)"]
        sol = self.outcome.solution()
        ex, part = inp.exits, inp.exit_participation
        if ex is None or part is None or "exit_offer" not in sol:
            return pd.DataFrame(columns=cols)
        offer = sol["exit_offer"].to_series()
        reclaim = sol["exit_reclaim"].to_series()
        rows = []
        for village, level, year in offer.index[(offer > 0.5).to_numpy()]:
            share = float(part.at[village, level])
            n = float(ex.at[village, "households"]) * share
            area = float(ex.at[village, "homestead_mu"]) * share
            r = float(reclaim.get((village, year), 0.0))
            accepted = year + inp.reclamation_lag_years
            rows.append({"村": village, "年度": int(year), "补偿标准(万元/户)": inp.exit_offers[int(level)],
                         "退出比例": round(share, 4), "退出户数(户)": round(n, 1), "退出宅基地(亩)": round(area, 2),
                         "补偿支出(万元)": round(n * inp.exit_offers[int(level)], 2), "复垦(亩)": round(r, 2),
                         "复垦验收年度": accepted if accepted in inp.years else "规划期后",
                         "复垦产能(公斤)": round(r * float(ex.at[village, "capacity_kg_per_mu"]), 1),
                         "复垦费用(万元)": round(r * float(ex.at[village, "reclamation_cost_wan_per_mu"]), 2),
                         "保留集体建设用地(亩)": round(area - r / max(float(ex.at[village, "reclaim_mu"])
                                                              / float(ex.at[village, "homestead_mu"]), 1e-9), 2)
                         + 0.0})
        return pd.DataFrame(rows, columns=cols).sort_values(["年度", "村"]).reset_index(drop=True)

    def _exit_flows(self) -> pd.DataFrame:
        """By year: households exiting, payments, land reclaimed from exits and its paddy and capacity (by demolition
        year; accepted ``reclamation_lag_years`` later)."""
        inp = self.plan.inputs
        years = list(inp.years)
        out = pd.DataFrame(0.0, index=years, columns=["households", "pay", "reclaim", "paddy", "capacity",
                                                      "reclaim_cost"])
        sol = self.outcome.solution()
        exits, part = inp.exits, inp.exit_participation
        if exits is None or part is None:  # no exit programme: the model has no exit decisions
            return out
        if "exit_offer" in sol:
            offer = sol["exit_offer"].to_series()
            for village, level, year in offer.index[(offer > 0.5).to_numpy()]:
                n = float(exits.at[village, "households"]) * float(part.at[village, level])
                out.loc[year, "households"] += n
                out.loc[year, "pay"] += n * inp.exit_offers[int(level)]
        if "exit_reclaim" in sol:
            rec = cast(pd.DataFrame, sol["exit_reclaim"].to_pandas()).clip(lower=0.0)
            ex = exits.reindex(rec.index)
            out["reclaim"] = rec.sum().reindex(years).fillna(0.0).to_numpy()
            out["paddy"] = rec.mul(ex["paddy_share"], axis=0).sum().reindex(years).fillna(0.0).to_numpy()
            out["capacity"] = rec.mul(ex["capacity_kg_per_mu"], axis=0).sum().reindex(years).fillna(0.0).to_numpy()
            out["reclaim_cost"] = rec.mul(ex["reclamation_cost_wan_per_mu"], axis=0).sum().reindex(years).fillna(
                0.0).to_numpy()
        return out

    def ledger(self) -> pd.DataFrame:
        """增减挂钩台账 by year: 拆旧, 复垦验收 (水田, 产能), 建新安置, 周转指标, 节余指标 (亩, 户, 公斤, 万元)."""
        inp = self.plan.inputs
        years = list(inp.years)
        p, st = inp.plots, inp.sites
        d, h = self.demolish.reindex(index=p.index.astype(str)), self.rehoused.reindex(index=st.index.astype(str))
        lag = inp.reclamation_lag_years

        def demolished(col: str) -> pd.Series:
            return d.mul(p[col].to_numpy(), axis=0).sum().reindex(years)

        exits = self._exit_flows()

        def accepted(col: str) -> pd.Series:
            own = demolished(col).shift(lag, fill_value=0.0)
            extra = {"reclaim_mu": "reclaim", "paddy_mu": "paddy", "capacity_kg": "capacity"}[col]
            return own + exits[extra].reindex(years).shift(lag, fill_value=0.0)

        a_h = inp.land_per_household_mu
        borrow, repay, use, sell = self.flow("borrow"), self.flow("repay"), self.flow("use"), self.flow("sell")
        direct = self.flow("direct")
        out = pd.DataFrame(index=pd.Index(years, name="年度"))
        out["拆旧面积(亩)"] = demolished("area_mu")
        out["拆旧户数(户)"] = demolished("households")
        if inp.exits is not None and len(inp.exits):
            out["宅基地退出(户)"] = exits["households"].reindex(years)
            out["退出宅基地复垦(亩)"] = exits["reclaim"].reindex(years)
        out["复垦验收(亩)"] = accepted("reclaim_mu")
        out["其中水田(亩)"] = accepted("paddy_mu")
        out["复垦产能(公斤)"] = accepted("capacity_kg")
        out["建新安置(亩)"] = a_h * h.sum().reindex(years)
        out["建新占用水田(亩)"] = (a_h * h.mul(st["paddy_share"].to_numpy(), axis=0)).sum().reindex(years)
        out["建新占用产能(公斤)"] = (a_h * h.mul(st["capacity_kg_per_mu"].to_numpy(), axis=0)).sum().reindex(years)
        out["周转指标借用(亩)"] = borrow
        out["周转指标归还(亩)"] = repay
        out["周转指标余额(亩)"] = (borrow - repay).cumsum()
        out["已验收指标直接使用(亩)"] = direct
        out["节余指标本镇使用(亩)"] = use
        out["节余指标交易(亩)"] = sell
        out["节余指标交易收入(万元)"] = sell * inp.sale_price_wan_per_mu.reindex(years)
        out["节余指标结存(亩)"] = (out["复垦验收(亩)"] - repay - direct - use - sell).cumsum()
        out["拆旧复垦成本(万元)"] = (d.mul(self.plan.inputs.plot_cost_wan_yuan.to_numpy(), axis=0).sum().reindex(years)
                              + exits["pay"].reindex(years) + exits["reclaim_cost"].reindex(years))
        out["安置区成本(万元)"] = (self.opened.reindex(index=st.index.astype(str)).mul(
            st["fixed_cost_wan_yuan"].to_numpy(), axis=0).sum().reindex(years)
            + inp.site_cost_per_household_wan_yuan * h.sum().reindex(years))
        return out.astype(float).round(4) + 0.0

    def costs(self) -> pd.DataFrame:
        """Costs by year (万元): demolition and compensation, reclamation, resettlement sites, total."""
        inp = self.plan.inputs
        years = list(inp.years)
        p = inp.plots
        d = self.demolish.reindex(index=p.index.astype(str))
        led = self.ledger()
        out = pd.DataFrame(index=pd.Index(years, name="年度"))
        out["拆迁补偿(万元)"] = d.mul(p["demolition_cost_wan_yuan"].to_numpy(), axis=0).sum().reindex(years)
        out["复垦费用(万元)"] = d.mul(p["reclamation_cost_wan_yuan"].to_numpy(), axis=0).sum().reindex(years)
        if inp.exits is not None and len(inp.exits):
            exits = self._exit_flows()
            out["宅基地退出补偿(万元)"] = exits["pay"].reindex(years).to_numpy()
            out["复垦费用(万元)"] += exits["reclaim_cost"].reindex(years).to_numpy()
        out["安置区建设(万元)"] = led["安置区成本(万元)"]
        out["合计(万元)"] = out.sum(axis=1)
        out["节余指标收益(万元)"] = (led["节余指标交易收入(万元)"]
                              + led["节余指标本镇使用(亩)"] * inp.town_use_value_wan_per_mu.reindex(years))
        out["净收益(万元)"] = out["节余指标收益(万元)"] - out["合计(万元)"]
        sale_net = (led["节余指标交易收入(万元)"].sum() - out["合计(万元)"].sum())
        out.attrs["farmer_share_wan_yuan"] = max(sale_net, 0.0) * inp.farmer_share
        return out.round(4) + 0.0

    def surplus_by_year(self) -> dict[int, float]:
        """节余指标 used in town by year (亩): pass as ``ReservePlan.from_town(town, linkage_surplus_mu=...)``."""
        use = self.flow("use")
        return {int(y): round(float(v), 6) + 0.0 for y, v in use.items()}

    def supplement_units(self, *, prefix: str = "GG") -> pd.DataFrame:
        """Reclaimed farmland available to the 占补平衡 ledger, one row per reclaimed plot (ids unique).

        Accepted 挂钩 reclamation is one source with four uses, never two at once: 周转指标 returned
        (and 建新 drawn directly from accepted quota), 节余指标 used in town, 节余指标 sold, and what
        is left, offered here as 占补平衡 supplement. The plan's quota uses (the solved flows
        ``repay``, ``direct``, ``use``, ``sell`` over all years) are committed to the accepted plots
        oldest first (year accepted, then id); each unit offers what is left (``area_mu``), with its
        paddy and capacity scaled by the same share. So 18 亩 reclaimed with 10 returned for 建新 and
        8 used in town offers nothing. Units accepted after the plan, or fully committed, are left
        out. ``id`` is ``"{prefix}-{plot id}"``.

        The table is in the supplement-unit format of :func:`landkit.farmland.ledger.unit_table`, so
        ``FarmlandLedger.add_units(result.supplement_units())`` takes it as it is: ``id, source``
        (``linkage_surplus``)``, year, area_mu, capacity_kg, paddy_mu, cost_wan_yuan, divisible, grade,
        note`` plus ``reclaimed_mu, committed_mu`` for the record. The cost to the balance is 0: demolition
        and reclamation are paid by the linkage plan itself (their amount is in the note).
        """
        inp = self.plan.inputs
        plots = self.plots.dropna(subset=["year_accepted"]).sort_values(["year_accepted"]).copy()
        plots = plots.loc[sorted(plots.index, key=lambda u: (int(plots.at[u, "year_accepted"]), str(u)))]
        years = list(inp.years)
        flows = ("repay", "direct", "use", "sell")
        quota_used = float(sum(self.flow(f).reindex(years).fillna(0.0).sum() for f in flows))
        committed = np.zeros(len(plots))
        left = quota_used
        for k, area in enumerate(plots["reclaim_mu"].to_numpy(dtype=float)):
            take = min(area, max(left, 0.0))
            committed[k] = take
            left -= take
        share = np.where(plots["reclaim_mu"] > 0, 1 - committed / plots["reclaim_mu"].to_numpy(dtype=float), 0.0)
        cost = (plots["demolition_cost_wan_yuan"] + plots["reclamation_cost_wan_yuan"]).to_numpy()
        out = pd.DataFrame({
            "id": [f"{prefix}-{u}" for u in plots.index],
            "source": "linkage_surplus",
            "year": plots["year_accepted"].astype(int).to_numpy(),
            "area_mu": plots["reclaim_mu"].to_numpy() * share,
            "capacity_kg": plots["capacity_kg"].to_numpy() * share,
            "paddy_mu": plots["paddy_mu"].to_numpy() * share,
            "cost_wan_yuan": 0.0,
            "divisible": True,
            "grade": plots["grade"].astype(float).to_numpy(),
            "note": [f"增减挂钩复垦 (demolition and reclamation {c:,.1f} 万元 paid by the linkage plan)"
                     for c in cost * share],
            "reclaimed_mu": plots["reclaim_mu"].to_numpy(),
            "committed_mu": committed,
        })
        return out[out["area_mu"] > 1e-9].reset_index(drop=True)

    def kpis(self) -> dict[str, Any]:
        """Headline figures: areas, households, quota, money."""
        led, c = self.ledger(), self.costs()
        return {
            "status": self.status.value,
            "gap": self.gap,
            "objective_wan_yuan": round(self.objective, 2),
            "plots": len(self.plots),
            "villages_relocated": sorted(self.plots["block"].dropna().astype(str).unique()),
            "demolished_mu": round(float(led["拆旧面积(亩)"].sum()), 2),
            "households": round(float(led["拆旧户数(户)"].sum())),
            "accepted_mu": round(float(led["复垦验收(亩)"].sum()), 2),
            "accepted_paddy_mu": round(float(led["其中水田(亩)"].sum()), 2),
            "resettlement_mu": round(float(led["建新安置(亩)"].sum()), 2),
            "borrowed_mu": round(float(led["周转指标借用(亩)"].sum()), 2),
            "surplus_used_mu": round(float(led["节余指标本镇使用(亩)"].sum()), 2),
            "surplus_sold_mu": round(float(led["节余指标交易(亩)"].sum()), 2),
            "surplus_left_mu": round(float(led["节余指标结存(亩)"].iloc[-1]), 2),
            "sale_revenue_wan_yuan": round(float(led["节余指标交易收入(万元)"].sum()), 2),
            "cost_wan_yuan": round(float(c["合计(万元)"].sum()), 2),
            "farmer_share_wan_yuan": round(float(c.attrs["farmer_share_wan_yuan"]), 2),
            "homestead_exit_households": round(float(led.get("宅基地退出(户)", pd.Series(0.0)).sum()), 1),
            "homestead_exit_reclaimed_mu": round(float(led.get("退出宅基地复垦(亩)", pd.Series(0.0)).sum()), 2),
        }

    def summary(self) -> str:
        """A few lines for the notebook or the console."""
        k = self.kpis()
        years = self.plan.inputs.years
        villages = "、".join(k["villages_relocated"]) or "无"
        return (
            f"增减挂钩项目区 {years[0]}–{years[-1]}: {self.outcome.summary()}\n"
            f"  拆旧 {k['plots']} 宗 {k['demolished_mu']:,.1f} 亩, 搬迁 {k['households']} 户 (整村搬迁: {villages})\n"
            f"  复垦验收 {k['accepted_mu']:,.1f} 亩 (水田 {k['accepted_paddy_mu']:,.1f} 亩); 建新安置 "
            f"{k['resettlement_mu']:,.1f} 亩; 周转指标借用 {k['borrowed_mu']:,.1f} 亩\n"
            f"  节余指标: 本镇使用 {k['surplus_used_mu']:,.1f} 亩, 交易 {k['surplus_sold_mu']:,.1f} 亩 "
            f"({k['sale_revenue_wan_yuan']:,.0f} 万元), 结存 {k['surplus_left_mu']:,.1f} 亩; "
            f"成本 {k['cost_wan_yuan']:,.0f} 万元"
        )

    # ------------------------------------------------------------------ geometry and figures
    def plots_gdf(self) -> gpd.GeoDataFrame:
        """The demolished plots with geometry (needs a plan built from a town)."""
        if self.plan.plots_gdf is None:
            raise ArgumentError("this plan was not built from a Town, so it has no geometry")
        p = self.plots
        geom = self.plan.plots_gdf.geometry.reindex(p.index)
        return gpd.GeoDataFrame(p.assign(year_accepted=p["year_accepted"].astype(float)), geometry=geom.values,
                                crs=self.plan.plots_gdf.crs)

    def sites_gdf(self) -> gpd.GeoDataFrame:
        """The opened resettlement sites with geometry (needs a plan built from a town)."""
        if self.plan.sites_gdf is None or "geometry" not in self.plan.sites_gdf:
            raise ArgumentError("this plan's sites have no geometry")
        s = self.sites
        return gpd.GeoDataFrame(s, geometry=self.plan.sites_gdf.geometry.reindex(s.index).values,
                                crs=self.plan.sites_gdf.crs)

    def plot_map(self, *, ax: Any = None) -> Figure:
        """Map: plots demolished by year, resettlement sites, candidates, villages and the town boundary."""
        use_cjk_font()
        town, candidates = self.plan.town, self.plan.plots_gdf
        if town is None or candidates is None:
            raise ArgumentError("this plan was not built from a Town, so there is nothing to map")
        fig, ax = new_axes((11, 9), ax=ax)
        draw_polygons(ax, town.parcels.geometry, facecolor="#eeeeee", linewidth=0.05, edgecolor="#cccccc")
        handles: list[Any] = []
        candidates.plot(ax=ax, color="#d9c9a3", linewidth=0.1, edgecolor="#999999")
        handles.append(Patch(facecolor="#d9c9a3", edgecolor="#999999", label="拆旧候选地块"))
        if self.plan.sites_gdf is not None and "geometry" in self.plan.sites_gdf:
            self.plan.sites_gdf.plot(ax=ax, facecolor="none", edgecolor="#1f77b4", linewidth=0.6, linestyle=":")
            handles.append(Patch(facecolor="none", edgecolor="#1f77b4", linestyle=":", label="候选安置区"))
        gdf = self.plots_gdf()
        years = self.plan.inputs.years
        cmap = mpl.colormaps["autumn"].resampled(max(len(years), 2))
        for k, year in enumerate(years):
            part = gdf[gdf["year_demolished"] == year]
            if len(part):
                part.plot(ax=ax, color=cmap(k), linewidth=0.2, edgecolor="black")
                handles.append(Patch(facecolor=cmap(k), edgecolor="black",
                                     label=f"{year} 年拆旧 ({part['area_mu'].sum():,.0f} 亩, "
                                           f"{int(part['households'].sum())} 户)"))
        if len(self.sites):
            sg = self.sites_gdf()
            sg.plot(ax=ax, color="#1f77b4", alpha=0.6, edgecolor="#0b3d91", linewidth=0.8)
            handles.append(Patch(facecolor="#1f77b4", alpha=0.6, edgecolor="#0b3d91",
                                 label=f"建新安置区 ({int(sg['households'].sum())} 户)"))
        boundary = town.layers.get("XZQ")
        if boundary is not None:
            boundary.boundary.plot(ax=ax, color="black", linewidth=1.0)
            handles.append(Patch(facecolor="none", edgecolor="black", label="镇界"))
        czk = town.layers.get("CZKFBJ")
        if czk is not None:
            czk.boundary.plot(ax=ax, color="#d62728", linewidth=0.8, linestyle="--")
            handles.append(Line2D([], [], color="#d62728", linestyle="--", label="城镇开发边界"))
        villages = town.layers.get("villages")
        if villages is not None:
            for geom, name in zip(villages.geometry, villages["ZLDWMC"], strict=True):
                ax.annotate(str(name), (geom.x, geom.y), fontsize=6, ha="center", va="center", color="#333333")
        kinds = ", ".join(f"{KIND_LABELS.get(k, k)} {n} 宗" for k, n in gdf["kind"].value_counts().items())
        finish_map(ax, title=f"{town.name} 增减挂钩项目区 (拆旧按年度; {kinds})", legend_handles=handles,
                   legend_title="图例", crs_label=town.crs.to_string())
        return fig

    def plot_ledger(self, *, ax: Any = None) -> Figure:
        """Chart of the ledger by year: accepted reclamation, 建新, outstanding 周转指标 and surplus stock (亩)."""
        use_cjk_font()
        led = self.ledger()
        fig, ax = new_axes((9, 5), ax=ax)
        years = led.index.astype(str)
        width = 0.38
        pos = np.arange(len(years))
        ax.bar(pos - width / 2, led["复垦验收(亩)"], width, label="复垦验收", color="#2ca02c")
        ax.bar(pos + width / 2, led["建新安置(亩)"], width, label="建新安置", color="#1f77b4")
        ax.plot(pos, led["周转指标余额(亩)"], "r--s", label="周转指标余额 (未归还)")
        ax.plot(pos, (led["节余指标本镇使用(亩)"] + led["节余指标交易(亩)"]).cumsum(), "k-o",
                label="节余指标累计 (本镇使用 + 交易)")
        ax.set_xticks(pos, years)
        ax.set_xlabel("年度")
        ax.set_ylabel("亩")
        ax.set_title("增减挂钩台账 (周转指标须在 3 年内以验收复垦归还)")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return fig


__all__ = ["LinkageResult"]
