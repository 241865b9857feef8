"""Maps and charts that a planner can read: Chinese labels, legend, scale bar, north arrow.

Chinese text needs a CJK font. landkit uses Noto Sans CJK (SIL Open Font License), installed by the
setup (Debian package ``fonts-noto-cjk``) or any CJK font found on the system; :func:`use_cjk_font`
registers it with matplotlib once and raises a clear error naming the fix when none is found, so a
figure never silently shows boxes instead of 水田.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast

import matplotlib as mpl
import numpy as np
import shapely
from matplotlib import font_manager
from matplotlib.collections import PathCollection
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

from landkit._errors import LandkitError, reject_unknown_keywords

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Family names tried in order; the first one matplotlib knows is used.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
)
_FONT_GLOBS = (
    "/usr/share/fonts/**/NotoSansCJK*.tt[cf]",
    "/usr/share/fonts/**/NotoSansSC*.[ot]tf",
    "/usr/share/fonts/**/wqy-*.tt[cf]",
    "/usr/local/share/fonts/**/*CJK*.tt[cf]",
)

#: Colours of the land-use groups (landkit.landuse.GROUP_LABELS), after common 三调 map styling.
GROUP_COLOURS: dict[str, str] = {
    "paddy": "#c8e6a0",
    "farmland": "#f5e6a3",
    "garden": "#e3c77a",
    "forest": "#4f9a4a",
    "grassland": "#a8d08d",
    "wetland": "#7fc8c0",
    "commercial": "#e66b6b",
    "industrial": "#b07cc6",
    "mining": "#8c6d5a",
    "urban_residential": "#f2a65a",
    "homestead": "#e9b48a",
    "public": "#e58fb4",
    "special": "#9a9a9a",
    "transport": "#7d7d7d",
    "water": "#5aa0e0",
    "other": "#d9d9d9",
}


class FontError(LandkitError, RuntimeError):
    """No CJK font is available, so Chinese labels would not render."""


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Make matplotlib draw Chinese text; return the family name used.

    Looks for a known CJK family, registering font files from the usual system folders if
    matplotlib's font cache predates their installation.

    Raises
    ------
    FontError
        When no CJK font exists, with the command that installs one.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    family = next((f for f in CJK_FAMILIES if f in known), None)
    if family is None:
        for pattern in _FONT_GLOBS:
            for path in sorted(glob.glob(pattern, recursive=True)):
                font_manager.fontManager.addfont(path)
        known = {f.name for f in font_manager.fontManager.ttflist}
        family = next((f for f in CJK_FAMILIES if f in known), None)
    if family is None:
        raise FontError(
            "no CJK font found, so Chinese labels would render as boxes; install one with "
            "`apt-get install fonts-noto-cjk` (the README's setup does this) and retry"
        )
    mpl.rcParams["font.family"] = "sans-serif"
    sans = list(mpl.rcParams["font.sans-serif"])
    mpl.rcParams["font.sans-serif"] = [family, *[f for f in sans if f != family]]
    mpl.rcParams["axes.unicode_minus"] = False
    return family


def new_figure(figsize: tuple[float, float], *, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure with one row of ``ncols`` axes and the CJK font set, detached from pyplot's list of open figures.

    The figure is made by pyplot (so Jupyter's inline backend knows how to draw it) and closed at
    once: it is shown exactly once when a cell returns it (``town.plot()`` as the last line, or
    ``fig`` on its own line), never a second time by the backend, and figures do not pile up in
    memory over a long session. ``fig.savefig`` works as usual.
    """
    # pyplot loads when the first figure is drawn, not with landkit.town (a sweep worker, `landkit validate`)
    import matplotlib.pyplot as plt  # noqa: PLC0415  measured 220-280 ms import of matplotlib.pyplot

    use_cjk_font()
    fig, axes = plt.subplots(1, ncols, figsize=figsize, layout="constrained", squeeze=False)
    plt.close(fig)
    return fig, list(axes[0])


def close_figure(fig: Figure) -> None:
    """Release a figure once it is written: drop it from pyplot's open figures (no-op for :func:`new_figure`'s)."""
    import matplotlib.pyplot as plt  # noqa: PLC0415  as in new_figure: pyplot loads with the first figure

    plt.close(fig)


def new_axes(figsize: tuple[float, float], ax: Axes | None = None) -> tuple[Figure, Axes]:
    """A figure and axis with the CJK font set, detached from pyplot's list of open figures (:func:`new_figure`).

    With ``ax`` given (a caller drawing into its own figure), that axis and its figure are returned
    instead.
    """
    if ax is None:
        fig, axes = new_figure(figsize)
        return fig, axes[0]
    use_cjk_font()
    return cast("Figure", ax.figure), ax  # get_figure(root=True) would need matplotlib 3.10


def _nice_length(target_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k metres) not above ``target_m``."""
    exp = math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        if step * 10**exp <= target_m:
            return float(step * 10**exp)
    return float(10**exp)


def add_scale_bar(ax: Axes, *, fraction: float = 0.2, location: tuple[float, float] = (0.05, 0.05)) -> None:
    """Draw a two-segment scale bar in a projected (metre) CRS, labelled in m or km."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) * fraction)
    bx = x0 + (x1 - x0) * location[0]
    by = y0 + (y1 - y0) * location[1]
    h = (y1 - y0) * 0.008
    for k, colour in enumerate(("black", "white")):
        ax.add_patch(
            mpl.patches.Rectangle(
                (bx + k * length / 2, by), length / 2, h, facecolor=colour, edgecolor="black", lw=0.8,
                zorder=10,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for xpos, text in ((bx, "0"), (bx + length, label)):
        ax.text(xpos, by + 2.2 * h, text, ha="center", va="bottom", fontsize=8, zorder=10)
    ax.text(bx + length / 2, by - 1.5 * h, "比例尺", ha="center", va="top", fontsize=8, zorder=10)


def add_north_arrow(ax: Axes, *, location: tuple[float, float] = (0.94, 0.90)) -> None:
    """Draw a north arrow with the label 北 (N) in axes coordinates (grid north of the map CRS)."""
    x, y = location
    ax.annotate(
        "",
        xy=(x, y + 0.06),
        xytext=(x, y - 0.02),
        xycoords="axes fraction",
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 12, "headlength": 12},
        zorder=10,
    )
    ax.text(x, y + 0.075, "北 N", transform=ax.transAxes, ha="center", va="bottom", fontsize=10,
            fontweight="bold", zorder=10)


def polygon_paths(geoms: Any) -> list[Any]:
    """One matplotlib Path per polygon or multipolygon (holes kept), built without a Python loop over rings."""
    arr = shapely.orient_polygons(np.asarray(getattr(geoms, "array", geoms), dtype=object), exterior_cw=False)
    parts, part_geom = shapely.get_parts(arr, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return []
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    first = np.r_[True, coord_ring[1:] != coord_ring[:-1]]
    last = np.r_[coord_ring[1:] != coord_ring[:-1], True]
    codes[first], codes[last] = MplPath.MOVETO, MplPath.CLOSEPOLY
    geom_of = part_geom[ring_part[coord_ring]]
    cuts = np.flatnonzero(np.diff(geom_of)) + 1
    return [MplPath(v, c) for v, c in zip(np.split(coords, cuts), np.split(codes, cuts), strict=True)]


def draw_polygons(ax: Axes, geoms: Any, *, facecolor: Any, edgecolor: Any = "none", linewidth: float = 0.1,
                  **kwargs: Any) -> Any:
    """Draw polygons as one collection (several times faster than ``GeoDataFrame.plot`` for thousands of parcels).

    ``facecolor`` is one colour or one per geometry; empty and missing geometries are skipped.
    Returns the :class:`~matplotlib.collections.PathCollection` (no legend entry: add a Patch).
    """
    values = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    keep = np.array([g is not None and not g.is_empty for g in values], dtype=bool)
    colours = facecolor
    if not isinstance(facecolor, str) and np.ndim(facecolor) >= 1 and len(facecolor) == len(values):
        colours = [c for c, k in zip(facecolor, keep, strict=True) if k]
    collection = PathCollection(polygon_paths(values[keep]), facecolor=colours, edgecolor=edgecolor,
                                linewidth=linewidth, **kwargs)
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


def finish_map(
    ax: Axes,
    *,
    title: str,
    legend_handles: Iterable[Patch] | None = None,
    legend_title: str | None = None,
    crs_label: str | None = None,
) -> None:
    """Title, legend, scale bar and north arrow on a map axis; hides the tick clutter."""
    ax.set_title(title, fontsize=13)
    handles = list(legend_handles or [])
    if handles:
        ax.legend(handles=handles, title=legend_title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8, title_fontsize=9, frameon=False)
    add_scale_bar(ax)
    add_north_arrow(ax)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    if crs_label:
        ax.text(0.99, 0.01, crs_label, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                color="#555555")
    ax.set_aspect("equal")


class MapExtras(TypedDict, total=False):
    """What a :func:`category_map` may add to the classes: the town boundary, labelled points, the axis to
    draw into and the figure size."""

    boundary: gpd.GeoDataFrame | None
    points: gpd.GeoDataFrame | None
    point_label: str | None
    ax: Axes | None
    figsize: tuple[float, float]


def category_map(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    colours: Mapping[str, str],
    labels: Mapping[str, str],
    title: str,
    legend_title: str,
    **extras: Unpack[MapExtras],
) -> Figure:
    """A categorical map: one colour per class, a legend with the Chinese class names.

    Classes present in ``gdf[column]`` but absent from ``colours`` are drawn grey and still listed,
    so nothing disappears from the legend unnoticed.

    Parameters
    ----------
    gdf : GeoDataFrame
    column : str
        The class of each row.
    colours, labels : mapping of str to str
        Colour and legend label of each class (a class without a label is listed by its value).
    title, legend_title : str
    **extras
        :class:`MapExtras`: ``boundary`` (GeoDataFrame, drawn as 镇界), ``points`` and ``point_label``
        (a point layer and the column whose text is written at each point), ``ax`` (draw into this
        axis) and ``figsize`` (default ``(11, 9)``).
    """
    reject_unknown_keywords("category_map", extras, MapExtras.__optional_keys__)
    fig, ax = new_axes(extras.get("figsize", (11, 9)), ax=extras.get("ax"))
    values = gdf[column].astype("string").fillna("<NA>")
    present = [c for c in colours if (values == c).any()]
    present += sorted(set(values.unique()) - set(colours))
    handles = []
    for cls in present:
        colour = colours.get(cls, "#bbbbbb")
        part = gdf[(values == cls).to_numpy()]
        draw_polygons(ax, part.geometry, facecolor=colour, edgecolor="#666666", linewidth=0.05)
        handles.append(Patch(facecolor=colour, edgecolor="#666666", label=labels.get(cls, cls)))
    boundary = extras.get("boundary")
    if boundary is not None:
        boundary.boundary.plot(ax=ax, color="black", linewidth=1.2)
        handles.append(Patch(facecolor="none", edgecolor="black", label="镇界"))
    points, point_label = extras.get("points"), extras.get("point_label")
    if points is not None and point_label is not None:
        for geom, text in zip(points.geometry, points[point_label], strict=True):
            ax.annotate(str(text), (geom.x, geom.y), fontsize=6.5, ha="center", va="center",
                        color="#222222")
    crs = gdf.crs.to_string() if gdf.crs is not None else None
    finish_map(ax, title=title, legend_handles=handles, legend_title=legend_title, crs_label=crs)
    return fig
