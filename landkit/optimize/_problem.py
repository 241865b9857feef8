"""A linopy model flattened to solver arrays, and the way back.

:class:`LinearProblem` is the one representation both solver back ends consume. Column ``j``
is linopy variable label ``vlabels[j]`` and row ``i`` is constraint label ``clabels[i]``
(linopy's own compact order from :attr:`linopy.Model.matrices`, so masked ``-1`` labels never
appear). Coefficients are in linopy's *solver-scaled* units; :func:`assign_solution` undoes the
scaling through :meth:`linopy.Model.assign_result`, the path linopy itself uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import linopy
import numpy as np
import scipy.sparse
import xarray as xr
from linopy.constants import Result, Solution, TerminationCondition
from linopy.constants import Status as LinopyStatus

from landkit._errors import Problem, ValidationError

#: Integer columns whose value lies this close to an integer are rounded to it.
INTEGER_ROUNDING_TOL = 1e-5


@dataclass
class LinearProblem:
    """A linear (mixed-integer) programme as arrays, in solver column and row order."""

    sense: str  # "min" or "max"
    c: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray  # uint8: 0 continuous, 1 integer
    A: scipy.sparse.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    vlabels: np.ndarray
    clabels: np.ndarray
    n_var_labels: int = 0
    n_con_labels: int = 0
    objective_scaling: float = 1.0
    col_names: np.ndarray | None = None
    row_names: np.ndarray | None = None

    @property
    def n_cols(self) -> int:
        """Number of columns (active variables)."""
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows (active constraints)."""
        return int(self.row_lower.shape[0])

    @property
    def nnz(self) -> int:
        """Number of nonzero constraint coefficients."""
        return int(self.A.nnz)

    @property
    def is_mip(self) -> bool:
        """True when some column is integer."""
        return bool(self.integrality.any())

    def objective_value(self, x: np.ndarray) -> float:
        """The objective at ``x``, in solver-scaled units."""
        return float(self.c @ x)

    def round_integers(self, x: np.ndarray) -> np.ndarray:
        """Round integer columns that are within :data:`INTEGER_ROUNDING_TOL` of an integer."""
        x = np.array(x, dtype=float)
        idx = np.flatnonzero(self.integrality)
        if idx.size:
            r = np.round(x[idx])
            close = np.abs(x[idx] - r) <= INTEGER_ROUNDING_TOL
            x[idx[close]] = r[close]
        return x

    def max_violation(self, x: np.ndarray) -> float:
        """Largest relative violation of a row, bound or integrality at ``x``.

        Row violations are divided by ``1 + |rhs| + sum_j |a_ij x_j|`` and bound violations by
        ``1 + |bound|``, so the number is comparable across badly scaled models.
        """
        if x.shape != self.c.shape or not np.all(np.isfinite(x)):
            return float("inf")
        worst = 0.0
        with np.errstate(invalid="ignore"):
            lo = np.where(np.isfinite(self.lb), (self.lb - x) / (1 + np.abs(self.lb)), 0.0)
            up = np.where(np.isfinite(self.ub), (x - self.ub) / (1 + np.abs(self.ub)), 0.0)
        worst = max(worst, float(np.max(lo, initial=0.0)), float(np.max(up, initial=0.0)))
        idx = np.flatnonzero(self.integrality)
        if idx.size:
            worst = max(worst, float(np.max(np.abs(x[idx] - np.round(x[idx])), initial=0.0)))
        if self.n_rows:
            act = self.A @ x
            mag = 1 + abs(self.A) @ np.abs(x)
            with np.errstate(invalid="ignore"):
                below = np.where(np.isfinite(self.row_lower), self.row_lower - act, 0.0)
                above = np.where(np.isfinite(self.row_upper), act - self.row_upper, 0.0)
                rhs = np.where(np.isfinite(self.row_lower), np.abs(self.row_lower), 0.0)
                rhs = np.maximum(rhs, np.where(np.isfinite(self.row_upper), np.abs(self.row_upper), 0.0))
            viol = np.maximum(below, above) / (mag + rhs)
            worst = max(worst, float(np.max(viol, initial=0.0)))
        return worst

    def with_zero_objective(self) -> LinearProblem:
        """The same feasible set with a zero objective (a pure feasibility problem)."""
        return replace(self, c=np.zeros_like(self.c))

    def to_arrays(self, *, names: bool = False) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez`` (read by the HiGHS worker)."""
        A = self.A.tocsr()
        out = {
            "sense": np.array(self.sense),
            "c": np.ascontiguousarray(self.c, dtype=float),
            "lb": np.ascontiguousarray(self.lb, dtype=float),
            "ub": np.ascontiguousarray(self.ub, dtype=float),
            "integrality": np.ascontiguousarray(self.integrality, dtype=np.uint8),
            "row_lower": np.ascontiguousarray(self.row_lower, dtype=float),
            "row_upper": np.ascontiguousarray(self.row_upper, dtype=float),
            "A_indptr": np.ascontiguousarray(A.indptr, dtype=np.int64),
            "A_indices": np.ascontiguousarray(A.indices, dtype=np.int64),
            "A_data": np.ascontiguousarray(A.data, dtype=float),
        }
        if names:
            out["col_names"] = (
                self.col_names
                if self.col_names is not None
                else np.array([f"C{j}" for j in range(self.n_cols)], dtype=str)
            )
            out["row_names"] = (
                self.row_names
                if self.row_names is not None
                else np.array([f"R{i}" for i in range(self.n_rows)], dtype=str)
            )
        return out


def from_linopy(model: linopy.Model, *, names: bool = False) -> LinearProblem:
    """Flatten a linopy model (linear objective, linear constraints, C/B/I variables).

    Parameters
    ----------
    model : linopy.Model
        The model.
    names : bool
        Also build readable column and row names (``var(coord,...)``) for export.

    Raises
    ------
    ValidationError
        For quadratic objectives, SOS, indicator or semi-continuous variables, or NaN data.
    """
    problems: list[Problem] = []
    if not model.is_linear:
        problems.append(Problem("objective", "is quadratic; landkit solves linear models only"))
    if len(list(model.variables.sos)):
        problems.append(Problem("variables", "SOS constraints are not supported"))
    if len(list(model.variables.semi_continuous)):
        problems.append(Problem("variables", "semi-continuous variables are not supported"))
    if any(c.is_indicator for c in model.constraints.data.values()):
        problems.append(Problem("constraints", "indicator constraints are not supported"))
    if problems:
        raise ValidationError("linopy model", problems)

    M = model.matrices
    n = len(M.vlabels)
    A = M.A if M.A is not None else scipy.sparse.csr_array((0, n))
    A = scipy.sparse.csr_array(A)
    b = np.asarray(M.b, dtype=float)
    sense = np.asarray(M.sense)
    row_lower = np.where(sense != "<", b, -np.inf)
    row_upper = np.where(sense != ">", b, np.inf)
    integrality = np.isin(np.asarray(M.vtypes), ["B", "I"]).astype(np.uint8)
    c = np.asarray(M.c, dtype=float) if n else np.zeros(0)
    lb = np.asarray(M.lb, dtype=float)
    ub = np.asarray(M.ub, dtype=float)

    for what, arr in (("objective coefficients", c), ("right-hand sides", b), ("coefficients", A.data)):
        if np.isnan(arr).any():
            problems.append(Problem(what, f"{int(np.isnan(arr).sum())} value(s) are NaN", "fill them"))
    if np.isnan(lb).any() or np.isnan(ub).any():
        problems.append(Problem("variable bounds", "some bounds are NaN", "fill them"))
    if problems:
        raise ValidationError("linopy model", problems)

    problem = LinearProblem(
        sense=str(model.objective.sense),
        c=c,
        lb=lb,
        ub=ub,
        integrality=integrality,
        A=A,
        row_lower=row_lower,
        row_upper=row_upper,
        vlabels=np.asarray(M.vlabels),
        clabels=np.asarray(M.clabels),
        n_var_labels=int(model._xCounter),
        n_con_labels=int(model._cCounter),
        objective_scaling=float(model.objective.scaling),
    )
    if names:
        problem.col_names = _names(model.variables, problem.vlabels)
        problem.row_names = _names(model.constraints, problem.clabels)
    return problem


_UNSAFE = re.compile(r"[^\w().,#]")


def _clean(text: str) -> str:
    return _UNSAFE.sub("_", text)


def _names(container: linopy.Variables | linopy.Constraints, labels: np.ndarray) -> np.ndarray:
    """Readable unique names ``name(c1,c2)`` for the given labels, in that order.

    Characters other than letters, digits (any script, so 地块 names survive), ``_().,#`` are
    replaced by ``_``; a name starting with a digit gets a leading ``_``; a duplicate after
    cleaning gets ``#label`` appended.
    """
    size = int(labels.max()) + 1 if labels.size else 0
    lookup = np.full(size, "", dtype=object)
    for name, item in container.items():
        lab = np.asarray(item.labels.values)
        base = _clean(str(name))
        if base[:1].isdigit():
            base = "_" + base
        dims = list(item.labels.dims)
        if dims:
            grids = np.meshgrid(*[np.asarray(item.labels.coords[d].values).astype(str) for d in dims], indexing="ij")
            joined = grids[0].astype(object)
            for g in grids[1:]:
                joined = joined + "," + g.astype(object)
            text = np.char.add(np.char.add(base + "(", joined.astype(str)), ")")
        else:
            text = np.array(base)
        flat_lab = lab.ravel()
        flat_text = np.broadcast_to(text, lab.shape).ravel()
        keep = (flat_lab >= 0) & (flat_lab < size)
        lookup[flat_lab[keep]] = [_clean(t) for t in flat_text[keep]]
    out: np.ndarray = lookup[labels].astype(str)
    _, first = np.unique(out, return_index=True)
    if first.size != out.size:
        dup = np.ones(out.size, dtype=bool)
        dup[first] = False
        out = out.astype(object)
        out[dup] = [f"{nm}#{lab}" for nm, lab in zip(out[dup], labels[dup], strict=True)]
        out = out.astype(str)
    return out


def start_vector(model: linopy.Model, problem: LinearProblem, start: Mapping[str, xr.DataArray]) -> np.ndarray:
    """Start values (a MIP start) in ``problem``'s column order and solver-scaled units.

    Parameters
    ----------
    model : linopy.Model
        The model ``problem`` was flattened from.
    problem : LinearProblem
        The flattened model.
    start : mapping of str to DataArray
        Values by variable name, each with its variable's dimensions. They are aligned to the
        variable by coordinate labels, so a start may cover only some coordinates (e.g. the
        parcels of an earlier plan); a scalar applies to every entry of its variable.

    Returns
    -------
    ndarray
        One value per column; NaN where the start gives none (a missing name, coordinate or a
        NaN value).

    Raises
    ------
    ValidationError
        A name that is not a variable of the model, or dimensions that differ from the variable's.
    """
    problems: list[Problem] = []
    by_label = np.full(problem.n_var_labels, np.nan)
    for name, given in start.items():
        if name not in model.variables:
            problems.append(Problem(f"start[{name!r}]", f"is not a variable of the model {sorted(model.variables)}",
                                    "give values by variable name", "unknown_variable"))
            continue
        var = model.variables[name]
        value = xr.DataArray(given)
        dims = tuple(var.labels.dims)
        if set(value.dims) - set(dims):
            problems.append(Problem(f"start[{name!r}]", f"has dimensions {value.dims}, the variable {dims}",
                                    "give values over the variable's dimensions", "dims"))
            continue
        indexers = {d: var.labels.coords[d].values for d in value.dims}
        aligned = value.reindex(indexers).broadcast_like(var.labels).transpose(*dims)
        labels = np.asarray(var.labels.values).ravel()
        scaled = (np.asarray(aligned.values, dtype=float) * np.asarray(var.solver_scaling.values)).ravel()
        keep = labels >= 0
        by_label[labels[keep]] = scaled[keep]
    if problems:
        raise ValidationError("solve(start=...)", problems)
    ordered: np.ndarray = by_label[problem.vlabels]
    return ordered


def assign_solution(
    model: linopy.Model,
    problem: LinearProblem,
    *,
    x: np.ndarray | None,
    row_dual: np.ndarray | None,
    objective: float | None,
    optimal: bool,
) -> None:
    """Write primal values (and LP duals) into the linopy model, undoing linopy's scaling.

    Without ``x`` the model's previous solution is cleared, so stale values never survive a
    failed solve.
    """
    model.reset_solution()
    model.objective._value = None
    if x is None:
        return
    cond = TerminationCondition.optimal if optimal else TerminationCondition.time_limit
    primal = np.full(problem.n_var_labels, np.nan)
    primal[problem.vlabels] = x + 0.0  # + 0.0 turns -0.0 into 0.0
    dual = np.array([], dtype=float)
    if row_dual is not None and problem.n_con_labels:
        dual = np.full(problem.n_con_labels, np.nan)
        dual[problem.clabels] = row_dual + 0.0
    solution = Solution(primal=primal, dual=dual, objective=float(objective or 0.0))
    model.assign_result(Result(status=LinopyStatus.from_termination_condition(cond), solution=solution))
