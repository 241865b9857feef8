"""The boundary-length (compactness) term shared by every selection-type model.

For a 0/1 selection :math:`z` of units with shared boundary lengths :math:`b_{ij}` and exposed
boundary :math:`e_i` (boundary shared with no other unit, e.g. the town edge), the boundary of the
selected set is

.. math::

    B(z) = \\sum_i e_i z_i + \\sum_{(i,j)} b_{ij} (z_i + z_j - 2 y_{ij}),
    \\qquad y_{ij} = z_i z_j .

A shared edge counts once when exactly one side is selected and not at all when both are. The
product is linearised as in prioritizr: with :math:`B` *penalised* (a positive weight in a
minimisation, or a negative one in a maximisation) :math:`y_{ij}` wants to be as large as possible,
so only :math:`y_{ij} \\le z_i` and :math:`y_{ij} \\le z_j` are needed, with :math:`0 \\le y_{ij} \\le 1`
continuous; :math:`y_{ij} \\ge z_i + z_j - 1` would only be needed if the boundary were rewarded,
which :func:`boundary_penalty` refuses to model.
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit._errors import Problem, ValidationError


def boundary_penalty(
    model: linopy.Model,
    z: linopy.Variable | linopy.LinearExpression,
    edges: pd.DataFrame,
    exposed: pd.Series | None = None,
    *,
    dim: str = "unit",
    name: str = "shared",
) -> linopy.LinearExpression:
    """Add the linearisation variables and return the boundary expression :math:`B(z)` (metres).

    Parameters
    ----------
    model : linopy.Model
        The model to extend: adds variable ``y_<name>`` over dimension ``edge`` and constraints
        ``<name>_le_i``, ``<name>_le_j``.
    z : linopy Variable or LinearExpression
        The 0/1 selection over dimension ``dim``.
    edges : DataFrame
        Columns ``id_i``, ``id_j``, ``shared_length_m``: pairs of units that share a boundary
        (``id_i != id_j``; each pair once). Unknown ids are an error.
    exposed : Series, optional
        Exposed boundary of each unit (index: unit id), metres.
    dim : str
        Name of the unit dimension of ``z``.
    name : str
        Prefix of the names added to the model.

    Returns
    -------
    linopy.LinearExpression
        :math:`B(z)`; subtract it (times a weight ≥ 0) from a maximised objective or add it to a
        minimised one. Rewarding boundary (a negative weight) would need the third linearisation
        inequality and is not supported.
    """
    ids = pd.Index(z.coords[dim].to_numpy())
    pos = pd.Series(np.arange(len(ids)), index=ids)
    unknown = sorted(set(edges["id_i"]).union(edges["id_j"]) - set(ids))
    if unknown:
        raise ValidationError("boundary", [Problem("edges", f"ids not among the units: {unknown[:10]}",
                                                   "drop edges to units outside the problem", "unknown_id")])
    if (edges["id_i"] == edges["id_j"]).any():
        raise ValidationError("boundary", [Problem("edges", "an edge joins a unit to itself",
                                                   "pass self-boundary as `exposed`", "self_edge")])
    total: linopy.LinearExpression | None = None
    if exposed is not None:
        e = xr.DataArray(exposed.reindex(ids).fillna(0.0).to_numpy(dtype=float), coords=[pd.Index(ids, name=dim)])
        total = (e * z).sum(dim)
    if len(edges):
        E = pd.RangeIndex(len(edges), name="edge")
        i = pos.loc[edges["id_i"].to_numpy()].to_numpy()
        j = pos.loc[edges["id_j"].to_numpy()].to_numpy()
        zi = z.isel({dim: i}).rename({dim: "edge"}).assign_coords(edge=E)
        zj = z.isel({dim: j}).rename({dim: "edge"}).assign_coords(edge=E)
        y = model.add_variables(lower=0, upper=1, coords=[E], name=f"y_{name}")
        model.add_constraints(y - zi <= 0, name=f"{name}_le_i")
        model.add_constraints(y - zj <= 0, name=f"{name}_le_j")
        b = xr.DataArray(edges["shared_length_m"].to_numpy(dtype=float), coords=[E])
        shared = (b * (zi + zj - 2 * y)).sum("edge")
        total = shared if total is None else total + shared
    if total is None:
        return (0 * z).sum(dim)
    return total
