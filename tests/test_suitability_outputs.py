"""The suitability surface's outputs: the GeoTIFF, per-parcel scores on disk, and its map."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

import landkit
from landkit._errors import ValidationError
from landkit.suitability import FACTOR_LABELS, Suitability, town_suitability


@pytest.fixture(scope="module")
def suit() -> Suitability:
    return town_suitability(landkit.load_sample(), park="chemical", buffer_m=200.0)


def test_geotiff_round_trips(suit: Suitability, tmp_path) -> None:
    import rasterio

    out = tmp_path / "suit.tif"
    suit.to_geotiff(out)
    with rasterio.open(out) as src:
        got = src.read(1)
        assert src.transform == suit.transform and src.crs == suit.crs
    np.testing.assert_allclose(got, suit.score.astype("float32"), equal_nan=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suit.tif"]  # no temporary file left behind


def test_parcel_scores_csv_and_gpkg(suit: Suitability, tmp_path) -> None:
    import geopandas as gpd

    table = suit.parcel_scores()
    assert table.index.name == "地块编号" and len(table) == len(suit.parcels)
    factor_cols = [f"{FACTOR_LABELS[f]}得分(0–100)" for f in suit.weights]
    assert list(table.columns) == ["适宜性得分(0–100)", *factor_cols, "是否否决", "否决原因"]
    # the parcel score is the weighted sum of the parcel's factor scores (zonal means are linear)
    combined = sum(w * suit.parcels[f"s_{f}"] for f, w in suit.weights.items())
    np.testing.assert_allclose(suit.parcels["score"], combined, rtol=1e-9)
    assert set(table["是否否决"]) == {"是", "否"}
    assert (table["否决原因"][table["是否否决"] == "否"] == "").all()

    csv = tmp_path / "scores.csv"
    suit.to_parcel_scores(csv)
    assert csv.read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads the Chinese headings
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype={"地块编号": str}, keep_default_na=False).set_index("地块编号")
    assert list(back.columns) == list(table.columns)
    np.testing.assert_allclose(back["适宜性得分(0–100)"].to_numpy(float), table["适宜性得分(0–100)"].to_numpy(),
                               atol=0.006)
    gpkg = tmp_path / "scores.gpkg"
    suit.to_parcel_scores(gpkg)
    layer = gpd.read_file(gpkg, layer="parcel_scores")
    assert len(layer) == len(table) and layer.crs == suit.geometry.crs
    assert layer["地块编号"].tolist() == table.index.tolist()
    assert layer.geometry.area.sum() == pytest.approx(suit.geometry.area.sum(), rel=1e-9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv", "scores.gpkg"]


def test_parcel_scores_refuses_unknown_format(suit: Suitability, tmp_path) -> None:
    with pytest.raises(ValidationError, match=r"\.csv or \.gpkg"):
        suit.to_parcel_scores(tmp_path / "scores.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_suitability_map_has_legend_colour_bar_scale_and_north(suit: Suitability) -> None:
    """Warnings are errors in the tests, so a missing CJK glyph fails the savefig below."""
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0 = suit.transform.c, suit.transform.f + suit.score.shape[0] * suit.transform.e
    sites = gpd.GeoDataFrame({"名称": ["甲址"]}, geometry=[box(x0 + 3000, y0 + 3000, x0 + 4000, y0 + 4000)],
                             crs=suit.crs)
    fig = suit.plot(sites=sites)
    fig.savefig(io.BytesIO(), format="png", dpi=60)
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert "北 N" in texts and "比例尺" in texts and any(t.endswith("km") or t.endswith(" m") for t in texts)
    assert ax.get_title() == "化工园区建设适宜性"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["禁止建设 (否决)", "甲址"]
    colour_bar = [a for a in fig.axes if a is not ax]
    assert len(colour_bar) == 1 and colour_bar[0].get_ylabel() == "适宜性得分 (0–100)"
