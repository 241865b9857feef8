"""CRS handling: Gauss-Kruger zones, identification, sanity of coordinates, reprojection."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer

from landkit._errors import CRSError, Problem

CRS_HINT = (
    "add the .prj file that came with the data, or pass crs='EPSG:4490' (CGCS2000 longitude/latitude) "
    "or crs='EPSG:4548' (CGCS2000 3-degree Gauss-Kruger CM 117E) to read_parcels/read_layer; for a "
    "GeoDataFrame in memory use gdf.set_crs(...)"
)


def gk_zone_epsg(lon_deg: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (no zone prefix) for a longitude.

    Zones are centred on multiples of 3°: central meridian = 3·round(lon/3), from EPSG:4534
    (CM 75E) to EPSG:4554 (CM 135E). 探沂镇 (118.1°E) is in EPSG:4548 (CM 117E).

    Parameters
    ----------
    lon_deg : float
        Longitude in degrees east.

    Returns
    -------
    int
        The EPSG code.

    Raises
    ------
    landkit.CRSError
        When the longitude is outside China's zones (73.5°E–136.5°E) or not finite.
    """
    if not math.isfinite(lon_deg):
        raise CRSError("longitude", [Problem("longitude", f"{lon_deg} is not a finite longitude", "",
                                             "crs_mismatch")])
    cm = 3 * math.floor(lon_deg / 3 + 0.5)
    if not 75 <= cm <= 135:
        raise CRSError("longitude", [Problem(
            "longitude", f"{lon_deg:.4f}°E is outside the CGCS2000 Gauss-Kruger zones (73.5°E–136.5°E)",
            "pass target_crs= with the projected CRS to use", "crs_mismatch")])
    return 4534 + (cm - 75) // 3


def identify_crs(crs: CRS) -> tuple[CRS, str]:
    """Replace a CRS that is an EPSG CRS in other words (e.g. an ESRI .prj) by the EPSG CRS."""
    code = crs.to_epsg(min_confidence=90)
    if code is None:
        return crs, ""
    epsg = CRS.from_epsg(code)
    if crs == epsg:
        return crs, ""
    return epsg, f"CRS {crs.name!r} identified as EPSG:{code}"


def same_crs(a: Any, b: Any) -> bool:
    """Whether two CRS-like values denote the same CRS (tolerating ESRI vs EPSG spellings)."""
    ca, cb = CRS.from_user_input(a), CRS.from_user_input(b)
    if ca == cb:
        return True
    ea, eb = identify_crs(ca)[0].to_epsg(), identify_crs(cb)[0].to_epsg()
    return ea is not None and ea == eb


def crs_label(crs: CRS) -> str:
    """``"EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E)"``, or the CRS name."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _prefix_hint(x: float) -> str:
    """Suggest the zone-prefixed CGCS2000 CRS for an easting that carries a zone number."""
    zone = int(x // 1e6)
    if 25 <= zone <= 45:
        return (f"x ≈ {x:,.0f} carries the 3-degree zone prefix {zone}: use EPSG:{4513 + zone - 25} "
                f"(CGCS2000 3-degree GK zone {zone}), or subtract {zone}000000 and use "
                f"EPSG:{4534 + zone - 25}")
    if 13 <= zone <= 23:
        return f"x ≈ {x:,.0f} carries the 6-degree zone prefix {zone}: use EPSG:{4491 + zone - 13}"
    return ""


def _check_coordinates(gdf: gpd.GeoDataFrame, crs: CRS, source: str) -> None:
    """CRSError when the coordinates cannot be in ``crs`` (a wrong .prj or crs= argument)."""
    if len(gdf) == 0:
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return
    if crs.is_geographic:
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            hint = _prefix_hint(maxx) or (
                "the coordinates look projected (metres): pass the projected CRS instead, e.g. "
                "crs='EPSG:4548' for CGCS2000 3-degree GK CM 117E")
            raise CRSError(source, [Problem(
                source, f"the CRS is geographic ({crs_label(crs)}) but the coordinates reach "
                f"x = {maxx:,.1f}, y = {maxy:,.1f}, which are not degrees", hint, "crs_mismatch")])
        return
    aou = crs.area_of_use
    if aou is None:
        return
    try:
        tr = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        lon0, lat0, lon1, lat1 = tr.transform_bounds(minx, miny, maxx, maxy)
    except Exception:  # any failure means the numbers are not in this CRS
        lon0 = lat0 = lon1 = lat1 = math.nan
    margin = 2.0
    inside = (np.isfinite([lon0, lat0, lon1, lat1]).all() and lon1 >= aou.west - margin
              and lon0 <= aou.east + margin and lat1 >= aou.south - margin and lat0 <= aou.north + margin)
    if not inside:
        hint = _prefix_hint(maxx) or (
            "the CRS in the file (or crs=) is probably wrong; CGCS2000 3-degree GK zones without prefix "
            "are EPSG:4534–4554 (EPSG:4548 for CM 117E)")
        raise CRSError(source, [Problem(
            source, f"coordinates x {minx:,.1f}–{maxx:,.1f}, y {miny:,.1f}–{maxy:,.1f} are not in the area "
            f"where {crs_label(crs)} is used ({aou.name}: {aou.west}°–{aou.east}°E, "
            f"{aou.south}°–{aou.north}°N)", hint, "crs_mismatch")])


def _convention_notes(crs: CRS) -> list[str]:
    """Notes when a projected CRS is not the landkit convention (CGCS2000 GK, no zone prefix)."""
    code = crs.to_epsg()
    if code is not None and 4534 <= code <= 4554:
        return []
    if code is not None and 4513 <= code <= 4533:
        plain = 4534 + code - 4513
        return [f"EPSG:{code} is the zone-prefixed form of EPSG:{plain}; kept as is (pass "
                f"target_crs='EPSG:{plain}' for landkit's convention)"]
    datum = crs.datum.name if crs.datum is not None else "unknown"
    return [f"kept in {crs_label(crs)} (datum {datum}); landkit's convention is a CGCS2000 3-degree "
            "Gauss-Kruger zone (EPSG:4534–4554): pass target_crs= to convert"]


def to_projected(
    gdf: gpd.GeoDataFrame,
    target_crs: Any = None,
    *,
    source: str = "<layer>",
) -> tuple[gpd.GeoDataFrame, str]:
    """Bring a layer into a projected CRS in which areas and distances can be computed.

    A geographic CRS (EPSG:4490, 4326, ...) is reprojected to the CGCS2000 3-degree Gauss-Kruger
    zone of the layer's centre (:func:`gk_zone_epsg`), or to ``target_crs`` when given. A projected
    layer is kept as it is unless ``target_crs`` differs. A CRS written in other words than its
    EPSG definition (an ESRI ``.prj``) is replaced by the EPSG CRS.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer.
    target_crs : CRS-like, optional
        Projected CRS to reproject to (e.g. the town CRS ``"EPSG:4548"``).
    source : str
        File and layer, for messages.

    Returns
    -------
    (GeoDataFrame, str)
        The layer in a projected CRS, and a note of what was done (empty when nothing was).

    Raises
    ------
    landkit.CRSError
        When the layer has no CRS (the message says how to set one), when ``target_crs`` is not
        projected, or when the coordinates cannot be in the stated CRS.
    """
    if gdf.crs is None:
        raise CRSError(source, [Problem(source, "has no coordinate reference system (CRS); landkit "
                                        "never guesses one", CRS_HINT, "missing_crs")])
    notes: list[str] = []
    crs, note = identify_crs(CRS.from_user_input(gdf.crs))
    if note:
        notes.append(note)
        gdf = gdf.set_crs(crs, allow_override=True)
    _check_coordinates(gdf, crs, source)
    if target_crs is not None:
        target = CRS.from_user_input(target_crs)
        if not target.is_projected:
            raise CRSError(source, [Problem(source, f"target CRS {crs_label(target)} is not projected",
                                            "use a projected CRS such as EPSG:4548", "crs_mismatch")])
        if same_crs(crs, target):
            return gdf, "; ".join(notes)
    elif crs.is_projected:
        notes.extend(_convention_notes(crs))
        return gdf, "; ".join(notes)
    elif len(gdf) == 0 or not np.isfinite(gdf.total_bounds).all():
        notes.append(f"empty layer left in {crs_label(crs)}")
        return gdf, "; ".join(notes)
    else:
        minx, _, maxx, _ = gdf.total_bounds
        target = CRS.from_epsg(gk_zone_epsg((minx + maxx) / 2))
        west, east = gk_zone_epsg(minx), gk_zone_epsg(maxx)
        if west != east:
            notes.append(
                f"the layer spans two 3-degree Gauss-Kruger zones ({minx:.3f}°E–{maxx:.3f}°E: "
                f"{crs_label(CRS.from_epsg(west))} and {crs_label(CRS.from_epsg(east))}); the whole town is put "
                f"in the zone of its centre, {crs_label(target)}, so every area and distance is measured on one "
                "grid (pass crs=/target_crs= to choose another)")
    datum = crs.datum.name if crs.datum is not None else ""
    if "2000" not in datum and "WGS" not in datum.upper():
        notes.append(f"datum {datum} → CGCS2000 uses PROJ's default transformation, which may be off by "
                     "metres or more without local parameters")
    notes.append(f"reprojected from {crs_label(crs)} to {crs_label(target)}")
    return gdf.to_crs(target), "; ".join(notes)
