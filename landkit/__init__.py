"""landkit: land reserve and planning decision support for 探沂镇 (费县, 临沂, 山东).

The public API is flat and curated; heavy modules (geopandas, linopy) load on first use::

    import landkit
    town = landkit.load_sample()                       # the bundled 探沂镇
    plan = landkit.ReservePlan.from_town(town)         # 土地收储: validate + build
    result = plan.solve(time_limit_s=60)               # status, objective, gap, tables
    result.plan_table(); result.cashflow(); result.plot_map()
"""

from __future__ import annotations

import importlib
from typing import Any

from landkit._errors import (
    AccountError,
    ArgumentError,
    ArgumentTypeError,
    CheckFailedError,
    ConflictError,
    CRSError,
    ExportError,
    InfeasibleError,
    LandkitError,
    MissingFileError,
    NotFoundError,
    OutputFolderError,
    Problem,
    SolverError,
    StoreError,
    ValidationError,
)
from landkit.params import Param, Parameters

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Town": "landkit.town",
    "load_sample": "landkit.town",
    "synthetic_town": "landkit.sample",
    "synthetic_county": "landkit.county",
    "sample_path": "landkit.town",
    "read_parcels": "landkit.io",
    "read_layer": "landkit.io",
    "list_layers": "landkit.io",
    "check_raster": "landkit.io",
    "validate_parcels": "landkit.validate",
    "solve": "landkit.optimize",
    "Status": "landkit.optimize",
    "SolveResult": "landkit.optimize",
    "export_model": "landkit.optimize",
    "diagnose_infeasibility": "landkit.optimize",
    "ReservePlan": "landkit.reserve",
    "ReserveResult": "landkit.reserve",
    "check_plan": "landkit.reserve",
    "compare_sites": "landkit.siting",
    "LinkagePlan": "landkit.quota",
    "LinkageResult": "landkit.quota",
    "check_linkage": "landkit.quota",
    "QuotaMarket": "landkit.quota",
    "MarketResult": "landkit.quota",
    "FarmlandLedger": "landkit.farmland",
    "FarmlandBalance": "landkit.farmland",
    "FarmlandResult": "landkit.farmland",
    "check_balance": "landkit.farmland",
    "TourismCorridor": "landkit.corridor",
    "resistance_surface": "landkit.corridor",
    "cost_distance": "landkit.corridor",
    "ahp_weights": "landkit.suitability",
    "town_suitability": "landkit.suitability",
    "best_contiguous_site": "landkit.siting",
    "site_parks": "landkit.siting",
    "ParkSpec": "landkit.siting",
    "load_scenario": "landkit.scenario",
    "run_scenario": "landkit.scenario",
    "compare_runs": "landkit.scenario",
    "SelectionProblem": "landkit.select",
    "from_marxan": "landkit.select",
    "to_marxan": "landkit.select",
}

__all__ = [
    "AccountError",
    "CheckFailedError",
    "ArgumentError",
    "ArgumentTypeError",
    "ExportError",
    "MissingFileError",
    "NotFoundError",
    "OutputFolderError",
    "CRSError",
    "InfeasibleError",
    "LandkitError",
    "Param",
    "Parameters",
    "Problem",
    "SolverError",
    "StoreError",
    "ConflictError",
    "ValidationError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'landkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
