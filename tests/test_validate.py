"""landkit.validate: every defect found in one pass, named by BSM; repair on request; no row dropped."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from landkit import CRSError, ValidationError
from landkit.io import read_parcels
from landkit.validate import REQUIRED_FIELDS, ValidationReport, validate_parcels

X0, Y0 = 603_976.0, 3_897_983.0  # 探沂镇 seat in EPSG:4548


def square(i: int, size: float = 50.0) -> Polygon:
    """A size × size square, the i-th along a row east of the seat."""
    return box(X0 + i * 100, Y0, X0 + i * 100 + size, Y0 + size)


def clean_parcels(n: int = 4) -> gpd.GeoDataFrame:
    """n valid parcels of 2,500 m² each."""
    codes = ["0101", "0102", "0103", "0601", "0702", "1006"]
    return gpd.GeoDataFrame(
        {
            "BSM": [f"37132600{i:08d}" for i in range(n)],
            "DLBM": [codes[i % len(codes)] for i in range(n)],
            "DLMC": [{"0101": "水田", "0102": "水浇地", "0103": "旱地", "0601": "工业用地",
                      "0702": "农村宅基地", "1006": "农村道路"}[codes[i % len(codes)]] for i in range(n)],
            "QSXZ": ["30"] * n,
            "ZLDWDM": ["3713261010010000000"] * n,
            "ZLDWMC": ["探沂村"] * n,
            "TBMJ": [2500.0] * n,
            "GDDB": pd.array([7] * n, dtype="Int64"),
            "GDPDJB": pd.array([2] * n, dtype="Int64"),
        },
        geometry=[square(i) for i in range(n)],
        crs="EPSG:4548",
    )


BOWTIE = Polygon([(X0, Y0), (X0 + 50, Y0 + 50), (X0 + 50, Y0), (X0, Y0 + 50), (X0, Y0)])
WITH_SLIVER = MultiPolygon([square(20), box(X0 + 3000, Y0, X0 + 3000.5, Y0 + 0.5)])

#: One row per defect kind: (kind, BSM, changes to a clean row).
DEFECTS: list[tuple[str, str | None, dict]] = [
    ("invalid_geometry", "D01", {"geometry": BOWTIE, "TBMJ": 1250.0}),
    ("empty_geometry", "D02", {"geometry": Polygon()}),
    ("sliver", "D03", {"geometry": WITH_SLIVER}),
    ("geometry_type", "D04", {"geometry": LineString([(X0, Y0), (X0 + 10, Y0)])}),
    ("null_dlbm", "D05", {"DLBM": None}),
    ("unknown_dlbm", "D06", {"DLBM": "9999"}),
    ("dlmc_mismatch", "D07", {"DLBM": "0101", "DLMC": "旱地"}),
    ("duplicate_bsm", "D08", {}),
    ("duplicate_bsm", "D08", {}),
    ("null_bsm", None, {}),
    ("tbmj_mismatch", "D10", {"TBMJ": 3750.0}),
    ("field_type", "D11", {"TBMJ": "abc"}),
    ("nonpositive_area", "D12", {"TBMJ": -5.0}),
    ("bad_gddb", "D13", {"GDDB": 17}),
    ("bad_gdpdjb", "D14", {"GDPDJB": 9}),
    ("bad_qsxz", "D15", {"QSXZ": "50"}),
    ("null_field", "D16", {"ZLDWMC": None}),
]
ALL_KINDS = {kind for kind, _, _ in DEFECTS}


def defect_parcels(*, tbmj_as_text: bool = True) -> gpd.GeoDataFrame:
    """A clean parcel first, then one row per entry of DEFECTS."""
    base = clean_parcels(1).iloc[0].to_dict()
    rows = [dict(base)]
    for i, (_, bsm, change) in enumerate(DEFECTS, start=1):
        row = dict(base, BSM=bsm, geometry=square(i))
        row.update(change)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if tbmj_as_text:  # as a text column in a file would be: one value is not a number
        frame["TBMJ"] = frame["TBMJ"].map(lambda v: v if isinstance(v, str) else f"{v:.2f}")
    else:
        frame["TBMJ"] = pd.to_numeric(frame["TBMJ"], errors="coerce")
    for col in ("GDDB", "GDPDJB"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4548")


def test_clean_parcels_pass() -> None:
    gdf = clean_parcels(6)
    report = validate_parcels(gdf)
    assert isinstance(report, ValidationReport)
    assert report.ok and report.problems == []
    assert report.n_rows == 6
    assert report.repairs.empty
    assert report.parcels is gdf


def test_every_defect_kind_reported_in_one_error() -> None:
    gdf = defect_parcels()
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf, source="defects.gpkg layer DLTB")
    err = info.value
    assert isinstance(err, ValueError)
    kinds = err.by_kind()
    assert ALL_KINDS <= set(kinds), ALL_KINDS - set(kinds)
    message = str(err)
    assert message.startswith("defects.gpkg layer DLTB:")
    for kind, bsm, _ in DEFECTS:
        if bsm is not None:
            assert f"BSM {bsm}" in message, (kind, bsm)
        assert any(p.kind == kind for p in err.problems)
    # the row without BSM is named by its position
    null_row = 1 + [b for _, b, _ in DEFECTS].index(None)
    assert any(p.where == f"row {null_row}" for p in kinds["null_bsm"])
    # the clean row is never blamed
    assert "BSM 3713260000000000" not in message
    # the report is attached to the error
    assert err.report.n_rows == len(gdf)


def test_messages_say_what_and_why() -> None:
    with pytest.raises(ValidationError) as info:
        validate_parcels(defect_parcels())
    kinds = info.value.by_kind()
    (bowtie,) = kinds["invalid_geometry"]
    assert bowtie.where == "BSM D01" and "Self-intersection" in bowtie.reason and "bow-tie" in bowtie.reason
    assert "repair=True" in bowtie.hint
    (dup,) = kinds["duplicate_bsm"]
    assert dup.where == "BSM D08" and "2 times" in dup.reason
    (mismatch,) = kinds["dlmc_mismatch"]
    assert "'旱地'" in mismatch.reason and "0101" in mismatch.reason and "'水田'" in mismatch.reason
    (tbmj,) = kinds["tbmj_mismatch"]
    assert "3750.00" in tbmj.reason and "2500.00" in tbmj.reason and "50.0 %" in tbmj.reason
    (text,) = kinds["field_type"]
    assert text.where == "BSM D11" and "'abc'" in text.reason
    (sliver,) = kinds["sliver"]
    assert "1 of 2" in sliver.reason
    (gddb,) = kinds["bad_gddb"]
    assert "17" in gddb.reason and "1–15" in gddb.reason
    # every kind appears before the error message is cut at max_listed
    first = [p.kind for p in info.value.problems[: len(ALL_KINDS)]]
    assert set(first) == ALL_KINDS


def test_every_defect_kind_from_one_file(tmp_path) -> None:
    """The same defects written to one GeoPackage are all reported by read_parcels."""
    path = tmp_path / "defects.gpkg"
    defect_parcels().to_file(path, layer="DLTB")
    with pytest.raises(ValidationError) as info:
        read_parcels(path)
    assert ALL_KINDS <= set(info.value.by_kind())
    assert "defects.gpkg layer DLTB" in str(info.value)


def test_repair_fixes_geometry_and_reports_it() -> None:
    gdf = clean_parcels(3)
    gdf.loc[1, "geometry"] = BOWTIE
    gdf.loc[1, "TBMJ"] = 1250.0
    gdf.loc[2, "geometry"] = MultiPolygon([square(2), box(X0 + 3000, Y0, X0 + 3000.5, Y0 + 0.5)])
    with pytest.raises(ValidationError):
        validate_parcels(gdf)
    report = validate_parcels(gdf, repair=True)
    assert report.ok
    fixed = report.parcels
    assert len(fixed) == len(gdf)  # no row dropped
    assert fixed.geometry.is_valid.all()
    assert set(fixed.geom_type) <= {"Polygon", "MultiPolygon"}
    rep = report.repairs.set_index("BSM")
    assert list(rep.index) == [gdf.loc[1, "BSM"], gdf.loc[2, "BSM"]]
    bow = rep.loc[gdf.loc[1, "BSM"]]
    assert bow["action"] == "make_valid" and "Self-intersection" in bow["reason"]
    assert bow["area_after_m2"] == pytest.approx(1250.0)  # the two triangles of the bow-tie
    assert (bow["parts_before"], bow["parts_after"]) == (1, 2)
    sl = rep.loc[gdf.loc[2, "BSM"]]
    assert sl["action"] == "drop_sliver_parts"
    assert sl["area_before_m2"] - sl["area_after_m2"] == pytest.approx(0.25)
    assert (sl["parts_before"], sl["parts_after"]) == (2, 1)
    # the input frame is not modified
    assert not gdf.geometry.iloc[1].is_valid


def test_repair_keeps_unrepairable_rows_and_still_raises() -> None:
    gdf = clean_parcels(2)
    gdf.loc[1, "geometry"] = Polygon([(X0, Y0), (X0 + 10, Y0), (X0 + 20, Y0), (X0, Y0)])  # a flat ring
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf, repair=True)
    (p,) = info.value.by_kind()["invalid_geometry"]
    assert "could not" in p.reason
    assert len(info.value.report.parcels) == 2


def test_repair_collapses_collections_to_polygons() -> None:
    gdf = clean_parcels(2)
    gdf.loc[1, "geometry"] = shapely.GeometryCollection([square(1), LineString([(X0, Y0), (X0 + 5, Y0)])])
    report = validate_parcels(gdf, repair=True)
    assert report.parcels.geometry.iloc[1].geom_type == "Polygon"
    assert report.repairs["action"].tolist() == ["keep_polygons"]


def test_missing_fields_listed_together() -> None:
    gdf = clean_parcels(2).drop(columns=["DLMC", "TBMJ"]).rename(columns={"QSXZ": "qsxz"})
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf)
    (p,) = info.value.by_kind()["missing_field"]
    assert "DLMC" in p.reason and "TBMJ" in p.reason and "QSXZ" in p.reason
    assert "qsxz → QSXZ" in p.hint
    assert set(REQUIRED_FIELDS) >= {"BSM", "DLBM", "DLMC", "TBMJ"}


def test_crs_missing_and_geographic() -> None:
    gdf = clean_parcels(2)
    with pytest.raises(CRSError.__mro__[1]) as info:  # ValidationError
        validate_parcels(gdf.set_crs(None, allow_override=True))
    assert "missing_crs" in info.value.by_kind()
    report = validate_parcels(gdf.to_crs("EPSG:4490"))
    assert report.ok and any("geographic" in n for n in report.notes)


def test_numbers_stored_as_text_or_codes_as_numbers() -> None:
    gdf = clean_parcels(2)
    gdf["TBMJ"] = gdf["TBMJ"].map(str)
    gdf["DLBM"] = [101, 102]
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf)
    kinds = info.value.by_kind()
    where = sorted(p.where for p in kinds["field_type"])
    assert where == ["column DLBM", "column TBMJ"]
    assert "unknown_dlbm" not in kinds  # not reported twice


def test_unknown_code_hints() -> None:
    gdf = clean_parcels(3)
    gdf["DLBM"] = ["101", "0201k", "0101"]
    gdf["DLMC"] = ["水田", "果园", "Ë®Ìï"]
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf)
    kinds = info.value.by_kind()
    hints = {p.where: p.hint for p in kinds["unknown_dlbm"]}
    assert "leading zero" in hints[f"BSM {gdf.BSM[0]}"] and "二调" in hints[f"BSM {gdf.BSM[0]}"]
    assert "0201K" in hints[f"BSM {gdf.BSM[1]}"]
    (moji,) = kinds["dlmc_mismatch"]
    assert "GBK" in moji.hint


def test_gddb_zero_means_not_graded() -> None:
    gdf = clean_parcels(3)
    gdf["GDDB"] = pd.array([0, None, 15], dtype="Int64")
    assert validate_parcels(gdf).ok


def test_tbmj_tolerances() -> None:
    gdf = clean_parcels(3)
    gdf["TBMJ"] = [2500.0 * 1.04, 2500.0 * 0.94, 2500.0]
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf)
    assert [p.where for p in info.value.problems] == [f"BSM {gdf.BSM[1]}"]
    assert validate_parcels(gdf, tbmj_rel_tol=0.07).ok
    small = clean_parcels(1)
    small["geometry"] = [box(X0, Y0, X0 + 2, Y0 + 2)]
    small["TBMJ"] = [4.8]  # 20 % off but under 1 m²
    assert validate_parcels(small).ok


def test_duplicates_labelled_with_row() -> None:
    gdf = clean_parcels(3)
    gdf["BSM"] = ["X", "X", "Y"]
    gdf.loc[1, "QSXZ"] = "99"
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf)
    kinds = info.value.by_kind()
    assert kinds["bad_qsxz"][0].where == "BSM X (row 1)"
    assert "rows 0, 1" in kinds["duplicate_bsm"][0].reason


def test_report_without_raising() -> None:
    report = validate_parcels(defect_parcels(tbmj_as_text=False), raise_on_error=False)
    assert not report.ok
    assert ALL_KINDS - {"field_type"} <= set(report.by_kind())
    assert report.n_rows == len(DEFECTS) + 1


def test_not_a_geodataframe() -> None:
    with pytest.raises(ValidationError, match="GeoDataFrame"):
        validate_parcels(pd.DataFrame({"BSM": ["1"]}))


def test_vectorised_on_many_rows() -> None:
    """A few thousand parcels with scattered defects: each is found, nothing else."""
    n = 3000
    xs = X0 + (np.arange(n) % 60) * 60.0
    ys = Y0 + (np.arange(n) // 60) * 60.0
    gdf = clean_parcels(1).loc[np.zeros(n, dtype=int)].reset_index(drop=True)
    gdf["BSM"] = [f"B{i}" for i in range(n)]
    gdf["geometry"] = shapely.box(xs, ys, xs + 50, ys + 50)
    gdf.loc[[10, 2000], "DLBM"] = "0000"
    gdf.loc[[500], "TBMJ"] = 10.0
    with pytest.raises(ValidationError) as info:
        validate_parcels(gdf)
    assert sorted(p.where for p in info.value.problems) == ["BSM B10", "BSM B2000", "BSM B500"]
