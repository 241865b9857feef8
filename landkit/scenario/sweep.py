"""Uncertainty sweeps: the reserve plan under sampled prices, funds, quota prices and demand, on Dask.

``landkit sweep SCENARIO --samples N`` (or :func:`sweep`) draws ``N`` samples from the distributions of
the scenario's ``sweep:`` section, solves one reserve plan per sample on a Dask cluster and reports

* how often each candidate parcel is acquired (频率表 and map),
* the distribution of the reserve plan's NPV (histogram and quantiles),
* the probability of a cash shortfall (资金缺口概率), defined in :func:`sweep`,

with the solver status, gap and wall time of every sample kept in ``samples.csv``.

Each Dask task is a pure function of ``(scenario as plain data, sample)``: :func:`evaluate_sample`. The
worker loads the scenario's town once per process (cached) and never receives a ``Town`` object, so a
remote cluster (``scheduler="tcp://host:8786"``) needs only landkit and the data files at the same paths.

Sampling is reproducible: sample ``i`` is drawn from its own generator, spawned from ``sweep.seed`` by
:class:`numpy.random.SeedSequence`, so the first ``k`` samples of a larger sweep equal a sweep of ``k``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeGuard, Unpack

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from tqdm.auto import tqdm

from landkit._errors import InfeasibleError, LandkitError, Problem, ValidationError, reject_unknown_keywords
from landkit.atomic import atomic_dir, check_output_folder
from landkit.optimize import SolveSession
from landkit.plot import close_figure, draw_polygons, finish_map, new_axes, use_cjk_font
from landkit.report import Figure, Heading, Paragraph, Table, write_html
from landkit.scenario.context import LandState, ModelRecord, RunContext
from landkit.scenario.registry import adapter, adapters
from landkit.scenario.run import load_town
from landkit.scenario.schema import DISTRIBUTIONS, SWEEP_VARIABLES, Scenario, load_scenario, scenario_from_dict
from landkit.town import Town

if TYPE_CHECKING:  # for annotations only: importing them costs `landkit --help` 65-180 ms each
    from distributed import Client, LocalCluster
    from matplotlib.figure import Figure as MplFigure

    from landkit.report import Block

#: Quantiles of the NPV reported (and written to ``npv_quantiles.csv``).
QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
#: A year-end balance below ``-CASH_TOLERANCE_WAN_YUAN`` counts as a cash shortfall (solver round-off).
CASH_TOLERANCE_WAN_YUAN = 1e-3
#: Support of each sampled variable: (lowest allowed, strict?) — price changes > -1, factors ≥ 0.
_SUPPORT: dict[str, tuple[float, bool]] = {"price_change": (-1.0, True), "budget_factor": (0.0, False),
                                           "quota_price_factor": (0.0, False), "demand_factor": (0.0, False)}
_MAX_REJECT = 10_000


# --------------------------------------------------------------------------- distributions
def _finite(v: object) -> TypeGuard[int | float]:
    """A finite int or float (not a bool)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _outside_support(var: str, value: float) -> bool:
    """True if ``value`` is below the values ``var`` can take (:data:`_SUPPORT`)."""
    floor, strict = _SUPPORT[var]
    return value < floor or (strict and value == floor)


def _support_hint(var: str) -> str:
    floor, strict = _SUPPORT[var]
    return f"a number {'>' if strict else '≥'} {floor}"


# Each check of one distribution takes (where, var, spec) and returns its problems. The gates run first, in
# order, and the first that finds a problem ends the distribution's checks; then every shape check runs.
def _unknown_variable(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    if var in SWEEP_VARIABLES:
        return []
    return [Problem(where, "unknown variable", f"allowed: {', '.join(SWEEP_VARIABLES)}", "unknown_key")]


def _unknown_dist(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    dist = spec.get("dist")
    if dist in DISTRIBUTIONS:
        return []
    return [Problem(f"{where}.dist", f"is {dist!r}", f"one of {', '.join(DISTRIBUTIONS)}", "value")]


def _missing_numbers(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    return [Problem(f"{where}.{k}", f"is {spec.get(k)!r}", "a number", "value")
            for k in DISTRIBUTIONS[spec["dist"]] if not _finite(spec.get(k))]


def _normal_shape(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    if spec["dist"] != "normal":
        return []
    problems = []
    if float(spec["sd"]) <= 0:
        problems.append(Problem(f"{where}.sd", f"is {spec['sd']!r}", "a number > 0", "value"))
    for k in ("low", "high"):
        if k in spec and not _finite(spec[k]):
            problems.append(Problem(f"{where}.{k}", f"is {spec[k]!r}", "a number (truncation bound)", "value"))
    lo, hi = spec.get("low"), spec.get("high")
    if _finite(lo) and _finite(hi) and float(lo) >= float(hi):
        problems.append(Problem(f"{where}.high", f"is {hi!r}, not above low {lo!r}", "high > low", "value"))
    return problems


def _bounded_shape(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    if spec["dist"] == "normal":
        return []
    problems = []
    lo, hi = spec["low"], spec["high"]
    if float(lo) >= float(hi):
        problems.append(Problem(f"{where}.high", f"is {hi!r}, not above low {lo!r}", "high > low", "value"))
    if spec["dist"] == "triangular" and not float(lo) <= float(spec["mode"]) <= float(hi):
        problems.append(Problem(f"{where}.mode", f"is {spec['mode']!r}, outside [{lo}, {hi}]",
                                "low ≤ mode ≤ high", "value"))
    return problems


def _low_support(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    lo = spec.get("low")
    if not (_finite(lo) and _outside_support(var, float(lo))):
        return []
    return [Problem(f"{where}.low", f"is {lo!r}, outside the values {var} can take", _support_hint(var), "value")]


def _high_support(where: str, var: str, spec: Mapping[str, Any]) -> list[Problem]:
    hi = spec.get("high")
    if not (spec["dist"] == "normal" and _finite(hi) and _outside_support(var, float(hi))):
        return []
    return [Problem(f"{where}.high", f"is {hi!r}, outside the values {var} can take", _support_hint(var), "value")]


_DistributionCheck = Callable[[str, str, Mapping[str, Any]], list[Problem]]
_GATES: tuple[_DistributionCheck, ...] = (_unknown_variable, _unknown_dist, _missing_numbers)
_SHAPE_CHECKS: tuple[_DistributionCheck, ...] = (_normal_shape, _bounded_shape, _low_support, _high_support)


def _distribution_problems(var: str, spec: Mapping[str, Any]) -> list[Problem]:
    """The problems of one distribution: the first gate that fails, else every shape check's."""
    where = f"sweep.distributions.{var}"
    for gate in _GATES:
        found = gate(where, var, spec)
        if found:
            return found
    return [p for check in _SHAPE_CHECKS for p in check(where, var, spec)]


def check_distributions(distributions: Mapping[str, Mapping[str, Any]]) -> None:
    """Check the sweep distributions beyond the schema (ordering of bounds, sd, the variable's support).

    Raises
    ------
    ValidationError
        Every problem at once, each naming its key (``sweep.distributions.price_change.mode``).
    """
    problems: list[Problem] = []
    if not distributions:
        problems.append(Problem("sweep.distributions", "is empty: nothing to sample",
                                f"declare at least one of {', '.join(SWEEP_VARIABLES)}", "value"))
    for var, spec in distributions.items():
        problems += _distribution_problems(var, spec)
    if problems:
        raise ValidationError("sweep", problems)


def _draw_one(rng: np.random.Generator, var: str, spec: Mapping[str, Any]) -> float:
    dist = spec["dist"]
    if dist == "uniform":
        return float(rng.uniform(float(spec["low"]), float(spec["high"])))
    if dist == "triangular":
        lo, mode, hi = float(spec["low"]), float(spec["mode"]), float(spec["high"])
        return float(rng.triangular(lo, mode, hi))
    floor, strict = _SUPPORT[var]
    lo = float(spec.get("low", -math.inf))
    hi = float(spec.get("high", math.inf))
    for _ in range(_MAX_REJECT):  # truncated normal by rejection, also inside the variable's support
        x = float(rng.normal(float(spec["mean"]), float(spec["sd"])))
        if lo <= x <= hi and (x > floor if strict else x >= floor):
            return x
    raise ValidationError("sweep", [Problem(f"sweep.distributions.{var}", "almost no mass inside its bounds",
                                            "widen low/high or move the mean", "value")])


def draw_samples(distributions: Mapping[str, Mapping[str, Any]], n: int, seed: int = 0) -> pd.DataFrame:
    """Draw ``n`` samples (rows ``sample`` 0…n-1, one column per variable in :data:`SWEEP_VARIABLES` order).

    Sample ``i`` uses its own generator spawned from ``seed``: the same seed gives the same table, and
    the first rows do not depend on ``n``.
    """
    check_distributions(distributions)
    if not (isinstance(n, int) and n > 0):
        raise ValidationError("sweep", [Problem("samples", f"is {n!r}", "a whole number > 0", "value")])
    order = [v for v in SWEEP_VARIABLES if v in distributions]
    children = np.random.SeedSequence(int(seed)).spawn(n)
    rows = []
    for child in children:
        rng = np.random.default_rng(child)
        rows.append({v: _draw_one(rng, v, distributions[v]) for v in order})
    return pd.DataFrame(rows, index=pd.RangeIndex(n, name="sample"), columns=order)


# --------------------------------------------------------------------------- worker side
_TOWNS: dict[str, Town] = {}
_SESSIONS: dict[int | None, SolveSession] = {}
_BEFORE: dict[str, RunContext] = {}


def _town_key(sc: dict[str, Any]) -> str:
    return json.dumps([sc["data"], sc["parameters"]], sort_keys=True, default=str)


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, Mapping):
        return {k: _scale(v, factor) for k, v in value.items()}
    return float(value) * factor


def _before_reserve(sc: Scenario, town: Town, solve: dict[str, float]) -> RunContext:
    """The run context after the models that run before the reserve plan (parks, corridor, 挂钩): the
    land they take and their results, as :func:`landkit.scenario.run_scenario` has it (nothing written)."""
    ctx = RunContext(scenario=sc, town=town, writer=None, land=LandState())
    limit = adapter("reserve").order
    for a in adapters():
        if a.order < limit and sc.enabled(a.name):
            model_sc = sc.with_changes(models={a.name: {k: solve[k] for k in ("time_limit_s", "mip_gap")}})
            ctx.scenario = model_sc
            res = a.solve(ctx, ModelRecord(a.name))
            if res is not None:
                ctx.results[a.name] = res
    ctx.scenario = sc
    return ctx


def _session(threads: int | None) -> SolveSession:
    """This worker process's :class:`SolveSession` for ``threads`` (one HiGHS model kept from sample to sample)."""
    if threads not in _SESSIONS:
        _SESSIONS[threads] = SolveSession(threads=threads).start()
    return _SESSIONS[threads]


def evaluate_sample(scenario: Mapping[str, Any], sample: Mapping[str, Any], *, time_limit_s: float | None = None,
                    mip_gap: float | None = None, threads: int | None = None) -> dict[str, Any]:
    """Solve the reserve plan of one sample; a pure function of its arguments (run on a Dask worker).

    Parameters
    ----------
    scenario : mapping
        :meth:`Scenario.to_dict` of the scenario (paths already absolute).
    sample : mapping
        ``sample`` (its number) and the drawn values of :data:`SWEEP_VARIABLES`: ``price_change``
        replaces ``models.reserve.price_change``; ``budget_factor`` multiplies the yearly county special
        funds (the scenario's ``budget_wan_yuan`` or ``funds.county_special_funds``); ``demand_factor``
        multiplies ``reserve.demand``; ``quota_price_factor`` multiplies ``linkage.sale_price`` and so
        changes the 挂钩 surplus passed to the reserve quota (when that link runs).
    time_limit_s, mip_gap : float, optional
        Solver settings; default the scenario's reserve options.
    threads : int, optional
        HiGHS threads (None: HiGHS's default).

    Returns
    -------
    dict
        ``sample``, ``status`` (solver status, ``infeasible``, or ``error``), ``gap``, ``npv_wan_yuan``,
        ``cost_wan_yuan``, ``acquired_mu``, ``min_cash_wan_yuan``, ``shortfall_mu``, ``cash_shortfall``
        (True, False or None when unknown), ``acquired`` (parcel ids), ``wall_s``, ``message``, ``pid``.

    The town is loaded once per worker process and reused for every later sample of the same data, and
    the reserve plan is solved in the process's :class:`landkit.optimize.SolveSession`: the HiGHS model of
    the previous sample is kept and only the entries this sample changes (prices, funds, demand, quota)
    are changed in it. No sample starts from another's plan, so a sample's answer does not depend on the
    order the samples ran in; it is that of a fresh build and solve.
    """
    # landkit.reserve.adapter -> landkit.scenario.context -> landkit.scenario (package) -> this module
    from landkit.reserve.adapter import plan_from_scenario  # noqa: PLC0415  cycle with landkit.reserve.adapter

    t0 = time.perf_counter()
    sc = scenario_from_dict(dict(scenario))
    solve = sc.solve_options("reserve")
    if time_limit_s is not None:
        solve["time_limit_s"] = float(time_limit_s)
    if mip_gap is not None:
        solve["mip_gap"] = float(mip_gap)
    key = _town_key(dict(scenario))
    if key not in _TOWNS:
        _TOWNS[key] = load_town(sc)
    town = _TOWNS[key]
    params = town.params
    overrides: dict[str, Any] = {}
    if "demand_factor" in sample:
        overrides["reserve.demand"] = _scale(params["reserve.demand"], float(sample["demand_factor"]))
    if "quota_price_factor" in sample:
        overrides["linkage.sale_price"] = _scale(params["linkage.sale_price"], float(sample["quota_price_factor"]))
    if overrides:
        town = town.with_params(params.with_overrides(overrides, source=f"sweep {sc.name} sample {sample['sample']}"))

    o = sc.options("reserve")
    budget = o.get("budget_wan_yuan")
    if budget is None:
        budget = params["funds.county_special_funds"]
    if isinstance(budget, Mapping):
        budget = {int(k): float(v) for k, v in budget.items()}
    if "budget_factor" in sample:
        budget = _scale(budget, float(sample["budget_factor"]))
    price_change = float(sample.get("price_change", o.get("price_change", 0.0)))
    out: dict[str, Any] = {"sample": int(sample["sample"]), "status": "error", "gap": None, "npv_wan_yuan": None,
                           "cost_wan_yuan": None, "acquired_mu": None, "min_cash_wan_yuan": None,
                           "shortfall_mu": None, "cash_shortfall": None, "acquired": [], "message": "",
                           "pid": os.getpid()}
    try:
        # the parks, the corridor and 挂钩 take their land first, exactly as in `landkit run` (one builder)
        if "quota_price_factor" in sample:  # the 挂钩 plan depends on the sample
            ctx = _before_reserve(sc, town, solve)
        else:
            if key not in _BEFORE:
                _BEFORE[key] = _before_reserve(sc, town, solve)
            ctx = _BEFORE[key]
        linkage = ctx.results.get("linkage")
        surplus = linkage.surplus_by_year() if linkage is not None and sc.has_link("linkage.surplus -> reserve.quota") \
            else None
        ctx = dataclasses.replace(ctx, town=town)  # this sample's parameters, the land as the earlier models left it
        plan, _ = plan_from_scenario(ctx, budget=budget, price_change=price_change, linkage_surplus_mu=surplus)
        res = plan.solve(time_limit_s=solve["time_limit_s"], mip_gap=solve["mip_gap"],
                         diagnose_time_limit_s=solve["time_limit_s"], session=_session(threads))
        k = res.kpis()
        min_cash = float(k["min_cash_wan_yuan"])
        out.update(status=str(k["status"]), gap=k["gap"], npv_wan_yuan=float(k["npv_wan_yuan"]),
                   cost_wan_yuan=float(k["cost_wan_yuan"]), acquired_mu=float(k["acquired_mu"]),
                   min_cash_wan_yuan=min_cash, shortfall_mu=float(k["shortfall_mu"]),
                   cash_shortfall=bool(min_cash < -CASH_TOLERANCE_WAN_YUAN),
                   acquired=[str(i) for i in res.schedule.index])
    except InfeasibleError as exc:
        out.update(status="infeasible", cash_shortfall=True, message=str(exc).splitlines()[0][:300])
    except LandkitError as exc:  # no solution within the time limit, or a solver failure: outcome unknown
        out.update(status="no_solution", message=str(exc).splitlines()[0][:300])
    out["wall_s"] = time.perf_counter() - t0
    return out


# --------------------------------------------------------------------------- client side
@dataclass
class SweepResult:
    """The outcome of :func:`sweep`.

    Attributes
    ----------
    scenario : Scenario
    samples : DataFrame
        One row per sample: the drawn values, ``status``, ``gap``, ``npv_wan_yuan``, ``min_cash_wan_yuan``,
        ``cash_shortfall``, ``n_acquired``, ``wall_s``, ``message``.
    frequency : DataFrame
        Per candidate parcel acquired at least once: ``count``, ``frequency`` (share of solved samples),
        ``area_mu``; sorted by frequency.
    npv_quantiles : Series
        NPV (万元) quantiles over solved samples, index :data:`QUANTILES`.
    shortfall_probability : float
        See :func:`sweep`; NaN when no sample has a known outcome.
    wall_s : float
        Wall time of the sweep (sampling, solving and collecting; without writing).
    out : Path or None
        Folder written.
    """

    scenario: Scenario
    samples: pd.DataFrame
    frequency: pd.DataFrame
    npv_quantiles: pd.Series
    shortfall_probability: float
    wall_s: float
    out: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines for the console."""
        s = self.samples
        counts = s["status"].value_counts().to_dict()
        q = self.npv_quantiles
        qtxt = ", ".join(f"P{round(p * 100)} {v:,.0f}" for p, v in q.items()) if len(q) else "n/a"
        return (f"情景 {self.scenario.name}: {len(s)} samples in {self.wall_s:.1f} s "
                f"(per sample median {s['wall_s'].median():.2f} s); status {counts}\n"
                f"NPV 净现值 (万元): {qtxt}\n"
                f"资金缺口概率 cash-shortfall probability: {self.shortfall_probability:.3f}\n"
                f"parcels acquired in ≥ 1 sample: {len(self.frequency)}")


class SolverSettings(TypedDict, total=False):
    """Solver settings of every sample of a sweep (default: the scenario's reserve options)."""

    time_limit_s: float | None
    mip_gap: float | None
    threads: int | None


def _client(scheduler: str | None, n_workers: int) -> tuple[Client, LocalCluster | None]:
    """A client of the scheduler at ``scheduler``, or of a new local cluster (returned too, to be closed)."""
    import dask  # noqa: PLC0415  measured 40 ms; landkit.scenario imports this module, only a sweep runs dask
    from distributed import Client, LocalCluster  # noqa: PLC0415  measured 130 ms; landkit.scenario imports this module, only a sweep runs dask

    if scheduler:
        return Client(scheduler), None
    # landkit's solver starts HiGHS with subprocess.Popen (allowed in daemonic processes); the workers
    # are still made non-daemonic so that nothing multiprocessing-based is refused inside a task.
    # dashboard_address ":0" takes a free port, so two sweeps (or a user's cluster) never clash on 8787.
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                               processes=True, dashboard_address=":0")
    return Client(cluster), cluster


def sweep(scenario: Scenario | str | os.PathLike[str], samples: int | None = None, *, scheduler: str | None = None,
          n_workers: int = 2, out: str | os.PathLike[str] | None = None, seed: int | None = None,
          progress: bool = False, dpi: int = 110, force: bool = False,
          **solver: Unpack[SolverSettings]) -> SweepResult:
    """Solve the scenario's reserve plan for ``samples`` draws of its ``sweep:`` distributions on Dask.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario (its ``sweep.distributions`` and ``sweep.seed``; reserve model options).
    samples : int, optional
        Number of samples; default ``sweep.samples`` of the scenario, else 100.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); default a new
        ``LocalCluster(n_workers, threads_per_worker=1, processes=True)``, closed at the end.
    n_workers : int
        Workers of the local cluster.
    out : path, optional
        Folder written atomically (:func:`landkit.atomic.atomic_dir`): ``samples.csv``,
        ``parcel_frequency.csv``, ``npv_quantiles.csv``, ``summary.json``, ``收储频率图.png``,
        ``净现值分布.png``, ``sweep.html``.
    seed : int, optional
        Overrides ``sweep.seed``.
    progress : bool
        Show a tqdm bar while samples finish.
    dpi : int
        Figure resolution.
    force : bool
        Replace an earlier sweep folder at ``out`` even if files were added to it (checked before
        any sample is solved; a folder landkit did not write is never replaced).
    **solver : float, optional
        ``time_limit_s`` and ``mip_gap`` (:class:`SolverSettings`): solver settings of every sample;
        default the scenario's reserve options. ``threads``: HiGHS threads of each sample; default, on a
        local cluster, the CPUs shared out among the workers (``max(1, cpus // n_workers)``: two HiGHS
        with two threads each on two cores slowed each other down), and HiGHS's own default on a
        ``scheduler`` (whose machines landkit does not know).

    Returns
    -------
    SweepResult

    Notes
    -----
    **Cash shortfall.** A sample has a cash shortfall when (a) the reserve plan is proven infeasible
    (the solver raises :class:`landkit.InfeasibleError`; in ``min_cost`` mode the demand must be met, so
    too little money makes the plan infeasible), or (b) the plan found has a year-end cash balance
    below zero (``kpis()['min_cash_wan_yuan'] < -0.001`` 万元). A sample whose solver found no solution
    and did not prove infeasibility (time limit, solver error) has an *unknown* outcome: it is
    excluded from both numerator and denominator, and counted in ``summary.json``
    (``unknown_samples``). The probability is (samples with a shortfall) / (samples with a known
    outcome). In ``npv`` mode unmet demand is priced, not infeasible; it is reported separately
    (``shortfall_mu``, 需求缺口), not as a cash shortfall.

    **Solve mode.** Each sample is the reserve plan solved in sequence after the models before it,
    also when the scenario says ``solve: joint`` (``summary.json`` records ``solve_mode`` and says so).

    **Acquisition frequency** of a parcel is the share of samples with a plan (status ``optimal`` or
    ``feasible``) that acquire it. NPV quantiles are over the same samples. Each sample's status and
    gap are kept: a ``feasible`` sample stopped at the time limit with a larger gap than asked.
    """
    reject_unknown_keywords("sweep", solver, SolverSettings.__optional_keys__)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if out is not None:
        check_output_folder(out, force=force)
    cfg = sc.sweep or {}
    n = int(samples if samples is not None else cfg.get("samples", 100))
    draws = draw_samples(cfg.get("distributions") or {}, n, int(cfg.get("seed", 0) if seed is None else seed))
    if not sc.enabled("reserve"):
        raise ValidationError(sc.name, [Problem("models.reserve.enabled", "is false; a sweep solves the reserve plan",
                                                "set enabled: true", "value")])
    threads = solver.get("threads", None if scheduler else max(1, (os.cpu_count() or 1) // max(int(n_workers), 1)))
    t0 = time.perf_counter()
    sc_dict = sc.to_dict()
    tasks = [{"sample": int(i), **{k: float(v) for k, v in row.items()}} for i, row in draws.iterrows()]
    client, cluster = _client(scheduler, n_workers)
    try:
        from distributed import as_completed  # noqa: PLC0415  as above: a sweep only

        futures = [client.submit(evaluate_sample, sc_dict, t, time_limit_s=solver.get("time_limit_s"),
                                 mip_gap=solver.get("mip_gap"), threads=threads,
                                 key=f"landkit-sweep-{sc.name}-{t['sample']}-{time.time_ns()}", pure=False)
                   for t in tasks]
        results: list[dict[str, Any]] = []
        bar = None
        if progress:
            bar = tqdm(total=len(futures), desc=f"sweep {sc.name}", unit="sample")
        for fut in as_completed(futures):
            results.append(fut.result())
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    wall = time.perf_counter() - t0
    result = _collect(sc, draws, results, wall)
    if out is not None:
        result.out = write_sweep(result, out, town=load_town(sc), dpi=dpi, force=force)
    return result


def _collect(sc: Scenario, draws: pd.DataFrame, results: Sequence[dict[str, Any]], wall: float) -> SweepResult:
    res = pd.DataFrame(sorted(results, key=lambda r: r["sample"])).set_index("sample")
    acquired = res.pop("acquired")
    res["n_acquired"] = acquired.map(len)
    samples = draws.join(res)
    solved = samples["status"].isin(["optimal", "feasible"])
    n_solved = int(solved.sum())
    counts: dict[str, int] = {}
    for ids in acquired[solved]:
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
    freq = pd.DataFrame({"count": pd.Series(counts, dtype="int64")})
    freq.index.name = "parcel"
    freq["frequency"] = freq["count"] / n_solved if n_solved else np.nan
    freq = freq.sort_values(["frequency", "count"], ascending=False, kind="stable")
    npv = samples.loc[solved, "npv_wan_yuan"].astype(float)
    quant = npv.quantile(list(QUANTILES)) if len(npv) else pd.Series(dtype=float)
    known = samples["cash_shortfall"].notna()
    prob = float(samples.loc[known, "cash_shortfall"].astype(bool).mean()) if known.any() else float("nan")
    return SweepResult(scenario=sc, samples=samples, frequency=freq, npv_quantiles=quant,
                       shortfall_probability=prob, wall_s=wall,
                       extras={"solved_samples": n_solved, "unknown_samples": int((~known).sum()),
                               "acquired": acquired})


def _plot_frequency_map(result: SweepResult, town: Town) -> MplFigure:
    """The map of how often each parcel is acquired."""
    use_cjk_font()
    fig, ax = new_axes((11, 9))
    parcels = town.parcels
    draw_polygons(ax, parcels.geometry, facecolor="#eeeeee", linewidth=0.05, edgecolor="#bbbbbb")
    freq = result.frequency["frequency"]
    idx = parcels.index.astype(str)
    sel = parcels[idx.isin(freq.index)]
    norm = mpl.colors.Normalize(vmin=0.0, vmax=1.0)
    cmap = mpl.colormaps["YlOrRd"]
    if len(sel):
        vals = freq.reindex(sel.index.astype(str)).to_numpy(dtype=float)
        sel.plot(ax=ax, color=[cmap(norm(v)) for v in vals], linewidth=0.2, edgecolor="black")
    fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, label="收储频率 acquisition frequency")
    handles = [Patch(facecolor="#eeeeee", edgecolor="#bbbbbb", label="其他地块")]
    czk = town.layers.get("CZKFBJ")
    if czk is not None:
        czk.boundary.plot(ax=ax, color="#1f77b4", linewidth=0.8, linestyle="--")
        handles.append(Patch(facecolor="none", edgecolor="#1f77b4", linestyle="--", label="城镇开发边界"))
    n = result.extras.get("solved_samples", 0)
    finish_map(ax, title=f"{town.name} 地块收储频率 ({n} 个样本)", legend_handles=handles, legend_title="图例",
               crs_label=town.crs.to_string())
    return fig


def _plot_npv(result: SweepResult) -> MplFigure:
    """The histogram of the samples' NPV with the P5, P50 and P95 lines."""
    use_cjk_font()
    fig, ax = new_axes((8, 5))
    npv = result.samples["npv_wan_yuan"].dropna().astype(float)
    if len(npv):
        ax.hist(npv, bins=max(5, min(40, len(npv) // 4)), color="#4c72b0", edgecolor="white")
        for p in (0.05, 0.5, 0.95):
            if p in result.npv_quantiles.index:
                v = float(result.npv_quantiles[p])
                ax.axvline(v, color="#c44e52", linestyle="--", linewidth=1)
                ax.text(v, ax.get_ylim()[1] * 0.95, f"P{round(p * 100)}", color="#c44e52", ha="center", fontsize=8)
    ax.set_xlabel("净现值 NPV (万元)")
    ax.set_ylabel("样本数 samples")
    ax.set_title(f"{result.scenario.title or result.scenario.name}: 净现值分布")
    return fig


def write_sweep(result: SweepResult, out: str | os.PathLike[str], *, town: Town, dpi: int = 110,
                force: bool = False) -> Path:
    """Write the sweep's tables, figures and ``sweep.html`` into ``out`` atomically; returns ``out``."""
    out = Path(out)
    sc = result.scenario
    with atomic_dir(out, kind="sweep", force=force) as tmp:
        samples = result.samples.copy()
        samples.to_csv(tmp / "samples.csv", encoding="utf-8-sig")
        freq = result.frequency.copy()
        if len(freq):
            area = town.parcels.set_axis(town.parcels.index.astype(str))
            if "area_mu" in area:
                freq["area_mu"] = area["area_mu"].reindex(freq.index).to_numpy()
        freq.to_csv(tmp / "parcel_frequency.csv", encoding="utf-8-sig")
        q = result.npv_quantiles.rename("npv_wan_yuan")
        q.index.name = "quantile"
        q.to_csv(tmp / "npv_quantiles.csv", encoding="utf-8-sig")
        summary = {"scenario": sc.name, "samples": len(samples), "seed": sc.sweep.get("seed", 0),
                   "distributions": sc.sweep.get("distributions", {}),
                   "status_counts": {str(k): int(v) for k, v in samples["status"].value_counts().items()},
                   "solved_samples": result.extras.get("solved_samples"),
                   "unknown_samples": result.extras.get("unknown_samples"),
                   "cash_shortfall_probability": result.shortfall_probability,
                   "npv_quantiles": {str(k): float(v) for k, v in result.npv_quantiles.items()},
                   "max_gap": float(samples["gap"].dropna().max()) if samples["gap"].notna().any() else None,
                   "wall_s": result.wall_s, "median_sample_s": float(samples["wall_s"].median()),
                   "solve_mode": "sequential",
                   **({"note": "the scenario says solve: joint; each sample is the sequential reserve plan"}
                      if sc.solve == "joint" else {})}
        (tmp / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
        figs = {"收储频率图.png": _plot_frequency_map(result, town), "净现值分布.png": _plot_npv(result)}
        for name, fig in figs.items():
            fig.savefig(tmp / name, dpi=dpi, bbox_inches="tight")
            close_figure(fig)
        dists = "; ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in
                          sc.sweep.get("distributions", {}).items())
        qt = pd.DataFrame({"分位数": [f"P{round(p * 100)}" for p in result.npv_quantiles.index],
                           "净现值(万元)": result.npv_quantiles.to_numpy()})
        blocks: list[Block] = [
            Heading(f"不确定性分析 {sc.title or sc.name}", 0),
            Paragraph(f"{len(samples)} 个样本 (seed {sc.sweep.get('seed', 0)}), 分布: {dists}. "
                      f"求解状态: {summary['status_counts']}."),
            Paragraph(f"资金缺口概率 (cash-shortfall probability): {result.shortfall_probability:.3f} — 收储计划"
                      "不可行或任一年末余额为负的样本占已知结果样本的比例。"),
            Table("净现值分位数", qt),
            Figure("净现值分布", tmp / "净现值分布.png"),
            Table("地块收储频率 (前 30)", freq.head(30).reset_index(), max_rows=30),
            Figure("地块收储频率图", tmp / "收储频率图.png"),
        ]
        write_html(blocks, tmp / "sweep.html", title=f"不确定性分析 {sc.name}")
    return out


__all__ = ["CASH_TOLERANCE_WAN_YUAN", "QUANTILES", "SweepResult", "check_distributions", "draw_samples",
           "evaluate_sample", "sweep", "write_sweep"]
