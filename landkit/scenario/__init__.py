"""Scenarios: one file runs every model with its links, writes an audited result bundle, and compares runs.

Each model joins a scenario through the adapter declared in its own package
(:mod:`landkit.scenario.registry`); :func:`run_scenario` runs them in order on one land account.

>>> from landkit.scenario import load_scenario, run_scenario, compare_runs   # doctest: +SKIP
>>> run = run_scenario("data/tanyi/scenarios/baseline.yaml", "out/baseline")  # doctest: +SKIP
>>> compare_runs(["out/baseline", "out/funds_plus50"], "out/compare")         # doctest: +SKIP
>>> sweep("data/tanyi/scenarios/baseline.yaml", 200, out="out/sweep")         # doctest: +SKIP
"""

from __future__ import annotations

from landkit.scenario.compare import Comparison, compare_runs, read_bundle
from landkit.scenario.registry import ModelAdapter, adapters
from landkit.scenario.run import (
    KPI_LABELS,
    ModelRecord,
    ScenarioRun,
    input_files,
    load_town,
    run_scenario,
    scenario_kpis,
    sha256_file,
)
from landkit.scenario.schema import (
    RESERVED_LINKS,
    SWEEP_VARIABLES,
    Scenario,
    bundled_scenarios,
    default_links,
    known_links,
    load_scenario,
    model_order,
    scenario_from_dict,
)
from landkit.scenario.sweep import SweepResult, draw_samples, evaluate_sample, sweep

__all__ = ["KPI_LABELS", "RESERVED_LINKS", "SWEEP_VARIABLES", "Comparison", "ModelAdapter", "ModelRecord", "Scenario",
           "ScenarioRun", "SweepResult", "adapters", "bundled_scenarios", "compare_runs", "default_links",
           "draw_samples", "evaluate_sample", "input_files", "known_links", "load_scenario", "load_town",
           "model_order", "read_bundle", "run_scenario", "scenario_from_dict", "scenario_kpis", "sha256_file",
           "sweep"]
