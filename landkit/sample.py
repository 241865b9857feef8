"""The bundled sample town (``data/tanyi``) and larger synthetic towns for benchmarks.

:func:`generate_sample` builds a deterministic, plausible 探沂镇 in EPSG:4548 around the real town
seat (x = 603,976, y = 3,897,983) and writes ``tanyi.gpkg`` and ``dem.tif`` (layers and columns as
in ``docs/DESIGN.md``). The data are synthetic: the seat, the directions and the sizes come from
DOMAIN.md (祊河 west→east with a levee on its south bank; the 2002 industrial zone of 6,000 亩
east of the seat between G327 and the river; the 3.05 km² chemical-park candidate south-west of the
seat; the 1,060 亩 wood-industry zone south of the 兖石铁路 and east of S229; the five tourism sites
along ~30 km of the southern hills; the 南阳 villages). Everything else is placed by rules from a
seeded random generator, so one seed always gives the same town.

How the town is built:

1. a hand-drawn boundary roughened by seeded midpoint displacement; rivers, roads, railway;
2. a 30 m DEM: a valley floor rising from the 祊河 bed (88.6 m → 84.4 m west to east, the lower
   half of the county's 98.9 m → 81.1 m) and southern hills up to 400 m;
3. villages: fixed special ones (南阳, 城中村, site villages) and random ones with a minimum spacing;
4. parcels: a Voronoi tessellation of jittered seed points (denser at the seat and in villages)
   whose edges are noded on a 1 cm grid together with the river, road and railway strips, then
   polygonised, so parcels tile the boundary exactly and neighbours share identical edges;
5. land use by location (seat, zones, village clusters, hills, river banks, plains) and the 三调
   attributes (:func:`_dltb_frame`, shared with :func:`synthetic_parcels`);
6. zoning (城镇开发边界, 永久基本农田, 生态保护红线, 饮用水水源保护区) and context layers.

Regenerate the committed files with ``python -m landkit.sample data/tanyi``.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import Affine
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree
from shapely import affinity

from landkit import __version__
from landkit._errors import ArgumentError
from landkit.atomic import atomic_path
from landkit.landuse import CONSTRUCTION_PATTERN, DLBM_NAMES, FARMLAND_CODES
from landkit.town import Town
from landkit.units import M2_PER_MU

__all__ = [
    "DEFAULT_SEED",
    "DLTB_COLUMNS",
    "SAMPLE_LAYERS",
    "build_sample",
    "generate_sample",
    "synthetic_parcels",
    "synthetic_town",
    "write_synthetic",
]

CRS = "EPSG:4548"
#: The town seat in EPSG:4548 (metres).
SEAT_XY = (603976.0, 3897983.0)
DEFAULT_SEED = 20190101
COUNTY_CODE = "371325"  # 费县
TOWN_CODE = "371325102"  # 探沂镇
TOWN_NAME = "探沂镇"
STATE_OWNER_CODE = COUNTY_CODE + "0" * 13
STATE_OWNER_NAME = "费县人民政府"

#: Layers of ``tanyi.gpkg``, in the order they are written.
SAMPLE_LAYERS: tuple[str, ...] = (
    "DLTB", "XZQ", "CZKFBJ", "YJJBNTBHTB", "STBHHX", "YYSYDBHQ", "agri_zone", "tianyuan", "river",
    "river_area", "levee", "roads", "railway", "villages", "sites", "seat", "industrial_zone", "chem_park_candidate",
    "wood_zone", "flood_zone", "schools", "GHYT",
)
#: Columns of the parcel layer (DLTB), in order (geometry last).
DLTB_COLUMNS: tuple[str, ...] = (
    "BSM", "DLBM", "DLMC", "QSXZ", "QSDWDM", "QSDWMC", "ZLDWDM", "ZLDWMC", "TBMJ", "KCDLBM", "KCXS",
    "KCMJ", "TBDLMJ", "GDLX", "GDPDJB", "GDDB", "CZCSXM", "households", "floor_area_m2",
)

GRID_M = 0.01  # every generated coordinate lies on a 1 cm grid
DEM_CELL_M = 30.0
DEM_NODATA = -9999.0
BED_WEST_M, BED_EAST_M = 88.6, 84.4  # 祊河 bed where it enters / leaves the town
HILL_TOP_M = 400.0
INDUSTRIAL_ZONE_M2 = 6000.0 * M2_PER_MU  # the 2002 zone, 6,000 亩
WOOD_ZONE_M2 = 1060.0 * M2_PER_MU  # wood-industry demonstration zone, 1,060 亩
CHEM_PARK_M2 = 3.05e6  # 费县粘合剂化工产业园, planned 3.05 km²
DEV_BOUNDARY_FACTOR = 1.3  # 城镇开发边界 ≈ 1.3 × existing urban construction land
HOMESTEAD_SHARE = 0.78  # share of a village cluster in homesteads (sets the cluster radius)
M2_PER_HOUSEHOLD = 330.0  # homestead land per household, within the 250–400 m² range
_EARTH_R = 6371000.0
_URBAN_CZCS = ("201", "202", "201A", "202A")


# ============================================================================ helpers
def _abs(pts_km: Any) -> np.ndarray:
    """Seat-relative kilometres -> EPSG:4548 metres."""
    return np.asarray(np.asarray(pts_km, dtype=float) * 1000.0 + np.asarray(SEAT_XY))


def _rel(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:4548 metres -> seat-relative kilometres."""
    return (np.asarray(x) - SEAT_XY[0]) / 1000.0, (np.asarray(y) - SEAT_XY[1]) / 1000.0


def _line(pts_km: Any) -> shapely.LineString:
    return shapely.LineString(_abs(pts_km))


def _chaikin(pts: Sequence[Sequence[float]], rounds: int = 3) -> np.ndarray:
    """Corner-cutting smoothing of an open polyline (end points kept)."""
    p = np.asarray(pts, dtype=float)
    for _ in range(rounds):
        mid = np.empty((2 * (len(p) - 1), 2))
        mid[0::2] = 0.75 * p[:-1] + 0.25 * p[1:]
        mid[1::2] = 0.25 * p[:-1] + 0.75 * p[1:]
        p = np.vstack([p[:1], mid, p[-1:]])
    return p


def _smoothstep(t: Any) -> np.ndarray:
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    return np.asarray(t * t * (3.0 - 2.0 * t))


def _polygons(geom: Any) -> np.ndarray:
    """The non-empty polygon parts of a geometry or array of geometries."""
    parts = shapely.get_parts(np.atleast_1d(np.asarray(geom, dtype=object)))
    return np.asarray(parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)])


def _clean(geom: Any, min_area_m2: float = 1.0) -> Any:
    """A valid (Multi)Polygon on the 1 cm grid without parts smaller than ``min_area_m2``."""
    parts = _polygons(shapely.set_precision(shapely.make_valid(geom), GRID_M))
    parts = parts[shapely.area(parts) >= min_area_m2]
    if len(parts) == 0:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts.tolist())


def _fit_area(make: Callable[[float], Any], lo: float, hi: float, target_m2: float) -> Any:
    """Bisect the parameter of ``make`` (area increasing in it) so the polygon has ``target_m2``."""
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        geom = make(mid)
        if abs(geom.area - target_m2) < 1e-5 * target_m2:
            return geom
        lo, hi = (mid, hi) if geom.area < target_m2 else (lo, mid)
    return make(0.5 * (lo + hi))


def _scale_to_area(poly: Any, target_m2: float) -> Any:
    f = math.sqrt(target_m2 / poly.area)
    return affinity.scale(poly, f, f, origin="centroid")


def _ellipsoid_factor(x_m: Any) -> np.ndarray:
    """Ellipsoidal / Gauss-Kruger planar area at easting ``x_m`` (false easting 500 km).

    The point scale factor is k = 1 + e²/2 + e⁴/24 with e = (x − 500 km)/R; areas scale by k², so
    the 三调 area on the ellipsoid is the planar area / k² (0.99974 at the seat, as pyproj.Geod).
    """
    e = (np.asarray(x_m, dtype=float) - 500000.0) / _EARTH_R
    k = 1.0 + e**2 / 2.0 + e**4 / 24.0
    return 1.0 / k**2


def _choose(rng: np.random.Generator, n: int, table: Mapping[str, float]) -> np.ndarray:
    """``n`` codes drawn from a ``{code: weight}`` table."""
    codes = np.array(list(table), dtype=object)
    p = np.array(list(table.values()), dtype=float)
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _side(line: shapely.LineString, side: str, far_m: float = 30000.0) -> Any:
    """The polygon on one side ('north', 'south', 'west', 'east') of a long, monotone line."""
    c = np.asarray(line.coords)
    if side in ("north", "south"):
        c = c[np.argsort(c[:, 0], kind="stable")]
        y = c[:, 1].max() + far_m if side == "north" else c[:, 1].min() - far_m
        ring = np.vstack([c, [[c[-1, 0], y], [c[0, 0], y]]])
    else:
        c = c[np.argsort(c[:, 1], kind="stable")]
        x = c[:, 0].max() + far_m if side == "east" else c[:, 0].min() - far_m
        ring = np.vstack([c, [[x, c[-1, 1]], [x, c[0, 1]]]])
    return shapely.make_valid(shapely.Polygon(ring))


def _frame(records: dict[str, Any], geometry: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry=list(np.atleast_1d(np.asarray(geometry, dtype=object))), crs=CRS)


# ============================================================================ geography
def _river_y(x_km: Any) -> np.ndarray:
    """The 祊河 centre line: y (km north of the seat) as a function of x (km east of it)."""
    x = np.asarray(x_km, dtype=float)
    return 1.0 + 0.07 * x + 0.22 * np.sin(2 * np.pi * x / 5.3 + 0.7) + 0.09 * np.sin(2 * np.pi * x / 1.9 + 1.9)


def _poly_y(pts: Sequence[tuple[float, float]], x_km: Any) -> np.ndarray:
    a = np.asarray(pts)
    return np.asarray(np.interp(x_km, a[:, 0], a[:, 1]))


_BOUNDARY_KM = [
    (-2.8, 1.95), (-1.0, 2.25), (1.5, 2.4), (3.8, 2.2), (5.1, 1.85), (6.1, 0.95), (6.25, -0.4),
    (6.45, -2.3), (5.8, -3.4), (5.2, -5.0), (4.75, -7.0), (3.85, -8.7), (2.2, -8.9), (1.3, -7.0),
    (0.6, -5.3), (-0.6, -6.0), (-1.4, -8.0), (-2.4, -9.05), (-3.9, -8.85), (-4.3, -7.0),
    (-4.35, -5.0), (-5.9, -3.6), (-6.7, -1.6), (-6.45, 0.75), (-4.6, 1.55),
]
BOUNDARY_AREA_M2 = 104.5e6  # the town's planar area (DOMAIN.md: ~106 km², an older figure)
_G327 = [(-9.0, -0.30), (-5.0, -0.22), (-2.0, -0.10), (0.0, -0.06), (2.5, -0.08), (5.0, -0.22), (9.0, -0.42)]
_RAIL = [(-9.0, -1.00), (-5.0, -1.12), (-2.0, -1.20), (0.0, -1.18), (2.5, -1.24), (5.0, -1.38), (9.0, -1.62)]
_S229 = [(-0.75, 3.8), (-0.62, 1.6), (-0.52, 0.3), (-0.48, -1.0), (-0.55, -2.2), (-0.95, -4.0),
         (-1.4, -6.0), (-1.7, -10.5)]
_GAOLIU = [(-4.5, 3.2), (-4.35, 1.0), (-4.3, -0.2), (-4.45, -1.5), (-4.8, -3.0), (-5.3, -4.7)]
_NANYANG_ROAD = [(1.0, -0.06), (1.9, -1.0), (2.7, -2.0), (3.15, -2.9), (3.45, -4.4), (3.3, -6.1)]

#: The five tourism sites (name, attraction, x km, y km), in the order of the planned 30 km
#: 文化旅游大动脉 (毛家河 → 岐山寺 → 巨龙山 → 凤凰山 → 龙王塘).
_SITES: list[tuple[str, str, float, float]] = [
    ("毛家河", "溪谷田园与古村落", -5.95, -1.2),
    ("岐山寺", "千年古刹与森林步道", -3.0, -8.0),
    ("巨龙山", "登山观景", 0.3, -3.0),
    ("凤凰山", "森林公园与龙凤山文化", 3.0, -8.0),
    ("龙王塘", "山塘水库与垂钓", 5.75, -1.5),
]

#: Fixed villages: name, households, x km, y km, 片区 ("" = derived from the location).
_SPECIAL_VILLAGES: list[tuple[str, int, float, float, str]] = [
    ("南阳村", 420, 3.25, -2.75, "南阳片区"),
    ("前南阳村", 300, 3.5, -3.55, "南阳片区"),
    ("后南阳村", 280, 3.0, -2.05, "南阳片区"),
    ("东南阳村", 260, 4.15, -2.85, "南阳片区"),
    ("西南阳村", 240, 2.45, -3.05, "南阳片区"),
    ("东探沂村", 350, 0.75, 0.3, "驻地片区"),
    ("西探沂村", 380, -1.35, 0.2, "驻地片区"),
    ("南探沂村", 300, -0.15, -0.75, "驻地片区"),
    ("石桥村", 160, -3.75, -1.85, ""),
    ("小官庄村", 140, -2.7, -2.45, ""),
    ("毛家河村", 220, -5.85, -2.2, ""),
    ("岐山村", 150, -2.45, -7.2, ""),
    ("龙王塘村", 200, 5.35, -2.4, ""),
    ("凤凰岭村", 140, 3.7, -7.2, ""),
    ("巨龙山村", 200, -0.1, -3.85, ""),
    ("高家庄村", 300, -4.0, 1.25, ""),
    ("刘家庄村", 240, -5.3, -3.5, ""),
]
_VILLAGE_NAMES = [
    "王家庄村", "李官庄村", "张家屯村", "陈家岭村", "杨家埠村", "赵家沟村", "孙家湖村", "周家楼村",
    "吴家河村", "徐家庄村", "朱家岭村", "马家埠村", "胡家屯村", "郭家沟村", "何家庄村", "林家河村",
    "罗家屯村", "梁家埠村", "宋家湖村", "唐家庄村", "韩家岭村", "冯家沟村", "于家庄村", "董家楼村",
    "程家屯村", "曹家河村", "袁家庄村", "许家岭村", "沈家埠村", "彭家庄村", "吕家沟村", "苏家屯村",
    "蒋家湖村", "蔡家庄村", "贾家河村", "丁家岭村", "魏家庄村", "薛家屯村", "石岭村", "河湾村",
    "柳沟村", "桃园村", "杏山村", "龙泉村", "青石村", "白庙村", "黄土崖村", "沙沟村", "杨树行村",
    "东岭村", "西岭村", "北官庄村", "新庄村", "芦湖村", "双河村", "河口村", "前湖村", "后湖村",
]
N_VILLAGES = 58

#: Strip parcels cut out of the tessellation: (line key, DLBM, width m), in order of precedence.
_STRIPS: list[tuple[str, str, float]] = [
    ("祊河", "1101", 130.0), ("涑河", "1101", 40.0), ("丰收河", "1101", 18.0), ("毛家河", "1101", 14.0),
    ("祊河南岸堤防", "1109", 14.0), ("兖石铁路", "1001", 30.0), ("G327", "1003", 32.0),
    ("S229", "1003", 26.0), ("高刘路", "1003", 16.0), ("南阳路", "1003", 14.0),
    ("北干渠", "1107", 8.0), ("东干渠", "1107", 8.0), ("西干渠", "1107", 8.0),
]
_RIVERS = ("祊河", "涑河", "丰收河", "毛家河")
_ROADS = (("G327", "national", 32.0), ("S229", "provincial", 26.0), ("高刘路", "county", 16.0),
          ("南阳路", "county", 14.0))
RURAL_ROAD_WIDTH_M = 6.0


def _boundary(rng: np.random.Generator) -> Any:
    """The town boundary: the hand-drawn outline roughened by seeded midpoint displacement."""
    pts = np.asarray(_BOUNDARY_KM, dtype=float)
    for level in range(3):
        nxt = []
        amp = 0.08 / (1.8**level)
        for a, b in zip(pts, np.roll(pts, -1, axis=0), strict=True):
            d = b - a
            nxt.extend([a, (a + b) / 2 + np.array([-d[1], d[0]]) * rng.normal(0.0, amp)])
        pts = np.asarray(nxt)
    poly = shapely.Polygon(pts * 1000.0)
    factor = math.sqrt(BOUNDARY_AREA_M2 / poly.area)
    poly = affinity.scale(poly, factor, factor, origin=(0.0, 0.0))
    poly = affinity.translate(poly, *SEAT_XY)
    parts = _polygons(_clean(poly))
    return parts[np.argmax(shapely.area(parts))]


def _lines() -> dict[str, Any]:
    """Centre lines (EPSG:4548) of rivers, levee, railway, roads and ditches; they run past the town."""
    xs = np.arange(-9.0, 9.0001, 0.05)
    r = _river_y
    out: dict[str, Any] = {
        "祊河": _line(np.column_stack([xs, r(xs)])),
        "涑河": _line(_chaikin([(-3.8, float(r(-3.8)) + 0.03), (-3.0, 1.55), (-1.5, 1.85), (0.5, 2.0),
                                 (2.5, 2.05), (4.5, 2.0), (6.5, 2.1), (8.0, 2.2)])),
        "丰收河": _line(_chaikin([(2.35, -5.6), (1.9, -3.6), (1.6, -2.2), (1.45, -1.0), (1.45, 0.2),
                                  (1.5, float(r(1.5)) - 0.03)])),
        "毛家河": _line(_chaikin([(-6.3, -4.2), (-6.0, -2.8), (-5.95, -1.5), (-5.8, -0.5),
                                  (-5.7, float(r(-5.7)) - 0.03)])),
        "兖石铁路": _line(_RAIL),
        "G327": _line(_G327),
        "S229": _line(_S229),
        "高刘路": _line(_GAOLIU),
        "南阳路": _line(_NANYANG_ROAD),
        "北干渠": _line([(-1.8, float(r(-1.8))), (-1.8, 2.3)]),
        "东干渠": _line([(2.2, float(r(2.2))), (2.2, 2.3)]),
        "西干渠": _line([(-6.2, -0.66), (-2.5, -0.72)]),
    }
    out["祊河南岸堤防"] = shapely.offset_curve(out["祊河"], -72.0, quad_segs=4)
    return out


def _zones(lines: dict[str, Any], boundary: Any) -> dict[str, Any]:
    """Seat footprint, the 2002 industrial zone, the wood zone and the chemical-park candidate."""
    t = np.linspace(0, 2 * np.pi, 181)[:-1]
    rad = 1.0 + 0.08 * np.sin(3 * t + 0.4) + 0.05 * np.sin(5 * t + 1.3)
    seat = shapely.Polygon(_abs(np.column_stack([-0.35 + 1.8 * rad * np.cos(t), -0.12 + 1.05 * rad * np.sin(t)])))
    seat = seat.intersection(_side(shapely.offset_curve(lines["兖石铁路"], 60.0), "north"))
    seat = seat.intersection(_side(shapely.offset_curve(lines["祊河"], -260.0), "south"))
    seat = seat.intersection(_side(lines["丰收河"], "west"))

    def industrial(x1: float) -> Any:  # between G327 and the river (south of the levee), east of 丰收河
        xs = np.linspace(1.6, x1, 80)
        low, high = _poly_y(_G327, xs) + 0.045, _river_y(xs) - 0.095
        return shapely.Polygon(_abs(np.vstack([np.column_stack([xs, low]), np.column_stack([xs, high])[::-1]])))

    def wood(x1: float) -> Any:  # south of the railway, east of S229
        xs = np.linspace(-0.44, x1, 40)
        top, bottom = _poly_y(_RAIL, xs) - 0.04, -1.93 - 0.08 * (xs + 0.44)
        return shapely.Polygon(_abs(np.vstack([np.column_stack([xs, top]), np.column_stack([xs, bottom])[::-1]])))

    chem = shapely.Polygon(_abs([(-4.2, -1.33), (-2.35, -1.36), (-2.05, -1.95), (-2.25, -2.8), (-3.3, -2.95),
                                 (-4.25, -2.55)]))
    return {
        "seat_area": _clean(seat.intersection(boundary)),
        "industrial_zone": _clean(_fit_area(industrial, 2.5, 6.0, INDUSTRIAL_ZONE_M2)),
        "wood_zone": _clean(_fit_area(wood, -0.2, 1.3, WOOD_ZONE_M2)),
        "chem_park_candidate": _clean(_scale_to_area(chem, CHEM_PARK_M2)),
    }


# ============================================================================ terrain
class _Terrain:
    """The DEM grid (north-up, 30 m) with the hill component and slope, sampled at points."""

    def __init__(self, boundary: Any, lines: dict[str, Any], rng: np.random.Generator) -> None:
        minx, miny, maxx, maxy = boundary.bounds
        c = DEM_CELL_M
        x0, y1 = math.floor((minx - 600) / c) * c, math.ceil((maxy + 600) / c) * c
        ncol, nrow = math.ceil((maxx + 600 - x0) / c), math.ceil((y1 - (miny - 600)) / c)
        self.transform = Affine(c, 0.0, x0, 0.0, -c, y1)
        xc, yc = x0 + c * (np.arange(ncol) + 0.5), y1 - c * (np.arange(nrow) + 0.5)
        X, Y = np.meshgrid(xc, yc)
        xk, yk = _rel(X, Y)
        self.d_river_km = self._distance_km(lines["祊河"], X.shape)
        d_river = self.d_river_km
        bed = BED_WEST_M + (BED_EAST_M - BED_WEST_M) * np.clip((xk + 7.0) / 14.0, 0.0, 1.0)
        noise = []
        for sigma in (3.0, 9.0, 25.0):  # small, ridge and massif scales (cells)
            n = ndimage.gaussian_filter(rng.standard_normal(X.shape), sigma, mode="reflect")
            noise.append(n / n.std())
        small, ridge, massif = noise[0], 1.0 - np.abs(noise[1]), noise[2]
        base = bed + 3.8 + 2.6 * np.minimum(d_river, 4.5) + 0.8 * massif

        south = _smoothstep((-yk - 2.7) / 4.2)
        flank = _smoothstep((-yk - 1.0) / 2.5)
        hills = 150 * south + 90 * _smoothstep((-xk - 5.0) / 1.6) * flank + 80 * _smoothstep((xk - 4.8) / 1.6) * flank
        for px, py, h, s in ((-3.0, -8.1, 170, 1.3), (3.0, -8.0, 160, 1.2), (0.3, -3.1, 130, 0.5),
                             (-6.2, -3.4, 60, 0.9), (6.0, -3.0, 55, 0.9), (0.0, -8.5, 80, 1.5)):
            hills = hills + h * np.exp(-((xk - px) ** 2 + (yk - py) ** 2) / (2 * s * s))
        hilliness = np.clip(hills / 120.0, 0.0, 1.0)
        hills = hills + hilliness * (15 * small + 90 * ridge + 50 * massif)
        for key in ("丰收河", "毛家河"):  # valleys along the hill streams
            hills = hills * (1.0 - 0.45 * np.exp(-((self._distance_km(lines[key], X.shape) / 0.35) ** 2)))
        for name, _, sx, sy in _SITES:  # the three mountain sites stand on hill tops
            top = {"岐山寺": 300.0, "巨龙山": 150.0, "凤凰山": 290.0}.get(name, 0.0)
            hills = np.maximum(hills, top * np.exp(-((xk - sx) ** 2 + (yk - sy) ** 2) / (2 * 0.45**2)))
        hills = np.maximum(hills, 0.0)
        inside = shapely.contains_xy(boundary, X, Y)
        top = int(np.argmax(np.where(inside, base + hills, -np.inf)))
        hills = hills * (HILL_TOP_M - base.flat[top]) / hills.flat[top]
        z = base + hills
        bank = _smoothstep((d_river - 0.065) / 0.085)
        z = bed + (z - bed) * bank  # the 祊河 channel and its banks
        z = z + 4.0 * self._burn(lines["祊河南岸堤防"], X.shape)  # levee crest
        self.z = np.round(z, 2).astype(np.float32)
        self.hills = hills
        gy, gx = np.gradient(z, c)
        self.slope = np.degrees(np.arctan(np.hypot(gx, gy)))

    def _burn(self, line: Any, shape: tuple[int, int]) -> np.ndarray:
        return np.asarray(rasterize([(line, 1)], out_shape=shape, transform=self.transform, fill=0,
                                    all_touched=True, dtype="uint8"), dtype=bool)

    def _distance_km(self, line: Any, shape: tuple[int, int]) -> np.ndarray:
        """Distance (km) from each cell centre to ``line``, by a Euclidean distance transform."""
        return ndimage.distance_transform_edt(~self._burn(line, shape)) * DEM_CELL_M / 1000.0

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        col = np.clip(((np.asarray(x) - self.transform.c) / DEM_CELL_M).astype(int), 0, self.z.shape[1] - 1)
        row = np.clip(((self.transform.f - np.asarray(y)) / DEM_CELL_M).astype(int), 0, self.z.shape[0] - 1)
        return row, col

    def sample(self, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Elevation (m), hill height above the valley floor (m) and slope (degrees) at points."""
        r, c = self.index(x, y)
        return {"elev": self.z[r, c].astype(float), "hill": self.hills[r, c], "slope": self.slope[r, c],
                "d_river_km": self.d_river_km[r, c]}


# ============================================================================ villages
def _villages(boundary: Any, zones: dict[str, Any], lines: dict[str, Any], terrain: _Terrain,
              rng: np.random.Generator) -> pd.DataFrame:
    """Village centres, households, cluster radius, 片区 and codes (sorted north-west first)."""
    rows = [dict(name=n, households=h, x=x, y=y, area_name=a) for n, h, x, y, a in _SPECIAL_VILLAGES]
    avoid = shapely.union_all([
        zones["seat_area"].buffer(350), zones["industrial_zone"].buffer(250), zones["wood_zone"].buffer(200),
        zones["chem_park_candidate"].buffer(300),
        shapely.buffer(lines["祊河"], 300), shapely.buffer(lines["涑河"], 150),
    ])
    inner = boundary.buffer(-250)
    xmin, ymin, xmax, ymax = boundary.bounds
    cand = np.column_stack([rng.uniform(xmin, xmax, 6000), rng.uniform(ymin, ymax, 6000)])
    ok = shapely.contains_xy(inner, cand[:, 0], cand[:, 1]) & ~shapely.contains_xy(avoid, cand[:, 0], cand[:, 1])
    hill = terrain.sample(cand[:, 0], cand[:, 1])["hill"]
    ok &= (hill < 20) | ((hill < 150) & (rng.random(len(cand)) < 0.3))
    placed = [np.array(_abs((r["x"], r["y"]))) for r in rows]
    names = [n for n in rng.permutation(np.array(_VILLAGE_NAMES, dtype=object)) if n not in {r["name"] for r in rows}]
    for x, y in cand[ok]:
        if len(rows) >= N_VILLAGES:
            break
        if min(math.hypot(x - p[0], y - p[1]) for p in placed) < 950.0:
            continue
        placed.append(np.array([x, y]))
        xk, yk = _rel(x, y)
        h = int(np.clip(round(float(np.exp(rng.normal(math.log(260), 0.35)))), 110, 650))
        rows.append(dict(name=names[len(rows) - len(_SPECIAL_VILLAGES)], households=h, x=float(xk),
                         y=float(yk), area_name=""))
    v = pd.DataFrame(rows)
    north = v["y"].to_numpy() > _river_y(v["x"].to_numpy())
    derived = np.select([north, v["y"] < -4.0, v["x"] < -1.5], ["北部片区", "南部山区", "西部片区"], "东部片区")
    v["area_name"] = np.where(v["area_name"] == "", derived, v["area_name"])
    xy = _abs(v[["x", "y"]].to_numpy())
    v["x"], v["y"] = xy[:, 0], xy[:, 1]
    v["radius_m"] = np.sqrt(v["households"] * M2_PER_HOUSEHOLD / HOMESTEAD_SHARE / np.pi)
    v["phase"] = rng.uniform(0, 2 * np.pi, len(v))
    v = v.assign(_band=np.floor((SEAT_XY[1] + 4000 - v["y"]) / 2000)).sort_values(["_band", "x"], kind="stable")
    v = v.drop(columns="_band").reset_index(drop=True)
    v["ZLDWDM"] = [f"{TOWN_CODE}{201 + i:03d}0000000" for i in range(len(v))]
    return v


def _cluster_r(villages: pd.DataFrame, idx: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance to the village centre in units of its (lumpy) cluster radius."""
    vx, vy = villages["x"].to_numpy()[idx], villages["y"].to_numpy()[idx]
    ang = np.arctan2(y - vy, x - vx)
    ph = villages["phase"].to_numpy()[idx]
    lump = 1.0 + 0.22 * np.sin(2 * ang + ph) + 0.12 * np.sin(3 * ang + 2 * ph)
    return np.asarray(np.hypot(x - vx, y - vy) / (villages["radius_m"].to_numpy()[idx] * lump))


# ============================================================================ parcels
_LEVELS = (72.0, 90.0, 120.0, 135.0, 150.0, 170.0, 230.0, 330.0)


def _spacing(x: np.ndarray, y: np.ndarray, zones: dict[str, Any], villages: pd.DataFrame, vtree: cKDTree,
             terrain: _Terrain) -> np.ndarray:
    """Target seed spacing (m) at points: fine in villages and the seat, coarse in the hills."""
    t = terrain.sample(x, y)
    hill, d_river = t["hill"], 1000.0 * t["d_river_km"]
    vi = np.asarray(vtree.query(np.column_stack([x, y]))[1], dtype=np.intp)
    rv = _cluster_r(villages, vi, x, y)
    sites = _abs([(sx, sy) for _, _, sx, sy in _SITES])
    near_site = cKDTree(sites).query(np.column_stack([x, y]))[0] < 250.0
    conds = [
        rv < 1.25,
        near_site,
        shapely.contains_xy(zones["seat_area"], x, y),
        shapely.contains_xy(zones["wood_zone"], x, y),
        shapely.contains_xy(zones["industrial_zone"], x, y) | shapely.contains_xy(zones["chem_park_candidate"], x, y),
        d_river < 500,
        hill > 60,
        hill > 20,
    ]
    return np.select(conds, [72.0, 90.0, 90.0, 120.0, 150.0, 135.0, 330.0, 230.0], 170.0)


def _seeds(boundary: Any, zones: dict[str, Any], villages: pd.DataFrame, terrain: _Terrain, strips: Any,
           rng: np.random.Generator) -> np.ndarray:
    """Jittered grid points, one grid per spacing level, thinned where levels meet."""
    vtree = cKDTree(villages[["x", "y"]].to_numpy())
    minx, miny, maxx, maxy = boundary.bounds
    pts, lev = [], []
    for L in _LEVELS:
        gx = np.arange(minx + rng.uniform(0, L), maxx, L)
        gy = np.arange(miny + rng.uniform(0, L), maxy, L)
        X, Y = (a.ravel() for a in np.meshgrid(gx, gy))
        X = X + rng.uniform(-0.38, 0.38, X.size) * L
        Y = Y + rng.uniform(-0.38, 0.38, Y.size) * L
        inside = shapely.contains_xy(boundary, X, Y)
        X, Y = X[inside], Y[inside]
        keep = _spacing(X, Y, zones, villages, vtree, terrain) == L
        pts.append(np.column_stack([X[keep], Y[keep]]))
        lev.append(np.full(keep.sum(), L))
    p, s = np.vstack(pts), np.concatenate(lev)
    off_strip = ~shapely.contains_xy(strips, p[:, 0], p[:, 1])
    p, s = p[off_strip], s[off_strip]
    pairs = cKDTree(p).query_pairs(0.55 * max(_LEVELS), output_type="ndarray")
    d = np.hypot(*(p[pairs[:, 0]] - p[pairs[:, 1]]).T)
    close = pairs[d < 0.55 * np.minimum(s[pairs[:, 0]], s[pairs[:, 1]])]
    alive = np.ones(len(p), dtype=bool)
    for i, j in close[np.lexsort((close[:, 1], close[:, 0]))]:
        if alive[i] and alive[j]:
            alive[j if s[j] >= s[i] else i] = False
    return p[alive]


def _merge_small(faces: np.ndarray, group: np.ndarray, is_strip: np.ndarray) -> np.ndarray:
    """Root index per face after merging slivers into the neighbour sharing the longest edge.

    Faces come from one noded linework, so neighbours share identical edges and the shared
    length is exact. Strip slivers prefer a face of the same strip, cell slivers a cell.
    """
    area = shapely.area(faces)
    perim = shapely.length(faces)
    small = (area < 150.0) | (~is_strip & (area < 2000.0) & (area / np.maximum(perim, 1e-9) < 4.0)) | (
        is_strip & (area < 60.0))
    parent = np.arange(len(faces))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    idx = np.flatnonzero(small)
    if len(idx) == 0:
        return parent
    tree = shapely.STRtree(faces)
    a, b = tree.query(faces[idx], predicate="intersects")
    a = idx[a]
    keep = a != b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(faces[a]), shapely.boundary(faces[b])))
    same = np.where(is_strip[a], group[a] == group[b], ~is_strip[b])
    score = shared * np.where(same, 10.0, 1.0) * np.where(small[b], 0.5, 1.0)
    order = np.lexsort((b, -score, a))
    best: dict[int, int] = {}
    for k in order:
        if shared[k] > 0.0 and int(a[k]) not in best:
            best[int(a[k])] = int(b[k])
    for i in sorted(best, key=lambda f: area[f]):
        ri, rj = find(i), find(best[i])
        if ri != rj:
            if area[ri] > area[rj]:
                ri, rj = rj, ri
            parent[ri] = rj
    return np.array([find(i) for i in range(len(faces))])


def _tessellate(boundary: Any, seeds: np.ndarray, strips: list[tuple[str, str, Any]], villages: pd.DataFrame
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parcels tiling ``boundary``: Voronoi cells and strips, noded and polygonised on a 1 cm grid.

    Returns the polygons, their strip index (−1 for cells) and the village index (坐落) of each.
    """
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=boundary))
    cells = shapely.intersection(cells, boundary)
    strip_geoms = np.array([g for _, _, g in strips], dtype=object)
    strip_all = shapely.union_all(strip_geoms)
    vcells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(villages[["x", "y"]].to_numpy()),
                                                        extend_to=boundary))
    lines = [shapely.difference(shapely.boundary(cells), strip_all), shapely.boundary(np.array([boundary]))]
    above = shapely.Polygon()  # the strips of higher precedence
    for g in strip_geoms:
        lines.append(np.array([shapely.difference(shapely.boundary(g), above)]))
        above = shapely.union(above, g)
    lines.append(shapely.intersection(shapely.boundary(vcells), strip_all))
    linework = shapely.get_parts(np.concatenate([np.atleast_1d(x) for x in lines]))
    noded = shapely.union_all(linework, grid_size=GRID_M)
    faces = _polygons(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.area(faces) > 0.0]
    rp = shapely.point_on_surface(faces)
    rx, ry = shapely.get_x(rp), shapely.get_y(rp)
    strip_of = np.full(len(faces), -1)
    for k, g in enumerate(strip_geoms):
        hit = (strip_of < 0) & shapely.contains_xy(g, rx, ry)
        strip_of[hit] = k
    _, cell_of = cKDTree(seeds).query(np.column_stack([rx, ry]))
    village_of = np.asarray(cKDTree(villages[["x", "y"]].to_numpy()).query(np.column_stack([rx, ry]))[1],
                            dtype=np.intp)
    group = np.where(strip_of >= 0, 100000 + strip_of * 1000 + village_of, cell_of)
    root = _merge_small(faces, group, strip_of >= 0)
    out, out_strip, out_village = [], [], []
    order = np.argsort(root, kind="stable")
    bounds = np.flatnonzero(np.diff(np.r_[-1, root[order]]))
    for start, stop in zip(bounds, np.r_[bounds[1:], len(order)], strict=True):
        members = order[start:stop]
        r = root[members[0]]
        geom = faces[members[0]] if len(members) == 1 else shapely.coverage_union_all(faces[members])
        for part in _polygons(geom):
            out.append(part)
            out_strip.append(strip_of[r])
            out_village.append(village_of[r])
    geoms = np.array(out, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = [_polygons(shapely.make_valid(g))[0] for g in geoms[bad]]
    return geoms, np.array(out_strip), np.array(out_village)


# ============================================================================ land use
_SEAT_ROADSIDE = {"05H1": 45, "0701": 20, "08H1": 5, "0809": 3, "1004": 7, "0601": 5, "0508": 5, "1201": 5,
                  "0810": 5}
_SEAT = {"0701": 55, "05H1": 8, "08H1": 3, "08H2": 4, "0809": 3, "0810": 6, "1004": 8, "0601": 5, "1201": 4,
         "0508": 2, "1104": 1, "0102": 1}
_INDUSTRIAL = {"0601": 80, "0508": 7, "0809": 3, "1004": 4, "1201": 4, "05H1": 2}
_WOOD = {"0601": 55, "1201": 5, "1004": 5, "farm": 35}
_CHEM = {"farm": 86, "1202": 3, "0601": 3, "1104": 2, "0301": 3, "0204": 2, "1201": 1}
_VILLAGE = {"0702": 78, "0601": 6, "1004": 3, "05H1": 2, "1201": 4, "1104": 2.5, "0809": 1, "08H1": 1,
            "1202": 2.5}
_HILL_HIGH = {"0301": 62, "0305": 20, "0307": 5, "0404": 8, "1207": 5}
_HILL_LOW = {"0301": 40, "0305": 10, "0307": 5, "0201": 16, "0204": 3, "0103": 19, "0404": 7}
_BANK_NORTH = {"1106": 45, "0404": 12, "0301": 15, "1104": 5, "farm": 23}
_BANK_SOUTH = {"1106": 20, "0301": 25, "0404": 10, "farm": 45}
_PLAINS = {"farm": 88.5, "1202": 2.5, "0201": 3, "0204": 1, "1104": 2, "0301": 1.5, "0307": 0.5, "0404": 0.5,
           "1201": 0.5}


@dataclass(frozen=True)
class _Setting:
    """The town's frame that the parcels are laid into: boundary, lines, zones, terrain, villages, strips."""

    boundary: Any
    lines: dict[str, Any]
    zones: dict[str, Any]
    terrain: _Terrain
    villages: pd.DataFrame
    rural: list[tuple[str, Any]]
    strips: list[tuple[str, str, Any]]
    rng: np.random.Generator


def _landuse(setting: _Setting, geoms: np.ndarray, strip_of: np.ndarray,
             village_of: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DLBM, CZCSXM and the location features of every parcel; and the schools."""
    zones, villages, lines, terrain, rng = setting.zones, setting.villages, setting.lines, setting.terrain, setting.rng
    strips = setting.strips
    n = len(geoms)
    rp = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(rp), shapely.get_y(rp)
    xk, yk = _rel(x, y)
    t = terrain.sample(x, y)
    d = {k: shapely.distance(rp, lines[k]) / 1000.0 for k in ("祊河", "涑河", "G327", "S229", "高刘路", "南阳路")}
    d_water = np.minimum(d["祊河"], 1.2 * d["涑河"])
    d_road = np.minimum.reduce([d["G327"], d["S229"], d["高刘路"], d["南阳路"]])
    inz = {k: shapely.contains_xy(g, x, y) for k, g in zones.items()}
    rv = _cluster_r(villages, village_of, x, y)
    is_strip = strip_of >= 0
    in_village = ~is_strip & (rv < 1.0)
    hill = ~is_strip & ((t["hill"] > 20) | ((t["slope"] > 12) & (t["hill"] > 8)))
    north = yk > _river_y(xk)

    code = np.full(n, "", dtype=object)
    czcs = np.full(n, "", dtype=object)

    def put(mask: np.ndarray, table: Mapping[str, float] | str) -> None:
        m = mask & (code == "")
        code[m] = table if isinstance(table, str) else _choose(rng, int(m.sum()), table)

    code[is_strip] = np.array([s[1] for s in strips], dtype=object)[strip_of[is_strip]]
    # special places: the temple, the 龙王塘 reservoir, two abandoned quarries
    site = {name: _abs((sx, sy)) for name, _, sx, sy in _SITES}
    free = ~is_strip
    put(free & shapely.contains_xy(geoms, *site["岐山寺"]), "09")
    put(free & ((np.hypot(x - site["龙王塘"][0], y - site["龙王塘"][1]) < 140) |
                shapely.contains_xy(geoms, *site["龙王塘"])), "1103")
    for qx, qy in ((-1.6, -5.9), (4.9, -5.3)):
        qxy = _abs((qx, qy))
        cand = np.flatnonzero(free & (t["hill"] > 40) & (code == ""))
        code[cand[np.argmin(np.hypot(x[cand] - qxy[0], y[cand] - qxy[1]))]] = "0602"
    put(in_village, _VILLAGE)
    roadside = d_road < 0.12
    put(free & inz["seat_area"] & roadside, _SEAT_ROADSIDE)
    put(free & inz["seat_area"], _SEAT)
    put(free & inz["industrial_zone"], _INDUSTRIAL)
    put(free & inz["wood_zone"], _WOOD)
    put(free & inz["chem_park_candidate"], _CHEM)
    standalone = free & (code == "") & ~hill & (d_road < 0.3) & (rng.random(n) < 0.13)
    put(standalone, {"0601": 85, "0508": 15})
    high = t["hill"] > 110
    put(hill & high, _HILL_HIGH)
    put(hill, _HILL_LOW)
    bank = free & (d["祊河"] < 0.32)
    put(bank & north, _BANK_NORTH)
    put(bank, _BANK_SOUTH)
    put(free, _PLAINS)
    # farmland: paddy near the 祊河 / 涑河, irrigated on the plains, dry land higher up
    farm = code == "farm"
    p_paddy = np.clip((1.2 - d_water) / 0.7, 0.0, 1.0) * 0.85 * (t["hill"] < 5)
    p_irrig = np.clip(0.72 - 0.08 * d["祊河"], 0.2, 0.72) * np.clip(1.0 - t["hill"] / 20.0, 0.0, 1.0)
    u = rng.random(n)
    code[farm] = np.where(u < p_paddy, "0101", np.where(u < p_paddy + (1 - p_paddy) * p_irrig, "0102", "0103"))[farm]

    # schools (08H2): three at the seat, village primary schools in the largest villages and near the park
    chem = zones["chem_park_candidate"]
    hh = villages["households"].to_numpy()
    dist_chem = shapely.distance(shapely.points(villages[["x", "y"]].to_numpy()), chem)
    near_chem = np.flatnonzero((dist_chem > 300) & (dist_chem < 1500))
    big = [int(i) for i in np.argsort(-hh, kind="stable") if villages["area_name"].iloc[i] != "驻地片区"][:4]
    pick = [*big, int(near_chem[np.argmax(hh[near_chem])])] if len(near_chem) else big
    in_seat = free & inz["seat_area"] & (rv > 1.0)
    schools = [("探沂镇中学", "初中", _abs((0.2, -0.45)), in_seat),
               ("探沂镇中心小学", "小学", _abs((-0.9, -0.35)), in_seat),
               ("探沂镇中心幼儿园", "幼儿园", _abs((0.35, 0.45)), in_seat)]
    vxy = villages[["x", "y"]].to_numpy()
    for i in dict.fromkeys(pick):
        schools.append((f"{villages['name'].iloc[i][:-1]}小学", "小学", vxy[i], in_village & (village_of == i)))
    school_rows = []
    for name, level, (sx, sy), mask in schools:
        cand = np.flatnonzero(mask & ~np.isin(code, ["0702", "08H2", "1104"]))  # rather not on houses
        cand = cand if len(cand) else np.flatnonzero(mask & (code != "08H2"))
        k = int(cand[np.argmin(np.hypot(x[cand] - sx, y[cand] - sy))])
        code[k] = "08H2"
        school_rows.append({"name": name, "level": level, "parcel": k})

    # 城镇村属性码
    czcs[in_village] = "203"
    czcs[inz["seat_area"] | inz["industrial_zone"]] = "202"
    construction = np.array([bool(CONSTRUCTION_PATTERN.match(c)) for c in code])
    czcs[free & inz["wood_zone"] & construction & (czcs == "")] = "202A"
    czcs[standalone & construction & (czcs == "")] = "202A"
    czcs[code == "0602"] = "204"
    # other scattered construction land: stand-alone industry, or village land outside the clusters
    village_like = np.array([c[:2] in ("05", "06", "07", "08") or c in ("1004", "1201") for c in code])
    scattered = free & construction & (czcs == "") & village_like
    czcs[scattered] = np.where(np.isin(code[scattered], ["0601", "0508", "0809"]), "202A", "203")
    # 国土等别 score: better (lower) near water, worse up the hills and on slopes
    score = 5.6 + 1.25 * np.minimum(d_water, 3.0) + 0.03 * t["hill"] + 0.12 * t["slope"] - 0.4 * (code == "0101")
    feats = pd.DataFrame({"DLBM": code, "CZCSXM": czcs, "village": village_of, "slope": t["slope"],
                          "grade_score": score, "x": x, "y": y, "strip": strip_of})
    return feats, pd.DataFrame(school_rows)


# ============================================================================ attributes
def _dltb_frame(geoms: np.ndarray, rng: np.random.Generator, *, dlbm: np.ndarray, czcsxm: np.ndarray,
                village_code: np.ndarray, village_name: np.ndarray, slope_deg: np.ndarray,
                grade_score: np.ndarray) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The 三调 attributes of parcels whose land use and location are known (vectorised).

    Rows are ordered by 坐落单位, then north to south and west to east; BSM is ``371325`` and a
    12-digit serial. Also returns ``order``: row ``i`` holds input parcel ``order[i]``.
    """
    n = len(geoms)
    dlbm = np.asarray(dlbm, dtype=object)
    rp = shapely.point_on_surface(geoms)
    area = shapely.area(geoms)
    tbmj = np.round(area * _ellipsoid_factor(shapely.get_x(rp)), 2)
    farm = np.isin(dlbm, list(FARMLAND_CODES))
    paddy = dlbm == "0101"
    pd_grade = np.digitize(slope_deg, [2.0, 6.0, 15.0, 25.0]) + 1
    pd_grade = np.where(paddy, np.minimum(pd_grade, 2), pd_grade)
    lo = np.array([0.0, 0.0, 0.02, 0.04, 0.07, 0.09])[pd_grade]
    hi = np.array([0.0, 0.0, 0.04, 0.07, 0.09, 0.10])[pd_grade]
    kcxs = np.where(farm & (pd_grade >= 2), np.round(rng.uniform(lo, hi), 4), 0.0)
    kcmj = np.round(tbmj * kcxs, 2)
    gdlx = np.where(~farm | (pd_grade < 2), "", np.where((pd_grade >= 3) & (rng.random(n) < 0.8), "TT", "PD"))
    gddb = np.clip(np.round(grade_score + rng.normal(0.0, 0.6, n)), 5, 12).astype(np.int64)
    construction = np.array([bool(CONSTRUCTION_PATTERN.match(c)) for c in dlbm])
    state_codes = np.isin(dlbm, ["1001", "1003", "1101", "1103", "1109"])
    urban = np.isin(czcsxm, ["202", "202A", "201", "201A", "204"])
    seat_public = (czcsxm == "202") & np.isin(dlbm, ["08H1", "08H2", "0809", "0810", "1004", "1201", "1104"])
    qsxz = np.where(state_codes | seat_public, "10", np.where(urban & construction & (dlbm != "0702"), "20", "30"))
    state = qsxz != "30"
    homestead = dlbm == "0702"
    households = np.where(homestead, np.maximum(1, np.round(tbmj / rng.uniform(250.0, 400.0, n))), 0)
    households = households.astype(np.int64)
    floor = np.where(homestead, households * rng.uniform(110.0, 190.0, n),
                     np.where(dlbm == "0701", tbmj * rng.uniform(1.2, 2.4, n), 0.0))
    df = pd.DataFrame({
        "DLBM": dlbm.astype(str),
        "DLMC": [DLBM_NAMES[c] for c in dlbm],
        "QSXZ": qsxz,
        "QSDWDM": np.where(state, STATE_OWNER_CODE, village_code),
        "QSDWMC": np.where(state, STATE_OWNER_NAME, village_name),
        "ZLDWDM": np.asarray(village_code, dtype=str),
        "ZLDWMC": np.asarray(village_name, dtype=str),
        "TBMJ": tbmj,
        "KCDLBM": np.where(kcxs > 0, "1203", ""),
        "KCXS": kcxs,
        "KCMJ": kcmj,
        "TBDLMJ": np.round(tbmj - kcmj, 2),
        "GDLX": gdlx,
        "GDPDJB": pd.array(np.where(farm, pd_grade, 0), dtype="Int64"),
        "GDDB": pd.array(gddb, dtype="Int64"),
        "CZCSXM": np.asarray(czcsxm, dtype=str),
        "households": households,
        "floor_area_m2": np.round(floor, 1),
    })
    df.loc[~farm, ["GDPDJB", "GDDB"]] = pd.NA
    order = np.lexsort((np.round(shapely.get_x(rp), 2), -np.round(shapely.get_y(rp), 2), df["ZLDWDM"].to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    df.insert(0, "BSM", pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(12).radd(COUNTY_CODE).to_numpy())
    for col in ("DLBM", "QSXZ", "QSDWDM", "QSDWMC", "KCDLBM", "GDLX"):
        df[col] = df[col].astype(str)
    return gpd.GeoDataFrame(df, geometry=list(geoms[order]), crs=CRS), order


# ============================================================================ the sample town
def _rural_roads(villages: pd.DataFrame, zones: dict[str, Any]) -> list[tuple[str, Any]]:
    """Village roads: the minimum spanning tree of village centres, avoiding the zones."""
    xy = villages[["x", "y"]].to_numpy()
    tri = Delaunay(xy)
    edges = np.unique(np.sort(np.vstack([tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]],
                                         tri.simplices[:, [0, 2]]]), axis=1), axis=0)
    segs = shapely.linestrings(np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], axis=1))
    blocked = shapely.union_all([zones[k] for k in ("seat_area", "industrial_zone", "wood_zone")])
    length = np.asarray(shapely.length(segs))
    ok = ~shapely.intersects(segs, blocked) & (length < 2600.0)
    graph = coo_matrix((length[ok], (edges[ok, 0], edges[ok, 1])), shape=(len(xy), len(xy)))
    tree = minimum_spanning_tree(graph).tocoo()
    names = villages["name"].to_numpy()
    pairs = sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True))
    return [(f"{names[i][:-1]}—{names[j][:-1]}路", shapely.LineString([xy[i], xy[j]])) for i, j in pairs]


def build_sample(*, seed: int = DEFAULT_SEED) -> tuple[dict[str, gpd.GeoDataFrame], np.ndarray, Affine]:
    """Build the sample town in memory.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same town.

    Returns
    -------
    layers : dict of str to GeoDataFrame
        Every layer of :data:`SAMPLE_LAYERS`, in EPSG:4548.
    dem : ndarray
        The 30 m DEM (float32, metres), north-up.
    transform : Affine
        The DEM's affine transform (EPSG:4548).
    """
    rng = np.random.default_rng(seed)
    boundary = _boundary(rng)
    lines = _lines()
    zones = _zones(lines, boundary)
    terrain = _Terrain(boundary, lines, rng)
    villages = _villages(boundary, zones, lines, terrain, rng)
    rural = _rural_roads(villages, zones)
    strip_specs = [(*s, lines[s[0]]) for s in _STRIPS] + [(name, "1006", RURAL_ROAD_WIDTH_M, g) for name, g in rural]
    strips = [(key, code, _clean(shapely.intersection(shapely.buffer(g, w / 2, quad_segs=4), boundary)))
              for key, code, w, g in strip_specs]
    strip_all = shapely.union_all([g for _, _, g in strips])
    seeds = _seeds(boundary, zones, villages, terrain, strip_all, rng)
    geoms, strip_of, village_of = _tessellate(boundary, seeds, strips, villages)
    boundary = _polygons(_clean(shapely.coverage_union_all(geoms)))[0]  # the parcels tile XZQ exactly
    setting = _Setting(boundary, lines, zones, terrain, villages, rural, strips, rng)
    feats, schools = _landuse(setting, geoms, strip_of, village_of)
    vi = feats["village"].to_numpy()
    dltb, order = _dltb_frame(geoms, rng, dlbm=feats["DLBM"].to_numpy(), czcsxm=feats["CZCSXM"].to_numpy(),
                              village_code=villages["ZLDWDM"].to_numpy()[vi],
                              village_name=villages["name"].to_numpy()[vi], slope_deg=feats["slope"].to_numpy(),
                              grade_score=feats["grade_score"].to_numpy())
    pos = np.empty(len(dltb), dtype=np.int64)  # input parcel i is row pos[i] of the frame
    pos[order] = np.arange(len(dltb))
    layers = _context_layers(setting, dltb, pos, feats, schools)
    return layers, terrain.z, terrain.transform


def _context_layers(setting: _Setting, dltb: gpd.GeoDataFrame, pos: np.ndarray, feats: pd.DataFrame,
                    schools: pd.DataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Zoning and context layers around the finished parcels."""
    boundary, lines, zones, villages = setting.boundary, setting.lines, setting.zones, setting.villages
    rural, strips, terrain, rng = setting.rural, setting.strips, setting.terrain, setting.rng
    geoms = np.asarray(dltb.geometry.values)
    strip_key = np.full(len(dltb), "", dtype=object)
    strip_key[pos] = [strips[s][0] if s >= 0 else "" for s in feats["strip"].to_numpy()]
    river_area = {name: shapely.coverage_union_all(geoms[strip_key == name]) for name in _RIVERS}

    # 生态保护红线: the hill core (from the DEM) and the 祊河 corridor (its water and beaches)
    core_mask = (terrain.hills > 120).astype(np.uint8)
    core = shapely.union_all([shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
        core_mask, mask=core_mask.astype(bool), transform=terrain.transform) if v == 1])
    core = _clean(core.buffer(60, quad_segs=4).buffer(-60, quad_segs=4).simplify(15).intersection(boundary))
    core = _clean(shapely.MultiPolygon([p for p in _polygons(core) if p.area > 2e5]))
    dl = dltb["DLBM"].to_numpy()
    d_river = shapely.distance(geoms, lines["祊河"])
    corridor_parts = geoms[(strip_key == "祊河") | ((dl == "1106") & (d_river < 150))]
    corridor = _clean(shapely.union_all(corridor_parts))
    # 城镇开发边界: seat grown until the whole is 1.3 × the existing urban construction land
    construction = np.array([bool(CONSTRUCTION_PATTERN.match(c)) for c in dl])
    existing = float(shapely.area(geoms[construction & dltb["CZCSXM"].isin(_URBAN_CZCS).to_numpy()]).sum())
    fixed = shapely.union_all([zones[k] for k in ("industrial_zone", "chem_park_candidate", "wood_zone")])
    water = shapely.union_all(list(river_area.values()))
    eco = shapely.union_all([core, corridor])

    def dev(dist: float) -> Any:
        grown = shapely.union_all([zones["seat_area"].buffer(dist, quad_segs=8), fixed])
        return shapely.difference(shapely.intersection(grown, boundary), shapely.union_all([water, eco]))

    czkfbj = _clean(_fit_area(dev, 0.0, 2000.0, DEV_BOUNDARY_FACTOR * existing), 100.0)
    # 永久基本农田: most good farmland away from the seat, following parcel edges, plus a few
    # patches drawn across parcels (partial overlaps), never inside the other two lines
    rp = shapely.point_on_surface(geoms)
    grade = dltb["GDDB"].to_numpy(dtype=float, na_value=np.nan)
    good = np.isin(dl, list(FARMLAND_CODES)) & (grade <= 10)
    away = shapely.distance(rp, zones["seat_area"]) > 800
    outside = ~shapely.contains_xy(czkfbj.buffer(100), shapely.get_x(rp), shapely.get_y(rp))
    chosen = good & away & outside & (rng.random(len(dltb)) < 0.9)
    basic = shapely.coverage_union_all(geoms[chosen])
    picks = rng.choice(np.flatnonzero(chosen), size=14, replace=False)
    blobs = shapely.buffer(rp[picks], rng.uniform(90, 200, 14), quad_segs=6)
    basic = shapely.intersection(shapely.union_all([basic, *blobs]), boundary)
    basic = shapely.difference(basic, shapely.union_all([czkfbj, eco]))
    basic_parts = _polygons(_clean(basic, 2000.0))
    # 饮用水水源保护区 upstream on the 祊河; a flood band along the river (the levee holds the south)
    x_in = _abs((-5.2, float(_river_y(-5.2))))
    reach1 = shapely.intersection(lines["祊河"], shapely.Point(x_in).buffer(800))
    reach2 = shapely.intersection(lines["祊河"], shapely.Point(_abs((-5.4, float(_river_y(-5.4))))).buffer(1800))
    zone1 = _clean(shapely.intersection(reach1.buffer(200), boundary))
    zone2 = _clean(shapely.difference(shapely.intersection(reach2.buffer(550), boundary), zone1))
    flood = shapely.union_all([shapely.buffer(lines["祊河"], 700, single_sided=True),
                               shapely.buffer(lines["祊河"], -72, single_sided=True)])
    flood = _clean(shapely.intersection(flood, boundary))

    def clip(g: Any) -> Any:
        return shapely.intersection(g, boundary)

    vhh = dltb.groupby("ZLDWDM")["households"].sum()
    school_pos = pos[schools["parcel"].to_numpy()]
    sites = _frame({"name": [s[0] for s in _SITES], "attraction": [s[1] for s in _SITES],
                    "route_order": np.arange(1, 6)}, shapely.points(_abs([(s[2], s[3]) for s in _SITES])))
    road_rows = [(name, cls, w, clip(lines[name])) for name, cls, w in _ROADS]
    road_rows += [(name, "village", RURAL_ROAD_WIDTH_M, clip(g)) for name, g in rural]
    layers = {
        "DLTB": dltb,
        "XZQ": _frame({"XZQDM": [TOWN_CODE], "XZQMC": [TOWN_NAME]}, [boundary]),
        "CZKFBJ": _frame({"name": ["探沂镇城镇开发边界"]}, [czkfbj]),
        "YJJBNTBHTB": _frame({"TBBH": [f"{i + 1:05d}" for i in range(len(basic_parts))]}, basic_parts),
        "STBHHX": _frame({"name": ["南部山地生态保护红线", "祊河生态廊道生态保护红线"],
                          "type": ["水源涵养与水土保持", "河流生态廊道"]}, [core, corridor]),
        "YYSYDBHQ": _frame({"name": ["祊河探沂水源地", "祊河探沂水源地"], "level": ["一级", "二级"]},
                           [zone1, zone2]),
        "river": _frame({"name": list(_RIVERS)}, [clip(lines[k]) for k in _RIVERS]),
        "river_area": _frame({"name": list(_RIVERS)}, [_clean(river_area[k]) for k in _RIVERS]),
        "levee": _frame({"name": ["祊河南岸堤防"], "grade": [2]}, [clip(lines["祊河南岸堤防"])]),
        "roads": _frame({"name": [r[0] for r in road_rows], "road_class": [r[1] for r in road_rows],
                         "width_m": [r[2] for r in road_rows]}, [r[3] for r in road_rows]),
        "railway": _frame({"name": ["兖石铁路"]}, [clip(lines["兖石铁路"])]),
        "villages": _frame({"ZLDWDM": villages["ZLDWDM"], "ZLDWMC": villages["name"],
                            "households": vhh.reindex(villages["ZLDWDM"]).fillna(0).astype(np.int64).to_numpy(),
                            "area_name": villages["area_name"]},
                           shapely.points(villages[["x", "y"]].to_numpy())),
        "sites": sites,
        "seat": _frame({"name": ["探沂镇人民政府"]}, [shapely.Point(SEAT_XY)]),
        "industrial_zone": _frame({"name": ["探沂镇工业园区"], "year": [2002], "planned_area_mu": [6000.0]},
                                  [zones["industrial_zone"]]),
        "chem_park_candidate": _frame({"name": ["费县粘合剂化工产业园（候选区）"], "planned_area_km2": [3.05]},
                                      [zones["chem_park_candidate"]]),
        "wood_zone": _frame({"name": ["探沂镇木业产业示范区"], "year": [2020], "planned_area_mu": [1060.0]},
                            [zones["wood_zone"]]),
        "flood_zone": _frame({"name": ["祊河洪水风险区"], "return_period_yr": [20]}, [flood]),
        "schools": _frame({"name": schools["name"], "level": schools["level"],
                           "BSM": dltb["BSM"].to_numpy()[school_pos]},
                          shapely.point_on_surface(geoms[school_pos])),
    }
    layers["GHYT"] = _planning_layer(czkfbj, zones, layers["schools"])
    layers.update(_agriculture_layers(lines, boundary, czkfbj, eco))
    for key, gdf in layers.items():
        if key != "DLTB":
            gdf.geometry = shapely.set_precision(np.asarray(gdf.geometry.values), GRID_M)
    return layers


#: 现代农业示范区 of the reform plan: the line each follows and the half-width of its band (m).
AGRI_ZONES: tuple[tuple[str, str, float], ...] = (
    ("涑河现代农业示范区", "涑河", 450.0), ("丰收河现代农业示范区", "丰收河", 350.0),
    ("高刘路现代农业示范区", "高刘路", 350.0))
TIANYUAN_BUFFER_M = 700.0  # the 南阳 田园综合体 around the 南阳 villages (relocated whole)


def _agriculture_layers(lines: dict[str, Any], boundary: Any, czkfbj: Any, eco: Any) -> dict[str, gpd.GeoDataFrame]:
    """``agri_zone`` (现代农业示范区 along the 涑河, 丰收河 and 高刘路) and ``tianyuan`` (南阳 田园综合体).

    Bands along their lines and an area around the 南阳 villages, inside the town, outside the 城镇开发边界
    and the 生态保护红线. Deterministic (no random draw), so the other layers do not change.
    """
    keep = shapely.difference(boundary, shapely.union_all([czkfbj, eco]))
    zones = [_clean(shapely.intersection(shapely.buffer(lines[line], width), keep)) for _, line, width in AGRI_ZONES]
    nanyang = _abs([(v[2], v[3]) for v in _SPECIAL_VILLAGES if v[4] == "南阳片区"])
    tianyuan = _clean(shapely.intersection(
        shapely.buffer(shapely.convex_hull(shapely.multipoints(nanyang)), TIANYUAN_BUFFER_M), keep))
    zones = [_clean(shapely.difference(z, tianyuan)) for z in zones]
    return {
        "agri_zone": _frame({"name": [z[0] for z in AGRI_ZONES], "kind": ["现代农业示范区"] * len(zones)}, zones),
        "tianyuan": _frame({"name": ["南阳田园综合体"], "kind": ["田园综合体"]}, [tianyuan]),
    }


#: Planned uses of the GHYT (规划用途) layer and their 国土空间规划 names.
PLANNED_USE_NAMES: dict[str, str] = {
    "industrial": "工业用地",
    "commercial": "商业服务业用地",
    "public": "公共管理与公共服务用地",
    "residential": "居住用地",
}
COMMERCIAL_CORE_M = 600.0  # commercial land within this distance of the town seat
SCHOOL_PUBLIC_M = 180.0  # public-service land planned around schools inside the boundary


def _planning_layer(czkfbj: Any, zones: dict[str, Any], schools: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """规划用途 (GHYT) inside the 城镇开发边界: industrial zones, a commercial core at the seat,
    public-service land around schools, residential elsewhere; the four parts tile the boundary."""
    industrial = _clean(shapely.intersection(
        shapely.union_all([zones[k] for k in ("industrial_zone", "chem_park_candidate", "wood_zone")]), czkfbj))
    rest = shapely.difference(czkfbj, industrial)
    commercial = _clean(shapely.intersection(rest, shapely.Point(SEAT_XY).buffer(COMMERCIAL_CORE_M, quad_segs=16)))
    rest = shapely.difference(rest, commercial)
    public = _clean(shapely.intersection(
        rest, shapely.union_all(shapely.buffer(np.asarray(schools.geometry.values), SCHOOL_PUBLIC_M, quad_segs=8))))
    residential = _clean(shapely.difference(rest, public))
    parts = {"industrial": industrial, "commercial": commercial, "public": public, "residential": residential}
    keys = [k for k, g in parts.items() if g is not None and not g.is_empty]
    return _frame({"planned_use": keys, "GHYTMC": [PLANNED_USE_NAMES[k] for k in keys]}, [parts[k] for k in keys])


def _provenance(seed: int) -> dict[str, str]:
    """What made the files, recorded in the DEM's tags.

    (Not in the GeoPackage: GDAL then writes a ``.aux.xml`` file beside it on every read.)
    """
    return {"generator": "landkit.sample", "landkit": __version__, "seed": str(seed),
            "numpy": np.__version__, "shapely": shapely.__version__, "geos": shapely.geos_version_string}


def _write_layers(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write the layers into one GeoPackage, atomically.

    SQLite's per-transaction sync is switched off while writing (10× faster): the file is a
    temporary one that only replaces ``path`` once complete.
    """
    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        with atomic_path(path) as tmp:
            for name, gdf in layers.items():
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({key: before})


def _write_dem(path: Path, z: np.ndarray, transform: Affine, metadata: dict[str, str] | None = None) -> None:
    profile = {
        "driver": "GTiff", "height": z.shape[0], "width": z.shape[1], "count": 1, "dtype": "float32",
        "crs": CRS, "transform": transform, "nodata": DEM_NODATA, "tiled": True, "blockxsize": 256,
        "blockysize": 256, "compress": "deflate", "predictor": 3, "zlevel": 9,
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(z.astype(np.float32), 1)
        dst.update_tags(**(metadata or {}))
        dst.update_tags(1, units="m")


def generate_sample(folder: str | Path, *, seed: int = DEFAULT_SEED) -> None:
    """Write the sample town ``tanyi.gpkg`` and ``dem.tif`` into ``folder``.

    Both files are written to temporary files beside their targets and moved into place, so a
    failure leaves the previous files untouched.

    Parameters
    ----------
    folder : str or Path
        Output folder (created if needed), e.g. ``data/tanyi``.
    seed : int
        Seed of the random generator; the same seed gives the same attributes and geometries.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layers, z, transform = build_sample(seed=seed)
    meta = _provenance(seed)
    _write_layers(folder / "tanyi.gpkg", layers)
    _write_dem(folder / "dem.tif", z, transform, meta)


# ============================================================================ synthetic towns
_SYN_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
                     "薛叶阎")
_SYN_SUFFIX = ["家庄", "官庄", "家屯", "家岭", "家埠", "家沟", "家湖", "家楼", "家河", "家洼", "家营", "家寨"]


def synthetic_parcels(n_parcels: int, *, seed: int = 0, mean_area_m2: float = 5000.0) -> gpd.GeoDataFrame:
    """A synthetic town of ``n_parcels`` parcels in the DLTB schema, for benchmarks.

    A square centred on the 探沂镇 seat is tiled by the Voronoi cells of a jittered grid: exactly
    ``n_parcels`` non-overlapping cells sharing their edges. Land use follows the sample's layout
    at a larger scale (a seat with an industrial zone, villages, a west–east river with paddy, hills
    in the south), and the attributes come from the same code as the sample's. Everything is
    vectorised: 200,000 parcels take seconds.

    Parameters
    ----------
    n_parcels : int
        Number of parcels (at least 10).
    seed : int
        Seed of the random generator; the same seed gives the same frame.
    mean_area_m2 : float
        Mean parcel area in m²; the square's side is ``sqrt(n_parcels * mean_area_m2)``.

    Returns
    -------
    GeoDataFrame
        Columns :data:`DLTB_COLUMNS` and geometry, in EPSG:4548.
    """
    return _synthetic(n_parcels, seed, mean_area_m2)[0]


def _synthetic(n_parcels: int, seed: int, mean_area_m2: float, seats: np.ndarray | None = None
               ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The synthetic frame and its layout; ``seats`` (k × 3: u, v, radius in shares of the side) replaces the one
    seat and industrial zone by k seats, each with an industrial zone east of it (see :func:`seat_masks`)."""
    if n_parcels < 10:
        raise ArgumentError(f"n_parcels must be at least 10, got {n_parcels}")
    if not mean_area_m2 > 0:
        raise ArgumentError(f"mean_area_m2 must be positive, got {mean_area_m2}")
    rng = np.random.default_rng(seed)
    side = round(math.sqrt(n_parcels * mean_area_m2), 1)
    x0, y0 = round(SEAT_XY[0] - side / 2, 1), round(SEAT_XY[1] - side / 2, 1)
    square = shapely.box(x0, y0, x0 + side, y0 + side)
    k = math.ceil(math.sqrt(n_parcels))
    step = side / k
    gx, gy = np.meshgrid(np.arange(k), np.arange(k))
    pick = np.sort(rng.choice(k * k, size=n_parcels, replace=False))
    px = x0 + (gx.ravel()[pick] + 0.5 + rng.uniform(-0.4, 0.4, n_parcels)) * step
    py = y0 + (gy.ravel()[pick] + 0.5 + rng.uniform(-0.4, 0.4, n_parcels)) * step
    px, py = np.round(px, 2), np.round(py, 2)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.column_stack([px, py])),
                                                       extend_to=square, ordered=True))
    edge = ~shapely.within(cells, square)
    cells[edge] = shapely.intersection(cells[edge], square)
    geoms = shapely.transform(cells, lambda c: np.round(c, 2))  # shared vertices stay shared
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = [_polygons(shapely.make_valid(g))[0] for g in geoms[bad]]
    n = len(geoms)
    u, v = (px - x0) / side, (py - y0) / side
    river_v = _syn_river_v(u)
    d_river = np.abs(v - river_v) * side / 1000.0  # km
    t = np.clip((0.3 - v) / 0.22, 0.0, 1.0)
    relief = 0.75 + 0.25 * np.sin(9.0 * u + 1.0)
    hill = 300.0 * _smoothstep(t) * relief
    slope = np.degrees(np.arctan(300.0 * relief * 6 * t * (1 - t) / (0.22 * side))) + rng.gamma(1.2, 1.0, n)
    if seats is None:
        seat = np.hypot(u - 0.5, v - 0.5) < 0.07
        industrial = (u > 0.58) & (u < 0.72) & (v > 0.47) & (v < river_v - 0.01)
    else:
        seat, industrial = seat_masks(u, v, seats)
    n_v = max(3, int(side * side / 1.8e6))
    centres = rng.uniform(0.04, 0.96, (n_v, 2))
    vxy = np.column_stack([x0 + centres[:, 0] * side, y0 + centres[:, 1] * side])
    dist, vi = cKDTree(vxy).query(np.column_stack([px, py]))
    radius = rng.uniform(150.0, 260.0, n_v)
    in_village = (dist < radius[vi]) & ~seat & ~industrial
    code = np.full(n, "", dtype=object)

    def put(mask: np.ndarray, table: Mapping[str, float]) -> None:
        m = mask & (code == "")
        code[m] = _choose(rng, int(m.sum()), table)

    put(d_river < max(0.06, 0.6 * step / 1000.0), {"1101": 1})  # a continuous chain of river cells
    put(seat, _SEAT)
    put(industrial, _INDUSTRIAL)
    put(in_village, _VILLAGE)
    put(hill > 150, _HILL_HIGH)
    put(hill > 30, _HILL_LOW)
    put(d_river < 0.3, _BANK_NORTH)
    put(np.ones(n, dtype=bool), _PLAINS)
    farm = code == "farm"
    p_paddy = np.clip((1.2 - d_river) / 0.7, 0.0, 1.0) * 0.85 * (hill < 5)
    w = rng.random(n)
    code[farm] = np.where(w < p_paddy, "0101", np.where(w < p_paddy + (1 - p_paddy) * 0.6, "0102", "0103"))[farm]
    construction = np.array([bool(CONSTRUCTION_PATTERN.match(c)) for c in code])
    czcs = np.where(seat | industrial, "202", np.where(in_village, "203", ""))
    czcs = np.where((czcs == "") & construction, "202A", czcs)
    czcs = np.where(code == "0602", "204", czcs)
    names = _synthetic_village_names(n_v)
    vcodes = np.array([f"{TOWN_CODE}{i + 1:03d}0000000" if i < 999 else f"{COUNTY_CODE}9{i + 1:05d}0000000"
                       for i in range(n_v)])
    score = 5.6 + 1.25 * np.minimum(d_river, 4.0) + 0.03 * hill + 0.12 * slope
    dltb, order = _dltb_frame(geoms, rng, dlbm=code, czcsxm=czcs, village_code=vcodes[vi],
                              village_name=names[vi], slope_deg=slope, grade_score=score)
    layout = {"square": square, "side": side, "x0": x0, "y0": y0, "u": u[order], "v": v[order]}  # in the rows' order
    return dltb, layout


def seat_masks(u: np.ndarray, v: np.ndarray, seats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which points (u, v in shares of the square's side) lie in a town seat, and which in its industrial zone.

    Seat :math:`i` at :math:`(u_i, v_i)` of radius :math:`r_i` is the disc :math:`|(u, v) - (u_i, v_i)| < r_i`;
    its industrial zone the box :math:`u_i + 1.1 r_i < u < u_i + 2.1 r_i`, :math:`|v - v_i| < 0.6 r_i`, outside
    every seat.
    """
    seat = np.zeros(len(u), dtype=bool)
    industrial = np.zeros(len(u), dtype=bool)
    for us, vs, r in np.asarray(seats, dtype=float):
        seat |= np.hypot(u - us, v - vs) < r
        industrial |= (u > us + 1.1 * r) & (u < us + 2.1 * r) & (np.abs(v - vs) < 0.6 * r)
    return seat, industrial & ~seat


# The protected zones of a synthetic frame, in the frame's unit square (v south to north, u west to east):
# the southern hill strip, a corridor along the river, and the river's western reach (水源地).
_SYN_HILL_V = 0.1
_SYN_RIVER_BUFFER_M = 150.0
_SYN_WATER_U = 0.3
_SYN_WATER_BUFFER_M = 500.0


def synthetic_excluded(u: np.ndarray, v: np.ndarray, side: float, margin_m: float) -> np.ndarray:
    """Points (u, v in the unit square of a frame ``side`` metres wide) in the ecological or water-source zone of
    :func:`synthetic_layers`, approximately: by the river's vertical distance, widened by ``margin_m`` metres."""
    d_m = np.abs(v - _syn_river_v(u)) * side
    return np.asarray((v < _SYN_HILL_V + margin_m / side) | (d_m < _SYN_RIVER_BUFFER_M + margin_m)
                      | ((u < _SYN_WATER_U + _SYN_WATER_BUFFER_M / side) & (d_m < _SYN_WATER_BUFFER_M + margin_m)))


def synthetic_layers(dltb: gpd.GeoDataFrame, layout: dict[str, Any], czkfbj: Any, name: str
                     ) -> dict[str, gpd.GeoDataFrame]:
    """The zoning layers of a synthetic frame (:func:`write_synthetic`) around a given 城镇开发边界 ``czkfbj``.

    ``XZQ`` (the square), ``CZKFBJ``, ``YJJBNTBHTB`` (good farmland outside the boundary and the
    ecological zone, following parcel edges), ``STBHHX`` (the southern hill strip and the river
    corridor) and ``YYSYDBHQ`` (the river's western reach).
    """
    side, x0, y0, square = layout["side"], layout["x0"], layout["y0"], layout["square"]
    geoms = np.asarray(dltb.geometry.values)
    us = np.linspace(0.0, 1.0, 200)
    river = shapely.LineString(np.column_stack([x0 + us * side, y0 + _syn_river_v(us) * side]))
    eco = _clean(shapely.union_all([shapely.box(x0, y0, x0 + side, y0 + _SYN_HILL_V * side),
                                    shapely.intersection(river.buffer(_SYN_RIVER_BUFFER_M), square)]))
    grade = dltb["GDDB"].to_numpy(dtype=float, na_value=np.nan)
    rp = shapely.point_on_surface(geoms)
    free = ~shapely.contains_xy(shapely.union_all([czkfbj, eco]), shapely.get_x(rp), shapely.get_y(rp))
    chosen = (grade <= 10) & free
    basic = _clean(shapely.difference(shapely.coverage_union_all(geoms[chosen]), shapely.union_all([czkfbj, eco])),
                   500.0)
    basic_parts = _polygons(basic)
    west = shapely.box(x0, y0, x0 + _SYN_WATER_U * side, y0 + side)
    water = _clean(shapely.intersection(shapely.intersection(river, west).buffer(_SYN_WATER_BUFFER_M), square))
    return {
        "DLTB": dltb,
        "XZQ": _frame({"XZQDM": [TOWN_CODE], "XZQMC": [name]}, [square]),
        "CZKFBJ": _frame({"name": ["城镇开发边界"]}, [czkfbj]),
        "YJJBNTBHTB": _frame({"TBBH": [f"{i + 1:06d}" for i in range(len(basic_parts))]}, basic_parts),
        "STBHHX": _frame({"name": ["生态保护红线"]}, [eco]),
        "YYSYDBHQ": _frame({"name": ["水源地"], "level": ["二级"]}, [water]),
    }


def _syn_river_v(u: Any) -> np.ndarray:
    """The synthetic town's river: v (0–1, south to north) as a function of u (0–1, west to east)."""
    return 0.62 + 0.04 * np.sin(2 * np.pi * 1.5 * np.asarray(u) + 0.3)


def _synthetic_village_names(n: int) -> np.ndarray:
    names = [f"{s}{x}村" for x in _SYN_SUFFIX for s in _SYN_SURNAMES]
    out = [names[i % len(names)] if i < len(names) else f"{names[i % len(names)][:-1]}{i // len(names) + 1}村"
           for i in range(n)]
    return np.array(out, dtype=object)


def write_synthetic(folder: str | Path, n_parcels: int, seed: int = 0, *, mean_area_m2: float = 5000.0,
                    dem: bool = True) -> Path:
    """Write a synthetic town for benchmarks: ``synthetic.gpkg`` (and ``dem.tif``) in ``folder``.

    The GeoPackage holds ``DLTB`` (:func:`synthetic_parcels`), ``XZQ`` (the square) and the zoning
    layers scaled to the town: ``CZKFBJ`` (the seat and industrial zone grown by 30 %),
    ``YJJBNTBHTB`` (most good farmland outside it, following parcel edges), ``STBHHX`` (the hill
    core and the river corridor) and ``YYSYDBHQ`` (the river's western reach).

    Parameters
    ----------
    folder : str or Path
        Output folder (created if needed).
    n_parcels : int
        Number of parcels.
    seed : int
        Seed of the random generator.
    mean_area_m2 : float
        Mean parcel area in m².
    dem : bool
        Also write a 30 m ``dem.tif`` covering the square.

    Returns
    -------
    Path
        The GeoPackage written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dltb, lay = _synthetic(n_parcels, seed, mean_area_m2)
    side, x0, y0, square = lay["side"], lay["x0"], lay["y0"], lay["square"]
    seat = shapely.Point(x0 + 0.5 * side, y0 + 0.5 * side).buffer(0.07 * side)
    industrial = shapely.box(x0 + 0.58 * side, y0 + 0.47 * side, x0 + 0.72 * side, y0 + 0.6 * side)
    grow = math.sqrt(1.3) - 1.0
    czkfbj = _clean(shapely.intersection(shapely.union_all([seat.buffer(grow * 0.07 * side),
                                                            industrial.buffer(grow * 0.1 * side)]), square))
    layers = synthetic_layers(dltb, lay, czkfbj, f"合成镇{n_parcels}")
    path = folder / "synthetic.gpkg"
    meta = {**_provenance(seed), "n_parcels": str(n_parcels), "mean_area_m2": f"{mean_area_m2:g}"}
    _write_layers(path, layers)
    if dem:
        c = DEM_CELL_M
        ncell = math.ceil(side / c)
        transform = Affine(c, 0.0, x0, 0.0, -c, y0 + ncell * c)
        uu, vv = np.meshgrid((np.arange(ncell) + 0.5) * c / side, 1.0 - (np.arange(ncell) + 0.5) * c / side)
        rng = np.random.default_rng(seed + 1)
        noise = ndimage.gaussian_filter(rng.standard_normal((ncell, ncell)), 6.0)
        noise /= noise.std()
        t = np.clip((0.3 - vv) / 0.22, 0.0, 1.0)
        z = 90.0 + 2.0 * np.abs(vv - _syn_river_v(uu)) * side / 1000.0 + 300.0 * _smoothstep(t) * (
            0.75 + 0.25 * np.sin(9.0 * uu + 1.0)) + (1.0 + 20.0 * t) * noise
        _write_dem(folder / "dem.tif", z.astype(np.float32), transform, meta)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m landkit.sample FOLDER [--seed N] [--synthetic N_PARCELS]``."""
    parser = argparse.ArgumentParser(prog="python -m landkit.sample",
                                     description="Write the 探沂镇 sample town (or a synthetic town) into FOLDER.")
    parser.add_argument("folder")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--synthetic", type=int, metavar="N_PARCELS",
                        help="write a synthetic town of this many parcels instead of the sample")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.synthetic:
        path = write_synthetic(args.folder, args.synthetic, seed=0 if args.seed is None else args.seed)
        print(f"wrote {path} in {time.perf_counter() - t0:.1f} s")
    else:
        generate_sample(args.folder, seed=DEFAULT_SEED if args.seed is None else args.seed)
        print(f"wrote {Path(args.folder) / 'tanyi.gpkg'} and dem.tif in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def synthetic_town(n_parcels: int = 100_000, *, seed: int = 0, mean_area_m2: float = 5000.0) -> Town:
    """A synthetic :class:`~landkit.town.Town` of ``n_parcels`` parcels for benchmarks and tests.

    The parcels and zoning layers of :func:`write_synthetic` are written to a temporary folder, read
    back through the normal validated path (:meth:`Town.from_files`) and the folder is removed; the
    Town holds everything in memory (no DEM, so no terrain columns).
    """
    with tempfile.TemporaryDirectory(prefix="landkit-synthetic-") as tmp:
        path = write_synthetic(tmp, n_parcels, seed, mean_area_m2=mean_area_m2, dem=False)
        return Town.from_files(path)
