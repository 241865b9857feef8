"""Rasters: georeferencing, CRS and grid checks, windowed zonal means, slope."""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from pyproj import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.windows import Window

from landkit._errors import ArgumentError, CRSError, Problem, ValidationError
from landkit.io._crs import CRS_HINT, crs_label, identify_crs, same_crs
from landkit.io._vector import PathLike, check_exists

log = logging.getLogger("landkit.io")

#: GDAL block cache for raster work, in MB (ARCHITECTURE.md: 64 MB keeps windowed work bounded).
GDAL_CACHEMAX_MB = 64



@dataclass(frozen=True)
class RasterInfo:
    """Georeferencing of a raster.

    Attributes
    ----------
    path : str
    crs : pyproj.CRS or None
    transform : affine.Affine
    width, height : int
        Columns and rows.
    res : (float, float)
        Cell size (x, y) in CRS units.
    nodata : float or None
    bounds : (float, float, float, float)
        left, bottom, right, top.
    dtype : str
        Data type of band 1.
    count : int
        Number of bands.
    """

    path: str
    crs: CRS | None
    transform: Any
    width: int
    height: int
    res: tuple[float, float]
    nodata: float | None
    bounds: tuple[float, float, float, float]
    dtype: str
    count: int = 1

    def describe(self) -> str:
        """One line: origin, cell size, size and CRS."""
        crs = crs_label(self.crs) if self.crs is not None else "no CRS"
        return (f"{self.path}: origin ({self.transform.c:,.3f}, {self.transform.f:,.3f}), cell "
                f"{self.res[0]:g} × {self.res[1]:g}, {self.width} × {self.height} cells, {crs}")


def _open_raster(path: PathLike) -> Any:
    """Open a raster; a raster without any georeferencing is a CRSError, not a warning."""
    text = os.fspath(path)
    if not text.startswith("/vsi") and "://" not in text:
        check_exists(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            src = rasterio.open(text)
        except rasterio.errors.RasterioIOError as exc:
            raise ValidationError(text, [Problem(text, f"cannot be opened as a raster: {exc}", "",
                                                 "unreadable")]) from exc
    if any(issubclass(w.category, NotGeoreferencedWarning) for w in caught):
        src.close()
        raise CRSError(text, [Problem(
            f"raster {text}", "has no georeferencing (no CRS and no geotransform); landkit never guesses one",
            "georeference it in GIS, or with gdal_translate -a_srs EPSG:4548 -a_ullr <left> <top> <right> "
            "<bottom> in.tif out.tif", "missing_crs")])
    for w in caught:
        log.info("%s: %s", text, w.message)
    return src


def read_raster_info(path: PathLike) -> RasterInfo:
    """CRS, grid and data type of a raster (nothing is read but the header).

    Parameters
    ----------
    path : path
        GeoTIFF or any raster GDAL reads (also ``/vsimem/`` paths).

    Returns
    -------
    RasterInfo
    """
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHEMAX_MB), _open_raster(path) as src:
        crs = CRS.from_user_input(src.crs.to_wkt()) if src.crs is not None else None
        if crs is not None:
            crs = identify_crs(crs)[0]
        left, bottom, right, top = (float(b) for b in src.bounds)
        return RasterInfo(
            path=os.fspath(path), crs=crs, transform=src.transform, width=src.width, height=src.height,
            res=(float(src.res[0]), float(src.res[1])), nodata=src.nodata,
            bounds=(left, bottom, right, top), dtype=str(src.dtypes[0]), count=src.count,
        )


def check_raster(path: PathLike, *, like: RasterInfo | PathLike | None = None,
                 town_crs: Any = None) -> RasterInfo:
    """Check a raster's CRS and, against another raster, its grid alignment.

    Parameters
    ----------
    path : path
        The raster to check.
    like : RasterInfo or path, optional
        Reference grid: the raster must have the same CRS, the same cell size, and an origin offset
        of a whole number of cells.
    town_crs : CRS-like, optional
        The town CRS the raster must be in.

    Returns
    -------
    RasterInfo

    Raises
    ------
    landkit.CRSError
        The raster has no CRS, or a CRS other than ``town_crs`` or ``like``'s.
    landkit.ValidationError
        The grids are not aligned, or the raster is rotated; the message shows both grids and how
        to warp one onto the other.
    """
    info = read_raster_info(path)
    where = f"raster {info.path}"
    if info.crs is None:
        target = crs_label(CRS.from_user_input(town_crs)) if town_crs is not None else "EPSG:4548"
        epsg = target.split(" ")[0]
        raise CRSError(info.path, [Problem(
            where, "has no CRS; landkit never guesses one",
            f"set it if you know it: gdal_edit.py -a_srs {epsg} {info.path} (or with rasterio: "
            f"rasterio.open(path, 'r+').crs = '{epsg}'), or warp it: gdalwarp -t_srs {epsg} in.tif out.tif",
            "missing_crs")])
    if info.transform.b != 0 or info.transform.d != 0:
        raise ValidationError(info.path, [Problem(
            where, "is rotated or sheared; landkit needs north-up grids",
            f"gdalwarp -t_srs {crs_label(info.crs).split(' ')[0]} {info.path} north_up.tif", "raster_grid")])
    if town_crs is not None and not same_crs(info.crs, town_crs):
        town = CRS.from_user_input(town_crs)
        tcode = crs_label(town).split(" ")[0]
        raise CRSError(info.path, [Problem(
            where, f"is in {crs_label(info.crs)}, the town in {crs_label(town)}",
            f"reproject it: gdalwarp -t_srs {tcode} -tr {info.res[0]:g} {info.res[1]:g} -tap -r bilinear "
            f"{info.path} out.tif (use the town's cell size in metres), or rasterio.warp.reproject",
            "crs_mismatch")])
    if like is not None:
        ref = like if isinstance(like, RasterInfo) else read_raster_info(like)
        both = f"this grid: {info.describe()}; reference grid: {ref.describe()}"
        warp = (f"warp it onto the reference grid: gdalwarp -t_srs {crs_label(ref.crs).split(' ')[0]} "
                f"-te {ref.bounds[0]:.3f} {ref.bounds[1]:.3f} {ref.bounds[2]:.3f} {ref.bounds[3]:.3f} "
                f"-ts {ref.width} {ref.height} -r bilinear {info.path} aligned.tif, or use "
                "rasterio.warp.reproject with dst_transform=<reference transform>"
                if ref.crs is not None else "give the reference raster a CRS")
        if ref.crs is None or not same_crs(info.crs, ref.crs):
            raise CRSError(info.path, [Problem(where, f"CRS differs from the reference raster ({both})",
                                               warp, "crs_mismatch")])
        rx, ry = ref.res
        if not (math.isclose(info.res[0], rx, rel_tol=1e-9) and math.isclose(info.res[1], ry, rel_tol=1e-9)):
            raise ValidationError(info.path, [Problem(
                where, f"cell size {info.res[0]:g} × {info.res[1]:g} differs from the reference "
                f"{rx:g} × {ry:g} ({both})", warp, "raster_grid")])
        off_x = (info.transform.c - ref.transform.c) / rx
        off_y = (info.transform.f - ref.transform.f) / ry
        if abs(off_x - round(off_x)) > 1e-6 or abs(off_y - round(off_y)) > 1e-6:
            raise ValidationError(info.path, [Problem(
                where, f"is not aligned with the reference: origin offset {off_x:.3f} × {off_y:.3f} cells "
                f"is not a whole number of cells ({both})", warp, "raster_grid")])
    return info


def read_raster(path: PathLike, *, band: int = 1) -> tuple[np.ndarray, RasterInfo]:
    """One band as float64 with NaN for nodata, and its :class:`RasterInfo`.

    Reads the whole band: meant for town-sized rasters (a 30 m DEM of 100 km² is ~110,000 cells).
    Use :func:`zonal_mean` for windowed statistics over large rasters.
    """
    info = read_raster_info(path)
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHEMAX_MB), _open_raster(path) as src:
        data = src.read(band, masked=True).astype("float64").filled(np.nan)
    return data, info


def slope_deg(dem_array: np.ndarray, res: float | tuple[float, float]) -> np.ndarray:
    """Slope in degrees from a DEM array (central differences, one-sided at the edges).

    Parameters
    ----------
    dem_array : ndarray
        Elevations (m), rows north to south; NaN (or masked) cells give NaN there and at their neighbours.
    res : float or (float, float)
        Cell size in metres, ``(x, y)`` when they differ (a rasterio ``src.res``).

    Returns
    -------
    ndarray
        Slope in degrees, same shape.
    """
    dem: np.ndarray = np.ma.filled(np.ma.asarray(dem_array, dtype="float64"), np.nan)
    if np.isscalar(res):
        rx = ry = float(cast(float, res))
    else:
        pair = cast(tuple[float, float], res)
        rx, ry = float(pair[0]), float(pair[1])
    if dem.shape[0] < 2 or dem.shape[1] < 2:
        return np.full(dem.shape, np.nan)
    dz_dy, dz_dx = np.gradient(dem, abs(ry), abs(rx))
    slope: np.ndarray = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    slope[~np.isfinite(dem)] = np.nan
    return slope


def _centre_range(lo: np.ndarray, hi: np.ndarray, origin: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """First and last cell index whose centre lies in [lo, hi] along one axis (step may be < 0)."""
    t1 = (lo - origin) / step - 0.5
    t2 = (hi - origin) / step - 0.5
    return np.ceil(np.minimum(t1, t2)).astype(np.int64), np.floor(np.maximum(t1, t2)).astype(np.int64)


def _zonal_core(
    geoms: np.ndarray,
    transform: Any,
    shape: tuple[int, int],
    read_block: Callable[[int, int, int, int], np.ndarray],
    nodata: float | None,
    block_cells: int,
) -> np.ndarray:
    """Mean of the cells whose centres fall in each polygon, block by block, plus fallbacks.

    Per block of rows, every (polygon, cell centre inside its bounding box) pair is tested at once
    with ``shapely.intersects_xy``, in chunks of at most ``block_cells`` pairs; sums and counts
    are accumulated with ``np.bincount``. Memory is bounded by the block and chunk sizes.
    """
    n = len(geoms)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if n == 0 or not ok.any():
        return np.full(n, np.nan)
    bounds = shapely.bounds(geoms)
    a, e, c, f = transform.a, transform.e, transform.c, transform.f
    cfirst, clast = _centre_range(bounds[:, 0], bounds[:, 2], c, a)
    rfirst, rlast = _centre_range(bounds[:, 1], bounds[:, 3], f, e)
    # cells under the representative point, for polygons that cover no cell centre
    reps = shapely.point_on_surface(geoms[ok])
    rep_idx = np.flatnonzero(ok)
    rep_col = np.floor((shapely.get_x(reps) - c) / a).astype(np.int64)
    rep_row = np.floor((shapely.get_y(reps) - f) / e).astype(np.int64)
    rep_val = np.full(n, np.nan)
    # the raster window covering the polygons
    col0 = max(0, int(min(cfirst[ok].min(), rep_col.min())))
    col1 = min(shape[1], int(max(clast[ok].max(), rep_col.max())) + 1)
    row0 = max(0, int(min(rfirst[ok].min(), rep_row.min())))
    row1 = min(shape[0], int(max(rlast[ok].max(), rep_row.max())) + 1)
    sums = np.zeros(n)
    counts = np.zeros(n)
    if col1 <= col0 or row1 <= row0:
        return np.full(n, np.nan)
    rows_per_block = max(1, block_cells // (col1 - col0))
    for r0 in range(row0, row1, rows_per_block):
        r1 = min(row1, r0 + rows_per_block)
        c_lo, c_hi = np.maximum(cfirst, col0), np.minimum(clast, col1 - 1)
        r_lo, r_hi = np.maximum(rfirst, r0), np.minimum(rlast, r1 - 1)
        ncols = np.where(ok, c_hi - c_lo + 1, 0).clip(min=0)
        nrows = np.where(ok, r_hi - r_lo + 1, 0).clip(min=0)
        ncell = ncols * nrows
        in_block = (rep_row >= r0) & (rep_row < r1) & (rep_col >= col0) & (rep_col < col1)
        idx = np.flatnonzero(ncell > 0)
        if len(idx) == 0 and not in_block.any():
            continue
        data = np.asarray(read_block(r0, r1, col0, col1), dtype="float64")
        valid = np.isfinite(data)
        if nodata is not None and not math.isnan(nodata):
            valid &= data != nodata
        if in_block.any():
            rr, cc = rep_row[in_block] - r0, rep_col[in_block] - col0
            rep_val[rep_idx[in_block]] = np.where(valid[rr, cc], data[rr, cc], np.nan)
        # chunks of polygons with at most block_cells pairs (a single polygon may exceed it alone)
        csum = np.cumsum(ncell[idx])
        start = 0
        while start < len(idx):
            base = csum[start - 1] if start else 0
            stop = max(start + 1, int(np.searchsorted(csum, base + block_cells, side="right")))
            chunk = idx[start:stop]
            start = stop
            counts_c = ncell[chunk]
            owner = np.repeat(np.arange(len(chunk)), counts_c)
            k = np.arange(int(counts_c.sum())) - np.repeat(np.cumsum(counts_c) - counts_c, counts_c)
            width = ncols[chunk][owner]
            rr = r_lo[chunk][owner] + k // width
            cc = c_lo[chunk][owner] + k % width
            inside = shapely.intersects_xy(geoms[chunk][owner], c + (cc + 0.5) * a, f + (rr + 0.5) * e)
            rr, cc = rr - r0, cc - col0
            use = inside & valid[rr, cc]
            poly = chunk[owner[use]]
            sums += np.bincount(poly, weights=data[rr[use], cc[use]], minlength=n)
            counts += np.bincount(poly, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
    return np.where(counts > 0, mean, rep_val)


def zonal_mean(
    gdf: gpd.GeoDataFrame,
    raster: PathLike | np.ndarray,
    *,
    band: int = 1,
    transform: Any = None,
    crs: Any = None,
    nodata: float | None = None,
    block_cells: int = 1_000_000,
) -> np.ndarray:
    """Mean raster value inside each polygon, memory-bounded.

    Cells count when their centre lies in the polygon; a polygon that covers no cell centre (smaller
    than a cell) gets the value of the cell under its representative point. Nodata cells are
    ignored; a polygon with no valid cell, or outside the raster, gets NaN. The raster is processed
    in blocks of rows (``block_cells`` cells each); within a block every polygon is tested against
    the cell centres in its bounding box in one vectorised call (``shapely.intersects_xy``) and the
    values summed with ``np.bincount``: no per-polygon Python loop. A cell centre on a shared edge,
    or under overlapping polygons, counts for each of them.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons; reprojected to the raster's CRS when it differs.
    raster : path or ndarray
        A raster file (also ``/vsimem/``), or a 2-D array with ``transform`` and ``crs``.
    band : int
        Band to read from a file.
    transform, crs, nodata
        Georeferencing and nodata value of an array ``raster``.
    block_cells : int
        Cells read per block, and (polygon, cell) pairs tested per chunk (default one million:
        ~100 MB of work arrays at most).

    Returns
    -------
    ndarray
        One float per row of ``gdf``, in its order.
    """
    if gdf.crs is None:
        raise CRSError("zonal_mean", [Problem("polygons", "have no CRS", CRS_HINT, "missing_crs")])
    if isinstance(raster, np.ndarray):
        if transform is None or crs is None:
            raise ArgumentError("an array raster needs transform= and crs=")
        arr = raster
        geoms = _geoms_in(gdf, crs)
        return _zonal_core(geoms, transform, arr.shape, lambda r0, r1, c0, c1: arr[r0:r1, c0:c1],
                           nodata, block_cells)
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHEMAX_MB), _open_raster(raster) as src:
        if src.crs is None:
            raise CRSError(os.fspath(raster), [Problem(f"raster {os.fspath(raster)}", "has no CRS",
                                                       "gdal_edit.py -a_srs EPSG:4548 <raster>", "missing_crs")])
        if src.transform.b != 0 or src.transform.d != 0:
            raise ValidationError(os.fspath(raster), [Problem(
                f"raster {os.fspath(raster)}", "is rotated; landkit needs north-up grids",
                "gdalwarp it to a north-up grid", "raster_grid")])
        geoms = _geoms_in(gdf, src.crs.to_wkt())

        def read(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
            block: np.ndarray = src.read(band, window=Window(c0, r0, c1 - c0, r1 - r0))
            return block

        return _zonal_core(geoms, src.transform, (src.height, src.width), read, src.nodata, block_cells)


def _geoms_in(gdf: gpd.GeoDataFrame, crs: Any) -> np.ndarray:
    """The polygons as a shapely array in ``crs``."""
    if not same_crs(gdf.crs, crs):
        gdf = gdf.to_crs(CRS.from_user_input(crs))
    return np.asarray(gdf.geometry.values, dtype=object)
