"""Scenarios: one file runs every model with its links, writes an audited result bundle, and compares runs.

>>> from landkit.scenario import load_scenario, run_scenario, compare_runs   # doctest: +SKIP
>>> run = run_scenario("data/tanyi/scenarios/baseline.yaml", "out/baseline")  # doctest: +SKIP
>>> compare_runs(["out/baseline", "out/funds_plus50"], "out/compare")         # doctest: +SKIP
>>> sweep("data/tanyi/scenarios/baseline.yaml", 200, out="out/sweep")         # doctest: +SKIP
"""

from __future__ import annotations

from landkit.scenario.compare import Comparison, compare_runs, read_bundle
from landkit.scenario.run import KPI_LABELS, ModelRecord, ScenarioRun, input_files, load_town, run_scenario, sha256_file
from landkit.scenario.schema import (
    DEFAULT_LINKS,
    LINKS,
    MODEL_ORDER,
    RESERVED_LINKS,
    SWEEP_VARIABLES,
    Scenario,
    bundled_scenarios,
    load_scenario,
    scenario_from_dict,
)
from landkit.scenario.sweep import SweepResult, draw_samples, evaluate_sample, sweep

__all__ = ["DEFAULT_LINKS", "KPI_LABELS", "LINKS", "MODEL_ORDER", "RESERVED_LINKS", "SWEEP_VARIABLES", "Comparison",
           "ModelRecord", "Scenario", "ScenarioRun", "SweepResult", "bundled_scenarios", "compare_runs",
           "draw_samples", "evaluate_sample", "input_files", "load_scenario", "load_town", "read_bundle",
           "run_scenario", "scenario_from_dict", "sha256_file", "sweep"]
