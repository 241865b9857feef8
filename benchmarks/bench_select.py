"""Selection problems (landkit.select) at 1k / 10k / 100k units with a boundary penalty.

Prints, for each size: build seconds (SelectionProblem + check + linopy model), solve seconds, status,
objective, gap, and peak memory (this process's resident set while building, and the solver child
process's peak); then the same 10k model built with plain PuLP loops, and the speed ratio; then a
Marxan-format folder of 1,750 units x 17 features written with ``to_marxan``, read back with
``from_marxan`` and solved at BLM 0 (and, for information, with a boundary penalty).

Bars (issue): build >= 10x faster than the PuLP build; 100k units with boundary penalty within 1 %
gap in <= 120 s; the 1,750-unit Marxan set solved to proven optimality at BLM 0 in <= 10 s.

Instances are synthetic lattices of square units (side 1): cost (about 100 a unit) and 20 features
from smoothed random fields (fixed seed), features present in patches (about 40 % of units each),
relative targets of 10-30 %, shared edges from the lattice and exposed boundary on the border. The
Marxan-like set has land-cover classes as features (see :func:`marxan_like_instance`). Each case
runs in a fresh subprocess so that its peak memory is its own. "cold build" is the first build in
a process (it pays one-time set-up inside linopy and xarray); "build" is a second, warm one.
Usage::

    .venv/bin/python benchmarks/bench_select.py [--sizes 1000 10000 100000] [--quick]
        [--forms difference product] [--blm 10] [--time-limit 120] [--mip-gap 0.01]

A real Marxan project (not shipped) is measured with ``--marxan-folder``: it is solved to proven
optimality at BLM 0, then at its own ``input.dat`` BLM under each of ``--marxan-limits``; with
``--marxan-best`` Marxan's ``output_best`` file is scored by :func:`landkit.select.evaluate_selection`
in the same row, so the two objectives and target coverage are compared on equal terms::

    .venv/bin/python benchmarks/bench_select.py --marxan-folder path/to/project \
        --marxan-best path/to/project/output/output_best.csv --marxan-limits 2 5 120
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measure

from landkit.select import SelectionProblem, from_marxan, read_marxan_solution, to_marxan


def lattice_shape(n: int) -> tuple[int, int]:
    """The rows x cols factorisation of ``n`` closest to a square."""
    rows = max(r for r in range(1, int(np.sqrt(n)) + 1) if n % r == 0)
    return rows, n // rows


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """A smoothed standard-normal random field (zero mean, unit variance)."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=sigma, mode="reflect")
    return (field - field.mean()) / field.std()


def lattice_instance(n: int, n_features: int = 20, seed: int = 20240601) -> dict[str, pd.DataFrame]:
    """Units (cost), features (wide), boundary (shared edges and exposed border) and targets."""
    rng = np.random.default_rng(seed)
    rows, cols = lattice_shape(n)
    sigma = max(2.0, np.sqrt(n) / 25)
    ids = np.arange(1, n + 1)
    cost = np.exp(0.5 * smooth_field(rng, (rows, cols), sigma)).ravel()
    cost = np.round(cost * 100, 2)
    amounts = np.empty((n, n_features))
    for k in range(n_features):
        f = smooth_field(rng, (rows, cols), sigma).ravel()
        amounts[:, k] = np.round(np.clip(f - 0.25, 0, None) * 10, 3)  # present in ~40 % of units
    units = pd.DataFrame({"cost": cost}, index=pd.Index(ids, name="id"))
    features = pd.DataFrame(amounts, index=units.index, columns=[f"f{k:02d}" for k in range(n_features)])
    r, c = np.divmod(np.arange(n), cols)
    right = np.flatnonzero(c < cols - 1)
    down = np.flatnonzero(r < rows - 1)
    exposed = (r == 0).astype(float) + (r == rows - 1) + (c == 0) + (c == cols - 1)
    border = np.flatnonzero(exposed)
    boundary = pd.DataFrame({
        "id1": np.concatenate([ids[right], ids[down], ids[border]]),
        "id2": np.concatenate([ids[right + 1], ids[down + cols], ids[border]]),
        "boundary": np.concatenate([np.ones(len(right) + len(down)), exposed[border]]),
    })
    targets = pd.Series(rng.uniform(0.1, 0.3, n_features), index=features.columns)
    return {"units": units, "features": features, "boundary": boundary, "targets": targets}


def build_linopy(data: dict, blm: float):
    problem = SelectionProblem(data["units"], data["features"], boundary=data["boundary"], blm=blm)
    problem = problem.with_min_set(data["targets"], relative=True)
    return problem, problem.build()


def build_pulp(data: dict, blm: float):
    """The same min-set model written the plain way: PuLP expressions built in Python loops."""
    import pulp

    units, features, boundary = data["units"], data["features"], data["boundary"]
    prob = pulp.LpProblem("select", pulp.LpMinimize)
    x = {u: pulp.LpVariable(f"x_{u}", cat="Binary") for u in units.index}
    exposed = [(a, length) for a, b, length in boundary.itertuples(index=False) if a == b]
    shared = [(a, b, length) for a, b, length in boundary.itertuples(index=False) if a != b]
    z = {(a, b): pulp.LpVariable(f"z_{a}_{b}", lowBound=0, upBound=1) for a, b, _ in shared}
    prob += (pulp.lpSum(cost * x[u] for u, cost in units["cost"].items())
             + blm * pulp.lpSum(length * x[a] for a, length in exposed)
             + blm * pulp.lpSum(length * z[a, b] for a, b, length in shared))
    for a, b, _ in shared:
        prob += z[a, b] >= x[a] - x[b]
        prob += z[a, b] >= x[b] - x[a]
    for f in features.columns:
        target = data["targets"][f] * features[f].sum()
        prob += pulp.lpSum(amount * x[u] for u, amount in features[f].items() if amount) >= target
    return prob


def solver_peak_mb() -> float:
    """Peak resident memory of this process's finished children (the solver process), MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def case_lattice(n: int, blm: float, time_limit_s: float, mip_gap: float, form: str = "auto") -> dict:
    data = lattice_instance(n)
    with measure() as cold:
        build_linopy(data, blm)  # the first build in a process also pays one-time set-up in linopy/xarray
    with measure() as m:
        problem = SelectionProblem(data["units"], data["features"], boundary=data["boundary"], blm=blm)
        problem = problem.with_min_set(data["targets"], relative=True)
        model = problem.build(boundary_form=form)
    if form == "auto":
        form = "product" if "boundary_y" in model.variables else "difference"
    row = {"case": f"lattice {n:,}", "units": n, "blm": blm, "form": form, "build s": m.seconds,
           "cold build s": cold.seconds, "build MB": max(m.peak_mb, cold.peak_mb), "nnz": int(model.matrices.A.nnz)}
    t0 = time.perf_counter()
    result = problem.solve(time_limit_s=time_limit_s, mip_gap=mip_gap, boundary_form=form)
    row["solve s"] = time.perf_counter() - t0
    row.update({"status": str(result.status), "objective": result.objective, "gap": result.gap,
                "lp": result.solve_result.lp_method, "solver MB": solver_peak_mb()})
    if result.has_solution():
        ev = result.evaluation
        row["targets met"] = ev.targets_met
        row["selected"] = ev.n_selected
        row["boundary share"] = blm * ev.boundary / ev.objective
    return row


def case_pulp(n: int, blm: float) -> dict:
    data = lattice_instance(n)
    with measure() as cold:
        build_pulp(data, blm)
    with measure() as m:
        build_pulp(data, blm)
    return {"case": f"pulp build {n:,}", "units": n, "build s": m.seconds, "cold build s": cold.seconds,
            "build MB": max(m.peak_mb, cold.peak_mb)}


def marxan_like_instance(n: int, n_features: int, seed: int = 17) -> dict[str, pd.DataFrame]:
    """Marxan-like data: square units whose features are the area shares of land-cover classes.

    Each unit is split into 4 x 4 cells and each cell takes the class whose smoothed random field is
    highest there, so a unit holds one to a few classes and each class covers a few % of the units
    (as vegetation or habitat maps do); cost is a smoothed log-normal land value per unit.
    """
    rng = np.random.default_rng(seed)
    rows, cols = lattice_shape(n)
    sub = 4
    fields = np.stack([smooth_field(rng, (rows * sub, cols * sub), 3.0 * sub) for _ in range(n_features)])
    cls = fields.argmax(axis=0)
    unit = ((np.arange(rows * sub) // sub)[:, None] * cols + (np.arange(cols * sub) // sub)[None, :]).ravel()
    amounts = np.zeros((n, n_features))
    np.add.at(amounts, (unit, cls.ravel()), 1.0 / sub**2)
    base = lattice_instance(n, n_features=1, seed=seed)
    units = base["units"].assign(cost=np.round(np.exp(0.5 * smooth_field(rng, (rows, cols), 3.0)).ravel() * 100, 2))
    features = pd.DataFrame(amounts, index=units.index, columns=[f"class_{k:02d}" for k in range(n_features)])
    targets = pd.Series(rng.uniform(0.1, 0.3, n_features), index=features.columns)
    return {"units": units, "features": features, "boundary": base["boundary"], "targets": targets}


def case_marxan(n: int, n_features: int, blm: float, time_limit_s: float, mip_gap: float) -> dict:
    """Write a Marxan folder with ``to_marxan``, read it back with ``from_marxan`` and solve it."""
    data = marxan_like_instance(n, n_features)
    problem = SelectionProblem(data["units"], data["features"], boundary=data["boundary"], blm=blm)
    problem = problem.with_min_set(data["targets"], relative=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = to_marxan(problem, Path(tmp) / "marxan")
        t0 = time.perf_counter()
        read = from_marxan(folder)
        read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    read.build()
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = read.solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
    solve_s = time.perf_counter() - t0
    ev = result.evaluation if result.has_solution() else None
    return {"case": f"marxan {n:,} x {n_features}", "units": n, "blm": blm, "read s": read_s, "build s": build_s,
            "solve s": solve_s, "status": str(result.status), "objective": result.objective, "gap": result.gap,
            "mip_gap": mip_gap, "targets met": None if ev is None else ev.targets_met,
            "boundary share": None if ev is None or not blm else blm * ev.boundary / ev.objective,
            "solver MB": solver_peak_mb()}


def case_marxan_folder(folder: str, blm: float | None, time_limit_s: float, mip_gap: float,
                       marxan_best: str | None = None) -> dict:
    """Solve a user's Marxan folder (its own BLM unless ``blm`` is given); score Marxan's best run alongside."""
    t0 = time.perf_counter()
    problem = from_marxan(folder)
    read_s = time.perf_counter() - t0
    if blm is not None:
        problem = problem.with_blm(blm)
    t0 = time.perf_counter()
    result = problem.solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
    solve_s = time.perf_counter() - t0
    ev = result.evaluation if result.has_solution() else None
    row = {"case": f"{Path(folder).name} ({len(problem.unit_ids):,} x {len(problem.feature_names)})",
           "units": len(problem.unit_ids), "blm": problem.blm, "read s": read_s, "solve s": solve_s,
           "time limit s": time_limit_s, "mip_gap": mip_gap, "status": str(result.status),
           "objective": result.objective, "gap": result.gap,
           "targets met": None if ev is None else ev.targets_met, "selected": None if ev is None else ev.n_selected,
           "solver MB": solver_peak_mb()}
    if marxan_best:
        best = problem.evaluate(read_marxan_solution(marxan_best, folder=folder))
        row.update({"marxan objective": best.objective, "marxan targets met": best.targets_met,
                    "marxan selected": best.n_selected})
    return row


def run_case(kind: str, **kwargs) -> dict:
    """Run one case in a fresh interpreter and return its row."""
    cmd = [sys.executable, __file__, "--case", json.dumps({"kind": kind, **kwargs})]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"case": f"{kind} {kwargs}", "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def print_table(rows: list[dict], columns: list[str]) -> None:
    table = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for t in table:
        print("  ".join(v.rjust(w) for v, w in zip(t, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--quick", action="store_true", help="small sizes and short limits (a smoke run)")
    parser.add_argument("--blm", type=float, default=10.0, help="boundary length modifier (units cost ~100, side 1)")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--mip-gap", type=float, default=0.01)
    parser.add_argument("--forms", nargs="+", default=["auto"], choices=["auto", "difference", "product"],
                        help="boundary linearisations to run (product: prioritizr's, slow in HiGHS at scale)")
    parser.add_argument("--pulp-size", type=int, default=10_000)
    parser.add_argument("--marxan-units", type=int, default=1_750)
    parser.add_argument("--marxan-blm", type=float, default=10.0)
    parser.add_argument("--marxan-time-limit", type=float, default=60.0)
    parser.add_argument("--marxan-folder", type=Path, nargs="+", default=[],
                        help="real Marxan input folders (not shipped): solved at BLM 0 and at their own BLM")
    parser.add_argument("--marxan-best", type=Path, nargs="*", default=[],
                        help="Marxan's output_best file for each --marxan-folder, scored alongside")
    parser.add_argument("--marxan-limits", type=float, nargs="+", default=[5.0, 10.0, 30.0, 120.0],
                        help="time limits (s) for the real folders at their own BLM")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.case:
        spec = json.loads(args.case)
        kind = spec.pop("kind")
        cases = {"lattice": case_lattice, "pulp": case_pulp, "marxan": case_marxan, "folder": case_marxan_folder}
        row = cases[kind](**spec)
        print(json.dumps(row))
        return

    if args.marxan_folder:
        run_folders(args)
        return
    sizes = [500, 2_000] if args.quick else args.sizes
    limit = 20.0 if args.quick else args.time_limit
    pulp_size = 2_000 if args.quick else args.pulp_size
    print(f"landkit.select benchmark: lattice BLM {args.blm}, mip_gap {args.mip_gap}, time limit {limit} s, "
          "HiGHS, each case in a fresh process\n")
    rows = [run_case("lattice", n=n, blm=args.blm, time_limit_s=limit, mip_gap=args.mip_gap, form=form)
            for form in args.forms for n in sizes]
    print_table(rows, ["case", "form", "nnz", "cold build s", "build s", "build MB", "solve s", "lp", "status",
                       "objective", "gap", "boundary share", "targets met", "solver MB"])
    if pulp_size:
        pulp = run_case("pulp", n=pulp_size, blm=args.blm)
        linopy_row = next((r for r in rows if r.get("units") == pulp_size), None)
        if linopy_row is None:
            linopy_row = run_case("lattice", n=pulp_size, blm=args.blm, time_limit_s=1.0, mip_gap=args.mip_gap)
        print()
        print_table([pulp, linopy_row], ["case", "cold build s", "build s", "build MB"])
        if "build s" in pulp and "build s" in linopy_row:
            print(f"PuLP loop build / linopy build at {pulp_size:,} units: "
                  f"{pulp['build s'] / linopy_row['build s']:.1f}x warm, "
                  f"{pulp['cold build s'] / linopy_row['cold build s']:.1f}x cold (bar: >= 10x)")
    n_marxan = 600 if args.quick else args.marxan_units
    if not n_marxan:
        return
    print()
    mlimit = 20.0 if args.quick else args.marxan_time_limit
    marxan = [
        run_case("marxan", n=n_marxan, n_features=17, blm=0.0, time_limit_s=mlimit, mip_gap=1e-4),
        run_case("marxan", n=n_marxan, n_features=17, blm=0.0, time_limit_s=mlimit, mip_gap=0.0),
        run_case("marxan", n=n_marxan, n_features=17, blm=args.marxan_blm, time_limit_s=mlimit, mip_gap=1e-4),
    ]
    print_table(marxan, ["case", "blm", "read s", "build s", "solve s", "mip_gap", "status", "objective", "gap",
                         "boundary share", "targets met"])


def run_folders(args: argparse.Namespace) -> None:
    """Real Marxan folders: BLM 0 proven to optimality, then the folder's own BLM at several time limits."""
    if args.marxan_best and len(args.marxan_best) != len(args.marxan_folder):
        raise SystemExit("give one --marxan-best file for each --marxan-folder")
    best = args.marxan_best or [None] * len(args.marxan_folder)
    print("real Marxan folders, HiGHS, each solve in a fresh process\n")
    rows = []
    for folder, marxan_best in zip(args.marxan_folder, best, strict=True):
        rows.append(run_case("folder", folder=str(folder), blm=0.0, time_limit_s=max(args.marxan_limits),
                             mip_gap=0.0))
        rows += [run_case("folder", folder=str(folder), blm=None, time_limit_s=limit, mip_gap=0.0,
                          marxan_best=None if marxan_best is None or k else str(marxan_best))  # scored once
                 for k, limit in enumerate(args.marxan_limits)]
    print_table(rows, ["case", "blm", "read s", "time limit s", "solve s", "status", "objective", "gap",
                       "targets met", "selected", "solver MB", "marxan objective", "marxan targets met",
                       "marxan selected"])


if __name__ == "__main__":
    main()
