"""A town's parcels as planning units of a selection problem, and a map of a selection.

:func:`from_town` turns 三调 parcels into :class:`~landkit.select.SelectionProblem` inputs:

- **cost** ``cost_wan_yuan`` (万元): what acquiring the parcel costs, land plus houses, by
  :func:`landkit.reserve.inputs.acquisition_costs` from the town's parameters (the same figures as the
  reserve plan);
- **features**: the area (亩) of each chosen land-use group in each parcel, labelled in Chinese
  (``林地(亩)``...);
- **boundary** (m): the shared edges of :attr:`landkit.Town.adjacency` between chosen parcels, and, as
  each parcel's exposed boundary, its perimeter not shared with another chosen parcel (an edge with a
  parcel outside the study area is the selection's edge, as Marxan counts boundary with non-planning
  units).

so a BLM is in 万元 per metre of reserve edge.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.patches import Patch

from landkit._errors import Problem, ValidationError
from landkit.landuse import ECOLOGICAL_GROUPS, GROUP_LABELS, HABITAT_GROUPS
from landkit.plot import draw_polygons, finish_map, new_axes
from landkit.reserve.inputs import acquisition_costs
from landkit.select.problem import SelectionProblem
from landkit.select.result import SelectionResult
from landkit.town import Town, subset_boundary

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def riverside_parcels(town: Town, *, river: str = "祊河", band_m: float | None = None) -> pd.Index:
    """The parcels whose centroid lies within ``band_m`` of a river's water (the riverside corridor's study area).

    Parameters
    ----------
    town : Town
        With layer ``river_area`` (polygons with a ``name``).
    river : str
        The river's name in ``river_area``.
    band_m : float, optional
        Width of the band; default ``corridor.riverside_band_width`` of the town's parameters.
    """
    layer = town.layers.get("river_area")
    if layer is None or "name" not in layer or not (layer["name"] == river).any():
        names = sorted(layer["name"].astype(str).unique()) if layer is not None and "name" in layer else []
        raise ValidationError("riverside study area", [Problem(
            f"river {river!r}", "is not in layer river_area", f"rivers there: {names or 'none (no layer)'}",
            "unknown_id")])
    band = float(town.params["corridor.riverside_band_width"]) if band_m is None else float(band_m)
    water = shapely.union_all(np.asarray(layer.loc[layer["name"] == river].geometry.values))
    inside = town.parcels.geometry.centroid.distance(water) <= band
    return town.parcels.index[inside.to_numpy()]


def feature_label(group: str) -> str:
    """The feature name of a land-use group's area: its Chinese label and unit, e.g. ``林地(亩)``."""
    return f"{GROUP_LABELS[group]}(亩)"


def from_town(
    town: Town,
    *,
    parcels: Iterable[Hashable] | None = None,
    groups: tuple[str, ...] = HABITAT_GROUPS,
    blm: float = 0.0,
    locked_in: Iterable[Hashable] = (),
    locked_out: Iterable[Hashable] = (),
) -> SelectionProblem:
    r"""A selection problem whose planning units are the town's parcels.

    Parameters
    ----------
    town : Town
    parcels : index or boolean mask, optional
        The study area: parcel ids (BSM index) or a mask over ``town.parcels``; default every parcel.
    groups : tuple of str
        Land-use groups (keys of :data:`landkit.landuse.GROUP_LABELS`) whose area is a feature.
    blm : float
        Boundary length modifier, 万元 per metre of edge.
    locked_in, locked_out : iterable of parcel ids
        Parcels that must (must not) be selected.

    Returns
    -------
    SelectionProblem
        Units indexed by parcel id with ``cost_wan_yuan`` (the cost), ``acquisition_cost_wan_yuan``,
        ``demolition_cost_wan_yuan``, ``area_mu``, ``households``, ``farmland_mu``, ``landuse_group``
        and ``DLMC``; features :func:`feature_label` of each group; no objective yet (choose one with
        :meth:`~SelectionProblem.with_min_set` or :meth:`~SelectionProblem.with_max_utility`).

    Notes
    -----
    With :math:`P_i` the perimeter of parcel :math:`i` and :math:`s_{ij}` the length it shares with
    parcel :math:`j`, both in the study area :math:`U`, the exposed boundary is
    :math:`e_i = \max(0, P_i - \sum_{j \in U} s_{ij})` and the problem's boundary length is
    :math:`L(x) = \sum_i e_i x_i + \sum_{(i,j)} s_{ij} |x_i - x_j|`: the length of the selection's outline.
    """
    unknown = [g for g in groups if g not in GROUP_LABELS]
    if unknown:
        raise ValidationError("from_town", [Problem(f"group {g!r}", "is not a land-use group",
                                                    f"use one of {', '.join(GROUP_LABELS)}", "unknown_group")
                                            for g in unknown])
    all_parcels = town.parcels
    if parcels is None:
        chosen = all_parcels
    elif isinstance(parcels, pd.Series) and parcels.dtype == bool:
        chosen = all_parcels.loc[parcels.reindex(all_parcels.index, fill_value=False).to_numpy()]
    else:
        ids = pd.Index(parcels)
        missing = ids.difference(all_parcels.index)
        if len(missing):
            raise ValidationError("from_town", [Problem(f"parcel {m}", "is not a parcel of the town",
                                                        "pass BSM ids of town.parcels", "unknown_id")
                                                for m in missing[:20]])
        chosen = all_parcels.loc[ids]
    if chosen.empty:
        raise ValidationError("from_town", [Problem("parcels", "the study area holds no parcel",
                                                    "widen the area or check the mask", "empty")])

    acquisition, demolition = acquisition_costs(chosen, town.params)
    units = pd.DataFrame({
        "cost_wan_yuan": acquisition + demolition,
        "acquisition_cost_wan_yuan": acquisition,
        "demolition_cost_wan_yuan": demolition,
        "area_mu": chosen["area_mu"].astype(float),
        "households": chosen["households"].astype(int),
        "farmland_mu": np.where(chosen["is_farmland"].astype(bool), chosen["area_mu"].astype(float), 0.0),
        "landuse_group": chosen["landuse_group"].astype(str),
        "DLMC": chosen["DLMC"].astype(str) if "DLMC" in chosen else "",
    }, index=chosen.index)

    group = units["landuse_group"].to_numpy()
    features = pd.DataFrame({feature_label(g): np.where(group == g, units["area_mu"].to_numpy(), 0.0)
                             for g in groups}, index=units.index)

    shared, exposed = subset_boundary(chosen, town.adjacency)
    boundary = pd.concat([
        pd.DataFrame({"id1": shared["id_i"].to_numpy(), "id2": shared["id_j"].to_numpy(),
                      "boundary": shared["shared_length_m"].to_numpy()}),
        pd.DataFrame({"id1": units.index, "id2": units.index, "boundary": exposed.to_numpy()}),
    ], ignore_index=True)
    return SelectionProblem(units, features, cost="cost_wan_yuan", boundary=boundary, blm=blm,
                            locked_in=locked_in, locked_out=locked_out,
                            notes=[f"cost: acquisition + demolition from the parameters of {town.name}",
                                   "boundary in m: shared parcel edges, the rest of each perimeter as exposed"])


def plot_selection(
    town: Town,
    result: SelectionResult,
    *,
    title: str = "选定地块",
    ax: Any = None,
) -> Figure:
    """Map a selection of the town's parcels: selected, locked, and the rest of the study area.

    The map has a legend, a scale bar and a north arrow (:func:`landkit.plot.finish_map`); town
    parcels outside the study area are drawn in light grey.
    """
    problem = result.problem
    study = town.parcels.loc[problem.unit_ids]
    state = pd.Series("candidate", index=study.index)
    state[result.selected] = "selected"
    state[problem.locked_in] = "locked_in"
    state[problem.locked_out] = "locked_out"
    colours = {"selected": "#2e7d32", "locked_in": "#1b5e20", "locked_out": "#bdbdbd", "candidate": "#fff3c4"}
    labels = {"selected": "选定 selected", "locked_in": "锁定纳入 locked in", "locked_out": "排除 locked out",
              "candidate": "研究区其余地块 not selected"}
    x0, y0, x1, y1 = study.total_bounds
    fig, ax = new_axes((12.0, float(np.clip(9.0 * (y1 - y0) / max(x1 - x0, 1.0), 3.5, 9.0)) + 1.0), ax)
    others = town.parcels.index.difference(study.index)
    draw_polygons(ax, town.parcels.loc[others].geometry, facecolor="#f2f2f2", edgecolor="#dddddd", linewidth=0.1)
    draw_polygons(ax, study.geometry, facecolor=state.map(colours).to_numpy(), edgecolor="#888888", linewidth=0.1)
    if "river" in town.layers:
        town.layers["river"].plot(ax=ax, color="#1f78b4", linewidth=1.2)
    present = [k for k in colours if (state == k).any()]
    handles = [Patch(facecolor=colours[k], edgecolor="#888888", label=labels[k]) for k in present]
    ev = result.evaluation
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    finish_map(ax, title=f"{title} · {ev.n_selected} 块, {ev.cost:,.0f} 万元", legend_handles=handles,
               legend_title="图例")
    return fig


__all__ = ["ECOLOGICAL_GROUPS", "HABITAT_GROUPS", "feature_label", "from_town", "plot_selection", "riverside_parcels"]
