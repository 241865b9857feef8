"""The web app's page (landkit.app) without a browser, and ``landkit app``'s refusals."""

from __future__ import annotations

import ipywidgets as w
import pytest

import landkit
from landkit.app import TAB_TITLES, App, notebook_path
from landkit.cli import main


@pytest.fixture(scope="module")
def town():
    return landkit.load_sample()


def test_the_page_has_a_tab_per_panel_and_solves_a_tab_when_opened(town, tmp_path) -> None:
    app = App(town, runs=tmp_path, time_limit_s=5)
    tab = app.widget
    assert [tab.get_title(i) for i in range(len(TAB_TITLES))] == list(TAB_TITLES)
    reserve, siting, corridor, runs = app.panels
    assert reserve.result is not None                                   # solved when the page opens
    assert siting.timings_s == [] and corridor.route is None            # the others wait for their tab
    assert isinstance(runs, w.HTML) and "没有情景结果包" in runs.value and "landkit app --runs" in runs.value
    tab.selected_index = 2                                              # opening the corridor tab solves it
    assert corridor.route is not None and len(corridor.timings_s) == 1
    tab.selected_index = 0
    tab.selected_index = 2                                              # and only once
    assert len(corridor.timings_s) == 1


def test_the_notebook_ships_with_the_package() -> None:
    import nbformat

    nb = nbformat.read(notebook_path(), as_version=4)
    assert any("App()" in c.source for c in nb.cells if c.cell_type == "code")


def test_bad_arguments_are_refused_before_anything_starts(tmp_path, capsys) -> None:
    assert main(["app", "--runs", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "--runs" in err and "is not a folder" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmodels: {reserve: {years: soon}}\n", encoding="utf-8")
    assert main(["app", "--scenario", str(bad)]) == 1
    assert "years" in capsys.readouterr().err
    assert main(["app", "--time-limit", "0"]) == 1
    assert "--time-limit" in capsys.readouterr().err


def test_a_town_without_tourism_sites_still_gets_its_page(town, tmp_path) -> None:
    import copy

    bare = copy.copy(town)
    bare.layers = {k: v for k, v in town.layers.items() if k != "sites"}
    app = App(bare, runs=tmp_path, time_limit_s=5)
    corridor = app.panels[2]
    assert isinstance(corridor, w.HTML) and "本镇数据不足" in corridor.value and "sites" in corridor.value
    app.widget.selected_index = 2   # opening its tab does nothing, and nothing breaks
    assert app.panels[0].result is not None
