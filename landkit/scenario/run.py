"""Run a scenario: load the town, apply overrides, run the models in order with their links, write the bundle.

The bundle is written into a temporary folder beside the target and renamed into place only when
everything is written (:func:`landkit.atomic.atomic_dir`): an interrupted or failed run leaves the
previous bundle as it was. Layout::

    RUN/
      results.gpkg        every result layer (park_sites, reserve_parcels, linkage_plots, linkage_sites,
                          corridor_route, corridor_parcels, town_boundary)
      tables/*.csv        UTF-8 with BOM (Excel opens it), Chinese headings with units
      figures/*.png
      models/*.mps        every solved optimisation model, for audit
      report.html         self-contained (figures embedded), report.docx (Word)
      kpis.json           headline figures (read by :func:`landkit.scenario.compare`)
      audit.json          input hashes, parameters with provenance, versions, per-model solver records
      scenario.yaml       the scenario as run
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from landkit._errors import AccountError, Problem, ValidationError
from landkit.atomic import atomic_dir, check_output_folder
from landkit.scenario.schema import MODEL_ORDER, Scenario, load_scenario

#: Land-use groups counted as ecological land (林地, 草地, 湿地, 水域).
ECOLOGICAL_GROUPS: tuple[str, ...] = ("forest", "grassland", "wetland", "water")
MODEL_LABELS: dict[str, str] = {"corridor": "文化旅游大动脉", "linkage": "增减挂钩", "reserve": "土地收储",
                                "farmland": "耕地占补平衡", "park_sites": "园区选址"}
#: Headline figures of a run, in the order they are compared.
KPI_LABELS: tuple[str, ...] = (
    "净现值NPV(万元)", "收储成本(万元)", "收储面积(亩)", "需求缺口(亩)", "最低年末余额(万元)", "最高负债(万元)",
    "占用耕地(亩)", "占用水田(亩)", "占补平衡费用(万元)", "购买补充耕地指标(亩)", "搬迁户数(户)",
    "挂钩节余本镇使用(亩)", "挂钩节余交易(亩)", "廊道长度(km)", "廊道建设费用(万元)", "影响生态用地(亩)",
    "园区面积(亩)", "园区涉及户数(户)", "园区占用耕地(亩)",
)
VERSIONED = ("landkit", "numpy", "pandas", "scipy", "xarray", "linopy", "highspy", "pulp", "geopandas", "pyogrio",
             "shapely", "pyproj", "rasterio", "scikit-image", "matplotlib", "pyyaml", "python-docx")


@dataclass
class LandState:
    """The land account as a scenario runs: parcels taken so far, every model's claims, supplement units.

    Each model sees only the parcels no earlier model took (``taken``) and adds its claims
    (:mod:`landkit.account`); before the bundle is published the whole account is checked again
    from the claims alone (:func:`landkit.account.check_account`).
    """

    taken: set[str] = field(default_factory=set)
    claims: list[pd.DataFrame] = field(default_factory=list)
    units: pd.DataFrame | None = None
    reclaimed_mu: float | None = None
    protected_allowed: set[str] = field(default_factory=set)

    def add(self, claims: pd.DataFrame, *, take: bool = True) -> None:
        """Record a model's claims; with ``take`` its parcels are no longer free for later models."""
        self.claims.append(claims)
        if take:
            self.taken |= set(claims.loc[claims["kind"] == "parcel", "unit_id"].astype(str))

    def account(self) -> pd.DataFrame:
        """Every claim so far (:data:`landkit.account.CLAIM_COLUMNS`)."""
        from landkit.account import empty_account

        parts = [c for c in self.claims if len(c)]
        return pd.concat(parts, ignore_index=True) if parts else empty_account()


@dataclass
class ModelRecord:
    """What the audit keeps of one model run."""

    model: str
    solver: str | None = None
    status: str = "not run"
    gap: float | None = None
    objective: float | None = None
    solve_time_s: float | None = None
    wall_time_s: float = 0.0
    mps: str | None = None
    summary: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``audit.json``."""
        return dict(self.__dict__)


@dataclass
class ScenarioRun:
    """A finished run: the scenario, the town, each model's result and its record.

    Attributes
    ----------
    scenario : Scenario
    town : landkit.Town
        With the scenario's parameters.
    results : dict
        Model name → result object (``ReserveResult``, ``LinkageResult``, ``Route``, ``FarmlandResult``).
    records : dict
        Model name → :class:`ModelRecord`.
    kpis : dict
        Headline figures (:data:`KPI_LABELS`); None where the model did not run.
    path : Path or None
        The bundle folder.
    """

    scenario: Scenario
    town: Any
    results: dict[str, Any] = field(default_factory=dict)
    records: dict[str, ModelRecord] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    load_time_s: float = 0.0
    land: LandState = field(default_factory=LandState)

    def timings(self) -> pd.DataFrame:
        """Seconds per model (wall clock, including building and writing) and in the solver."""
        rows = [{"模型": MODEL_LABELS[m], "model": m, "状态": r.status, "总耗时(s)": round(r.wall_time_s, 2),
                 "求解耗时(s)": None if r.solve_time_s is None else round(r.solve_time_s, 2)}
                for m, r in self.records.items()]
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------- helpers
def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file (or, for a folder such as a File Geodatabase, of its files in name order)."""
    p = Path(path)
    h = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            h.update(str(f.relative_to(p)).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def input_files(scenario: Scenario) -> list[tuple[str, Path]]:
    """Every input file of a scenario as ``(role, path)``: the scenario, parcels, DEM, parameters."""
    from landkit.params import SAMPLE_DIR

    files: list[tuple[str, Path]] = []
    if scenario.path is not None:
        files.append(("scenario", Path(scenario.path)))
    if scenario.data["source"] == "sample":
        files += [("parcels", SAMPLE_DIR / "tanyi.gpkg"), ("dem", SAMPLE_DIR / "dem.tif")]
    else:
        files.append(("parcels", Path(scenario.data["source"])))
        if scenario.data.get("dem"):
            files.append(("dem", Path(scenario.data["dem"])))
    files.append(("parameters", Path(scenario.data["params"]) if scenario.data.get("params")
                  else SAMPLE_DIR / "parameters.yaml"))
    return files


def load_town(scenario: Scenario) -> Any:
    """The scenario's town with its parameter file and overrides (provenance ``scenario <name>``)."""
    from landkit.params import Parameters
    from landkit.town import Town, load_sample

    data = scenario.data
    if data["source"] == "sample":
        town = load_sample()
    else:
        town = Town.from_files(data["source"], layer=data.get("layer"), dem=data.get("dem"))
    params = Parameters.load(data.get("params")) if data.get("params") else town.params
    if scenario.parameters:
        params = params.with_overrides(scenario.parameters, source=f"scenario {scenario.name}")
    return town.with_params(params)


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item):
        return v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _plain_layer(gdf: Any) -> Any:
    """A copy whose object columns hold text (GeoPackage stores no lists or mixed types)."""
    out = gdf.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if isinstance(v, str) or v is None else json.dumps(_jsonable(v),
                                                                                              ensure_ascii=False))
    out.index = out.index.astype(str)
    return out.reset_index(names="id") if "id" not in out.columns else out.reset_index(drop=True)


class _Writer:
    """Collects tables, figures and layers into the temporary bundle folder."""

    def __init__(self, root: Path, dpi: int) -> None:
        self.root, self.dpi = root, dpi
        for sub in ("tables", "figures", "models"):
            (root / sub).mkdir()
        self.tables: dict[str, list[tuple[str, pd.DataFrame]]] = {}
        self.figures: dict[str, list[tuple[str, Path]]] = {}

    def table(self, model: str, name: str, frame: pd.DataFrame, *, index: bool = False) -> None:
        frame.to_csv(self.root / "tables" / f"{name}.csv", index=index, encoding="utf-8-sig")
        self.tables.setdefault(model, []).append((name, frame))

    def figure(self, model: str, name: str, fig: Any) -> None:
        import matplotlib.pyplot as plt

        path = self.root / "figures" / f"{name}.png"
        fig.savefig(path, dpi=self.dpi, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        self.figures.setdefault(model, []).append((name, path))

    def layer(self, name: str, gdf: Any) -> None:
        if gdf is not None and len(gdf):
            _plain_layer(gdf).to_file(self.root / "results.gpkg", layer=name, driver="GPKG")

    def mps(self, model: str, outcome: Any, record: ModelRecord) -> None:
        from landkit.optimize import export_model

        rel = f"models/{model}.mps"
        export_model(outcome.model, self.root / rel)
        record.mps = rel


def _record_outcome(rec: ModelRecord, outcome: Any) -> None:
    rec.solver = outcome.solver
    rec.status = outcome.status.value
    rec.gap = None if outcome.gap is None else float(outcome.gap)
    rec.objective = None if outcome.objective is None else float(outcome.objective)
    rec.solve_time_s = float(outcome.runtime_s)
    rec.summary = outcome.summary()


# --------------------------------------------------------------------------- the models
def _run_corridor(sc: Scenario, town: Any, w: _Writer, rec: ModelRecord, land: LandState) -> Any:
    from landkit.account import corridor_claims
    from landkit.corridor import TourismCorridor

    o = sc.options("corridor")
    protected = o.get("protected", "barrier")
    corridor = TourismCorridor.from_town(town, neighbours=int(o.get("neighbours", 8)), protected=protected,
                                         exclude_parcels=sorted(land.taken))
    if o.get("order"):
        route = corridor.route(o["order"], name=o.get("name"))
        rec.status, rec.summary = "given", "route order given in the scenario (no optimisation)"
    else:
        choice = corridor.best_order(by=o.get("by", "length_m"), start=o.get("start"), end=o.get("end"),
                                     **sc.solve_options("corridor"))
        route = corridor.route(choice, name=o.get("name"))
        rec.solver, rec.status, rec.gap = "highs", choice.status, choice.gap
        rec.objective, rec.summary = float(choice.objective), choice.summary
        rec.notes.append("RouteChoice keeps no solver model or run time, so no MPS file is written for the corridor")
    w.table("corridor", "廊道线路分段表", route.table())
    w.table("corridor", "廊道线路指标", pd.DataFrame([route.summary()]))
    w.table("corridor", "廊道用地征收表", route.acquisition_table())
    crossings = route.protected_crossings()
    w.table("corridor", "廊道穿越保护区表", crossings.rename(columns={
        "layer": "图层", "name": "保护区", "length_m": "穿越长度(m)", "area_mu": "占用面积(亩)"}))
    if protected == "allow":
        land.protected_allowed.add("corridor")
        rec.notes.append("protected land may be crossed (models.corridor.protected: allow): " + "; ".join(
            f"{r.name} {r.length_m:,.0f} m, {r.area_mu:,.2f} 亩" for r in crossings.itertuples()))
    land.add(corridor_claims(route))
    seg = route.segments.copy()
    w.layer("corridor_route", seg)
    taken = route.parcels_taken()
    geo = town.parcels.geometry.reindex(taken["BSM"]).to_numpy()
    import geopandas as gpd

    w.layer("corridor_parcels", gpd.GeoDataFrame(taken, geometry=geo, crs=town.crs))
    w.figure("corridor", "廊道线路图", corridor.plot({route.name: route}))
    route.corridor = corridor  # type: ignore[attr-defined]
    return route


def _run_park_sites(sc: Scenario, town: Any, w: _Writer, rec: ModelRecord, land: LandState) -> Any:
    from landkit.siting.parks import ParkSpec, site_parks

    o = sc.options("park_sites")
    specs = [ParkSpec(str(p["name"]), str(p["kind"]), float(p["area_mu"])) for p in o["parks"]]
    exclude = None
    if o.get("exclude_villages"):
        wanted = {str(v) for v in o["exclude_villages"]}
        cols = [c for c in ("ZLDWMC", "ZLDWDM") if c in town.parcels.columns]
        hit = town.parcels[cols].astype(str).isin(wanted).any(axis=1) if cols else pd.Series(False, town.parcels.index)
        exclude = town.parcels.index[hit.to_numpy()]
        rec.notes.append(f"{len(exclude)} parcels of {', '.join(sorted(wanted))} excluded")
    if land.taken:
        taken = town.parcels.index[town.parcels.index.astype(str).isin(land.taken)]
        exclude = taken if exclude is None else exclude.union(taken)
    year = int(o.get("year", max(town.params["town.plan_years"])))
    res = site_parks(town, specs, buffer_m=o.get("buffer_m"), perimeter_weight=o.get("perimeter_weight"),
                     min_separation_m=o.get("min_separation_m"), year=year, exclude=exclude,
                     **sc.solve_options("park_sites"))
    sol = res.solve
    rec.solver, rec.status = "highs", str(getattr(sol.status, "value", sol.status))
    rec.gap = None if sol.gap is None else float(sol.gap)
    rec.objective = None if getattr(sol, "objective", None) is None else float(sol.objective)
    rec.summary = sol.summary()
    rec.notes += list(res.notes[1:])
    rec.notes.append("the contiguous search adds cuts over several solves, so no single MPS file is written")
    w.table("park_sites", "园区选址汇总", res.summary())
    w.table("park_sites", "园区选址地块表", res.parcels.drop(columns="geometry", errors="ignore"), index=True)
    w.layer("park_sites", res.sites)
    w.figure("park_sites", "园区选址图", res.plot())
    from landkit.account import park_claims

    land.add(park_claims(res, year))
    return res


def _run_linkage(sc: Scenario, town: Any, w: _Writer, rec: ModelRecord, land: LandState) -> Any:
    from landkit.account import linkage_claims
    from landkit.quota import LinkagePlan, check_linkage

    o = sc.options("linkage")
    plan = LinkagePlan.from_town(town, years=o.get("years"), villages=o.get("villages"),
                                 whole_villages=o.get("whole_villages"), objective=o.get("objective", "max_value"),
                                 excluded=o.get("excluded", ()), exclude_parcels=sorted(land.taken))
    res = plan.solve(**sc.solve_options("linkage"))
    _record_outcome(rec, res.outcome)
    problems = check_linkage(res)
    if problems:
        raise AccountError("linkage plan failed its independent check:\n" + "\n".join(problems))
    claims = linkage_claims(res)
    land.add(claims)
    accepted = res.plots.dropna(subset=["year_accepted"])
    land.reclaimed_mu = float(accepted["reclaim_mu"].sum())
    if res.plan.sites_gdf is not None and len(res.sites):
        from landkit.account import site_parcels

        # the whole of an opened site is set aside for resettlement: no other model may take its parcels
        land.taken |= {b for parcels in site_parcels(town, res.sites_gdf()).values() for b in parcels}
    w.mps("linkage", res.outcome, rec)
    w.table("linkage", "增减挂钩台账", res.ledger(), index=True)
    w.table("linkage", "增减挂钩成本", res.costs(), index=True)
    w.layer("linkage_plots", res.plots_gdf())
    w.layer("linkage_sites", res.sites_gdf())
    w.figure("linkage", "增减挂钩项目区图", res.plot_map())
    return res


def _run_reserve(sc: Scenario, town: Any, w: _Writer, rec: ModelRecord, linkage: Any, land: LandState) -> Any:
    from landkit.account import reserve_claims
    from landkit.reserve import ReservePlan, check_plan

    o = sc.options("reserve")
    budget = o.pop("budget_wan_yuan", None)
    if isinstance(budget, dict):
        budget = {int(k): float(v) for k, v in budget.items()}
    kw: dict[str, Any] = {k: o[k] for k in ("use_bonds", "use_company", "lock_in", "lock_out") if k in o}
    if land.taken:
        # parcels an earlier model took (a park, the corridor, 挂钩 拆旧 or 建新) are not for the reserve to buy
        taken = town.parcels.index.astype(str)[town.parcels.index.astype(str).isin(land.taken)]
        clash = sorted(set(map(str, kw.get("lock_in", ()))) & set(taken))
        if clash:
            raise ValidationError(f"scenario {sc.name}", [Problem(
                "models.reserve.lock_in", f"names parcels another model of the scenario takes: {clash[:10]}",
                "remove them from lock_in, or disable the model that takes them", "conflict")])
        kw["lock_out"] = sorted(set(map(str, kw.get("lock_out", ()))) | set(taken))
        rec.notes.append(f"{len(taken)} parcels taken by the park, corridor or 挂钩 are not reserve candidates")
    if linkage is not None and sc.has_link("linkage.surplus -> reserve.quota"):
        kw["linkage_surplus_mu"] = linkage.surplus_by_year()
    plan = ReservePlan.from_town(town, years=o.get("years"), budget_wan_yuan=budget,
                                 objective=o.get("objective", "npv"), price_change=float(o.get("price_change", 0.0)),
                                 compactness_wan_yuan_per_km=o.get("compactness_wan_yuan_per_km"), **kw)
    res = plan.solve(**sc.solve_options("reserve"))
    _record_outcome(rec, res.outcome)
    problems = check_plan(res)
    if problems:  # the independent checker disagrees with the solver: never publish such a plan
        raise AccountError("reserve plan failed its independent check:\n" + "\n".join(problems))
    land.add(reserve_claims(res))
    w.mps("reserve", res.outcome, rec)
    w.table("reserve", "年度土地储备计划表", res.plan_table())
    w.table("reserve", "年度储备计划汇总", res.annual_plan(), index=True)
    w.table("reserve", "资金平衡表", res.cashflow(), index=True)
    w.table("reserve", "指标使用表", res.quota_use(), index=True)
    w.table("reserve", "用地需求保障表", res.demand_table())
    w.layer("reserve_parcels", res.schedule_gdf())
    w.figure("reserve", "土地收储计划图", res.plot_map())
    w.figure("reserve", "资金平衡图", res.plot_cashflow())
    return res


def _run_farmland(sc: Scenario, town: Any, w: _Writer, rec: ModelRecord, results: dict[str, Any],
                  land: LandState) -> Any:
    from landkit.account import farmland_claims
    from landkit.farmland import (
        FarmlandBalance,
        FarmlandLedger,
        candidate_unit_parcels,
        candidate_units,
        check_balance,
    )
    from landkit.farmland.prices import regime_for

    o = sc.options("farmland")
    regime = o.get("regime") or sc.policy.get("farmland_regime", "auto")
    if regime == "auto" and sc.policy.get("date"):
        regime = regime_for(sc.policy["date"], town.params)
        rec.notes.append(f"regime {regime} from policy date {sc.policy['date']}")
    ledger = FarmlandLedger(town.params, regime=regime)
    for model in ("reserve", "corridor", "park_sites"):
        if model in results and sc.has_link(f"{model}.occupations -> farmland.ledger"):
            occ = results[model].occupations()
            if len(occ):
                ledger.occupy(occ)
    if ledger.occupations.empty:
        rec.status, rec.summary = "skipped", "no farmland occupied by the linked models: nothing to balance"
        return None
    years = [int(y) for y in ledger.occupations["year"]] if "year" in ledger.occupations else []
    base_year = int(o.get("base_year", min(years) if years else town.params["town.plan_years"][0]))
    free = sorted(land.taken)
    ledger.add_units(candidate_units(town, base_year=base_year, exclude_parcels=free))
    if "linkage" in results and sc.has_link("linkage.supplement_units -> farmland.units"):
        units = results["linkage"].supplement_units()
        if len(units):
            ledger.add_units(units)
    res = FarmlandBalance(ledger).solve(duals=bool(o.get("duals", True)), **sc.solve_options("farmland"))
    _record_outcome(rec, res.outcome)
    problems = check_balance(res)
    if problems:
        raise AccountError("farmland balance failed its independent check:\n" + "\n".join(problems))
    land.units = ledger.units
    area = town.parcels["area_mu"].astype(float).set_axis(town.parcels.index.astype(str))
    land.add(farmland_claims(res, candidate_unit_parcels(town, exclude_parcels=free), area))
    w.mps("farmland", res.outcome, rec)
    w.table("farmland", "占补平衡核算表", res.balance_sheet(), index=True)
    w.table("farmland", "补充耕地核销清单", res.units_cancelled())
    if res.dual_outcome is not None:
        w.table("farmland", "占补平衡边际成本", res.marginal_costs(), index=True)
    w.figure("farmland", "占补平衡图", res.plot())
    return res


# --------------------------------------------------------------------------- KPIs
def _kpis(town: Any, results: dict[str, Any]) -> dict[str, Any]:
    k: dict[str, Any] = dict.fromkeys(KPI_LABELS)
    groups = town.parcels["landuse_group"]
    eco = 0.0
    households = 0
    farm_mu = paddy_mu = 0.0
    r = results.get("reserve")
    if r is not None:
        rk = r.kpis()
        k.update({"净现值NPV(万元)": rk["npv_wan_yuan"], "收储成本(万元)": rk["cost_wan_yuan"],
                  "收储面积(亩)": rk["acquired_mu"], "需求缺口(亩)": rk["shortfall_mu"],
                  "最低年末余额(万元)": rk["min_cash_wan_yuan"], "最高负债(万元)": rk["max_debt_wan_yuan"]})
        households += int(rk["households"])
        farm_mu += float(rk["farmland_mu"])
        paddy_mu += float(rk["paddy_mu"])
        s = r.schedule
        eco += float(s.loc[groups.reindex(s.index).isin(ECOLOGICAL_GROUPS).to_numpy(), "area_mu"].sum())
    lk = results.get("linkage")
    if lk is not None:
        q = lk.kpis()
        households += int(q["households"])
        k.update({"挂钩节余本镇使用(亩)": q["surplus_used_mu"], "挂钩节余交易(亩)": q["surplus_sold_mu"]})
    c = results.get("corridor")
    if c is not None:
        cs = c.summary()
        taken = c.parcels_taken()
        households += int(cs["涉及户数"])
        farm_mu += float(cs["占用耕地(亩)"])
        paddy_mu += float(cs["其中水田(亩)"])
        eco += float(taken.loc[taken["landuse_group"].isin(ECOLOGICAL_GROUPS), "taken_mu"].sum())
        k.update({"廊道长度(km)": cs["长度(km)"], "廊道建设费用(万元)": cs["建设费用(万元)"]})
    ps = results.get("park_sites")
    if ps is not None:
        sm = ps.summary()
        households += int(sm["涉及户数"].sum())
        farm_mu += float(sm["占用耕地(亩)"].sum())
        paddy_mu += float(sm["占用水田(亩)"].sum())
        t = ps.parcels
        eco += float(t.loc[t["landuse_group"].isin(ECOLOGICAL_GROUPS), "area_mu"].sum()) if len(t) else 0.0
        k.update({"园区面积(亩)": round(float(sm["面积(亩)"].sum()), 2), "园区涉及户数(户)": int(sm["涉及户数"].sum()),
                  "园区占用耕地(亩)": round(float(sm["占用耕地(亩)"].sum()), 2)})
    f = results.get("farmland")
    if f is not None:
        k["占补平衡费用(万元)"] = round(float(f.cost_wan_yuan), 2)
        t = f.units_cancelled()
        bought = t.loc[t["来源"] == "购买指标", "数量(亩)"].sum() if len(t) and "来源" in t else 0.0
        k["购买补充耕地指标(亩)"] = round(float(bought), 2)
    if r is not None or c is not None or ps is not None:
        k.update({"占用耕地(亩)": round(farm_mu, 2), "占用水田(亩)": round(paddy_mu, 2),
                  "影响生态用地(亩)": round(eco, 2)})
    if r is not None or lk is not None or c is not None or ps is not None:
        k["搬迁户数(户)"] = households
    return k


# --------------------------------------------------------------------------- run
def run_scenario(scenario: Scenario | str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                 dpi: int = 110, progress: bool = True, report: bool = True, force: bool = False) -> ScenarioRun:
    """Run every enabled model of ``scenario`` with its links and write the result bundle atomically.

    Parameters
    ----------
    scenario : Scenario or path
        A validated scenario or a scenario file.
    out : path, optional
        The bundle folder; default ``out/<scenario name>``. An existing bundle is replaced only when
        the new one is complete; a file or a folder landkit did not write is refused before anything
        runs (:func:`landkit.atomic.check_output_folder`).
    dpi : int
        Resolution of the PNG figures.
    progress : bool
        Show a tqdm progress bar (on stderr).
    report : bool
        Write ``report.html`` and ``report.docx``.
    force : bool
        Replace an earlier bundle at ``out`` even if files were added to it.

    Returns
    -------
    ScenarioRun
        Results, per-model records and KPIs; ``.path`` is the bundle.

    Raises
    ------
    ValidationError
        A bad scenario or parameter override.
    InfeasibleError, SolverError, RuntimeError
        A model cannot be solved or fails its independent check; no bundle is written then.
    """
    from tqdm.auto import tqdm

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    target = Path(out) if out is not None else Path("out") / sc.name
    check_output_folder(target, force=force)
    steps = [m for m in MODEL_ORDER if sc.enabled(m)]
    bar = tqdm(total=len(steps) + 3, desc=f"情景 {sc.name}", unit="步", disable=not progress, leave=False)
    try:
        bar.set_postfix_str("载入数据 loading data")
        t0 = time.perf_counter()
        town = load_town(sc)
        run = ScenarioRun(scenario=sc, town=town, load_time_s=time.perf_counter() - t0)
        bar.update()
        with atomic_dir(target, kind="run bundle", force=force) as tmp:
            w = _Writer(tmp, dpi)
            land = run.land
            runners: dict[str, Callable[[ModelRecord], Any]] = {
                "park_sites": lambda rec: _run_park_sites(sc, town, w, rec, land),
                "corridor": lambda rec: _run_corridor(sc, town, w, rec, land),
                "linkage": lambda rec: _run_linkage(sc, town, w, rec, land),
                "reserve": lambda rec: _run_reserve(sc, town, w, rec, run.results.get("linkage"), land),
                "farmland": lambda rec: _run_farmland(sc, town, w, rec, run.results, land),
            }
            for m in steps:
                bar.set_postfix_str(MODEL_LABELS[m])
                rec = ModelRecord(m)
                t1 = time.perf_counter()
                res = runners[m](rec)
                rec.wall_time_s = time.perf_counter() - t1
                run.records[m] = rec
                if res is not None:
                    run.results[m] = res
                bar.update()
            _refuse_unread_overrides(sc, town.params)
            account = _checked_account(sc, town, land)
            w.table("summary", "land_account", account)
            if "XZQ" in town.layers:
                w.layer("town_boundary", town.layers["XZQ"])
            run.kpis = _kpis(town, run.results)
            w.table("summary", "关键指标", pd.DataFrame({"指标": list(run.kpis), "数值": list(run.kpis.values())}))
            w.table("summary", "参数表", town.params.table())
            w.table("summary", "模型耗时", run.timings())
            (tmp / "kpis.json").write_text(json.dumps(_jsonable(run.kpis), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
            (tmp / "scenario.yaml").write_text(yaml.safe_dump(sc.to_dict(), allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
            bar.set_postfix_str("报告 report")
            if report:
                from landkit.scenario.bundle_report import write_run_report

                write_run_report(run, w)
            bar.update()
            _write_audit(run, tmp)
            bar.update()
        run.path = target
        return run
    finally:
        bar.close()


def _checked_account(sc: Scenario, town: Any, land: LandState) -> pd.DataFrame:
    """The scenario's land account, checked independently from the claims; an error if it does not hold."""
    from landkit.account import check_account

    account = land.account()
    quota = town.params["reserve.new_construction_quota"] if sc.enabled("reserve") else None
    problems = check_account(account, town, units=land.units, reclaimed_mu=land.reclaimed_mu,
                             quota_mu={int(k): float(v) for k, v in quota.items()} if quota else None,
                             protected_allowed=land.protected_allowed)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:30])
        more = f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else ""
        raise AccountError(f"scenario {sc.name}: the town's land account does not hold, so no bundle was "
                           f"written ({len(problems)} problem(s)):\n{shown}{more}")
    return account


def _refuse_unread_overrides(sc: Scenario, params: Any) -> None:
    """Refuse a run in which a parameter override was read by no model: it would be recorded as if it counted."""
    unread = sorted(set(sc.parameters) - params.keys_read())
    if unread:
        enabled = ", ".join(m for m in MODEL_ORDER if sc.enabled(m)) or "none"
        raise ValidationError(f"scenario {sc.name}", [Problem(
            f"parameters.{k}", "no model of this scenario read it, so it changed nothing",
            f"models run: {enabled}; enable the model that uses it, or remove the override", "unread")
            for k in unread])


def _write_audit(run: ScenarioRun, root: Path) -> None:
    sc = run.scenario
    inputs = [{"role": role, "path": str(p), "sha256": sha256_file(p), "bytes": p.stat().st_size if p.is_file()
               else None} for role, p in input_files(sc)]
    params = run.town.params.table()
    audit = {
        "landkit_audit": 1,
        "scenario": sc.name,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": inputs,
        "scenario_settings": sc.to_dict(),
        "parameters": [{"key": r.key, "value": r.value, "unit": r.unit, "tag": r.tag, "provenance": r.provenance,
                        "source": r.source} for r in params.itertuples(index=False)],
        "versions": _versions(),
        "load_time_s": round(run.load_time_s, 3),
        "models": {m: r.to_dict() for m, r in run.records.items()},
        "links_applied": [link for link in sc.links if sc.has_link(link)],
        "outputs": sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
    }
    (root / "audit.json").write_text(json.dumps(_jsonable(audit), ensure_ascii=False, indent=1), encoding="utf-8")


__all__ = ["ECOLOGICAL_GROUPS", "KPI_LABELS", "ModelRecord", "ScenarioRun", "input_files", "load_town",
           "run_scenario", "sha256_file"]
