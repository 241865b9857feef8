"""The bundled scenarios solved in sequence and jointly (#17): the town's objective, bound, gap and time.

Each bundled scenario is run twice to a temporary bundle without report (``solve: sequential`` and
``solve: joint``). A joint run solves the sequential plan first (its MIP start and comparison), so
its seconds include both. Printed per scenario: the joint run's comparison table (联合与顺序求解对比:
the town's objective = reserve objective + 挂钩 net − 占补平衡 cost, 万元), the joint model's bound
and gap, each run's wall time and peak memory, and whether the land account held (a run whose
account breaks writes no bundle and raises).

Usage::

    .venv/bin/python benchmarks/bench_joint.py [scenario names ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

from landkit.scenario import load_scenario, run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "tanyi" / "scenarios"


def main(names: list[str]) -> None:
    files = [SCENARIOS / f"{n}.yaml" for n in names] if names else sorted(SCENARIOS.glob("*.yaml"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            sc = load_scenario(path)
            for mode in ("sequential", "joint"):
                with measure() as m:
                    run = run_scenario(sc.with_changes(solve=mode), Path(tmp) / f"{sc.name}-{mode}",
                                       progress=False, report=False)
                row = {"scenario": sc.name, "mode": mode, "seconds": round(m.seconds, 1),
                       "peak MB": round(m.peak_mb), "account": "holds"}
                table = run.path / "tables" / "联合与顺序求解对比.csv"
                if mode == "joint" and table.exists():
                    t = pd.read_csv(table, encoding="utf-8-sig")
                    town = "全镇目标值(万元)"
                    row.update({"sequential 万元": t.loc[0, town], "joint 万元": t.loc[1, town],
                                "joint bound 万元": t.loc[1, "全镇目标上界(万元)"],
                                "joint gap %": t.loc[1, "最大间隙(%)"],
                                "reserve NPV seq/joint": f"{t.loc[0, '收储净现值(万元)']:,.1f} / "
                                                         f"{t.loc[1, '收储净现值(万元)']:,.1f}",
                                "占补 cost seq/joint": f"{t.loc[0, '占补平衡成本(万元)']:,.1f} / "
                                                      f"{t.loc[1, '占补平衡成本(万元)']:,.1f}"})
                rows.append(row)
                print(row, flush=True)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
