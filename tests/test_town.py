"""The Town model: derived columns in explicit units, overlays, adjacency, terrain, the sample, maps."""

from __future__ import annotations

import warnings

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import landkit
from landkit import CRSError, ValidationError
from landkit.town import Town, _zone_fraction, adjacency_table
from landkit.units import M2_PER_MU

matplotlib.use("Agg")

CRS = "EPSG:4548"


def squares(n: int = 3) -> gpd.GeoDataFrame:
    """n unit-100 m squares in a row: ids s0..s{n-1}."""
    geoms = [box(600000 + 100 * i, 3897000, 600100 + 100 * i, 3897100) for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "BSM": [f"s{i}" for i in range(n)],
            "DLBM": ["0101", "0702", "0601"][:n],
            "DLMC": ["水田", "农村宅基地", "工业用地"][:n],
            "QSXZ": ["30", "30", "20"][:n],
            "ZLDWDM": ["1"] * n,
            "ZLDWMC": ["南阳村"] * n,
            "TBMJ": [10000.0] * n,
            "GDDB": [7, 0, 0][:n],
            "households": [0, 3, 0][:n],
        },
        geometry=geoms,
        crs=CRS,
    )


def test_zone_fraction_hand_case():
    gdf = squares(2)
    zone = gpd.GeoDataFrame(geometry=[box(600050, 3897000, 600150, 3897100)], crs=CRS)
    frac = _zone_fraction(gdf.geometry, zone)
    assert frac == pytest.approx([0.5, 0.5])
    inside = gpd.GeoDataFrame(geometry=[box(599000, 3896000, 601000, 3898000)], crs=CRS)
    assert _zone_fraction(gdf.geometry, inside) == pytest.approx([1.0, 1.0])


def test_zone_fraction_overlapping_and_large_polygons():
    gdf = squares(3)
    # two overlapping zone polygons covering s0 and half of s1: the overlap must not count twice
    zone = gpd.GeoDataFrame(geometry=[box(600000, 3897000, 600150, 3897100), box(600040, 3897000, 600100, 3897100)],
                            crs=CRS)
    assert _zone_fraction(gdf.geometry, zone) == pytest.approx([1.0, 0.5, 0.0])
    # a detailed circle (4,000 vertices) is cut into tiles; the result equals the exact intersection
    circle = gpd.GeoSeries.from_xy([600150], [3897050], crs=CRS).buffer(120, quad_segs=1000)
    exact = gdf.geometry.intersection(circle.iloc[0]).area / gdf.geometry.area
    tiled = _zone_fraction(gdf.geometry, gpd.GeoDataFrame(geometry=circle), tile_m=50.0)
    assert tiled == pytest.approx(exact.to_numpy(), abs=1e-9)


def test_adjacency_hand_case():
    gdf = squares(3).set_index("BSM")
    adj = adjacency_table(gdf)
    assert sorted(zip(adj["id_i"], adj["id_j"], strict=True)) == [("s0", "s1"), ("s1", "s2")]
    assert adj["shared_length_m"].to_numpy() == pytest.approx([100.0, 100.0])


def test_derived_columns_and_units():
    town = Town.from_parcels(squares(3), validate=True)
    p = town.parcels
    assert list(p.index) == ["s0", "s1", "s2"]
    assert p["area_m2"].to_numpy() == pytest.approx([10000.0] * 3)
    assert p["area_mu"].to_numpy() == pytest.approx([10000.0 / M2_PER_MU] * 3)  # 15 亩
    assert p["area_ha"].to_numpy() == pytest.approx([1.0] * 3)
    assert list(p["landuse_group"]) == ["paddy", "homestead", "industrial"]
    assert list(p["is_farmland"]) == [True, False, False]
    assert list(p["is_construction"]) == [False, True, True]
    assert list(p["ownership"]) == ["collective", "collective", "state"]
    assert p.loc["s0", "farmland_grade"] == 7 and np.isnan(p.loc["s1", "farmland_grade"])
    assert list(p["households"]) == [0, 3, 0]
    # exposed boundary: the row of three squares has perimeter 800 m, all of it exposed
    assert town.exposed_length_m.sum() == pytest.approx(800.0)


def test_geographic_parcels_refused_in_memory():
    with pytest.raises(CRSError, match="geographic"):
        Town.from_parcels(squares(2).to_crs("EPSG:4490"))
    with pytest.raises(CRSError, match="no CRS"):
        Town.from_parcels(squares(2).set_crs(None, allow_override=True))


def test_invalid_parcels_refused():
    bad = squares(3)
    bad.loc[1, "DLBM"] = "9999"
    with pytest.raises(ValidationError, match="s1"):
        Town.from_parcels(bad)


@pytest.fixture(scope="module")
def sample() -> Town:
    return landkit.load_sample()


def test_sample_town(sample):
    p = sample.parcels
    assert 3000 <= len(p) <= 8000
    assert p.crs.to_epsg() == 4548
    assert 90e6 < p["area_m2"].sum() < 115e6
    for col in ("frac_YJJBNTBHTB", "frac_STBHHX", "frac_CZKFBJ", "frac_YYSYDBHQ"):
        assert p[col].between(0, 1).all()
        assert (p[col] > 0).any()
    assert p["elev_m_mean"].notna().all() and p["slope_deg_mean"].ge(0).all()
    south = p.geometry.centroid.y < p.geometry.centroid.y.median()
    assert p.loc[south, "elev_m_mean"].mean() > p.loc[~south, "elev_m_mean"].mean()
    summary = sample.summary()
    assert summary.loc["合计", "面积(亩)"] == pytest.approx(p["area_mu"].sum(), rel=1e-3)


def test_sample_adjacency_consistent(sample):
    adj = sample.adjacency
    assert (adj["id_i"] != adj["id_j"]).all()
    perim = sample.parcels.geometry.length
    shared = pd.concat([adj.groupby("id_i")["shared_length_m"].sum(), adj.groupby("id_j")["shared_length_m"].sum()])
    shared = shared.groupby(level=0).sum()
    assert (shared <= perim.reindex(shared.index) + 1e-6).all()
    assert sample.exposed_length_m.ge(0).all()


def test_sample_map_renders_with_chinese_labels(sample, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = sample.plot()
        fig.savefig(tmp_path / "map.png", dpi=60)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "水田" in labels and "镇界" in labels
    assert any("北" in t.get_text() for t in ax.texts)  # north arrow
    assert any(t.get_text().endswith("km") for t in ax.texts)  # scale bar
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_unknown_layer_lists_layers(sample):
    with pytest.raises(KeyError, match="CZKFBJ"):
        sample.layer("NOPE")
