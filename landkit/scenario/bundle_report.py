"""The report of one scenario run (report.html and report.docx inside the bundle)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from landkit.account import LAND_KINDS
from landkit.glossary import LINK_LABELS, REGIME_LABELS, labelled, status_text
from landkit.report import Block, Figure, Heading, Paragraph, Table, write_docx, write_html
from landkit.scenario.registry import adapter, adapters


def run_blocks(run: Any, tables: dict[str, list[tuple[str, pd.DataFrame]]],
               figures: dict[str, list[tuple[str, Any]]]) -> list[Block]:
    """The report's blocks: scenario, KPIs, one section per model, parameters and the solver record."""
    sc = run.scenario
    blocks: list[Block] = [Heading(f"情景报告：{sc.title or sc.name}", 0)]
    blocks.append(Heading("情景说明", 1))
    text = sc.description or "—"
    blocks.append(Paragraph(f"情景 {sc.name}: {text}"))
    changed = "；".join(f"{k} = {v}" for k, v in sc.parameters.items()) or "无"
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
        blocks.append(Paragraph("估算的输入 (the data lacks them; figures marked （估） rest on them): "
                                + "; ".join(f"{col}: {rule}" for col, rule in estimates.items())))
    shown = labelled(run.kpis, estimates)
    k = pd.DataFrame({"指标": list(shown), "数值": ["—" if v is None else v for v in shown.values()]})
    blocks.append(Table("关键指标汇总表", k))
    for a in adapters():
        m = a.name
        if m not in run.records:
            continue
        blocks.append(Heading(a.title, 1))
        rec = run.records[m]
        blocks.append(Paragraph(_solve_line(rec)))
        res = run.results.get(m)
        if res is not None and hasattr(res, "summary") and m not in ("corridor", "park_sites"):
            for line in str(res.summary()).splitlines()[:6]:
                # the solver's own words are already said above, in Chinese (_solve_line)
                text = line.replace(rec.summary, "").strip().rstrip(":：;； ") if rec.summary else line.strip()
                if text and not text.endswith(":"):
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
    blocks.append(Paragraph(f"共 {len(ptab)} 个参数, 其中估计值 (E, no published source) {n_est} 个; "
                            "全表见 tables/参数表.csv, 来源见 audit.json."))
    over = ptab[ptab["tag"] == "U"][["key", "value", "unit", "source"]]
    if len(over):
        blocks.append(Table("本情景调整的参数", over))
    blocks.append(Heading("求解记录", 1))
    rec_tab = pd.DataFrame([{"模型": adapter(m).title, "求解器": r.solver or "—", "状态": status_text(r.status),
                             "间隙": "—" if r.gap is None else f"{r.gap:.2%}",
                             "目标值": "—" if r.objective is None else round(r.objective, 2),
                             "耗时(s)": round(r.wall_time_s, 2), "模型文件": r.mps or "—"}
                            for m, r in run.records.items()])
    blocks.append(Table("模型求解记录", rec_tab))
    return blocks


def _solve_line(rec: Any) -> str:
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
                                  "linkage_site": "增减挂钩建新安置", "reserve": "土地收储", "farmland": "耕地占补平衡"}
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


def write_run_report(run: Any, writer: Any) -> None:
    """Write ``report.html`` and ``report.docx`` of ``run`` into the writer's folder."""
    blocks = run_blocks(run, writer.tables, writer.figures)
    title = f"情景报告 {run.scenario.name}"
    write_html(blocks, writer.root / "report.html", title=title)
    write_docx(blocks, writer.root / "report.docx", title=title, unit=str(getattr(run.town, "name", "") or ""))
