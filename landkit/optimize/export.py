"""Write a model to MPS or LP for audit, atomically."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import quote

import linopy
import numpy as np

from landkit._errors import Problem, ValidationError
from landkit.optimize._highs import write_with_highs
from landkit.optimize._problem import from_linopy

_SUFFIXES = (".mps", ".lp")


def export_model(model: linopy.Model, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` to ``path`` as MPS (``.mps``) or CPLEX LP (``.lp``), chosen by suffix.

    Columns and rows carry readable names, ``name(coord1,coord2)`` (e.g. ``buy(P0012,2020)``),
    with characters other than letters, digits, ``_().,#`` replaced by ``_``. MPS keeps Chinese
    names as UTF-8; in LP files (whose HiGHS writer takes ASCII only) non-ASCII characters are
    percent-encoded (``地块`` → ``%E5%9C%B0%E5%9D%97``; ``urllib.parse.unquote`` reverses it). The file is
    written to a temporary name in the same folder and moved into place, so a failed export
    never leaves a half-written file. HiGHS writes it (``highspy.Highs.writeModel``) and
    reads it back with ``readModel``.

    Parameters
    ----------
    model : linopy.Model
        The model.
    path : path-like
        Target file; its suffix picks the format.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ValidationError
        If the suffix is neither ``.mps`` nor ``.lp``, or the model cannot be exported.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValidationError(
            "export_model", [Problem(str(target), f"suffix {target.suffix!r} is not .mps or .lp", "rename it")]
        )
    problem = from_linopy(model, names=True)
    if suffix == ".lp":
        # HiGHS's LP writer accepts ASCII names only: percent-encode the rest (reversible with
        # urllib.parse.unquote), so 地块 becomes %E5%9C%B0%E5%9D%97
        problem.col_names = _percent_encode(problem.col_names)
        problem.row_names = _percent_encode(problem.row_names)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{suffix}")
    try:
        write_with_highs(problem, tmp, names=True)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def _percent_encode(names: np.ndarray | None) -> np.ndarray | None:
    if names is None:
        return None
    return np.array([quote(str(n), safe="()_.,#") for n in names], dtype=str)
