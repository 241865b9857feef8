"""Selection problems: choose planning units to meet feature targets at least cost, or to get the most
value from a budget, with an optional boundary-length penalty (the problem Marxan and prioritizr solve).

The three steps shared by every landkit model::

    problem = SelectionProblem(units, features, cost="cost_wan_yuan", boundary=edges, blm=0.5)
    problem = problem.with_min_set({"paddy": 0.3, "forest": 0.2}, relative=True)
    result = problem.solve(time_limit_s=60)          # SelectionResult
    result.selected; result.evaluate(); result.target_coverage(); result.replacement_cost()

A town's parcels become planning units with :func:`from_town` (cost = acquisition cost from the
parameters, features = area of land-use groups, boundary = parcel edges); :func:`plot_selection`
maps a result. Marxan input folders are read by :func:`from_marxan` and written by :func:`to_marxan`; a Marxan
solution file is read by :func:`read_marxan_solution` and scored by :func:`evaluate_selection`.
"""

from __future__ import annotations

from landkit.select.evaluate import SelectionEvaluation, evaluate_selection
from landkit.select.marxan import from_marxan, read_marxan_solution, to_marxan
from landkit.select.problem import SelectionProblem
from landkit.select.result import SelectionResult
from landkit.select.town import (
    ECOLOGICAL_GROUPS,
    HABITAT_GROUPS,
    feature_label,
    from_town,
    plot_selection,
    riverside_parcels,
)

__all__ = [
    "ECOLOGICAL_GROUPS",
    "HABITAT_GROUPS",
    "SelectionEvaluation",
    "SelectionProblem",
    "SelectionResult",
    "evaluate_selection",
    "feature_label",
    "from_marxan",
    "from_town",
    "plot_selection",
    "read_marxan_solution",
    "riverside_parcels",
    "to_marxan",
]
