"""validate_parcels, read_parcels (GeoPackage; GBK shapefile without .cpg) and zonal_mean on a grid.

Synthetic square parcels (50 m, 60 m apart) on a 30 m DEM; prints seconds and peak resident memory
of each step. Usage::

    .venv/bin/python benchmarks/bench_validate_zonal.py [--sizes 5000 200000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

from landkit.io import read_parcels, zonal_mean
from landkit.validate import validate_parcels

X0, Y0 = 560_000.0, 3_870_000.0
PITCH, SIZE, RES = 60.0, 50.0, 30.0


def grid_parcels(n: int) -> gpd.GeoDataFrame:
    """n valid 50 m squares with 三调 fields, in EPSG:4548."""
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    xs, ys = X0 + (i % side) * PITCH, Y0 + (i // side) * PITCH
    codes = np.array(["0101", "0103", "0601", "0702", "1006"])
    names = np.array(["水田", "旱地", "工业用地", "农村宅基地", "农村道路"])
    k = i % len(codes)
    return gpd.GeoDataFrame(
        {"BSM": [f"3713260{j:09d}" for j in i], "DLBM": codes[k], "DLMC": names[k], "QSXZ": "30",
         "ZLDWDM": "3713261010010000000", "ZLDWMC": "探沂村", "TBMJ": SIZE * SIZE, "GDDB": 7.0},
        geometry=shapely.box(xs, ys, xs + SIZE, ys + SIZE), crs="EPSG:4548",
    )


def write_dem(gdf: gpd.GeoDataFrame, path: Path) -> tuple[int, int]:
    """A random 30 m DEM covering the parcels; returns (width, height)."""
    minx, miny, maxx, maxy = gdf.total_bounds
    width, height = int(np.ceil((maxx - minx) / RES)) + 2, int(np.ceil((maxy - miny) / RES)) + 2
    data = (100 + np.random.default_rng(0).normal(0, 5, (height, width))).astype("float32")
    transform = Affine(RES, 0, minx - RES, 0, -RES, maxy + RES)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
                       crs="EPSG:4548", transform=transform, nodata=-9999, tiled=True) as dst:
        dst.write(data, 1)
    return width, height


def run(n: int, folder: Path) -> None:
    gdf = grid_parcels(n)
    dem = folder / f"dem{n}.tif"
    width, height = write_dem(gdf, dem)
    gpkg, shp = folder / f"dltb{n}.gpkg", folder / f"dltb{n}.shp"
    gdf.to_file(gpkg, layer="DLTB")
    gdf.to_file(shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    print(f"{n:,} parcels, DEM {width} x {height} cells of {RES:g} m")
    steps = {
        "validate_parcels": lambda: validate_parcels(gdf),
        "read_parcels gpkg": lambda: read_parcels(gpkg),
        "read_parcels GBK shp": lambda: read_parcels(shp),
        "zonal_mean": lambda: zonal_mean(gdf, dem),
    }
    for label, step in steps.items():
        with measure() as m:
            out = step()
        print(f"  {label:<22s} {m.seconds:7.2f} s   peak {m.peak_mb:6.0f} MB")
    assert np.isfinite(out).all()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5_000, 200_000])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            run(n, Path(tmp))


if __name__ == "__main__":
    main()
