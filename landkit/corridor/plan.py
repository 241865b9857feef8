"""The tourism corridor question end to end: which route, in which order, through which land.

:class:`TourismCorridor` ties the pieces together on a town: the resistance surface
(:mod:`~landkit.corridor.resistance`), least-cost paths among the sites
(:mod:`~landkit.corridor.costdist`, :mod:`~landkit.corridor.routes`), corridor bands, the riverside
route, and the land take of each route (:mod:`~landkit.corridor.result`).

Corridor band (Linkage Mapper)
------------------------------
With accumulated costs :math:`A_a, A_b` from sites :math:`a, b` and their least-cost distance
:math:`D_{ab}`, the normalised corridor value of a cell is :math:`A_a(v) + A_b(v) - D_{ab}` (0 on the
least-cost path); the band is :math:`\\{v : A_a(v) + A_b(v) - D_{ab} \\le \\sigma D_{ab}\\}` with the
slack :math:`\\sigma` = ``corridor.band_slack``, as a polygon in the town CRS.

Riverside corridor
------------------
A route along the 祊河 south bank: the search is confined to a band of width ``corridor.riverside_band_width``
south of the water; the river itself, the levee body (``corridor.levee_body_width``) and 永久基本农田 are
barriers (tributaries are crossed by footbridges at the resistance of water land). Where barriers cut
the band, the route follows its longest connected stretch (by east–west span, reported in the
surface's notes) and joins that stretch's west and east ends by least cost.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import shapely
from rasterio.features import shapes
from scipy import ndimage

from landkit._errors import Problem, ValidationError
from landkit.corridor.costdist import cost_distance
from landkit.corridor.resistance import ResistanceSurface, resistance_surface
from landkit.corridor.result import Route, build_route, plot_routes
from landkit.corridor.routes import PairwisePaths, RouteChoice, best_order, orienteering, pairwise_paths
from landkit.town import Town

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.figure import Figure


#: Barriers of every route: rivers (crossed on bridges where roads exist), the railway, the town's edge.
DEFAULT_BARRIERS: tuple[str, ...] = ("water", "railway", "outside_town")
#: Protected land, a barrier unless a scenario allows crossing it (``protected="allow"``).
PROTECTED_BARRIERS: tuple[str, ...] = ("basic_farmland", "ecology")
PROTECTED_LAYERS: dict[str, str] = {"YJJBNTBHTB": "永久基本农田", "STBHHX": "生态保护红线"}


def _exclude_parcels(surf: ResistanceSurface, town: Town, excluded: list[str]) -> ResistanceSurface:
    """The surface with parcels another model took as barriers, wide enough that no route's land take
    reaches them: each parcel grown by half the design width plus half the longest move (a knight's, √5
    cells), every touched cell a barrier. A point of a route lies within that half move of a passable cell's
    centre, which lies beyond the grown parcel, so the route's strip stays off the parcel."""
    taken = town.parcels.loc[town.parcels.index.astype(str).isin(excluded)]
    reach = float(town.params["corridor.design_width"]) / 2 + surf.cellsize * np.sqrt(5) / 2
    mask = surf.rasterize(taken.geometry.buffer(reach).to_numpy(), all_touched=True).astype(bool)
    return surf.with_barrier(mask, note=f"{len(taken)} parcels taken by other models are barriers "
                                        f"(with {reach:.0f} m around them, so no land take reaches them)")


def _sites_in_protected(town: Town, pts: gpd.GeoDataFrame) -> list[Problem]:
    """A problem for each site inside a protected layer (unreachable while protected land is a barrier)."""
    out = []
    for key, label in PROTECTED_LAYERS.items():
        layer = town.layers.get(key)
        if layer is None or not len(layer):
            continue
        shape = layer.to_crs(pts.crs).union_all() if layer.crs != pts.crs else layer.union_all()
        for name, geom in zip(pts["name"], pts.geometry, strict=True):
            if shape.contains(geom):
                out.append(Problem(f"site {name}", f"lies inside {label} ({key}), which a route may not enter by "
                                   "default", "allow crossing with protected='allow' (scenario: models.corridor."
                                   "protected: allow); every crossing is then reported in metres and 亩", "protected"))
    return out


@dataclass
class TourismCorridor:
    """Route choice for the 文化旅游大动脉 on one town.

    Build with :meth:`from_town`; then :meth:`best_order`, :meth:`route`, :meth:`orienteering`,
    :meth:`band`, :meth:`riverside`, :meth:`compare`, :meth:`plot`.

    Attributes
    ----------
    town : landkit.Town
    surface : ResistanceSurface
    sites : GeoDataFrame
        The sites with their snapped cells (``row``, ``col``, ``snap_m``).
    pairs : PairwisePaths
    lengths_m, build_cost_wan_yuan : DataFrame
        Length and construction cost of the least-cost segment of every pair.
    neighbours : int
    """

    town: Town
    surface: ResistanceSurface
    sites: gpd.GeoDataFrame
    pairs: PairwisePaths
    neighbours: int = 8
    protected: str = "barrier"
    _segments: dict[tuple[str, str], Route] = field(default_factory=dict, repr=False)

    @classmethod
    def from_town(cls, town: Town, *, sites: str | gpd.GeoDataFrame = "sites", neighbours: int = 8,
                  surface: ResistanceSurface | None = None, weights: Mapping[str, float] | None = None,
                  protected: Literal["barrier", "allow"] = "barrier", exclude_parcels: Iterable[str] = (),
                  ) -> TourismCorridor:
        """Resistance surface, snapped sites and the least-cost paths among all of them.

        Parameters
        ----------
        town : landkit.Town
        sites : str or GeoDataFrame
            Layer name (default ``"sites"``) or points with a ``name`` column.
        neighbours : {8, 16}
        surface : ResistanceSurface, optional
            A surface built elsewhere (default :func:`resistance_surface` of the town).
        weights : mapping, optional
            Factor weights for the default surface.
        protected : {"barrier", "allow"}
            永久基本农田 (``YJJBNTBHTB``) and 生态保护红线 (``STBHHX``): ``"barrier"`` (default) — no
            route enters them; ``"allow"`` — a route may cross them at the resistance the parameters
            state inside them (``corridor.basic_farmland_resistance``, ``corridor.ecology_resistance``),
            and every crossing is reported (:meth:`Route.protected_crossings`, in metres and 亩 per
            layer). A site inside a protected layer can only be reached with ``"allow"``; the error
            says so.
        exclude_parcels : iterable of str
            Parcels (BSM) another model of the scenario takes (e.g. a park site): barriers.
        """
        if protected not in ("barrier", "allow"):
            raise ValidationError("TourismCorridor", [Problem("protected", f"is {protected!r}",
                                                              "'barrier' or 'allow'", "value")])
        pts = town.layer(sites) if isinstance(sites, str) else sites
        problems = []
        if "name" not in pts.columns:
            problems.append(Problem("sites", "has no column 'name'", "name each site", "missing_column"))
        elif pts["name"].duplicated().any():
            problems.append(Problem("sites", f"duplicate names {sorted(pts['name'][pts['name'].duplicated()])}",
                                    "make names unique", "duplicate"))
        if len(pts) < 2:
            problems.append(Problem("sites", f"has {len(pts)} point(s); a route needs at least 2", "", "value"))
        if protected == "barrier":
            problems += _sites_in_protected(town, pts)
        if problems:
            raise ValidationError("TourismCorridor", problems)
        barriers = DEFAULT_BARRIERS + (PROTECTED_BARRIERS if protected == "barrier" else ())
        surf = surface if surface is not None else resistance_surface(town, weights=weights, barriers=barriers)
        excluded = [str(b) for b in exclude_parcels]
        if excluded:
            surf = _exclude_parcels(surf, town, excluded)
        pts = pts.to_crs(surf.crs) if pts.crs != surf.crs else pts
        cells = [surf.snap_cell(g.x, g.y, name=f"site {n}") for g, n in zip(pts.geometry, pts["name"], strict=True)]
        out = pts.copy()
        out["row"] = [c[0] for c in cells]
        out["col"] = [c[1] for c in cells]
        cx, cy = surf.xy_of(out["row"], out["col"])
        out["snap_m"] = np.hypot(cx - pts.geometry.x.to_numpy(), cy - pts.geometry.y.to_numpy())
        pairs = pairwise_paths(surf.values, cells, list(out["name"]), cellsize=surf.cellsize, neighbours=neighbours)
        return cls(town=town, surface=surf, sites=out, pairs=pairs, neighbours=neighbours, protected=protected)

    # ------------------------------------------------------------------ segments
    @property
    def names(self) -> list[str]:
        """Site names."""
        return list(self.pairs.names)

    def _segment(self, a: str, b: str) -> Route:
        if (a, b) not in self._segments:
            self._segments[(a, b)] = build_route(
                f"{a}→{b}", self.surface, [(f"{a}→{b}", self.pairs.path(a, b))], self.town,
                width_m=self.width_m, year=self.year, accumulated=[float(self.pairs.cost.at[a, b])], corridor=self)
        return self._segments[(a, b)]

    @property
    def width_m(self) -> float:
        """Design width (``corridor.design_width``, m)."""
        return float(self.town.params["corridor.design_width"])

    @property
    def year(self) -> int:
        """Construction year: the first plan year (``town.plan_years``)."""
        return int(self.town.params["town.plan_years"][0])

    def matrix(self, what: str = "resistance") -> pd.DataFrame:
        """Segment weights between all sites: ``"resistance"``, ``"length_m"`` or ``"build_cost_wan_yuan"``."""
        if what == "resistance":
            return self.pairs.cost.copy()
        if what not in ("length_m", "build_cost_wan_yuan"):
            raise ValidationError("matrix", [Problem("what", f"is {what!r}", "choose 'resistance', 'length_m' or "
                                                     "'build_cost_wan_yuan'", "value")])
        names = self.names
        out = pd.DataFrame(0.0, index=names, columns=names)
        for a in names:
            for b in names:
                if a != b:
                    out.at[a, b] = float(self._segment(a, b).segments[what].iloc[0])
        return out

    # ------------------------------------------------------------------ route choice
    def best_order(self, *, by: str = "resistance", start: str | None = None, end: str | None = None,
                   **solve_kw: Any) -> RouteChoice:
        """The order visiting every site at least total ``by`` (a path TSP, exact MILP)."""
        return best_order(self.matrix(by), start=start, end=end, **solve_kw)

    def orienteering(self, budget: float, *, by: str = "length_m", scores: Mapping[str, float] | None = None,
                     start: str | None = None, **solve_kw: Any) -> RouteChoice:
        """Which sites to join within a ``budget`` of ``by`` (m or 万元) to maximise attraction."""
        sc = dict(scores) if scores is not None else dict(self.town.params["corridor.site_scores"])
        return orienteering(self.matrix(by), sc, budget, start=start, **solve_kw)

    def route(self, order: Sequence[str] | RouteChoice, *, name: str | None = None) -> Route:
        """The route through ``order`` (site names or a :class:`RouteChoice`), segment by segment."""
        seq = list(order.order if isinstance(order, RouteChoice) else order)
        unknown = [s for s in seq if s not in self.names]
        if unknown or len(seq) < 2:
            raise ValidationError("route", [Problem("order", f"{seq}: unknown sites {unknown}" if unknown else
                                                    f"{seq} has fewer than 2 sites", f"sites are {self.names}",
                                                    "value")])
        stops = [(f"{a}→{b}", self.pairs.path(a, b)) for a, b in itertools.pairwise(seq)]
        acc = [float(self.pairs.cost.at[a, b]) for a, b in itertools.pairwise(seq)]
        return build_route(name or "—".join(seq), self.surface, stops, self.town, width_m=self.width_m,
                           year=self.year, accumulated=acc, corridor=self)

    # ------------------------------------------------------------------ corridors
    def band(self, a: str, b: str, *, slack: float | None = None) -> shapely.Geometry:
        """The Linkage-Mapper corridor band between sites ``a`` and ``b`` (see the module docstring)."""
        sig = float(self.town.params["corridor.band_slack"]) if slack is None else float(slack)
        if sig < 0:
            raise ValidationError("band", [Problem("slack", f"is {sig}; give a share ≥ 0", "", "value")])
        ca, cb = (self.sites.set_index("name").loc[s, ["row", "col"]].to_numpy(dtype=int) for s in (a, b))
        s = self.surface
        acc_a = cost_distance(s.values, [ca], cellsize=s.cellsize, neighbours=self.neighbours).accumulated
        acc_b = cost_distance(s.values, [cb], cellsize=s.cellsize, neighbours=self.neighbours).accumulated
        lcd = float(acc_a[tuple(cb)])
        inside = (acc_a + acc_b - lcd) <= sig * lcd
        polys = [shapely.geometry.shape(g) for g, v in shapes(inside.astype("uint8"), mask=inside,
                                                             transform=s.transform) if v == 1]
        return shapely.union_all(polys)

    def riverside(self, *, river: str = "祊河", band_width_m: float | None = None, name: str | None = None) -> Route:
        """The ecological leisure route along the river's south bank, off the levee and basic farmland."""
        town = self.town
        par = town.params
        width = float(par["corridor.riverside_band_width"]) if band_width_m is None else float(band_width_m)
        rivers = town.layer("river")
        line = rivers[rivers["name"] == river]
        if line.empty:
            raise ValidationError("riverside", [Problem("river", f"{river!r} is not in layer river",
                                                        f"rivers: {sorted(rivers['name'])}", "value")])
        geom: shapely.Geometry = shapely.line_merge(shapely.union_all(np.asarray(line.geometry.values)))
        if "XZQ" in town.layers:
            geom = shapely.intersection(geom, shapely.union_all(np.asarray(town.layer("XZQ").geometry.values)))
        water = town.layers.get("river_area")
        water_geom = (shapely.union_all(np.asarray(water[water["name"] == river].geometry.values))
                      if water is not None and (water["name"] == river).any() else shapely.buffer(geom, 15.0))
        near = shapely.buffer(water_geom, width)
        # the named river is a barrier; tributaries are crossed by footbridges (resistance of water land)
        surf = resistance_surface(town, barriers=("railway", "levee", "basic_farmland", "outside_town"))
        river_mask = surf.rasterize([water_geom, geom], all_touched=True).astype(bool)
        rows, cols = np.indices(surf.shape)
        x, y = surf.xy_of(rows.ravel(), cols.ravel())
        xs = np.asarray(shapely.get_coordinates(geom))
        order = np.argsort(xs[:, 0])
        river_y = np.interp(x, xs[order, 0], xs[order, 1], left=np.nan, right=np.nan)
        south = ((y < river_y) & shapely.contains_xy(near, x, y)).reshape(surf.shape) & ~river_mask
        surf = surf.with_barrier(~south, note=f"confined to {width:g} m south of {river}")
        ok = np.isfinite(surf.values)
        if ok.sum() < 2:
            raise ValidationError("riverside", [Problem(river, "no passable cell south of the river",
                                                        "widen band_width_m or relax barriers", "empty")])
        # 永久基本农田 may cut the band: follow the longest connected stretch (by east–west span)

        lab, n = ndimage.label(ok, structure=np.ones((3, 3), bool))
        spans = ndimage.maximum(cols, lab, index=np.arange(1, n + 1)) - ndimage.minimum(cols, lab,
                                                                                         index=np.arange(1, n + 1))
        keep = int(np.argmax(spans)) + 1
        cells = np.argwhere(lab == keep)
        west, east = cells[np.argmin(cells[:, 1])], cells[np.argmax(cells[:, 1])]
        cd = cost_distance(surf.values, [west], cellsize=surf.cellsize, neighbours=self.neighbours, targets=[east])
        covered = float(np.ptp(cells[:, 1]) * surf.cellsize)
        total = float(np.ptp(xs[:, 0]))
        surf.notes.append(f"the band is cut into {n} stretch(es) by barriers; the route follows the longest, "
                          f"{covered / 1000:.1f} km of the river's {total / 1000:.1f} km east–west extent")
        label = f"{river}南岸西端→{river}南岸东端"
        return build_route(name or f"{river}南岸生态休闲廊道", surf, [(label, cd.path(east))], town,
                           width_m=self.width_m, year=self.year, accumulated=[float(cd.accumulated[tuple(east)])],
                           corridor=self)

    # ------------------------------------------------------------------ reporting
    def compare(self, routes: Mapping[str, Route] | Sequence[Route]) -> pd.DataFrame:
        """Alternatives side by side: length, cost, land take, farmland, households."""
        items = routes.values() if isinstance(routes, Mapping) else routes
        return pd.DataFrame([r.summary() for r in items]).set_index("线路")

    def plot(self, routes: Mapping[str, Route] | None = None, *, bands: Mapping[str, Any] | None = None,
             title: str = "文化旅游大动脉：阻力面、节点与备选线路", ax: Any = None) -> Figure:
        """Map of the resistance surface with the sites and ``routes``: legend, scale bar, north arrow."""
        return plot_routes(self.surface, routes=routes or {}, sites=self.sites, boundary=self.town.layers.get("XZQ"),
                           bands=bands, ax=ax, title=title)
