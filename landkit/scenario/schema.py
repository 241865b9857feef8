"""The scenario file: one YAML file naming the data, parameter overrides, policy date and models to run.

A scenario is loaded with ``yaml.safe_load`` and validated in one pass: every unknown key and every bad
value is reported at once, each naming the key (``models.reserve.mip_gap``) and what is allowed.

Schema (every section but ``name`` is optional)::

    name: baseline                      # letters, digits, _ and - (the bundle's folder name)
    title: 基准情景 (2019–2021, 2,000万元/年)
    description: free text
    kind: alternative                   # alternative (a choice the town makes) | assumption (what it cannot
                                        # choose: funds, prices, demand); see `compose` and `landkit compare`
    assume:                             # an assumption set only: what it changes in any alternative
      models: {reserve: {budget_wan_yuan: 3000}}
      parameters: {}
    weight: 1                           # an assumption set only: its weight in the expected value
    data:
      source: sample                    # "sample" (bundled 探沂镇) or a 三调 file (.gpkg/.shp/.gdb)
      layer: DLTB                       # parcels layer of a file source
      dem: dem.tif                      # DEM of a file source
      params: parameters.yaml           # parameter file (default: the bundled one)
    parameters:                         # dotted keys → Parameters.with_overrides(source="scenario <name>")
      funds.county_special_funds: 3000
    policy:
      date: "2021-06-30"                # the policy regime follows this date
      farmland_regime: auto             # auto (by date) | per_project | annual
    solver: {time_limit_s: 60, mip_gap: 0.005}   # defaults of every model
    models:
      linkage:  {enabled: true, years: [...], time_limit_s: ..., mip_gap: ...}
      reserve:  {enabled: true, years: [2019, 2020, 2021], budget_wan_yuan: 2000, price_change: 0.0,
                 objective: npv, use_bonds: true, use_company: true, lock_in: [], lock_out: []}
      corridor: {enabled: true, order: null, by: length_m, start: 毛家河, end: null, neighbours: 8}
      farmland: {enabled: true, base_year: 2019, duals: true}
      park_sites: {enabled: false, parks: [{name: 化工园区, kind: chemical}], year: 2021,  # area_mu: planned size
                   buffer_m: null, perimeter_weight: null, min_separation_m: null,
                   exclude_villages: []}     # landkit.siting.site_parks; exclude_villages gives a site B
    links:                              # applied in this order
      - linkage.surplus -> reserve.quota
      - reserve.occupations -> farmland.ledger
      - corridor.occupations -> farmland.ledger
      - linkage.supplement_units -> farmland.units
      - park_sites.occupations -> farmland.ledger
    sweep:                              # for `landkit sweep`
      seed: 0
      distributions:
        price_change: {dist: uniform, low: -0.3, high: 0.1}
        budget_factor: {dist: normal, mean: 1.0, sd: 0.15, low: 0.5, high: 1.5}
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from landkit._errors import Problem, ValidationError
from landkit.scenario.checks import GAP, POSITIVE, is_int, is_number

#: Reserved links (a later model): named so that a scenario using them is told why.
RESERVED_LINKS: dict[str, str] = {
    "park_sites.demand -> reserve.demand": "industrial land demand of the park sites",
}
#: Quantities a sweep may sample.
SWEEP_VARIABLES: dict[str, str] = {
    "price_change": "relative change of land prices (reserve.price_change), e.g. -0.2",
    "budget_factor": "factor on the yearly county special funds",
    "quota_price_factor": "factor on the 挂钩 surplus sale price (linkage.sale_price)",
    "demand_factor": "factor on every land-use demand (reserve.demand)",
}
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
}
#: A scenario name is a folder name: letters (Chinese too), digits, _ and -, not starting with - or _.
_NAME = re.compile(r"^[^\W_][\w\-]*$")
#: Parameters that a scenario's model option replaces: an override of them would be read by nothing.
SUPERSEDED: dict[str, tuple[str, str]] = {
    "funds.county_special_funds": ("reserve", "budget_wan_yuan"),
}
_SOLVE = {"time_limit_s": "number > 0", "mip_gap": "number in [0, 1)"}


def model_order() -> tuple[str, ...]:
    """The models a scenario can run, in the order they run (:mod:`landkit.scenario.registry`)."""
    from landkit.scenario.registry import model_order as order

    return order()


def known_links() -> dict[str, str]:
    """The links a scenario may declare, with what each does (from the models' adapters)."""
    from landkit.scenario.registry import links

    return links()


def default_links() -> tuple[str, ...]:
    """The links a scenario applies when it names none: every known link."""
    return tuple(known_links())


TOP_KEYS = ("name", "title", "description", "kind", "assume", "weight", "matrix", "data", "parameters", "policy",
            "solver", "solve", "models", "links", "sweep")
#: How the 挂钩, reserve and 占补平衡 plans are decided: one after another, or in one model.
SOLVE_MODES = ("sequential", "joint")
#: What a scenario is: a choice the town makes, or a set of conditions it cannot choose.
KINDS = ("alternative", "assumption")
DATA_KEYS = ("source", "layer", "dem", "params", "zoning", "context")
POLICY_KEYS = ("date", "farmland_regime")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes
    ----------
    name : str
        Folder name of the result bundle.
    title, description : str
        Shown in the report.
    data : dict
        ``source`` (``"sample"`` or an absolute path), ``layer``, ``dem``, ``params`` (paths resolved
        against the scenario file's folder).
    parameters : dict
        Dotted-key overrides of the parameters.
    policy : dict
        ``date`` (ISO text) and ``farmland_regime``.
    models : dict
        Per model: ``enabled`` and its options (solver defaults filled in).
    links : tuple of str
        Links in the order they are applied (:func:`known_links`).
    sweep : dict
        ``seed`` and ``distributions`` for :func:`landkit.scenario.sweep`.
    solve : {"sequential", "joint"}
        ``joint``: the 挂钩, reserve and 占补平衡 plans in one MILP (:mod:`landkit.scenario.joint`).
    path : Path or None
        The file it was read from.
    """

    name: str
    title: str = ""
    description: str = ""
    data: dict[str, Any] = field(default_factory=lambda: {"source": "sample"})
    parameters: dict[str, Any] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: tuple[str, ...] = field(default_factory=lambda: default_links())
    sweep: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    kind: str = "alternative"
    assume: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    matrix: dict[str, str] = field(default_factory=dict)
    solve: str = "sequential"

    def enabled(self, model: str) -> bool:
        """True if ``model`` runs in this scenario."""
        return bool(self.models.get(model, {}).get("enabled", False))

    def options(self, model: str) -> dict[str, Any]:
        """The options of ``model`` without ``enabled`` and the solver settings."""
        return {k: copy.deepcopy(v) for k, v in self.models.get(model, {}).items()
                if k not in ("enabled", "time_limit_s", "mip_gap")}

    def solve_options(self, model: str) -> dict[str, float]:
        """``time_limit_s`` and ``mip_gap`` of ``model``."""
        m = self.models.get(model, {})
        return {"time_limit_s": float(m["time_limit_s"]), "mip_gap": float(m["mip_gap"])}

    def has_link(self, link: str) -> bool:
        """True if the scenario applies ``link`` and both its models run."""
        src, dst = (s.split(".")[0] for s in link.split(" -> "))
        return link in self.links and self.enabled(src) and self.enabled(dst)

    def with_changes(self, *, name: str | None = None, parameters: Mapping[str, Any] | None = None,
                     models: Mapping[str, Mapping[str, Any]] | None = None, solve: str | None = None) -> Scenario:
        """A copy with another name, more parameter overrides, changed model options or solve mode.

        Not re-validated, except ``solve``, which must be one of :data:`SOLVE_MODES`.
        """
        from dataclasses import replace

        if solve is not None and solve not in SOLVE_MODES:
            raise ValidationError(f"scenario {self.name}", [Problem("solve", f"is {solve!r}",
                                                                    f"one of {', '.join(SOLVE_MODES)}", "value")])
        mods = copy.deepcopy(self.models)
        for m, opts in (models or {}).items():
            mods.setdefault(m, {}).update(copy.deepcopy(dict(opts)))
        return replace(self, name=name or self.name, parameters={**self.parameters, **(parameters or {})},
                       models=mods, solve=solve or self.solve)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (as it would be written back to YAML)."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "data": copy.deepcopy(self.data), "parameters": copy.deepcopy(self.parameters),
                "policy": copy.deepcopy(self.policy), "models": copy.deepcopy(self.models),
                "links": list(self.links), "sweep": copy.deepcopy(self.sweep), "kind": self.kind,
                "solve": self.solve,
                **({"assume": copy.deepcopy(self.assume), "weight": self.weight} if self.kind == "assumption" else {}),
                **({"matrix": dict(self.matrix)} if self.matrix else {})}


def _unknown(where: str, keys: Mapping[str, Any], allowed: tuple[str, ...] | list[str]) -> list[Problem]:
    return [Problem(f"{where}{k}" if where else str(k), "unknown key", f"allowed keys: {', '.join(allowed)}",
                    "unknown_key") for k in keys if k not in allowed]


def _layer_specs(spec: Any, base: Path, where: str) -> tuple[dict[str, list[str]], list[Problem]]:
    """``{KEY: path}`` or ``{KEY: [path, layer]}`` with paths resolved against the scenario's folder."""
    if spec is None:
        return {}, []
    if not isinstance(spec, Mapping):
        return {}, [Problem(where, f"must be a mapping of layer keys to files, got {spec!r}",
                            "e.g. {YJJBNTBHTB: zoning.gpkg, GHYT: [plan.gpkg, YDYH]}", "value")]
    out: dict[str, list[str]] = {}
    problems = []
    for key, value in spec.items():
        parts = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
        if not parts or len(parts) > 2 or not all(isinstance(v, str) for v in parts):
            problems.append(Problem(f"{where}.{key}", f"is {value!r}", "a file, or [file, layer]", "value"))
            continue
        path = (base / parts[0]).resolve()
        if not path.exists():
            problems.append(Problem(f"{where}.{key}", f"file {path} not found", "give an existing file",
                                    "missing_file"))
        out[str(key)] = [str(path), *parts[1:]]
    return out, problems


def _override_problems(overrides: Mapping[str, Any], params_file: str | None, models: Any) -> list[Problem]:
    """Problems with the parameter overrides: the file's own, unknown keys, bad values, superseded keys."""
    from landkit.params import Parameters

    problems: list[Problem] = []
    models = models if isinstance(models, Mapping) else {}
    for key, (model, option) in SUPERSEDED.items():
        options = models.get(model)
        if key in overrides and isinstance(options, Mapping) and option in options:
            problems.append(Problem(f"parameters.{key}", f"nothing would read it: models.{model}.{option} replaces it",
                                    f"set the value in models.{model}.{option}, or remove this override", "unread"))
    wanted = {k: v for k, v in overrides.items() if isinstance(k, str) and "." in k and v is not None}
    if params_file is not None and not Path(params_file).exists():
        return problems  # reported as data.params
    try:
        base = Parameters.load(params_file)
    except ValidationError as exc:  # the parameter file itself (data.params)
        return problems + [replace(p, where=f"{params_file}: {p.where}") for p in exc.problems]
    try:
        if wanted:
            base.with_overrides(wanted, source="parameters")
    except ValidationError as exc:
        problems += [replace(p, where=f"parameters.{p.where}") for p in exc.problems]
    return problems


def scenario_from_dict(tree: Any, *, source: str = "<scenario>", base_dir: str | os.PathLike[str] | None = None,
                       path: Path | None = None) -> Scenario:
    """Validate a parsed scenario (a mapping) and return a :class:`Scenario`.

    Every problem is collected before :class:`landkit.ValidationError` is raised; each names the key
    and the allowed keys or values.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    if not isinstance(tree, Mapping):
        raise ValidationError(source, [Problem(source, "top level must be a mapping of sections",
                                               f"allowed keys: {', '.join(TOP_KEYS)}", "yaml")])
    problems = _unknown("", tree, TOP_KEYS)
    name = tree.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(Problem("name", f"is {name!r}", "give a folder name of letters (Chinese too), digits, _ "
                                "and - (e.g. baseline, 基准情景)", "value"))
        name = "scenario"

    def section(key: str) -> dict[str, Any]:
        val = tree.get(key) or {}
        if not isinstance(val, Mapping):
            problems.append(Problem(key, f"must be a mapping, got {type(val).__name__}", "", "value"))
            return {}
        return dict(val)

    # data
    data = section("data")
    problems += _unknown("data.", data, DATA_KEYS)
    src = data.get("source", "sample")
    out_data: dict[str, Any] = {"source": "sample"}
    if not isinstance(src, str):
        problems.append(Problem("data.source", f"is {src!r}", "'sample' or the path of a 三调 file", "value"))
    elif src != "sample":
        p = (base / src).resolve()
        if not p.exists():
            problems.append(Problem("data.source", f"file {p} not found", "'sample' or an existing .gpkg/.shp/.gdb",
                                    "missing_file"))
        out_data["source"] = str(p)
    for key in ("dem", "params"):
        if data.get(key) is not None:
            p = (base / str(data[key])).resolve()
            if not p.exists():
                problems.append(Problem(f"data.{key}", f"file {p} not found", "give an existing file", "missing_file"))
            out_data[key] = str(p)
    if data.get("layer") is not None:
        out_data["layer"] = str(data["layer"])
    for key in ("zoning", "context"):
        layers, layer_problems = _layer_specs(data.get(key), base, f"data.{key}")
        problems += layer_problems
        if layers:
            out_data[key] = layers

    # parameters
    params = section("parameters")
    for k, v in params.items():
        if not isinstance(k, str) or "." not in k:
            problems.append(Problem(f"parameters.{k}", "is not a dotted parameter key",
                                    "e.g. funds.county_special_funds (see data/tanyi/parameters.yaml)", "key"))
        elif v is None:
            problems.append(Problem(f"parameters.{k}", "has no value", "give the new value", "value"))
    problems += _override_problems(params, out_data.get("params"), tree.get("models"))

    # policy
    policy = section("policy")
    problems += _unknown("policy.", policy, POLICY_KEYS)
    out_policy: dict[str, Any] = {"farmland_regime": "auto"}
    if "date" in policy:
        d = policy["date"]
        try:
            out_policy["date"] = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))).isoformat()
        except ValueError:
            problems.append(Problem("policy.date", f"is {d!r}", "an ISO date, e.g. '2021-06-30'", "value"))
    reg = policy.get("farmland_regime", "auto")
    if reg not in ("auto", "per_project", "annual"):
        problems.append(Problem("policy.farmland_regime", f"is {reg!r}", "one of 'auto', 'per_project', 'annual'",
                                "value"))
    else:
        out_policy["farmland_regime"] = reg

    # solver defaults
    solver = section("solver")
    problems += _unknown("solver.", solver, list(_SOLVE))
    defaults = {"time_limit_s": 60.0, "mip_gap": 0.005}
    for key, (ok, text) in (("time_limit_s", POSITIVE), ("mip_gap", GAP)):
        if key in solver:
            if ok(solver[key]):
                defaults[key] = float(solver[key])
            else:
                problems.append(Problem(f"solver.{key}", f"is {solver[key]!r}", f"give {text}", "value"))

    # models
    from landkit.scenario.registry import adapters

    models_in = section("models")
    problems += _unknown("models.", models_in, list(model_order()))
    models: dict[str, dict[str, Any]] = {}
    for a in adapters():
        m = a.name
        opts = models_in.get(m)
        if opts is None:
            opts = {}
        if isinstance(opts, bool):
            opts = {"enabled": opts}
        if not isinstance(opts, Mapping):
            problems.append(Problem(f"models.{m}", f"must be a mapping or true/false, got {opts!r}", "", "value"))
            opts = {}
        allowed = a.options
        problems += _unknown(f"models.{m}.", opts, list(allowed))
        clean: dict[str, Any] = {"enabled": m in models_in}
        for key, val in opts.items():
            if key not in allowed:
                continue
            ok, text = allowed[key]
            if not ok(val):
                problems.append(Problem(f"models.{m}.{key}", f"is {val!r}", f"allowed: {text}", "value"))
            else:
                clean[key] = copy.deepcopy(val)
        for key in a.required:
            if clean.get("enabled") and key not in opts:
                problems.append(Problem(f"models.{m}.{key}", "is missing", f"give {allowed[key][1]}", "value"))
        clean.setdefault("time_limit_s", defaults["time_limit_s"])
        clean.setdefault("mip_gap", defaults["mip_gap"])
        models[m] = clean

    # links
    links_in = tree.get("links", list(default_links()))
    links: list[str] = []
    if not isinstance(links_in, list):
        problems.append(Problem("links", f"must be a list, got {links_in!r}",
                                f"allowed links: {'; '.join(known_links())}",
                                "value"))
        links_in = []
    for i, link in enumerate(links_in):
        text = re.sub(r"\s*(->|→)\s*", " -> ", str(link).strip())
        if text in RESERVED_LINKS:
            problems.append(Problem(f"links[{i}]", f"{link!r} needs landkit.siting, not available yet",
                                    f"allowed links: {'; '.join(known_links())}", "reserved"))
        elif text not in known_links():
            problems.append(Problem(f"links[{i}]", f"{link!r} is not a known link",
                                    f"allowed links: {'; '.join(known_links())}", "value"))
        elif text in links:
            problems.append(Problem(f"links[{i}]", f"{link!r} is listed twice", "list each link once", "value"))
        else:
            links.append(text)

    # sweep
    sweep_in = section("sweep")
    problems += _unknown("sweep.", sweep_in, ["seed", "samples", "distributions"])
    sweep: dict[str, Any] = {"seed": 0, "distributions": {}}
    if "seed" in sweep_in:
        if is_int(sweep_in["seed"]) and sweep_in["seed"] >= 0:
            sweep["seed"] = sweep_in["seed"]
        else:
            problems.append(Problem("sweep.seed", f"is {sweep_in['seed']!r}", "a whole number ≥ 0", "value"))
    if "samples" in sweep_in:
        if is_int(sweep_in["samples"]) and sweep_in["samples"] > 0:
            sweep["samples"] = sweep_in["samples"]
        else:
            problems.append(Problem("sweep.samples", f"is {sweep_in['samples']!r}", "a whole number > 0", "value"))
    dists = sweep_in.get("distributions") or {}
    if not isinstance(dists, Mapping):
        problems.append(Problem("sweep.distributions", "must be a mapping", "", "value"))
        dists = {}
    problems += _unknown("sweep.distributions.", dists, list(SWEEP_VARIABLES))
    for var, spec in dists.items():
        if var not in SWEEP_VARIABLES:
            continue
        where = f"sweep.distributions.{var}"
        if not isinstance(spec, Mapping) or spec.get("dist") not in DISTRIBUTIONS:
            problems.append(Problem(f"{where}.dist", f"is {spec.get('dist') if isinstance(spec, Mapping) else spec!r}",
                                    f"one of {', '.join(DISTRIBUTIONS)}", "value"))
            continue
        need = DISTRIBUTIONS[spec["dist"]]
        allowed_keys = ("dist", *need, *(("low", "high") if spec["dist"] == "normal" else ()))
        problems += _unknown(f"{where}.", spec, allowed_keys)
        for k in need:
            if not is_number(spec.get(k)):
                problems.append(Problem(f"{where}.{k}", f"is {spec.get(k)!r}", "a number", "value"))
        sweep["distributions"][var] = dict(spec)

    kind, assume, weight, matrix = _decision_keys(tree, problems)
    solve = tree.get("solve", "sequential")
    if solve not in SOLVE_MODES:
        problems.append(Problem("solve", f"is {solve!r}", f"one of {', '.join(SOLVE_MODES)}", "value"))
    title = tree.get("title", name)
    desc = tree.get("description", "")
    for key, val in (("title", title), ("description", desc)):
        if not isinstance(val, str):
            problems.append(Problem(key, f"must be text, got {val!r}", "", "value"))
    if problems:
        raise ValidationError(source, problems)
    return Scenario(name=name, title=str(title), description=str(desc), data=out_data, parameters=params,
                    policy=out_policy, models=models, links=tuple(links), sweep=sweep, path=path, kind=kind,
                    assume=assume, weight=weight, matrix=matrix, solve=str(solve))


def _decision_keys(tree: Mapping[str, Any], problems: list[Problem]) -> tuple[str, dict[str, Any], float,
                                                                                 dict[str, str]]:
    """``kind``, ``assume``, ``weight`` and ``matrix`` of a scenario (problems appended)."""
    kind = tree.get("kind", "alternative")
    if kind not in KINDS:
        problems.append(Problem("kind", f"is {kind!r}", f"one of {', '.join(KINDS)}", "value"))
        kind = "alternative"
    assume = tree.get("assume") or {}
    if not isinstance(assume, Mapping):
        problems.append(Problem("assume", "must be a mapping", "models: {...}, parameters: {...}", "value"))
        assume = {}
    problems += _unknown("assume.", assume, ("models", "parameters"))
    if assume and kind != "assumption":
        problems.append(Problem("assume", "is given but kind is not assumption", "write kind: assumption", "value"))
    for key in ("models", "parameters"):
        if not isinstance(assume.get(key, {}), Mapping):
            problems.append(Problem(f"assume.{key}", "must be a mapping", "", "value"))
    weight = tree.get("weight", 1.0)
    if not (is_number(weight) and weight > 0):
        problems.append(Problem("weight", f"is {weight!r}", "a number > 0 (the assumption set's weight)", "value"))
        weight = 1.0
    matrix = tree.get("matrix") or {}
    if not isinstance(matrix, Mapping) or set(matrix) - {"alternative", "assumption", "alternative_title",
                                                        "assumption_title"}:
        problems.append(Problem("matrix", f"is {matrix!r}", "{alternative: <name>, assumption: <name>}", "value"))
        matrix = {}
    return str(kind), {k: dict(v) for k, v in assume.items() if isinstance(v, Mapping)}, float(weight), \
        {k: str(v) for k, v in matrix.items()}


#: The column of the decision matrix for an alternative under the scenario's own (base) assumptions.
BASE_ASSUMPTION = "基准假设"


def compose(alternative: Scenario, assumption: Scenario) -> Scenario:
    """The alternative under the assumption set: its models' options and parameters changed as the assumption
    set's ``assume`` says, named ``<alternative>__<assumption>``, validated like any scenario."""
    if alternative.kind != "alternative" or assumption.kind != "assumption":
        raise ValidationError("compose", [Problem("compose", f"{alternative.name} is a {alternative.kind}, "
                                                  f"{assumption.name} a {assumption.kind}",
                                                  "compose an alternative with an assumption set", "value")])
    tree = alternative.to_dict()
    for model, opts in assumption.assume.get("models", {}).items():
        tree["models"].setdefault(model, {}).update(copy.deepcopy(dict(opts)))
    tree["parameters"] = {**tree["parameters"], **assumption.assume.get("parameters", {})}
    tree["name"] = f"{alternative.name}__{assumption.name}"
    tree["title"] = f"{alternative.title} · {assumption.title}"
    tree["description"] = f"{alternative.description} 假设: {assumption.description}"
    tree["matrix"] = {"alternative": alternative.name, "assumption": assumption.name,
                      "alternative_title": alternative.title, "assumption_title": assumption.title}
    tree["solver"] = {}
    base = alternative.path.parent if alternative.path is not None else None
    return scenario_from_dict(tree, source=f"{alternative.name} × {assumption.name}", base_dir=base)


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file (YAML, ``yaml.safe_load``).

    Raises
    ------
    ValidationError
        Listing every problem: unknown keys with the allowed keys, bad values with the allowed values.

    Examples
    --------
    >>> sc = load_scenario("data/tanyi/scenarios/baseline.yaml")   # doctest: +SKIP
    >>> sc.models["reserve"]["budget_wan_yuan"]                     # doctest: +SKIP
    2000
    """
    p = Path(path)
    if not p.exists():
        raise ValidationError(str(p), [Problem(str(p), "file not found", "check the path", "missing_file")])
    try:
        tree = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError(str(p), [Problem(str(p), f"not valid YAML: {exc}", "fix the syntax", "yaml")]) from exc
    return scenario_from_dict(tree, source=str(p), base_dir=p.parent, path=p.resolve())


def bundled_scenarios() -> list[Path]:
    """The scenario files shipped in ``data/tanyi/scenarios`` (sorted by name)."""
    from landkit.params import SAMPLE_DIR

    return sorted((Path(SAMPLE_DIR) / "scenarios").glob("*.yaml"))


__all__ = ["RESERVED_LINKS", "SWEEP_VARIABLES", "Scenario", "bundled_scenarios", "default_links", "known_links",
           "load_scenario", "model_order", "scenario_from_dict"]
