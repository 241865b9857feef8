"""The report of one scenario run (report.html and report.docx inside the bundle)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from landkit.account import LAND_KINDS
from landkit.glossary import (
    COLUMN_LABELS,
    ESTIMATE_MARK,
    KPI_LABELS,
    LINK_LABELS,
    REGIME_LABELS,
    estimated_basis,
    labelled,
    status_text,
)
from landkit.param_labels import param_label
from landkit.params import Parameters
from landkit.report import Block, Figure, Heading, PageBreak, Paragraph, Table, write_docx, write_html
from landkit.scenario.context import ModelRecord, Writer
from landkit.scenario.registry import adapter, adapters
from landkit.scenario.run import ScenarioRun, model_kpis

#: Figures that count people or households: written as whole numbers.
COUNT_KPIS: frozenset[str] = frozenset(k for k in KPI_LABELS if k.endswith("households") or k == "households_moved")
#: A headline figure as text with its unit (``fig("households_moved", "户")``), as the 摘要 shows it.
_Figure = Callable[[str, str], str]


def _shown(key: str, v: Any) -> str:
    """A headline figure as text: households whole (1,234), other numbers to 0.01 (1,234.56); — when absent."""
    if v is None:
        return "—"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, int) or key in COUNT_KPIS:
        return f"{round(v):,}"
    return f"{v:,.2f}"


def estimated_keys(params: Parameters) -> list[str]:
    """Estimated parameters (tag E) that the run read."""
    t = params.table()
    return sorted(set(t.loc[t["tag"] == "E", "key"]) & set(params.keys_read()))


def _lead(run: ScenarioRun) -> list[str]:
    """The 摘要's first lines: the recommendation (or what an assumption run shows), and what was checked."""
    sc = run.scenario
    title = sc.title or sc.name
    if sc.kind == "assumption" or sc.matrix:
        what = "假设情景" if sc.kind == "assumption" else "方案在另一组假设下的结果"
        lead = (f"说明：本报告为{what}（{title}），给出该假设下的结果，不是可供选择的方案；"
                "各方案的比选见情景对比报告。")
    else:
        lead = f"建议：按本情景（{title}）的方案实施。"
    checked = [adapter(m).title for m in run.results if adapter(m).accept is not None]
    check = ("全镇用地与指标台账已由独立核查程序仅依据各模型的决策重新核算：没有地块或指标被重复使用，"
             "各项指标余额均不为负")
    if checked:
        check += f"；{'、'.join(checked)}的方案已通过各自的独立核查（资金、指标、用地与政策约束）"
    return [lead, check + "。"]


def _crossings(run: ScenarioRun) -> str | None:
    """The corridor's crossings of protected land, when the scenario allowed them."""
    route = run.results.get("corridor")
    if route is None or not hasattr(route, "protected_crossings"):
        return None
    t = route.protected_crossings()
    t = t[t["area_mu"] > 0.005]
    if t.empty:
        return None
    parts = "、".join(f"{r.name} {r.area_mu:,.2f} 亩（{r.length_m:,.0f} m）" for r in t.itertuples())
    return f"注意：情景允许廊道穿越保护区，线路穿越{parts}（廊道穿越保护区表），须依法论证并报批。"


def _farmland_line(run: ScenarioRun, fig: _Figure) -> str | None:
    """What the 占补平衡 balanced, what it left out (a model not linked to its ledger), or that it did not run."""
    k = run.kpis
    if k.get("farmland_taken_mu") is None:
        return None
    taken = float(k["farmland_taken_mu"])
    balance, rec = run.results.get("farmland"), run.records.get("farmland")
    if balance is not None:
        ledger_mu = float(balance.ledger.occupations["area_mu"].sum())
        line = (f"耕地占补平衡：纳入台账的占用耕地 {ledger_mu:,.2f} 亩在数量、产能、水田上全部平衡，"
                f"占补平衡费用 {fig('farmland_balance_cost_wan_yuan', '万元')}")
        if taken - ledger_mu > 0.01:
            line += f"；另有 {taken - ledger_mu:,.2f} 亩占用耕地未接入占补平衡台账（情景未设置相应衔接）"
        return line + "。"
    if rec is not None and rec.status == "skipped":
        return (f"耕地占补平衡：接入台账的模型未占用耕地，无需平衡；各项建设共占用耕地 {fig('farmland_taken_mu', '亩')}"
                "，未接入台账。" if taken > 0.01 else "耕地占补平衡：各项建设未占用耕地，无需平衡。")
    return (f"耕地占补平衡：本情景未进行占补平衡核算；各项建设共占用耕地 {fig('farmland_taken_mu', '亩')}"
            f"（其中水田 {fig('paddy_taken_mu', '亩')}）。")


def _households_line(run: ScenarioRun, fig: _Figure) -> str | None:
    """Households moved, in all and by the model that moves them."""
    if run.kpis.get("households_moved") is None:
        return None
    by_model = []
    for m, figures in (run.model_kpis or model_kpis(run)).items():
        n = figures.get("households_moved")
        if n:
            by_model.append(f"{adapter(m).label} {round(n):,} 户")
    detail = f"（{'、'.join(by_model)}）" if by_model else ""
    return f"搬迁：各项建设合计搬迁 {fig('households_moved', '户')}{detail}。"


def summary_blocks(run: ScenarioRun) -> list[Block]:
    """The one-page 摘要: what the plan recommends first, its headline figures, how sure they are.

    A figure computed from estimated parameters (:func:`landkit.glossary.estimated_basis`) or from an
    estimated input column (:attr:`landkit.Town.estimates`) carries （估）, and the note names those inputs.
    Only the checks that ran are claimed; an assumption run is said to be one, not recommended.
    """
    k = run.kpis
    est_keys = estimated_keys(run.town.params)
    est_cols = getattr(run.town, "estimates", {}) or {}
    shown = labelled(k, est_cols)
    marked = {key: label if label.endswith(ESTIMATE_MARK) or not estimated_basis(key, est_keys)
              else label + ESTIMATE_MARK for key, label in zip(k, shown, strict=True)}

    def has(key: str) -> bool:
        return k.get(key) is not None

    def fig(key: str, unit: str) -> str:
        mark = ESTIMATE_MARK if marked[key].endswith(ESTIMATE_MARK) else ""
        return f"{_shown(key, k[key])} {unit}{mark}"

    points: list[str] = []
    if has("acquired_mu"):
        years = run.scenario.options("reserve").get("years") or run.town.params["town.plan_years"]
        need = ("用地需求全部得到保障" if not k.get("demand_shortfall_mu")
                else f"仍有 {fig('demand_shortfall_mu', '亩')} 用地需求未能保障")
        points.append(f"土地收储：{min(years)}—{max(years)} 年收储土地 {fig('acquired_mu', '亩')}，收储成本 "
                      f"{fig('acquisition_cost_wan_yuan', '万元')}，净现值 {fig('npv_wan_yuan', '万元')}；"
                      f"收储资金年末最低余额 {fig('min_cash_wan_yuan', '万元')}，"
                      f"最高负债 {fig('max_debt_wan_yuan', '万元')}，"
                      f"期末债务 {fig('debt_at_horizon_end_wan_yuan', '万元')}；{need}。")
    if has("surplus_used_mu") or has("surplus_sold_mu"):
        line = f"增减挂钩：节余指标本镇使用 {fig('surplus_used_mu', '亩')}、交易 {fig('surplus_sold_mu', '亩')}"
        if k.get("homestead_exit_households"):
            line += f"；宅基地有偿退出 {fig('homestead_exit_households', '户')}"
        points.append(line + "。")
    if has("corridor_length_km"):
        points.append(f"文化旅游大动脉：线路长 {fig('corridor_length_km', 'km')}，建设费用 "
                      f"{fig('corridor_cost_wan_yuan', '万元')}，涉及 {fig('corridor_affected_households', '户')}。")
    if has("park_area_mu"):
        points.append(f"园区选址：园区面积 {fig('park_area_mu', '亩')}，征收成本 {fig('park_cost_wan_yuan', '万元')}，"
                      f"占用耕地 {fig('park_farmland_mu', '亩')}，涉及 {fig('park_households', '户')}。")
    points += [line for line in (_farmland_line(run, fig), _households_line(run, fig)) if line]
    if has("protected_area_mu"):
        points.append(f"生态保护：划定保护地块 {fig('protected_area_mu', '亩')}，费用 "
                      f"{fig('protection_cost_wan_yuan', '万元')}。")
    numbered = "一二三四五六七八九十"
    out: list[Block] = [Heading("摘要", 1), *(Paragraph(t) for t in _lead(run))]
    out += [Paragraph(f"{numbered[i]}、{text}") for i, text in enumerate(points[:10])]
    crossing = _crossings(run)
    if crossing:
        out.append(Paragraph(crossing))
    solved = "；".join(f"{adapter(m).title} {status_text(r.status, r.gap)}" for m, r in run.records.items())
    out.append(Paragraph(f"求解：{solved}。“可行（差距 x%）”表示未证明最优，最优值与所给方案相差不超过该比例。"))
    basis = sorted({p for key in k for p in estimated_basis(key, est_keys) if marked.get(key, "").endswith(
        ESTIMATE_MARK)})
    if basis or est_cols:
        parts = []
        if basis:
            names = "、".join(param_label(p) for p in basis[:6]) + ("等" if len(basis) > 6 else "")
            parts.append(f"没有公开来源的估计参数（本次计算用到 {len(basis)} 项，如{names}）")
        if est_cols:
            parts.append("数据中缺少、按规则估算的" + "、".join(COLUMN_LABELS.get(c, c) for c in est_cols))
        out.append(Paragraph(f"估算说明：标“{ESTIMATE_MARK}”的数字依赖{'和'.join(parts)}。这些数字供比较方案之用，"
                             "上报前应以实际数据替换相应参数和数据（见“参数与来源”一节）。"))
    out.append(PageBreak())
    return out


def run_blocks(run: ScenarioRun, tables: dict[str, list[tuple[str, pd.DataFrame]]],
               figures: dict[str, list[tuple[str, Path]]]) -> list[Block]:
    """The report's blocks: scenario, KPIs, one section per model, parameters and the solver record."""
    sc = run.scenario
    blocks: list[Block] = [Heading(f"情景报告：{sc.title or sc.name}", 0), *summary_blocks(run)]
    blocks.append(Heading("情景说明", 1))
    blocks.append(Paragraph(f"情景：{sc.title or sc.name}。{sc.description or ''}"))
    changed = "；".join(f"{param_label(k)} = {v}" for k, v in sc.parameters.items()) or "无"
    blocks.append(Paragraph(f"参数调整：{changed}"))
    if sc.policy.get("date"):
        regime = sc.policy.get("farmland_regime", "auto")
        blocks.append(Paragraph(f"政策日期：{sc.policy['date']}；占补平衡制度：{REGIME_LABELS.get(regime, regime)}"))
    links = [LINK_LABELS.get(link, link) for link in sc.links if sc.has_link(link)]
    blocks.append(Paragraph("模型衔接：" + ("；".join(links) or "无")))
    mode = ("联合求解 (增减挂钩、土地收储与耕地占补平衡在同一模型中同时决策)" if sc.solve == "joint"
            else "顺序求解 (各模型依次求解, 后者使用前者剩余的土地与指标)")
    blocks.append(Paragraph(f"求解方式：{mode}"))
    blocks.append(Heading("关键指标", 1))
    for note in getattr(run.town, "notes", []) or []:
        blocks.append(Paragraph(f"数据：{note}"))
    estimates = getattr(run.town, "estimates", {}) or {}
    if estimates:
        blocks.append(Paragraph("数据中缺少、按规则估算的输入 (标（估）的数字依赖它们)："
                                + "；".join(f"{COLUMN_LABELS.get(col, col)}：{rule}"
                                           for col, rule in estimates.items())))
    est_keys = estimated_keys(run.town.params)
    shown = labelled(run.kpis, estimates)
    k = pd.DataFrame({"指标": [label + ESTIMATE_MARK if estimated_basis(key, est_keys)
                               and not label.endswith(ESTIMATE_MARK) else label
                               for key, label in zip(run.kpis, shown, strict=True)],
                      "数值": [_shown(key, v) for key, v in run.kpis.items()]})
    blocks.append(Table("关键指标汇总表", k))
    for a in adapters():
        m = a.name
        if m not in run.records:
            continue
        blocks.append(Heading(a.title, 1))
        rec = run.records[m]
        blocks.append(Paragraph(_solve_line(rec)))
        res = run.results.get(m)
        if res is not None and hasattr(res, "summary") and m not in ("corridor", "park_sites", "ecological_selection"):
            for line in str(res.summary()).splitlines()[:6]:
                if line.rstrip().endswith((":", "：")) and line.startswith("  "):
                    break  # a list follows (its table is in the section)
                # the solver's own words are already said above, in Chinese (_solve_line)
                text = line.replace(rec.summary, "").strip().rstrip(":：;； ") if rec.summary else line.strip()
                if text:
                    blocks.append(Paragraph(text))
        wanted = a.report_tables
        for name, frame in tables.get(m, []):
            if name in wanted:
                blocks.append(Table(name, frame))
        for name, path in figures.get(m, []):
            blocks.append(Figure(name, path))
    blocks += joint_blocks(tables)
    blocks += account_blocks(tables)
    blocks.append(Heading("参数与来源", 1))
    ptab = run.town.params.table()
    n_est = int((ptab["tag"] == "E").sum())
    blocks.append(Paragraph(f"共 {len(ptab)} 个参数，其中没有公开来源的估计值 {n_est} 个"
                            f"（本次计算用到 {len(est_keys)} 个）；全表见 tables/参数表.csv，来源见 audit.json。"))
    over = ptab[ptab["tag"] == "U"][["key", "value", "unit", "source"]]
    over = over.assign(name=over["key"].map(param_label), unit=over["unit"].replace({"text": "文本"}))
    over = over[["name", "value", "unit", "source"]].rename(columns={"name": "参数", "value": "取值", "unit": "单位",
                                                                     "source": "来源"})
    if len(over):
        blocks.append(Table("本情景调整的参数", over))
    blocks.append(Heading("求解记录", 1))
    rec_tab = pd.DataFrame([{"模型": adapter(m).title, "求解器": r.solver or "—", "状态": status_text(r.status, r.gap),
                             "间隙": "—" if r.gap is None else f"{r.gap:.2%}",
                             "目标值": "—" if r.objective is None else round(r.objective, 2),
                             "耗时(s)": round(r.wall_time_s, 2), "模型文件": r.mps or "—"}
                            for m, r in run.records.items()])
    blocks.append(Table("模型求解记录", rec_tab))
    return blocks


def source_blocks(root: str | os.PathLike[str]) -> list[Block]:
    """数据来源: the bundle's own files (paths relative to the bundle folder), as they are when the report is
    written; ``audit.json`` (written last) records the inputs' hashes, every parameter and the solver runs."""
    base = Path(root)
    files = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file() and not p.name.startswith("."))
    groups: dict[str, list[str]] = {}
    for f in files:
        groups.setdefault(f.split("/")[0] if "/" in f else "", []).append(f)
    lines = ["本报告的全部数字均来自本成果文件夹中的文件 (路径相对于成果文件夹)：audit.json 记录输入数据的哈希值、"
             "全部参数及其来源和每次求解；scenario.yaml 为情景设置；kpis.json 为关键指标。"]
    names = {"tables": "表格 (CSV, UTF-8)", "figures": "图件 (PNG)", "models": "优化模型 (MPS)", "": "其他文件"}
    for folder, members in groups.items():
        lines.append(f"{names.get(folder, folder)}：" + "、".join(members))
    return [Heading("数据来源", 1), *(Paragraph(line) for line in lines)]


def _solve_line(rec: ModelRecord) -> str:
    """``求解：最优（差距 0.18%）；目标值 6,819.96；求解 3.7 秒`` for a model's record."""
    parts = [f"求解：{status_text(rec.status, rec.gap)}"]
    if rec.objective is not None:
        parts.append(f"目标值 {rec.objective:,.2f}")
    if rec.solve_time_s is not None:
        parts.append(f"求解 {rec.solve_time_s:.1f} 秒")
    parts.append(f"共 {rec.wall_time_s:.1f} 秒")
    return "；".join(parts)


#: Chinese names of the account's models and kinds of claim (the report's 全镇用地与指标台账).
ACCOUNT_MODELS: dict[str, str] = {"park_sites": "园区选址", "corridor": "文化旅游大动脉", "linkage": "增减挂钩拆旧",
                                  "linkage_site": "增减挂钩建新安置", "reserve": "土地收储", "farmland": "耕地占补平衡",
                                  "ecological_selection": "生态保护选择"}
ACCOUNT_KINDS: dict[str, str] = {"parcel": "占用地块", "relocation": "防护距离内搬迁地块",
                                 "construction_quota": "新增建设用地指标(农用地转用)",
                                 "turnover_borrowed": "周转指标借用", "turnover_returned": "周转指标归还",
                                 "surplus_used": "节余指标本镇使用", "surplus_sold": "节余指标交易",
                                 "supplement": "补充耕地核销"}


def account_summary(account: pd.DataFrame) -> pd.DataFrame:
    """全镇用地与指标台账 in brief: per model and kind of claim, how many and how much (亩, 万元)."""
    if account.empty:
        return pd.DataFrame(columns=["模型", "类别", "条目数", "面积(亩)", "金额(万元)"])
    g = account.groupby(["model", "kind"], sort=False).agg(n=("unit_id", "size"), area=("area_mu", "sum"),
                                                             amount=("amount_wan_yuan", "sum")).reset_index()
    return pd.DataFrame({"模型": g["model"].map(ACCOUNT_MODELS).fillna(g["model"]),
                         "类别": g["kind"].map(ACCOUNT_KINDS).fillna(g["kind"]), "条目数": g["n"].astype(int),
                         "面积(亩)": g["area"].round(2), "金额(万元)": g["amount"].round(2)})


def account_blocks(tables: dict[str, list[tuple[str, pd.DataFrame]]]) -> list[Block]:
    """The report's section on the town's land account (present when the run wrote one)."""
    account = dict(tables.get("summary", [])).get("land_account")
    if account is None:
        return []
    parcels = account[account["kind"].isin(LAND_KINDS)]
    return [Heading("全镇用地与指标台账", 1),
            Paragraph(f"本情景各模型共占用 {parcels['unit_id'].nunique()} 个地块、{parcels['area_mu'].sum():,.2f} 亩, "
                      "并使用下列指标。发布前已由独立核查程序仅依据各模型的决策重新核算: 没有地块或指标单元被重复使用, "
                      "各项指标余额均不为负 (逐条明细见 tables/land_account.csv)。"),
            Table("全镇用地与指标台账 (汇总)", account_summary(account))]


def joint_blocks(tables: dict[str, list[tuple[str, pd.DataFrame]]]) -> list[Block]:
    """The report's section comparing the joint and the sequential solve (present after a joint run)."""
    t = dict(tables.get("summary", [])).get("联合与顺序求解对比")
    if t is None or len(t) < 2:
        return []
    seq, joint = t.iloc[0], t.iloc[1]
    town_j, town_s = float(joint["全镇目标值(万元)"]), float(seq["全镇目标值(万元)"])
    bound = joint["全镇目标上界(万元)"]
    bound_text = "" if pd.isna(bound) else f", 联合模型证明的上界为 {float(bound):,.1f} 万元"
    return [Heading("联合求解与顺序求解对比", 1),
            Paragraph("两种方式使用同一土地台账、同一参数和同一求解时限; 顺序求解的方案作为联合模型的初始解。"
                      f"全镇目标值 (收储目标值 + 挂钩净收益 − 占补平衡成本) 联合求解为 {town_j:,.1f} 万元, "
                      f"顺序求解为 {town_s:,.1f} 万元, 相差 {town_j - town_s:+,.1f} 万元{bound_text}。"
                      "占补平衡成本按核销时的费用计 (不贴现), 其余按贴现值计。"),
            Table("联合与顺序求解对比", t)]


def write_run_report(run: ScenarioRun, writer: Writer, *, unit: str | None = None) -> None:
    """Write ``report.html`` and ``report.docx`` of ``run`` into the writer's folder; ``unit`` is the 编制单位 on
    the cover (default the town's name)."""
    blocks = run_blocks(run, writer.tables, writer.figures) + source_blocks(writer.root)
    title = f"情景报告 {run.scenario.title or run.scenario.name}"
    write_html(blocks, writer.root / "report.html", title=title)
    write_docx(blocks, writer.root / "report.docx", title=title,
               unit=unit or str(getattr(run.town, "name", "") or ""))
