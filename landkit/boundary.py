r"""The boundary-length (compactness) term shared by every selection-type model.

This module is the one implementation of the term: :class:`landkit.select.SelectionProblem` (Marxan's
BLM) and :class:`landkit.reserve.ReservePlan` (compactness of the acquired set) both call
:func:`boundary_penalty`.

Boundary length
---------------
For a 0/1 selection :math:`z` of units with exposed boundary :math:`e_i` (boundary shared with no
other unit, e.g. the town edge) and boundary :math:`b_{ij}` shared by units :math:`i` and :math:`j`
(each pair once, in the edge set :math:`E`), the boundary of the selected set is

.. math::

    B(z) = \sum_i e_i z_i + \sum_{(i,j) \in E} b_{ij} \, (z_i + z_j - 2 z_i z_j)
         = \sum_i e_i z_i + \sum_{(i,j) \in E} b_{ij} \, |z_i - z_j| :

a shared edge counts once when exactly one side is selected and not at all when both are.
:func:`boundary_penalty` returns :math:`w\,B(z)` as a *cost*: add it to a minimised objective or
subtract it from a maximised one. Written as a minimisation, edge :math:`(i,j)` then contributes
:math:`+w_{ij}\,|z_i - z_j|` with :math:`w_{ij} = w\,b_{ij}`: a *penalty* where :math:`w_{ij} > 0`
(compact selections; the usual case), a *reward* where :math:`w_{ij} < 0` (fragmented selections, as
a negative Marxan BLM). Edges with :math:`w_{ij} = 0` get no variable. Each other edge gets one
continuous variable in :math:`[0, 1]` and only the constraints its sign needs.

Product form (``form="product"``, prioritizr's)
-----------------------------------------------
:math:`y_{ij}` stands for :math:`z_i z_j`, so the edge term is :math:`w_{ij}(z_i + z_j - 2 y_{ij})`:
:math:`z_i` and :math:`z_j` carry :math:`w_{ij}` and :math:`y_{ij}` carries :math:`-2 w_{ij}`. Where
:math:`w_{ij} > 0` the solver wants :math:`y_{ij}` large, so only

.. math::

    y_{ij} \le z_i \quad (\texttt{<name>\_y\_le\_zi}), \qquad
    y_{ij} \le z_j \quad (\texttt{<name>\_y\_le\_zj})

are needed (then :math:`y_{ij} = \min(z_i, z_j) = z_i z_j`); where :math:`w_{ij} < 0` it wants
:math:`y_{ij}` small, and only :math:`y_{ij} \ge z_i + z_j - 1` (``<name>_y_ge_zi_plus_zj_minus_1``)
is needed (with :math:`y_{ij} \ge 0`, :math:`y_{ij} = \max(0, z_i + z_j - 1) = z_i z_j`). The
variable is ``<name>_y``.

Difference form (``form="difference"``)
---------------------------------------
:math:`d_{ij}` stands for :math:`|z_i - z_j|` and carries :math:`w_{ij}`; the exposed boundary alone
goes on :math:`z`. Where :math:`w_{ij} > 0` the solver wants :math:`d_{ij}` small, so only

.. math::

    d_{ij} \ge z_i - z_j \quad (\texttt{<name>\_d\_ge\_zi\_minus\_zj}), \qquad
    d_{ij} \ge z_j - z_i \quad (\texttt{<name>\_d\_ge\_zj\_minus\_zi})

are needed; where :math:`w_{ij} < 0` it wants :math:`d_{ij}` large, and only
:math:`d_{ij} \le z_i + z_j` and :math:`d_{ij} \le 2 - z_i - z_j` (``<name>_d_le_zi_plus_zj``,
``<name>_d_le_2_minus_zi_minus_zj``). The variable is ``<name>_d``.

Choosing a form
---------------
The two forms have the same optimum and the same LP relaxation (substitute
:math:`d_{ij} = z_i + z_j - 2 y_{ij}`), but HiGHS treats them differently. The two-variable rows
:math:`y_{ij} \le z_i` feed its probing and clique detection: on 1,750 Marxan-like units this found
better solutions (gap after 27 s 0.4 % against 0.7 % at a small BLM, 1.3 % against 3.2 % at a larger
one), but the set-up grows fast, 5-9 s before the first incumbent at 10,000 units and no solution at
all within 120 s at 100,000 units, where the difference form reached a 0.13 % gap in 44 s. The
default ``form="auto"`` therefore uses the product form up to :data:`AUTO_PRODUCT_MAX_EDGES` edges
with a non-zero weight and the difference form above (see ``benchmarks/bench_select.py``).

Both forms are exact only for a 0/1 :math:`z`: a binary variable, or a sum of binaries that is at most
one (the reserve plan's :math:`z_p = \sum_t x_{pt}`).
"""

from __future__ import annotations

from typing import Literal

import linopy
import numpy as np
import pandas as pd
import xarray as xr
from linopy.constants import TERM_DIM

from landkit._errors import ArgumentError, ArgumentTypeError, Problem, ValidationError
from landkit.optimize.scope import Scope

#: The linearisations of the boundary term; "auto" picks one by size.
BoundaryForm = Literal["auto", "difference", "product"]

#: ``form="auto"`` uses the product form up to this many edges with a non-zero weight, the
#: difference form above (measured with HiGHS, see the module notes).
AUTO_PRODUCT_MAX_EDGES = 10_000

EDGE_DIM = "edge"


def boundary_penalty(
    model: linopy.Model | Scope,
    z: linopy.Variable | linopy.LinearExpression,
    edges: pd.DataFrame,
    exposed: pd.Series | None = None,
    *,
    weight: float = 1.0,
    form: BoundaryForm = "auto",
    dim: str = "unit",
    name: str = "boundary",
) -> linopy.LinearExpression:
    """Add the linearisation of the boundary term and return :math:`w\\,B(z)` (see the module notes).

    Parameters
    ----------
    model : linopy.Model or landkit.optimize.Scope
        The model to extend: adds variable ``<name>_y`` (product form) or ``<name>_d`` (difference
        form) over dimension ``edge`` (the row position in ``edges``; only edges with a non-zero
        weight) and the constraints each edge's sign needs.
    z : linopy Variable or LinearExpression
        The 0/1 selection, over the single dimension ``dim`` (e.g. ``x``, or ``x.sum("year")``).
    edges : DataFrame
        Columns ``id_i``, ``id_j``, ``shared_length_m``: pairs of units that share a boundary
        (``id_i != id_j``; each pair once). Unknown ids are an error.
    exposed : Series, optional
        Exposed boundary of each unit (index: unit id; missing units count 0), in the unit of
        ``shared_length_m``.
    weight : float, default 1.0
        :math:`w`, the price of a unit of boundary. Positive: boundary is penalised (compact
        selections); negative: it is rewarded (fragmented selections); 0: nothing is added.
    form : {"auto", "difference", "product"}
        The linearisation; ``"auto"``: product up to :data:`AUTO_PRODUCT_MAX_EDGES` weighted edges,
        difference above.
    dim : str
        Name of the unit dimension of ``z``.
    name : str
        Prefix of the names added to the model.

    Returns
    -------
    linopy.LinearExpression
        :math:`w\\,B(z)`, a cost: add it to a minimised objective, subtract it from a maximised one.
    """
    if form not in ("auto", "difference", "product"):
        raise ArgumentError(f"form must be 'auto', 'difference' or 'product', got {form!r}")
    weight = float(weight)
    terms = _Terms(z, dim)
    i, j, length, exposed_m = _read(terms.ids, edges, exposed, weight)
    if weight == 0:
        return (0 * z).sum(dim)

    w_edge = weight * length
    live = np.flatnonzero(w_edge != 0)
    i, j, w_edge = i[live], j[live], w_edge[live]
    if form == "auto":
        form = "product" if len(live) <= AUTO_PRODUCT_MAX_EDGES else "difference"
    unit_coef = weight * exposed_m
    if form == "product":  # z_i and z_j carry w_ij, y carries -2 w_ij
        unit_coef = unit_coef + np.bincount(i, w_edge, len(terms.ids)) + np.bincount(j, w_edge, len(terms.ids))

    # terms on z (none in the difference form without exposed boundary)
    on_z = (xr.DataArray(unit_coef, coords=[terms.ids]) * z).sum(dim) if unit_coef.any() else None
    if not len(live):
        return on_z if on_z is not None else (0 * z).sum(dim)
    edge = pd.Index(live, name=EDGE_DIM)
    up, down = w_edge > 0, w_edge < 0
    if form == "product":
        y = model.add_variables(lower=0.0, upper=1.0, coords=[edge], name=f"{name}_y")
        own = y.labels.to_numpy()
        if up.any():  # y wants to be large: y <= z_i, y <= z_j
            terms.add_rows(model, edge[up], own[up], [(i[up], -1.0)], "<=", 0.0, name=f"{name}_y_le_zi")
            terms.add_rows(model, edge[up], own[up], [(j[up], -1.0)], "<=", 0.0, name=f"{name}_y_le_zj")
        if down.any():  # y wants to be small: y >= z_i + z_j - 1
            terms.add_rows(model, edge[down], own[down], [(i[down], -1.0), (j[down], -1.0)], ">=", -1.0,
                           name=f"{name}_y_ge_zi_plus_zj_minus_1")
        edge_var, edge_coef = y, -2.0 * w_edge
    else:
        d = model.add_variables(lower=0.0, upper=1.0, coords=[edge], name=f"{name}_d")
        own = d.labels.to_numpy()
        if up.any():  # d wants to be small: d >= z_i - z_j, d >= z_j - z_i
            terms.add_rows(model, edge[up], own[up], [(i[up], -1.0), (j[up], 1.0)], ">=", 0.0,
                           name=f"{name}_d_ge_zi_minus_zj")
            terms.add_rows(model, edge[up], own[up], [(i[up], 1.0), (j[up], -1.0)], ">=", 0.0,
                           name=f"{name}_d_ge_zj_minus_zi")
        if down.any():  # d wants to be large: d <= z_i + z_j, d <= 2 - z_i - z_j
            terms.add_rows(model, edge[down], own[down], [(i[down], -1.0), (j[down], -1.0)], "<=", 0.0,
                           name=f"{name}_d_le_zi_plus_zj")
            terms.add_rows(model, edge[down], own[down], [(i[down], 1.0), (j[down], 1.0)], "<=", 2.0,
                           name=f"{name}_d_le_2_minus_zi_minus_zj")
        edge_var, edge_coef = d, w_edge
    edge_term = (xr.DataArray(edge_coef, coords=[edge]) * edge_var).sum()
    return edge_term if on_z is None else on_z + edge_term


class _Terms:
    """``z`` as arrays: unit ``k`` is ``sum(coeffs[k] * var[vars[k]]) + const[k]`` (vars -1: no term)."""

    def __init__(self, z: linopy.Variable | linopy.LinearExpression, dim: str) -> None:
        if isinstance(z, linopy.Variable):
            dims = tuple(z.labels.dims)
        elif isinstance(z, linopy.LinearExpression):
            dims = tuple(z.coord_dims)
        else:
            raise ArgumentTypeError(f"z must be a linopy Variable or LinearExpression, got {type(z).__name__}")
        if dims != (dim,):
            raise ArgumentError(f"z must have the single dimension {dim!r}, it has {dims}")
        self.ids = pd.Index(z.indexes[dim], name=dim)
        if not self.ids.is_unique:
            raise ArgumentError(f"the {dim!r} coordinate of z has repeated ids")
        if isinstance(z, linopy.Variable):
            self.vars = z.labels.to_numpy()[:, None]
            self.coeffs = np.ones(self.vars.shape)
            self.const = np.zeros(len(self.ids))
        else:
            data = z.data.transpose(dim, TERM_DIM)
            self.vars = data["vars"].to_numpy()
            self.coeffs = data["coeffs"].to_numpy()
            self.const = data["const"].to_numpy()

    def add_rows(self, model: linopy.Model | Scope, edge: pd.Index, own: np.ndarray,
                 parts: list[tuple[np.ndarray, float]], sign: str, rhs: float, *, name: str) -> None:
        """Add ``own[e] + sum(s * z[pos[e]] for pos, s in parts) <sign> rhs``, one row per edge, from arrays."""
        vars_ = [own[:, None]]
        coeffs = [np.ones((len(own), 1))]
        bound = np.full(len(own), rhs)
        for pos, s in parts:
            vars_.append(self.vars[pos])
            coeffs.append(s * self.coeffs[pos])
            bound -= s * self.const[pos]
        ds = xr.Dataset({"coeffs": ((EDGE_DIM, TERM_DIM), np.hstack(coeffs)),
                         "vars": ((EDGE_DIM, TERM_DIM), np.hstack(vars_))}, coords={EDGE_DIM: edge})
        uniform = bool((bound == bound[0]).all())  # a scalar right-hand side spares an alignment
        model.add_constraints(linopy.LinearExpression(ds, model.model if isinstance(model, Scope) else model), sign,
                              float(bound[0]) if uniform else xr.DataArray(bound, coords=[edge]), name=name)


def _read(ids: pd.Index, edges: pd.DataFrame, exposed: pd.Series | None,
          weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unit positions of each edge's ends, edge lengths and exposed boundary per unit; problems raised."""
    problems: list[Problem] = []
    if not np.isfinite(weight):
        problems.append(Problem("weight", f"weight {weight!r} is not a finite number", "give a number", "bad_weight"))
    missing = [c for c in ("id_i", "id_j", "shared_length_m") if c not in edges.columns]
    if missing:
        raise ValidationError("boundary", [*problems, Problem("edges", f"missing column(s) {missing}",
                                                              f"columns are {list(edges.columns)}",
                                                              "missing_column")])
    i, j = ids.get_indexer(edges["id_i"].to_numpy()), ids.get_indexer(edges["id_j"].to_numpy())
    length = pd.to_numeric(edges["shared_length_m"], errors="coerce").to_numpy(dtype=float)
    unknown = pd.unique(np.concatenate([edges["id_i"].to_numpy()[i < 0], edges["id_j"].to_numpy()[j < 0]]))
    if len(unknown):
        problems.append(Problem("edges", f"ids not among the units: {list(unknown[:10])}",
                                "drop edges to units outside the problem", "unknown_id"))
    if ((i == j) & (i >= 0)).any():
        problems.append(Problem("edges", "an edge joins a unit to itself", "pass self-boundary as `exposed`",
                                "self_edge"))
    if not np.isfinite(length).all():
        problems.append(Problem("edges", "shared_length_m has values that are not finite numbers",
                                "give every edge a length", "bad_boundary"))
    exposed_m = np.zeros(len(ids))
    if exposed is not None:
        at = ids.get_indexer(exposed.index)
        if (at < 0).any():
            problems.append(Problem("exposed", f"ids not among the units: {list(exposed.index[at < 0][:10])}",
                                    "drop units outside the problem", "unknown_id"))
        values = pd.to_numeric(exposed, errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            problems.append(Problem("exposed", "exposed boundary has values that are not finite numbers",
                                    "give every unit a length (0 for none)", "bad_boundary"))
        exposed_m[at[at >= 0]] = values[at >= 0]
    if problems:
        raise ValidationError("boundary", problems)
    return i, j, length, exposed_m
