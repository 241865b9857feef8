"""Scoring any selection of units against a selection problem (cost, boundary, targets, violations)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from landkit.select._inputs import MaxUtility

if TYPE_CHECKING:
    from landkit.select.problem import SelectionProblem

#: Relative tolerance used when judging whether a target is met by a selection.
TARGET_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SelectionEvaluation:
    """The score of one selection of units against a :class:`SelectionProblem`.

    Attributes
    ----------
    n_selected : int
    cost : float
        Total cost (the weighted sum of the cost layers).
    cost_by_layer : dict[str, float]
        Total of each cost column (unweighted).
    boundary : float
        Boundary length :math:`L(x)` of the selection.
    utility : float or None
        Weighted amount held (max-utility problems only).
    objective : float
        ``cost + blm * boundary`` (min-set or no objective) or ``utility - blm * boundary`` (max-utility),
        the same quantity the solver optimises (Marxan's score when every target is met).
    coverage : pandas.DataFrame
        Per feature: ``total``, ``target``, ``held``, ``shortfall``, ``met`` (and ``occurrence_target``,
        ``occurrence_held`` when occurrence targets are set).
    violations : tuple of str
        Every way the selection breaks the problem: targets missed, budget exceeded, locks broken, unknown ids.
    """

    n_selected: int
    cost: float
    cost_by_layer: dict[str, float]
    boundary: float
    utility: float | None
    objective: float
    coverage: pd.DataFrame
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        """True when the selection breaks no target, budget or lock."""
        return not self.violations

    @property
    def targets_met(self) -> bool:
        """True when every target is met."""
        return bool(self.coverage["met"].all()) if len(self.coverage) else True

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: n_selected, cost (and each layer), boundary, utility, objective, targets missed."""
        row: dict[str, Any] = {"n_selected": self.n_selected, "cost": self.cost}
        if len(self.cost_by_layer) > 1:
            row.update({f"cost[{k}]": v for k, v in self.cost_by_layer.items()})
        row["boundary"] = self.boundary
        if self.utility is not None:
            row["utility"] = self.utility
        row["objective"] = self.objective
        row["targets_missed"] = int((~self.coverage["met"]).sum()) if len(self.coverage) else 0
        row["feasible"] = self.feasible
        return pd.DataFrame([row], index=pd.Index(["selection"]))


def evaluate_selection(problem: SelectionProblem, selected: Iterable[Hashable]) -> SelectionEvaluation:
    """Score any selection of units (from the solver, Marxan, or by hand) against ``problem``.

    Parameters
    ----------
    problem : SelectionProblem
    selected : iterable of unit ids

    Returns
    -------
    SelectionEvaluation
        Cost, boundary length, objective, per-feature coverage and every violation. A target counts as
        met when the amount held is at least the target less a relative tolerance of
        :data:`TARGET_TOLERANCE`.
    """
    p = problem
    ids = pd.Index(list(selected)).unique()
    pos = p._uid.get_indexer(ids) if len(ids) else np.zeros(0, dtype=np.intp)
    violations = [f"unit {u!r} is not a planning unit" for u in ids[pos < 0]]
    s = np.zeros(p._n)
    s[pos[pos >= 0]] = 1.0
    cost = float(p._cost @ s)
    boundary = float(p._exposed @ s + p._e_b @ (s[p._e_i] + s[p._e_j] - 2 * s[p._e_i] * s[p._e_j]))
    held = np.bincount(p._a_feat, p._a_amount * s[p._a_unit], len(p._features))
    held_units = np.bincount(p._a_feat, s[p._a_unit], len(p._features))
    total = p.feature_totals.to_numpy()
    coverage = pd.DataFrame({"total": total, "held": held}, index=p._features)
    utility = None
    obj = p._objective
    if isinstance(obj, MaxUtility):
        utility = float(p._utility(obj) @ s)
        objective = utility - p._blm * boundary
        if cost > obj.budget * (1 + 1e-9) + 1e-9:
            violations.append(f"cost {cost:.6g} exceeds the budget {obj.budget:.6g} by {cost - obj.budget:.6g}")
        coverage["target"] = np.nan
        coverage["shortfall"] = 0.0
        coverage["met"] = True
        coverage = coverage[["total", "target", "held", "shortfall", "met"]]
    else:
        objective = cost + p._blm * boundary
        target = p.targets.to_numpy() if obj is not None else np.zeros(len(total))
        shortfall = np.maximum(target - held, 0.0)
        met = held >= target - TARGET_TOLERANCE * np.abs(target) - 1e-12
        coverage["target"] = target
        coverage["shortfall"] = shortfall
        coverage["met"] = met
        coverage = coverage[["total", "target", "held", "shortfall", "met"]]
        for k in np.flatnonzero(~met):
            violations.append(f"feature {p._features[k]!r}: held {held[k]:.6g} < target {target[k]:.6g} "
                              f"(short by {shortfall[k]:.6g})")
        occ = p.occurrence_targets.to_numpy()
        if occ.any():
            coverage["occurrence_target"] = occ
            coverage["occurrence_held"] = held_units
            occ_met = held_units >= occ
            coverage["met"] = coverage["met"] & occ_met
            for k in np.flatnonzero(~occ_met):
                violations.append(f"feature {p._features[k]!r}: in {held_units[k]:g} selected units < occurrence "
                                  f"target {occ[k]:g}")
    missing_in = p._lock_in & (s == 0)
    violations += [f"locked-in unit {u!r} is not selected" for u in p._uid[missing_in]]
    violations += [f"locked-out unit {u!r} is selected" for u in p._uid[p._lock_out & (s == 1)]]
    coverage.index.name = "feature"
    by_layer = {k: float(v @ s) for k, v in p._cost_layers.items()}
    return SelectionEvaluation(int(s.sum()), cost, by_layer, boundary, utility, float(objective), coverage,
                               tuple(violations))
