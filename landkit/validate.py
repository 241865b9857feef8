"""One validation path for 三调 地类图斑 (DLTB) parcels: collect every defect, raise once.

:func:`validate_parcels` runs every check in one vectorised pass and returns a
:class:`ValidationReport`; when defects remain it raises :class:`landkit.ValidationError` listing all
of them, each attached to its parcel as ``"BSM <id>"`` (or ``"row <i>"``, the 0-based position,
when the BSM itself is missing; a duplicated BSM gets its position too). Repairable geometry is
repaired on request (``repair=True``) and every change is reported in
:attr:`ValidationReport.repairs`; no row is ever dropped.

Checks and their ``kind`` tags:

========================  ====================================================================
``missing_field``         required fields absent (all listed in one problem)
``field_type``            a field of the wrong type (e.g. TBMJ text that is not a number)
``null_bsm``              BSM (标识码) empty
``duplicate_bsm``         the same BSM on several rows (every duplicated BSM named)
``empty_geometry``        null or empty geometry
``geometry_type``         not a Polygon / MultiPolygon
``invalid_geometry``      invalid polygon, with GEOS's reason (a bow-tie is a self-intersection)
``sliver``                parts of a MultiPolygon smaller than ``sliver_area_m2``
``null_dlbm``             DLBM (地类编码) empty
``unknown_dlbm``          DLBM not a 三调 code (:data:`landkit.landuse.DLBM_NAMES`)
``dlmc_mismatch``         DLMC (地类名称) not the name of the DLBM code
``tbmj_mismatch``         TBMJ (图斑面积) far from the planar area of the geometry
``nonpositive_area``      TBMJ ≤ 0, or negative KCMJ / TBDLMJ
``null_field``            another required field empty
``bad_gddb``              GDDB (耕地等别) outside 1–15
``bad_gdpdjb``            GDPDJB (耕地坡度级别) outside 1–5
``bad_qsxz``              QSXZ (权属性质) not one of 10, 20, 30, 31, 32, 33, 34, 40
``missing_crs``           the frame has no CRS
========================  ====================================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landkit._errors import Problem, ValidationError
from landkit.landuse import DLBM_NAMES

__all__ = [
    "FIELD_MEANINGS",
    "PARCEL_FIELDS",
    "QSXZ_CODES",
    "REQUIRED_FIELDS",
    "ValidationReport",
    "validate_parcels",
]

#: Standard 三调 DLTB fields and their type: ``"str"``, ``"float"`` or ``"int"`` (nullable integer).
PARCEL_FIELDS: dict[str, str] = {
    "BSM": "str", "YSDM": "str", "TBYBH": "str", "TBBH": "str",
    "DLBM": "str", "DLMC": "str", "QSXZ": "str", "QSDWDM": "str", "QSDWMC": "str",
    "ZLDWDM": "str", "ZLDWMC": "str", "TBMJ": "float", "KCDLBM": "str", "KCXS": "float",
    "KCMJ": "float", "TBDLMJ": "float", "GDLX": "str", "GDPDJB": "int", "GDDB": "int",
    "XZDWKD": "float", "TBXHDM": "str", "TBXHMC": "str", "ZZSXDM": "str", "ZZSXMC": "str",
    "CZCSXM": "str", "SJNF": "int", "MSSM": "str", "HDMC": "str", "BZ": "str",
}

#: The Chinese meaning of each field, for messages.
FIELD_MEANINGS: dict[str, str] = {
    "BSM": "标识码", "YSDM": "要素代码", "TBYBH": "图斑预编号", "TBBH": "图斑编号",
    "DLBM": "地类编码", "DLMC": "地类名称", "QSXZ": "权属性质", "QSDWDM": "权属单位代码",
    "QSDWMC": "权属单位名称", "ZLDWDM": "坐落单位代码", "ZLDWMC": "坐落单位名称", "TBMJ": "图斑面积",
    "KCDLBM": "扣除地类编码", "KCXS": "扣除地类系数", "KCMJ": "扣除地类面积", "TBDLMJ": "图斑地类面积",
    "GDLX": "耕地类型", "GDPDJB": "耕地坡度级别", "GDDB": "耕地等别", "XZDWKD": "线状地物宽度",
    "TBXHDM": "图斑细化代码", "TBXHMC": "图斑细化名称", "ZZSXDM": "种植属性代码",
    "ZZSXMC": "种植属性名称", "CZCSXM": "城镇村属性码", "SJNF": "数据年份", "MSSM": "描述说明",
    "HDMC": "海岛名称", "BZ": "备注",
}

#: Fields every parcel layer must have.
REQUIRED_FIELDS: tuple[str, ...] = ("BSM", "DLBM", "DLMC", "QSXZ", "ZLDWDM", "ZLDWMC", "TBMJ")

#: 权属性质 codes: 10 国有土地所有权, 20 国有土地使用权, 30 集体土地所有权 (31–34 sub-kinds),
#: 40 集体土地使用权.
QSXZ_CODES: frozenset[str] = frozenset({"10", "20", "30", "31", "32", "33", "34", "40"})

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7
_REPAIR_COLUMNS = [
    "BSM", "row", "action", "reason", "geom_type_before", "geom_type_after",
    "area_before_m2", "area_after_m2", "parts_before", "parts_after",
]
_REPAIR_HINT = "repair with validate_parcels(..., repair=True) or read_parcels(..., repair=True), or fix it in GIS"


@dataclass
class ValidationReport:
    """What :func:`validate_parcels` found and changed.

    Attributes
    ----------
    problems : list of Problem
        Defects left after any repair (empty when the parcels are valid).
    repairs : DataFrame
        One row per geometry changed by ``repair=True``: ``BSM``, ``row`` (position), ``action``
        (``make_valid`` / ``drop_sliver_parts``), ``reason``, ``geom_type_before/after``,
        ``area_before_m2/after_m2`` and ``parts_before/after``.
    n_rows : int
        Rows checked (equal to the rows returned: none is dropped).
    parcels : GeoDataFrame
        The checked frame: a repaired copy when ``repair=True`` changed anything, else the input.
    notes : list of str
        Things worth knowing that are not defects (checks skipped and why).
    source : str
        The name used in messages.
    """

    problems: list[Problem]
    repairs: pd.DataFrame
    n_rows: int
    parcels: gpd.GeoDataFrame = field(repr=False)
    notes: list[str] = field(default_factory=list)
    source: str = "<parcels>"

    @property
    def ok(self) -> bool:
        """True when no problem is left."""
        return not self.problems

    def by_kind(self) -> dict[str, list[Problem]]:
        """Group the problems by their ``kind`` tag."""
        out: dict[str, list[Problem]] = {}
        for p in self.problems:
            out.setdefault(p.kind, []).append(p)
        return out

    def raise_if_problems(self) -> None:
        """Raise :class:`landkit.ValidationError` listing every problem, if there is any."""
        if self.problems:
            raise ValidationError(self.source, self.problems, report=self)


class _Collector:
    """Problems grouped by kind, in the order the checks run."""

    def __init__(self, labels: _Labels) -> None:
        self.labels = labels
        self.groups: dict[str, list[Problem]] = {}

    def add(self, where: str, reason: str, hint: str, kind: str) -> None:
        self.groups.setdefault(kind, []).append(Problem(where, reason, hint, kind))

    def rows(self, idx: np.ndarray, reason: Any, hint: Any, kind: str) -> None:
        """One problem per row position in ``idx``; reason/hint are strings or callables of the row."""
        for i in np.asarray(idx, dtype=np.int64):
            r = reason(i) if callable(reason) else reason
            h = hint(i) if callable(hint) else hint
            self.add(self.labels(i), r, h, kind)

    def ordered(self) -> list[Problem]:
        """The first problem of every kind, then the rest: the message shows every kind."""
        lists = list(self.groups.values())
        return [lst[0] for lst in lists] + [p for lst in lists for p in lst[1:]]


class _Labels:
    """``"BSM <id>"`` for a row, ``"row <i>"`` when BSM is missing; duplicates get their row too."""

    def __init__(self, bsm: np.ndarray | None, dup: np.ndarray | None) -> None:
        self.bsm = bsm
        self.dup = dup

    def __call__(self, i: int) -> str:
        if self.bsm is None or self.bsm[i] is None:
            return f"row {i}"
        if self.dup is not None and self.dup[i]:
            return f"BSM {self.bsm[i]} (row {i})"
        return f"BSM {self.bsm[i]}"


def _fmt(value: Any) -> str:
    """A value as the user would recognise it in messages."""
    if isinstance(value, float):
        return f"{value:g}" if np.isfinite(value) else "empty"
    return repr(value) if isinstance(value, str) else str(value)


def _text_values(s: pd.Series) -> np.ndarray:
    """Object array of stripped strings (None for null or empty) for a text-like column."""
    if pd.api.types.is_float_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        return np.array(
            [None if not np.isfinite(v) else (str(int(v)) if v == int(v) else repr(v)) for v in vals],
            dtype=object,
        )
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return np.array([None if pd.isna(v) else str(v) for v in s.to_numpy(dtype=object)], dtype=object)
    text = s.astype("string").str.strip()
    arr: np.ndarray = text.to_numpy(dtype=object, na_value=None)
    arr[text.to_numpy(dtype=object, na_value="") == ""] = None
    return arr


def _non_text_rows(s: pd.Series) -> np.ndarray:
    """Positions in an object column whose values are neither text nor missing."""
    if s.dtype != object:
        return np.zeros(0, dtype=np.int64)
    bad = [i for i, v in enumerate(s.to_numpy()) if not (v is None or isinstance(v, str) or
                                                          (isinstance(v, float) and np.isnan(v)))]
    return np.asarray(bad, dtype=np.int64)


def _check_text_column(
    gdf: pd.DataFrame, name: str, out: _Collector
) -> tuple[np.ndarray, bool]:
    """Type-check a text field; return its stripped values and whether per-row checks make sense."""
    s = gdf[name]
    meaning = FIELD_MEANINGS.get(name, "")
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        example = "0101 keeps its leading zero" if name in ("DLBM", "KCDLBM") else "codes are text"
        out.add(
            f"column {name}",
            f"{name} ({meaning}) is stored as {s.dtype}, expected text ({example})",
            "read the file with landkit.read_parcels, which converts it, or convert with "
            f"gdf[{name!r}] = gdf[{name!r}].astype(str)" + (".str.zfill(4)" if name == "DLBM" else ""),
            "field_type",
        )
        return _text_values(s), name not in ("DLBM", "QSXZ", "KCDLBM")
    bad = _non_text_rows(s)
    if len(bad):
        vals = s.to_numpy()
        out.rows(
            bad,
            lambda i: f"{name} ({meaning}) holds {type(vals[i]).__name__} {vals[i]!r}, expected text",
            "store the column as text",
            "field_type",
        )
    return _text_values(s), True


def _check_number_column(gdf: pd.DataFrame, name: str, kind: str, out: _Collector) -> np.ndarray:
    """Type-check a numeric field; return its values as float (NaN for empty or unusable)."""
    s = gdf[name]
    meaning = FIELD_MEANINGS.get(name, "")
    want = "an integer" if kind == "int" else "a number"
    if pd.api.types.is_bool_dtype(s.dtype):
        out.add(f"column {name}", f"{name} ({meaning}) is boolean, expected {want}", "", "field_type")
        return np.full(len(s), np.nan)
    vals: np.ndarray
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
    else:
        raw = s.to_numpy(dtype=object)
        text = s.astype("string").str.strip()
        empty = text.isna().to_numpy() | (text.to_numpy(dtype=object, na_value="") == "")
        vals = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~empty & np.isnan(vals))
        if len(bad):
            out.rows(bad, lambda i: f"{name} ({meaning}) value {raw[i]!r} is not {want}",
                     f"correct the value or leave it empty; {name} must be numeric", "field_type")
        else:
            out.add(
                f"column {name}", f"{name} ({meaning}) is stored as text ({s.dtype}), expected numbers",
                f"read the file with landkit.read_parcels, which converts it, or use "
                f"gdf[{name!r}] = pd.to_numeric(gdf[{name!r}])", "field_type",
            )
    if kind == "int":
        finite = np.isfinite(vals)
        frac = np.flatnonzero(finite & (vals != np.round(np.where(finite, vals, 0.0))))
        if len(frac):
            out.rows(frac, lambda i: f"{name} ({meaning}) value {vals[i]:g} is not an integer",
                     "", "field_type")
            vals = vals.copy()
            vals[frac] = np.nan
    return vals


def _dlbm_hint(code: str) -> str:
    """Why a DLBM code might be unknown, and what to do."""
    hints = []
    if code.upper() in DLBM_NAMES:
        hints.append(f"did you mean {code.upper()}?")
    if code.isdigit() and len(code) < 4 and code.zfill(4) in DLBM_NAMES:
        hints.append(f"leading zero lost? {code.zfill(4)} is {DLBM_NAMES[code.zfill(4)]}")
    if re.fullmatch(r"\d{3}", code):
        hints.append("3-digit codes look like 二调 (second survey) codes; landkit needs 三调 codes")
    hints.append("the 三调 codes are listed in landkit.landuse.DLBM_NAMES")
    return "; ".join(hints)


def _looks_misdecoded(text: str) -> bool:
    """Latin-1 mojibake of GBK/UTF-8 Chinese (e.g. 'Ë®Ìï' for 水田)."""
    return any("\x80" <= ch <= "\xff" for ch in text)


def _polygonal(geom: Any) -> Any:
    """Only the polygonal parts of ``geom``, as a Polygon or MultiPolygon (or None if there are none)."""
    stack, polys = [geom], []
    while stack:
        g = stack.pop()
        tid = shapely.get_type_id(g)
        if tid == _POLYGON and not shapely.is_empty(g):
            polys.append(g)
        elif tid in (4, 5, 6, 7):
            stack.extend(shapely.get_parts(g).tolist())
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _repair(
    geoms: np.ndarray,
    labels_bsm: np.ndarray | None,
    *,
    projected: bool,
    sliver_area_m2: float,
) -> tuple[np.ndarray, pd.DataFrame]:
    """make_valid invalid polygons, collapse collections to their polygons, drop sliver parts."""
    new = geoms.copy()
    records: list[dict[str, Any]] = []
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, [_POLYGON, _MULTIPOLYGON])
    invalid = present & polygonal & ~shapely.is_valid(geoms)
    collection = present & (types == _COLLECTION)
    todo = np.flatnonzero(invalid | collection)
    if len(todo):
        reasons = shapely.is_valid_reason(geoms[todo])
        fixed = shapely.make_valid(geoms[todo], method="structure", keep_collapsed=False)
        for i, reason, g in zip(todo, reasons, fixed, strict=True):
            poly = _polygonal(g)
            if poly is None or not shapely.is_valid(poly):
                continue  # not repairable: the check below still reports it
            new[i] = poly
            records.append({"row": int(i), "action": "make_valid" if invalid[i] else "keep_polygons",
                            "reason": reason if invalid[i] else "geometry collection"})
    if projected and sliver_area_m2 > 0:
        multi = np.flatnonzero(~shapely.is_missing(new) & (shapely.get_type_id(new) == _MULTIPOLYGON)
                               & shapely.is_valid(new))
        if len(multi):
            parts, owner = shapely.get_parts(new[multi], return_index=True)
            parea = shapely.area(parts)
            big = parea >= sliver_area_m2
            n_big = np.bincount(owner, weights=big, minlength=len(multi))
            n_small = np.bincount(owner, weights=~big, minlength=len(multi))
            for k in np.flatnonzero((n_small > 0) & (n_big > 0)):
                keep = parts[(owner == k) & big]
                row = int(multi[k])
                new[row] = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep.tolist())
                records.append({"row": row, "action": "drop_sliver_parts",
                                "reason": f"{int(n_small[k])} part(s) below {sliver_area_m2:g} m²"})
    if not records:
        return new, pd.DataFrame(columns=_REPAIR_COLUMNS)
    # one line per changed row; several actions on a row are joined
    rep = pd.DataFrame.from_records(records).groupby("row", sort=True).agg(" + ".join).reset_index()
    rows = rep["row"].to_numpy()
    rep.insert(0, "BSM", [None if labels_bsm is None else labels_bsm[i] for i in rows])
    rep["geom_type_before"] = shapely.get_type_id(geoms[rows])
    rep["geom_type_after"] = shapely.get_type_id(new[rows])
    names = {3: "Polygon", 6: "MultiPolygon", 7: "GeometryCollection", 1: "LineString", 5: "MultiLineString"}
    for col in ("geom_type_before", "geom_type_after"):
        rep[col] = [names.get(int(t), str(t)) for t in rep[col]]
    rep["area_before_m2"] = shapely.area(geoms[rows])
    rep["area_after_m2"] = shapely.area(new[rows])
    rep["parts_before"] = shapely.get_num_geometries(geoms[rows])
    rep["parts_after"] = shapely.get_num_geometries(new[rows])
    return new, rep[_REPAIR_COLUMNS]


def validate_parcels(
    gdf: gpd.GeoDataFrame,
    *,
    source: str = "<parcels>",
    repair: bool = False,
    tbmj_rel_tol: float = 0.05,
    tbmj_abs_tol_m2: float = 1.0,
    sliver_area_m2: float = 1.0,
    required: Sequence[str] = REQUIRED_FIELDS,
    raise_on_error: bool = True,
) -> ValidationReport:
    """Check 三调 parcels in one pass and report every defect together.

    Parameters
    ----------
    gdf : GeoDataFrame
        Parcels with the standard 三调 field names (see :data:`PARCEL_FIELDS`).
    source : str
        Name of the data in messages, e.g. ``"dltb.shp layer dltb"``.
    repair : bool
        Make invalid geometry valid (``shapely.make_valid``, keeping only polygonal parts),
        collapse geometry collections to their polygons and drop sliver parts of multipolygons;
        every change is listed in :attr:`ValidationReport.repairs`. Rows are never dropped.
    tbmj_rel_tol : float
        Allowed relative difference between TBMJ (the survey's ellipsoidal area) and the planar
        area of the geometry. Only checked in a projected CRS.
    tbmj_abs_tol_m2 : float
        Differences smaller than this many m² are always accepted (rounding of small parcels).
    sliver_area_m2 : float
        Parts of a MultiPolygon below this area (m²) are slivers, when the parcel also has a part
        at least this large.
    required : sequence of str
        Fields that must be present (default :data:`REQUIRED_FIELDS`).
    raise_on_error : bool
        Raise when problems remain (default). With False the report is returned either way.

    Returns
    -------
    ValidationReport
        Problems (empty if valid), repairs, row count and the checked (possibly repaired) frame.

    Raises
    ------
    landkit.ValidationError
        Listing every problem left after repair; the report is attached as ``err.report``.
    """
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        report = _not_a_geodataframe(gdf, source)
    else:
        report = _validate(gdf, _Options(source, repair, tbmj_rel_tol, tbmj_abs_tol_m2, sliver_area_m2,
                                          tuple(required)))
    if raise_on_error:
        report.raise_if_problems()
    return report


@dataclass(frozen=True)
class _Options:
    """What :func:`validate_parcels` was asked to check, and with which tolerances."""

    source: str
    repair: bool
    tbmj_rel_tol: float
    tbmj_abs_tol_m2: float
    sliver_area_m2: float
    required: tuple[str, ...]


@dataclass
class _Parcels:
    """The parcels as the checks read them: coerced fields, geometry and its planar area."""

    gdf: gpd.GeoDataFrame
    options: _Options
    projected: bool
    bsm: np.ndarray | None = None
    present_bsm: np.ndarray | None = None
    dup: np.ndarray | None = None
    text: dict[str, np.ndarray] = field(default_factory=dict)
    text_ok: dict[str, bool] = field(default_factory=dict)
    nums: dict[str, np.ndarray] = field(default_factory=dict)
    geoms: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    area: np.ndarray = field(default_factory=lambda: np.empty(0))


def _not_a_geodataframe(gdf: Any, source: str) -> ValidationReport:
    """The report for input that is not a GeoDataFrame with a geometry column."""
    problem = Problem("geometry", "parcels are not a GeoDataFrame with a geometry column",
                      "read them with landkit.read_parcels or geopandas.read_file", "missing_field")
    return ValidationReport([problem], pd.DataFrame(columns=_REPAIR_COLUMNS), len(gdf), gdf, source=source)


def _validate(gdf: gpd.GeoDataFrame, options: _Options) -> ValidationReport:
    """Every check on a GeoDataFrame, in the order its problems are reported."""
    crs = gdf.crs
    parcels = _Parcels(gdf, options, projected=bool(crs is not None and crs.is_projected))
    _read_bsm(parcels)
    out = _Collector(_Labels(parcels.bsm, parcels.dup))
    notes: list[str] = []
    _check_required_fields(parcels, out)
    _check_crs(parcels, out, notes)
    _read_fields(parcels, out)
    _check_bsm(parcels, out)
    checked, repairs = _repaired(parcels)
    for check in (_check_geometry_present, _check_geometry_type, _check_geometry_valid, _check_slivers,
                  _check_landuse, _check_required_text, _check_tbmj, _check_tbmj_geometry,
                  _check_part_areas, _check_graded_codes, _check_qsxz):
        check(parcels, out)
    return ValidationReport(out.ordered(), repairs, len(gdf), checked, notes, options.source)


def _read_bsm(p: _Parcels) -> None:
    """BSM first: every other problem is labelled with it."""
    if "BSM" in p.gdf.columns:
        p.bsm = _text_values(p.gdf["BSM"])
        p.present_bsm = np.array([b is not None for b in p.bsm], dtype=bool)
        p.dup = pd.Series(p.bsm).duplicated(keep=False).to_numpy() & p.present_bsm


def _check_required_fields(p: _Parcels, out: _Collector) -> None:
    """Required fields absent, all in one problem, with the rename when only the case differs."""
    columns = set(p.gdf.columns)
    missing = [f for f in p.options.required if f not in columns]
    if not missing:
        return
    lower = {c.upper(): c for c in map(str, p.gdf.columns)}
    case = [f"{lower[f]} → {f}" for f in missing if f in lower]
    hint = ("rename them: " + ", ".join(case)) if case else (
        "三调 DLTB fields: " + ", ".join(f"{k} {FIELD_MEANINGS[k]}" for k in REQUIRED_FIELDS))
    out.add("columns", "required field(s) missing: " + ", ".join(
        f"{f} ({FIELD_MEANINGS.get(f, '')})" for f in missing), hint, "missing_field")


def _check_crs(p: _Parcels, out: _Collector, notes: list[str]) -> None:
    """No CRS is a problem; a geographic CRS skips the area checks, with a note."""
    crs = p.gdf.crs
    if crs is None:
        out.add("layer", "the parcels have no CRS, so areas cannot be checked",
                "read them with landkit.read_parcels(path, crs='EPSG:4490') or set one with "
                "gdf.set_crs('EPSG:4548')", "missing_crs")
    elif not p.projected:
        notes.append(f"CRS {crs.to_string()} is geographic: TBMJ and sliver checks skipped "
                     "(project with landkit.io.to_projected first)")


def _read_fields(p: _Parcels, out: _Collector) -> None:
    """Field types, with the values coerced for the range checks."""
    for name, kind in PARCEL_FIELDS.items():
        if name not in p.gdf.columns:
            continue
        if kind == "str":
            p.text[name], p.text_ok[name] = _check_text_column(p.gdf, name, out)
        else:
            p.nums[name] = _check_number_column(p.gdf, name, kind, out)


def _check_bsm(p: _Parcels, out: _Collector) -> None:
    """BSM empty or repeated (every repeated BSM named with its rows)."""
    if p.bsm is None or p.dup is None or p.present_bsm is None:
        return
    out.rows(np.flatnonzero(~p.present_bsm), "BSM (标识码) is empty", "every parcel needs a unique BSM",
             "null_bsm")
    if p.dup.any():
        positions = pd.Series(np.flatnonzero(p.dup)).groupby(p.bsm[p.dup], sort=False).agg(list)
        for value, rows in positions.items():
            out.add(f"BSM {value}", f"BSM (标识码) appears {len(rows)} times (rows "
                    + ", ".join(map(str, rows)) + ")", "BSM must be unique", "duplicate_bsm")


def _repaired(p: _Parcels) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The frame to check (repaired when asked) and the repairs; sets the geometry and its area."""
    gdf = p.gdf
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    repairs = pd.DataFrame(columns=_REPAIR_COLUMNS)
    checked = gdf
    if p.options.repair:
        new, repairs = _repair(geoms, p.bsm, projected=p.projected, sliver_area_m2=p.options.sliver_area_m2)
        if len(repairs):
            checked = gdf.copy()
            checked[gdf.geometry.name] = gpd.array.from_shapely(new, crs=gdf.crs)
            geoms = new
    p.geoms = geoms
    good = _polygonal_mask(geoms)
    good[good] = shapely.is_valid(geoms[good])
    p.area = np.full(len(geoms), np.nan)
    p.area[good] = shapely.area(geoms[good])
    return checked, repairs


def _polygonal_mask(geoms: np.ndarray) -> np.ndarray:
    """Rows holding a non-empty Polygon or MultiPolygon."""
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    return np.asarray(present & np.isin(shapely.get_type_id(geoms), [_POLYGON, _MULTIPOLYGON]))


def _check_geometry_present(p: _Parcels, out: _Collector) -> None:
    """Null or empty geometry."""
    isnull = shapely.is_missing(p.geoms)
    empty = ~isnull & shapely.is_empty(p.geoms)
    out.rows(np.flatnonzero(isnull | empty), lambda i: "geometry is " + ("null" if isnull[i] else "empty"),
             "every parcel needs its polygon; delete the feature in the source only if it is not a parcel",
             "empty_geometry")


def _check_geometry_type(p: _Parcels, out: _Collector) -> None:
    """Geometry that is not a polygon (a collection can be repaired)."""
    present = ~shapely.is_missing(p.geoms) & ~shapely.is_empty(p.geoms)
    wrong_type = np.flatnonzero(present & ~_polygonal_mask(p.geoms))
    if not len(wrong_type):
        return
    tnames = shapely.get_type_id(p.geoms[wrong_type])
    label = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString",
             7: "GeometryCollection"}
    tmap = dict(zip(wrong_type.tolist(), tnames.tolist(), strict=True))
    out.rows(wrong_type, lambda i: f"geometry is a {label.get(tmap[i], tmap[i])}, expected a polygon",
             lambda i: _REPAIR_HINT if tmap[i] == _COLLECTION else "parcels must be polygons",
             "geometry_type")


def _check_geometry_valid(p: _Parcels, out: _Collector) -> None:
    """Invalid polygons, with GEOS's reason."""
    polygonal = _polygonal_mask(p.geoms)
    bad_geom = np.flatnonzero(polygonal & np.isnan(p.area))
    if not len(bad_geom):
        return
    why = dict(zip(bad_geom.tolist(), shapely.is_valid_reason(p.geoms[bad_geom]).tolist(), strict=True))
    repair = p.options.repair

    def _why(i: int) -> str:
        text_ = f"invalid geometry: {why[i]}"
        if "Self-intersection" in why[i]:
            text_ += " (a self-intersecting ring, e.g. a bow-tie)"
        if repair:
            text_ += "; make_valid could not turn it into a polygon"
        return text_

    out.rows(bad_geom, _why, _REPAIR_HINT, "invalid_geometry")


def _check_slivers(p: _Parcels, out: _Collector) -> None:
    """Multipolygons with sliver parts beside a real part (projected CRS only)."""
    if not p.projected:
        return
    sliver_area_m2 = p.options.sliver_area_m2
    types = shapely.get_type_id(p.geoms)
    multi = np.flatnonzero(np.isfinite(p.area) & (types == _MULTIPOLYGON))
    if not len(multi):
        return
    parts, owner = shapely.get_parts(p.geoms[multi], return_index=True)
    parea = shapely.area(parts)
    small = parea < sliver_area_m2
    n_small = np.bincount(owner, weights=small, minlength=len(multi))
    n_big = np.bincount(owner, weights=~small, minlength=len(multi))
    hit = np.flatnonzero((n_small > 0) & (n_big > 0))
    if not len(hit):
        return
    small_areas = pd.Series(parea[small]).groupby(owner[small]).agg(list)
    total = np.bincount(owner, minlength=len(multi))
    sliver_reason = {
        int(multi[k]): f"{int(n_small[k])} of {int(total[k])} polygon parts are slivers below "
        f"{sliver_area_m2:g} m² (" + ", ".join(f"{a:.3g} m²" for a in small_areas[k]) + ")"
        for k in hit
    }
    out.rows(multi[hit], sliver_reason.__getitem__, _REPAIR_HINT, "sliver")


def _check_landuse(p: _Parcels, out: _Collector) -> None:
    """DLBM empty or not a 三调 code, and DLMC not the name of its DLBM."""
    if "DLBM" not in p.text or not p.text_ok["DLBM"]:
        return
    dlbm = p.text["DLBM"]
    null_dlbm = np.array([c is None for c in dlbm], dtype=bool)
    out.rows(np.flatnonzero(null_dlbm), "DLBM (地类编码) is empty", "every parcel needs its land-use code",
             "null_dlbm")
    known = np.array([c in DLBM_NAMES for c in dlbm], dtype=bool)
    unknown = np.flatnonzero(~known & ~null_dlbm)
    out.rows(unknown, lambda i: f"DLBM (地类编码) {dlbm[i]!r} is not a 三调 land-use code",
             lambda i: _dlbm_hint(str(dlbm[i])), "unknown_dlbm")
    if "DLMC" in p.text:
        _check_dlmc(dlbm, known, p.text["DLMC"], out)


def _check_dlmc(dlbm: np.ndarray, known: np.ndarray, dlmc: np.ndarray, out: _Collector) -> None:
    """DLMC (地类名称) that is not the name of the row's known DLBM code."""
    expected = np.array([DLBM_NAMES.get(c) if k else None for c, k in zip(dlbm, known, strict=True)],
                        dtype=object)
    mismatch = np.flatnonzero(known & (dlmc != expected))

    def _dlmc_reason(i: int) -> str:
        got = "empty" if dlmc[i] is None else repr(dlmc[i])
        return f"DLMC (地类名称) {got} does not match DLBM {dlbm[i]} (expected {expected[i]!r})"

    def _dlmc_hint(i: int) -> str:
        if dlmc[i] is not None and _looks_misdecoded(dlmc[i]):
            return ("the text looks mis-decoded (a GBK file read as Latin-1?): pass "
                    "encoding='GBK' to read_parcels or add a .cpg file containing GBK")
        return "correct DLMC or DLBM so that they agree"

    out.rows(mismatch, _dlmc_reason, _dlmc_hint, "dlmc_mismatch")


def _check_required_text(p: _Parcels, out: _Collector) -> None:
    """ZLDWDM and ZLDWMC empty where they are required."""
    for name in ("ZLDWDM", "ZLDWMC"):
        if name in p.text and name in p.options.required:
            out.rows(np.flatnonzero([v is None for v in p.text[name]]),
                     f"{name} ({FIELD_MEANINGS[name]}) is empty", "", "null_field")


def _check_tbmj(p: _Parcels, out: _Collector) -> None:
    """TBMJ empty (where required; rows already reported as non-numeric are not repeated) or not positive."""
    if "TBMJ" not in p.nums:
        return
    tbmj = p.nums["TBMJ"]
    if "TBMJ" in p.options.required:
        null_tbmj = np.isnan(tbmj)
        if not pd.api.types.is_numeric_dtype(p.gdf["TBMJ"].dtype):
            raw = p.gdf["TBMJ"].astype("string").str.strip()
            null_tbmj &= raw.isna().to_numpy() | (raw.to_numpy(dtype=object, na_value="") == "")
        out.rows(np.flatnonzero(null_tbmj), "TBMJ (图斑面积) is empty", "", "null_field")
    nonpos = np.flatnonzero(tbmj <= 0)
    out.rows(nonpos, lambda i: f"TBMJ (图斑面积) is {tbmj[i]:g} m², not positive", "", "nonpositive_area")


def _check_tbmj_geometry(p: _Parcels, out: _Collector) -> None:
    """TBMJ far from the planar area (projected CRS only); when most parcels disagree, the CRS is named."""
    if "TBMJ" not in p.nums or not p.projected:
        return
    tbmj, area, tol = p.nums["TBMJ"], p.area, p.options.tbmj_rel_tol
    check = np.isfinite(tbmj) & (tbmj > 0) & np.isfinite(area) & (area > 0)
    diff = np.abs(tbmj - area)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(check, diff / np.where(area > 0, area, 1.0), 0.0)
    far = check & (rel > tol) & (diff > p.options.tbmj_abs_tol_m2)
    idx = np.flatnonzero(far)
    if len(idx) and len(idx) > 0.5 * max(1, int(check.sum())):
        out.add("layer", f"TBMJ disagrees with the geometric area on {len(idx)} of {int(check.sum())} "
                f"parcels", f"the CRS {p.gdf.crs.to_string()} is probably wrong (zone, units or datum)",
                "tbmj_mismatch")
    out.rows(idx, lambda i: f"TBMJ (图斑面积) {tbmj[i]:.2f} m² differs from the geometric area "
             f"{area[i]:.2f} m² by {100 * rel[i]:.1f} % (tolerance {100 * tol:g} %)",
             "TBMJ is the survey's ellipsoidal area; check the geometry, TBMJ and the CRS",
             "tbmj_mismatch")


def _check_part_areas(p: _Parcels, out: _Collector) -> None:
    """Negative KCMJ or TBDLMJ."""
    for name in ("KCMJ", "TBDLMJ"):
        if name in p.nums:
            vals = p.nums[name]
            out.rows(np.flatnonzero(vals < 0), lambda i, v=vals, nm=name:
                     f"{nm} ({FIELD_MEANINGS[nm]}) is {v[i]:g} m², negative", "", "nonpositive_area")


def _check_graded_codes(p: _Parcels, out: _Collector) -> None:
    """GDDB outside 1–15 and GDPDJB outside 1–5 (0 or empty: not graded)."""
    for name, lo, hi, kind in (("GDDB", 1, 15, "bad_gddb"), ("GDPDJB", 1, 5, "bad_gdpdjb")):
        if name in p.nums:
            vals = p.nums[name]
            bad = np.isfinite(vals) & (vals != 0) & ((vals < lo) | (vals > hi))
            out.rows(np.flatnonzero(bad), lambda i, v=vals, nm=name, a=lo, b=hi:
                     f"{nm} ({FIELD_MEANINGS[nm]}) {v[i]:g} is outside {a}–{b}",
                     "0 or empty means not graded", kind)


def _check_qsxz(p: _Parcels, out: _Collector) -> None:
    """QSXZ not a 三调 ownership code."""
    if "QSXZ" not in p.text or not p.text_ok["QSXZ"]:
        return
    qsxz = p.text["QSXZ"]
    bad = np.flatnonzero([q not in QSXZ_CODES for q in qsxz])
    out.rows(bad, lambda i: f"QSXZ (权属性质) {_fmt(qsxz[i]) if qsxz[i] is not None else 'is empty'}"
             + (" is not a 三调 code" if qsxz[i] is not None else ""),
             "10 国有土地所有权, 20 国有土地使用权, 30 集体土地所有权 (31–34), 40 集体土地使用权", "bad_qsxz")
