"""The sample-town generator (landkit.sample) and the committed data/tanyi files it produced.

Most tests read the committed files; one fresh generation (a few seconds) checks determinism and
that the committed files are what the generator makes today.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from geopandas.testing import assert_geodataframe_equal

from landkit import sample
from landkit.landuse import CONSTRUCTION_PATTERN, DLBM_NAMES, FARMLAND_CODES
from landkit.units import M2_PER_MU

DATA = Path(__file__).resolve().parent.parent / "data" / "tanyi"
GPKG = DATA / "tanyi.gpkg"
DEM = DATA / "dem.tif"
SEAT = np.array(sample.SEAT_XY)
SITE_NAMES = ["毛家河", "岐山寺", "巨龙山", "凤凰山", "龙王塘"]


def _read_all(folder: Path) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(folder / "tanyi.gpkg", layer=name) for name in sample.SAMPLE_LAYERS}


def _assert_same(a: dict[str, gpd.GeoDataFrame], b: dict[str, gpd.GeoDataFrame], hint: str = "") -> None:
    assert list(a) == list(b)
    for name in a:
        try:
            assert_geodataframe_equal(a[name], b[name], check_less_precise=False)
        except AssertionError as exc:
            raise AssertionError(f"layer {name} differs{hint}: {exc}") from exc
        wkb_a = shapely.to_wkb(np.asarray(a[name].geometry.values))
        wkb_b = shapely.to_wkb(np.asarray(b[name].geometry.values))
        assert (wkb_a == wkb_b).all(), f"layer {name}: geometries differ{hint}"


def _dem(path: Path) -> tuple[np.ndarray, rasterio.Affine]:
    with rasterio.open(path) as src:
        return src.read(1), src.transform


def _y_at(line: shapely.Geometry, x: np.ndarray) -> np.ndarray:
    """y of a west–east line at eastings ``x``."""
    c = shapely.get_coordinates(line)
    c = c[np.argsort(c[:, 0])]
    return np.interp(x, c[:, 0], c[:, 1])


def _x_at(line: shapely.Geometry, y: np.ndarray) -> np.ndarray:
    """x of a south–north line at northings ``y``."""
    c = shapely.get_coordinates(line)
    c = c[np.argsort(c[:, 1])]
    return np.interp(y, c[:, 1], c[:, 0])


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return _read_all(DATA)


@pytest.fixture(scope="module")
def dltb(layers: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    return layers["DLTB"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample_a")
    sample.generate_sample(folder)
    return folder


def _one(layers: dict[str, gpd.GeoDataFrame], name: str) -> shapely.Geometry:
    return layers[name].geometry.union_all()


# ----------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_town(fresh: Path, tmp_path: Path) -> None:
    assert sample.main([str(tmp_path)]) == 0  # the `python -m landkit.sample` entry point
    _assert_same(_read_all(fresh), _read_all(tmp_path))
    (za, ta), (zb, tb) = _dem(fresh / "dem.tif"), _dem(tmp_path / "dem.tif")
    assert ta == tb
    assert np.array_equal(za, zb)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "tanyi.gpkg"], "stray files left behind"


def test_committed_files_are_what_the_generator_makes(fresh: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    with rasterio.open(DEM) as src:
        made_with = src.tags()
    assert made_with.get("generator") == "landkit.sample" and made_with.get("seed") == str(sample.DEFAULT_SEED)
    if made_with.get("geos") != shapely.geos_version_string:
        pytest.skip(f"data/tanyi was made with GEOS {made_with.get('geos')}, this is {shapely.geos_version_string}")
    _assert_same(_read_all(fresh), layers, " (regenerate with `python -m landkit.sample data/tanyi`)")
    za, ta = _dem(fresh / "dem.tif")
    zb, tb = _dem(DEM)
    assert ta == tb and np.array_equal(za, zb), "dem.tif is stale: run `python -m landkit.sample data/tanyi`"


def test_another_seed_gives_another_town_with_the_same_fixed_features(dltb: gpd.GeoDataFrame) -> None:
    other, z, _ = sample.build_sample(seed=7)
    assert 3000 <= len(other["DLTB"]) <= 8000
    assert len(other["DLTB"]) != len(dltb) or not other["DLTB"]["DLBM"].equals(dltb["DLBM"])
    for name in ("industrial_zone", "chem_park_candidate", "wood_zone", "sites", "seat"):
        assert other[name].geometry.union_all().equals_exact(
            gpd.read_file(GPKG, layer=name).geometry.union_all(), 0.01), name
    assert z.dtype == np.float32


def test_generator_constants_agree_with_parameters_yaml() -> None:
    from landkit.params import Parameters

    params = Parameters.load()
    assert tuple(params["town.seat_xy_m"]) == sample.SEAT_XY
    assert params["town.crs"] == sample.CRS
    assert params["siting.chemical_park_area"] * 1e6 == pytest.approx(sample.CHEM_PARK_M2)
    assert params["siting.wood_cluster_area"] * M2_PER_MU == pytest.approx(sample.WOOD_ZONE_M2)
    assert params["reserve.development_boundary_factor"] == sample.DEV_BOUNDARY_FACTOR


# ----------------------------------------------------------------------------- layers
def test_every_layer_exists_with_the_town_crs(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert sorted(pyogrio.list_layers(GPKG)[:, 0]) == sorted(sample.SAMPLE_LAYERS)
    for name, gdf in layers.items():
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4548, name
        geoms = np.asarray(gdf.geometry.values)
        assert len(geoms) > 0, name
        assert not shapely.is_missing(geoms).any() and not shapely.is_empty(geoms).any(), name
        assert shapely.is_valid(geoms).all(), name
    assert layers["XZQ"][["XZQDM", "XZQMC"]].to_dict("records") == [{"XZQDM": "371325102", "XZQMC": "探沂镇"}]
    assert set(layers["roads"]["road_class"]) == {"national", "provincial", "county", "village"}
    assert {"G327", "S229"} <= set(layers["roads"]["name"])
    assert list(layers["railway"]["name"]) == ["兖石铁路"]
    assert {"祊河", "涑河"} <= set(layers["river"]["name"])
    seat = layers["seat"].geometry.iloc[0]
    assert np.hypot(seat.x - SEAT[0], seat.y - SEAT[1]) < 1.0


# ----------------------------------------------------------------------------- parcels
def test_parcel_count_and_total_area(dltb: gpd.GeoDataFrame) -> None:
    area = dltb.geometry.area
    assert 3000 <= len(dltb) <= 8000
    assert 95e6 <= area.sum() <= 110e6
    ratio = dltb["TBMJ"] / area  # ellipsoidal area / Gauss-Kruger planar area near 118.1°E
    assert ratio.between(0.9997, 0.99979).all()


def test_parcel_schema_and_types(dltb: gpd.GeoDataFrame) -> None:
    assert list(dltb.columns) == [*sample.DLTB_COLUMNS, "geometry"]
    text = ["BSM", "DLBM", "DLMC", "QSXZ", "QSDWDM", "QSDWMC", "ZLDWDM", "ZLDWMC", "KCDLBM", "GDLX", "CZCSXM"]
    for col in text:
        assert pd.api.types.is_string_dtype(dltb[col]), col
        assert dltb[col].notna().all(), col
    for col in ("TBMJ", "KCXS", "KCMJ", "TBDLMJ", "floor_area_m2"):
        assert pd.api.types.is_float_dtype(dltb[col]), col
    assert pd.api.types.is_integer_dtype(dltb["households"])
    for col in ("GDPDJB", "GDDB"):
        values = dltb[col].dropna().to_numpy(dtype=float)
        assert (values == np.round(values)).all(), col
    assert dltb["BSM"].is_unique
    assert dltb["BSM"].str.fullmatch(r"371325\d{12}").all()
    assert dltb["ZLDWDM"].str.fullmatch(r"371325102\d{10}").all()
    assert (dltb["DLMC"] == dltb["DLBM"].map(DLBM_NAMES)).all()
    assert set(dltb["QSXZ"]) <= {"10", "20", "30"}
    state = dltb["QSXZ"] != "30"
    assert (dltb.loc[state, "QSDWMC"] == "费县人民政府").all()
    assert (dltb.loc[~state, "QSDWMC"] == dltb.loc[~state, "ZLDWMC"]).all()
    assert (dltb.loc[dltb["DLBM"].isin(["1101", "1003", "1001"]), "QSXZ"] != "30").all()
    assert set(dltb["CZCSXM"]) <= {"", "202", "203", "204", "202A"}
    assert (dltb.loc[dltb["DLBM"] == "0602", "CZCSXM"] == "204").all()


def test_deductions_and_areas_are_consistent(dltb: gpd.GeoDataFrame) -> None:
    farm = dltb["DLBM"].isin(FARMLAND_CODES)
    assert dltb["KCXS"].between(0.0, 0.1).all()
    assert (dltb.loc[~farm, "KCXS"] == 0).all()
    assert ((dltb["KCXS"] > 0) == (dltb["KCDLBM"] == "1203")).all()
    assert np.allclose(dltb["KCMJ"], dltb["TBMJ"] * dltb["KCXS"], atol=0.01)
    assert np.allclose(dltb["TBDLMJ"], dltb["TBMJ"] - dltb["KCMJ"], atol=0.011)
    assert set(dltb.loc[farm, "GDLX"]) <= {"", "TT", "PD"} and (dltb.loc[~farm, "GDLX"] == "").all()
    assert ((dltb.loc[farm, "GDLX"] != "") == (dltb.loc[farm, "GDPDJB"] >= 2)).all()
    assert dltb.loc[farm, "GDPDJB"].between(1, 5).all() and dltb.loc[~farm, "GDPDJB"].isna().all()


def test_parcels_are_valid_single_polygons_tiling_the_town(
    dltb: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    geoms = np.asarray(dltb.geometry.values)
    assert (shapely.get_type_id(geoms) == 3).all()  # Polygon, one per BSM
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    assert shapely.area(geoms).min() > 100.0
    total = shapely.area(geoms).sum()
    union = shapely.union_all(geoms).area
    town = _one(layers, "XZQ").area
    assert total == pytest.approx(union, rel=1e-4)  # no overlaps
    assert union == pytest.approx(town, rel=1e-6)  # no gaps: the parcels tile the town polygon
    assert shapely.symmetric_difference(shapely.union_all(geoms), _one(layers, "XZQ")).area < 1.0


def test_land_uses_present(dltb: gpd.GeoDataFrame) -> None:
    counts = dltb["DLBM"].value_counts()
    for code in ("0101", "0102", "0103", "0201", "0301", "05H1", "0601", "0701", "0702", "08H1", "08H2",
                 "1001", "1003", "1006", "1101", "1104", "1107", "1109", "1201", "1202"):
        assert counts.get(code, 0) >= 1, code
    assert counts.get("0602", 0) >= 2  # abandoned quarries in the hills
    assert counts.get("0702", 0) > 300
    farm_share = dltb.geometry.area[dltb["DLBM"].isin(FARMLAND_CODES)].sum() / dltb.geometry.area.sum()
    assert 0.3 < farm_share < 0.6


def test_homesteads_carry_households_and_floor_area(dltb: gpd.GeoDataFrame) -> None:
    home = dltb["DLBM"] == "0702"
    assert (dltb.loc[home, "households"] > 0).all()
    assert (dltb.loc[~home, "households"] == 0).all()
    m2_per_household = dltb.loc[home, "TBMJ"] / dltb.loc[home, "households"]
    assert m2_per_household.between(125, 600).all()
    assert 250 <= m2_per_household.median() <= 400
    housing = dltb["DLBM"].isin(["0702", "0701"])
    assert (dltb.loc[housing, "floor_area_m2"] > 0).all()
    assert (dltb.loc[~housing, "floor_area_m2"] == 0).all()


def test_farmland_grades_are_realistic_and_better_near_the_river(
    dltb: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    farm = dltb["DLBM"].isin(FARMLAND_CODES)
    assert dltb.loc[farm, "GDDB"].between(5, 12).all()
    assert dltb.loc[~farm, "GDDB"].isna().all()
    river = layers["river"].set_index("name").geometry["祊河"]
    dist = dltb.geometry.representative_point().distance(river)
    near = dltb.loc[farm & (dist < 1000), "GDDB"].mean()
    far = dltb.loc[farm & (dist > 3000), "GDDB"].mean()
    assert near + 1.5 < far
    paddy = dltb["DLBM"] == "0101"
    assert dist[paddy].mean() < dist[dltb["DLBM"] == "0103"].mean()
    assert dist[paddy].quantile(0.9) < 1500


# ----------------------------------------------------------------------------- places
def test_five_tourism_sites_spread_along_a_30_km_route(layers: dict[str, gpd.GeoDataFrame]) -> None:
    sites = layers["sites"].sort_values("route_order")
    assert list(sites["name"]) == SITE_NAMES
    xy = shapely.get_coordinates(np.asarray(sites.geometry.values))
    route_km = np.hypot(*np.diff(xy, axis=0).T).sum() / 1000.0
    assert 25.0 <= route_km <= 35.0
    shortest = min(
        np.hypot(*np.diff(xy[list(p)], axis=0).T).sum() / 1000.0 for p in itertools.permutations(range(5))
    )
    assert route_km <= 1.15 * shortest  # the listed order is a sensible route, not a zigzag
    town = _one(layers, "XZQ")
    assert shapely.contains_xy(town, xy[:, 0], xy[:, 1]).all()
    assert (xy[:, 1] < SEAT[1] - 1000).all()  # in the south, south of the railway
    z, transform = _dem(DEM)
    rows, cols = rasterio.transform.rowcol(transform, xy[:, 0], xy[:, 1])
    assert (z[rows, cols][[1, 3]] > 250).all()  # 岐山寺 and 凤凰山 are up in the hills
    assert z[rows, cols][2] > 180  # 巨龙山 stands above the plain


def test_chem_park_candidate_south_west_of_the_seat(
    dltb: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    chem = _one(layers, "chem_park_candidate")
    assert chem.area == pytest.approx(3.05e6, rel=0.01)
    c = chem.centroid
    assert c.x < SEAT[0] - 1000 and c.y < SEAT[1] - 1000
    inside = dltb[dltb.geometry.representative_point().within(chem)]
    area = inside.geometry.area
    assert area[inside["DLBM"].isin(FARMLAND_CODES)].sum() / area.sum() > 0.6  # mostly farmland
    homes = inside[inside["DLBM"] == "0702"]
    assert len(homes) >= 2 and homes["households"].sum() > 50  # and some homesteads
    for zone in ("YJJBNTBHTB", "STBHHX", "YYSYDBHQ"):
        assert chem.intersection(_one(layers, zone)).area < 1.0, zone
    assert chem.difference(_one(layers, "CZKFBJ")).area < 0.01 * chem.area


def test_industrial_and_wood_zones(layers: dict[str, gpd.GeoDataFrame], dltb: gpd.GeoDataFrame) -> None:
    ind = _one(layers, "industrial_zone")
    assert ind.area == pytest.approx(6000 * M2_PER_MU, rel=0.01)
    roads = layers["roads"].set_index("name").geometry
    rivers = layers["river"].set_index("name").geometry
    pts = shapely.get_coordinates(ind)
    assert ind.centroid.x > SEAT[0] + 1000
    assert (pts[:, 1] > _y_at(roads["G327"], pts[:, 0])).all()  # north of G327
    assert (pts[:, 1] < _y_at(rivers["祊河"], pts[:, 0])).all()  # on the south bank of the 祊河
    assert (pts[:, 1] < _y_at(_one(layers, "levee"), pts[:, 0])).all()  # behind the levee
    wood = _one(layers, "wood_zone")
    assert wood.area == pytest.approx(1060 * M2_PER_MU, rel=0.01)
    pts = shapely.get_coordinates(wood)
    assert (pts[:, 1] < _y_at(_one(layers, "railway"), pts[:, 0])).all()  # south of the railway
    assert (pts[:, 0] > _x_at(roads["S229"], pts[:, 1])).all()  # east of S229
    rp = dltb.geometry.representative_point()
    assert (dltb.loc[rp.within(ind), "DLBM"] == "0601").mean() > 0.6


def test_river_runs_west_to_east_with_the_levee_on_its_south_bank(layers: dict[str, gpd.GeoDataFrame]) -> None:
    river = layers["river"].set_index("name").geometry["祊河"]
    town = _one(layers, "XZQ")
    minx, _, maxx, _ = town.bounds
    c = shapely.get_coordinates(river)
    assert c[0, 0] < c[-1, 0] and c[-1, 0] - c[0, 0] > 0.7 * (maxx - minx)
    xs = np.linspace(c[0, 0] + 200, c[-1, 0] - 200, 50)
    assert (_y_at(_one(layers, "levee"), xs) < _y_at(river, xs)).all()
    assert _y_at(river, np.array([SEAT[0]]))[0] > SEAT[1]  # north of the seat
    water = layers["river_area"].set_index("name").geometry["祊河"]
    assert water.intersection(_one(layers, "flood_zone")).area > 0.95 * water.area


def test_villages_and_the_nanyang_area(dltb: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> None:
    v = layers["villages"]
    assert 40 <= len(v) <= 70
    assert v["ZLDWMC"].is_unique and v["ZLDWMC"].str.endswith("村").all()
    assert set(dltb["ZLDWMC"]) <= set(v["ZLDWMC"])
    by_village = dltb.groupby("ZLDWDM")["households"].sum()
    assert (v.set_index("ZLDWDM")["households"] == by_village.reindex(v["ZLDWDM"]).fillna(0)).all()
    nanyang = v[v["ZLDWMC"].str.contains("南阳")]
    assert {"南阳村", "前南阳村", "后南阳村"} <= set(nanyang["ZLDWMC"])
    assert (nanyang["households"] > 0).all()
    xy = shapely.get_coordinates(np.asarray(nanyang.geometry.values))
    assert np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)).max() < 3000  # one area
    assert (nanyang["area_name"] == "南阳片区").all()
    schools = layers["schools"]
    assert len(schools) >= 4
    assert (dltb.set_index("BSM").loc[schools["BSM"], "DLBM"] == "08H2").all()


# ----------------------------------------------------------------------------- zoning
def test_zoning_layers(dltb: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> None:
    basic, eco, dev = _one(layers, "YJJBNTBHTB"), _one(layers, "STBHHX"), _one(layers, "CZKFBJ")
    town = _one(layers, "XZQ")
    for name, g in (("YJJBNTBHTB", basic), ("STBHHX", eco), ("CZKFBJ", dev), ("YYSYDBHQ", _one(layers, "YYSYDBHQ"))):
        assert g.difference(town).area < 1.0, name
    assert basic.intersection(eco).area < 1.0 and basic.intersection(dev).area < 1.0
    assert eco.intersection(dev).area < 1.0
    # 永久基本农田: mostly farmland, following parcel edges, with a few partial overlaps
    geoms = np.asarray(dltb.geometry.values)
    frac = shapely.area(shapely.intersection(geoms, basic)) / shapely.area(geoms)
    farm = dltb["DLBM"].isin(FARMLAND_CODES).to_numpy()
    assert (shapely.area(geoms) * frac)[farm].sum() > 0.85 * basic.area
    partial = (frac > 0.05) & (frac < 0.95)
    assert 5 <= partial.sum() < 0.1 * (frac > 0.05).sum()
    good = farm & (dltb["GDDB"].to_numpy(dtype=float) <= 10)
    assert (shapely.area(geoms) * frac)[good].sum() > 0.5 * shapely.area(geoms[good]).sum()
    # 城镇开发边界 ≈ 1.3 × existing urban construction land; it holds the zones
    construction = dltb["DLBM"].map(lambda c: bool(CONSTRUCTION_PATTERN.match(c)))
    existing = dltb.geometry.area[construction & dltb["CZCSXM"].isin(["201", "202", "201A", "202A"])].sum()
    assert dev.area / existing == pytest.approx(1.3, rel=0.02)
    for zone in ("industrial_zone", "wood_zone", "chem_park_candidate"):
        z = _one(layers, zone)
        assert z.difference(dev).area < 0.01 * z.area, zone
    assert shapely.Point(*SEAT).within(dev)
    # 生态保护红线 holds the hill core in the south and the 祊河 corridor
    assert eco.intersection(layers["river_area"].set_index("name").geometry["祊河"]).area > 0
    assert eco.centroid.y < SEAT[1]
    # the water-source zone lies upstream (west of the seat) on the 祊河
    water = layers["YYSYDBHQ"]
    assert set(water["level"]) == {"一级", "二级"}
    assert water.geometry.union_all().centroid.x < SEAT[0] - 2000
    assert water.geometry.union_all().intersects(layers["river"].set_index("name").geometry["祊河"])


# ----------------------------------------------------------------------------- DEM
def test_dem(layers: dict[str, gpd.GeoDataFrame]) -> None:
    with rasterio.open(DEM) as src:
        assert src.crs.to_epsg() == 4548
        assert src.res == (30.0, 30.0)
        assert src.dtypes[0] == "float32" and src.nodata == -9999.0
        assert src.profile["tiled"] and src.profile["blockxsize"] == 256
        assert src.compression is not None
        z = src.read(1)
        town = _one(layers, "XZQ")
        left, bottom, right, top = src.bounds
        minx, miny, maxx, maxy = town.bounds
        assert left <= minx and bottom <= miny and right >= maxx and top >= maxy
        rows, cols = np.indices(z.shape)
        xs, ys = rasterio.transform.xy(src.transform, rows.ravel(), cols.ravel())
    xs, ys, zz = np.asarray(xs), np.asarray(ys), z.ravel()
    inside = shapely.contains_xy(town, xs, ys)
    assert (zz[inside] != -9999.0).all()
    zi, yi = zz[inside], ys[inside]
    assert 350 <= zi.max() <= 420 and 75 <= zi.min() <= 95
    third = (yi.max() - yi.min()) / 3
    south, north = zi[yi < yi.min() + third], zi[yi > yi.max() - third]
    assert south.mean() > north.mean() + 80
    assert 85 <= np.median(north) <= 110  # the valley floor


# ----------------------------------------------------------------------------- synthetic towns
def test_synthetic_parcels_schema_tiling_and_determinism() -> None:
    gdf = sample.synthetic_parcels(3000, seed=3)
    assert len(gdf) == 3000
    assert list(gdf.columns) == [*sample.DLTB_COLUMNS, "geometry"]
    assert gdf.crs.to_epsg() == 4548
    geoms = np.asarray(gdf.geometry.values)
    assert shapely.is_valid(geoms).all() and (shapely.get_type_id(geoms) == 3).all()
    side = round(np.sqrt(3000 * 5000.0), 1)
    assert shapely.area(geoms).sum() == pytest.approx(side * side, rel=1e-6)
    assert shapely.union_all(geoms).area == pytest.approx(side * side, rel=1e-6)
    assert gdf["BSM"].is_unique and (gdf["DLMC"] == gdf["DLBM"].map(DLBM_NAMES)).all()
    farm = gdf["DLBM"].isin(FARMLAND_CODES)
    assert gdf.loc[farm, "GDDB"].between(5, 12).all() and farm.mean() > 0.3
    assert (gdf.loc[gdf["DLBM"] == "0702", "households"] > 0).all()
    assert_geodataframe_equal(gdf, sample.synthetic_parcels(3000, seed=3))
    with pytest.raises(ValueError, match="n_parcels"):
        sample.synthetic_parcels(5)


def test_write_synthetic(tmp_path: Path) -> None:
    path = sample.write_synthetic(tmp_path, 2000, seed=1)
    assert path == tmp_path / "synthetic.gpkg"
    names = set(pyogrio.list_layers(path)[:, 0])
    assert names == {"DLTB", "XZQ", "CZKFBJ", "YJJBNTBHTB", "STBHHX", "YYSYDBHQ"}
    for name in names:
        gdf = gpd.read_file(path, layer=name)
        assert gdf.crs.to_epsg() == 4548 and len(gdf) > 0, name
        assert shapely.is_valid(np.asarray(gdf.geometry.values)).all(), name
    assert len(gpd.read_file(path, layer="DLTB")) == 2000
    with rasterio.open(tmp_path / "dem.tif") as src:
        assert src.crs.to_epsg() == 4548 and src.res == (30.0, 30.0)
    assert sample.main([str(tmp_path / "cli"), "--synthetic", "500"]) == 0
    assert (tmp_path / "cli" / "synthetic.gpkg").exists()


def test_synthetic_town_through_the_validated_path():
    import landkit

    town = landkit.synthetic_town(2_000, seed=3)
    assert len(town.parcels) == 2_000
    assert town.crs.is_projected
    assert {"frac_CZKFBJ", "frac_YJJBNTBHTB", "area_mu", "landuse_group"} <= set(town.parcels.columns)
    assert town.parcels["frac_CZKFBJ"].gt(0.5).any()
    assert len(town.adjacency) > 2_000
