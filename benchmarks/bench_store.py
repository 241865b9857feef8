"""Write and read back 200k parcels in a GeoPackage store and in a PostGIS store.

Prints parcels, seconds and peak resident memory of each step (write; read; read + validation
through :meth:`Store.read_parcels`) for each backend, and checks that what was read equals what was
written (rows, BSM order, areas). Bar (issue 11): ≤ 30 s each way on 2 cores. PostGIS runs on a
private server (:class:`landkit.store.LocalPostgres`) unless ``LANDKIT_TEST_PG_URL`` names one.
Usage::

    .venv/bin/python benchmarks/bench_store.py [--sizes 20000 200000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _measure import measure

from landkit.sample import synthetic_parcels
from landkit.store import LocalPostgres, open_store


def run(target: str, parcels, label: str) -> dict[str, object]:
    row: dict[str, object] = {"backend": label, "parcels": len(parcels)}
    with open_store(target, user="bench") as store:
        with measure() as m:
            store.write_parcels(parcels)
        row["write s"], row["write MB"] = round(m.seconds, 2), round(m.peak_mb)
        with measure() as m:
            back = store.read_layer("DLTB")
        row["read s"], row["read MB"] = round(m.seconds, 2), round(m.peak_mb)
        with measure() as m:
            checked = store.read_parcels()
        row["read+validate s"], row["read+validate MB"] = round(m.seconds, 2), round(m.peak_mb)
    same = (len(back) == len(parcels) and list(back["BSM"]) == list(parcels["BSM"])
            and np.allclose(back["TBMJ"].to_numpy(float), parcels["TBMJ"].to_numpy(float))
            and len(checked) == len(parcels))
    row["round trip equal"] = same
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    args = ap.parse_args()
    rows = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("LANDKIT_TEST_PG_URL")
        if not url:
            server = stack.enter_context(LocalPostgres(database="landkit_bench"))
            os.environ["PGPASSWORD"] = server.password
            url = server.url
        for n in args.sizes:
            parcels = synthetic_parcels(n, seed=3)
            rows.append(run(str(Path(tmp) / f"store_{n}.gpkg"), parcels, "GeoPackage"))
            print(rows[-1], flush=True)
            rows.append(run(url, parcels, "PostGIS"))
            print(rows[-1], flush=True)
    print()
    cols = list(rows[0])
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))


if __name__ == "__main__":
    main()
