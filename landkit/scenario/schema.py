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
from landkit.params import SAMPLE_DIR, Parameters
from landkit.scenario import registry
from landkit.scenario.checks import GAP, POSITIVE, Check, is_int, is_number
from landkit.scenario.registry import ModelAdapter, adapters

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
#: The solver settings of every model (``solver:``, and per model) and their defaults.
_SOLVER_CHECKS: dict[str, Check] = {"time_limit_s": POSITIVE, "mip_gap": GAP}
_SOLVER_DEFAULTS: dict[str, float] = {"time_limit_s": 60.0, "mip_gap": 0.005}
#: The counts of a sweep.
_SWEEP_CHECKS: dict[str, Check] = {"seed": (lambda v: is_int(v) and v >= 0, "a whole number ≥ 0"),
                                   "samples": (lambda v: is_int(v) and v > 0, "a whole number > 0")}
_SWEEP_KEYS = ("seed", "samples", "distributions")
_FARMLAND_REGIMES = ("auto", "per_project", "annual")


def model_order() -> tuple[str, ...]:
    """The models a scenario can run, in the order they run (:mod:`landkit.scenario.registry`)."""
    return registry.model_order()


def known_links() -> dict[str, str]:
    """The links a scenario may declare, with what each does (from the models' adapters)."""
    return registry.links()


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


@dataclass
class _Reader:
    """A scenario tree being read: where relative paths start, and the problems found so far (in order)."""

    tree: Mapping[str, Any]
    base: Path
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, reason: str, hint: str = "", kind: str = "value") -> None:
        """Record one problem."""
        self.problems.append(Problem(where, reason, hint, kind))

    def section(self, key: str) -> dict[str, Any]:
        """The mapping under ``key`` (empty if absent); a problem if it is not a mapping."""
        val = self.tree.get(key) or {}
        if not isinstance(val, Mapping):
            self.add(key, f"must be a mapping, got {type(val).__name__}")
            return {}
        return dict(val)

    def existing_file(self, where: str, name: str, hint: str) -> str:
        """``name`` resolved against the scenario's folder; a problem if no such file exists."""
        path = (self.base / name).resolve()
        if not path.exists():
            self.add(where, f"file {path} not found", hint, "missing_file")
        return str(path)

    def checked(self, where: str, given: Mapping[str, Any], checks: Mapping[str, Check],
                hint: str = "{}") -> dict[str, Any]:
        """The values of ``given`` that pass their check (keys of ``checks`` only); a problem for each that
        fails, its hint ``hint`` filled with the check's text."""
        out: dict[str, Any] = {}
        for key, (ok, text) in checks.items():
            if key not in given:
                continue
            if ok(given[key]):
                out[key] = given[key]
            else:
                self.add(f"{where}{key}", f"is {given[key]!r}", hint.format(text))
        return out


def _read_name(r: _Reader) -> str:
    """The scenario's name (``"scenario"`` when it is not a valid folder name)."""
    name = r.tree.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        r.add("name", f"is {name!r}", "give a folder name of letters (Chinese too), digits, _ and - (e.g. baseline, "
              "基准情景)")
        return "scenario"
    return name


def _read_data(r: _Reader) -> dict[str, Any]:
    """``data:``: the source, layer, DEM, parameter file and extra layers, paths resolved."""
    data = r.section("data")
    r.problems += _unknown("data.", data, DATA_KEYS)
    src = data.get("source", "sample")
    out: dict[str, Any] = {"source": "sample"}
    if not isinstance(src, str):
        r.add("data.source", f"is {src!r}", "'sample' or the path of a 三调 file")
    elif src != "sample":
        out["source"] = r.existing_file("data.source", src, "'sample' or an existing .gpkg/.shp/.gdb")
    for key in ("dem", "params"):
        if data.get(key) is not None:
            out[key] = r.existing_file(f"data.{key}", str(data[key]), "give an existing file")
    if data.get("layer") is not None:
        out["layer"] = str(data["layer"])
    for key in ("zoning", "context"):
        layers, layer_problems = _layer_specs(data.get(key), r.base, f"data.{key}")
        r.problems += layer_problems
        if layers:
            out[key] = layers
    return out


def _read_parameters(r: _Reader, params_file: str | None) -> dict[str, Any]:
    """``parameters:``: dotted keys with values, checked against the parameter file."""
    params = r.section("parameters")
    for k, v in params.items():
        if not isinstance(k, str) or "." not in k:
            r.add(f"parameters.{k}", "is not a dotted parameter key",
                  "e.g. funds.county_special_funds (see data/tanyi/parameters.yaml)", "key")
        elif v is None:
            r.add(f"parameters.{k}", "has no value", "give the new value")
    r.problems += _override_problems(params, params_file, r.tree.get("models"))
    return params


def _read_policy(r: _Reader) -> dict[str, Any]:
    """``policy:``: the date (ISO text) and the 占补平衡 regime."""
    policy = r.section("policy")
    r.problems += _unknown("policy.", policy, POLICY_KEYS)
    out: dict[str, Any] = {"farmland_regime": "auto"}
    if "date" in policy:
        d = policy["date"]
        try:
            out["date"] = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))).isoformat()
        except ValueError:
            r.add("policy.date", f"is {d!r}", "an ISO date, e.g. '2021-06-30'")
    reg = policy.get("farmland_regime", "auto")
    if reg not in _FARMLAND_REGIMES:
        r.add("policy.farmland_regime", f"is {reg!r}", "one of 'auto', 'per_project', 'annual'")
    else:
        out["farmland_regime"] = reg
    return out


def _read_solver(r: _Reader) -> dict[str, float]:
    """``solver:``: the solver settings every model starts from."""
    solver = r.section("solver")
    r.problems += _unknown("solver.", solver, list(_SOLVER_CHECKS))
    given = r.checked("solver.", solver, _SOLVER_CHECKS, "give {}")
    return {**_SOLVER_DEFAULTS, **{k: float(v) for k, v in given.items()}}


def _model_options(r: _Reader, a: ModelAdapter, models_in: Mapping[str, Any],
                   defaults: Mapping[str, float]) -> dict[str, Any]:
    """One model's options under ``models:``: ``enabled``, its checked options and its solver settings."""
    m = a.name
    opts = models_in.get(m)
    if opts is None:
        opts = {}
    if isinstance(opts, bool):
        opts = {"enabled": opts}
    if not isinstance(opts, Mapping):
        r.add(f"models.{m}", f"must be a mapping or true/false, got {opts!r}")
        opts = {}
    allowed = a.options
    r.problems += _unknown(f"models.{m}.", opts, list(allowed))
    clean: dict[str, Any] = {"enabled": m in models_in}
    for key, val in opts.items():
        if key not in allowed:
            continue
        ok, text = allowed[key]
        if not ok(val):
            r.add(f"models.{m}.{key}", f"is {val!r}", f"allowed: {text}")
        else:
            clean[key] = copy.deepcopy(val)
    for key in a.required:
        if clean.get("enabled") and key not in opts:
            r.add(f"models.{m}.{key}", "is missing", f"give {allowed[key][1]}")
    clean.setdefault("time_limit_s", defaults["time_limit_s"])
    clean.setdefault("mip_gap", defaults["mip_gap"])
    return clean


def _read_models(r: _Reader, defaults: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    """``models:``: every registered model's options, in run order."""
    models_in = r.section("models")
    r.problems += _unknown("models.", models_in, list(model_order()))
    return {a.name: _model_options(r, a, models_in, defaults) for a in adapters()}


def _link_problem(i: int, link: Any, text: str, taken: list[str]) -> Problem | None:
    """What is wrong with ``links[i]`` (normalised to ``text``), or None."""
    allowed = f"allowed links: {'; '.join(known_links())}"
    if text in RESERVED_LINKS:
        return Problem(f"links[{i}]", f"{link!r} needs landkit.siting, not available yet", allowed, "reserved")
    if text not in known_links():
        return Problem(f"links[{i}]", f"{link!r} is not a known link", allowed, "value")
    if text in taken:
        return Problem(f"links[{i}]", f"{link!r} is listed twice", "list each link once", "value")
    return None


def _read_links(r: _Reader) -> tuple[str, ...]:
    """``links:``: the known links, normalised to ``a.b -> c.d``, in the order given."""
    links_in = r.tree.get("links", list(default_links()))
    if not isinstance(links_in, list):
        r.add("links", f"must be a list, got {links_in!r}", f"allowed links: {'; '.join(known_links())}")
        links_in = []
    links: list[str] = []
    for i, link in enumerate(links_in):
        text = re.sub(r"\s*(->|→)\s*", " -> ", str(link).strip())
        problem = _link_problem(i, link, text, links)
        if problem is not None:
            r.problems.append(problem)
        else:
            links.append(text)
    return tuple(links)


def _read_distribution(r: _Reader, var: str, spec: Any) -> dict[str, Any] | None:
    """One sweep distribution (None if its ``dist`` is not one of :data:`DISTRIBUTIONS`)."""
    where = f"sweep.distributions.{var}"
    if not isinstance(spec, Mapping) or spec.get("dist") not in DISTRIBUTIONS:
        r.add(f"{where}.dist", f"is {spec.get('dist') if isinstance(spec, Mapping) else spec!r}",
              f"one of {', '.join(DISTRIBUTIONS)}")
        return None
    need = DISTRIBUTIONS[spec["dist"]]
    allowed_keys = ("dist", *need, *(("low", "high") if spec["dist"] == "normal" else ()))
    r.problems += _unknown(f"{where}.", spec, allowed_keys)
    for k in need:
        if not is_number(spec.get(k)):
            r.add(f"{where}.{k}", f"is {spec.get(k)!r}", "a number")
    return dict(spec)


def _read_sweep(r: _Reader) -> dict[str, Any]:
    """``sweep:``: seed, samples and the distributions of the sampled quantities."""
    sweep_in = r.section("sweep")
    r.problems += _unknown("sweep.", sweep_in, list(_SWEEP_KEYS))
    sweep: dict[str, Any] = {"seed": 0, "distributions": {}}
    sweep.update(r.checked("sweep.", sweep_in, _SWEEP_CHECKS))
    dists = sweep_in.get("distributions") or {}
    if not isinstance(dists, Mapping):
        r.add("sweep.distributions", "must be a mapping")
        dists = {}
    r.problems += _unknown("sweep.distributions.", dists, list(SWEEP_VARIABLES))
    for var, spec in dists.items():
        if var not in SWEEP_VARIABLES:
            continue
        parsed = _read_distribution(r, var, spec)
        if parsed is not None:
            sweep["distributions"][var] = parsed
    return sweep


def _read_text(r: _Reader, name: str) -> tuple[str, str, str]:
    """``solve``, ``title`` (default: the name) and ``description``."""
    solve = r.tree.get("solve", "sequential")
    if solve not in SOLVE_MODES:
        r.add("solve", f"is {solve!r}", f"one of {', '.join(SOLVE_MODES)}")
    title = r.tree.get("title", name)
    desc = r.tree.get("description", "")
    for key, val in (("title", title), ("description", desc)):
        if not isinstance(val, str):
            r.add(key, f"must be text, got {val!r}")
    return str(solve), str(title), str(desc)


def scenario_from_dict(tree: Any, *, source: str = "<scenario>", base_dir: str | os.PathLike[str] | None = None,
                       path: Path | None = None) -> Scenario:
    """Validate a parsed scenario (a mapping) and return a :class:`Scenario`.

    Every problem is collected before :class:`landkit.ValidationError` is raised; each names the key
    and the allowed keys or values.
    """
    if not isinstance(tree, Mapping):
        raise ValidationError(source, [Problem(source, "top level must be a mapping of sections",
                                               f"allowed keys: {', '.join(TOP_KEYS)}", "yaml")])
    r = _Reader(tree, Path(base_dir) if base_dir is not None else Path.cwd(), _unknown("", tree, TOP_KEYS))
    name = _read_name(r)
    data = _read_data(r)
    params = _read_parameters(r, data.get("params"))
    policy = _read_policy(r)
    models = _read_models(r, _read_solver(r))
    links = _read_links(r)
    sweep = _read_sweep(r)
    kind, assume, weight, matrix = _decision_keys(tree, r.problems)
    solve, title, desc = _read_text(r, name)
    if r.problems:
        raise ValidationError(source, r.problems)
    return Scenario(name=name, title=title, description=desc, data=data, parameters=params, policy=policy,
                    models=models, links=links, sweep=sweep, path=path, kind=kind, assume=assume, weight=weight,
                    matrix=matrix, solve=solve)


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
    return sorted((Path(SAMPLE_DIR) / "scenarios").glob("*.yaml"))


__all__ = ["RESERVED_LINKS", "SWEEP_VARIABLES", "Scenario", "bundled_scenarios", "default_links", "known_links",
           "load_scenario", "model_order", "scenario_from_dict"]
