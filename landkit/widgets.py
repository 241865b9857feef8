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
import json
import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as w
import linopy
import pandas as pd
from IPython.display import display
from matplotlib.figure import Figure

from landkit._errors import LandkitError, Problem, ValidationError
from landkit.corridor import TourismCorridor
from landkit.corridor.resistance import FACTOR_LABELS as CORRIDOR_FACTOR_LABELS
from landkit.corridor.resistance import FACTORS as CORRIDOR_FACTORS
from landkit.glossary import status_text
from landkit.optimize import SolveSession
from landkit.report import cell_text
from landkit.reserve import ReservePlan, ReserveResult
from landkit.reserve.rebuild import update_in_place
from landkit.scenario.compare import compare_runs, plot_comparison_pareto
from landkit.siting.parks import PARK_LABELS, ParkSpec, site_parks
from landkit.siting.rules import criteria_weights, default_area_mu
from landkit.suitability import FACTOR_LABELS as SUITABILITY_FACTOR_LABELS
from landkit.town import Town

_STYLE = {"description_width": "11em"}
#: HiGHS options of the reserve panel's re-solves. Its root reduced-cost heuristic is off: on the sample town's
#: funds moves (2 % gap, previous plan as start) it cost 0.6-0.8 s of a 1.9-2.5 s solve and its plans were
#: within the gap anyway (2026-12-08, load 3.5, see docs/performance.md). The gap, checks and bound are unchanged.
PANEL_HIGHS_OPTIONS: dict[str, object] = {"mip_heuristic_run_root_reduced_cost": False}
_LAYOUT = w.Layout(width="34em")


class _Panel:
    """What every panel shares: its box of widgets, a re-solve on every control change, timings, display."""

    widget: w.VBox
    timings_s: list[float]

    def _assemble(self, title: str, children: Sequence[Any], css_class: str, solve_on_start: bool) -> None:
        """Put the title and ``children`` in the panel's box, tag it for the browser test and maybe solve."""
        self.widget = w.VBox([w.HTML(title), *children])
        self.widget.add_class(css_class)
        self.timings_s = []
        if solve_on_start:
            self.update()

    def update(self) -> Any:
        """Re-solve with the current controls and redraw (each panel says what it returns)."""
        raise NotImplementedError

    def _on_change(self, change: dict[str, Any]) -> None:
        self.update()

    def _ipython_display_(self) -> None:
        display(self.widget)


#: A text column whose longest value has more characters than this may wrap (in a column 16em wide); every
#: other cell keeps to one line, and the table's box scrolls when the table is wider than the panel.
WRAP_ABOVE_CHARS = 16


def _readable(frame: pd.DataFrame) -> Any:
    """A table as a panel shows it: short cells on one line, headings wrapped in columns at least 4.5em wide
    (nothing broken a character per line), long texts wrapped in a column of readable width, numbers as the
    reports write them (:func:`landkit.report.cell_text`: years as 2019, others grouped, whole numbers without
    decimals). A table with repeated column names is shown as it is."""
    if not frame.columns.is_unique or isinstance(frame.columns, pd.MultiIndex):
        return frame
    styler = frame.style.set_table_styles([{"selector": "td", "props": "white-space: nowrap"},
                                           {"selector": "th", "props": "white-space: normal; min-width: 4.5em"}])
    for c in frame.columns:
        styler = styler.format(cell_text(frame[c]), subset=[c])
    if isinstance(frame.index, pd.RangeIndex):
        styler = styler.hide(axis="index")
    long = [c for c in frame.columns if frame[c].dtype == object
            and frame[c].map(lambda v: len(str(v))).max() > WRAP_ABOVE_CHARS] if len(frame) else []
    if long:
        styler = styler.set_properties(subset=long, **{"white-space": "normal", "min-width": "16em"})
    return styler


#: Smallest legend text (pt) of a panel's figure: a map drawn for print is shrunk to the panel's width.
PANEL_LEGEND_PT = 11.0


def _legible(fig: Any) -> Any:
    """A figure with its legends' text at least :data:`PANEL_LEGEND_PT` (readable at the panel's size)."""
    legends = [ax.get_legend() for ax in fig.axes] + list(getattr(fig, "legends", []))
    for leg in legends:
        if leg is None:
            continue
        for t in [*leg.get_texts(), leg.get_title()]:
            t.set_fontsize(max(float(t.get_fontsize()), PANEL_LEGEND_PT))
    return fig


def _show(out: w.Output, *items: Any) -> None:
    """Replace what an output area shows with ``items`` (tables via :func:`_readable`, figures via
    :func:`_legible`)."""
    out.clear_output(wait=True)
    with out:
        for item in items:
            if isinstance(item, pd.DataFrame):
                item = _readable(item)
            elif isinstance(item, Figure):
                item = _legible(item)
            display(item)


class ReservePanel(_Panel):
    """Funds, debt ceiling, discount rate and price change for the 土地收储 plan.

    Moving a slider re-solves the plan (with ``time_limit_s`` and ``mip_gap`` chosen for interactive
    use) and redraws the KPIs, the map by acquisition year and the 资金平衡表. Each re-solve starts
    from the previous plan (a MIP start, see :meth:`ReservePlan.solve`): same limit, same gap, same
    checks; the status line shows the solver's own status and proven gap either way. The HiGHS model is
    kept between re-solves in :attr:`session` (:class:`landkit.optimize.SolveSession`): a slider move
    changes only the right-hand sides, bounds and coefficients it moves. A move of the funds or the debt
    ceiling also skips the linopy build: the last model's right-hand sides are changed in place
    (:func:`landkit.reserve.rebuild.update_in_place`), so the previous result's ``outcome.model`` is that
    same object, now describing the new plan (its solution values are kept in the result).

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
    warm_start : bool
        Start each re-solve from the previous plan (False: every solve starts cold).

    Attributes
    ----------
    result : ReserveResult or None
        The latest result.
    timings_s : list of float
        Seconds of each re-solve and redraw (for the benchmark of interactive speed).
    session : SolveSession
        The HiGHS model kept between re-solves (its ``last_update`` says what the last slider move changed).
    """

    def __init__(self, town: Town, *, time_limit_s: float = 10.0, mip_gap: float = 0.02,
                 solve_on_start: bool = True, warm_start: bool = True) -> None:
        self.town = town
        self.time_limit_s = time_limit_s
        self.mip_gap = mip_gap
        self.warm_start = warm_start
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
        self.table_out = w.Output(layout=w.Layout(width="38%", overflow="auto"))
        self.table_out.add_class("landkit-panel-table")
        self.controls = (self.funds, self.debt_ceiling, self.discount, self.price_change)
        for control, css in zip(self.controls, ("funds", "debt", "discount", "price"), strict=True):
            control.add_class(f"landkit-{css}")  # stable handles for the browser test
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.result: ReserveResult | None = None
        #: The HiGHS model kept between re-solves: a slider move changes only its entries (started now, so the
        #: worker's start-up is not in the first solve).
        self.session = SolveSession(options=PANEL_HIGHS_OPTIONS).start()
        #: The plan of the last solve and its linopy model, changed in place by the next funds or debt-ceiling move.
        self._kept: tuple[ReservePlan, linopy.Model] | None = None
        self._assemble("<b>土地收储计划 · 交互面板</b> (移动滑块即重新求解 · move a slider to re-solve)",
                       [w.VBox(list(self.controls)), self.status, self.kpi, w.HBox([self.map_out, self.table_out])],
                       "landkit-panel", solve_on_start)

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

    def _kept_model(self, plan: ReservePlan) -> linopy.Model | None:
        """The last solve's model changed in place into ``plan``'s when only the funds or the debt ceiling moved
        (:func:`landkit.reserve.rebuild.update_in_place`: right-hand sides, no linopy rebuild); None: build afresh."""
        kept, self._kept = self._kept, None  # a failed solve leaves no model to change
        if kept is None or update_in_place(kept[1], kept[0], plan) is None:
            return None
        self._kept = (plan, kept[1])  # it now describes this plan, whatever the solve does
        return kept[1]

    def update(self) -> ReserveResult | None:
        """Re-solve with the current control values and redraw; returns the result (None if infeasible)."""
        t0 = time.perf_counter()
        with _busy(self.status, self.controls, None, "无可行方案或无法求解 · infeasible or not solved") as attempt:
            plan = self.plan()
            result = plan.solve(time_limit_s=self.time_limit_s, mip_gap=self.mip_gap,
                                warm_start=self.result if self.warm_start else None, session=self.session,
                                model=self._kept_model(plan))
            self._kept = (plan, result.outcome.model)
        if attempt.error is not None:
            self.result = None
            self.kpi.value = ""
            return None
        self.result = result
        self._redraw(result)
        elapsed = time.perf_counter() - t0
        self.timings_s.append(elapsed)
        self.status.value = (
            f"<span class='landkit-status'>状态：{status_text(result.status.value, result.gap)} · "
            f"{elapsed:.1f} s (limit {self.time_limit_s:g} s)</span>"
            "<br><span class='landkit-why-differ' style='color:#666'>本面板只求解土地收储, 供快速比较: 不含增减挂钩节余"
            "指标和廊道、园区等其他模型的占地, 求解差距上限 "
            f"{self.mip_gap * 100:g}%。情景报告 (landkit run) 把这些一并求解, 其数字与本面板不同属正常, "
            "以情景报告为准。</span>"
        )
        return result

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
        _show(self.map_out, result.plot_map())
        _show(self.table_out, result.cashflow()[["财政专项资金(万元)", "出让收入返还(万元)", "征收补偿(万元)",
                                                 "年末余额(万元)", "年末债务(万元)"]])

# ============================================================================ shared glue of the newer panels
#: Saaty's 1/9..9 scale as (label, value) options of a selection slider.
SAATY_SCALE: tuple[tuple[str, float], ...] = tuple(
    [(f"1/{k}", 1.0 / k) for k in range(9, 1, -1)] + [(str(k), float(k)) for k in range(1, 10)]
)


def _snap_saaty(value: float) -> float:
    """The Saaty scale value nearest to ``value`` on a log scale (1/3 stored as 0.3333333333 → 1/3)."""
    v = float(value)
    if not v > 0:
        return 1.0
    return min((s for _, s in SAATY_SCALE), key=lambda s: abs(math.log(s) - math.log(v)))


def _problems_html(exc: Any) -> str:
    """The problems of a ValidationError (or any exception) as escaped HTML lines."""
    problems = getattr(exc, "problems", None)
    if not problems:
        return html.escape(str(exc)).replace("\n", "<br>")
    lines = []
    for p in problems:
        hint = f" — {p.hint}" if getattr(p, "hint", "") else ""
        lines.append(html.escape(f"{p.where}: {p.reason}{hint}"))
    return "<br>".join(lines)


class _Progress:
    """A progress bar and a label: which step of a re-solve is running (the kernel is busy meanwhile)."""

    def __init__(self, steps: int) -> None:
        self.bar = w.IntProgress(value=0, min=0, max=steps, description="进度", style={"description_width": "3em"},
                                 layout=w.Layout(width="16em"))
        self.label = w.Label("就绪 ready")
        self.widget = w.HBox([self.bar, self.label])
        self.widget.add_class("landkit-progress")

    def at(self, step: int, text: str) -> None:
        """Show that step ``step`` (0-based) is running."""
        self.bar.bar_style = "info"
        self.bar.value = min(step, self.bar.max)
        self.label.value = text

    def done(self, text: str, *, ok: bool = True) -> None:
        """Show the end of a re-solve (green when it produced a result, red otherwise)."""
        self.bar.value = self.bar.max
        self.bar.bar_style = "success" if ok else "danger"
        self.label.value = text


class _Attempt:
    """What :func:`_busy` saw: the landkit error that ended the attempt, if any."""

    error: Exception | None = None


@contextmanager
def _busy(status: w.HTML, controls: Sequence[Any], progress: _Progress | None, failed: str) -> Iterator[_Attempt]:
    """One re-solve of a panel: controls disabled and "solving" shown while it runs; a landkit error shown
    in the status line as ``failed: …`` (and kept in the attempt, not raised); an interrupt (■) shown
    and passed on; each control's enabled state restored whatever happens (one that was off stays off)."""
    attempt = _Attempt()
    status.value = "<span style='color:#b36b00'>求解中… solving</span>"
    was_disabled = [control.disabled for control in controls]  # a control off before stays off after
    for control in controls:
        control.disabled = True
    try:
        yield attempt
    except KeyboardInterrupt:
        status.value = "<span class='landkit-status' style='color:#c00'>已中断 · interrupted</span>"
        if progress is not None:
            progress.done("已中断 interrupted", ok=False)
        raise
    except LandkitError as exc:
        attempt.error = exc
        status.value = f"<span class='landkit-status' style='color:#c00'>{failed}: {_problems_html(exc)}</span>"
        if progress is not None:
            progress.done("失败 failed", ok=False)
    finally:
        for control, disabled in zip(controls, was_disabled, strict=True):
            control.disabled = disabled


def _solve_status(status: Any, gap: float | None, elapsed: float, limit: float, *, extra: str = "") -> str:
    """An honest status line: the solver's own status, the proven gap, the time and the limit."""
    state = str(getattr(status, "value", status))
    meaning = {"optimal": "最优 (差距在容许范围内)", "feasible": "可行, 未证明最优 (达到时间上限)",
               "infeasible": "无可行解", "time_limit_no_solution": "时间上限内未找到可行解"}.get(state, state)
    gap_txt = f", 已证明差距 proven gap {gap:.2%}" if gap is not None and gap == gap else ""
    colour = "#1a7f37" if state == "optimal" else ("#b36b00" if state == "feasible" else "#c00")
    return (f"<span class='landkit-status' style='color:{colour}'>状态 status: {html.escape(state)} "
            f"({meaning}){gap_txt} · {elapsed:.1f} s (limit {limit:g} s){extra}</span>")


def _kpi_table(rows: list[tuple[str, str, str, str]]) -> str:
    """HTML table of (label, css class, value, unit)."""
    body = "".join(f"<tr><td>{html.escape(label)}</td><td class='{css}'><b>{html.escape(value)}</b></td>"
                   f"<td>{html.escape(unit)}</td></tr>" for label, css, value, unit in rows)
    return f"<table style='font-size:110%'>{body}</table>"


# ============================================================================ siting
class SitingPanel(_Panel):
    """AHP judgements, buffer distance and area for siting one industrial park (化工园区 or 木业集群).

    One selection slider per pair of suitability factors (``siting.suitability_factors``) on Saaty's
    1/9–9 scale: a value above 1 means the left factor is more important. Changing a control
    re-computes the suitability surface and re-sites the park with :func:`landkit.siting.site_parks`
    (a short time limit; the status line gives the solver's status and the proven gap), then redraws
    the map and the site summary. A judgement matrix with consistency ratio CR ≥ 0.1 is refused: the
    panel shows the CR message and keeps the previous result, marked as such.

    Parameters
    ----------
    town : Town
        The town (its parameters give the factors, the starting judgements and the buffer).
    park : {"chemical", "wood"}
        Which park; the buffer from housing and schools applies to the chemical park only.
    area_mu : float, optional
        Starting area (亩); default the planned size (``siting.chemical_park_area``, 3.05 km² =
        4,575 亩, or ``siting.wood_cluster_area``).
    name : str, optional
        Site name on the map and in the table.
    time_limit_s : float
        Wall-clock limit of each interactive siting.
    mip_gap : float
        Relative gap at which the search stops.
    solve_on_start : bool
        Site once when the panel is created.

    Attributes
    ----------
    result : ParkSiting or None
        The latest siting (None before the first one, or when it failed).
    factors : list of str
        The suitability factors, in matrix order.
    judgements : dict of (int, int) to SelectionSlider
        The slider of :math:`a_{ij}`, :math:`i < j`.
    timings_s : list of float
        Seconds of each re-site and redraw.
    """

    def __init__(self, town: Town, *, park: str = "chemical", area_mu: float | None = None, name: str | None = None,
                 time_limit_s: float = 10.0, mip_gap: float = 0.02, solve_on_start: bool = True) -> None:
        if park not in PARK_LABELS:
            raise ValidationError("SitingPanel", [Problem("park", f"{park!r}", "use 'chemical' or 'wood'", "bad_park")])
        self.town = town
        self.park = park
        self.time_limit_s = time_limit_s
        self.mip_gap = mip_gap
        self.name = name or PARK_LABELS[park]
        p = town.params
        self.factors: list[str] = [str(f) for f in p["siting.suitability_factors"]]
        start = p["siting.suitability_ahp"]
        if park == "chemical":  # start from the judgements the provincial five criteria imply: a_ij = w_i / w_j
            cw = criteria_weights(p, self.factors)
            start = [[(cw[a] / cw[b] if cw[a] > 0 else 1 / 9) if cw[b] > 0 else 9.0 for b in self.factors]
                     for a in self.factors]
        self.judgements: dict[tuple[int, int], w.SelectionSlider] = {}
        n = len(self.factors)
        for i in range(n):
            for j in range(i + 1, n):
                s = w.SelectionSlider(
                    options=list(SAATY_SCALE), value=_snap_saaty(start[i][j]), continuous_update=False,
                    description=f"{SUITABILITY_FACTOR_LABELS.get(self.factors[i], self.factors[i])} : "
                                f"{SUITABILITY_FACTOR_LABELS.get(self.factors[j], self.factors[j])}",
                    style={"description_width": "10em"}, layout=w.Layout(width="24em"),
                )
                s.add_class("landkit-ahp")
                self.judgements[(i, j)] = s
        if area_mu is None:
            area_mu = default_area_mu(park, p)
        self.area = w.FloatSlider(
            value=float(area_mu), min=100.0, max=max(5000.0, float(area_mu)), step=50.0,
            description="园区面积(亩)", continuous_update=False, style=_STYLE, layout=_LAYOUT, readout_format=",.0f",
        )
        self.area.add_class("landkit-area")
        self.buffer = w.FloatSlider(
            value=float(p["siting.chemical_buffer_housing"]), min=0.0, max=600.0, step=25.0,
            description="住宅/学校防护距离(m)", continuous_update=False, style=_STYLE, layout=_LAYOUT,
            readout_format=".0f", disabled=park != "chemical",
        )
        self.buffer.add_class("landkit-buffer")
        self.controls: tuple[w.ValueWidget, ...] = (*self.judgements.values(), self.area, self.buffer)
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self._hold = False
        self.progress = _Progress(2)
        self.status = w.HTML(value="", layout=w.Layout(margin="4px 0"))
        self.consistency = w.HTML(value="")
        self.kpi = w.HTML(value="")
        self.map_out = w.Output(layout=w.Layout(width="62%"))
        self.map_out.add_class("landkit-siting-map")
        self.table_out = w.Output(layout=w.Layout(width="38%", overflow="auto"))
        grid = w.GridBox(list(self.judgements.values()),
                         layout=w.Layout(grid_template_columns="repeat(3, 25em)"))
        self.result: Any = None
        self._assemble(
            f"<b>{PARK_LABELS[park]}选址 · 交互面板</b> (移动滑块即重新计算适宜性并选址 · move a slider to re-site)",
            [w.HTML("AHP 两两比较判断 (Saaty 1/9–9 标度; 大于 1 表示左侧因子更重要 · "
                    "above 1: the left factor matters more)"),
             grid, w.VBox([self.area, self.buffer]), self.progress.widget, self.status, self.consistency, self.kpi,
             w.HBox([self.map_out, self.table_out])],
            "landkit-siting-panel", solve_on_start)

    # ------------------------------------------------------------------ model glue
    def matrix(self) -> list[list[float]]:
        """The pairwise matrix the sliders describe (:math:`a_{ii} = 1`, :math:`a_{ji} = 1/a_{ij}`)."""
        n = len(self.factors)
        a = [[1.0] * n for _ in range(n)]
        for (i, j), s in self.judgements.items():
            a[i][j] = float(s.value)
            a[j][i] = 1.0 / float(s.value)
        return a

    def set_matrix(self, matrix: Any, *, update: bool = True) -> None:
        """Set every judgement from an n × n matrix (upper triangle, snapped to Saaty's scale), re-siting once."""
        self._hold = True
        try:
            for (i, j), s in self.judgements.items():
                s.value = _snap_saaty(matrix[i][j])
        finally:
            self._hold = False
        if update:
            self.update()

    def update(self) -> Any:
        """Re-site with the current controls and redraw; returns the ParkSiting (None when refused or failed)."""
        t0 = time.perf_counter()
        self.progress.at(0, "计算适宜性并选址… suitability and siting")
        refused: ValidationError | None = None
        with _busy(self.status, self.controls, self.progress, "选址失败 · failed") as attempt:
            try:
                result = site_parks(self.town, [ParkSpec(self.name, self.park, float(self.area.value))],
                                    ahp_matrix=self.matrix(),
                                    buffer_m=float(self.buffer.value) if self.park == "chemical" else None,
                                    time_limit_s=self.time_limit_s, mip_gap=self.mip_gap)
            except ValidationError as exc:  # bad judgements or inputs: refused, the previous result stays
                refused = exc
        if attempt.error is not None:
            return None
        if refused is not None:
            inconsistent = any(p.kind == "inconsistent" for p in refused.problems)
            head = ("AHP 判断矩阵不一致, 拒绝计算 · inconsistent judgements refused (CR ≥ 0.1)" if inconsistent
                    else "输入有误 · invalid input")
            self.consistency.value = (f"<div class='landkit-cr-error' style='color:#c00'><b>{head}</b><br>"
                                      f"{_problems_html(refused)}</div>")
            stale = " 下方地图与表格仍为上一次的结果 (the map and table below are the previous result)." \
                if self.result is not None else ""
            self.status.value = (f"<span class='landkit-status' style='color:#c00'>未重新选址 · not re-sited."
                                 f"{stale}</span>")
            self.progress.done("已拒绝 refused", ok=False)
            return None
        self.progress.at(1, "绘图… drawing")
        self.result = result
        self._redraw(result)
        elapsed = time.perf_counter() - t0
        self.timings_s.append(elapsed)
        res = result.solve
        self.status.value = _solve_status(res.status, res.gap, elapsed, self.time_limit_s,
                                          extra=f" · {res.iterations} 次求解, {res.cuts} 条连通割")
        self.progress.done(f"完成 done ({elapsed:.1f} s)", ok=bool(result.parcels is not None and len(result.parcels)))
        return result

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._hold:
            self.update()

    def _redraw(self, result: Any) -> None:
        suit = result.suitability[self.park]
        cells = "".join(f"<td>{html.escape(SUITABILITY_FACTOR_LABELS.get(f, f))} {wt:.1%}</td>"
                        for f, wt in suit.weights.items())
        self.consistency.value = (
            f"<div>一致性比率 <span class='landkit-cr'>CR = {suit.consistency_ratio:.3f}</span> &lt; 0.1 ✓ · "
            f"因子权重 weights: <table style='display:inline-table'><tr>{cells}</tr></table></div>"
        )
        s = result.summary().iloc[0]
        self.kpi.value = _kpi_table([
            ("选址面积", "landkit-site-area", f"{s['面积(亩)']:,.1f}", f"亩 (目标 {s['目标面积(亩)']:,.0f} 亩)"),
            ("平均适宜性", "landkit-site-score", f"{s['平均适宜性']:.1f}", "分 (0–100)"),
            ("征收成本", "landkit-site-cost", f"{s['征收成本(万元)']:,.1f}", "万元"),
            ("涉及户数", "landkit-site-households", f"{int(s['涉及户数']):,}", "户"),
            ("占用耕地", "landkit-site-farmland", f"{s['占用耕地(亩)']:,.2f}", "亩"),
            ("周长", "landkit-site-perimeter", f"{s['周长(m)']:,.0f}", "m"),
        ])
        _show(self.map_out, result.plot(self.park))
        _show(self.table_out, result.summary().set_index("名称").T, result.score_breakdown())

# ============================================================================ corridor
class CorridorPanel(_Panel):
    """Resistance weights, ordering criterion and start site for the 文化旅游大动脉.

    One slider per factor of :func:`landkit.corridor.resistance_surface` (坡度, 土地利用, 生态保护红线,
    耕地等别, 永久基本农田). The sliders give relative importance; they are rescaled to shares summing
    to 1 (shown) before the surface is rebuilt. Changing a weight rebuilds the surface and the
    least-cost paths; changing the criterion or the start only re-solves the order (exact path TSP,
    :meth:`TourismCorridor.best_order`). The map shows the route; the table its segments.

    Parameters
    ----------
    town : Town
        The town (layer ``sites``; ``corridor.resistance_weights`` give the starting weights).
    start : str, optional
        Site the route starts from (default: any).
    neighbours : {8, 16}
        Moves of the least-cost paths.
    time_limit_s : float
        Wall-clock limit of the ordering MILP.
    solve_on_start : bool
        Route once when the panel is created.

    Attributes
    ----------
    corridor : TourismCorridor or None
        The corridor of the current weights.
    choice : RouteChoice or None
    route : Route or None
    timings_s : list of float
        Seconds of each re-route and redraw.
    """

    def __init__(self, town: Town, *, start: str | None = None, neighbours: int = 8, time_limit_s: float = 10.0,
                 solve_on_start: bool = True) -> None:
        self.town = town
        self.neighbours = neighbours
        self.time_limit_s = time_limit_s
        p = town.params
        start_w = p["corridor.resistance_weights"]
        self.weights: dict[str, w.FloatSlider] = {}
        for f in CORRIDOR_FACTORS:
            s = w.FloatSlider(value=float(start_w[f]), min=0.0, max=1.0, step=0.05,
                              description=f"{CORRIDOR_FACTOR_LABELS[f]} 权重", continuous_update=False, style=_STYLE,
                              layout=_LAYOUT, readout_format=".2f")
            s.add_class(f"landkit-w-{f}")
            self.weights[f] = s
        self.by = w.Dropdown(options=[("累积阻力 (分·m)", "resistance"), ("线路长度 (m)", "length_m"),
                                      ("建设费用 (万元)", "build_cost_wan_yuan")], value="resistance",
                             description="排序依据", style=_STYLE, layout=_LAYOUT)
        names = [str(n) for n in town.layer("sites")["name"]]
        self.start = w.Dropdown(options=[("不限 any", None)] + [(n, n) for n in names], value=start,
                                description="起点", style=_STYLE, layout=_LAYOUT)
        self.controls: tuple[w.ValueWidget, ...] = (*self.weights.values(), self.by, self.start)
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.progress = _Progress(3)
        self.shares = w.HTML(value="")
        self.status = w.HTML(value="", layout=w.Layout(margin="4px 0"))
        self.kpi = w.HTML(value="")
        self.map_out = w.Output(layout=w.Layout(width="58%"))
        self.map_out.add_class("landkit-corridor-map")
        self.table_out = w.Output(layout=w.Layout(width="42%", overflow="auto"))
        self.corridor: Any = None
        self._corridor_key: tuple[float, ...] | None = None
        self.choice: Any = None
        self.route: Any = None
        self._assemble(
            "<b>文化旅游大动脉选线 · 交互面板</b> (移动滑块即重新计算阻力面与线路 · move a slider to re-route)",
            [w.VBox(list(self.weights.values())), self.shares, w.HBox([self.by, self.start]), self.progress.widget,
             self.status, self.kpi, w.HBox([self.map_out, self.table_out])],
            "landkit-corridor-panel", solve_on_start)

    # ------------------------------------------------------------------ model glue
    def resistance_weights(self) -> dict[str, float] | None:
        """The slider values rescaled to shares summing to 1 (None when all are 0)."""
        raw = {f: float(s.value) for f, s in self.weights.items()}
        total = sum(raw.values())
        if total <= 0:
            return None
        return {f: v / total for f, v in raw.items()}

    def update(self) -> Any:
        """Rebuild the surface if the weights changed, re-solve the order, redraw; returns the Route (or None)."""
        t0 = time.perf_counter()
        shares = self.resistance_weights()
        if shares is None:
            self.shares.value = ""
            self.status.value = ("<span class='landkit-status' style='color:#c00'>权重全为 0, 无法计算阻力面 · "
                                 "all weights are 0: give at least one factor a weight</span>")
            self.progress.done("已拒绝 refused", ok=False)
            return None
        self.shares.value = "归一化权重 shares: " + " · ".join(
            f"{html.escape(CORRIDOR_FACTOR_LABELS[f])} <span class='landkit-share-{f}'>{v:.1%}</span>"
            for f, v in shares.items())
        with _busy(self.status, self.controls, self.progress, "选线失败 · failed") as attempt:
            key = tuple(round(v, 12) for v in shares.values())
            if self.corridor is None or key != self._corridor_key:
                self.progress.at(0, "计算阻力面与最小累积阻力路径… resistance surface and least-cost paths")
                self.corridor = TourismCorridor.from_town(self.town, neighbours=self.neighbours, weights=shares,
                                                          protected="allow")
                self._corridor_key = key
            self.progress.at(1, "求解最优游览顺序… best order")
            choice = self.corridor.best_order(by=self.by.value, start=self.start.value,
                                              time_limit_s=self.time_limit_s)
            route = self.corridor.route(choice, name="—".join(choice.order))
        if attempt.error is not None:
            return None
        self.progress.at(2, "绘图… drawing")
        self.choice, self.route = choice, route
        self._redraw(choice, route)
        elapsed = time.perf_counter() - t0
        self.timings_s.append(elapsed)
        self.status.value = _solve_status(choice.status, choice.gap, elapsed, self.time_limit_s)
        self.progress.done(f"完成 done ({elapsed:.1f} s)")
        return route

    def _redraw(self, choice: Any, route: Any) -> None:
        s = route.summary()
        self.kpi.value = (
            f"<div>游览顺序 order: <span class='landkit-order'>{html.escape(' → '.join(choice.order))}</span></div>"
            + _kpi_table([
                ("线路长度", "landkit-route-length", f"{s['长度(km)']:,.2f}", "km"),
                ("利用现有道路", "landkit-route-onroad", f"{s['利用现有道路(km)']:,.2f}", "km"),
                ("建设费用", "landkit-route-cost", f"{s['建设费用(万元)']:,.1f}", "万元"),
                ("累积阻力", "landkit-route-resistance", f"{s['累积阻力']:,.0f}", "分·m"),
                ("占地", "landkit-route-land", f"{s['占地(亩)']:,.2f}", "亩"),
                ("占用耕地", "landkit-route-farmland", f"{s['占用耕地(亩)']:,.2f}", "亩"),
                ("涉及户数", "landkit-route-households", f"{int(s['涉及户数']):,}", "户"),
            ])
        )
        _show(self.map_out, self.corridor.plot({route.name: route}))
        _show(self.table_out, route.table())

# ============================================================================ scenario comparison
class ScenarioPicker(_Panel):
    """Pick two or more run bundles (folders written by ``landkit run``) and compare them.

    Shows :func:`landkit.scenario.compare_runs`' KPI table, the Pareto chart (NPV against households
    relocated or farmland taken) and the generated recommendation. Fewer than two bundles selected,
    or a folder that is not a bundle, is said in the status line, not raised.

    Parameters
    ----------
    bundles : path or sequence of path
        The bundle folders, or one folder whose sub-folders are bundles (e.g. ``out/demo``).
    solve_on_start : bool
        Compare every bundle when the panel is created.

    Attributes
    ----------
    comparison : Comparison or None
        The latest comparison.
    timings_s : list of float
        Seconds of each comparison and redraw.
    """

    def __init__(self, bundles: Any, *, solve_on_start: bool = True) -> None:
        if isinstance(bundles, str | os.PathLike):
            root = Path(bundles)
            paths = sorted(p.parent for p in root.glob("*/kpis.json")) if not (root / "kpis.json").exists() \
                else [root]
        else:
            paths = [Path(b) for b in bundles]
        options = []
        for p in paths:
            label = p.name
            try:
                audit = json.loads((p / "audit.json").read_text(encoding="utf-8"))
                label = f"{audit.get('scenario', p.name)} ({p.name})"
            except (OSError, ValueError):
                label = f"{p.name} (不是结果包 · not a bundle?)"
            options.append((label, str(p)))
        self.runs = w.SelectMultiple(options=options, value=tuple(v for _, v in options),
                                     rows=min(max(len(options), 2), 8), description="情景结果包",
                                     style=_STYLE, layout=_LAYOUT)
        self.runs.add_class("landkit-runs")
        self.against = w.ToggleButtons(options=[("搬迁户数 (户)", "households"), ("占用耕地 (亩)", "farmland")],
                                       value="households", description="权衡指标", style=_STYLE)
        self.controls: tuple[w.ValueWidget, ...] = (self.runs, self.against)
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.progress = _Progress(2)
        self.status = w.HTML(value="", layout=w.Layout(margin="4px 0"))
        self.recommendation = w.HTML(value="")
        self.table_out = w.Output(layout=w.Layout(width="55%", overflow="auto"))
        self.table_out.add_class("landkit-compare-table")
        self.chart_out = w.Output(layout=w.Layout(width="45%"))
        self.comparison: Any = None
        self._assemble("<b>情景对比 · 交互面板</b> (选择两个或以上的结果包 · pick two or more run bundles; "
                       "Ctrl/Shift+点击多选)",
                       [w.HBox([self.runs, self.against]), self.progress.widget, self.status, self.recommendation,
                        w.HBox([self.table_out, self.chart_out])],
                       "landkit-scenario-picker", solve_on_start)

    def update(self) -> Any:
        """Compare the selected bundles and redraw; returns the Comparison (None with fewer than two)."""
        t0 = time.perf_counter()
        chosen = list(self.runs.value)
        if len(chosen) < 2:
            self.status.value = (f"<span class='landkit-status' style='color:#b36b00'>已选 {len(chosen)} 个, "
                                 "请至少选择两个结果包 · pick at least two bundles</span>")
            self.progress.done("等待选择 waiting", ok=False)
            return None
        self.progress.at(0, "读取结果包并对比… reading bundles")
        try:
            cmp = compare_runs(chosen, against=self.against.value)
        except LandkitError as exc:
            self.status.value = (f"<span class='landkit-status' style='color:#c00'>无法对比 · cannot compare: "
                                 f"{_problems_html(exc)}</span>")
            self.progress.done("失败 failed", ok=False)
            return None
        self.progress.at(1, "绘图… drawing")
        self.comparison = cmp
        self.recommendation.value = (f"<div class='landkit-recommendation'><b>建议 recommendation:</b> "
                                     f"{html.escape(cmp.recommendation)}</div>")
        _show(self.table_out, cmp.kpis)
        _show(self.chart_out, plot_comparison_pareto(cmp.pareto, self.against.value))
        elapsed = time.perf_counter() - t0
        self.timings_s.append(elapsed)
        self.status.value = (f"<span class='landkit-status'>对比 {len(chosen)} 个情景 · compared {len(chosen)} runs · "
                             f"{elapsed:.1f} s</span>")
        self.progress.done(f"完成 done ({elapsed:.1f} s)")
        return cmp
