r"""Alternative park sites side by side: one table and one map for the planning bureau.

An *alternative* is a solved :class:`~landkit.siting.ParkSiting` (site A), or a
:class:`SiteOption` solved here with :func:`~landkit.siting.site_parks`: the same or other parks with
parcels left out, e.g. site B = the best site that takes none of site A's parcels
(``SiteOption(specs, avoid=("A",))``).

For each alternative :math:`a` and park :math:`s` with taken parcels :math:`P_{as}` (parcel area
:math:`a_i` 亩, mean suitability :math:`S_i`, farmland :math:`g_i` 亩, paddy :math:`q_i` 亩, grain capacity
:math:`k_i` kg, households :math:`h_i`, share in 永久基本农田 :math:`\phi_i`, cost :math:`c_i` 万元) and site
polygon :math:`G_{as}` (area :math:`A` m², perimeter :math:`P` m), the table reports

.. math::

    \text{面积} = \sum_i a_i, \quad \text{平均适宜性} = \frac{\sum_i S_i a_i}{\sum_i a_i}, \quad
    \text{占用耕地} = \sum_i g_i, \quad \text{其中永久基本农田} = \sum_i \phi_i g_i, \\
    \text{紧凑度} = \frac{4 \pi A}{P^2} \ (\text{Polsby–Popper: 1 for a disc, } \pi/4 \text{ for a square}), \quad
    \text{距镇驻地} = \min_{p \in G_{as}} \lVert p - \text{seat} \rVert,

with 水田, 产能, 户数 and 成本 summed like 耕地, and the search's status and proven gap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.plot import category_map, new_figure
from landkit.siting.parks import PARK_LABELS, ParkSiting, ParkSpec, site_parks
from landkit.town import Town

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from shapely.geometry.base import BaseGeometry

#: Columns each alternative's ``parcels`` table must have (``cost_wan_yuan`` is used when present).
PARCEL_COLUMNS = ("site", "area_mu", "score", "farmland_mu", "paddy_mu", "capacity_kg", "households",
                  "frac_YJJBNTBHTB")
#: Outline colours of the parks on the comparison map, in the order the parks first appear.
SITE_COLOURS = ("#c0392b", "#1f5fa8", "#7d3c98", "#b9770e", "#117a65")
OTHER_LABEL = "其他方案"


@dataclass(frozen=True)
class SiteOption:
    """An alternative to solve: parks, parcels no park may take, and earlier alternatives to avoid.

    Attributes
    ----------
    specs : tuple of ParkSpec
    exclude : tuple of str
        Parcel ids (BSM) left out.
    avoid : tuple of str
        Names of alternatives listed *before* this one whose parcels are left out too (site B avoids A).
    """

    specs: tuple[ParkSpec, ...]
    exclude: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()


@dataclass
class SiteComparison:
    """Alternatives compared.

    Attributes
    ----------
    table : DataFrame
        One row per alternative and park (Chinese headings, units in the headings).
    alternatives : dict of str to ParkSiting
    boundary : GeoDataFrame or None
        The town boundary drawn on the map.
    seat : shapely geometry or None
        The town seat (镇驻地).
    notes : list of str
    """

    table: pd.DataFrame
    alternatives: dict[str, ParkSiting]
    boundary: gpd.GeoDataFrame | None = None
    seat: BaseGeometry | None = None
    notes: list[str] = field(default_factory=list)

    def plot(self, *, figsize_per_map: tuple[float, float] = (6.0, 5.5)) -> Figure:
        """The alternatives side by side, one map each, on one extent.

        Each map draws its own parks in colour and every other alternative's parks in grey (其他方案),
        the town boundary and seat when known, a legend, a scale bar and a north arrow.
        """
        names = list(self.alternatives)
        fig, axes = new_figure((figsize_per_map[0] * len(names), figsize_per_map[1]), ncols=len(names))
        parks = list(dict.fromkeys(str(p) for alt in self.alternatives.values() for p in alt.sites["名称"]))
        colours = {OTHER_LABEL: "#d5d5d5", **{p: SITE_COLOURS[k % len(SITE_COLOURS)] for k, p in enumerate(parks)}}
        frames = []
        for name, alt in self.alternatives.items():
            f = alt.sites[["名称", "geometry"]].copy()
            f["方案"] = name
            frames.append(f)
        every = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                 crs=frames[0].crs)
        points = None
        if self.seat is not None:
            points = gpd.GeoDataFrame({"label": ["镇驻地"]}, geometry=[self.seat], crs=every.crs)
        rows = self.table.set_index(["方案", "园区"])
        for ax, name in zip(axes, names, strict=True):
            layer = every.copy()
            layer["class"] = np.where(layer["方案"] == name, layer["名称"].astype(str), OTHER_LABEL)
            layer = layer.sort_values("class", key=lambda c: c != OTHER_LABEL)  # others underneath
            mine = rows.loc[name]
            title = f"{name}: {mine['面积(亩)'].sum():,.0f} 亩, 平均适宜性 " + "/".join(
                f"{v:.1f}" for v in mine["平均适宜性(0–100)"])
            category_map(layer, "class", colours=colours, labels={}, title=title, legend_title="图例",
                         boundary=self.boundary, points=points, point_label="label" if points is not None else None,
                         ax=ax)
        return fig


def _check_parcels(name: str, alt: ParkSiting) -> list[Problem]:
    """The columns a solved alternative's parcels table lacks."""
    missing = [c for c in PARCEL_COLUMNS if c not in alt.parcels.columns]
    if missing:
        return [Problem(f"alternative {name}", f"parcels table lacks {missing}",
                        "pass a ParkSiting from site_parks (or a table with these columns)", "columns")]
    return []


def _rows(name: str, alt: ParkSiting, seat: BaseGeometry | None) -> list[dict[str, Any]]:
    """One row of the comparison per park of an alternative."""
    p = alt.parcels
    has_cost = "cost_wan_yuan" in p.columns
    geom = alt.sites.set_index("名称").geometry
    out = []
    for spec in alt.specs:
        t = p[p["site"] == spec.name]
        a = float(t["area_mu"].sum())
        poly = geom.get(spec.name)
        area_m2 = float(poly.area) if poly is not None else 0.0
        perim_m = float(poly.length) if poly is not None else 0.0
        row: dict[str, Any] = {
            "方案": name, "园区": spec.name, "类型": PARK_LABELS.get(spec.kind, spec.kind),
            "面积(亩)": round(a, 2),
            "平均适宜性(0–100)": round(float((t["score"] * t["area_mu"]).sum() / a), 2) if a else np.nan,
            "占用耕地(亩)": round(float(t["farmland_mu"].sum()), 2),
            "其中永久基本农田(亩)": round(float((t["frac_YJJBNTBHTB"] * t["farmland_mu"]).sum()), 2),
            "占用水田(亩)": round(float(t["paddy_mu"].sum()), 2),
            "耕地产能(kg)": round(float(t["capacity_kg"].sum()), 0),
            "涉及户数(户)": int(t["households"].sum()),
            "地块数": len(t),
            "周长(m)": round(perim_m, 1),
            "紧凑度(0–1)": round(4 * math.pi * area_m2 / perim_m**2, 3) if perim_m > 0 else np.nan,
        }
        if seat is not None:
            row["距镇驻地(km)"] = round(float(poly.distance(seat)) / 1000, 3) if poly is not None else np.nan
        if has_cost:
            row["征收成本(万元)"] = round(float(t["cost_wan_yuan"].sum()), 1)
        row["求解状态"] = alt.solve.status.value
        row["证明差距(%)"] = round(100 * float(alt.solve.gap), 2) if np.isfinite(alt.solve.gap) else np.nan
        out.append(row)
    return out


def _alternative_problems(name: str, alt: object, earlier: list[str], town: Town | None) -> list[Problem]:
    """What is wrong with one alternative (``earlier``: the names listed before it)."""
    if isinstance(alt, ParkSiting):
        return []
    if not isinstance(alt, SiteOption):
        return [Problem(f"alternative {name}", f"a {type(alt).__name__}", "give a ParkSiting or a SiteOption",
                        "bad_type")]
    problems = []
    if town is None:
        problems.append(Problem(f"alternative {name}", "a SiteOption needs a town to be solved", "pass town=...",
                                "no_town"))
    bad = [a for a in alt.avoid if a not in earlier]
    if bad:
        problems.append(Problem(f"alternative {name}", f"avoids {bad}, not listed before it",
                                f"name alternatives listed earlier: {earlier}", "bad_avoid"))
    return problems


def _check_alternatives(alternatives: Mapping[str, ParkSiting | SiteOption], town: Town | None,
                        site_options: Mapping[str, Any]) -> None:
    """Refuse no alternatives, a bad one (:func:`_alternative_problems`) or ``exclude`` among the site options."""
    problems: list[Problem] = []
    if not alternatives:
        problems.append(Problem("alternatives", "none given", "give at least one site or SiteOption", "empty"))
    names = list(alternatives)
    for k, (name, alt) in enumerate(alternatives.items()):
        problems += _alternative_problems(name, alt, names[:k], town)
    if "exclude" in site_options:
        problems.append(Problem("exclude", "is set per alternative here", "use SiteOption(..., exclude=...)",
                                "bad_option"))
    if problems:
        raise ValidationError("compare_sites", problems)


def _solve_alternatives(alternatives: Mapping[str, ParkSiting | SiteOption], town: Town | None,
                        site_options: Mapping[str, Any]) -> tuple[dict[str, ParkSiting], list[str]]:
    """Every alternative as a :class:`ParkSiting`, the options solved in order (each leaving out the parcels
    of those it avoids), with a note per option solved."""
    solved: dict[str, ParkSiting] = {}
    notes: list[str] = []
    for name, alt in alternatives.items():
        if isinstance(alt, ParkSiting):
            solved[name] = alt
            continue
        assert town is not None  # refused before without one (no_town)
        avoided = [j for a in alt.avoid for j in solved[a].parcels.index]
        leave_out = sorted({str(i) for i in (*alt.exclude, *avoided)})
        solved[name] = site_parks(town, list(alt.specs), exclude=leave_out or None, **site_options)
        notes.append(f"{name}: solved with {len(leave_out)} parcels left out; {solved[name].solve.summary()}")
    return solved, notes


def _town_seat(town: Town | None, seat: BaseGeometry | None) -> tuple[BaseGeometry | None, gpd.GeoDataFrame | None]:
    """The seat (given, else the town's ``seat`` layer) and the town boundary (layer ``XZQ``) when a town is given."""
    if town is None:
        return seat, None
    if seat is None and "seat" in town.layers and len(town.layers["seat"]):
        seat = town.layers["seat"].geometry.iloc[0]
    return seat, town.layers.get("XZQ")


def compare_sites(alternatives: Mapping[str, ParkSiting | SiteOption], *, town: Town | None = None,
                  seat: BaseGeometry | None = None, **site_options: Any) -> SiteComparison:
    """Compare alternative park sites in one table and one side-by-side map (see the module notes).

    Parameters
    ----------
    alternatives : mapping of str to ParkSiting or SiteOption
        In order, e.g. ``{"方案A": siting_a, "方案B": SiteOption((spec,), avoid=("方案A",))}``. A
        :class:`SiteOption` is solved with :func:`~landkit.siting.site_parks` (needs ``town``), leaving
        out its ``exclude`` parcels and every parcel of the alternatives named in ``avoid``.
    town : Town, optional
        Needed to solve options; gives the town seat (layer ``seat``) and boundary (layer ``XZQ``).
    seat : shapely geometry, optional
        The town seat, when no town is given (or to override it); without one the distance is left out.
    **site_options
        Passed to :func:`~landkit.siting.site_parks` for every option (``buffer_m``, ``time_limit_s``, ...).

    Returns
    -------
    SiteComparison
        ``.table`` (方案, 园区, 类型, 面积(亩), 平均适宜性(0–100), 占用耕地(亩), 其中永久基本农田(亩), 占用水田(亩),
        耕地产能(kg), 涉及户数(户), 地块数, 周长(m), 紧凑度(0–1), 距镇驻地(km), 征收成本(万元), 求解状态,
        证明差距(%)) and ``.plot()``.

    Raises
    ------
    ValidationError
        No alternatives, an option without a town, ``avoid`` naming an unknown or later alternative, or a
        parcels table without the needed columns.
    """
    _check_alternatives(alternatives, town, site_options)
    solved, notes = _solve_alternatives(alternatives, town, site_options)
    problems = [q for name, alt in solved.items() for q in _check_parcels(name, alt)]
    if problems:
        raise ValidationError("compare_sites", problems)
    seat, boundary = _town_seat(town, seat)
    if seat is None:
        notes.append("no town seat known: 距镇驻地(km) left out")
    rows = [r for name, alt in solved.items() for r in _rows(name, alt, seat)]
    return SiteComparison(table=pd.DataFrame(rows), alternatives=solved, boundary=boundary, seat=seat, notes=notes)
