"""The ``landkit`` command.

``landkit demo --out DIR`` runs the main job on the bundled 探沂镇 sample town: every bundled alternative
(data/tanyi/scenarios) as it is and under every bundled assumption set, each with its result bundle, and the
comparison with its decision matrix, written atomically into ``DIR``.
``landkit validate FILE`` checks your own 三调 data and prints every problem found.
``landkit run SCENARIO`` runs a scenario file and writes its result bundle; ``landkit compare RUN RUN ...``
compares bundles side by side. ``landkit sweep SCENARIO --samples N`` samples the scenario's
uncertainties and solves one reserve plan per sample on Dask. ``landkit store info|upgrade TARGET`` shows or
upgrades a store (a GeoPackage file or a ``postgresql://`` URL; the password from PGPASSWORD or ~/.pgpass).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from landkit._errors import LandkitError, MissingFileError


def _demo(args: argparse.Namespace) -> int:
    from landkit.atomic import atomic_dir, check_output_folder
    from landkit.scenario import bundled_scenarios, compare_runs, load_scenario, run_scenario
    from landkit.scenario.schema import compose
    from landkit.town import load_sample

    out = Path(args.out)
    check_output_folder(out, force=args.force)
    t0 = time.perf_counter()
    town = load_sample()
    print(f"loaded {town!r} in {time.perf_counter() - t0:.1f} s")
    with atomic_dir(out, kind="demo", force=args.force) as tmp:
        fig = town.plot()
        fig.savefig(tmp / "土地利用现状图.png", dpi=args.dpi, bbox_inches="tight")
        town.plot_zoning().savefig(tmp / "国土空间管控分区图.png", dpi=args.dpi, bbox_inches="tight")
        town.summary().to_csv(tmp / "地类统计表.csv", encoding="utf-8-sig")
        town.params.table().to_csv(tmp / "参数表.csv", index=False, encoding="utf-8-sig")
        bundles: list[str | os.PathLike[str]] = []
        # the decision matrix: every alternative as it is, and under every assumption set
        scenarios = [load_scenario(p) for p in bundled_scenarios()]
        alternatives = [s for s in scenarios if s.kind == "alternative"]
        assumptions = [s for s in scenarios if s.kind == "assumption"]
        runs = alternatives + [compose(a, s) for a in alternatives for s in assumptions]
        for sc in runs:
            t1 = time.perf_counter()
            run = run_scenario(sc, tmp / "scenarios" / sc.name, dpi=args.dpi, progress=not args.quiet,
                               unit=args.unit)
            bundles.append(tmp / "scenarios" / sc.name)
            print(f"\n情景 scenario {sc.name}: {time.perf_counter() - t1:.1f} s")
            print(run.timings().to_string(index=False))
        comparison = compare_runs(bundles, tmp / "compare", dpi=args.dpi, unit=args.unit)
        print("\n" + comparison.recommendation)
    names = ", ".join(Path(p).name for p in bundles)
    print(f"\nwrote {out}/: 土地利用现状图.png, 国土空间管控分区图.png, 地类统计表.csv, 参数表.csv; "
          f"scenarios/ ({names}), each with report.html, report.docx, tables/, figures/, results.gpkg, "
          f"audit.json; compare/ (情景对比表, 布局对比图, "
          f"帕累托图, compare.html) — total {time.perf_counter() - t0:.0f} s")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from landkit.io import read_parcels

    gdf = read_parcels(args.path, layer=args.layer, encoding=args.encoding, crs=args.crs, repair=args.repair)
    print(f"{args.path}: {len(gdf)} parcels, CRS {gdf.crs.to_string()}, no problems found")
    return 0


def _run(args: argparse.Namespace) -> int:
    from landkit.scenario import load_scenario, run_scenario

    sc = load_scenario(args.scenario)
    if args.solve:
        sc = sc.with_changes(solve=args.solve)
    out = Path(args.out) if args.out else Path("out") / sc.name
    t0 = time.perf_counter()
    run = run_scenario(sc, out, dpi=args.dpi, progress=not args.quiet, force=args.force, unit=args.unit)
    print(f"情景 {sc.name}: loaded data in {run.load_time_s:.1f} s")
    for m, rec in run.records.items():
        print(f"  {m:9s} {rec.status:10s} {rec.wall_time_s:6.1f} s  {rec.summary}")
    print(f"wrote {out}/ (report.html, report.docx, results.gpkg, tables/, figures/, audit.json) "
          f"in {time.perf_counter() - t0:.1f} s")
    if args.store:
        from landkit.store import open_store

        with open_store(args.store) as store:
            run_id = store.save_run(run)
            print(f"kept in {store.label} as run {run_id} (by {store.user})")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from landkit.scenario import compare_runs

    cmp = compare_runs(args.runs, args.out, against=args.against, dpi=args.dpi, force=args.force, unit=args.unit)
    print(cmp.kpis.to_string())
    print()
    print(cmp.recommendation)
    print(f"wrote {args.out}/ (compare.html, compare.docx, 情景对比表.csv, 布局对比图.png, 帕累托图.png)")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from landkit.scenario import load_scenario, sweep

    sc = load_scenario(args.scenario)
    out = Path(args.out) if args.out else Path("out") / f"{sc.name}_sweep"
    res = sweep(sc, args.samples, scheduler=args.scheduler, n_workers=args.workers, out=out,
                time_limit_s=args.time_limit, mip_gap=args.mip_gap, seed=args.seed, progress=not args.quiet,
                dpi=args.dpi, force=args.force)
    print(res.summary())
    print(f"wrote {out}/ (sweep.html, samples.csv, parcel_frequency.csv, npv_quantiles.csv, summary.json, "
          "收储频率图.png, 净现值分布.png)")
    return 0


_OUT_RULE = ("只写入新建或空文件夹, 或替换 landkit 以前写的成果文件夹; 其他文件夹和文件一律不动 / written only where "
             "nothing is, into an empty folder, or over an earlier landkit output; anything else is refused")


def _app(args: argparse.Namespace) -> int:
    from landkit.app import serve

    return serve(scenario=args.scenario, runs=args.runs, port=args.port, open_browser=args.browser,
                 time_limit_s=args.time_limit)


def _layer_arg(text: str) -> str | tuple[str, str]:
    """``PATH`` or ``PATH@LAYER``."""
    path, _, layer = text.partition("@")
    return (path, layer) if layer else path


def _init(args: argparse.Namespace) -> int:
    from landkit._errors import ArgumentError
    from landkit.project import init_project

    zoning = {}
    for item in args.zoning or []:
        key, sep, spec = item.partition("=")
        if not sep or not key or not spec:
            raise ArgumentError(f"--zoning {item!r}: write KEY=FILE or KEY=FILE@LAYER, e.g. YJJBNTBHTB=三区三线.gpkg")
        zoning[key.strip()] = _layer_arg(spec)
    project = init_project(args.folder, dltb=args.dltb, layer=args.layer, zoning=zoning or None,
                           planning=_layer_arg(args.planning) if args.planning else None, dem=args.dem,
                           houses=_layer_arg(args.houses) if args.houses else None, name=args.name,
                           force=args.force)
    town = project.town
    print(f"{town.name}: {len(town.parcels)} parcels read and validated (CRS {town.crs.to_string()}); layers: "
          f"{', '.join(sorted(town.layers)) or 'none'}")
    for note in [*town.notes, *town.estimates.values()]:
        print(f"  · {note}")
    for model, state in project.models.items():
        print(f"  {model:22s} {state}")
    print(f"wrote {project.folder}/: parameters.yaml (edit the estimates), scenarios/baseline.yaml, "
          f"notebooks/00_我的城镇.ipynb, README.txt\nnext: {project.next_command()}")
    return 0


def _figure_options(parser: argparse.ArgumentParser, *, progress: bool = True) -> None:
    """The options every command that writes a folder of figures shares: ``--dpi``, ``--force`` and
    (with progress bars) ``--quiet``."""
    parser.add_argument("--dpi", type=int, default=110, help="图件分辨率 / figure resolution")
    parser.add_argument("--force", action="store_true",
                        help="替换 landkit 以前写的成果文件夹, 即使其中有别人加入的文件 / replace an earlier landkit "
                        "output even if files were added to it (never a folder landkit did not write)")
    if progress:
        parser.add_argument("--quiet", action="store_true", help="不显示进度条 / no progress bar")


def _unit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", help="编制单位 (Word 报告封面) / the issuing unit on the Word report's cover, e.g. "
                                       "探沂镇土地收储中心 (default: the town's name)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``landkit`` command."""
    parser = argparse.ArgumentParser(prog="landkit", description="landkit: 土地收储与规划决策支持")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="示例: 在内置探沂镇样例上运行全部情景并对比 / run every bundled scenario on the "
                          "sample town and compare them")
    demo.add_argument("--out", default="out/demo", help=f"output folder, replaced atomically; {_OUT_RULE}")
    _figure_options(demo)
    _unit_option(demo)
    demo.set_defaults(func=_demo)
    ini = sub.add_parser(
        "init", help="为自己的城镇建立项目 / set up a project for your own town",
        description="读取并验证三调地类图斑、三区三线与国土空间规划图层 (按规划部门的编码原样读取), 写出参数文件、"
                    "情景文件和入门笔记本, 并给出下一条命令。Read and validate your town's data and write a project "
                    "to edit and run. 例 / example: landkit init 我的镇 --dltb DLTB.gdb "
                    "--zoning YJJBNTBHTB=三区三线.gpkg --planning 规划.gpkg@YDYH --dem dem.tif",
    )
    ini.add_argument("folder", help="项目文件夹 / project folder (new or empty)")
    ini.add_argument("--dltb", required=True, help="三调地类图斑 / parcels file (GPKG, SHP, GDB)")
    ini.add_argument("--layer", help="地类图斑图层名 / parcels layer (default DLTB)")
    ini.add_argument("--zoning", action="append", metavar="KEY=FILE[@LAYER]",
                     help="三区三线图层 / a zoning layer, e.g. YJJBNTBHTB=三区三线.gpkg (repeat for each)")
    ini.add_argument("--planning", metavar="FILE[@LAYER]", help="国土空间规划用地图层 / the planning layer")
    ini.add_argument("--dem", help="高程 / DEM GeoTIFF in the parcels' CRS")
    ini.add_argument("--houses", metavar="FILE[@LAYER]",
                     help="宅基地/房屋图层 (户数, 人口, 建筑面积) / houses with households, population, floor area; "
                          "without it they are estimated from 0702 homestead area and marked （估）")
    ini.add_argument("--name", help="镇名 (报告标题与编制单位) / the town's name (default: the folder's name)")
    ini.add_argument("--force", action="store_true", help="替换 landkit init 以前写的项目 / replace an earlier project")
    ini.set_defaults(func=_init)
    app = sub.add_parser(
        "app", help="网页应用: 土地收储、园区选址、廊道与情景对比面板 / the panels as a web app (Voilà, 127.0.0.1)",
        description="在本机 127.0.0.1 上以网页形式提供交互面板, 不需要 Jupyter。Serve the reserve, siting and corridor "
                    "panels and the scenario comparison as a web page. 例 / example: landkit app --runs "
                    "out/demo/scenarios",
    )
    app.add_argument("--scenario", help="情景文件: 使用其城镇数据与参数 / a scenario file whose town to show "
                                        "(default: the 探沂镇 sample)")
    app.add_argument("--runs", help="情景结果包所在文件夹, 用于对比 / folder of run bundles to compare, e.g. "
                                    "out/demo/scenarios")
    app.add_argument("--port", type=int, default=8866, help="端口 / port (default 8866)")
    app.add_argument("--browser", action="store_true", help="启动后打开浏览器 / open a browser")
    app.add_argument("--time-limit", type=float, default=10.0,
                     help="各面板每次求解的时限(秒) / each panel's solver time limit in seconds (default 10)")
    app.set_defaults(func=_app)
    val = sub.add_parser("validate", help="read and validate a 三调 地类图斑 file")
    val.add_argument("path")
    val.add_argument("--layer")
    val.add_argument("--encoding", help="shapefile encoding when it has no .cpg (default: detect)")
    val.add_argument("--crs", help="CRS to assume when the file has none, e.g. EPSG:4490")
    val.add_argument("--repair", action="store_true", help="repair invalid geometry and report it")
    val.set_defaults(func=_validate)
    run = sub.add_parser(
        "run", help="运行情景文件 / run a scenario file",
        description="运行一个情景 (YAML) 文件中的全部模型并写出成果包: 报告 (HTML, Word)、表格、图件、"
                    "results.gpkg 与审计记录 audit.json。Run every model of a scenario file and write its "
                    "result bundle. 例 / example: landkit run data/tanyi/scenarios/baseline.yaml --out out/baseline",
    )
    run.add_argument("scenario", help="情景文件路径 / scenario file (.yaml), e.g. data/tanyi/scenarios/baseline.yaml")
    run.add_argument("--out", help=f"成果文件夹 (原子替换) / bundle folder, replaced atomically (default out/<name>); "
                     f"{_OUT_RULE}")
    _figure_options(run)
    _unit_option(run)
    run.add_argument("--solve", choices=["sequential", "joint"],
                     help="求解方式 / how the 挂钩, reserve and 占补平衡 plans are decided: sequential (one after "
                          "another) or joint (one model); default: the scenario's solve key, else sequential")
    run.add_argument("--store", help="同时存入数据库 / also keep the run in a store: a .gpkg file or "
                     "postgresql://user@host/db (password in PGPASSWORD or ~/.pgpass)")
    run.set_defaults(func=_run)
    cmp = sub.add_parser(
        "compare", help="比较多个情景成果 / compare run bundles",
        description="并列比较多个情景的关键指标、布局图 (同一范围) 与帕累托图, 并由数字生成简短建议。"
                    "Compare finished runs side by side. 例 / example: landkit compare out/baseline "
                    "out/funds_plus50 --out out/compare",
    )
    cmp.add_argument("runs", nargs="+", help="情景成果文件夹 (landkit run 的输出) / run bundle folders")
    _unit_option(cmp)
    cmp.add_argument("--out", default="out/compare", help=f"对比报告文件夹 / comparison folder; {_OUT_RULE}")
    cmp.add_argument("--against", choices=["households", "farmland"], default="households",
                     help="帕累托图横轴: 搬迁户数或占用耕地 / Pareto chart: NPV against households or farmland")
    _figure_options(cmp, progress=False)
    cmp.set_defaults(func=_compare)
    swp = sub.add_parser(
        "sweep", help="不确定性分析: 按情景中的分布抽样求解收储计划 / uncertainty sweep on Dask",
        description="按情景文件中 sweep 部分声明的分布 (地价变化、资金、指标价格、需求) 抽样, 每个样本求解一次"
                    "土地收储计划 (在 Dask 上并行), 报告各地块被收储的频率、净现值分布与资金缺口概率。"
                    "Sample the scenario's sweep distributions and solve one reserve plan per sample on Dask. "
                    "例 / example: landkit sweep data/tanyi/scenarios/baseline.yaml --samples 200 --out out/sweep",
    )
    swp.add_argument("scenario", help="情景文件 / scenario file (.yaml) with a sweep: section")
    swp.add_argument("--samples", type=int, help="样本数 / number of samples (default sweep.samples, else 100)")
    swp.add_argument("--scheduler", help="已有 Dask 集群地址 / address of an existing Dask scheduler, "
                     "e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    swp.add_argument("--workers", type=int, default=2, help="本地集群进程数 / local cluster workers (default 2)")
    swp.add_argument("--out", help="结果文件夹 (原子替换) / output folder, replaced atomically "
                     f"(default out/<name>_sweep); {_OUT_RULE}")
    swp.add_argument("--time-limit", type=float, help="每个样本的求解时限 (秒) / solver time limit per sample "
                     "(default: the scenario's reserve time_limit_s)")
    swp.add_argument("--mip-gap", type=float, help="每个样本的最优间隙 / MIP gap per sample, e.g. 0.02")
    swp.add_argument("--seed", type=int, help="随机种子 (覆盖 sweep.seed) / random seed, overrides sweep.seed")
    _figure_options(swp)
    swp.set_defaults(func=_sweep)
    sto = sub.add_parser(
        "store", help="数据库: 查看、导入、升级 / show, import into or upgrade a store (GeoPackage or PostGIS)",
        description="查看数据库内容 (图层、情景运行、储备土地台账)、导入三调或规划图层 (经过与文件相同的验证), "
                    "或将旧版本数据库升级到当前版本。Show what a store holds, import a 三调 or zoning layer into it "
                    "(validated as files are), or upgrade a store written by an older landkit (one transaction; "
                    "tables are added, nothing is removed). 密码请放在 PGPASSWORD 或 ~/.pgpass 中, 不要写进地址 / "
                    "the password goes in PGPASSWORD or ~/.pgpass, never in the URL. 例 / examples: "
                    "landkit store import tanyi_store.gpkg DLTB.shp; landkit store info tanyi_store.gpkg",
    )
    sto.add_argument("action", choices=["info", "import", "upgrade"],
                     help="info: 查看 / show; import: 导入图层 / import a layer; upgrade: 升级 / upgrade")
    sto.add_argument("target", help="GeoPackage 文件或 postgresql:// 地址 / a .gpkg file or postgresql://user@host/db")
    sto.add_argument("source", nargs="?", help="import: 要导入的文件 / the file to import (GPKG, SHP, GDB)")
    sto.add_argument("--layer", help="import: 源图层名 / layer in the source (default DLTB for parcels)")
    sto.add_argument("--name", help="import: 库中图层名 / layer name in the store (default: the source layer's)")
    sto.add_argument("--kind", choices=["parcels", "zoning", "other"], default="parcels",
                     help="import: parcels = 三调地类图斑 (validated), zoning = 三区三线等 (default parcels)")
    sto.add_argument("--encoding", help="import: shapefile 编码 / encoding, e.g. GBK (default: detected)")
    sto.set_defaults(func=_store)
    return parser


def _store(args: argparse.Namespace) -> int:
    from landkit.store import SCHEMA_VERSION, open_store
    from landkit.store.schema import stored_version

    if args.action != "import" and "://" not in args.target and not Path(args.target).exists():
        raise MissingFileError(f"{args.target} does not exist (`landkit store import` or open_store make a new one)")
    if args.action == "upgrade":
        with open_store(args.target, upgrade=True) as store:
            print(f"{store.label}: store schema version {store.schema_version} (this landkit: {SCHEMA_VERSION})")
        return 0
    if args.action == "import":
        from landkit.io import read_layer, read_parcels

        if not args.source:
            raise MissingFileError("landkit store import TARGET SOURCE: name the file to import (SOURCE)")

        with open_store(args.target) as store:
            if args.kind == "parcels":
                gdf = read_parcels(args.source, layer=args.layer, encoding=args.encoding)
            else:
                gdf = read_layer(args.source, args.layer, encoding=args.encoding)
            name = args.name or gdf.attrs["landkit"]["layer"]
            store.write_layer(name, gdf, kind=args.kind)
            print(f"{store.label}: layer {name} ({args.kind}, {len(gdf)} rows) written by {store.user}")
        return 0
    with open_store(args.target, upgrade=False, create=False) as store:
        print(f"{store.label}: {store.kind}, store schema version {stored_version(store.backend)}")
        layers = store.layers()
        print(f"layers ({len(layers)}):")
        for row in layers.itertuples(index=False):
            print(f"  {row.name:<28} {row.kind:<8} {row.n_rows:>8} rows  written by {row.written_by} at "
                  f"{row.written_at}")
        print(f"scenario runs: {len(store.runs())}")
        ledger = store.ledger.summary()
        print("储备土地台账 reserve ledger: " + ", ".join(f"{k} {v}" for k, v in ledger.items()))
    return 0


class _Terminated(BaseException):
    """SIGTERM (or SIGHUP) arrived: unwind like Ctrl-C, so solvers are stopped and partial output removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise _Terminated(signum)


#: Errors that mean the user's input or environment is wrong: one message, exit code 1, no traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (LandkitError, FileNotFoundError, NotADirectoryError,
                                                IsADirectoryError, PermissionError)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code.

    1 with one readable message on bad input (never a traceback), 130 after Ctrl-C and 128 + the
    signal's number after SIGTERM or SIGHUP; in every case running solvers are stopped and no
    partial output is left behind.
    """
    args = build_parser().parse_args(argv)
    handlers: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) is signal.SIG_DFL:  # `nohup landkit ...` keeps ignoring SIGHUP
                handlers[sig] = signal.signal(sig, _raise_terminated)
    try:
        return int(args.func(args))
    except USER_ERRORS as exc:  # bad input: a readable message, no traceback
        print(f"landkit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("landkit: interrupted (Ctrl-C); solvers stopped, nothing was written", file=sys.stderr)
        return 130
    except _Terminated as exc:
        print(f"landkit: stopped by signal {signal.Signals(exc.signum).name}; solvers stopped, nothing was "
              "written", file=sys.stderr)
        return 128 + exc.signum
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)


if __name__ == "__main__":
    raise SystemExit(main())
