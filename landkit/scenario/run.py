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
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from tqdm.auto import tqdm

from landkit._errors import AccountError, Problem, ValidationError
from landkit.account import check_account
from landkit.atomic import atomic_dir, check_output_folder
from landkit.glossary import KPI_LABELS, combine_kpis, labelled
from landkit.params import SAMPLE_DIR, Parameters
from landkit.reserve.inputs import county_quota
from landkit.scenario.context import LandState, ModelRecord, RunContext, Writer, jsonable
from landkit.scenario.registry import adapter, adapters
from landkit.scenario.schema import Scenario, load_scenario
from landkit.town import Town, load_sample

VERSIONED = ("landkit", "numpy", "pandas", "scipy", "xarray", "linopy", "highspy", "pulp", "geopandas", "pyogrio",
             "shapely", "pyproj", "rasterio", "scikit-image", "matplotlib", "pyyaml", "python-docx")


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
        Headline figures by snake_case key with unit (:data:`landkit.glossary.KPI_LABELS` gives each its
        Chinese heading; ``kpis.json`` holds them); None where no model gives one.
    model_kpis : dict
        Model name → that model's own headline figures (what ``kpis`` combines).
    path : Path or None
        The bundle folder.
    """

    scenario: Scenario
    town: Town
    results: dict[str, Any] = field(default_factory=dict)
    records: dict[str, ModelRecord] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)
    model_kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None
    load_time_s: float = 0.0
    land: LandState = field(default_factory=LandState)

    def timings(self) -> pd.DataFrame:
        """Seconds per model (wall clock, including building and writing) and in the solver."""
        rows = [{"模型": adapter(m).label, "model": m, "状态": r.status, "总耗时(s)": round(r.wall_time_s, 2),
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
    files: list[tuple[str, Path]] = []
    if scenario.path is not None:
        files.append(("scenario", Path(scenario.path)))
    if scenario.data["source"] == "sample":
        files += [("parcels", SAMPLE_DIR / "tanyi.gpkg"), ("dem", SAMPLE_DIR / "dem.tif")]
    else:
        files.append(("parcels", Path(scenario.data["source"])))
        if scenario.data.get("dem"):
            files.append(("dem", Path(scenario.data["dem"])))
        for key in ("zoning", "context"):
            files += [(f"{key} {k}", Path(v[0])) for k, v in (scenario.data.get(key) or {}).items()]
    files.append(("parameters", Path(scenario.data["params"]) if scenario.data.get("params")
                  else SAMPLE_DIR / "parameters.yaml"))
    return files


def load_town(scenario: Scenario) -> Town:
    """The scenario's town with its parameter file and overrides (provenance ``情景 <title>``)."""
    data = scenario.data
    if data["source"] == "sample":
        town = load_sample()
    else:
        def layers(key: str) -> dict[str, Any] | None:
            spec = data.get(key)
            return {k: (v[0], v[1]) if len(v) > 1 else v[0] for k, v in spec.items()} if spec else None

        town = Town.from_files(data["source"], layer=data.get("layer"), dem=data.get("dem"), zoning=layers("zoning"),
                               context=layers("context"))
    params = Parameters.load(data.get("params")) if data.get("params") else town.params
    if scenario.parameters:
        params = params.with_overrides(scenario.parameters, source=f"情景 {scenario.title or scenario.name}")
    return town.with_params(params)


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# --------------------------------------------------------------------------- run
def _run_models(ctx: RunContext, run: ScenarioRun, steps: list[str], bar: tqdm[Any]) -> None:
    """Run each enabled model through its adapter, in order, recording time, status and result.

    With ``solve: joint`` the 挂钩, reserve and 占补平衡 plans are solved as one model when the first
    of them is reached (:func:`landkit.scenario.joint.solve_jointly`); each is written as in sequence.
    """
    # landkit.reserve.adapter -> landkit.scenario (package) -> this module -> joint -> landkit.reserve.adapter
    from landkit.scenario.joint import JOINT_MODELS, solve_jointly  # noqa: PLC0415  cycle with landkit.reserve.adapter

    joint = ctx.scenario.solve == "joint" and "reserve" in steps
    solved_jointly = False
    for m in steps:
        a = adapter(m)
        bar.set_postfix_str(a.label)
        t1 = time.perf_counter()
        if joint and m in JOINT_MODELS:
            if not solved_jointly:  # the first of them: solve all together (its time counts with this model)
                ctx.results.update(solve_jointly(ctx, run.records))
                solved_jointly = True
            rec = run.records.setdefault(m, ModelRecord(m, status="skipped",
                                                        summary="no farmland taken by the joint plan: nothing to "
                                                                "balance"))
            res = ctx.results.get(m)
        else:
            rec = ModelRecord(m)
            res = a.solve(ctx, rec)
        if res is not None:
            a.write(ctx, res, rec)
        rec.wall_time_s += time.perf_counter() - t1
        run.records[m] = rec
        if res is not None:
            run.results[m] = res
            ctx.results[m] = res
        bar.update()


def model_kpis(run: ScenarioRun) -> dict[str, dict[str, Any]]:
    """Each model's own headline figures (its adapter's ``kpis``)."""
    return {m: dict(adapter(m).kpis(res, run.town)) for m, res in run.results.items()}


def scenario_kpis(run: ScenarioRun) -> dict[str, Any]:
    """The run's headline figures: each model's own (:func:`model_kpis`), additive ones summed."""
    return combine_kpis(run.model_kpis or model_kpis(run))


def run_scenario(scenario: Scenario | str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                 dpi: int = 110, progress: bool = True, report: bool = True, force: bool = False,
                 unit: str | None = None) -> ScenarioRun:
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
    unit : str, optional
        The 编制单位 on the Word report's cover (default the town's name, ``town.name``).

    Returns
    -------
    ScenarioRun
        Results, per-model records and KPIs; ``.path`` is the bundle.

    Raises
    ------
    ValidationError
        A bad scenario or parameter override.
    InfeasibleError, SolverError
        A model cannot be solved; no bundle is written then.
    AccountError
        A model fails its independent check, or the town's land account does not hold (a parcel or
        quota unit used twice, a balance negative, protected land built on); no bundle is written.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    target = Path(out) if out is not None else Path("out") / sc.name
    check_output_folder(target, force=force)
    steps = [a.name for a in adapters() if sc.enabled(a.name)]
    bar = tqdm(total=len(steps) + 3, desc=f"情景 {sc.name}", unit="步", disable=not progress, leave=False)
    try:
        bar.set_postfix_str("载入数据 loading data")
        t0 = time.perf_counter()
        town = load_town(sc)
        run = ScenarioRun(scenario=sc, town=town, load_time_s=time.perf_counter() - t0)
        bar.update()
        with atomic_dir(target, kind="run bundle", force=force) as tmp:
            w = Writer(tmp, dpi, estimated=town.estimates)
            ctx = RunContext(scenario=sc, town=town, writer=w, land=run.land)
            _run_models(ctx, run, steps, bar)
            if ctx.joint_comparison is not None:
                w.table("summary", "联合与顺序求解对比", ctx.joint_comparison)
            _refuse_unread_overrides(sc, town.params)
            account = _checked_account(sc, town, run.land)
            w.table("summary", "land_account", account)
            if "XZQ" in town.layers:
                w.layer("town_boundary", town.layers["XZQ"])
            run.model_kpis = model_kpis(run)
            run.kpis = scenario_kpis(run)
            shown = labelled(run.kpis, town.estimates)
            w.table("summary", "关键指标", pd.DataFrame({"指标": list(shown), "数值": list(shown.values())}))
            w.table("summary", "参数表", town.params.table())
            w.table("summary", "模型耗时", run.timings())
            (tmp / "kpis.json").write_text(json.dumps(jsonable(run.kpis), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
            (tmp / "scenario.yaml").write_text(yaml.safe_dump(sc.to_dict(), allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
            bar.set_postfix_str("报告 report")
            if report:
                # bundle_report imports model_kpis from this module
                from landkit.scenario.bundle_report import write_run_report  # noqa: PLC0415  cycle with bundle_report

                write_run_report(run, w, unit=unit)
            bar.update()
            _write_audit(run, tmp)
            bar.update()
        run.path = target
        return run
    finally:
        bar.close()


def _checked_account(sc: Scenario, town: Town, land: LandState) -> pd.DataFrame:
    """The scenario's land account, checked independently from the claims; an error if it does not hold."""
    account = land.account()
    quota = None
    if sc.enabled("reserve"):  # the county's allocation (or the 人地挂钩 entitlement), before any 挂钩 节余

        o = sc.options("reserve")
        years = o.get("years") or town.params["town.plan_years"]
        quota = county_quota(town.params, [int(y) for y in years], people_link=bool(o.get("people_link")))
    problems = check_account(account, town, units=land.units, reclaimed_mu=land.reclaimed_mu,
                             quota_mu={int(k): float(v) for k, v in quota.items()} if quota is not None else None,
                             protected_allowed=land.protected_allowed)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:30])
        more = f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else ""
        raise AccountError(f"scenario {sc.name}: the town's land account does not hold, so no bundle was "
                           f"written ({len(problems)} problem(s)):\n{shown}{more}")
    return account


def _refuse_unread_overrides(sc: Scenario, params: Parameters) -> None:
    """Refuse a run in which a parameter override was read by no model: it would be recorded as if it counted."""
    unread = sorted(set(sc.parameters) - params.keys_read())
    if unread:
        enabled = ", ".join(a.name for a in adapters() if sc.enabled(a.name)) or "none"
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
                        "source": r.source, "valid": r.valid} for r in params.itertuples(index=False)],
        "versions": _versions(),
        "load_time_s": round(run.load_time_s, 3),
        "models": {m: r.to_dict() for m, r in run.records.items()},
        "links_applied": [link for link in sc.links if sc.has_link(link)],
        "estimates": dict(getattr(run.town, "estimates", {}) or {}),
        "outputs": sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
    }
    (root / "audit.json").write_text(json.dumps(jsonable(audit), ensure_ascii=False, indent=1), encoding="utf-8")


__all__ = [
    "KPI_LABELS",
    "LandState",
    "ModelRecord",
    "ScenarioRun",
    "input_files",
    "load_town",
    "model_kpis",
    "run_scenario",
    "scenario_kpis",
    "sha256_file",
]
