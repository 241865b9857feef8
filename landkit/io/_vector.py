"""Vector layers: layer choice, field normalisation, read_parcels and read_layer."""

from __future__ import annotations

import difflib
import logging
import os
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from landkit._errors import CRSError, MissingFileError, Problem, ValidationError
from landkit.io._crs import CRS_HINT, crs_label, same_crs, to_projected
from landkit.io._encoding import read_lenient, shapefile_encoding
from landkit.validate import PARCEL_FIELDS, validate_parcels

log = logging.getLogger("landkit.io")

PathLike = str | os.PathLike[str]



def check_exists(path: PathLike) -> str:
    """The path as a string; FileNotFoundError naming it when a local path does not exist."""
    text = os.fspath(path)
    if text.startswith("/vsi") or "://" in text:
        return text
    if not os.path.exists(text):
        parent = Path(text).parent
        near = ""
        if parent.is_dir():
            names = difflib.get_close_matches(Path(text).name, [p.name for p in parent.iterdir()], n=3)
            near = f"; similar names there: {', '.join(names)}" if names else ""
        raise MissingFileError(f"{text}: no such file or folder{near}")
    return text


#: The parts of a shapefile that must lie beside the .shp, and what each holds.
SHAPEFILE_PARTS: dict[str, str] = {".dbf": "the attributes (BSM, DLBM, DLMC, ...)", ".shx": "the index of the shapes"}


def check_shapefile_parts(text: str) -> None:
    """ValidationError naming each .shp (the file, or those in a folder) whose .dbf or .shx is missing."""
    if text.startswith("/vsi") or "://" in text:
        return
    path = Path(text)
    shps = sorted(p for p in path.iterdir() if p.suffix.lower() == ".shp") if path.is_dir() else (
        [path] if path.suffix.lower() == ".shp" else [])
    problems = []
    for shp in shps:
        present = {p.name.lower() for p in shp.parent.iterdir() if p.stem == shp.stem}
        for ext, holds in SHAPEFILE_PARTS.items():
            if (shp.stem + ext).lower() not in present:
                problems.append(Problem(
                    str(shp), f"{shp.stem}{ext} is missing beside it: a shapefile keeps {holds} in its {ext} file",
                    f"copy {shp.stem}{ext} (same name, same folder) from where the .shp came from", "missing_file"))
    if problems:
        raise ValidationError(text, problems)


def gdal_path(text: str) -> str:
    """The path GDAL should open: inside a zip, the one folder holding the shapefiles or a .gdb."""
    if not text.lower().endswith(".zip") or not zipfile.is_zipfile(text):
        return text
    with zipfile.ZipFile(text) as zf:
        names = zf.namelist()
    gdbs = sorted({n[: n.lower().index(".gdb/") + 4] for n in names if ".gdb/" in n.lower()})
    folders = sorted({str(PurePosixPath(n).parent) for n in names if n.lower().endswith(".shp")})
    if len(gdbs) == 1:
        return f"/vsizip/{text}/{gdbs[0]}"
    if not gdbs and len(folders) == 1 and folders[0] != ".":
        return f"/vsizip/{text}/{folders[0]}"
    return text


def list_layers(path: PathLike) -> list[str]:
    """Names of the layers in a vector data source.

    Parameters
    ----------
    path : path
        GeoPackage, shapefile, folder of shapefiles, zipped shapefile or File Geodatabase (``.gdb``).

    Returns
    -------
    list of str
        Layer names as the file spells them.
    """
    text = check_exists(path)
    check_shapefile_parts(text)
    try:
        layers = pyogrio.list_layers(gdal_path(text))
    except pyogrio.errors.DataSourceError as exc:
        raise ValidationError(text, [Problem(
            text, f"cannot be opened as vector data: {exc}",
            "a shapefile needs its .shp, .shx and .dbf side by side; a File Geodatabase is the .gdb folder",
            "unreadable")]) from exc
    return [str(name) for name in layers[:, 0]]


def _resolve_layer(path: str, layers: list[str], layer: str | None, *, prefer: str | None) -> str:
    """The layer to read; ValidationError listing the layers present when it cannot be decided."""
    listing = ", ".join(layers) if layers else "(none)"
    if layer is not None:
        if layer in layers:
            return layer
        same = [name for name in layers if name.casefold() == layer.casefold()]
        if len(same) == 1:
            return same[0]
        folded = {name.casefold(): name for name in layers}
        close = [folded[m] for m in difflib.get_close_matches(layer.casefold(), list(folded), n=3, cutoff=0.5)]
        hint = "pass layer= one of these" + (f" (did you mean {', '.join(close)}?)" if close else "")
        raise ValidationError(path, [Problem(
            f"layer {layer!r}", f"no layer {layer!r} in {path}; layers present: {listing}", hint,
            "unknown_layer")])
    if prefer is not None:
        same = [name for name in layers if name.casefold() == prefer.casefold()]
        if len(same) == 1:
            return same[0]
    if len(layers) == 1:
        return layers[0]
    if prefer == "DLTB":
        like = [name for name in layers if "dltb" in name.casefold() or "地类图斑" in name]
        if len(like) == 1:
            return like[0]
    what = "no layer named DLTB (地类图斑) and " if prefer == "DLTB" else ""
    raise ValidationError(path, [Problem(
        "layer", f"{what}{len(layers)} layers in {path}, so it is not clear which to read: {listing}",
        "pass layer= one of these", "ambiguous_layer")])



_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3


def clean_text(s: pd.Series) -> pd.Series:
    """Stripped text, empty strings missing; pandas' default text dtype (``str`` on pandas 3)."""
    text = s.astype("string").str.strip()
    text = text.mask((text == "").fillna(False))
    if _PANDAS3:
        return text.astype("str")
    return text.astype(object).where(text.notna(), None)


def _as_code_text(s: pd.Series, name: str) -> tuple[pd.Series, str]:
    """A code field as stripped text; numbers lose their '.0' and DLBM gets its leading zero back."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(vals)
        if not np.all(vals[finite] == np.round(vals[finite])):
            return clean_text(s), ""
        out = np.array([str(int(v)) if f else None for v, f in zip(vals, finite, strict=True)], dtype=object)
        note = f"{name} stored as numbers: converted to text"
        if name in ("DLBM", "KCDLBM"):
            out = np.array([None if v is None else (v.zfill(2) if len(v) <= 2 else v.zfill(4)) for v in out],
                           dtype=object)
            note += " with leading zeros restored (e.g. 101 → 0101)"
        if name == "BSM" and np.nanmax(np.abs(vals), initial=0.0) >= 2**53:
            note += "; BSM values above 2^53 were stored as floating point and may have lost digits"
        return clean_text(pd.Series(out, index=s.index, dtype=object)), note
    return clean_text(s), ""


def normalise_fields(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Standard 三调 field names and types, without hiding bad values.

    Field names are matched case-insensitively and renamed to upper case (``bsm`` → ``BSM``).
    Code fields become stripped text (empty → missing; numeric codes get their text back).
    TBMJ/KCXS/KCMJ/TBDLMJ become float and GDDB/GDPDJB nullable integers when every value
    converts; a column with values that do not convert is left as text so that
    :func:`landkit.validate.validate_parcels` names the rows.

    Returns
    -------
    (GeoDataFrame, list of str)
        The normalised copy, and notes on what was changed.
    """
    notes: list[str] = []
    geom = gdf.geometry.name
    upper = {str(c).upper(): c for c in gdf.columns if c != geom}
    rename = {orig: std for std, orig in upper.items()
              if std in PARCEL_FIELDS and orig != std and std not in gdf.columns}
    out = gdf.rename(columns=rename) if rename else gdf.copy()
    if rename:
        notes.append("renamed fields " + ", ".join(f"{a} → {b}" for a, b in rename.items()))
    for name, kind in PARCEL_FIELDS.items():
        if name not in out.columns:
            continue
        s = out[name]
        if kind == "str":
            out[name], note = _as_code_text(s, name)
            if note:
                notes.append(note)
            continue
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            vals = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            text = s.astype("string").str.strip()
            blank = text.isna() | (text == "").fillna(False)
            conv = pd.to_numeric(text.mask(blank), errors="coerce")
            if (conv.isna() & ~blank).any():
                out[name] = clean_text(s)  # validate names the rows that are not numbers
                continue
            vals = conv.to_numpy(dtype=float, na_value=np.nan)
        if kind == "float":
            out[name] = vals
        else:
            finite = np.isfinite(vals)
            if np.all(vals[finite] == np.round(vals[finite])):
                out[name] = pd.array(vals, dtype="Int64")
            else:
                out[name] = vals
    return out, notes


def _read_vector(
    path: PathLike,
    layer: str | None,
    *,
    prefer: str | None,
    encoding: str | None,
    crs: Any,
    target_crs: Any,
) -> tuple[gpd.GeoDataFrame, str, dict[str, Any]]:
    """Shared reading: layer check, encoding, CRS; returns the frame, its source label and metadata."""
    text = check_exists(path)
    layers = list_layers(text)
    name = _resolve_layer(text, layers, layer, prefer=prefer)
    source = f"{text} layer {name}"
    notes: list[str] = []
    if layer is None and len(layers) > 1:
        notes.append(f"layer {name} chosen among {', '.join(layers)}")
    opened = gdal_path(text)
    info = pyogrio.read_info(opened, layer=name)
    driver = info.get("driver", "")
    codec, lenient = None, False
    if driver == "ESRI Shapefile":
        codec, note, lenient = shapefile_encoding(text, name, encoding)
        if note:
            notes.append(note)
    elif encoding is not None:
        notes.append(f"encoding={encoding!r} ignored: it applies to shapefiles, {driver} stores its own")
    kwargs: dict[str, Any] = {"force_2d": True}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if lenient and codec is not None:
                gdf = read_lenient(opened, name, codec, **kwargs)
            else:
                gdf = pyogrio.read_dataframe(opened, layer=name, encoding=codec, **kwargs)
        except UnicodeDecodeError as exc:
            raise ValidationError(source, [Problem(
                f"layer {name}", f"text is not valid {exc.encoding}: {exc.reason}",
                "pass encoding='GBK' or encoding='UTF-8' explicitly", "encoding")]) from exc
        except pyogrio.errors.DataSourceError as exc:
            raise ValidationError(source, [Problem(f"layer {name}", f"cannot be read: {exc}", "",
                                                   "unreadable")]) from exc
    notes.extend(f"GDAL: {w.message}" for w in caught)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ValidationError(source, [Problem(f"layer {name}", "is a table without geometry",
                                               f"layers present: {', '.join(layers)}", "geometry_type")])
    if crs is not None:
        given = CRS.from_user_input(crs)
        if gdf.crs is None:
            notes.append(f"CRS set to {crs_label(given)} (crs= argument; the file has none)")
        elif not same_crs(gdf.crs, given):
            notes.append(f"crs= {crs_label(given)} overrides the file's CRS {crs_label(CRS(gdf.crs))}")
        gdf = gdf.set_crs(given, allow_override=True)
    elif gdf.crs is None and driver == "ESRI Shapefile":
        raise CRSError(source, [Problem(
            source, "has no CRS: the shapefile has no .prj file; landkit never guesses one", CRS_HINT,
            "missing_crs")])
    gdf, note = to_projected(gdf, target_crs, source=source)
    if note:
        notes.append(note)
    meta = {"source": source, "path": text, "layer": name, "driver": driver,
            "encoding": codec, "notes": notes}
    return gdf, source, meta


def read_parcels(
    path: PathLike,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    validate: bool = True,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read 三调 地类图斑 (DLTB) parcels, ready for :class:`landkit.Town`.

    Parameters
    ----------
    path : path
        GeoPackage, shapefile (``.shp``, a folder of shapefiles, or a ``.zip``) or File Geodatabase
        (``.gdb`` folder).
    layer : str, optional
        Layer name (case-insensitive). Default: ``DLTB`` when present, else the only layer.
    encoding : str, optional
        Text encoding of a shapefile, e.g. ``"GBK"``. Default: the ``.cpg`` file when it fits the
        text, else detected (strict UTF-8, then GBK/GB18030).
    crs : CRS-like, optional
        CRS of the file when it has none (a shapefile without ``.prj``), e.g. ``"EPSG:4490"``;
        overrides a wrong one (noted). Never guessed.
    target_crs : CRS-like, optional
        Projected CRS to bring the parcels into. Default: a projected file stays as it is, a
        geographic one goes to the CGCS2000 Gauss-Kruger zone of its centre.
    validate : bool
        Run :func:`landkit.validate.validate_parcels` and raise on any defect.
    repair : bool
        Repair invalid geometry and sliver parts (``make_valid``) instead of reporting them; the
        changes are summarised in ``attrs["landkit"]["notes"]``. No row is dropped.

    Returns
    -------
    GeoDataFrame
        Parcels in a projected CRS with standard field names and types. ``attrs["landkit"]``
        holds the source, layer, driver, encoding used and notes on every decision taken.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    landkit.ValidationError
        For a layer that does not exist (the layers present are listed), undecodable text, or any
        defect found by validation (all listed together, each with its BSM).
    landkit.CRSError
        When the data have no CRS, or coordinates that cannot be in their CRS.

    Examples
    --------
    >>> parcels = read_parcels("371325DLTB.shp", encoding="GBK", crs="EPSG:4490")  # doctest: +SKIP
    """
    gdf, _, meta = _read_vector(path, layer, prefer="DLTB", encoding=encoding, crs=crs,
                                     target_crs=target_crs)
    return finish_parcels(gdf, meta, validate=validate, repair=repair)


def finish_parcels(gdf: gpd.GeoDataFrame, meta: dict[str, Any], *, validate: bool = True,
                   repair: bool = False) -> gpd.GeoDataFrame:
    """The part of :func:`read_parcels` after reading, shared by every source (files and stores).

    Standard field names and types, then :func:`landkit.validate.validate_parcels` (raising on any
    defect when ``validate``; repairing when ``repair``), and ``attrs["landkit"] = meta`` with a
    note on every decision taken. ``meta`` needs ``source`` and ``notes``.
    """
    source = meta["source"]
    gdf, notes = normalise_fields(gdf)
    meta["notes"].extend(notes)
    if validate or repair:
        report = validate_parcels(gdf, source=source, repair=repair, raise_on_error=validate)
        gdf = report.parcels
        if len(report.repairs):
            shown = ", ".join(f"{b} ({a})" for b, a in zip(report.repairs["BSM"].head(10),
                                                         report.repairs["action"].head(10), strict=True))
            more = f" and {len(report.repairs) - 10} more" if len(report.repairs) > 10 else ""
            meta["notes"].append(
                f"repaired {len(report.repairs)} geometries: {shown}{more} (full table: "
                "validate_parcels(read_parcels(path, validate=False), repair=True).repairs)")
        meta["notes"].extend(report.notes)
    for note in meta["notes"]:
        log.info("%s: %s", source, note)
    gdf.attrs["landkit"] = meta
    return gdf


def read_layer(
    path: PathLike,
    layer: str | None = None,
    *,
    crs: Any = None,
    target_crs: Any = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a zoning or context layer (永久基本农田, 生态保护红线, 城镇开发边界, roads ...).

    The same layer-name check, shapefile encoding and CRS handling as :func:`read_parcels`;
    fields are read as they are.

    Parameters
    ----------
    path : path
        GeoPackage, shapefile, zipped shapefile or File Geodatabase.
    layer : str, optional
        Layer name (case-insensitive); may be omitted when the source has one layer.
    crs, target_crs, encoding
        As in :func:`read_parcels`; pass the town CRS as ``target_crs`` to align layers.

    Returns
    -------
    GeoDataFrame
        The layer in a projected CRS; ``attrs["landkit"]`` as in :func:`read_parcels`.
    """
    gdf, source, meta = _read_vector(path, layer, prefer=None, encoding=encoding, crs=crs,
                                     target_crs=target_crs)
    invalid = int((~gdf.geometry.is_valid & ~gdf.geometry.is_empty & gdf.geometry.notna()).sum())
    if invalid:
        meta["notes"].append(f"{invalid} invalid geometries (overlays may fail; repair with "
                             "shapely.make_valid)")
    for note in meta["notes"]:
        log.info("%s: %s", source, note)
    gdf.attrs["landkit"] = meta
    return gdf
