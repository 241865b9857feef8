"""landkit.io: 三调 layers from GeoPackage / shapefile / FileGDB, encodings, CRS, rasters."""

from __future__ import annotations

import math
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS, Geod
from rasterio.errors import NotGeoreferencedWarning
from shapely.geometry import box

from landkit import CRSError, ValidationError
from landkit.io import (
    RasterInfo,
    check_raster,
    gk_zone_epsg,
    list_layers,
    normalise_fields,
    read_layer,
    read_parcels,
    read_raster,
    read_raster_info,
    slope_deg,
    to_projected,
    zonal_mean,
)

X0, Y0 = 603_976.0, 3_897_983.0  # 探沂镇 seat in EPSG:4548
NAMES = {"0101": "水田", "0102": "水浇地", "0103": "旱地", "0601": "工业用地", "0702": "农村宅基地"}

ESRI_CM117 = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def parcels(n: int = 5, *, size: float = 200.0, x0: float = X0, y0: float = Y0,
            crs: str = "EPSG:4548") -> gpd.GeoDataFrame:
    """n valid square parcels (size × size m) in a row, with 三调 fields."""
    codes = list(NAMES)
    return gpd.GeoDataFrame(
        {
            "BSM": [f"37132600{i:08d}" for i in range(n)],
            "DLBM": [codes[i % len(codes)] for i in range(n)],
            "DLMC": [NAMES[codes[i % len(codes)]] for i in range(n)],
            "QSXZ": ["30"] * n,
            "ZLDWDM": ["3713261010010000000"] * n,
            "ZLDWMC": ["探沂村"] * n,
            "TBMJ": [size * size] * n,
            "GDDB": [7.0] * n,
        },
        geometry=[box(x0 + i * (size + 50), y0, x0 + i * (size + 50) + size, y0 + size) for i in range(n)],
        crs=crs,
    )


def gbk_shapefile_without_cpg(tmp_path, name: str = "dltb") -> str:
    path = tmp_path / f"{name}.shp"
    parcels().to_file(path, encoding="GBK")
    (tmp_path / f"{name}.cpg").unlink()
    return str(path)


# ------------------------------------------------------------------------------------------- layers


def test_list_layers_and_default_dltb(tmp_path) -> None:
    path = tmp_path / "town.gpkg"
    parcels().to_file(path, layer="XZQ")
    parcels().to_file(path, layer="dltb")
    parcels().to_file(path, layer="YJJBNTBHTB")
    assert list_layers(path) == ["XZQ", "dltb", "YJJBNTBHTB"]
    gdf = read_parcels(path)
    assert gdf.attrs["landkit"]["layer"] == "dltb"
    assert gdf["DLMC"].tolist()[:2] == ["水田", "水浇地"]


def test_wrong_layer_name_lists_real_layers(tmp_path) -> None:
    path = tmp_path / "town.gpkg"
    parcels().to_file(path, layer="DLTB")
    parcels().to_file(path, layer="CZKFBJ")
    with pytest.raises(ValidationError) as info:
        read_parcels(path, layer="DLTBB")
    err = info.value
    assert isinstance(err, ValueError)
    (p,) = err.problems
    assert p.kind == "unknown_layer"
    assert "DLTB" in p.reason and "CZKFBJ" in p.reason and "DLTBB" in p.where
    assert "did you mean DLTB" in p.hint
    with pytest.raises(ValidationError, match="layers present: DLTB, CZKFBJ"):
        read_layer(path, "STBHHX")
    assert read_layer(path, "czkfbj").attrs["landkit"]["layer"] == "CZKFBJ"  # case-insensitive


def test_ambiguous_layers_without_dltb(tmp_path) -> None:
    path = tmp_path / "town.gpkg"
    parcels().to_file(path, layer="A")
    parcels().to_file(path, layer="B")
    with pytest.raises(ValidationError, match="A, B") as info:
        read_parcels(path)
    assert info.value.problems[0].kind == "ambiguous_layer"


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.gpkg"):
        read_parcels("/nonexistent/nowhere.gpkg")


def test_unreadable_file(tmp_path) -> None:
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"not a geopackage")
    with pytest.raises(ValidationError, match="cannot be opened"):
        list_layers(path)


# ----------------------------------------------------------------------------------------- encoding


def test_gbk_shapefile_without_cpg_is_detected(tmp_path) -> None:
    path = gbk_shapefile_without_cpg(tmp_path)
    # what GDAL alone makes of it: mojibake
    raw = pyogrio.read_dataframe(path)
    assert raw["DLMC"][0] != "水田"
    gdf = read_parcels(path)
    assert gdf["DLMC"].tolist() == ["水田", "水浇地", "旱地", "工业用地", "农村宅基地"]
    assert gdf["ZLDWMC"][0] == "探沂村"
    meta = gdf.attrs["landkit"]
    assert meta["encoding"] == "gb18030"
    assert any("no .cpg" in n and "GBK" in n for n in meta["notes"])


def test_encoding_argument(tmp_path) -> None:
    path = gbk_shapefile_without_cpg(tmp_path)
    assert read_parcels(path, encoding="GBK")["DLMC"][0] == "水田"
    with pytest.raises(ValidationError, match="not valid UTF-8") as info:
        read_parcels(path, encoding="UTF-8")
    assert info.value.problems[0].kind == "encoding"


def test_unknown_or_needless_encoding(tmp_path) -> None:
    path = gbk_shapefile_without_cpg(tmp_path)
    with pytest.raises(ValidationError, match="unknown encoding 'GBKK'"):
        read_parcels(path, encoding="GBKK")
    parcels().to_file(tmp_path / "town.gpkg", layer="DLTB")
    out = read_parcels(tmp_path / "town.gpkg", encoding="GBK")
    assert out["DLMC"][0] == "水田"
    assert any("encoding='GBK' ignored" in n for n in out.attrs["landkit"]["notes"])


def test_zoning_shapefile_in_gbk(tmp_path) -> None:
    zone = parcels(2).dissolve()[["geometry"]]
    zone["MC"] = ["生态保护红线"]
    zone.to_crs("EPSG:4490").to_file(tmp_path / "STBHHX.shp", encoding="GBK")
    (tmp_path / "STBHHX.cpg").unlink()
    out = read_layer(tmp_path / "STBHHX.shp", target_crs="EPSG:4548")
    assert out["MC"][0] == "生态保护红线" and out.crs.to_epsg() == 4548


def test_utf8_shapefile_without_cpg(tmp_path) -> None:
    path = tmp_path / "dltb.shp"
    parcels().to_file(path, encoding="UTF-8")
    (tmp_path / "dltb.cpg").unlink()
    gdf = read_parcels(path)
    assert gdf["DLMC"][0] == "水田"
    assert gdf.attrs["landkit"]["encoding"] == "utf-8"


def test_wrong_cpg_is_overruled(tmp_path) -> None:
    path = gbk_shapefile_without_cpg(tmp_path)
    (tmp_path / "dltb.cpg").write_text("UTF-8")
    gdf = read_parcels(path)
    assert gdf["DLMC"][0] == "水田"
    assert any("the .cpg says 'UTF-8'" in n for n in gdf.attrs["landkit"]["notes"])


def test_cpg_is_used(tmp_path) -> None:
    path = tmp_path / "dltb.shp"
    parcels().to_file(path, encoding="GBK")
    gdf = read_parcels(path)
    assert gdf["DLMC"][0] == "水田"
    assert any(".cpg" in n for n in gdf.attrs["landkit"]["notes"])


def test_truncated_gbk_text_is_read_with_replacement(tmp_path) -> None:
    path = gbk_shapefile_without_cpg(tmp_path)
    dbf = tmp_path / "dltb.dbf"
    data = dbf.read_bytes()
    paddy = "水田".encode("gbk")
    at = data.index(paddy)
    dbf.write_bytes(data[: at + 3] + b" " + data[at + 4:])  # cut the last character in half
    gdf = read_parcels(path, validate=False)
    assert gdf["DLMC"][0].startswith("水") and "\ufffd" in gdf["DLMC"][0]
    assert gdf["DLMC"][1] == "水浇地"
    assert any("replacement" in n for n in gdf.attrs["landkit"]["notes"])


def test_zipped_gbk_shapefile(tmp_path) -> None:
    gbk_shapefile_without_cpg(tmp_path)
    archive = tmp_path / "dltb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for ext in ("shp", "shx", "dbf", "prj"):
            zf.write(tmp_path / f"dltb.{ext}", f"data/dltb.{ext}")
    gdf = read_parcels(archive)
    assert gdf["DLMC"][0] == "水田"


def test_folder_of_shapefiles(tmp_path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    gbk_shapefile_without_cpg(folder, "DLTB")
    gbk_shapefile_without_cpg(folder, "XZQ")
    gdf = read_parcels(folder)
    assert gdf.attrs["landkit"]["layer"] == "DLTB"
    assert gdf["DLMC"][0] == "水田"


# ---------------------------------------------------------------------------------------------- CRS


def test_gk_zone_epsg() -> None:
    assert gk_zone_epsg(118.142) == 4548  # 探沂镇
    assert gk_zone_epsg(117.0) == 4548
    assert gk_zone_epsg(75.0) == 4534
    assert gk_zone_epsg(135.0) == 4554
    assert gk_zone_epsg(120.3) == 4549
    assert gk_zone_epsg(118.6) == 4549
    for code, cm in ((4534, 75), (4548, 117), (4554, 135)):
        assert f"CM {cm}E" in CRS.from_epsg(code).name
    with pytest.raises(CRSError):
        gk_zone_epsg(10.0)


def test_shapefile_without_prj(tmp_path) -> None:
    path = gbk_shapefile_without_cpg(tmp_path)
    (tmp_path / "dltb.prj").unlink()
    with pytest.raises(CRSError) as info:
        read_parcels(path)
    err = info.value
    assert isinstance(err, ValidationError)
    message = str(err)
    assert "dltb.shp" in message and ".prj" in message and "crs='EPSG:4490'" in message
    assert "set_crs" in message
    assert err.problems[0].kind == "missing_crs"
    gdf = read_parcels(path, crs="EPSG:4548")
    assert gdf.crs.to_epsg() == 4548
    assert any("crs= argument" in n for n in gdf.attrs["landkit"]["notes"])


def test_geographic_input_reprojected_with_right_areas(tmp_path) -> None:
    projected = parcels(5, size=300.0)
    geographic = projected.copy()
    geographic["geometry"] = projected.geometry.segmentize(10.0).to_crs("EPSG:4490")
    geographic = geographic.set_crs("EPSG:4490", allow_override=True)
    geod = Geod(ellps="GRS80")  # CGCS2000's ellipsoid differs from GRS80 in the 11th digit of 1/f
    ellipsoidal = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in geographic.geometry])
    geographic["TBMJ"] = ellipsoidal.round(2)
    path = tmp_path / "geo.gpkg"
    geographic.to_file(path, layer="DLTB")
    gdf = read_parcels(path)
    assert gdf.crs.to_epsg() == 4548
    np.testing.assert_allclose(gdf.area.to_numpy(), ellipsoidal, rtol=1e-3)
    np.testing.assert_allclose(gdf.area.to_numpy(), 300.0 * 300.0, rtol=1e-3)
    assert any("reprojected from EPSG:4490" in n for n in gdf.attrs["landkit"]["notes"])
    # WGS 84 input goes to the same zone
    geographic.to_crs("EPSG:4326").to_file(tmp_path / "wgs.gpkg", layer="DLTB")
    assert read_parcels(tmp_path / "wgs.gpkg").crs.to_epsg() == 4548
    # an explicit target
    assert read_parcels(path, target_crs="EPSG:4549").crs.to_epsg() == 4549


def test_zone_chosen_from_centre(tmp_path) -> None:
    east = parcels(3, x0=530_000.0, y0=3_900_000.0, crs="EPSG:4549")  # CM 120E
    to_projected_in, _ = to_projected(east.to_crs("EPSG:4490"))
    assert to_projected_in.crs.to_epsg() == 4549


def test_to_projected_keeps_projected_and_needs_crs() -> None:
    gdf = parcels(2)
    same, note = to_projected(gdf)
    assert same.crs.to_epsg() == 4548 and note == ""
    with pytest.raises(CRSError, match=r"gdf\.set_crs") as info:
        to_projected(gdf.set_crs(None, allow_override=True), source="mine.gpkg layer DLTB")
    assert "mine.gpkg layer DLTB" in str(info.value)
    with pytest.raises(CRSError, match="not projected"):
        to_projected(gdf, "EPSG:4490")


def test_degrees_claimed_for_metres(tmp_path) -> None:
    wrong = parcels(2).set_crs("EPSG:4490", allow_override=True)
    wrong.to_file(tmp_path / "wrong.gpkg", layer="DLTB")
    with pytest.raises(CRSError, match="not degrees") as info:
        read_parcels(tmp_path / "wrong.gpkg")
    assert "EPSG:4548" in info.value.problems[0].hint


def test_zone_prefixed_coordinates(tmp_path) -> None:
    prefixed = parcels(2).translate(xoff=39_000_000.0)
    gdf = parcels(2).set_geometry(prefixed)
    gdf.to_file(tmp_path / "prefixed.gpkg", layer="DLTB")
    with pytest.raises(CRSError) as info:
        read_parcels(tmp_path / "prefixed.gpkg")
    assert "EPSG:4527" in info.value.problems[0].hint
    ok = read_parcels(tmp_path / "prefixed.gpkg", crs="EPSG:4527", target_crs="EPSG:4548")
    np.testing.assert_allclose(ok.total_bounds, parcels(2).total_bounds, atol=1e-3)


def test_zone_prefixed_crs_kept_with_a_note(tmp_path) -> None:
    gdf = parcels(2).set_geometry(parcels(2).translate(xoff=39_000_000.0)).set_crs("EPSG:4527", allow_override=True)
    gdf.to_file(tmp_path / "zone39.gpkg", layer="DLTB")
    out = read_parcels(tmp_path / "zone39.gpkg")
    assert out.crs.to_epsg() == 4527
    assert any("target_crs='EPSG:4548'" in n for n in out.attrs["landkit"]["notes"])


def test_esri_prj_identified_as_epsg(tmp_path) -> None:
    path = tmp_path / "dltb.shp"
    parcels().to_file(path, encoding="UTF-8")
    (tmp_path / "dltb.prj").write_text(ESRI_CM117)
    gdf = read_parcels(path)
    assert gdf.crs == CRS.from_epsg(4548)
    in_memory = parcels(2).set_crs(CRS.from_wkt(ESRI_CM117), allow_override=True)
    assert in_memory.crs != CRS.from_epsg(4548)
    out, note = to_projected(in_memory)
    assert out.crs == CRS.from_epsg(4548) and "identified as EPSG:4548" in note


# -------------------------------------------------------------------------------------------- fields


def test_field_names_and_types_normalised(tmp_path) -> None:
    gdf = parcels(3)
    gdf = gdf.rename(columns={"BSM": "bsm", "DLBM": "dlbm", "TBMJ": "Tbmj"})
    gdf["bsm"] = [3713260000000001, 3713260000000002, 3713260000000003]
    gdf["dlbm"] = [101, 102, 103]
    gdf["Tbmj"] = [" 40000.0", "40000", "40000.00 "]
    gdf["GDDB"] = [7.0, np.nan, 9.0]
    gdf["QSXZ"] = [" 30", "31 ", ""]
    gdf["QSXZ"] = gdf["QSXZ"].astype(object)
    gdf.to_file(tmp_path / "odd.gpkg", layer="DLTB")
    with pytest.raises(ValidationError) as info:
        read_parcels(tmp_path / "odd.gpkg")
    assert [p.where for p in info.value.problems] == ["BSM 3713260000000003"]  # the empty QSXZ
    out = read_parcels(tmp_path / "odd.gpkg", validate=False)
    assert out["BSM"].tolist() == ["3713260000000001", "3713260000000002", "3713260000000003"]
    assert out["DLBM"].tolist() == ["0101", "0102", "0103"]
    assert out["TBMJ"].dtype == np.float64 and out["TBMJ"].tolist() == [40000.0] * 3
    assert str(out["GDDB"].dtype) == "Int64" and out["GDDB"].isna().tolist() == [False, True, False]
    assert out["QSXZ"].tolist()[:2] == ["30", "31"] and pd.isna(out["QSXZ"][2])
    notes = " ".join(out.attrs["landkit"]["notes"])
    assert "bsm → BSM" in notes and "leading zeros restored" in notes


def test_normalise_leaves_bad_numbers_for_validation() -> None:
    gdf = parcels(2)
    gdf["TBMJ"] = ["40000", "4O000"]  # a letter O
    out, _ = normalise_fields(gdf)
    assert not pd.api.types.is_numeric_dtype(out["TBMJ"].dtype)


# ----------------------------------------------------------------------------------------- FileGDB


def test_file_geodatabase(tmp_path) -> None:
    assert "w" in pyogrio.list_drivers()["OpenFileGDB"]
    path = tmp_path / "371326.gdb"
    pyogrio.write_dataframe(parcels(), path, layer="DLTB", driver="OpenFileGDB")
    pyogrio.write_dataframe(parcels().dissolve(), path, layer="XZQ", driver="OpenFileGDB")
    assert sorted(list_layers(path)) == ["DLTB", "XZQ"]
    gdf = read_parcels(path)
    assert gdf.attrs["landkit"]["driver"] == "OpenFileGDB"
    assert gdf["DLMC"][0] == "水田" and len(gdf) == 5
    assert read_layer(path, "XZQ").crs.to_epsg() == 4548


# -------------------------------------------------------------------------------- validation on read


def test_read_parcels_validates_and_repairs(tmp_path) -> None:
    gdf = parcels(3)
    x, y = X0 + 250, Y0
    gdf.loc[1, "geometry"] = shapely.Polygon([(x, y), (x + 200, y + 200), (x + 200, y), (x, y + 200)])
    gdf.loc[1, "TBMJ"] = 20000.0
    gdf.to_file(tmp_path / "bow.gpkg", layer="DLTB")
    with pytest.raises(ValidationError, match="BSM 3713260000000001") as info:
        read_parcels(tmp_path / "bow.gpkg")
    assert info.value.report.n_rows == 3
    fixed = read_parcels(tmp_path / "bow.gpkg", repair=True)
    assert len(fixed) == 3 and fixed.is_valid.all()
    assert any("repaired 1 geometries" in n for n in fixed.attrs["landkit"]["notes"])
    assert len(read_parcels(tmp_path / "bow.gpkg", validate=False)) == 3


def test_read_layer_zoning_to_town_crs(tmp_path) -> None:
    zone = parcels(2).dissolve()[["geometry"]]
    zone["name"] = ["永久基本农田"]
    zone.to_crs("EPSG:4490").to_file(tmp_path / "zoning.gpkg", layer="YJJBNTBHTB")
    out = read_layer(tmp_path / "zoning.gpkg", target_crs="EPSG:4548")
    assert out.crs.to_epsg() == 4548
    assert out["name"][0] == "永久基本农田"
    assert out.area.sum() == pytest.approx(2 * 200 * 200, rel=1e-3)


# ------------------------------------------------------------------------------------------- rasters

RES = 30.0
DEM_ORIGIN = (X0 - 600.0, Y0 + 900.0)  # top-left corner


def write_raster(path, data: np.ndarray, *, origin=DEM_ORIGIN, res: float = RES, crs="EPSG:4548",
                 nodata: float | None = -9999.0) -> str:
    transform = Affine(res, 0, origin[0], 0, -res, origin[1])
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data, 1)
    return str(path)


def ramp(rows: int = 40, cols: int = 50) -> np.ndarray:
    """Cell value = 100·row + col."""
    r, c = np.mgrid[0:rows, 0:cols]
    return (100.0 * r + c).astype("float32")


def cell_box(row0: int, col0: int, row1: int, col1: int) -> shapely.Polygon:
    """The polygon covering cells [row0, row1) × [col0, col1) of the DEM grid."""
    x, y = DEM_ORIGIN
    return box(x + col0 * RES, y - row1 * RES, x + col1 * RES, y - row0 * RES)


def test_raster_info_and_check(tmp_path) -> None:
    dem = write_raster(tmp_path / "dem.tif", ramp())
    info = check_raster(dem, town_crs="EPSG:4548")
    assert isinstance(info, RasterInfo)
    assert (info.width, info.height, info.res, info.nodata) == (50, 40, (30.0, 30.0), -9999.0)
    assert info.crs.to_epsg() == 4548 and info.dtype == "float32"
    assert info.bounds == pytest.approx((DEM_ORIGIN[0], DEM_ORIGIN[1] - 1200, DEM_ORIGIN[0] + 1500, DEM_ORIGIN[1]))
    shifted = write_raster(tmp_path / "shifted.tif", ramp(10, 10), origin=(DEM_ORIGIN[0] + 90, DEM_ORIGIN[1] - 30))
    assert check_raster(shifted, like=info).width == 10  # whole cells apart: aligned


def test_misaligned_raster(tmp_path) -> None:
    ref = read_raster_info(write_raster(tmp_path / "dem.tif", ramp()))
    half = write_raster(tmp_path / "half.tif", ramp(), origin=(DEM_ORIGIN[0] + 15, DEM_ORIGIN[1]))
    with pytest.raises(ValidationError) as info:
        check_raster(half, like=ref)
    (p,) = info.value.problems
    assert p.kind == "raster_grid" and "0.500" in p.reason
    assert "half.tif" in p.reason and "dem.tif" in p.reason  # both grids shown
    assert "gdalwarp" in p.hint and "-ts 50 40" in p.hint and "reproject" in p.hint
    fine = write_raster(tmp_path / "fine.tif", ramp(), res=10.0)
    with pytest.raises(ValidationError, match="cell size 10 × 10 differs from the reference 30 × 30"):
        check_raster(fine, like=tmp_path / "dem.tif")


def test_raster_crs_problems(tmp_path) -> None:
    nocrs = write_raster(tmp_path / "nocrs.tif", ramp(), crs=None)
    with pytest.raises(CRSError) as info:
        check_raster(nocrs, town_crs="EPSG:4548")
    assert info.value.problems[0].kind == "missing_crs" and "gdal_edit.py -a_srs EPSG:4548" in str(info.value)
    other = write_raster(tmp_path / "other.tif", ramp(), crs="EPSG:4549")
    with pytest.raises(CRSError, match="EPSG:4549") as info:
        check_raster(other, town_crs="EPSG:4548")
    assert "gdalwarp -t_srs EPSG:4548" in info.value.problems[0].hint
    with pytest.raises(CRSError):
        check_raster(other, like=tmp_path / "nocrs.tif")
    with pytest.raises(CRSError, match="no CRS"):
        zonal_mean(parcels(1), nocrs)


def test_raster_without_georeferencing(tmp_path) -> None:
    path = tmp_path / "plain.tif"
    with pytest.warns(NotGeoreferencedWarning):  # rasterio's own warning while writing the fixture
        with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32") as dst:
            dst.write(ramp(4, 4), 1)
    with pytest.raises(CRSError, match="no georeferencing"):
        check_raster(path)
    with pytest.raises(CRSError):
        zonal_mean(parcels(1), path)


def test_zonal_mean_known_answers(tmp_path) -> None:
    data = ramp()
    data[0, 0] = -9999.0
    dem = write_raster(tmp_path / "dem.tif", data)
    x, y = DEM_ORIGIN
    polys = gpd.GeoDataFrame(geometry=[
        cell_box(2, 4, 4, 6),                                   # cells 204, 205, 304, 305
        box(x + 30 + 2, y - 7 * 30 - 8, x + 30 + 7, y - 7 * 30 - 3),  # inside cell (7, 1), misses its centre
        cell_box(0, 0, 1, 2),                                   # nodata cell ignored: only 1
        box(x - 500, y + 100, x - 400, y + 200),                 # outside the raster
        cell_box(0, 0, 1, 1),                                   # only nodata
    ], crs="EPSG:4548")
    out = zonal_mean(polys, dem)
    np.testing.assert_allclose(out[:3], [254.5, 701.0, 1.0])
    assert np.isnan(out[3]) and np.isnan(out[4])
    # the same polygons in EPSG:4490 are brought into the raster's CRS
    shrunk = polys.iloc[[0]].buffer(-1.0).to_crs("EPSG:4490")
    assert zonal_mean(gpd.GeoDataFrame(geometry=shrunk), dem)[0] == pytest.approx(254.5)
    # an in-memory array gives the same
    arr = zonal_mean(polys, data, transform=Affine(RES, 0, x, 0, -RES, y), crs="EPSG:4548", nodata=-9999.0)
    np.testing.assert_allclose(arr, out, equal_nan=True)
    # one polygon larger than a block and than a chunk of pairs
    whole = gpd.GeoDataFrame(geometry=[cell_box(0, 0, 40, 50)], crs="EPSG:4548")
    expected = data[data != -9999.0].astype("float64").mean()
    assert zonal_mean(whole, dem, block_cells=30)[0] == pytest.approx(expected)


def test_zonal_mean_blocks_match_brute_force(tmp_path) -> None:
    rng = np.random.default_rng(7)
    data = rng.normal(100.0, 10.0, size=(40, 50)).astype("float32")
    dem = write_raster(tmp_path / "dem.tif", data)
    x, y = DEM_ORIGIN
    # a tiling of irregular parcels: Voronoi cells of random points, clipped to the raster
    frame = box(x + 10, y - 1190, x + 1490, y - 10)
    pts = shapely.points(rng.uniform(x, x + 1500, 60), rng.uniform(y - 1200, y, 60))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts))), frame)
    polys = gpd.GeoDataFrame(geometry=cells[~shapely.is_empty(cells)], crs="EPSG:4548")
    one_block = zonal_mean(polys, dem)
    many_blocks = zonal_mean(polys, dem, block_cells=120)  # 2 rows per block
    np.testing.assert_allclose(many_blocks, one_block)
    rows, cols = np.mgrid[0:40, 0:50]
    centres = shapely.points(x + (cols.ravel() + 0.5) * RES, y - (rows.ravel() + 0.5) * RES)
    for geom, got in zip(polys.geometry, one_block, strict=True):
        inside = shapely.intersects(geom, centres)
        assert got == pytest.approx(float(data.ravel()[inside].astype("float64").mean()), rel=1e-9)


def test_slope_deg_of_planes() -> None:
    cols = np.tile(np.arange(20.0), (10, 1))
    plane = 0.1 * RES * cols  # rises 0.1 m per m eastwards
    np.testing.assert_allclose(slope_deg(plane, RES), math.degrees(math.atan(0.1)))
    rows = np.tile(np.arange(10.0)[:, None], (1, 20))
    tilted = 0.3 * 10.0 * rows  # 10 m cells north-south, 30 m east-west
    np.testing.assert_allclose(slope_deg(tilted, (RES, 10.0)), math.degrees(math.atan(0.3)))
    assert np.all(slope_deg(np.full((5, 5), 42.0), 30.0) == 0.0)
    holes = plane.copy()
    holes[5, 5] = np.nan
    out = slope_deg(holes, RES)
    assert np.isnan(out[5, 5]) and np.isfinite(out[0, 0])


def test_read_raster_nodata_to_nan(tmp_path) -> None:
    data = ramp(4, 4)
    data[1, 1] = -9999.0
    arr, info = read_raster(write_raster(tmp_path / "dem.tif", data))
    assert np.isnan(arr[1, 1]) and arr[2, 3] == 203.0 and info.width == 4


def test_a_town_on_a_zone_edge_gets_one_zone_and_is_told_why() -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from landkit.io._crs import to_projected

    # 118.3°E–118.7°E: across the 118.5°E edge between CM 117E (EPSG:4548) and CM 120E (EPSG:4549)
    gdf = gpd.GeoDataFrame({"BSM": ["a", "b"]}, geometry=[box(118.30, 35.0, 118.35, 35.05),
                                                          box(118.65, 35.0, 118.70, 35.05)], crs="EPSG:4490")
    out, note = to_projected(gdf, source="县界.gpkg")
    assert out.crs.to_epsg() in (4548, 4549)
    assert "spans two 3-degree Gauss-Kruger zones" in note and "EPSG:4548" in note and "EPSG:4549" in note
    assert f"EPSG:{out.crs.to_epsg()}" in note.split("centre,")[1]
