"""Read + validate + build the Town (+ adjacency) at 5k, 50k and 200k parcels.

Prints parcels, seconds and peak resident memory of each step. Bar (issue 2): 200k parcels read +
validated + adjacency in ≤ 60 s and ≤ 4 GB on 2 cores. Usage::

    .venv/bin/python benchmarks/bench_io.py [--sizes 5000 50000 200000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure, rss_mb

from landkit.io import read_layer, read_parcels
from landkit.sample import write_synthetic
from landkit.town import Town


def run(n: int, folder: Path) -> dict[str, float]:
    path = write_synthetic(folder, n, seed=1)
    row: dict[str, float] = {"parcels": n}
    with measure() as m:
        parcels = read_parcels(path, layer="DLTB")  # includes full validation
    row["read+validate s"], row["read+validate MB"] = m.seconds, m.peak_mb
    zoning = {k: read_layer(path, k, target_crs=parcels.crs) for k in ("YJJBNTBHTB", "STBHHX", "CZKFBJ")}
    with measure() as m:
        town = Town.from_parcels(parcels, layers=zoning, validate=False)
    row["town s"], row["town MB"] = m.seconds, m.peak_mb
    with measure() as m:
        adj = town.adjacency
    row["adjacency s"], row["adjacency MB"] = m.seconds, m.peak_mb
    row["pairs"] = len(adj)
    row["total s"] = row["read+validate s"] + row["town s"] + row["adjacency s"]
    row["peak MB"] = max(row["read+validate MB"], row["town MB"], row["adjacency MB"], rss_mb())
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000, 200_000])
    args = ap.parse_args()
    import landkit

    with measure() as m:
        town = landkit.load_sample()
    print(f"load_sample(): {len(town.parcels)} parcels in {m.seconds:.2f} s, peak {m.peak_mb:,.0f} MB")
    header = ["parcels", "read+validate s", "town s", "adjacency s", "total s", "pairs", "peak MB"]
    print(" | ".join(f"{h:>15}" for h in header))
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            row = run(n, Path(tmp))
        print(" | ".join(f"{row[h]:>15,.1f}" if isinstance(row[h], float) else f"{row[h]:>15,}" for h in header),
              flush=True)


if __name__ == "__main__":
    main()
