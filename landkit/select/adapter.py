"""滨河生态廊道 in a scenario: the ecological selection's adapter (:mod:`landkit.scenario.registry`).

Which parcels of the study area (the riverside band, or the whole town) to acquire for protection so
that a share of each ecological land-use group is protected at least cost, with a boundary penalty for
a compact corridor (:mod:`landkit.select`).
"""

from __future__ import annotations

from typing import Any

from landkit._errors import Problem, ValidationError
from landkit.account import claim_rows
from landkit.landuse import GROUP_LABELS
from landkit.scenario.checks import BOOL, COMMON, NON_NEGATIVE, YEAR, Check, is_number
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import ModelAdapter
from landkit.select.result import SelectionResult
from landkit.select.town import feature_label, from_town, plot_selection, riverside_parcels
from landkit.town import Town

OPTIONS: dict[str, Check] = {
    **COMMON,
    "targets": (lambda v: isinstance(v, dict) and len(v) > 0 and all(
        k in GROUP_LABELS and is_number(s) and 0 < s <= 1 for k, s in v.items()),
        "a mapping {land-use group: share of its area to protect}, e.g. {forest: 0.3, water: 0.3, wetland: 0.3}"),
    "study_area": (lambda v: v in ("riverside", "town"), "'riverside' (the band along the river) or 'town'"),
    "river": (lambda v: isinstance(v, str) and v != "", "the river's name in layer river_area, e.g. 祊河"),
    "blm": (NON_NEGATIVE[0], "万元 per metre of edge, a number ≥ 0 (0: cheapest; larger: more compact)"),
    "no_relocation": BOOL,
    "year": YEAR,
}


def solve(ctx: RunContext, rec: ModelRecord) -> SelectionResult:
    """Select on the free parcels of the study area, check the targets, claim the parcels."""
    town, land = ctx.town, ctx.land
    o = ctx.options("ecological_selection")
    if o.get("study_area", "riverside") == "riverside":
        study = riverside_parcels(town, river=o.get("river", "祊河"))
    else:
        study = town.parcels.index
    free = land.free(study)
    rec.notes.append(f"study area {len(study)} parcels, {len(study) - len(free)} taken by other models")
    locked_out = free[town.parcels.loc[free, "households"].fillna(0).to_numpy() > 0] \
        if o.get("no_relocation", True) else []
    targets = {feature_label(g): float(s) for g, s in o["targets"].items()}
    problem = from_town(town, parcels=free, groups=tuple(o["targets"]), blm=float(o.get("blm", 0.0)),
                        locked_out=locked_out).with_min_set(targets, relative=True)
    opts = ctx.solve_options("ecological_selection")
    res = problem.solve(time_limit_s=opts["time_limit_s"], mip_gap=opts["mip_gap"])
    rec.record_outcome(res.solve_result)
    if not res.has_solution():
        res.solve_result.raise_for_status(model_name="生态保护地块选择 (SelectionProblem)")
    ev = res.evaluation
    if not ev.targets_met:  # the independent evaluation disagrees with the solver: never publish
        raise ValidationError(f"scenario {ctx.scenario.name}", [Problem(
            "models.ecological_selection", "the selection found misses a target: " + "; ".join(ev.violations[:5]),
            "lower the targets or widen the study area", "target")])
    chosen = town.parcels.loc[res.selected]
    cost = problem.units.loc[res.selected, "cost_wan_yuan"].to_numpy()
    year = int(o.get("year", max(town.params["town.plan_years"])))
    land.add(claim_rows("ecological_selection", "parcel", chosen.index, [year] * len(chosen), chosen["area_mu"],
                   amount_wan_yuan=cost, note="生态保护收储"))
    return res


#: The coverage table's headings as the report writes them (amounts in the features' own unit: 亩 of land).
COVERAGE_HEADINGS = {"total": "总量(亩)", "target": "目标(亩)", "held": "已保护(亩)", "shortfall": "缺口(亩)",
                     "met": "达标"}


def write(ctx: RunContext, res: SelectionResult, rec: ModelRecord) -> None:
    """Targets met, the parcels selected with their cost, the layer and the map."""
    w, town = ctx.writer, ctx.town
    if w is None:  # a run that writes nothing (a sweep's sample) has no writer
        return
    cover = res.target_coverage().rename(columns=COVERAGE_HEADINGS)
    cover.index = [GROUP_LABELS.get(str(f), str(f)) for f in cover.index]
    cover.index.name = "保护对象"
    w.table("ecological_selection", "生态保护目标完成表", cover, index=True)
    chosen = town.parcels.loc[res.selected]
    table = chosen[["ZLDWMC", "DLMC", "area_mu", "households"]].rename(columns={
        "ZLDWMC": "坐落", "DLMC": "现状地类", "area_mu": "面积(亩)", "households": "户数"})
    table["费用(万元)"] = res.problem.units.loc[res.selected, "cost_wan_yuan"].round(2).to_numpy()
    w.table("ecological_selection", "生态保护地块表", table, index=True)
    w.layer("ecological_selection", chosen.assign(cost_wan_yuan=table["费用(万元)"].to_numpy()))
    w.figure("ecological_selection", "生态保护地块图", plot_selection(town, res))


def kpis(res: SelectionResult, town: Town) -> dict[str, Any]:
    """Area and cost of the protected parcels."""
    ev = res.evaluation
    area = float(town.parcels.loc[res.selected, "area_mu"].sum())
    return {"protected_area_mu": round(area, 2), "protection_cost_wan_yuan": round(float(ev.cost), 2)}


ADAPTER = ModelAdapter(
    name="ecological_selection", order=60, label="生态保护选择", title="滨河生态廊道 (生态保护地块选择)",
    options=OPTIONS, solve=solve, write=write, kpis=kpis, report_tables=("生态保护目标完成表",), required=("targets",),
)
