"""Compare finished runs: KPIs side by side, maps at one extent, a Pareto chart, the decision matrix and a
recommendation.

Runs are of two kinds (the scenario's ``kind``): *alternatives*, choices the town makes, and
*assumption sets*, conditions it cannot choose. The **decision matrix** holds each alternative's
full-cost value under each assumption set (:func:`decision_matrix`: the reserve's NPV less the park's
acquisition, the corridor's construction and the 占补平衡 cost), and the recommendation chooses among
alternatives only, by stated criteria (:func:`weigh_alternatives`): best expected value, best worst case
and least maximum regret, with the conditions that must hold under every assumption set. An assumption
set is never ranked as an option. Figures from a solve whose gap exceeds :data:`GAP_FLAG` are marked.
The text is generated from the numbers only; it states no fact that is not in the tables.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pyogrio
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from landkit._errors import Problem, ValidationError
from landkit.atomic import atomic_dir, check_output_folder
from landkit.glossary import labelled
from landkit.plot import add_north_arrow, add_scale_bar, close_figure, new_axes
from landkit.report import (
    Figure,
    Heading,
    PageBreak,
    Paragraph,
    Table,
    write_docx,
    write_html,
)
from landkit.scenario.schema import BASE_ASSUMPTION

if TYPE_CHECKING:  # for annotations only: importing them costs `landkit --help` 65-180 ms each
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure as MplFigure

    from landkit.report import Block

NPV = "净现值NPV(万元)"
#: A model solved to a proven gap above this is marked wherever its figures appear (share).
GAP_FLAG = 0.01
#: The costs an alternative carries besides the reserve plan's NPV (snake_case KPIs, 万元).
FULL_COSTS: tuple[str, ...] = ("park_cost_wan_yuan", "corridor_cost_wan_yuan", "farmland_balance_cost_wan_yuan")
AGAINST = {"households": "搬迁户数(户)", "farmland": "占用耕地(亩)"}
MAP_LAYERS = ("town_boundary", "reserve_parcels", "linkage_plots", "park_sites", "corridor_route")
#: Panels per row of the layout comparison.
MAP_COLUMNS = 3


@dataclass
class Comparison:
    """What :func:`compare_runs` returns.

    Attributes
    ----------
    kpis : DataFrame
        KPI × run.
    pareto : DataFrame
        Per alternative under the base assumptions: NPV, the second criterion and ``pareto_efficient``.
    recommendation : str
        A short paragraph generated from the numbers.
    matrix : DataFrame or None
        The decision matrix: alternative × assumption set, full-cost value (万元) (:func:`decision_matrix`).
    criteria : DataFrame or None
        Expected value, worst case and maximum regret per alternative (:func:`weigh_alternatives`).
    path : Path or None
        The comparison folder, when written.
    """

    kpis: pd.DataFrame
    pareto: pd.DataFrame
    recommendation: str
    matrix: pd.DataFrame | None = None
    criteria: pd.DataFrame | None = None
    path: Path | None = None


def read_bundle(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The KPIs (under their Chinese headings), audit and scenario name of a run bundle.

    ``kpis.json`` holds snake_case keys (bundles of earlier landkits: the headings); both are read.
    Raises a ValidationError naming what is missing or unreadable.
    """
    p = Path(path)
    missing = [f for f in ("kpis.json", "audit.json") if not (p / f).exists()]
    if missing:
        raise ValidationError(str(p), [Problem(str(p), f"is not a run bundle (missing {', '.join(missing)})",
                                               "give folders written by `landkit run`", "bundle")])
    try:
        audit = json.loads((p / "audit.json").read_text(encoding="utf-8"))
        kpis = json.loads((p / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(str(p), [Problem(str(p), f"its kpis.json or audit.json cannot be read ({exc})",
                                               "run the scenario again", "bundle")]) from exc
    return {"path": p, "name": audit.get("scenario", p.name), "kpis": labelled(kpis), "raw": kpis, "audit": audit}


def matrix_cell(bundle: dict[str, Any]) -> tuple[str | None, str]:
    """(alternative, assumption set) of a bundle, by their titles: from its scenario's ``matrix``; an
    alternative run as it is stands under :data:`BASE_ASSUMPTION`; an assumption set run on its own has no
    alternative (None)."""
    settings = bundle["audit"].get("scenario_settings") or {}
    cell = settings.get("matrix") or {}
    if cell.get("alternative") and cell.get("assumption"):
        return (str(cell.get("alternative_title") or cell["alternative"]),
                str(cell.get("assumption_title") or cell["assumption"]))
    title = str(settings.get("title") or bundle["name"])
    if settings.get("kind", "alternative") == "alternative":
        return title, BASE_ASSUMPTION
    return None, title


def _short(title: str) -> str:
    """A title without its parenthesis: ``基准情景 (2019–2021, …)`` → ``基准情景``."""
    return re.split(r"\s*[(（]", title, maxsplit=1)[0].strip() or title


def cells(bundles: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """Each run's (alternative, assumption set) by their short titles, unique: when two runs would fill one cell
    of the decision matrix (two bundles of one alternative under one set), each alternative is named with its
    bundle's folder (then its position), so that no run silently replaces another."""
    out = [(None if a is None else _short(a), s if s == BASE_ASSUMPTION else _short(s))
           for a, s in map(matrix_cell, bundles)]
    for attempt in range(2):
        count: dict[tuple[str | None, str], int] = {}
        for c in out:
            count[c] = count.get(c, 0) + 1
        clash = [i for i, c in enumerate(out) if c[0] is not None and count[c] > 1]
        if not clash:
            break
        for i in clash:
            tag = Path(bundles[i]["path"]).name if attempt == 0 and bundles[i].get("path") else str(i + 1)
            out[i] = (f"{out[i][0]}（{tag}）", out[i][1])
    return out


def run_labels(bundles: list[dict[str, Any]]) -> list[str]:
    """Each run's name as tables and charts show it, unique: ``基准情景``, ``廊道线路B × 资金增加50%``, or an
    assumption set's title (its folder added when two runs share one)."""
    names = [(s if a is None else a if s == BASE_ASSUMPTION else f"{a} × {s}") for a, s in cells(bundles)]
    for i, n in enumerate(names):
        if names.count(n) > 1:
            names[i] = f"{n}（{Path(bundles[i]['path']).name if bundles[i].get('path') else i + 1}）"
    return [n if names.count(n) == 1 else f"{n}（{i + 1}）" for i, n in enumerate(names)]


def full_value(raw: dict[str, Any]) -> float | None:
    """An alternative's full-cost value (万元): the reserve's NPV less :data:`FULL_COSTS` (undiscounted)."""
    npv = _num(raw.get("npv_wan_yuan"))
    if npv is None:
        return None
    return npv - sum(_num(raw.get(k)) or 0.0 for k in FULL_COSTS)


def _worst_gap(bundle: dict[str, Any]) -> float:
    gaps = [_num(r.get("gap")) for r in (bundle["audit"].get("models") or {}).values()]
    return max([g for g in gaps if g is not None] or [0.0])


def _scope_caveat(bundles: list[dict[str, Any]]) -> str:
    """A warning when some alternatives include a park and others do not: their values differ by the park's
    cost, and the park's benefits (investment, tax, industrial land revenue) are not in them."""
    alts = [a for a, _ in cells(bundles)]
    with_park = {a for a, b in zip(alts, bundles, strict=True)
                 if a is not None and (_num(b["raw"].get("park_cost_wan_yuan")) or 0) > 0}
    without = {a for a in alts if a is not None} - with_park
    if not with_park or not without:
        return ""
    cost = max((_num(b["raw"].get("park_cost_wan_yuan")) or 0.0) for b in bundles)
    return (f" 注意: 方案 {'、'.join(sorted(with_park))} 含园区, {'、'.join(sorted(without))} 不含; "
            f"两类方案的全口径净值相差主要是园区征收成本 (最高 {cost:,.0f} 万元), "
            "而园区带来的投资、税收与工业用地出让收入未计入, 故二者的排序只说明代价, "
            "园区选址应在含园区的方案之间比较。")


def _town_name(bundles: list[dict[str, Any]]) -> str:
    """The town's name as the first bundle's audit records its parameters (``town.name``), or empty."""
    for b in bundles:
        for row in b["audit"].get("parameters") or []:
            if row.get("key") == "town.name":
                return str(row.get("value") or "")
    return ""


def decision_matrix(bundles: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Alternatives × assumption sets: the full-cost value (万元), the conditions of each cell, and the weights.

    Returns ``values`` (NaN where a cell was not run), ``notes`` (per cell: a demand shortfall, a negative
    cash balance, a gap above :data:`GAP_FLAG`; empty when the cell is sound) and the assumption sets'
    weights (the base assumptions weigh 1).
    """
    values: dict[tuple[str, str], float | None] = {}
    notes: dict[tuple[str, str], str] = {}
    weights: dict[str, float] = {BASE_ASSUMPTION: 1.0}
    for b, (alt, asm) in zip(bundles, cells(bundles), strict=True):
        settings = b["audit"].get("scenario_settings") or {}
        if alt is None:
            weights.setdefault(asm, float(settings.get("weight", 1.0)))
            continue
        if asm != BASE_ASSUMPTION:
            weights.setdefault(asm, weights.get(asm, 1.0))
        values[(alt, asm)] = full_value(b["raw"])
        raw, why = b["raw"], []
        if (_num(raw.get("demand_shortfall_mu")) or 0.0) > 0.01:
            why.append(f"需求缺口 {raw['demand_shortfall_mu']:,.1f} 亩")
        if (_num(raw.get("min_cash_wan_yuan")) or 0.0) < -0.01:
            why.append("年末资金为负")
        gap = _worst_gap(b)
        if gap > GAP_FLAG:
            why.append(f"求解差距 {gap:.1%}")
        notes[(alt, asm)] = "；".join(why)
    alts = list(dict.fromkeys(a for a, _ in values))
    asms = [BASE_ASSUMPTION, *(s for s in dict.fromkeys(s for _, s in values) if s != BASE_ASSUMPTION)]
    table = pd.DataFrame([[values.get((a, s)) for s in asms] for a in alts], index=pd.Index(alts, name="方案"),
                         columns=asms, dtype=float)
    note = pd.DataFrame([[notes.get((a, s), "") for s in asms] for a in alts], index=table.index, columns=asms)
    return table, note, {s: weights.get(s, 1.0) for s in asms}


def weigh_alternatives(values: pd.DataFrame, notes: pd.DataFrame, weights: dict[str, float]
                       ) -> tuple[pd.DataFrame, str]:
    r"""The three criteria per alternative and the recommendation among alternatives (Chinese text).

    Over the assumption sets :math:`s` with weights :math:`w_s`, for alternative :math:`a` with value
    :math:`v_{as}`: expected value :math:`\sum_s w_s v_{as} / \sum_s w_s`, worst case :math:`\min_s v_{as}`,
    maximum regret :math:`\max_s (\max_b v_{bs} - v_{as})`. Only alternatives solved under every assumption
    set are weighed; one that fails a condition (demand, cash) under any set is named and not recommended (nor
    counted as the best :math:`b` of the regret), unless every alternative fails one.
    """
    full = values.dropna()
    if full.empty:
        return pd.DataFrame(), "没有在全部假设下求解的方案, 无法按决策矩阵比选。"
    w = pd.Series(weights).reindex(full.columns).fillna(1.0)
    broken = {a: "；".join(f"{s}: {n}" for s, n in notes.loc[a].items() if n and "差距" not in n)
              for a in full.index}
    broken = {a: t for a, t in broken.items() if t}
    # only an alternative that meets the conditions under every assumption set is recommended (unless none does)
    sound = full.drop(index=list(broken)) if len(broken) < len(full) else full
    regret = (sound.max(axis=0) - full).max(axis=1)
    crit = pd.DataFrame({"期望值(万元)": (full * w).sum(axis=1) / w.sum(), "最坏情况(万元)": full.min(axis=1),
                         "最大遗憾(万元)": regret}).round(1)
    crit["满足全部条件"] = ["否" if a in broken else "是" for a in crit.index]

    def pick(col: str, best: str) -> str:
        v = crit.loc[sound.index, col]
        target = v.max() if best == "max" else v.min()
        return "、".join(v.index[(v - target).abs() <= 1e-6 * max(1.0, abs(target))])

    parts = [f"按期望值 ({'、'.join(f'{s} 权重 {w[s]:g}' for s in full.columns)}) 推荐 {pick('期望值(万元)', 'max')}",
             f"按最坏情况推荐 {pick('最坏情况(万元)', 'max')}", f"按最小最大遗憾推荐 {pick('最大遗憾(万元)', 'min')}"]
    text = "方案比选 (全口径净值 = 土地收储净现值 − 园区征收成本 − 廊道建设费用 − 占补平衡费用, 后三项未折现): " \
        + "；".join(parts) + "。"
    if not broken:
        text += " 各方案在各假设下年末资金均不为负、用地需求均得到满足。"
    else:
        lead = (" 未满足条件的方案 (不参与推荐): " if len(sound) < len(full) else
                " 所有方案都有未满足的条件, 以上推荐仅供参考: ")
        text += lead + "；".join(f"{a} ({t})" for a, t in broken.items()) + "。"
    flagged = [f"{a}×{s}" for a in full.index for s, n in notes.loc[a].items() if "差距" in n]
    if flagged:
        text += (f" 求解差距超过 {GAP_FLAG:.0%} 的结果 (表中标 *) : {'、'.join(flagged)}, 其数值仅为可行解, "
                 "比选时留有余地。")
    missing = [a for a in values.index if a not in full.index]
    if missing:
        text += f" 未在全部假设下求解、未参与比选的方案: {'、'.join(missing)}。"
    text += " 假设情景 (资金、地价等) 不是可选方案, 不参与排序。"
    return crit, text


def choice_summary(criteria: pd.DataFrame, notes: pd.DataFrame | None = None, caveat: str = "") -> list[str]:
    """The 摘要 of a comparison, recommendation first: the alternative of the best expected full-cost value,
    then what the worst case and the least maximum regret choose, the conditions, the scope caveat
    (:func:`_scope_caveat`) and the results solved to a gap above :data:`GAP_FLAG`.

    ``criteria`` is :func:`weigh_alternatives`' table (one row per alternative weighed), ``notes`` the decision
    matrix's notes. When every alternative fails a condition, nothing is recommended: the choices are only a guide.
    """
    if criteria.empty:
        return ["没有在全部假设下求解的方案, 无法给出建议。"]
    ok = criteria["满足全部条件"] == "是"
    sound = criteria[ok] if ok.any() else criteria

    def best(col: str, highest: bool) -> list[str]:
        v = sound[col]
        target = v.max() if highest else v.min()
        return list(v.index[(v - target).abs() <= 1e-6 * max(1.0, abs(target))])

    ev = best("期望值(万元)", True)
    value = float(sound.loc[ev[0], "期望值(万元)"])
    head = "建议采用" if ok.any() else "仅供参考（所有方案都有未满足的条件，不作推荐）：期望值最高的是"
    lines = [f"{head}：{'、'.join(ev)}（各假设下全口径净值的期望值最高, {value:,.1f} 万元）。",
             f"稳健性：按最坏情况应选 {'、'.join(best('最坏情况(万元)', True))}；"
             f"按最小最大遗憾应选 {'、'.join(best('最大遗憾(万元)', False))}。"]
    failing = list(criteria.index[~ok])
    lines.append("条件：" + (f"{'、'.join(failing)} 在某些假设下资金为负或用地需求未满足, 不予推荐。" if failing
                            else "各方案在各假设下年末资金均不为负、用地需求均得到满足。"))
    if caveat:
        lines.append("注意：" + caveat.strip().removeprefix("注意:").strip())
    if notes is not None:
        flagged = [f"{a} × {s}" for a in notes.index for s, n in notes.loc[a].items() if "差距" in n]
        if flagged:
            lines.append(f"求解差距超过 {GAP_FLAG:.0%} 的结果 ({len(flagged)} 个, 表中标 *) 仅为可行解："
                         f"{'、'.join(flagged)}；比选时应留有余地。")
    return lines


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def pareto_table(kpis: pd.DataFrame, *, against: str = "households") -> pd.DataFrame:
    """NPV (higher is better) against households or farmland (lower is better), with the efficient runs marked."""
    col = AGAINST[against]
    rows = []
    for run in kpis.columns:
        rows.append({"run": run, NPV: _num(kpis.at[NPV, run]) if NPV in kpis.index else None,
                     col: _num(kpis.at[col, run]) if col in kpis.index else None})
    if not rows:
        return pd.DataFrame(columns=[NPV, col, "pareto_efficient"], index=pd.Index([], name="run"))
    t = pd.DataFrame(rows).set_index("run")
    ok = t.dropna()
    eff = {}
    for r, row in ok.iterrows():
        eff[r] = not any((o[NPV] >= row[NPV] and o[col] <= row[col] and (o[NPV] > row[NPV] or o[col] < row[col]))
                         for q, o in ok.iterrows() if q != r)
    t["pareto_efficient"] = [eff.get(r) for r in t.index]
    return t


def recommend(kpis: pd.DataFrame, pareto: pd.DataFrame, *, against: str = "households") -> str:
    """A short paragraph from the numbers only (Chinese, with the figures it rests on)."""
    col = AGAINST[against]
    runs = list(kpis.columns)
    if not runs:
        return "没有可比较的情景。"

    def vals(label: str) -> dict[str, float]:
        if label not in kpis.index:
            return {}
        return {r: v for r in runs if (v := _num(kpis.at[label, r])) is not None}

    def best(values: dict[str, float], label: str, unit: str, highest: bool) -> str | None:
        if not values:
            return None
        target = max(values.values()) if highest else min(values.values())
        tied = [r for r, v in values.items() if abs(v - target) <= 1e-6 * max(1.0, abs(target))]
        word = "最高" if highest else "最少"
        if len(tied) == len(values) and len(values) > 1:
            return f"各情景{label}相同 ({target:,.1f}{unit})"
        places = 0 if highest or "户" in unit else 1  # households are whole
        return f"{label}{word}的是情景 {'、'.join(tied)} ({target:,.{places}f}{unit})"

    short = vals("需求缺口(亩)")
    gaps = [r for r, v in short.items() if v > 0.01]
    cash = vals("最低年末余额(万元)")
    neg = [r for r, v in cash.items() if v < -0.01]
    unsound = set(gaps) | set(neg)
    keep = [r for r in runs if r not in unsound] or runs  # runs that leave demand unmet or cash short don't compete

    def among(values: dict[str, float]) -> dict[str, float]:
        return {r: v for r, v in values.items() if r in keep}

    unit = " " + col.split("(")[1].rstrip(")") if "(" in col else ""
    parts = [best(among(vals(NPV)), "净现值", " 万元", True), best(among(vals(col)), col.split("(")[0], unit, False)]
    if against != "farmland":
        parts.append(best(among(vals("占用耕地(亩)")), "占用耕地", " 亩", False))
    found = [p for p in parts if p is not None and p]
    text = "；".join(found) + "。" if found else ""
    front = pareto_table(kpis[keep], against=against) if len(keep) < len(runs) else pareto
    eff = front.index[front["pareto_efficient"].fillna(False).astype(bool)].tolist()
    dom = front.index[front["pareto_efficient"].eq(False)].tolist()
    if eff:
        text += f"在净现值与{col.split('(')[0]}之间，非劣(帕累托有效)情景为 {'、'.join(eff)}"
        text += f"；情景 {'、'.join(dom)} 被其他情景全面超越，不建议采用。" if dom else "。"
    if gaps:
        text += " 存在用地需求缺口的情景 (不参与以上比较): " if len(keep) < len(runs) else " 存在用地需求缺口的情景: "
        text += "、".join(f"{r} ({short[r]:,.1f} 亩)" for r in gaps) + "。"
    if neg:
        text += " 出现年末资金为负的情景: " + "、".join(neg) + "。"
    text += " 以上结论仅由本表数字得出，决策时还须结合表外因素。"
    return text.strip()


def _plot_maps(bundles: list[dict[str, Any]]) -> MplFigure:
    """The bundles' layouts side by side, on one extent, with one legend."""
    n = len(bundles)
    cols = min(n, MAP_COLUMNS)
    rows = -(-n // cols)
    fig, ax0 = new_axes((6.0 * cols, 6.0 * rows + 0.8))
    fig.delaxes(ax0)
    grid = fig.subplots(rows, cols, squeeze=False)
    for extra in grid.flat[n:]:
        fig.delaxes(extra)
    axes = list(grid.flat[:n])
    layers: list[dict[str, Any]] = []
    bounds = []
    for b in bundles:
        gpkg = b["path"] / "results.gpkg"
        have = set(pyogrio.list_layers(gpkg)[:, 0]) if gpkg.exists() else set()
        got = {name: gpd.read_file(gpkg, layer=name) for name in MAP_LAYERS if name in have}
        layers.append(got)
        bounds += [g.total_bounds for g in got.values() if len(g)]
    years = sorted({int(y) for got in layers if "reserve_parcels" in got
                    for y in got["reserve_parcels"]["year_acquired"].dropna()})
    cmap = mpl.colormaps["autumn"].resampled(max(len(years), 2))
    colour = {y: cmap(k) for k, y in enumerate(years)}
    for ax, b, got in zip(axes, bundles, layers, strict=True):
        if "town_boundary" in got:
            got["town_boundary"].boundary.plot(ax=ax, color="#444444", linewidth=0.8)
        if "linkage_plots" in got:
            got["linkage_plots"].plot(ax=ax, color="#8fbc8f", linewidth=0)
        if "reserve_parcels" in got:
            parcels = got["reserve_parcels"]
            for y in years:
                part = parcels[parcels["year_acquired"] == y]
                if len(part):
                    part.plot(ax=ax, color=colour[y], linewidth=0)
        if "park_sites" in got:
            got["park_sites"].plot(ax=ax, facecolor="#7b3294", edgecolor="#3f0f5c", alpha=0.55, linewidth=1.0)
        if "corridor_route" in got:
            got["corridor_route"].plot(ax=ax, color="#1f4e9c", linewidth=1.4)
        ax.set_title(str(b.get("label", b["name"])), fontsize=13)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
    if bounds:
        arr = np.array(bounds)
        pad = 0.03 * max(arr[:, 2].max() - arr[:, 0].min(), arr[:, 3].max() - arr[:, 1].min())
        for ax in axes:
            ax.set_xlim(arr[:, 0].min() - pad, arr[:, 2].max() + pad)
            ax.set_ylim(arr[:, 1].min() - pad, arr[:, 3].max() + pad)
            add_scale_bar(ax)
            add_north_arrow(ax)
    handles: list[Artist] = [Patch(facecolor=colour[y], label=f"{y} 年收储地块") for y in years]
    handles += [Patch(facecolor="#8fbc8f", label="增减挂钩拆旧地块"),
                Patch(facecolor="#7b3294", edgecolor="#3f0f5c", alpha=0.55, label="园区"),
                Line2D([0], [0], color="#1f4e9c", linewidth=1.4, label="旅游廊道"),
                Line2D([0], [0], color="#444444", linewidth=0.8, label="镇界")]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), frameon=False, fontsize=11)
    fig.suptitle("情景布局对比 (同一范围)")
    return fig


def plot_comparison_pareto(pareto: pd.DataFrame, against: str) -> MplFigure:
    """Pareto chart of compared runs: NPV against households moved or farmland occupied (one point per run)."""
    col = AGAINST[against]
    fig, ax = new_axes((7, 5))
    ok = pareto.dropna(subset=[NPV, col])
    eff = ok[ok["pareto_efficient"].astype(bool)].sort_values(col)
    ax.scatter(ok[col], ok[NPV], color="#999999", zorder=2, label="情景")
    ax.scatter(eff[col], eff[NPV], color="#c0392b", zorder=3, label="帕累托有效")
    if len(eff) > 1:
        ax.step(eff[col], eff[NPV], where="post", color="#c0392b", linewidth=1)
    for r, row in ok.iterrows():
        ax.annotate(str(r), (row[col], row[NPV]), textcoords="offset points", xytext=(5, 5), fontsize=9)
    ax.set_xlabel(col)
    ax.set_ylabel(NPV)
    ax.set_title(f"净现值与{col.split('(')[0]}的权衡")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def compare_runs(runs: list[str | os.PathLike[str]], out: str | os.PathLike[str] | None = None, *,
                 against: str = "households", dpi: int = 110, force: bool = False,
                 unit: str | None = None) -> Comparison:
    """Compare run bundles; with ``out``, write the comparison folder atomically.

    Parameters
    ----------
    runs : list of path
        Bundles written by :func:`landkit.scenario.run_scenario` (at least one).
    out : path, optional
        Folder for 情景对比表.csv, 布局对比图.png, 帕累托图.png, compare.html, compare.docx,
        recommendation.txt.
    against : {"households", "farmland"}
        Second criterion of the Pareto chart.
    dpi : int
        Figure resolution.
    unit : str, optional
        The 编制单位 on the Word report's cover (default the town's name recorded in the first bundle).
    force : bool
        Replace an earlier comparison folder even if files were added to it
        (:func:`landkit.atomic.check_output_folder`; a folder landkit did not write is never replaced).
    """
    if out is not None:
        check_output_folder(out, force=force)
    if against not in AGAINST:
        raise ValidationError("compare", [Problem("against", f"is {against!r}", "one of 'households', 'farmland'",
                                                  "value")])
    if not runs:
        raise ValidationError("compare", [Problem("runs", "none given", "give at least one run folder", "value")])
    bundles = [read_bundle(r) for r in runs]
    names = run_labels(bundles)
    for b, n in zip(bundles, names, strict=True):
        b["label"] = n
    kpis = pd.DataFrame({n: pd.Series(b["kpis"]) for n, b in zip(names, bundles, strict=True)})
    kpis.index.name = "指标"
    # the Pareto view and the per-KPI remarks weigh alternatives under the base assumptions only
    base = [n for n, b in zip(names, bundles, strict=True) if matrix_cell(b)[1] == BASE_ASSUMPTION
            and not (b["audit"].get("scenario_settings") or {}).get("matrix")]
    pareto = pareto_table(kpis[base], against=against)
    values, notes, weights = decision_matrix(bundles)
    criteria, weighed = weigh_alternatives(values, notes, weights)
    others = [n for n in names if n not in base]
    text = recommend(kpis[base], pareto, against=against) if base else ""
    caveat = _scope_caveat(bundles)
    weighed = weighed + caveat if len(values.columns) > 1 else caveat.strip()
    text = " ".join(t for t in (weighed, text,
                                f"其余运行 ({'、'.join(others)}) 是方案在其他假设下的结果或假设情景本身, 不单独排序。"
                                if others else "") if t)
    # one format throughout (万元 to 0.1); a result not proven to the gap threshold is marked *
    shown_matrix = pd.DataFrame(
        [[("—" if pd.isna(values.at[a, s]) else f"{values.at[a, s]:,.1f}" + ("*" if "差距" in notes.at[a, s] else ""))
          for s in values.columns] for a in values.index], index=values.index, columns=values.columns)
    cmp = Comparison(kpis=kpis, pareto=pareto, recommendation=text, matrix=values, criteria=criteria)
    if out is None:
        return cmp
    target = Path(out)
    with atomic_dir(target, kind="comparison", force=force) as tmp:
        kpis.to_csv(tmp / "情景对比表.csv", encoding="utf-8-sig")
        shown_matrix.to_csv(tmp / "决策矩阵.csv", encoding="utf-8-sig")
        criteria.to_csv(tmp / "方案比选.csv", encoding="utf-8-sig")
        pareto.to_csv(tmp / "帕累托表.csv", encoding="utf-8-sig")
        (tmp / "recommendation.txt").write_text(text + "\n", encoding="utf-8")
        # the layouts differ between alternatives, not assumption sets: one panel per alternative as planned
        fig = _plot_maps([b for b, n in zip(bundles, names, strict=True) if n in base] or bundles)
        fig.savefig(tmp / "布局对比图.png", dpi=dpi, bbox_inches="tight")
        close_figure(fig)
        fig = plot_comparison_pareto(pareto, against)
        fig.savefig(tmp / "帕累托图.png", dpi=dpi, bbox_inches="tight")
        close_figure(fig)
        shown = kpis.map(lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
        matrix_blocks: list[Block]
        summary: list[Block]
        blocks: list[Block]
        matrix_blocks = [Heading("决策矩阵: 方案 × 假设", 1), Paragraph(
            "全口径净值 (万元) = 土地收储净现值 − 园区征收成本 − 廊道建设费用 − 占补平衡费用; 行为可选方案, 列为假设 "
            f"(不可选择的条件); 标 * 者求解差距超过 {GAP_FLAG:.0%}。"),
            Table("决策矩阵 (全口径净值, 万元)", shown_matrix.reset_index())] if len(criteria) else []
        summary = ([Heading("摘要", 1), *(Paragraph(t) for t in choice_summary(criteria, notes, caveat))]
                   if len(criteria) else [])
        if summary:
            summary += [Table("方案比选 (期望值、最坏情况、最大遗憾)", criteria.reset_index()), PageBreak()]
        blocks = [Heading("情景对比报告", 0), *summary, Heading("比选说明", 1), Paragraph(text), *matrix_blocks,
                  Heading("关键指标对比", 1),
                  Table("情景关键指标对比表", shown), Heading("布局对比", 1), Figure("布局对比图 (同一范围)",
                                                                          tmp / "布局对比图.png"),
                  Heading("权衡分析", 1), Figure("帕累托图", tmp / "帕累托图.png"),
                  Table("帕累托表", pareto.rename_axis("情景").rename(columns={"pareto_efficient": "帕累托有效"})),
                  Heading("数据来源", 1),
                  Paragraph("本报告的数字来自下列情景结果包 (各包的 audit.json 记录输入文件哈希、参数来源与求解记录); "
                            "本文件夹中的 决策矩阵.csv、方案比选.csv、情景对比表.csv 与 帕累托表.csv 为报告中的表格。"),
                  Table("情景结果包", pd.DataFrame({"情景": names, "结果包": [str(b["path"]) for b in bundles]}),
                        max_rows=200)]
        write_html(blocks, tmp / "compare.html", title="情景对比报告")
        write_docx(blocks, tmp / "compare.docx", title="情景对比报告", unit=unit or _town_name(bundles))
    return dataclasses.replace(cmp, path=target)


__all__ = [
    "FULL_COSTS",
    "GAP_FLAG",
    "Comparison",
    "cells",
    "choice_summary",
    "compare_runs",
    "decision_matrix",
    "full_value",
    "matrix_cell",
    "pareto_table",
    "plot_comparison_pareto",
    "read_bundle",
    "recommend",
    "run_labels",
    "weigh_alternatives",
]
