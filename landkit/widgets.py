"""Interactive panels for the notebooks: controls that re-solve a model and redraw its results.

Panels are glue only: every number comes from the model's own API (:mod:`landkit.reserve`), and
every label is Chinese with its unit. A panel shows its solve's status honestly (optimal within the
gap, or the best plan found within the interactive time limit and its proven gap). A running solve
is stopped by the notebook's interrupt button (■): the solver runs in a worker process that is
ended with the kernel's KeyboardInterrupt.

Example (in a notebook)::

    import landkit
    from landkit.widgets import ReservePanel

    panel = ReservePanel(landkit.load_sample())
    panel          # sliders for funds, debt ceiling, discount rate and price change; KPIs; map; cash flow
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as w
from IPython.display import display

from landkit.reserve import ReservePlan, ReserveResult

_STYLE = {"description_width": "11em"}
_LAYOUT = w.Layout(width="34em")


class ReservePanel:
    """Funds, debt ceiling, discount rate and price change for the 土地收储 plan.

    Moving a slider re-solves the plan (with ``time_limit_s`` and ``mip_gap`` chosen for interactive
    use) and redraws the KPIs, the map by acquisition year and the 资金平衡表.

    Parameters
    ----------
    town : Town
        The town (its parameters give the starting values of the sliders).
    time_limit_s : float
        Wall-clock limit of each interactive solve; the status line says when it was reached.
    mip_gap : float
        Relative gap at which an interactive solve stops.
    solve_on_start : bool
        Solve once when the panel is created.

    Attributes
    ----------
    result : ReserveResult or None
        The latest result.
    timings_s : list of float
        Seconds of each re-solve and redraw (for the benchmark of interactive speed).
    """

    def __init__(self, town: Any, *, time_limit_s: float = 10.0, mip_gap: float = 0.02,
                 solve_on_start: bool = True) -> None:
        self.town = town
        self.time_limit_s = time_limit_s
        self.mip_gap = mip_gap
        p = town.params
        self.funds = w.FloatSlider(
            value=float(p["funds.county_special_funds"]), min=0.0, max=6000.0, step=100.0,
            description="财政专项资金(万元/年)", continuous_update=False, style=_STYLE, layout=_LAYOUT,
            readout_format=",.0f",
        )
        self.debt_ceiling = w.FloatSlider(
            value=float(p["financing.company_debt_ceiling"]), min=0.0, max=30000.0, step=500.0,
            description="融资公司债务上限(万元)", continuous_update=False, style=_STYLE, layout=_LAYOUT,
            readout_format=",.0f",
        )
        self.discount = w.FloatSlider(
            value=float(p["reserve.discount_rate"]), min=0.0, max=0.12, step=0.005,
            description="折现率", continuous_update=False, style=_STYLE, layout=_LAYOUT, readout_format=".1%",
        )
        self.price_change = w.FloatSlider(
            value=0.0, min=-0.5, max=0.5, step=0.05, description="出让价格变化", continuous_update=False,
            style=_STYLE, layout=_LAYOUT, readout_format="+.0%",
        )
        self.status = w.HTML(value="", layout=w.Layout(margin="4px 0"))
        self.kpi = w.HTML(value="")
        self.map_out = w.Output(layout=w.Layout(width="62%"))
        self.map_out.add_class("landkit-panel-map")
        self.table_out = w.Output(layout=w.Layout(width="38%"))
        self.controls = (self.funds, self.debt_ceiling, self.discount, self.price_change)
        for control, css in zip(self.controls, ("funds", "debt", "discount", "price"), strict=True):
            control.add_class(f"landkit-{css}")  # stable handles for the browser test
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.widget = w.VBox(
            [
                w.HTML("<b>土地收储计划 · 交互面板</b> (移动滑块即重新求解 · move a slider to re-solve)"),
                w.VBox(list(self.controls)),
                self.status,
                self.kpi,
                w.HBox([self.map_out, self.table_out]),
            ]
        )
        self.widget.add_class("landkit-panel")
        self.result: ReserveResult | None = None
        self.timings_s: list[float] = []
        if solve_on_start:
            self.update()

    # ------------------------------------------------------------------ model glue
    def plan(self) -> ReservePlan:
        """The plan the controls describe (parameters overridden with provenance 'widget')."""
        params = self.town.params.with_overrides(
            {
                "funds.county_special_funds": float(self.funds.value),
                "financing.company_debt_ceiling": float(self.debt_ceiling.value),
                "reserve.discount_rate": float(self.discount.value),
            },
            source="ReservePanel slider",
        )
        return ReservePlan.from_town(self.town.with_params(params), price_change=float(self.price_change.value))

    def update(self) -> ReserveResult | None:
        """Re-solve with the current control values and redraw; returns the result (None if infeasible)."""
        from landkit._errors import InfeasibleError

        t0 = time.perf_counter()
        self.status.value = "<span style='color:#b36b00'>求解中… solving</span>"
        for control in self.controls:
            control.disabled = True
        try:
            result = self.plan().solve(time_limit_s=self.time_limit_s, mip_gap=self.mip_gap)
        except InfeasibleError as exc:
            self.result = None
            self.status.value = f"<span style='color:#c00'>无可行方案 · infeasible: {html.escape(str(exc))}</span>"
            self.kpi.value = ""
            return None
        finally:
            for control in self.controls:
                control.disabled = False
        self.result = result
        self._redraw(result)
        elapsed = time.perf_counter() - t0
        self.timings_s.append(elapsed)
        gap = f", 差距 gap {result.gap:.2%}" if result.gap is not None else ""
        self.status.value = (
            f"<span class='landkit-status'>状态 status: {result.status.value}{gap} · "
            f"{elapsed:.1f} s (limit {self.time_limit_s:g} s)</span>"
        )
        return result

    def _on_change(self, change: dict[str, Any]) -> None:
        self.update()

    def _redraw(self, result: ReserveResult) -> None:
        k = result.kpis()
        self.kpi.value = (
            "<table style='font-size:110%'>"
            f"<tr><td>净现值 NPV</td><td class='landkit-npv'><b>{k['npv_wan_yuan']:,.0f}</b></td><td>万元</td></tr>"
            f"<tr><td>收储面积</td><td class='landkit-acquired'>{k['acquired_mu']:,.1f}</td><td>亩</td></tr>"
            f"<tr><td>搬迁户数</td><td>{k['households']:,}</td><td>户</td></tr>"
            f"<tr><td>占用耕地</td><td>{k['farmland_mu']:,.1f}</td><td>亩</td></tr>"
            f"<tr><td>需求缺口</td><td>{k['shortfall_mu']:,.1f}</td><td>亩</td></tr>"
            f"<tr><td>最高负债</td><td>{k['max_debt_wan_yuan']:,.0f}</td><td>万元</td></tr>"
            "</table>"
        )
        self.map_out.clear_output(wait=True)
        with self.map_out:
            display(result.plot_map())
        self.table_out.clear_output(wait=True)
        with self.table_out:
            display(result.cashflow()[["财政专项资金(万元)", "出让收入返还(万元)", "征收补偿(万元)", "年末余额(万元)",
                                       "年末债务(万元)"]])

    def _ipython_display_(self) -> None:
        display(self.widget)
