"""Packaging invariants: environment.yml and pyproject.toml list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"pyyaml": "pyyaml"}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", spec)  # extras such as [binary] are pip's
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def test_environment_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pypi = dict(_split(s) for s in project["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = dict(
        _split(s) for s in env["dependencies"] if isinstance(s, str) and _split(s)[0] not in ("python", "pip")
    )
    conda = {CONDA_TO_PYPI.get(k, k): v for k, v in conda.items()}
    assert conda == pypi, (
        f"only in pyproject: {sorted(set(pypi.items()) - set(conda.items()))}; "
        f"only in environment.yml: {sorted(set(conda.items()) - set(pypi.items()))}"
    )


def test_lower_bounds_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in project["dependencies"]:
        assert ">=" in spec, f"{spec}: pin a lower bound"


def test_required_dependencies_present() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {_split(s)[0] for s in project["dependencies"]}
    required = {"linopy", "highspy", "pulp", "geopandas", "pyogrio", "shapely", "pyproj", "rasterio",
                "scikit-image", "matplotlib", "ipywidgets", "jupyterlab"}
    assert required <= names, sorted(required - names)
