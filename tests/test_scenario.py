"""Scenarios: validation, atomic result bundles, determinism, reports read back, audit hashes, compare, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from report_text import docx_text, html_text, latin_words

from landkit import ValidationError
from landkit.scenario import (
    bundled_scenarios,
    compare_runs,
    input_files,
    load_scenario,
    run_scenario,
    scenario_from_dict,
    sha256_file,
)

FAST = {"time_limit_s": 30, "mip_gap": 0.02}


def _fast(name: str = "baseline", **models: dict) -> dict:
    """The bundled baseline with a loose gap (fast tests), optionally with model changes."""
    tree = yaml.safe_load(next(p for p in bundled_scenarios() if p.stem == "baseline").read_text(encoding="utf-8"))
    tree["name"] = name
    tree["solver"] = dict(FAST)
    for m, opts in models.items():
        tree["models"][m].update(opts)
    return tree


def _write(tmp_path: Path, tree: dict, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("runs")
    path = _write(tmp, _fast(), "baseline.yaml")
    run = run_scenario(path, tmp / "baseline", progress=False)
    return run, path


# --------------------------------------------------------------------------- validation
def test_bundled_scenarios_validate() -> None:
    names = {p.stem for p in bundled_scenarios()}
    assert {"baseline", "funds_plus50", "prices_minus20", "corridor_b", "park_a", "park_b"} <= names
    for p in bundled_scenarios():
        sc = load_scenario(p)
        assert sc.name == p.stem
    base = load_scenario(next(p for p in bundled_scenarios() if p.stem == "baseline"))
    assert base.models["reserve"]["budget_wan_yuan"] == 2000
    assert base.models["reserve"]["years"] == [2019, 2020, 2021]
    assert not base.enabled("park_sites")


def test_bad_scenario_names_every_key_and_allowed_values(tmp_path: Path) -> None:
    tree = _fast()
    tree["modles"] = {}
    tree["models"]["reserve"]["objectiv"] = "npv"
    tree["models"]["reserve"]["objective"] = "max_profit"
    tree["models"]["corridor"]["by"] = "beauty"
    tree["models"]["farmland"]["regime"] = "yearly"
    tree["models"]["park_sites"]["enabled"] = True  # without parks
    tree["links"].append("reserve.quota -> linkage.surplus")
    tree["links"].append("park_sites.demand -> reserve.demand")
    tree["policy"]["date"] = "2021-13-45"
    with pytest.raises(ValidationError) as err:
        load_scenario(_write(tmp_path, tree))
    msg = str(err.value)
    where = {p.where for p in err.value.problems}
    assert {"modles", "models.reserve.objectiv", "models.reserve.objective", "models.corridor.by",
            "models.farmland.regime", "models.park_sites.parks", "links[4]", "links[5]", "policy.date"} <= where
    assert "'npv', 'min_cost'" in msg  # allowed values named
    assert "'length_m', 'resistance', 'build_cost_wan_yuan'" in msg
    assert "allowed keys: name, title" in msg  # the unknown top-level key lists the allowed ones
    assert "landkit.siting" in msg
    assert "linkage.surplus -> reserve.quota" in msg


def test_park_scenarios_validate() -> None:
    paths = {p.stem: p for p in bundled_scenarios()}
    a, b = load_scenario(paths["park_a"]), load_scenario(paths["park_b"])
    for sc in (a, b):
        assert sc.enabled("park_sites")
        # no size written in the scenario: the planned 3.05 km² comes from siting.chemical_park_area
        assert sc.options("park_sites")["parks"] == [{"name": "化工园区", "kind": "chemical"}]
        assert sc.solve_options("park_sites")["time_limit_s"] <= 20
        assert sc.has_link("park_sites.occupations -> farmland.ledger")
    assert not a.options("park_sites").get("exclude_villages")
    assert b.options("park_sites")["exclude_villages"]


def test_run_with_park_sites(tmp_path: Path) -> None:
    import geopandas as gpd

    tree = _fast("parks", park_sites={"enabled": True, "parks": [{"name": "化工园区", "kind": "chemical",
                                                                   "area_mu": 1200}],
                                      "year": 2021, "time_limit_s": 10, "mip_gap": 0.05,
                                      "exclude_villages": ["赵家沟村", "薛家屯村", "徐家庄村", "马家埠村"]})
    tree["models"]["reserve"]["enabled"] = False
    tree["models"]["corridor"]["enabled"] = False
    tree["links"].append("park_sites.occupations -> farmland.ledger")
    run = run_scenario(_write(tmp_path, tree), tmp_path / "parks", progress=False, report=False)
    parks = run.results["park_sites"]
    layer = gpd.read_file(run.path / "results.gpkg", layer="park_sites")
    assert len(layer) == 1 and layer["名称"].iloc[0] == "化工园区"
    assert (run.path / "tables" / "园区选址汇总.csv").exists()
    assert (run.path / "figures" / "园区选址图.png").exists()
    occ = parks.occupations()  # how much farmland the site takes depends on how far 10 s of search got
    if len(occ):
        ledger = run.results["farmland"].ledger.occupations
        assert set(occ["parcel"]) == set(ledger.loc[ledger["source"] == "siting", "id"])  # every one, nothing else
    else:  # a site on no farmland leaves nothing to balance, and the run says so
        assert "farmland" not in run.results and run.records["farmland"].status == "skipped"
    assert run.kpis["park_area_mu"] >= 0.95 * 1200
    assert run.kpis["park_farmland_mu"] == pytest.approx(float(occ["area_mu"].sum()), abs=0.01)
    assert run.records["park_sites"].status in ("optimal", "feasible")
    assert list(run.records) == ["park_sites", "linkage", "farmland"]


def test_farmland_balance_with_no_occupation_is_skipped_and_said(tmp_path: Path) -> None:
    tree = _fast("nothing_occupied")
    for model in ("reserve", "corridor", "linkage"):
        tree["models"][model]["enabled"] = False
    run = run_scenario(_write(tmp_path, tree), tmp_path / "none", progress=False, report=False)
    assert "farmland" not in run.results
    assert run.records["farmland"].status == "skipped" and "nothing to balance" in run.records["farmland"].summary


def test_bad_parameter_override_is_named(tmp_path: Path) -> None:
    tree = _fast()
    tree["parameters"] = {"funds.county_special_fundz": 3000}
    with pytest.raises(ValidationError, match=r"funds\.county_special_fundz"):
        run_scenario(_write(tmp_path, tree), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_not_yaml_mapping() -> None:
    with pytest.raises(ValidationError, match="top level"):
        scenario_from_dict(["a", "b"])


# --------------------------------------------------------------------------- the bundle
def test_bundle_contents_and_audit(baseline_run) -> None:
    run, path = baseline_run
    out = run.path
    for f in ("results.gpkg", "report.html", "report.docx", "audit.json", "kpis.json", "scenario.yaml",
              "tables/年度土地储备计划表.csv", "tables/资金平衡表.csv", "tables/占补平衡核算表.csv",
              "figures/土地收储计划图.png", "models/reserve.mps"):
        assert (out / f).exists(), f
    import pyogrio

    layers = set(pyogrio.list_layers(out / "results.gpkg")[:, 0])
    assert {"reserve_parcels", "linkage_plots", "corridor_route", "town_boundary"} <= layers
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    sc = load_scenario(path)
    files = dict((role, p) for role, p in input_files(sc))
    assert {i["role"] for i in audit["inputs"]} == set(files)
    for item in audit["inputs"]:
        assert item["sha256"] == sha256_file(item["path"])
    import hashlib

    assert files["scenario"].read_bytes() and next(i for i in audit["inputs"] if i["role"] == "scenario")[
        "sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    keys = {p["key"]: p for p in audit["parameters"]}
    assert keys["funds.county_special_funds"]["unit"] == "万元/年"
    assert all({"value", "unit", "tag", "source"} <= set(p) for p in audit["parameters"])
    for m in ("reserve", "linkage", "farmland"):
        rec = audit["models"][m]
        assert rec["status"] in ("optimal", "feasible") and rec["solver"] == "highs"
        assert (out / rec["mps"]).exists() and rec["wall_time_s"] > 0
    assert audit["versions"]["landkit"] and audit["versions"]["highspy"]
    csv = pd.read_csv(out / "tables/资金平衡表.csv", encoding="utf-8-sig")  # items down, years across
    assert {"类别", "项目", "2019年(万元)", "合计(万元)"} <= set(csv.columns)
    assert {"财政专项资金", "出让收入返还", "有偿使用费", "年末余额", "年末债务"} <= set(csv["项目"])


def test_reports_read_back(baseline_run) -> None:
    out = baseline_run[0].path
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in ("情景报告", "关键指标", "土地收储计划", "耕地占补平衡", "参数与来源", "求解记录"):
        assert heading in html
    assert html.count("data:image/png;base64,") >= 4 and "<table>" in html and "src=\"figures" not in html
    from docx import Document

    doc = Document(str(out / "report.docx"))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for heading in ("关键指标", "土地收储计划", "增减挂钩", "耕地占补平衡", "求解记录"):
        assert any(heading in h for h in heads), heading
    assert len(doc.tables) >= 5
    assert doc.tables[0].rows[0].cells[0].text == "指标"
    assert len(doc.inline_shapes) >= 4


def test_same_scenario_twice_identical(baseline_run, tmp_path: Path) -> None:
    first, path = baseline_run
    again = run_scenario(path, tmp_path / "again", progress=False, report=False)
    for f in sorted((first.path / "tables").glob("*.csv")):
        if f.name in ("模型耗时.csv",):
            continue
        a = pd.read_csv(f, encoding="utf-8-sig")
        b = pd.read_csv(again.path / "tables" / f.name, encoding="utf-8-sig")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, obj=f.name)
    assert first.kpis == again.kpis


def test_interrupted_run_leaves_previous_bundle(baseline_run, tmp_path: Path, monkeypatch) -> None:
    import shutil

    target = tmp_path / "bundle"
    shutil.copytree(baseline_run[0].path, target)
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    import landkit.farmland

    def boom(*args, **kwargs):
        raise RuntimeError("interrupted in the middle of the farmland balance")

    monkeypatch.setattr(landkit.farmland.FarmlandBalance, "solve", boom)
    with pytest.raises(RuntimeError, match="interrupted"):
        run_scenario(baseline_run[1], target, progress=False)
    after = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]  # no temporary folder left behind


# --------------------------------------------------------------------------- compare and CLI
def test_compare_and_cli(baseline_run, tmp_path: Path, capsys) -> None:
    from landkit.cli import main

    tree = _fast("funds_plus50", reserve={"budget_wan_yuan": 3000}, corridor={"enabled": False},
                 linkage={"enabled": False})
    tree["title"] = "资金增加 (专项资金 3,000万元/年)"
    p2 = _write(tmp_path, tree, "funds.yaml")
    assert main(["run", str(p2), "--out", str(tmp_path / "funds"), "--quiet", "--unit", "探沂镇土地收储中心"]) == 0
    out = capsys.readouterr().out
    assert "reserve" in out and "wrote" in out
    assert main(["compare", str(baseline_run[0].path), str(tmp_path / "funds"), "--out",
                 str(tmp_path / "cmp")]) == 0
    # the 编制单位 on the cover: as given, else the town's name
    assert "编制单位：探沂镇土地收储中心" in docx_text(tmp_path / "funds" / "report.docx")
    assert "编制单位：探沂镇" in docx_text(tmp_path / "cmp" / "compare.docx")
    cmp = compare_runs([baseline_run[0].path, tmp_path / "funds"])
    assert list(cmp.kpis.columns) == ["基准情景", "资金增加"]  # titles without their parenthesis
    npv = cmp.kpis.loc["净现值NPV(万元)"]
    assert npv["资金增加"] >= npv["基准情景"] - 1e-6 * abs(npv["基准情景"])
    best = npv.astype(float).idxmax()
    assert f"净现值最高的是情景 {best}" in cmp.recommendation or "各情景净现值相同" in cmp.recommendation
    assert f"{float(npv[best]):,.0f}" in cmp.recommendation
    for f in ("compare.html", "compare.docx", "情景对比表.csv", "布局对比图.png", "帕累托图.png", "recommendation.txt"):
        assert (tmp_path / "cmp" / f).exists(), f
    assert "情景对比报告" in (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    for text in (html_text(tmp_path / "cmp" / "compare.html"), docx_text(tmp_path / "cmp" / "compare.docx")):
        assert latin_words(text) == set()  # in Chinese, runs named by their titles
    assert main(["compare", str(tmp_path / "nothing")]) == 1
    assert "not a run bundle" in capsys.readouterr().err


def test_cli_bad_scenario_exit_code(tmp_path: Path, capsys) -> None:
    from landkit.cli import main

    tree = _fast()
    tree["models"]["reserve"]["budget_wan_yuan"] = "lots"
    assert main(["run", str(_write(tmp_path, tree)), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "models.reserve.budget_wan_yuan" in err and "万元 a year" in err


def test_park_parcels_are_not_bought_again_by_the_reserve_plan(tmp_path: Path) -> None:
    tree = _fast("parks_reserve", park_sites={"enabled": True, "parks": [{"name": "化工园区", "kind": "chemical",
                                                                         "area_mu": 1200}],
                                              "year": 2021, "time_limit_s": 10, "mip_gap": 0.05})
    tree["models"]["corridor"]["enabled"] = False
    tree["links"].append("park_sites.occupations -> farmland.ledger")
    run = run_scenario(_write(tmp_path, tree), tmp_path / "pr", progress=False, report=False)
    park = set(map(str, run.results["park_sites"].parcels.index))
    bought = set(map(str, run.results["reserve"].schedule.index))
    assert park and not (park & bought)  # the park's farmland is counted once, by the park
    assert any("are not reserve candidates" in n for n in run.records["reserve"].notes)


def test_the_word_report_can_be_handed_in(baseline_run) -> None:
    import datetime as dt

    from docx import Document

    run = baseline_run[0]
    doc = Document(str(run.path / "report.docx"))
    first = doc.sections[0]
    assert abs(first.page_width.mm - 210) < 0.5 and abs(first.page_height.mm - 297) < 0.5  # A4, not US Letter
    assert abs(first.top_margin.mm - 37) < 0.5 and abs(first.left_margin.mm - 28) < 0.5      # GB/T 9704
    assert "PAGE" in first.footer._element.xml                                              # page numbers
    assert 'w:eastAsia="zh-CN"' in doc.styles.element.xml and "en-US" not in doc.styles.element.xml  # Chinese
    props = doc.core_properties
    assert props.author != "python-docx" and props.created.year == dt.datetime.now().year
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "编制单位" in text
    assert "2,019.00" not in cells and "True" not in cells and "False" not in cells
    wide = [s for s in doc.sections if s.page_width > s.page_height]
    assert all(len(t.columns) <= 8 for t in doc.tables) or wide  # a wide table gets a landscape page


def test_the_report_says_in_chinese_how_each_model_was_solved(baseline_run) -> None:
    html = (baseline_run[0].path / "report.html").read_text(encoding="utf-8")
    assert "求解：最优" in html or "求解：可行" in html
    assert "模型衔接：增减挂钩节余指标计入土地收储的新增建设用地指标" in html
    assert "links applied" not in html and "HiGHS: optimal" not in html and "parameter overrides" not in html


# --------------------------------------------------------------------------- the report as a reader sees it
def test_the_report_is_in_chinese(baseline_run) -> None:
    out = baseline_run[0].path
    for text in (html_text(out / "report.html"), docx_text(out / "report.docx")):
        assert latin_words(text) == set()


def test_the_english_check_can_fail() -> None:
    assert latin_words("marginal costs from the LP; 见 tables/land_account.csv") == {"marginal", "costs", "from",
                                                                                     "the"}


def test_the_report_opens_with_its_summary(baseline_run) -> None:
    from docx import Document

    run = baseline_run[0]
    html = html_text(run.path / "report.html")
    assert html.index("摘要") < html.index("情景说明") < html.index("关键指标")
    summary = html[html.index("摘要"):html.index("情景说明")]
    assert "建议：" in summary and "土地收储" in summary and "净现值" in summary
    npv = run.kpis["npv_wan_yuan"]
    assert f"净现值 {npv:,.2f} 万元（估）" in summary        # computed from estimated prices, and says so
    assert "估算说明" in summary and "没有公开来源的估计参数" in summary
    households = run.kpis["households_moved"]                 # whole households, by the model that moves them
    assert f"合计搬迁 {round(households):,} 户（估）（土地收储 {round(households):,} 户）" in summary
    import re

    checked = re.search(r"；([^；。]*)的方案已通过各自的独立核查", summary)
    assert checked and "土地收储计划" in checked.group(1) and "廊道" not in checked.group(1)  # only checks that ran
    assert "纳入台账的占用耕地" in summary                      # what the 占补平衡 balanced, not all farmland
    assert "穿越" in summary                                     # the route crosses protected land: said
    doc = Document(str(run.path / "report.docx"))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads[0] == "摘要"
    body = doc.element.body.xml
    assert body.index('w:type="page"') < body.index("情景说明")  # the 摘要 stands on its own page
    text = docx_text(run.path / "report.docx")
    assert "数据来源" in text and "tables/资金平衡表.csv" in text and "results.gpkg" in text


def test_the_word_report_as_a_pdf(baseline_run, tmp_path: Path) -> None:
    """The Word file converted by LibreOffice (installed by the setup) reads as A4 pages with the 摘要 on page 1."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is installed by scripts/setup_system.sh (make setup)"
    docx = baseline_run[0].path / "report.docx"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "595.3" in info and ("841.8" in info or "841.9" in info)  # A4 in points
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 5
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert "摘要" in first and "建议" in first and "情景说明" not in first
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-png", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    import matplotlib.image as mpimg

    img = mpimg.imread(png)
    assert img.shape[0] > img.shape[1] and (img[..., :3] < 0.5).mean() > 0.01  # portrait, and text drawn on it
