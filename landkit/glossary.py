"""One glossary: the snake_case names landkit computes with, and the Chinese headings people read.

Models and adapters compute on English snake_case names with units (``npv_wan_yuan``,
``farmland_taken_mu``); the Chinese heading with its unit is applied once, when presenting (the
bundle's ``kpis.json`` and 关键指标 table, the comparison, the report).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Headline figures of a scenario run, in the order they are shown and compared.
KPI_LABELS: dict[str, str] = {
    "npv_wan_yuan": "净现值NPV(万元)",
    "acquisition_cost_wan_yuan": "收储成本(万元)",
    "acquired_mu": "收储面积(亩)",
    "demand_shortfall_mu": "需求缺口(亩)",
    "min_cash_wan_yuan": "最低年末余额(万元)",
    "max_debt_wan_yuan": "最高负债(万元)",
    "debt_at_horizon_end_wan_yuan": "期末债务(万元)",
    "stock_value_at_horizon_end_wan_yuan": "期末库存估值(万元)",
    "deductions_wan_yuan": "土地出让收入计提(万元)",
    "land_use_fee_wan_yuan": "新增建设用地有偿使用费(万元)",
    "market_entry_mu": "集体经营性建设用地入市(亩)",
    "adjustment_fund_wan_yuan": "入市土地增值收益调节金(万元)",
    "farmland_taken_mu": "占用耕地(亩)",
    "paddy_taken_mu": "占用水田(亩)",
    "farmland_balance_cost_wan_yuan": "占补平衡费用(万元)",
    "indicators_bought_mu": "购买补充耕地指标(亩)",
    "households_moved": "搬迁户数(户)",
    "surplus_used_mu": "挂钩节余本镇使用(亩)",
    "surplus_sold_mu": "挂钩节余交易(亩)",
    "homestead_exit_households": "宅基地有偿退出(户)",
    "corridor_length_km": "廊道长度(km)",
    "corridor_cost_wan_yuan": "廊道建设费用(万元)",
    "corridor_affected_households": "廊道涉及户数(户)",
    "ecological_land_mu": "影响生态用地(亩)",
    "park_area_mu": "园区面积(亩)",
    "park_households": "园区涉及户数(户)",
    "park_farmland_mu": "园区占用耕地(亩)",
    "park_cost_wan_yuan": "园区征收成本(万元)",
    "protected_area_mu": "生态保护面积(亩)",
    "protection_cost_wan_yuan": "生态保护费用(万元)",
}
#: Figures that add up across the models of a scenario (each model contributes its own).
ADDITIVE_KPIS: tuple[str, ...] = ("households_moved", "farmland_taken_mu", "paddy_taken_mu", "ecological_land_mu")


def combine_kpis(parts: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The scenario's headline figures from each model's (snake_case): additive ones summed, rounded.

    Every key of :data:`KPI_LABELS` is present, None where no model gives it.
    """
    out: dict[str, Any] = dict.fromkeys(KPI_LABELS)
    for kpis in parts.values():
        for key, value in kpis.items():
            if key in ADDITIVE_KPIS:
                out[key] = (out[key] or 0) + value
            else:
                out[key] = value
    for key in ADDITIVE_KPIS:
        if isinstance(out[key], float):
            out[key] = round(out[key], 2)
    return out


#: Solver statuses as the report writes them.
STATUS_LABELS: dict[str, str] = {
    "optimal": "最优", "feasible": "可行", "infeasible": "不可行", "unbounded": "无界",
    "time_limit_no_solution": "时限内无可行解", "error": "求解出错", "given": "给定 (未优化)",
    "skipped": "未运行 (无需平衡)", "not run": "未运行",
}
#: Links between models, as the report writes them.
LINK_LABELS: dict[str, str] = {
    "linkage.surplus -> reserve.quota": "增减挂钩节余指标计入土地收储的新增建设用地指标",
    "linkage.supplement_units -> farmland.units": "挂钩复垦余下的新增耕地作为占补平衡补充单元",
    "reserve.occupations -> farmland.ledger": "土地收储占用耕地进入占补平衡台账",
    "corridor.occupations -> farmland.ledger": "廊道占用耕地进入占补平衡台账",
    "park_sites.occupations -> farmland.ledger": "园区占用耕地进入占补平衡台账",
}
#: The models that occupy farmland, as the 占补平衡 batches (平衡单元) name them ("土地收储 2019年").
SOURCE_LABELS: dict[str, str] = {"reserve": "土地收储", "corridor": "文化旅游大动脉", "siting": "园区选址",
                                 "park_sites": "园区选址", "linkage": "增减挂钩"}
#: The 占补平衡 regimes, as the report writes them.
REGIME_LABELS: dict[str, str] = {"auto": "按政策日期确定", "per_project": "逐项目先补后占", "annual": "年度以补定占"}


def status_text(status: str, gap: float | None = None) -> str:
    """A solve's status in Chinese, with its proven gap where the solver stopped short of optimality."""
    label = STATUS_LABELS.get(status, status)
    if status in ("optimal", "feasible") and gap is not None and gap >= 1e-4:
        # not proven optimal: the solver stopped within its gap tolerance or its time limit
        return f"{STATUS_LABELS['feasible']}（差距 {gap:.2%}）"
    return label


#: Figures that rest on an input column (when that column was estimated, the figure is an estimate too).
KPI_INPUTS: dict[str, tuple[str, ...]] = {
    "households_moved": ("households",), "park_households": ("households",),
    "corridor_affected_households": ("households",), "park_cost_wan_yuan": ("households", "floor_area_m2"),
    "acquisition_cost_wan_yuan": ("households", "floor_area_m2"), "npv_wan_yuan": ("households", "floor_area_m2"),
    "min_cash_wan_yuan": ("households", "floor_area_m2"), "max_debt_wan_yuan": ("households", "floor_area_m2"),
    "debt_at_horizon_end_wan_yuan": ("households", "floor_area_m2"),
    "deductions_wan_yuan": ("households", "floor_area_m2"),
    "stock_value_at_horizon_end_wan_yuan": ("households", "floor_area_m2"),
}
#: The mark put after a heading whose figure rests on an estimated input.
ESTIMATE_MARK = "（估）"


#: Table headings (or 资金平衡表 items) whose figures rest on an input column: a substring of the heading → inputs.
HEADING_INPUTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("户数", ("households",)), ("搬迁户", ("households",)), ("拆迁", ("households", "floor_area_m2")),
    ("收储成本", ("households", "floor_area_m2")), ("征收成本", ("households", "floor_area_m2")),
    ("预计成本", ("households", "floor_area_m2")),
    # money that rests on the demolition cost: 计提 (出让收益 is net of it), the fund's balance and debt
    ("计提", ("households", "floor_area_m2")), ("出让收入返还", ("households", "floor_area_m2")),
    ("利息", ("households", "floor_area_m2")), ("年末余额", ("households", "floor_area_m2")),
    ("年末债务", ("households", "floor_area_m2")), ("还本", ("households", "floor_area_m2")),
)


def mark_estimates(frame: Any, estimated: Iterable[str]) -> Any:
    """A table with :data:`ESTIMATE_MARK` after each heading (and 资金平衡表 item) whose figures rest on an
    estimated input column (:attr:`landkit.Town.estimates`); the table unchanged when nothing was estimated."""
    est = set(estimated)
    if not est:
        return frame

    def mark(name: Any) -> Any:
        if not isinstance(name, str) or name.endswith(ESTIMATE_MARK):
            return name
        hit = any(key in name and est & set(inputs) for key, inputs in HEADING_INPUTS)
        return name + ESTIMATE_MARK if hit else name

    out = frame.rename(columns=mark)
    if "项目" in out.columns:
        out["项目"] = out["项目"].map(mark)
    return out


#: The parameter sections (dotted prefixes) a headline figure is computed from: where an estimated parameter
#: (tag E) of these sections was read in the run, the report marks the figure （估） and names the parameters.
KPI_PARAMETERS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("npv_wan_yuan", "min_cash_wan_yuan", "max_debt_wan_yuan", "debt_at_horizon_end_wan_yuan"),
                    ("revenue.", "acquisition.", "reserve.", "financing.", "funds.")),
    "acquisition_cost_wan_yuan": ("acquisition.",), "stock_value_at_horizon_end_wan_yuan": ("revenue.", "reserve."),
    "deductions_wan_yuan": ("revenue.", "acquisition."), "land_use_fee_wan_yuan": ("revenue.",),
    "adjustment_fund_wan_yuan": ("revenue.",), "acquired_mu": ("reserve.", "revenue.", "acquisition."),
    "demand_shortfall_mu": ("reserve.",), "farmland_balance_cost_wan_yuan": ("farmland.",),
    "indicators_bought_mu": ("farmland.",), "surplus_used_mu": ("linkage.",), "surplus_sold_mu": ("linkage.",),
    "homestead_exit_households": ("people.", "linkage."), "corridor_cost_wan_yuan": ("corridor.",),
    "park_cost_wan_yuan": ("siting.", "acquisition."),
    # land and people follow the same decisions: the parcels the reserve buys, the route, the site
    **dict.fromkeys(("farmland_taken_mu", "paddy_taken_mu", "households_moved"),
                    ("revenue.", "acquisition.", "reserve.", "financing.", "funds.", "corridor.", "siting.",
                     "linkage.")),
    **dict.fromkeys(("corridor_length_km", "corridor_affected_households", "ecological_land_mu"), ("corridor.",)),
    **dict.fromkeys(("park_farmland_mu", "park_households"), ("siting.",)),
}
#: Input columns landkit may estimate (:attr:`landkit.Town.estimates`), as the report names them.
COLUMN_LABELS: dict[str, str] = {"households": "户数", "floor_area_m2": "建筑面积"}


def estimated_basis(kpi: str, estimated_keys: Iterable[str]) -> list[str]:
    """The estimated parameters (of ``estimated_keys``: tag E, read in the run) that ``kpi`` is computed from."""
    prefixes = KPI_PARAMETERS.get(kpi, ())
    return sorted(k for k in estimated_keys if k.startswith(prefixes)) if prefixes else []


def labelled(kpis: Mapping[str, Any], estimated: Iterable[str] = ()) -> dict[str, Any]:
    """The headline figures under their Chinese headings (as the 关键指标 table shows them).

    ``estimated`` names input columns landkit estimated (:attr:`landkit.Town.estimates`); a figure that
    rests on one gets :data:`ESTIMATE_MARK` after its heading.
    """
    est = set(estimated)
    return {KPI_LABELS.get(k, k) + (ESTIMATE_MARK if est & set(KPI_INPUTS.get(k, ())) else ""): v
            for k, v in kpis.items()}


__all__ = [
    "ADDITIVE_KPIS",
    "COLUMN_LABELS",
    "ESTIMATE_MARK",
    "HEADING_INPUTS",
    "KPI_INPUTS",
    "KPI_LABELS",
    "KPI_PARAMETERS",
    "LINK_LABELS",
    "REGIME_LABELS",
    "SOURCE_LABELS",
    "STATUS_LABELS",
    "combine_kpis",
    "estimated_basis",
    "labelled",
    "mark_estimates",
    "status_text",
]
