"""The selection problem: inputs, objectives, validation (``check``), the linopy model and ``solve``."""

from __future__ import annotations

import copy
import time
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Literal, SupportsFloat, cast

import linopy
import numpy as np
import pandas as pd
import scipy.sparse as sp
import xarray as xr

from landkit._errors import ArgumentError, ArgumentTypeError, Problem, ValidationError
from landkit.boundary import BoundaryForm, boundary_penalty
from landkit.optimize import solve as solve_linopy
from landkit.select._inputs import (
    BOUNDARY_COLUMNS,  # noqa: F401 (named in the docstring)
    MaxUtility,
    MinSet,
    read_boundary,
    read_cost,
    read_features,
    read_locks,
    where,
)
from landkit.select._linear import grouped_rows_expression
from landkit.select.evaluate import SelectionEvaluation, evaluate_selection
from landkit.select.heuristic import CoverProblem
from landkit.select.result import SelectionResult
from landkit.select.search import search

#: Share of the time limit the engine's own search may use before HiGHS starts from its selection.
HEURISTIC_SHARE = 0.85


class SelectionProblem:
    r"""Choose planning units to meet feature targets at least cost, or to get the most from a budget.

    Build it from tables, choose an objective with :meth:`with_min_set` or :meth:`with_max_utility`,
    then :meth:`build` the linopy model or :meth:`solve` it. Every ``with_*`` method returns a new
    problem; the original is left unchanged.

    Parameters
    ----------
    units : pandas.DataFrame
        One row per planning unit, indexed by unit id (unique), with one or more cost columns.
    features : pandas.DataFrame
        The amount of each feature in each unit, either wide (index unit id, one column per feature;
        missing values count as zero) or long (columns ``unit``, ``feature``, ``amount``; repeated
        unit/feature pairs are added up).
    cost : str or Mapping[str, float], default "cost"
        The cost column, or a weighted sum of several cost layers ``{column: weight}``.
    boundary : pandas.DataFrame, optional
        Columns ``id1``, ``id2`` and a length column (the first of :data:`BOUNDARY_COLUMNS`). A row
        with ``id1 == id2`` is that unit's exposed boundary (Marxan's convention): it counts whenever
        the unit is selected. Pairs listed twice (either way round) are added up, as Marxan does.
    blm : float, default 0.0
        Boundary length modifier: the weight of the boundary length in the objective. Negative values
        reward fragmented selections.
    locked_in, locked_out : iterable of unit ids
        Units that must (must not) be selected.
    feature_names : iterable, optional
        Every feature, in order, including any without amounts (default: those in ``features``).
    notes : iterable of str
        Remarks about how the inputs were read (e.g. by :func:`~landkit.select.from_marxan`).
    metadata : Mapping, optional
        Free-form information kept with the problem (e.g. Marxan species penalty factors).

    Notes
    -----
    With :math:`x_i \in \{0, 1\}` the selection of unit :math:`i`, :math:`c_i` its cost (the weighted
    sum of the cost layers), :math:`a_{if}` the amount of feature :math:`f` in unit :math:`i`,
    :math:`e_i` its exposed boundary and :math:`b_{ij}` the boundary shared by units :math:`i` and
    :math:`j` (each pair once, in the edge set :math:`E`), the boundary length of a selection is

    .. math::

        L(x) = \sum_i e_i x_i + \sum_{(i,j) \in E} b_{ij} \, (x_i + x_j - 2 x_i x_j)
             = \sum_i e_i x_i + \sum_{(i,j) \in E} b_{ij} \, |x_i - x_j|,

    the exposed boundary of the selected units plus every shared edge with exactly one side
    selected (Marxan's boundary length).

    **Minimum set** (:meth:`with_min_set`; Marxan's objective with the targets as constraints):

    .. math::

        \min_{x} \; & \sum_i c_i x_i + \mathrm{BLM}\; L(x) \\
        \text{s.t.} \; & \sum_i a_{if} x_i \ge t_f && \forall f \text{ with } t_f > 0
                         \quad \text{(``target``)} \\
        & \sum_{i : a_{if} > 0} x_i \ge n_f && \forall f \text{ with } n_f > 0
                         \quad \text{(``target_occurrence``)}

    **Maximum utility** (:meth:`with_max_utility`):

    .. math::

        \max_{x} \; & \sum_f w_f \sum_i a_{if} x_i - \mathrm{BLM}\; L(x) \\
        \text{s.t.} \; & \sum_i c_i x_i \le B \quad \text{(``budget``)}

    Locked units are fixed through the bounds of :math:`x` (lower 1 / upper 0).

    **Linearising** :math:`L` is done by :func:`landkit.boundary.boundary_penalty` (with
    :math:`z = x` and weight :math:`w = \mathrm{BLM}`; the formulation and the measurements behind
    the choice of form are in :mod:`landkit.boundary`). Each shared edge with
    :math:`\mathrm{BLM}\, b_{ij} \ne 0` gets one continuous variable in :math:`[0, 1]` and only the
    rows its sign needs: a positive BLM penalises boundary, a negative one rewards it. With
    ``boundary_form="product"`` (prioritizr's) the variable ``boundary_y`` stands for :math:`x_i x_j`
    (rows ``boundary_y_le_zi``, ``boundary_y_le_zj`` for a penalty, ``boundary_y_ge_zi_plus_zj_minus_1``
    for a reward); with ``boundary_form="difference"`` the variable ``boundary_d`` stands for
    :math:`|x_i - x_j|` (rows ``boundary_d_ge_zi_minus_zj``, ``boundary_d_ge_zj_minus_zi`` for a penalty,
    ``boundary_d_le_zi_plus_zj``, ``boundary_d_le_2_minus_zi_minus_zj`` for a reward). Both give the
    same optimum and LP bound; the default ``"auto"`` uses the product form up to
    :data:`landkit.boundary.AUTO_PRODUCT_MAX_EDGES` weighted edges and the difference form above.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"cost": [1.0, 2.0, 1.0]}, index=[1, 2, 3])
    >>> feats = pd.DataFrame({"bird": [1.0, 2.0, 0.0]}, index=[1, 2, 3])
    >>> p = SelectionProblem(units, feats).with_min_set({"bird": 2.0})
    >>> p.evaluate([2]).cost
    2.0
    """

    # ------------------------------------------------------------------ construction
    def __init__(
        self,
        units: pd.DataFrame,
        features: pd.DataFrame,
        *,
        cost: str | Mapping[str, float] = "cost",
        boundary: pd.DataFrame | None = None,
        blm: float = 0.0,
        locked_in: Iterable[Hashable] = (),
        locked_out: Iterable[Hashable] = (),
        feature_names: Iterable[Hashable] | None = None,
        notes: Iterable[str] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(units, pd.DataFrame):
            raise ArgumentTypeError(f"units must be a pandas DataFrame indexed by unit id, got {type(units).__name__}")
        if not isinstance(features, pd.DataFrame):
            raise ArgumentTypeError(
                "features must be a pandas DataFrame (wide: unit x feature, or long: unit/feature/amount), "
                f"got {type(features).__name__}"
            )
        if boundary is not None and not isinstance(boundary, pd.DataFrame):
            raise ArgumentTypeError(f"boundary must be a pandas DataFrame or None, got {type(boundary).__name__}")

        problems: list[Problem] = []
        notes = list(notes)
        if units.index.has_duplicates:
            dups = units.index[units.index.duplicated()].unique()
            problems += [
                Problem(where("unit", u), "unit id appears more than once", "give each unit one row", "duplicate_id")
                for u in dups
            ]
            units = units[~units.index.duplicated()]
        if len(units) == 0:
            problems.append(Problem("units", "no planning units", "pass at least one unit", "empty"))
        self._units = units
        self._uid = pd.Index(units.index, name="unit")
        self._n = len(self._uid)

        feats, found, said = read_features(self._uid, features, feature_names)
        problems += found
        notes += said
        self._features, self._a_unit, self._a_feat, self._a_amount = feats
        edges, found, said = read_boundary(self._uid, boundary)
        problems += found
        notes += said
        self._exposed, self._e_i, self._e_j, self._e_b = edges
        self._data_problems = tuple(problems)
        self._notes = tuple(notes)
        self._metadata = dict(metadata or {})
        self._set_cost(cost)
        self._set_locks(locked_in, locked_out)
        self._blm = float(blm)
        self._objective: MinSet | MaxUtility | None = None

    def _set_cost(self, cost: str | Mapping[str, float]) -> None:
        self._cost_weights, self._cost_layers, self._cost, self._cost_problems = read_cost(self._units, self._uid, cost)

    def _set_locks(self, locked_in: Iterable[Hashable], locked_out: Iterable[Hashable]) -> None:
        locks = read_locks(self._uid, locked_in, locked_out)
        self._lock_in, self._lock_out, self._locked_in_given, self._locked_out_given, self._lock_problems = locks

    def _replace(self, **attrs: Any) -> SelectionProblem:
        new = copy.copy(self)
        for k, v in attrs.items():
            setattr(new, k, v)
        return new

    # ------------------------------------------------------------------ objectives and options
    def with_min_set(
        self,
        targets: Mapping[Hashable, float] | pd.Series | float,
        *,
        relative: bool = False,
        occurrence: Mapping[Hashable, float] | pd.Series | None = None,
    ) -> SelectionProblem:
        """A copy that minimises cost (plus BLM x boundary) subject to feature targets.

        Parameters
        ----------
        targets : Mapping[feature, float], pandas.Series or float
            Target per feature; a single number applies to every feature. Features without a target
            (or with target 0) are not constrained.
        relative : bool, default False
            Targets are shares (0-1) of each feature's total amount over all units, as Marxan's
            ``prop``; otherwise absolute amounts in the features' own unit.
        occurrence : Mapping[feature, float], optional
            Minimum number of selected units that hold the feature (Marxan's ``targetocc``).
        """
        if np.isscalar(targets):
            series = pd.Series(float(cast(SupportsFloat, targets)), index=self._features, dtype=float)
        else:
            series = pd.Series(targets, dtype=float)
        occ = pd.Series(dtype=float) if occurrence is None else pd.Series(occurrence, dtype=float)
        return self._replace(_objective=MinSet(series, bool(relative), occ))

    def with_max_utility(
        self, budget: float, weights: Mapping[Hashable, float] | pd.Series | None = None
    ) -> SelectionProblem:
        """A copy that maximises the weighted amount of features held (minus BLM x boundary) within a budget.

        Parameters
        ----------
        budget : float
            Upper limit on the total cost of the selection, in the unit of the cost columns.
        weights : Mapping[feature, float], optional
            Weight of each feature's amount in the objective; default 1 for every feature, and 0 for
            features left out of a given mapping.
        """
        if weights is None:
            w = pd.Series(1.0, index=self._features, dtype=float)
        else:
            w = pd.Series(weights, dtype=float)
        return self._replace(_objective=MaxUtility(float(budget), w))

    def with_blm(self, blm: float) -> SelectionProblem:
        """A copy with another boundary length modifier."""
        return self._replace(_blm=float(blm))

    def with_cost(self, cost: str | Mapping[str, float]) -> SelectionProblem:
        """A copy with another cost column or weighted sum of cost layers."""
        new = self._replace()
        new._set_cost(cost)
        return new

    def with_locked_in(self, ids: Iterable[Hashable]) -> SelectionProblem:
        """A copy with ``ids`` added to the locked-in units."""
        new = self._replace()
        new._set_locks([*self._locked_in_given, *ids], self._locked_out_given)
        return new

    def with_locked_out(self, ids: Iterable[Hashable]) -> SelectionProblem:
        """A copy with ``ids`` added to the locked-out units."""
        new = self._replace()
        new._set_locks(self._locked_in_given, [*self._locked_out_given, *ids])
        return new

    # ------------------------------------------------------------------ read-only views
    @property
    def unit_ids(self) -> pd.Index:
        """The planning unit ids (index named ``unit``)."""
        return self._uid

    @property
    def units(self) -> pd.DataFrame:
        """The units table as given (duplicate ids dropped)."""
        return self._units

    @property
    def feature_names(self) -> pd.Index:
        """The features (index named ``feature``)."""
        return self._features

    @property
    def features(self) -> pd.DataFrame:
        """Feature amounts in long form (``unit``, ``feature``, ``amount``), zeros left out."""
        return pd.DataFrame({
            "unit": self._uid[self._a_unit], "feature": self._features[self._a_feat], "amount": self._a_amount,
        })

    @property
    def feature_totals(self) -> pd.Series:
        """Total amount of each feature over all units."""
        return pd.Series(np.bincount(self._a_feat, self._a_amount, len(self._features)), index=self._features)

    @property
    def cost(self) -> pd.Series:
        """The cost of each unit (the weighted sum of the cost layers)."""
        return pd.Series(self._cost, index=self._uid, name="cost")

    @property
    def cost_weights(self) -> dict[str, float]:
        """The cost layers and their weights."""
        return dict(self._cost_weights)

    @property
    def boundary(self) -> pd.DataFrame:
        """Boundary lengths: exposed (``id1 == id2``) then shared pairs, each pair once."""
        ex = np.flatnonzero(self._exposed)
        return pd.DataFrame({
            "id1": np.concatenate([self._uid[ex], self._uid[self._e_i]]),
            "id2": np.concatenate([self._uid[ex], self._uid[self._e_j]]),
            "boundary": np.concatenate([self._exposed[ex], self._e_b]),
        })

    @property
    def edges(self) -> pd.DataFrame:
        """Shared boundaries, one row per pair; the row number is the ``edge`` coordinate of ``y``."""
        return pd.DataFrame({"id1": self._uid[self._e_i], "id2": self._uid[self._e_j], "boundary": self._e_b})

    @property
    def has_boundary(self) -> bool:
        """True when any boundary length was given."""
        return bool(len(self._e_b) or self._exposed.any())

    @property
    def blm(self) -> float:
        """The boundary length modifier."""
        return self._blm

    @property
    def locked_in(self) -> pd.Index:
        """Units that must be selected."""
        return self._uid[self._lock_in]

    @property
    def locked_out(self) -> pd.Index:
        """Units that must not be selected."""
        return self._uid[self._lock_out]

    @property
    def objective_kind(self) -> Literal["min_set", "max_utility"] | None:
        """``"min_set"``, ``"max_utility"`` or None when no objective was chosen."""
        if isinstance(self._objective, MinSet):
            return "min_set"
        if isinstance(self._objective, MaxUtility):
            return "max_utility"
        return None

    @property
    def relative_targets(self) -> bool:
        """True when the min-set targets were given as shares of each feature's total."""
        return isinstance(self._objective, MinSet) and self._objective.relative

    @property
    def targets(self) -> pd.Series:
        """Absolute target of every feature (0 where none; empty for max-utility)."""
        if not isinstance(self._objective, MinSet):
            return pd.Series(dtype=float, index=self._features[:0])
        given = self._objective.targets.reindex(self._features).fillna(0.0)
        return given * self.feature_totals if self._objective.relative else given

    @property
    def occurrence_targets(self) -> pd.Series:
        """Minimum number of selected units holding each feature (0 where none)."""
        if not isinstance(self._objective, MinSet):
            return pd.Series(dtype=float, index=self._features[:0])
        return self._objective.occurrence.reindex(self._features).fillna(0.0)

    @property
    def budget(self) -> float | None:
        """The budget of a max-utility problem (None otherwise)."""
        return self._objective.budget if isinstance(self._objective, MaxUtility) else None

    @property
    def weights(self) -> pd.Series:
        """Feature weights of a max-utility problem (empty otherwise)."""
        if not isinstance(self._objective, MaxUtility):
            return pd.Series(dtype=float, index=self._features[:0])
        return self._objective.weights.reindex(self._features).fillna(0.0)

    @property
    def notes(self) -> tuple[str, ...]:
        """Remarks made while reading the inputs."""
        return self._notes

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the free-form metadata."""
        return dict(self._metadata)

    def __repr__(self) -> str:
        kind = self.objective_kind or "no objective"
        return (f"SelectionProblem({self._n} units, {len(self._features)} features, {len(self._e_b)} shared "
                f"edges, blm={self._blm:g}, {kind}, {int(self._lock_in.sum())} locked in, "
                f"{int(self._lock_out.sum())} locked out)")

    # ------------------------------------------------------------------ validation
    def problems(self) -> list[Problem]:
        """Every problem with the inputs and the chosen objective (empty when the problem can be built)."""
        out = [*self._data_problems, *self._cost_problems, *self._lock_problems]
        if not np.isfinite(self._blm):
            out.append(Problem("blm", f"BLM {self._blm!r} is not a finite number", "give a number", "bad_blm"))
        obj = self._objective
        if obj is None:
            out.append(Problem("objective", "no objective chosen",
                               "call with_min_set(...) or with_max_utility(...)", "no_objective"))
        elif isinstance(obj, MinSet):
            out += self._target_problems(obj)
        else:
            out += self._utility_problems(obj)
        return out

    def _unknown_features(self, labels: pd.Index, what: str) -> list[Problem]:
        unknown = labels[self._features.get_indexer(labels) < 0] if len(labels) else labels
        return [Problem(where("feature", f), f"has a {what} but no amounts in features",
                        f"features are {list(self._features[:20])}", "unknown_feature") for f in unknown]

    def _target_problems(self, obj: MinSet) -> list[Problem]:
        out = self._unknown_features(obj.targets.index, "target")
        out += self._unknown_features(obj.occurrence.index, "occurrence target")
        given = obj.targets
        for f, t in given.items():
            if not np.isfinite(t) or t < 0:
                out.append(Problem(where("feature", f), f"target {t!r} must be a finite number >= 0", "",
                                   "bad_target"))
            elif obj.relative and t > 1:
                out.append(Problem(where("feature", f), f"relative target {t:g} is above 1 (100 %)",
                                   "relative targets are shares between 0 and 1", "bad_target"))
        avail = np.bincount(self._a_feat, self._a_amount * ~self._lock_out[self._a_unit], len(self._features))
        total = self.feature_totals.to_numpy()
        targets = self.targets.to_numpy()
        for k in np.flatnonzero(np.isfinite(targets) & (targets > avail * (1 + 1e-9) + 1e-12)):
            short = targets[k] - avail[k]
            out.append(Problem(
                where("feature", self._features[k]),
                f"target {targets[k]:.6g} exceeds the {avail[k]:.6g} available outside locked-out units by "
                f"{short:.6g} ({short / targets[k]:.1%} of the target; {total[k]:.6g} in all units)",
                "lower the target or unlock units", "target_unreachable",
            ))
        occ = self.occurrence_targets.to_numpy()
        if len(occ):
            units_with = np.bincount(self._a_feat[~self._lock_out[self._a_unit]], minlength=len(self._features))
            for k in np.flatnonzero(occ > units_with):
                out.append(Problem(
                    where("feature", self._features[k]),
                    f"occurrence target {occ[k]:g} exceeds the {units_with[k]} units holding it outside locked-out "
                    f"units by {occ[k] - units_with[k]:g}", "lower the occurrence target", "target_unreachable",
                ))
        return out

    def _utility_problems(self, obj: MaxUtility) -> list[Problem]:
        out = self._unknown_features(obj.weights.index, "weight")
        for f, w in obj.weights.items():
            if not np.isfinite(w):
                out.append(Problem(where("feature", f), f"weight {w!r} is not finite", "", "bad_weight"))
        if not np.isfinite(obj.budget) or obj.budget < 0:
            out.append(Problem("budget", f"budget {obj.budget!r} must be a finite number >= 0", "", "bad_budget"))
        else:
            locked = float(self._cost[self._lock_in].sum())
            if locked > obj.budget * (1 + 1e-9) + 1e-12:
                out.append(Problem("budget", f"budget {obj.budget:.6g} is below the {locked:.6g} cost of the "
                                   f"locked-in units by {locked - obj.budget:.6g}",
                                   "raise the budget or unlock units", "budget_unreachable"))
        return out

    def check(self) -> None:
        """Raise :class:`~landkit.ValidationError` listing every problem, or return None when there is none."""
        found = self.problems()
        if found:
            raise ValidationError("selection problem", found)

    # ------------------------------------------------------------------ the model
    def build(self, *, boundary_form: BoundaryForm = "auto") -> linopy.Model:
        """Check the problem and build the linopy model (formulation in the class docstring).

        Parameters
        ----------
        boundary_form : {"auto", "difference", "product"}
            How the boundary term is linearised (see :func:`landkit.boundary.boundary_penalty`):
            ``"product"`` (prioritizr's, variable ``boundary_y``), ``"difference"`` (variable
            ``boundary_d``) or ``"auto"``: product up to :data:`landkit.boundary.AUTO_PRODUCT_MAX_EDGES`
            weighted edges, difference above. Both forms give the same optimum and the same LP bound.

        Returns
        -------
        linopy.Model
            Variable ``x`` (dim ``unit``); with a boundary term, ``boundary_y`` or ``boundary_d`` (dim
            ``edge``, the row of :attr:`edges`, only edges with a non-zero weight); constraints
            ``target`` / ``target_occurrence`` (dim ``feature``) or ``budget``, and the linking
            constraints ``boundary_*`` of the chosen form, only on the side each edge's sign needs.
        """
        if boundary_form not in ("auto", "difference", "product"):
            raise ArgumentError(f"boundary_form must be 'auto', 'difference' or 'product', got {boundary_form!r}")
        self.check()
        m = linopy.Model()
        uid = self._uid
        x = m.add_variables(lower=self._lock_in.astype(float), upper=(~self._lock_out).astype(float),
                            coords=[uid], name="x", binary=True)
        x_labels = x.labels.to_numpy()

        # the objective: cost + BLM L(x) (min-set) or utility - BLM L(x) (max-utility)
        obj = self._objective
        if isinstance(obj, MinSet):
            x_coef, sense = self._cost, "min"
        else:
            assert isinstance(obj, MaxUtility)
            x_coef, sense = self._utility(obj), "max"
        objective = (x * xr.DataArray(x_coef, coords=[uid])).sum()
        if self._blm and self.has_boundary:
            edges = pd.DataFrame({"id_i": uid[self._e_i], "id_j": uid[self._e_j], "shared_length_m": self._e_b})
            boundary = boundary_penalty(m, x, edges, pd.Series(self._exposed, index=uid), weight=self._blm,
                                        form=boundary_form, dim="unit", name="boundary")
            objective = objective + boundary if sense == "min" else objective - boundary

        if isinstance(obj, MinSet):
            t = self.targets.to_numpy()
            on = t > 0
            if on.any():
                feats = pd.Index(self._features[on], name="feature")
                row_of = np.cumsum(on) - 1  # feature position -> row among the targeted features
                keep = on[self._a_feat]
                lhs = grouped_rows_expression(m, feats, row_of[self._a_feat[keep]], x_labels[self._a_unit[keep]],
                                    self._a_amount[keep])
                m.add_constraints(lhs >= xr.DataArray(t[on], coords=[feats]), name="target")
            n_occ = self.occurrence_targets.to_numpy()
            occ_on = n_occ > 0
            if occ_on.any():
                feats = pd.Index(self._features[occ_on], name="feature")
                row_of = np.cumsum(occ_on) - 1
                keep = occ_on[self._a_feat]
                lhs = grouped_rows_expression(m, feats, row_of[self._a_feat[keep]], x_labels[self._a_unit[keep]],
                                    np.ones(int(keep.sum())))
                m.add_constraints(lhs >= xr.DataArray(n_occ[occ_on], coords=[feats]), name="target_occurrence")
        else:
            m.add_constraints((x * xr.DataArray(self._cost, coords=[uid])).sum() <= obj.budget, name="budget")

        m.add_objective(objective, sense=sense)
        return m

    def cover_problem(self) -> CoverProblem:
        """The minimum-set problem as the arrays :mod:`landkit.select.heuristic` reads.

        Unit terms are cost plus BLM × exposed boundary; edge weights BLM × shared length; the
        requirements are the features with a target (their amounts) and those with an occurrence target
        (1 in every unit holding them).
        """
        self.check()
        if not isinstance(self._objective, MinSet):
            raise ArgumentError("the heuristic solves minimum-set problems: call with_min_set first, "
                                "or solve with heuristic=False")
        blm = self._blm if self.has_boundary else 0.0
        t = self.targets.to_numpy()
        n_occ = self.occurrence_targets.to_numpy()
        k_t, k_o = np.flatnonzero(t > 0), np.flatnonzero(n_occ > 0)
        slot = np.full(len(self._features), -1)
        slot[k_t] = np.arange(len(k_t))
        occ = np.full(len(self._features), -1)
        occ[k_o] = len(k_t) + np.arange(len(k_o))
        keep_t = slot[self._a_feat] >= 0
        keep_o = (occ[self._a_feat] >= 0) & (self._a_amount > 0)
        rows = np.concatenate([self._a_unit[keep_t], self._a_unit[keep_o]])
        cols = np.concatenate([slot[self._a_feat[keep_t]], occ[self._a_feat[keep_o]]])
        vals = np.concatenate([self._a_amount[keep_t], np.ones(int(keep_o.sum()))])
        amounts = sp.csr_array((vals, (rows, cols)), shape=(self._n, len(k_t) + len(k_o)))
        amounts.sum_duplicates()
        exposed = blm * np.asarray(self._exposed, dtype=float)
        return CoverProblem(
            cost=np.asarray(self._cost, dtype=float) + exposed,
            edge_i=np.asarray(self._e_i, dtype=np.intp), edge_j=np.asarray(self._e_j, dtype=np.intp),
            edge_w=blm * np.asarray(self._e_b, dtype=float), amounts=amounts,
            targets=np.concatenate([t[k_t], n_occ[k_o]]).astype(float),
            locked_in=np.asarray(self._lock_in, dtype=bool), locked_out=np.asarray(self._lock_out, dtype=bool),
            exposed=exposed)

    def _utility(self, obj: MaxUtility) -> np.ndarray:
        w = obj.weights.reindex(self._features).fillna(0.0).to_numpy()
        return np.bincount(self._a_unit, self._a_amount * w[self._a_feat], self._n)

    def solve(
        self,
        *,
        solver: str = "highs",
        time_limit_s: float = 60.0,
        mip_gap: float = 1e-4,
        threads: int | None = None,
        lp_method: str = "auto",
        boundary_form: BoundaryForm = "auto",
        heuristic: bool | None = None,
    ) -> SelectionResult:
        """Check, build and solve the problem with :func:`landkit.optimize.solve`.

        Parameters
        ----------
        solver : {"highs", "cbc"}
            HiGHS (default) or CBC, the independent second solver.
        time_limit_s : float
            Wall-clock limit; a feasible selection found by then is returned with its gap.
        mip_gap : float
            Relative optimality gap at which the solver stops.
        threads : int, optional
            Solver threads (solver default when None).
        lp_method : str
            LP algorithm for HiGHS (``"auto"``, ``"simplex"``, ``"ipm"``); ``"auto"`` picks IPM for
            large models.
        boundary_form : {"auto", "difference", "product"}
            Linearisation of the boundary term (see :meth:`build`).
        heuristic : bool, optional
            Run the engine's own search (:func:`landkit.select.search.search`: graph cuts, annealing that
            keeps the targets met, improving flips) for up to :data:`HEURISTIC_SHARE` of the time limit and
            hand its selection to HiGHS as a MIP start, so the result is never worse than it and the
            solver's bound states the gap. Default (None): for a minimum-set problem with BLM > 0 and a
            boundary, solved with HiGHS, where the boundary makes the MILP's bound weak.

        Returns
        -------
        SelectionResult
        """
        began = time.perf_counter()  # the limit counts the build and the heuristic too
        use = self._heuristic_applies(solver) if heuristic is None else bool(heuristic)
        found = search(self.cover_problem(), time_budget_s=HEURISTIC_SHARE * time_limit_s) if use else None
        model = self.build(boundary_form=boundary_form)
        start = None
        if found is not None and found.selected is not None:
            start = {"x": xr.DataArray(found.selected.astype(float), coords=[self._uid])}
        outcome = solve_linopy(model, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                              lp_method=lp_method, started_at=began, start=start)
        options = {"solver": solver, "time_limit_s": time_limit_s, "mip_gap": mip_gap, "threads": threads,
                   "lp_method": lp_method, "boundary_form": boundary_form, "heuristic": heuristic}
        return SelectionResult(self, model, outcome, options, heuristic=found)

    def _heuristic_applies(self, solver: str) -> bool:
        """The default of ``solve(heuristic=None)``: min-set, BLM > 0 with a boundary, HiGHS."""
        return (isinstance(self._objective, MinSet) and self._blm > 0 and self.has_boundary and solver == "highs"
                and len(self._e_i) > 0)

    def evaluate(self, selected: Iterable[Hashable]) -> SelectionEvaluation:
        """Score a selection; see :func:`evaluate_selection`."""
        return evaluate_selection(self, selected)
