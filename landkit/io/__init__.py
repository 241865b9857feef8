"""Reading real data: 三调 parcels, zoning layers and rasters.

:func:`read_parcels` reads 地类图斑 (DLTB) from a GeoPackage, shapefile (also zipped, or a folder of
shapefiles) or File Geodatabase; :func:`read_layer` reads zoning and context layers (永久基本农田
YJJBNTBHTB, 生态保护红线 STBHHX, 城镇开发边界 CZKFBJ, 饮用水水源保护区 ...) the same way.

- **Layers**: a layer name that does not exist is a :class:`landkit.ValidationError` listing the
  layers that do. Without ``layer=``, ``DLTB`` (any case) is picked, or the only layer.
- **Encoding**: shapefiles from Chinese sources are often GBK-encoded without a ``.cpg`` file.
  An explicit ``encoding=`` wins; otherwise a ``.cpg`` is used when its text decodes the file;
  otherwise the raw ``.dbf`` text is tried as strict UTF-8, then GB18030 (a superset of GBK and
  GB2312). What was decided is recorded in ``gdf.attrs["landkit"]["notes"]``.
- **CRS**: a geographic CRS (EPSG:4490, 4326) is reprojected to the CGCS2000 3-degree Gauss-Kruger
  zone of the data's centre (:func:`gk_zone_epsg`) before any area is computed; a missing CRS is a
  :class:`landkit.CRSError` saying how to set one, never a guess. Coordinates that cannot be in the
  stated CRS (projected numbers under a geographic CRS, a zone prefix the CRS lacks) are errors too.
- **Fields**: standard names are matched case-insensitively and renamed to upper case; codes
  become stripped text, areas floats, grades nullable integers (see :func:`normalise_fields`).
- **Rasters**: :func:`check_raster` checks CRS and grid alignment; :func:`zonal_mean` is windowed
  and vectorised (cell centres tested per block with ``shapely.intersects_xy``, summed with
  ``np.bincount``), with GDAL's cache capped.

The package is split by concern: ``_vector`` (layers, fields, read_parcels, read_layer), ``_crs``
(zones, CRS identification and checks), ``_encoding`` (shapefile text) and ``_raster``. Import
from ``landkit.io``.
"""
from landkit.io._crs import gk_zone_epsg, to_projected
from landkit.io._raster import (
    GDAL_CACHEMAX_MB,
    RasterInfo,
    check_raster,
    read_raster,
    read_raster_info,
    slope_deg,
    zonal_mean,
)
from landkit.io._vector import list_layers, normalise_fields, read_layer, read_parcels

__all__ = [
    "GDAL_CACHEMAX_MB",
    "RasterInfo",
    "check_raster",
    "gk_zone_epsg",
    "list_layers",
    "normalise_fields",
    "read_layer",
    "read_parcels",
    "read_raster",
    "read_raster_info",
    "slope_deg",
    "to_projected",
    "zonal_mean",
]
