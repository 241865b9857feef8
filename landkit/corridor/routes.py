"""Route choice: least-cost paths between sites, the best visiting order, and budgeted selection.

Pairwise least costs
--------------------
:func:`pairwise_paths` runs one cost-distance search per site (stopping once the remaining sites are
settled) and keeps the least-cost path of every pair. On the r.cost rule the move costs are
symmetric, so the search from site :math:`i` serves the pairs :math:`(i, j)`, :math:`j > i`.

Best order (a path TSP)
-----------------------
Sites :math:`i, j \\in S`, a dummy depot :math:`0` joined to every site at cost 0, arcs
:math:`x_{ij} \\in \\{0, 1\\}` and Miller–Tucker–Zemlin positions :math:`u_i \\in [1, n]`:

.. math::

    \\min \\sum_{i \\ne j} c_{ij} x_{ij} \\quad\\text{s.t.}\\quad
    \\text{out:}\\; \\sum_{j} x_{ij} = 1, \\qquad \\text{in:}\\; \\sum_{i} x_{ij} = 1
    \\qquad (i, j \\in S \\cup \\{0\\})

    \\text{mtz:}\\; u_i - u_j + n\\, x_{ij} \\le n - 1 \\qquad (i \\ne j \\in S)

A Hamiltonian cycle through the depot is an open path through the sites; fixing :math:`x_{0s} = 1`
fixes the first site :math:`s` (``start``), :math:`x_{e0} = 1` the last (``end``). The MTZ rows
forbid every sub-tour that avoids the depot (along a cycle :math:`C \\subseteq S` they would sum to
:math:`n |C| \\le (n-1)|C|`).

Orienteering (budgeted route)
-----------------------------
Visit flags :math:`y_i \\in \\{0,1\\}`, site scores :math:`a_i` (attraction), budget :math:`B` on
the length (m) or the construction cost (万元) :math:`\\ell_{ij}` of the chosen segments:

.. math::

    \\max \\sum_i a_i y_i - \\varepsilon \\sum_{i \\ne j} \\ell_{ij} x_{ij} \\quad\\text{s.t.}\\quad
    \\sum_j x_{ij} = y_i = \\sum_j x_{ji} \\;(i \\in S), \\qquad
    \\sum_j x_{0j} = 1 = \\sum_j x_{j0}

    \\text{budget:}\\; \\sum_{i \\ne j \\in S} \\ell_{ij} x_{ij} \\le B, \\qquad
    \\text{mtz:}\\; u_i - u_j + 1 \\le n (1 - x_{ij}) \\quad (i \\ne j \\in S),\\; 1 \\le u_i \\le n

with :math:`\\varepsilon` small enough (:math:`\\varepsilon \\sum \\ell < \\min a`) that length only
breaks ties between equally attractive routes. ``start`` forces :math:`y_s = x_{0s} = 1`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit._errors import NotFoundError, Problem, ValidationError
from landkit.corridor.costdist import cost_distances
from landkit.optimize import GroupSpec, solve

DEPOT = "__depot__"


@dataclass
class PairwisePaths:
    """Least-cost paths and costs between every pair of sites.

    Attributes
    ----------
    names : list of str
    cells : ndarray
        ``(n, 2)`` (row, col) of each site on the surface (after snapping off barriers).
    cost : DataFrame
        Accumulated resistance (score × m) between sites; ``inf`` when a barrier separates them.
    paths : dict of (str, str) to ndarray
        Cell path ``(k, 2)`` from the first to the second site (both orders present).
    """

    names: list[str]
    cells: np.ndarray
    cost: pd.DataFrame
    paths: dict[tuple[str, str], np.ndarray] = field(repr=False)

    def path(self, a: str, b: str) -> np.ndarray:
        """Cell path from ``a`` to ``b``."""
        try:
            return self.paths[(a, b)]
        except KeyError:
            if a in self.names and b in self.names:
                raise NotFoundError(f"no path {a} → {b}: the barriers (rivers and the railway away from bridges, the "
                                    "town's edge, protected land unless allowed, land other models took) leave no way "
                                    "between them; allow protected land, or take fewer parcels near the crossings"
                                    ) from None
            raise NotFoundError(f"no path {a} → {b}; sites are {self.names}") from None


def pairwise_paths(cost: np.ndarray, cells: Sequence[Sequence[int]], names: Sequence[str], *,
                   cellsize: float = 1.0, neighbours: int = 8) -> PairwisePaths:
    """Least-cost paths among sites (see the module docstring).

    Parameters
    ----------
    cost : ndarray
        Resistance raster (``inf`` barriers).
    cells : sequence of (row, col)
        Site cells.
    names : sequence of str
        Site names, unique.
    cellsize : float
        Cell size (m).
    neighbours : {8, 16}
    """
    names = [str(n) for n in names]
    cells_a = np.asarray(cells, dtype="int64").reshape(-1, 2)
    if len(set(names)) != len(names) or len(names) != len(cells_a):
        raise ValidationError("pairwise_paths", [Problem("names", f"{names} must be unique, one per cell", "",
                                                         "value")])
    n = len(names)
    mat = np.zeros((n, n))
    paths: dict[tuple[str, str], np.ndarray] = {}
    for i in range(n):
        paths[(names[i], names[i])] = cells_a[i:i + 1].copy()
    runs = cost_distances(cost, [cells_a[i:i + 1] for i in range(n - 1)], cellsize=cellsize,
                          neighbours=neighbours, targets=[cells_a[i + 1:] for i in range(n - 1)])
    for i, cd in enumerate(runs):
        for j in range(i + 1, n):
            v = float(cd.accumulated[tuple(cells_a[j])])
            mat[i, j] = mat[j, i] = v
            if np.isfinite(v):
                p = cd.path(cells_a[j])
                paths[(names[i], names[j])] = p
                paths[(names[j], names[i])] = p[::-1].copy()
    return PairwisePaths(names, cells_a, pd.DataFrame(mat, index=names, columns=names), paths)


@dataclass
class RouteChoice:
    """The outcome of :func:`best_order` or :func:`orienteering`.

    Attributes
    ----------
    order : list of str
        Sites in visiting order.
    objective : float
        Total cost (best order) or total score (orienteering).
    total : float
        Sum of the weights of the chosen segments.
    status : str
        Solver status (``optimal`` / ``feasible``).
    gap : float or None
    summary : str
        One line from the solver.
    """

    order: list[str]
    objective: float
    total: float
    status: str
    gap: float | None
    summary: str


def _check_matrix(weights: pd.DataFrame, where: str) -> pd.DataFrame:
    w = weights.astype(float)
    problems = []
    if list(w.index) != list(w.columns):
        problems.append(Problem(where, "rows and columns must name the same sites in the same order", "",
                                "shape"))
    elif len(w) < 2:
        problems.append(Problem(where, f"has {len(w)} site(s); give at least 2", "", "shape"))
    else:
        off = ~np.eye(len(w), dtype=bool)
        vals = w.to_numpy()
        if (vals[off] < 0).any():
            problems.append(Problem(where, "has negative entries", "segment costs must be ≥ 0", "value"))
        if (~np.isfinite(vals[off])).any():
            bad = [(w.index[i], w.columns[j]) for i, j in zip(*np.nonzero(off & ~np.isfinite(vals)), strict=True)]
            problems.append(Problem(where, f"pairs {bad[:4]} cannot be joined (a barrier separates them)",
                                    "relax the barriers or drop the site", "unreachable"))
    if problems:
        raise ValidationError("route choice", problems)
    return w


def _arc_model(names: list[str]) -> tuple[Any, Any, Any, Any]:
    """The arc variables ``x_ij`` over the sites and the depot (no self-loops)."""
    nodes = [DEPOT, *names]
    i = xr.DataArray(nodes, dims="i", coords={"i": nodes})
    j = xr.DataArray(nodes, dims="j", coords={"j": nodes})
    off = i != j
    m = linopy.Model()
    # integer 0..1 with the diagonal fixed at 0 (no self-loops), rather than a mask
    x = m.add_variables(lower=0, upper=off.astype(int), integer=True, name="arc")
    return m, x, off, nodes


def _weights_da(w: pd.DataFrame, nodes: list[str]) -> Any:
    """The segment weights over the nodes (0 to and from the depot) as an (i, j) DataArray."""
    full = pd.DataFrame(0.0, index=nodes, columns=nodes)
    full.loc[w.index, w.columns] = w.to_numpy()
    arr = full.to_numpy(copy=True)
    np.fill_diagonal(arr, 0.0)
    return xr.DataArray(arr, dims=("i", "j"), coords={"i": nodes, "j": nodes})


def _mtz(m: Any, x: Any, names: list[str], n: int, big: float) -> Any:
    """Miller–Tucker–Zemlin positions ``u_i`` and rows (no sub-tour avoids the depot)."""
    u = m.add_variables(lower=1, upper=n, coords=[pd.Index(names, name="i")], name="position")
    ui = u
    uj = u.rename({"i": "j"})
    site_i = xr.DataArray(names, dims="i", coords={"i": names})
    site_j = xr.DataArray(names, dims="j", coords={"j": names})
    xs = x.sel(i=names, j=names)
    mask = site_i != site_j
    m.add_constraints(ui - uj + big * xs <= big - 1, name="mtz", mask=mask)
    return u


def _walk(arc: pd.DataFrame) -> list[str]:
    nxt = {arc.index[int(a)]: arc.columns[int(b)] for a, b in zip(*np.nonzero(arc.to_numpy() > 0.5), strict=True)}
    order, node = [], nxt.get(DEPOT)
    while node is not None and node != DEPOT and node not in order:
        order.append(node)
        node = nxt.get(node)
    return order


def _solve(m: Any, solver: str, time_limit_s: float, mip_gap: float) -> Any:
    """Solve; an infeasible or failed solve raises, naming the budget or the fixed ends."""
    res = solve(m, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    groups = {name: GroupSpec(label=label, unit=unit, weight=1.0) for name, (label, unit) in {
        "budget": ("route budget", "budget unit"), "fix_start": ("start at {j}", "arc"),
        "fix_end": ("end at {i}", "arc")}.items() if name in m.constraints}
    res.raise_for_status(groups=groups or None)
    return res


def best_order(weights: pd.DataFrame, *, start: str | None = None, end: str | None = None,
               solver: str = "highs", time_limit_s: float = 30.0, mip_gap: float = 1e-6) -> RouteChoice:
    """Visit every site once in the cheapest order: an open path TSP (see the module docstring).

    Parameters
    ----------
    weights : DataFrame
        Symmetric or not, square, sites × sites: cost of each segment (e.g.
        :attr:`PairwisePaths.cost`, lengths, or construction cost in 万元).
    start, end : str, optional
        Fix the first or last site.
    solver, time_limit_s, mip_gap
        Passed to :func:`landkit.optimize.solve`.
    """
    w = _check_matrix(weights, "weights")
    names = [str(v) for v in w.index]
    for key, val in (("start", start), ("end", end)):
        if val is not None and val not in names:
            raise ValidationError("best_order", [Problem(key, f"{val!r} is not a site", f"choose from {names}",
                                                         "value")])
    m, x, _off, nodes = _arc_model(names)
    n = len(names)
    m.add_constraints(x.sum("j") == 1, name="out")
    m.add_constraints(x.sum("i") == 1, name="in")
    _mtz(m, x, names, n, float(n))
    if start is not None:
        m.add_constraints(x.sel(i=DEPOT, j=start) == 1, name="fix_start")
    if end is not None:
        m.add_constraints(x.sel(i=end, j=DEPOT) == 1, name="fix_end")
    c = _weights_da(w, nodes)
    m.add_objective((c * x).sum())
    res = _solve(m, solver, time_limit_s, mip_gap)
    arc = res.value("arc").to_pandas().fillna(0.0)
    order = _walk(arc)
    total = float(sum(w.at[a, b] for a, b in itertools.pairwise(order)))
    return RouteChoice(order, float(res.objective), total, res.status.value, res.gap, res.summary())


def orienteering(weights: pd.DataFrame, scores: Mapping[str, float], budget: float, *,
                 start: str | None = None, solver: str = "highs", time_limit_s: float = 30.0,
                 mip_gap: float = 1e-6) -> RouteChoice:
    """Choose which sites to join, and in what order, to maximise attraction within a budget.

    Parameters
    ----------
    weights : DataFrame
        Square sites × sites: length (m) or construction cost (万元) of each segment.
    scores : mapping of str to float
        Attraction :math:`a_i` ≥ 0 of each site.
    budget : float
        :math:`B`, in the unit of ``weights``.
    start : str, optional
        A site the route must start from (e.g. the entrance).
    """
    w = _check_matrix(weights, "weights")
    names = [str(v) for v in w.index]
    problems = []
    missing = [s for s in names if s not in scores]
    if missing:
        problems.append(Problem("scores", f"no score for {missing}", "give every site a score", "missing"))
    elif any(float(scores[s]) < 0 for s in names):
        problems.append(Problem("scores", "scores must be ≥ 0", "", "value"))
    if not (np.isfinite(budget) and budget >= 0):
        problems.append(Problem("budget", f"is {budget!r}; give a budget ≥ 0", "", "value"))
    if start is not None and start not in names:
        problems.append(Problem("start", f"{start!r} is not a site", f"choose from {names}", "value"))
    if problems:
        raise ValidationError("orienteering", problems)

    m, x, _off, nodes = _arc_model(names)
    n = len(names)
    y = m.add_variables(binary=True, coords=[pd.Index(names, name="i")], name="visit")
    xs_out = x.sel(i=names).sum("j")
    xs_in = x.sel(j=names).sum("i")
    m.add_constraints(xs_out - y == 0, name="out")
    m.add_constraints(xs_in - y.rename({"i": "j"}) == 0, name="in")
    m.add_constraints(x.sel(i=DEPOT).sum("j") == 1, name="depot_out")
    m.add_constraints(x.sel(j=DEPOT).sum("i") == 1, name="depot_in")
    _mtz(m, x, names, n, float(n))
    ell = _weights_da(w, nodes)
    site_arcs = x.sel(i=names, j=names)
    ell_s = ell.sel(i=names, j=names)
    m.add_constraints((ell_s * site_arcs).sum() <= float(budget), name="budget")
    if start is not None:
        m.add_constraints(x.sel(i=DEPOT, j=start) == 1, name="fix_start")
    a = xr.DataArray([float(scores[s]) for s in names], dims="i", coords={"i": names})
    total_len = float(np.nansum(w.to_numpy()))
    positive = [float(scores[s]) for s in names if float(scores[s]) > 0]
    eps = (min(positive) if positive else 1.0) / (2.0 * max(total_len, 1e-9))
    m.add_objective((a * y).sum() - eps * (ell_s * site_arcs).sum(), sense="max")
    res = _solve(m, solver, time_limit_s, mip_gap)
    arc = res.value("arc").to_pandas().fillna(0.0)
    order = _walk(arc)
    total = float(sum(w.at[a_, b] for a_, b in itertools.pairwise(order)))
    score = float(sum(float(scores[s]) for s in order))
    return RouteChoice(order, score, total, res.status.value, res.gap, res.summary())


def route_cost(weights: pd.DataFrame, order: Sequence[str]) -> float:
    """Sum of ``weights`` along consecutive sites of ``order``."""
    return float(sum(weights.at[a, b] for a, b in itertools.pairwise(order)))



