"""Your own town in two commands: ``landkit init`` writes a project, ``landkit run`` runs it.

:func:`init_project` reads and validates the office's data as it is (三调 地类图斑, the 三区三线 zoning
layers, the 国土空间规划 planning layer in any code family :mod:`landkit.planning` reads, a DEM), and
writes a project folder to edit and run::

    FOLDER/
      parameters.yaml            the bundled parameters with this town's name, CRS and seat: edit it
      scenarios/baseline.yaml    every model the data allows, pointing at the office's own files
      notebooks/00_我的城镇.ipynb  a starter notebook: the town, its map, the plan
      README.txt                 what was found, what was left out and why, and the next command

Nothing is copied: the scenario names the files where they are. A model the data does not allow (no
planning layer, no villages or tourism sites) is written into the scenario disabled, with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from landkit._errors import Problem, ValidationError
from landkit.atomic import atomic_dir, check_output_folder
from landkit.corridor.plan import _sites_in_protected
from landkit.params import SAMPLE_PARAMETERS
from landkit.planning import town_planning
from landkit.town import ZONING_LAYERS, Town

LayerSpec = str | os.PathLike[str] | tuple[str | os.PathLike[str], str]


@dataclass
class Project:
    """What :func:`init_project` wrote and found."""

    folder: Path
    scenario: Path
    parameters: Path
    notebook: Path
    town: Town
    models: dict[str, str] = field(default_factory=dict)  # model → "enabled" or why not

    def next_command(self) -> str:
        """The command that runs the project's scenario, with the ``landkit`` of this environment (e.g.
        ``.venv/bin/landkit``) when it is not the one on the PATH."""
        return f"{_landkit_command()} run {self.scenario} --out {self.folder / 'out' / 'baseline'}"


def _landkit_command() -> str:
    """``landkit`` if the PATH finds this environment's, else its path (relative to here when shorter)."""
    mine = Path(sys.executable).with_name("landkit")
    if not mine.exists() or shutil.which("landkit") == str(mine):
        return "landkit"
    rel = os.path.relpath(mine)
    return rel if len(rel) < len(str(mine)) else str(mine)


def _spec_list(spec: LayerSpec, base: Path) -> str | list[str]:
    path, layer = (spec if isinstance(spec, tuple) else (spec, None))
    rel = os.path.relpath(Path(path).resolve(), base)
    return [rel, str(layer)] if layer else rel


def _models_allowed(town: Town) -> dict[str, str]:
    """Which models the town's data allows, and for each one that it does not, why."""
    layers = town.layers
    out = {"reserve": "enabled", "farmland": "enabled"}
    if "GHYT" not in layers:
        out["reserve"] = "enabled (no planning layer: every candidate is taken as reserve.planned_use_default)"
    has_villages = "villages" in layers and "area_name" in layers["villages"]
    out["linkage"] = "enabled" if ("GHYT" in layers and has_villages) else (
        "disabled: needs the planning layer (建新 sites) and a villages layer with area_name (拆旧 areas)")
    out["corridor"] = "enabled" if "sites" in layers else "disabled: needs a sites layer (points with name)"
    if "sites" in layers and town.dem_path is None:
        out["corridor"] = "disabled: needs a DEM (slope is a resistance factor): landkit init --dem"
    elif "sites" in layers:
        inside = _sites_in_protected(town, layers["sites"])
        if inside:
            where = "; ".join(f"{p.where} {p.reason.split(',')[0]}" for p in inside)
            out["corridor"] = (f"disabled: {where}; set protected: allow to route across protected land "
                               "(every crossing is then reported)")
    groups = set(town.parcels["landuse_group"].astype(str))
    out["ecological_selection"] = "enabled" if {"forest", "water"} <= groups else (
        "disabled: the town has no forest or no water parcels to protect")
    return out


def _zoning_keys(zoning: Mapping[str, LayerSpec] | None) -> dict[str, LayerSpec] | None:
    """Zoning layers under landkit's keys (:data:`landkit.town.ZONING_LAYERS`, matched in any case); an unknown
    key is refused with the known ones (it would be read and then used by no model)."""
    if not zoning:
        return None
    known = {k.upper(): k for k in ZONING_LAYERS}
    out, problems = {}, []
    for key, spec in zoning.items():
        canonical = known.get(str(key).strip().upper())
        if canonical is None:
            problems.append(Problem(f"zoning key {key!r}", "is not a zoning layer landkit reads",
                                    "use one of " + ", ".join(f"{k} ({v})" for k, v in ZONING_LAYERS.items()),
                                    "key"))
        else:
            out[canonical] = spec
    if problems:
        raise ValidationError("landkit init --zoning", problems)
    return out


def _parameters_text(town: Town, name: str) -> str:
    """The bundled parameter file with this town's name, CRS and seat (the seat marked an estimate)."""
    tree = yaml.safe_load(SAMPLE_PARAMETERS.read_text(encoding="utf-8"))
    tree["town"]["name"].update(value=name, tag="U", source="landkit init：本镇名称 (命令参数或项目文件夹名)")
    tree["town"]["crs"].update(value=str(town.crs.to_string()), tag="S", source="landkit init：地类图斑的坐标系")
    c = town.parcels.geometry.union_all().centroid
    tree["town"]["seat_xy_m"].update(value=[round(float(c.x), 1), round(float(c.y), 1)], tag="E",
                                     source="landkit init：暂以地块质心代替, 请改为镇驻地坐标")
    head = ("# Parameters of your town, written by `landkit init` from landkit's bundled file (探沂镇).\n"
            "# Every value keeps its unit and provenance: S sourced, R policy text as commonly cited, E estimate,\n"
            "# U set by you. Replace the estimates with your own figures and change their tag and source.\n")
    return head + yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=110)


def _scenario_text(town: Town, source: str, *, layer: str | None, dem: str | None, zoning: Mapping[str, Any],
                   context: Mapping[str, Any], models: Mapping[str, str]) -> str:
    """The baseline scenario file of a new project, its paths relative to its ``scenarios/`` folder."""
    data: dict[str, Any] = {"source": source, "params": "../parameters.yaml"}
    if layer:
        data["layer"] = layer
    if dem:
        data["dem"] = dem
    if zoning:
        data["zoning"] = dict(zoning)
    if context:
        data["context"] = dict(context)
    years = [int(y) for y in town.params["town.plan_years"]]
    blocks: dict[str, dict[str, Any]] = {
        "reserve": {"years": years},
        "farmland": {"base_year": years[0]},
        "linkage": {},
        "corridor": {"protected": "barrier"},
        "ecological_selection": {"study_area": "town", "targets": {"forest": 0.3, "water": 0.3}},
    }
    lines = [f"# {town.name}: the baseline scenario, written by `landkit init`. Edit and run it with",
             "#   landkit run scenarios/baseline.yaml --out out/baseline", "name: baseline",
             f"title: {town.name} 基准情景", "data:"]
    lines += ["  " + ln for ln in yaml.safe_dump(data, allow_unicode=True, sort_keys=False).splitlines()]
    lines += ["solver: {time_limit_s: 60, mip_gap: 0.005}", "models:"]
    for model, opts in blocks.items():
        state = models.get(model, "enabled")
        enabled = state.startswith("enabled")
        body = json.dumps({"enabled": enabled, **opts}, ensure_ascii=False).replace('"', "")
        note = "" if state == "enabled" else f"   # {state}"
        lines.append(f"  {model}: {body}{note}")
    links = ["reserve.occupations -> farmland.ledger"]
    if models.get("linkage") == "enabled":
        links += ["linkage.surplus -> reserve.quota", "linkage.supplement_units -> farmland.units"]
    if models.get("corridor") == "enabled":
        links.append("corridor.occupations -> farmland.ledger")
    lines += ["links:"] + [f"  - {link}" for link in links]
    return "\n".join(lines) + "\n"


def _notebook(scenario_rel: str) -> dict[str, Any]:
    def code(src: str) -> dict[str, Any]:
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}

    def md(src: str) -> dict[str, Any]:
        return {"cell_type": "markdown", "metadata": {}, "source": src}

    cells = [
        md("# 我的城镇 My town\n\n`landkit init` wrote this notebook. It loads the town the way the scenario "
           "does, shows what landkit read, and runs the baseline scenario."),
        code("from pathlib import Path\n\nimport landkit\nfrom landkit.scenario import load_scenario, load_town, "
             f"run_scenario\n\nscenario = load_scenario(Path('{scenario_rel}'))\ntown = load_town(scenario)\n"
             "town.summary()"),
        code("town.plot();"),
        code("run = run_scenario(scenario, Path('../out/baseline'), progress=False)\nrun.timings()"),
        code("import pandas as pd\n\nfrom landkit.glossary import labelled\n\n"
             "pd.Series(labelled(run.kpis), name='数值').dropna()"),
    ]
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def init_project(folder: str | os.PathLike[str], *, dltb: str | os.PathLike[str], layer: str | None = None,
                 zoning: Mapping[str, LayerSpec] | None = None, planning: LayerSpec | None = None,
                 dem: str | os.PathLike[str] | None = None, houses: LayerSpec | None = None,
                 name: str | None = None, force: bool = False) -> Project:
    """Validate an office's data and write a project folder to edit and run (see the module docstring).

    Parameters
    ----------
    folder : path
        The project folder (new, empty, or one ``landkit init`` wrote).
    dltb : path
        三调 地类图斑: a GeoPackage, shapefile (GBK or UTF-8) or File Geodatabase. A GeoPackage's own
        zoning layers (YJJBNTBHTB, STBHHX, CZKFBJ ...) are used when ``zoning`` is not given.
    layer : str, optional
        The parcels' layer (default DLTB, or the only one).
    zoning : mapping, optional
        Zoning layer key → file or (file, layer), e.g. ``{"YJJBNTBHTB": "三区三线.gdb"}``. The keys are those of
        :data:`landkit.town.ZONING_LAYERS` (any case); another key is refused with the known ones.
    planning : path or (path, layer), optional
        The 国土空间规划 land-use layer, as the planning office wrote it (:mod:`landkit.planning`).
    dem : path, optional
        A DEM GeoTIFF in the parcels' CRS.
    houses : path or (path, layer), optional
        A 宅基地/房屋 layer with 户数, 人口 and 建筑面积 (:func:`landkit.town.houses_by_parcel`); without it
        households and floor area are estimated for 0702 homesteads and marked as estimates.
    name : str, optional
        The town's name (``town.name``: report titles and the 编制单位 on their covers); default the
        project folder's name.
    force : bool
        Replace a project ``landkit init`` wrote earlier even if files were added to it.

    Raises
    ------
    ValidationError
        Every problem with the data at once (file, layer, BSM, field), or with the planning codes.
    OutputFolderError
        ``folder`` holds files landkit did not write.
    """
    folder = Path(folder).resolve()
    zoning = _zoning_keys(zoning)
    town_name = name or folder.name
    check_output_folder(folder, force=force)
    context = {k: v for k, v in (("GHYT", planning), ("houses", houses)) if v is not None} or None
    town = Town.from_files(dltb, layer=layer, zoning=zoning, context=context, dem=dem)
    town_planning(town)  # refuse unknown planning codes now, with the codes named
    models = _models_allowed(town)
    base = folder / "scenarios"
    source = os.path.relpath(Path(dltb).resolve(), base)
    scenario_text = _scenario_text(
        town, source, layer=layer, dem=os.path.relpath(Path(dem).resolve(), base) if dem else None,
        zoning={k: _spec_list(v, base) for k, v in (zoning or {}).items()},
        context={k: _spec_list(v, base) for k, v in (context or {}).items()}, models=models)
    with atomic_dir(folder, kind="landkit project", force=force) as tmp:
        (tmp / "scenarios").mkdir()
        (tmp / "notebooks").mkdir()
        (tmp / "parameters.yaml").write_text(_parameters_text(town, town_name), encoding="utf-8")
        (tmp / "scenarios" / "baseline.yaml").write_text(scenario_text, encoding="utf-8")
        nb = _notebook("../scenarios/baseline.yaml")
        (tmp / "notebooks" / "00_我的城镇.ipynb").write_text(json.dumps(nb, ensure_ascii=False, indent=1),
                                                               encoding="utf-8")
        found = "\n".join(f"  {m}: {state}" for m, state in models.items())
        (tmp / "README.txt").write_text(
            f"{town_name}: {len(town.parcels)} parcels, CRS {town.crs.to_string()}, layers: "
            f"{', '.join(sorted(town.layers)) or 'none'}\n\nModels:\n{found}\n\nNext:\n"
            f"  edit parameters.yaml (the estimates above all), then\n"
            f"  landkit run {folder / 'scenarios' / 'baseline.yaml'} --out {folder / 'out' / 'baseline'}\n",
            encoding="utf-8")
    project = Project(folder=folder, scenario=folder / "scenarios" / "baseline.yaml",
                      parameters=folder / "parameters.yaml", notebook=folder / "notebooks" / "00_我的城镇.ipynb",
                      town=town, models=models)
    return project


__all__ = ["Project", "init_project"]
