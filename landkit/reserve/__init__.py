"""土地收储: the multi-year acquisition and supply plan of the land reserve centre."""

from landkit.reserve.check import check_plan
from landkit.reserve.inputs import (
    PARCEL_COLUMNS,
    USES,
    Deduction,
    FinanceSource,
    ReserveInputs,
    TownOptions,
    candidate_mask,
    cost_parcels,
    inputs_from_town,
)
from landkit.reserve.model import ReservePlan
from landkit.reserve.result import ReserveResult, plot_pareto

__all__ = [
    "PARCEL_COLUMNS",
    "USES",
    "Deduction",
    "FinanceSource",
    "ReserveInputs",
    "ReservePlan",
    "ReserveResult",
    "TownOptions",
    "candidate_mask",
    "check_plan",
    "cost_parcels",
    "inputs_from_town",
    "plot_pareto",
]
