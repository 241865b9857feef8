"""The panels as a web app for people who do not use Jupyter (``landkit app``, served by Voilà).

One page with four tabs: the reserve plan (土地收储计划), the park siting (园区选址), the tourism corridor
(文化旅游大动脉) and the comparison of run bundles (情景对比). The reserve panel solves when the page opens;
the siting and corridor panels solve when their tab is first opened (:class:`App`), so the page comes up in seconds.

The town is the bundled 探沂镇 sample, or the town of a scenario file (``--scenario``: its data, parameter file
and overrides, as ``landkit run`` reads them); the comparison tab reads the run bundles of ``--runs`` (a folder
such as ``out/demo/scenarios``). The server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import display

from landkit._errors import LandkitError, Problem, ValidationError
from landkit.scenario.run import load_town
from landkit.scenario.schema import load_scenario
from landkit.town import Town, load_sample
from landkit.widgets import CorridorPanel, ReservePanel, ScenarioPicker, SitingPanel

#: Environment variables through which ``landkit app`` tells the app's kernel what to show.
SCENARIO_ENV, RUNS_ENV, LIMIT_ENV = "LANDKIT_APP_SCENARIO", "LANDKIT_APP_RUNS", "LANDKIT_APP_TIME_LIMIT"
#: The tabs, in order.
TAB_TITLES = ("土地收储计划", "园区选址", "文化旅游大动脉", "情景对比")


def app_town(scenario: str | os.PathLike[str] | None = None) -> Town:
    """The app's town: the scenario file's (``scenario`` or ``$LANDKIT_APP_SCENARIO``), else the sample."""
    path = scenario or os.environ.get(SCENARIO_ENV)
    return load_town(load_scenario(path)) if path else load_sample()


def _runs_tab(runs: str | os.PathLike[str] | None) -> ScenarioPicker | w.HTML:
    """The comparison tab: a :class:`ScenarioPicker` on the bundles of ``runs``, or how to get some."""
    folder = runs or os.environ.get(RUNS_ENV)
    if folder and any(Path(folder).glob("*/kpis.json")):
        return ScenarioPicker(folder)
    hint = (f"{folder} 中没有情景结果包。" if folder else "未指定情景结果包。")
    return w.HTML(f"<p>{hint}先运行 <code>landkit demo --out out/demo</code>, 再用 "
                  "<code>landkit app --runs out/demo/scenarios</code> 打开本页, 即可在此对比各情景。</p>")


def _panel_or_reason(build: Callable[[], Any], title: str) -> Any:
    """The panel ``build`` makes, or a note saying why the town's data cannot give it (e.g. no tourism sites for
    the corridor): one missing layer does not take the whole page down."""
    try:
        return build()
    except LandkitError as exc:
        return w.HTML(f"<p class='landkit-missing'>{html.escape(title)}：本镇数据不足, 无法显示此面板 "
                      f"(the town's data cannot give this panel): {html.escape(str(exc))}</p>")


class App:
    """The app's page: a tab per panel; a panel not yet solved solves when its tab is first opened.

    Parameters
    ----------
    town : Town, optional
        The town (default :func:`app_town`).
    runs : path, optional
        Folder of run bundles for the comparison tab (default ``$LANDKIT_APP_RUNS``).
    time_limit_s : float, optional
        Each panel's solver time limit (s); default ``$LANDKIT_APP_TIME_LIMIT`` or 10.

    Attributes
    ----------
    panels : list
        :class:`~landkit.widgets.ReservePanel`, :class:`~landkit.widgets.SitingPanel`,
        :class:`~landkit.widgets.CorridorPanel` and the comparison (a :class:`~landkit.widgets.ScenarioPicker`,
        or a note on how to get run bundles), in the order of :data:`TAB_TITLES`.
    widget : ipywidgets.Tab
        The page.
    """

    def __init__(self, town: Town | None = None, *, runs: str | os.PathLike[str] | None = None,
                 time_limit_s: float | None = None) -> None:
        town = town if town is not None else app_town()
        if time_limit_s is None:
            time_limit_s = float(os.environ.get(LIMIT_ENV, 10.0))
        builders = (lambda: ReservePanel(town, time_limit_s=time_limit_s),
                    lambda: SitingPanel(town, park="chemical", time_limit_s=time_limit_s, solve_on_start=False),
                    lambda: CorridorPanel(town, time_limit_s=time_limit_s, solve_on_start=False))
        self.panels: list[Any] = [_panel_or_reason(build, title) for build, title in zip(builders, TAB_TITLES,
                                                                                          strict=False)]
        self.panels.append(_runs_tab(runs))
        self.widget = w.Tab(children=[getattr(p, "widget", p) for p in self.panels])
        for i, title in enumerate(TAB_TITLES):
            self.widget.set_title(i, title)
        self.widget.add_class("landkit-app")
        self.widget.observe(self._on_select, names="selected_index")

    def _on_select(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            return
        panel = self.panels[change["new"]]
        if hasattr(panel, "timings_s") and not panel.timings_s:
            panel.update()

    def _ipython_display_(self) -> None:
        display(self.widget)


def notebook_path() -> Path:
    """The Voilà notebook that shows :class:`App` (shipped inside the package)."""
    return Path(str(resources.files("landkit.app") / "app.ipynb"))


def serve(*, scenario: str | os.PathLike[str] | None = None, runs: str | os.PathLike[str] | None = None,
          port: int = 8866, open_browser: bool = False, time_limit_s: float = 10.0) -> int:
    """Serve the app with Voilà on 127.0.0.1:``port`` until stopped (Ctrl-C); returns Voilà's exit code.

    The scenario file and the runs folder are checked first: a bad one is refused before anything starts.
    """
    problems = []
    if scenario is not None:
        load_scenario(scenario)  # a bad scenario file raises its own collected problems here
    if runs is not None and not Path(runs).is_dir():
        problems.append(Problem(f"--runs {runs}", "is not a folder", "give the folder of run bundles, e.g. "
                                "out/demo/scenarios", "value"))
    if not time_limit_s > 0:
        problems.append(Problem(f"--time-limit {time_limit_s}", "is not a positive number of seconds", "e.g. 10",
                                "value"))
    if problems:
        raise ValidationError("landkit app", problems)
    env = {**os.environ, LIMIT_ENV: str(float(time_limit_s))}
    for key, value in ((SCENARIO_ENV, scenario), (RUNS_ENV, runs)):
        if value is not None:
            env[key] = str(Path(value).resolve())
    cmd = [sys.executable, "-m", "voila", str(notebook_path()), f"--port={int(port)}", "--Voila.ip=127.0.0.1",
           "--theme=light", "--VoilaConfiguration.show_tracebacks=False"]
    if not open_browser:
        cmd.append("--no-browser")
    print(f"landkit app: http://127.0.0.1:{int(port)}/ (Ctrl-C 停止 / to stop)", flush=True)
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except BaseException:  # Ctrl-C or a signal: Voilà shuts its kernels down on SIGTERM, then goes
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise


__all__ = ["LIMIT_ENV", "RUNS_ENV", "SCENARIO_ENV", "TAB_TITLES", "App", "app_town", "notebook_path", "serve"]
