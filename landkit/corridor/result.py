"""Routes as tables and maps: segments, land use crossed, land take, farmland occupied, acquisition.

Land take at a design width :math:`W`: the route :math:`L` is buffered to :math:`L \\oplus W/2`
(flat ends) and intersected with the parcels. For parcel :math:`p` the take is
:math:`a_p = |p \\cap (L \\oplus W/2)|`; farmland occupied is :math:`\\sum_{p\\,\\text{farmland}} a_p`
(亩), paddy :math:`\\sum_{p\\,\\text{paddy}} a_p`, grain capacity :math:`\\sum_p a_p\\, k(g_p)` with the
per-亩 capacity :math:`k` of the parcel's 等别 :math:`g_p` (``farmland.capacity_by_grade``).
Households affected on parcel :math:`p` are :math:`\\lceil n_p\\, a_p / |p| \\rceil` (its households in
proportion to the share of its area taken, rounded up: a house cut by the road is moved).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from landkit.landuse import GROUP_LABELS
from landkit.plot import finish_map, new_axes
from landkit.town import Town
from landkit.units import m2_to_mu

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    # both import this module: a runtime import would be a cycle
    from landkit.corridor.plan import TourismCorridor
    from landkit.corridor.resistance import ResistanceSurface

ROUTE_COLOURS = ("#d7191c", "#2c7bb6", "#1a9641", "#7b3294", "#ff7f00")


def cells_to_line(surface: ResistanceSurface, cells: np.ndarray) -> shapely.LineString:
    """A cell path (row, col) as a LineString through the cell centres, in the town CRS."""
    x, y = surface.xy_of(cells[:, 0], cells[:, 1])
    if len(x) == 1:
        x, y = np.r_[x, x], np.r_[y, y]
    return shapely.LineString(np.column_stack([x, y]))


def _crossed(line: shapely.LineString, parcels: gpd.GeoDataFrame) -> pd.Series:
    """Metres of ``line`` inside each land-use group."""
    geoms = np.asarray(parcels.geometry.values)
    idx = shapely.STRtree(geoms).query(line, predicate="intersects")
    lengths = shapely.length(shapely.intersection(geoms[idx], line))
    return pd.Series(lengths, index=parcels["landuse_group"].to_numpy()[idx]).groupby(level=0).sum()


@dataclass
class Route:
    """A route: its segments (GeoDataFrame) and the town it runs through.

    Attributes
    ----------
    name : str
    segments : GeoDataFrame
        One row per segment: ``segment, from_site, to_site, length_m, on_road_m, new_road_m,
        resistance_cost, build_cost_wan_yuan, landuse_crossed`` and a LineString ``geometry``.
    town : landkit.Town
    width_m : float
        Design width of the land take.
    year : int
        Year of construction (for the farmland ledger).
    surface : ResistanceSurface or None
        The surface the route was searched on (its notes say what was assumed).
    corridor : TourismCorridor or None
        The corridor the route was chosen in (its sites and surface draw the route's map), if any.
    """

    name: str
    segments: gpd.GeoDataFrame
    town: Town
    width_m: float
    year: int
    surface: ResistanceSurface | None = field(default=None, repr=False, compare=False)
    corridor: TourismCorridor | None = field(default=None, repr=False, compare=False)

    @property
    def length_m(self) -> float:
        """Total length (m)."""
        return float(self.segments["length_m"].sum())

    @property
    def build_cost_wan_yuan(self) -> float:
        """Construction cost (万元): new road where none exists, upgrade where one does."""
        return float(self.segments["build_cost_wan_yuan"].sum())

    def footprint(self) -> shapely.Geometry:
        """The land take polygon: the route buffered by half the design width (flat ends)."""
        line = shapely.union_all(np.asarray(self.segments.geometry.values))
        return shapely.buffer(line, self.width_m / 2, cap_style="flat")

    def parcels_taken(self) -> pd.DataFrame:
        """Every parcel the land take touches, with the area taken (m², 亩) and its attributes."""
        parcels = self.town.parcels
        foot = self.footprint()
        geoms = np.asarray(parcels.geometry.values)
        idx = shapely.STRtree(geoms).query(foot, predicate="intersects")
        area = shapely.area(shapely.intersection(geoms[idx], foot))
        sub = parcels.iloc[idx]
        keep = area >= 1.0  # a touch along an edge is not a take
        sub, area = sub[keep], area[keep]
        cap = np.asarray(self.town.params["farmland.capacity_by_grade"], dtype=float)
        grade = sub["farmland_grade"].to_numpy(dtype=float)
        gi = np.clip(np.nan_to_num(grade, nan=len(cap)).astype(int), 1, len(cap)) - 1
        farm = sub["is_farmland"].to_numpy(dtype=bool)
        paddy = sub["is_paddy"].to_numpy(dtype=bool)
        taken_mu = m2_to_mu(area)
        share = np.minimum(area / sub["area_m2"].to_numpy(), 1.0)
        households = np.ceil(sub["households"].to_numpy() * share - 1e-9).clip(min=0).astype(int)
        return pd.DataFrame({
            "BSM": sub.index.to_numpy(), "village": sub.get("ZLDWMC", pd.Series("", index=sub.index)).to_numpy(),
            "landuse_group": sub["landuse_group"].to_numpy(), "ownership": sub["ownership"].to_numpy(),
            "taken_m2": area, "taken_mu": taken_mu, "households": households,
            "farmland_mu": np.where(farm, taken_mu, 0.0), "paddy_mu": np.where(paddy, taken_mu, 0.0),
            "capacity_kg": np.where(farm, taken_mu * cap[gi], 0.0),
        }).sort_values("taken_m2", ascending=False).reset_index(drop=True)

    def protected_crossings(self) -> pd.DataFrame:
        """Where the route crosses protected land: per layer, metres of route and 亩 of land take.

        Columns ``layer, name, length_m, area_mu``: one row for 永久基本农田 (``YJJBNTBHTB``) and one
        for 生态保护红线 (``STBHHX``), those the town has, zeros where the route stays out. A take of
        永久基本农田 needs 补划 (re-designation) besides the 占补平衡 balance.
        """
        foot = self.footprint()
        line = shapely.union_all(np.asarray(self.segments.geometry.values))
        rows = []
        for key, label in (("YJJBNTBHTB", "永久基本农田"), ("STBHHX", "生态保护红线")):
            layer = self.town.layers.get(key)
            if layer is None:
                continue
            shape = shapely.union_all(np.asarray(layer.geometry.values)) if len(layer) else shapely.Polygon()
            rows.append({"layer": key, "name": label,
                         "length_m": round(float(shapely.length(shapely.intersection(line, shape))), 1),
                         "area_mu": round(float(m2_to_mu(shapely.area(shapely.intersection(foot, shape)))), 2)})
        return pd.DataFrame(rows, columns=["layer", "name", "length_m", "area_mu"])

    def occupations(self) -> pd.DataFrame:
        """Farmland occupied, one row per parcel, for the 占补平衡 ledger (as ``ReserveResult.occupations``)."""
        t = self.parcels_taken()
        t = t[t["farmland_mu"] > 0]
        return pd.DataFrame({"source": "corridor", "parcel": t["BSM"].to_numpy(), "year": self.year,
                             "area_mu": t["farmland_mu"].to_numpy(), "paddy_mu": t["paddy_mu"].to_numpy(),
                             "capacity_kg": t["capacity_kg"].to_numpy()})

    def acquisition_table(self) -> pd.DataFrame:
        """Land the reserve centre must acquire (征收 collective / 收回 state), in its office's headings."""
        t = self.parcels_taken()
        t = t[t["landuse_group"] != "transport"]  # existing roads are already public land
        way = np.where(t["ownership"].astype("string").fillna("") == "state", "收回", "征收")
        return pd.DataFrame({
            "地块编号": t["BSM"].to_numpy(), "坐落": t["village"].to_numpy(),
            "现状地类": [GROUP_LABELS.get(g, g) for g in t["landuse_group"]],
            "占用面积(亩)": t["taken_mu"].round(3).to_numpy(), "储备方式": way,
            "涉及户数": t["households"].to_numpy(), "占用耕地(亩)": t["farmland_mu"].round(3).to_numpy(),
        })

    def summary(self) -> dict[str, str | float]:
        """Headline figures: length (and the planned length ``corridor.artery_length``), cost, land take,
        farmland, households."""
        t = self.parcels_taken()
        planned = float(self.town.params["corridor.artery_length"])
        return {
            "线路": self.name, "长度(km)": round(self.length_m / 1000, 2), "规划长度(km)": planned,
            "长度/规划长度": round(self.length_m / 1000 / planned, 3) if planned > 0 else float("nan"),
            "利用现有道路(km)": round(float(self.segments["on_road_m"].sum()) / 1000, 2),
            "建设费用(万元)": round(self.build_cost_wan_yuan, 1),
            "累积阻力": round(float(self.segments["resistance_cost"].sum()), 0),
            "占地(亩)": round(float(t["taken_mu"].sum()), 2),
            "占用耕地(亩)": round(float(t["farmland_mu"].sum()), 2),
            "其中水田(亩)": round(float(t["paddy_mu"].sum()), 2),
            "占用产能(公斤)": round(float(t["capacity_kg"].sum()), 1),
            "涉及地块": len(t), "涉及户数": int(t["households"].sum()),
        }

    def table(self) -> pd.DataFrame:
        """The segments with Chinese headings and units (no geometry)."""
        s = self.segments
        return pd.DataFrame({
            "段": s["segment"], "起点": s["from_site"], "终点": s["to_site"],
            "长度(m)": s["length_m"].round(0), "利用现有道路(m)": s["on_road_m"].round(0),
            "新建(m)": s["new_road_m"].round(0), "累积阻力": s["resistance_cost"].round(0),
            "建设费用(万元)": s["build_cost_wan_yuan"].round(1), "穿越地类": s["landuse_crossed"],
        })


def build_route(name: str, surface: ResistanceSurface, stops: list[tuple[str, np.ndarray]], town: Town, *,
                width_m: float, year: int, accumulated: list[float], corridor: TourismCorridor | None = None
                ) -> Route:
    """A :class:`Route` from consecutive cell paths: ``stops`` = [(label "A→B", cells), ...], searched on
    ``surface`` (in ``corridor``, when given)."""
    par = town.params
    build = float(par["corridor.road_build_cost"])
    upgrade = float(par["corridor.road_upgrade_cost"])
    rows, geoms = [], []
    for k, ((label, cells), acc) in enumerate(zip(stops, accumulated, strict=True), start=1):
        line = cells_to_line(surface, cells)
        a, b = label.split("→")
        # length on road: the moves whose both end cells are on a road
        steps = np.hypot(*np.diff(cells, axis=0).T) * surface.cellsize if len(cells) > 1 else np.zeros(0)
        road = surface.on_road[cells[:, 0], cells[:, 1]] if surface.on_road is not None else np.zeros(len(cells), bool)
        on_road = float(steps[road[:-1] & road[1:]].sum()) if len(steps) else 0.0
        length = float(line.length)
        crossed = _crossed(line, town.parcels).sort_values(ascending=False)
        text = "，".join(f"{GROUP_LABELS.get(g, g)} {v / 1000:.2f} km" for g, v in crossed.items() if v >= 1)
        rows.append({"segment": k, "from_site": a, "to_site": b, "length_m": length, "on_road_m": on_road,
                     "new_road_m": max(length - on_road, 0.0), "resistance_cost": float(acc),
                     "build_cost_wan_yuan": (on_road * upgrade + max(length - on_road, 0.0) * build) / 1000.0,
                     "landuse_crossed": text})
        geoms.append(line)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=surface.crs)
    return Route(name, gdf, town, float(width_m), int(year), surface=surface, corridor=corridor)


def plot_routes(surface: ResistanceSurface, *, routes: Mapping[str, Any], sites: gpd.GeoDataFrame | None = None,
                boundary: gpd.GeoDataFrame | None = None, bands: Mapping[str, Any] | None = None, ax: Any = None,
                title: str = "最小累积阻力面与线路", figsize: tuple[float, float] = (11, 9)) -> Figure:
    """The resistance surface (barriers white) with routes, corridor bands and sites; legend, scale, north."""
    fig, ax = new_axes(figsize, ax=ax)
    nrows, ncols = surface.shape
    t = surface.transform
    extent = (t.c, t.c + t.a * ncols, t.f + t.e * nrows, t.f)
    shown = np.ma.masked_invalid(np.where(np.isfinite(surface.values), surface.values, np.nan))
    im = ax.imshow(shown, extent=extent, cmap="YlOrBr", interpolation="nearest", origin="upper")
    fig.colorbar(im, ax=ax, shrink=0.6, label="阻力值 (白色为障碍)")
    handles: list[Any] = []
    for k, (label, band) in enumerate((bands or {}).items()):
        gpd.GeoSeries([band], crs=surface.crs).plot(ax=ax, color="#9ecae1", alpha=0.5, edgecolor="#3182bd")
        handles.append(Patch(facecolor="#9ecae1", edgecolor="#3182bd", alpha=0.5, label=label))
        del k
    for k, (label, route) in enumerate(routes.items()):
        seg = route.segments if hasattr(route, "segments") else route
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        seg.plot(ax=ax, color=colour, linewidth=2.2)
        handles.append(Line2D([], [], color=colour, lw=2.2, label=label))
    if boundary is not None:
        boundary.boundary.plot(ax=ax, color="black", linewidth=1.0)
        handles.append(Patch(facecolor="none", edgecolor="black", label="镇界"))
    if sites is not None and len(sites):
        ax.scatter(sites.geometry.x, sites.geometry.y, marker="*", s=160, color="#e31a1c", edgecolor="black",
                   zorder=5)
        for g, n in zip(sites.geometry, sites["name"], strict=True):
            ax.annotate(str(n), (g.x, g.y), xytext=(5, 5), textcoords="offset points", fontsize=9, zorder=6)
        handles.append(Line2D([], [], marker="*", color="#e31a1c", markeredgecolor="black", lw=0, markersize=12,
                              label="旅游节点"))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    finish_map(ax, title=title, legend_handles=handles, legend_title="图例",
               crs_label=surface.crs.to_string() if surface.crs is not None else None)
    return fig
