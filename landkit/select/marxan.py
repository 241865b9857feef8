"""Read and write Marxan input folders, and read Marxan solutions for comparison.

A Marxan folder has ``input.dat`` (parameters, one ``KEY value`` per line) naming the tables in
``INPUTDIR``: ``pu.dat`` (``id, cost, status``), ``spec.dat`` (``id, prop | target, spf, name``),
``puvspr.dat`` (``species, pu, amount``) and optionally ``bound.dat`` (``id1, id2, boundary``; a row
with ``id1 == id2`` is the unit's exposed boundary). Tables may be tab, comma or space separated, with
Windows or Unix line endings; file names are matched without regard to case.

:func:`from_marxan` turns such a folder into a min-set :class:`~landkit.select.SelectionProblem` whose
objective is Marxan's own score, ``cost + BLM x boundary``, with the targets as hard constraints
(Marxan's species penalty factors are then unnecessary and are only kept in the metadata). Unit status
2 locks a unit in and 3 locks it out; status 1 (an initial include for the annealer) is ignored.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, NoReturn

import numpy as np
import pandas as pd

from landkit._errors import ArgumentError, LandkitError, Problem, ValidationError
from landkit.atomic import atomic_dir
from landkit.select._inputs import MinSet
from landkit.select.problem import SelectionProblem

#: Marxan keeps unit ids in a C ``int``: larger ids (18-digit 三调 BSM codes) or text ids are renumbered.
MARXAN_MAX_ID = 2**31 - 1
#: The lookup :func:`to_marxan` writes into ``INPUTDIR`` when it renumbers units: Marxan id → landkit id.
ID_LOOKUP = "pu_ids.csv"

#: Run parameters written into ``input.dat`` by :func:`to_marxan` (Marxan's usual defaults) so that the
#: folder can be run by Marxan as it is.
MARXAN_RUN_PARAMETERS: dict[str, str] = {
    "VERSION": "0.1", "PROP": "0.5", "RANDSEED": "-1", "NUMREPS": "10", "NUMITNS": "1000000",
    "STARTTEMP": "-1", "NUMTEMP": "10000", "COSTTHRESH": "0", "THRESHPEN1": "0", "THRESHPEN2": "0",
    "SCENNAME": "output", "SAVERUN": "3", "SAVEBEST": "3", "SAVESUMMARY": "3", "SAVESCEN": "3",
    "SAVETARGMET": "3", "SAVESUMSOLN": "3", "SAVEPENALTY": "3", "SAVELOG": "2", "SAVESOLUTIONSMATRIX": "3",
    "OUTPUTDIR": "output", "RUNMODE": "1", "MISSLEVEL": "1", "ITIMPTYPE": "0", "HEURTYPE": "-1",
    "CLUMPTYPE": "0", "VERBOSITY": "2",
}


#: ``input.dat`` keys landkit reads, and what it does with each.
USED_KEYS: dict[str, str] = {
    "BLM": "boundary length modifier", "INPUTDIR": "input folder", "PUNAME": "planning units",
    "SPECNAME": "features", "PUVSPRNAME": "amounts", "BOUNDNAME": "boundary",
    "MISSLEVEL": "noted: every target is met in full",
}
#: ``input.dat`` keys of Marxan's own search and output: an exact solve has no use for them.
SEARCH_KEYS: frozenset[str] = frozenset({
    "VERSION", "PROP", "RANDSEED", "NUMREPS", "NUMITNS", "STARTTEMP", "COOLFAC", "NUMTEMP", "COSTTHRESH",
    "THRESHPEN1", "THRESHPEN2", "SCENNAME", "SAVERUN", "SAVEBEST", "SAVESUMMARY", "SAVESCEN", "SAVETARGMET",
    "SAVESUMSOLN", "SAVEPENALTY", "SAVELOG", "SAVESNAPSTEPS", "SAVESNAPCHANGES", "SAVESNAPFREQUENCY",
    "SAVESOLUTIONSMATRIX", "SAVEANNEALINGTRACE", "ANNEALINGTRACEROWS", "SAVEITIMPTRACE", "ITIMPTRACEROWS",
    "SAVESPECIESDATA", "SAVESPEC", "SAVETOTALAREAS", "SAVESOLUTIONMATRIX", "OUTPUTDIR", "RUNMODE", "ITIMPTYPE",
    "HEURTYPE", "CLUMPTYPE", "VERBOSITY", "MATRIXSPORDERNAME", "BESTSCORE", "RIMPTYPE",
})


def _find(directory: Path, name: str) -> Path | None:
    """``directory / name``, matching the file name without regard to case; None when absent."""
    path = directory / name
    if path.is_file():
        return path
    parent = path.parent
    if not parent.is_dir():
        return None
    wanted = path.name.lower()
    for entry in sorted(parent.iterdir()):
        if entry.name.lower() == wanted and entry.is_file():
            return entry
    return None


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gbk", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LandkitError("latin-1 decodes any bytes")  # pragma: no cover


def read_input_dat(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parameters of a Marxan ``input.dat``: ``{KEY: value}`` with upper-case keys.

    Lines that do not start with an upper-case key (titles, comments, blank lines) are skipped.
    """
    params: dict[str, str] = {}
    for line in _decode(Path(path)).splitlines():
        parts = line.strip().split(None, 1)
        if parts and re.fullmatch(r"[A-Z][A-Z0-9_]*", parts[0]):
            value = parts[1].strip() if len(parts) > 1 else ""
            params[parts[0]] = value.replace("\\", "/") if parts[0].endswith(("NAME", "DIR")) else value
    return params


def read_marxan_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A Marxan table (tab, comma or space separated, any line endings) with lower-case column names."""
    path = Path(path)
    lines = [ln for ln in _decode(path).splitlines() if ln.strip()]
    if not lines:
        raise ValidationError(str(path), [Problem(str(path), "file is empty", "", "empty")])
    header = lines[0]
    if "\t" in header:
        sep = "\t"
    elif "," in header:
        sep = ","
    elif ";" in header:
        sep = ";"
    else:
        sep = r"\s+"
    try:
        table = pd.read_csv(io.StringIO("\n".join(lines)), sep=sep, skipinitialspace=True, dtype=str)
    except (pd.errors.ParserError, ValueError) as err:
        raise ValidationError(str(path), [Problem(str(path), f"cannot be read as a table: {err}", "",
                                                  "unreadable")]) from err
    table.columns = [str(c).strip().lower() for c in table.columns]
    return table.apply(lambda col: col.str.strip())


def _numbers(table: pd.DataFrame, column: str, path: Path, problems: list[Problem]) -> np.ndarray:
    values: np.ndarray = pd.to_numeric(table[column], errors="coerce").to_numpy(float)
    for k in np.flatnonzero(~np.isfinite(values))[:50]:
        problems.append(Problem(f"{path.name} line {k + 2}", f"{column} {table[column].iloc[k]!r} is not a number",
                                "fix the value", "bad_number"))
    return values


def _ids(table: pd.DataFrame, column: str, path: Path, problems: list[Problem]) -> np.ndarray:
    parsed = pd.to_numeric(table[column], errors="coerce")
    if parsed.notna().all() and pd.api.types.is_integer_dtype(parsed):
        exact: np.ndarray = parsed.to_numpy(np.int64)  # exact, however many digits (no detour through float)
        return exact
    values = _numbers(table, column, path, problems)
    ok = np.isfinite(values)
    if ok.all() and np.all(values == np.round(values)) and np.all(np.abs(values) < 2.0**53):
        return values.astype(np.int64)
    problems.append(Problem(f"{path.name} column {column}", "ids must be whole numbers", "", "bad_id"))
    given: np.ndarray = table[column].to_numpy()
    return given


def _require(table: pd.DataFrame, columns: tuple[str, ...], path: Path, problems: list[Problem]) -> bool:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        problems.append(Problem(path.name, f"missing column(s) {', '.join(missing)}",
                                f"columns are {list(table.columns)}", "missing_column"))
    return not missing


def _numeric_line(tokens: list[str]) -> bool:
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return bool(tokens)


def read_marxan_bound(path: Path, problems: list[Problem], notes: list[str]) -> pd.DataFrame:
    """A Marxan boundary file read as Marxan reads it: ``id1, id2, boundary`` by position.

    Marxan skips the first line when it is a header (whatever its column names: ``id1,id2,amount`` is
    common) and reads the first three values of every other line. A row with ``id1 == id2`` is a unit's
    exposed (fixed) boundary; repeated such rows add up. An edge listed again, in the same or the reverse
    direction, is kept once, with the first row's length, as Marxan's "Double connection definition"
    keeps it. What was done is added to ``notes``.
    """
    text = _decode(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        problems.append(Problem(path.name, "file is empty", "", "empty"))
        return pd.DataFrame(columns=["id1", "id2", "boundary"])
    first = lines[0]
    sep = "\t" if "\t" in first else "," if "," in first else ";" if ";" in first else None
    split = [[t.strip() for t in (ln.split(sep) if sep else ln.split())] for ln in lines]
    if _numeric_line(split[0]):
        notes.append(f"{path.name} has no header line: its first line is read as data, as Marxan does")
        header, rows = None, split
    else:
        header, rows = split[0], split[1:]
    if header is not None and [h.lower() for h in header[:3]] != ["id1", "id2", "boundary"]:
        notes.append(f"{path.name}: columns read by position as id1, id2, boundary (its header is "
                     f"{', '.join(header[:3])}), as Marxan reads them")
    short = [k for k, r in enumerate(rows) if len(r) < 3]
    for k in short[:20]:
        problems.append(Problem(f"{path.name} line {k + (2 if header else 1)}", "has fewer than 3 values",
                                "give id1, id2 and the boundary length", "bad_row"))
    rows = [r[:3] for r in rows if len(r) >= 3]
    table = pd.DataFrame(rows, columns=["id1", "id2", "boundary"], dtype=str)
    ids1 = _ids(table, "id1", path, problems)
    ids2 = _ids(table, "id2", path, problems)
    length = _numbers(table, "boundary", path, problems)
    frame = pd.DataFrame({"id1": ids1, "id2": ids2, "boundary": length})
    diagonal = frame[frame["id1"] == frame["id2"]]
    edges = frame[frame["id1"] != frame["id2"]]
    low = np.minimum(edges["id1"].to_numpy(), edges["id2"].to_numpy()) if len(edges) else np.array([])
    high = np.maximum(edges["id1"].to_numpy(), edges["id2"].to_numpy()) if len(edges) else np.array([])
    key = pd.DataFrame({"a": low, "b": high})
    again = key.duplicated().to_numpy() if len(edges) else np.zeros(0, dtype=bool)
    if again.any():
        reversed_ = int((again & (edges["id1"].to_numpy() > edges["id2"].to_numpy())).sum())
        notes.append(f"{path.name}: {int(again.sum())} rows list an edge again ({reversed_} in the reverse "
                     "direction); as Marxan does, each edge counts once, with its first row's length")
    fixed = diagonal.groupby("id1", sort=False)["boundary"].sum().reset_index()
    if len(fixed) < len(diagonal):
        notes.append(f"{path.name}: {len(diagonal) - len(fixed)} repeated exposed-boundary rows (id1 = id2) add up, "
                     "as in Marxan")
    fixed["id2"] = fixed["id1"]
    return pd.concat([edges[~again], fixed[["id1", "id2", "boundary"]]], ignore_index=True)


def _report_keys(params: Mapping[str, str], notes: list[str]) -> None:
    """Say which ``input.dat`` keys landkit ignores (Marxan's search settings, and any it does not know)."""
    search = sorted(k for k in params if k in SEARCH_KEYS)
    other = sorted(k for k in params if k not in SEARCH_KEYS and k not in USED_KEYS)
    if search:
        notes.append(f"input.dat: {len(search)} settings of Marxan's annealing and output are not used by the exact "
                     f"solve ({', '.join(search[:12])}{' ...' if len(search) > 12 else ''})")
    if other:
        notes.append(f"input.dat: keys not used by landkit: {', '.join(other)} (they do not change the problem "
                     "landkit solves; check that you do not rely on them)")


def _project(folder: Path) -> tuple[Path | None, dict[str, str], Path]:
    """A Marxan project: its ``input.dat`` (if any), the parameters and the ``INPUTDIR`` in use.

    ``folder`` may also be the ``input.dat`` file itself; without an ``INPUTDIR`` folder the tables are
    looked for in the project folder.
    """
    if folder.is_file():
        input_dat: Path | None = folder
        base = folder.parent
    else:
        base = folder
        input_dat = _find(folder, "input.dat")
    if input_dat is None and not base.is_dir():
        raise ValidationError(str(folder), [Problem(str(folder), "folder not found", "", "missing_file")])
    params = read_input_dat(input_dat) if input_dat else {}
    inputdir = base / params.get("INPUTDIR", "input")
    return input_dat, params, inputdir if inputdir.is_dir() else base


def from_marxan(folder: str | os.PathLike[str]) -> SelectionProblem:
    """Read a Marxan input folder as a min-set :class:`~landkit.select.SelectionProblem`.

    Parameters
    ----------
    folder : path
        The folder holding ``input.dat`` (or the ``input.dat`` file itself). Without an
        ``input.dat``, the default table names are looked for in ``folder/input`` and ``folder``, with
        BLM 0.

    Returns
    -------
    SelectionProblem
        Units indexed by Marxan id (``cost``, ``status`` and any other ``pu.dat`` columns), features
        labelled by ``spec.dat`` ``name`` when every feature has a distinct one (else by id), the
        ``BLM`` of ``input.dat``, status 2 locked in and 3 locked out. A feature with both ``prop``
        and ``target`` gets the larger requirement. Everything Marxan would treat differently is listed
        in :attr:`~landkit.select.SelectionProblem.notes`; defects in the data are reported by
        :meth:`~landkit.select.SelectionProblem.check`.

    Raises
    ------
    ValidationError
        When a required file or column is missing or a table cannot be read.
    """
    proj = _open_project(Path(folder))
    tables = _read_tables(proj)
    units, status = _read_units(proj, tables["PUNAME"])
    labels, spec_ids = _feature_labels(proj, tables["SPECNAME"])
    long = _read_amounts(proj, tables["PUVSPRNAME"], spec_ids, labels)
    absent = labels.difference(pd.Index(long["feature"].unique()))
    boundary = _read_boundary(proj)
    blm = _read_settings(proj, boundary)
    spec = tables["SPECNAME"].frame
    targets, relative = _targets(proj, spec, labels, long)
    occurrence = _occurrence(spec, labels)
    for column, what in _IGNORED_SPEC_COLUMNS.items():
        if column in spec.columns and pd.to_numeric(spec[column], errors="coerce").fillna(0).any():
            proj.notes.append(f"{what} are not modelled and were ignored")
    metadata = {"marxan_input": proj.params, "marxan_folder": str(proj.folder)}
    if "spf" in spec.columns:
        metadata["marxan_spf"] = pd.Series(pd.to_numeric(spec["spf"], errors="coerce").to_numpy(), index=labels)
    if len(absent):
        proj.notes.append(f"{len(absent)} features have no amounts in puvspr.dat: {list(absent[:10])}")
    _restore_ids(proj, units, long, boundary)

    problem = SelectionProblem(
        units, long, cost="cost", boundary=boundary, blm=blm, feature_names=labels,
        locked_in=units.index[status == 2], locked_out=units.index[status == 3], notes=proj.notes, metadata=metadata,
    )
    problem = problem._replace(_data_problems=(*problem._data_problems, *proj.problems))
    return problem.with_min_set(targets, relative=relative, occurrence=occurrence)


#: The tables of a Marxan project that landkit reads: ``input.dat`` key -> (default file name, required columns).
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "PUNAME": ("pu.dat", ("id",)),
    "SPECNAME": ("spec.dat", ("id",)),
    "PUVSPRNAME": ("puvspr.dat", ("species", "pu", "amount")),
}
#: ``spec.dat`` columns of targets landkit does not model: column -> what they are.
_IGNORED_SPEC_COLUMNS: dict[str, str] = {"target2": "clump size targets (target2)",
                                         "sepnum": "separation targets (sepnum)"}
#: The planning-unit statuses Marxan knows (0 free, 1 initial include, 2 locked in, 3 locked out).
_STATUSES = (0, 1, 2, 3)


@dataclass
class _Reading:
    """A Marxan project being read: where it is, its parameters, and the problems and notes found so far."""

    folder: Path
    input_dat: Path | None
    params: dict[str, str]
    inputdir: Path
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self) -> NoReturn:
        """Raise the problems found so far."""
        raise ValidationError(str(self.folder), self.problems)


class _Table(NamedTuple):
    """A table read from the project, and the file it came from."""

    frame: pd.DataFrame
    path: Path


def _open_project(folder: Path) -> _Reading:
    """The project's ``input.dat``, parameters and ``INPUTDIR`` (:func:`_project`)."""
    input_dat, params, inputdir = _project(folder)
    reading = _Reading(folder, input_dat, params, inputdir)
    if input_dat is None:
        reading.notes.append("no input.dat: default file names and BLM 0 used")
    return reading


def _read_tables(proj: _Reading) -> dict[str, _Table]:
    """The tables of :data:`_TABLES`: every file found, then every table with its required columns."""
    paths: dict[str, Path] = {}
    for key, (default, _) in _TABLES.items():
        name = proj.params.get(key, default)
        found = _find(proj.inputdir, name)
        if found is None:
            proj.problems.append(Problem(str(proj.inputdir / name), f"{key} file not found",
                                         "check input.dat and INPUTDIR", "missing_file"))
        else:
            paths[key] = found
    if proj.problems:
        proj.fail()
    tables = {key: _Table(read_marxan_table(path), path) for key, path in paths.items()}
    ok = True
    for key, (_, required) in _TABLES.items():
        ok &= _require(tables[key].frame, required, tables[key].path, proj.problems)
    if not ok:
        proj.fail()
    return tables


def _read_units(proj: _Reading, pu: _Table) -> tuple[pd.DataFrame, np.ndarray]:
    """The planning units (indexed by Marxan id, ``cost`` numeric) and their status."""
    table, path = pu
    pu_ids = _ids(table, "id", path, proj.problems)
    units = pd.DataFrame({c: _numeric_if_possible(table[c]) for c in table.columns if c != "id"})
    units.index = pd.Index(pu_ids, name="id")
    if "cost" not in units.columns:
        units["cost"] = 1.0
        proj.notes.append("pu.dat has no cost column: every unit costs 1")
    units["cost"] = pd.to_numeric(units["cost"], errors="coerce")
    status: np.ndarray = (pd.to_numeric(table["status"], errors="coerce").to_numpy(float)
                          if "status" in table.columns else np.zeros(len(table)))
    for k in np.flatnonzero(~np.isin(status, _STATUSES))[:50]:
        proj.problems.append(Problem(f"{path.name} unit {pu_ids[k]!r}", f"status {table['status'].iloc[k]!r} is not "
                                     "0, 1, 2 or 3", "use 2 to lock in and 3 to lock out", "bad_status"))
    if (status == 1).any():
        proj.notes.append(f"{int((status == 1).sum())} units with status 1 (initial include) are free to choose: "
                          "the exact solver needs no starting selection")
    return units, status


def _feature_labels(proj: _Reading, spec: _Table) -> tuple[pd.Index, np.ndarray]:
    """Feature labels (``name`` when every feature has a distinct one, else the id) and the feature ids."""
    table, path = spec
    spec_ids = _ids(table, "id", path, proj.problems)
    names = table["name"].fillna("").astype(str).to_numpy() if "name" in table.columns else None
    if names is not None and all(names) and len(set(names)) == len(names):
        labels = pd.Index(names, name="feature")
    else:
        labels = pd.Index(spec_ids, name="feature")
        if names is not None:
            proj.notes.append("spec.dat names are missing or repeated: features are labelled by id")
    if pd.Index(spec_ids).has_duplicates:
        repeated = pd.Index(spec_ids)[pd.Index(spec_ids).duplicated()].unique()
        proj.problems.append(Problem(path.name, f"feature ids repeated: {list(repeated[:10])}",
                                     "give each feature one row", "duplicate_id"))
        proj.fail()
    return labels, spec_ids


def _read_amounts(proj: _Reading, puvspr: _Table, spec_ids: np.ndarray, labels: pd.Index) -> pd.DataFrame:
    """The amounts in long form (``unit``, ``feature``, ``amount``), rows of species not in spec.dat left out."""
    table, path = puvspr
    sp_ids = _ids(table, "species", path, proj.problems)
    sp_pu = _ids(table, "pu", path, proj.problems)
    amount = _numbers(table, "amount", path, proj.problems)
    pos = pd.Index(spec_ids).get_indexer(sp_ids)
    unknown = pos < 0
    if unknown.any():
        proj.notes.append(f"puvspr.dat: {int(unknown.sum())} rows of {len(pd.unique(sp_ids[unknown]))} species not "
                          "in spec.dat were left out (they have no target)")
    return pd.DataFrame({"unit": sp_pu[~unknown], "feature": labels[pos[~unknown]], "amount": amount[~unknown]})


def _read_boundary(proj: _Reading) -> pd.DataFrame | None:
    """The boundary: the file named by ``BOUNDNAME``, or ``bound.dat`` when there is no ``input.dat``."""
    bound_name = proj.params.get("BOUNDNAME") or ("bound.dat" if proj.input_dat is None else "")
    if not bound_name:
        return None
    bound_path = _find(proj.inputdir, bound_name)
    if bound_path is None:
        if proj.input_dat is not None:
            proj.notes.append(f"bound file {bound_name!r} named in input.dat was not found: no boundary")
        return None
    return read_marxan_bound(bound_path, proj.problems, proj.notes)


def _read_settings(proj: _Reading, boundary: pd.DataFrame | None) -> float:
    """The BLM; notes on the ``input.dat`` keys not used and on ``MISSLEVEL``."""
    blm = float(proj.params.get("BLM", "0") or 0)
    if blm and boundary is None:
        proj.notes.append(f"BLM {blm:g} has no effect: there is no boundary file")
    _report_keys(proj.params, proj.notes)
    missing_levels = float(proj.params.get("MISSLEVEL", "1") or 1)
    if missing_levels != 1:
        proj.notes.append(f"MISSLEVEL {missing_levels:g} ignored: every target is met in full")
    return blm


def _spec_column(spec: pd.DataFrame, column: str) -> np.ndarray | None:
    """A numeric ``spec.dat`` column (missing values 0), None when the column is absent."""
    if column not in spec.columns:
        return None
    values: np.ndarray = pd.to_numeric(spec[column], errors="coerce").fillna(0.0).to_numpy()
    return values


def _targets(proj: _Reading, spec: pd.DataFrame, labels: pd.Index, long: pd.DataFrame) -> tuple[pd.Series, bool]:
    """The targets and whether they are relative: ``prop`` alone, else absolute (the larger of ``target`` and
    ``prop`` x the feature's total)."""
    total = long.groupby("feature", sort=False)["amount"].sum().reindex(labels).fillna(0.0).to_numpy()
    prop, target = _spec_column(spec, "prop"), _spec_column(spec, "target")
    if prop is not None and (target is None or not target.any()):
        return pd.Series(prop, index=labels), True
    absolute = target if target is not None else np.zeros(len(labels))
    if prop is not None:
        from_prop = prop * total
        both = (prop > 0) & (absolute > 0)
        if both.any():
            larger = ["prop" if a < b else "target" for a, b in zip(absolute[both], from_prop[both], strict=True)]
            proj.notes.append("features with both prop and target take the larger requirement: " + ", ".join(
                f"{f} ({w})" for f, w in zip(labels[both], larger, strict=True)))
        absolute = np.maximum(absolute, from_prop)
    return pd.Series(absolute, index=labels), False


def _occurrence(spec: pd.DataFrame, labels: pd.Index) -> pd.Series | None:
    """The occurrence targets (``targetocc``), None when there are none."""
    occ = _spec_column(spec, "targetocc")
    return pd.Series(occ, index=labels) if occ is not None and occ.any() else None


def _restore_ids(proj: _Reading, units: pd.DataFrame, long: pd.DataFrame, boundary: pd.DataFrame | None) -> None:
    """Give the units their own ids again (in place) when ``INPUTDIR`` holds the lookup :func:`to_marxan` wrote."""
    lookup_path = _find(proj.inputdir, ID_LOOKUP)
    lookup = _read_lookup(lookup_path, proj.problems) if lookup_path is not None else None
    if lookup is None or lookup_path is None:
        return
    missing = pd.Index(units.index).difference(lookup.index)
    if len(missing):
        proj.problems.append(Problem(lookup_path.name, f"{len(missing)} units of pu.dat are not in it, e.g. "
                                     f"{list(missing[:5])}", f"delete {ID_LOOKUP} to keep Marxan's ids", "bad_id"))
        return

    def restore(ids: np.ndarray) -> np.ndarray:
        own: np.ndarray = lookup.reindex(ids).to_numpy()
        return own

    units.index = pd.Index(restore(units.index.to_numpy()), name="id")
    long["unit"] = restore(long["unit"].to_numpy())
    if boundary is not None:
        boundary["id1"], boundary["id2"] = restore(boundary["id1"].to_numpy()), restore(boundary["id2"].to_numpy())
    proj.notes.append(f"unit ids restored from {lookup_path.name} (Marxan's ids are 1..n)")


def _numeric_if_possible(column: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers if numbers.notna().sum() == column.notna().sum() else column


def _integer_like(index: pd.Index) -> bool:
    if pd.api.types.is_integer_dtype(index):
        return True
    values = pd.to_numeric(pd.Series(index), errors="coerce")
    return bool(values.notna().all() and (values == values.round()).all())


def _marxan_unit_ids(ids: pd.Index) -> tuple[np.ndarray, pd.DataFrame | None]:
    """Marxan ids for ``ids``: the ids themselves when Marxan can hold them, else 1..n and a lookup table."""
    numbers = pd.to_numeric(pd.Series(ids), errors="coerce")
    if numbers.notna().all() and (numbers == numbers.round()).all() and numbers.between(0, MARXAN_MAX_ID).all():
        return numbers.to_numpy(np.int64), None
    marxan = np.arange(1, len(ids) + 1, dtype=np.int64)
    column = "landkit_int_id" if pd.api.types.is_integer_dtype(ids) else "landkit_id"
    return marxan, pd.DataFrame({"id": marxan, column: np.asarray(ids)})


def _read_lookup(path: Path, problems: list[Problem]) -> pd.Series | None:
    """Marxan id → landkit id from ``pu_ids.csv`` (written by :func:`to_marxan`); None when unreadable."""
    table = read_marxan_table(path)
    column = "landkit_int_id" if "landkit_int_id" in table.columns else "landkit_id"
    found = len(problems)
    if not _require(table, ("id", column), path, problems):
        return None
    marxan = _ids(table, "id", path, problems)
    original = _ids(table, column, path, problems) if column == "landkit_int_id" else table[column].astype("string")
    return None if len(problems) > found else pd.Series(np.asarray(original), index=marxan)


def to_marxan(
    problem: SelectionProblem,
    folder: str | os.PathLike[str],
    *,
    spf: float | Mapping[Hashable, float] | None = None,
    overwrite: bool = False,
    parameters: Mapping[str, str] | None = None,
) -> Path:
    """Write ``problem`` as a Marxan input folder (``input.dat`` and ``input/*.dat``, tab separated).

    Parameters
    ----------
    problem : SelectionProblem
        A min-set problem (or one without an objective: targets 0). Whole-number unit ids that fit
        Marxan's C ``int`` (up to :data:`MARXAN_MAX_ID`) are kept; otherwise (18-digit 三调 BSM codes,
        text) the units are numbered 1..n in order and ``INPUTDIR/pu_ids.csv`` maps each Marxan id back
        to the unit's id, which :func:`from_marxan` and :func:`read_marxan_solution` restore.
        Features with whole-number labels keep them as ids; others are numbered 1..F with the label
        in ``name``. Relative targets are written as ``prop``, absolute as ``target``. The cost
        written is the combined cost.
    folder : path
        The folder to create. It is written under a temporary name and moved into place.
    spf : float or Mapping[feature, float], optional
        Species penalty factors for Marxan's annealer (not used by landkit). Default: those read by
        :func:`from_marxan`, else 1; calibrate them before running Marxan.
    overwrite : bool, default False
        Replace an existing folder.
    parameters : Mapping[str, str], optional
        Extra or replacement ``input.dat`` parameters (e.g. ``{"NUMITNS": "10000000"}``).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    if problem.objective_kind == "max_utility":
        problems.append(Problem("objective", "Marxan solves minimum-set problems only", "use with_min_set", "marxan"))
    if folder.exists() and not overwrite:
        problems.append(Problem(str(folder), "already exists", "pass overwrite=True or choose another folder",
                                "exists"))
    if problems:
        raise ValidationError("to_marxan", problems)

    labels = problem.feature_names
    named = not _integer_like(labels)
    feature_ids = np.arange(1, len(labels) + 1) if named else pd.to_numeric(pd.Series(labels)).astype(np.int64)
    feature_ids = np.asarray(feature_ids, dtype=np.int64)
    unit_ids, lookup = _marxan_unit_ids(problem.unit_ids)

    status = np.zeros(len(unit_ids), dtype=np.int64)
    if "status" in problem.units.columns:
        status[pd.to_numeric(problem.units["status"], errors="coerce").to_numpy() == 1] = 1
    status[problem._lock_in] = 2
    status[problem._lock_out] = 3
    pu = pd.DataFrame({"id": unit_ids, "cost": problem.cost.to_numpy(), "status": status})
    for extra in ("xloc", "yloc"):
        if extra in problem.units.columns:
            pu[extra] = problem.units[extra].to_numpy()

    spec = pd.DataFrame({"id": feature_ids})
    obj = problem._objective
    if isinstance(obj, MinSet) and obj.relative:
        spec["prop"] = obj.targets.reindex(labels).fillna(0.0).to_numpy()
    else:
        spec["target"] = problem.targets.reindex(labels).fillna(0.0).to_numpy() if obj is not None else 0.0
    occ = problem.occurrence_targets
    if len(occ) and occ.any():
        spec["targetocc"] = occ.reindex(labels).fillna(0.0).to_numpy()
    if spf is None:
        spf = problem._metadata.get("marxan_spf", 1.0)
    spf_values = (pd.Series(spf, dtype=float).reindex(labels).fillna(1.0).to_numpy()
                  if isinstance(spf, Mapping | pd.Series) else np.full(len(labels), float(spf)))
    spec["spf"] = spf_values
    if named:
        spec["name"] = [str(v) for v in labels]

    feats = problem.features
    puvspr = pd.DataFrame({
        "species": feature_ids[labels.get_indexer(feats["feature"])],
        "pu": unit_ids[problem.unit_ids.get_indexer(feats["unit"])],
        "amount": feats["amount"].to_numpy(),
    }).sort_values(["pu", "species"], kind="stable")

    params = {"BLM": repr(problem.blm), "INPUTDIR": "input", "PUNAME": "pu.dat", "SPECNAME": "spec.dat",
              "PUVSPRNAME": "puvspr.dat"}
    bound = None
    if problem.has_boundary:
        b = problem.boundary
        bound = pd.DataFrame({
            "id1": unit_ids[problem.unit_ids.get_indexer(b["id1"])],
            "id2": unit_ids[problem.unit_ids.get_indexer(b["id2"])],
            "boundary": b["boundary"].to_numpy(),
        })
        params["BOUNDNAME"] = "bound.dat"
    params.update(MARXAN_RUN_PARAMETERS)
    params.update({k.upper(): str(v) for k, v in (parameters or {}).items()})

    with atomic_dir(folder, kind="Marxan project", force=overwrite) as tmp:
        (tmp / "input").mkdir()
        (tmp / "output").mkdir()
        lines = ["Input file for Marxan, written by landkit.select.to_marxan", ""]
        if lookup is not None:
            lines += [f"unit ids renumbered 1..n for Marxan; landkit ids in {params['INPUTDIR']}/{ID_LOOKUP}", ""]
            lookup.to_csv(tmp / "input" / ID_LOOKUP, index=False)
        lines += [f"{k} {v}" for k, v in params.items()]
        (tmp / "input.dat").write_text("\n".join(lines) + "\n", encoding="utf-8")
        pu.to_csv(tmp / "input" / "pu.dat", sep="\t", index=False)
        spec.to_csv(tmp / "input" / "spec.dat", sep="\t", index=False)
        puvspr.to_csv(tmp / "input" / "puvspr.dat", sep="\t", index=False)
        if bound is not None:
            bound.to_csv(tmp / "input" / "bound.dat", sep="\t", index=False)
    return folder


def read_marxan_solution(path: str | os.PathLike[str], *, run: int | None = None,
                         folder: str | os.PathLike[str] | None = None) -> pd.Index:
    """The units selected in a Marxan solution file.

    Parameters
    ----------
    path : path
        A single solution (``output_best``, ``output_r00001``: columns ``planning_unit, solution`` or
        ``PUID, SOLUTION``) or a solutions matrix (``output_solutionsmatrix``: one row ``S1, S2 ...`` per
        run, columns ``P<id>``).
    run : int, optional
        The run (1-based) to take from a solutions matrix; required for one.
    folder : path, optional
        The Marxan project folder (holding ``input.dat``). When its ``INPUTDIR`` has the ``pu_ids.csv``
        that :func:`to_marxan` writes on renumbering, Marxan's ids are turned back into the units' own
        ids. Default: the folder two levels above ``path`` when it holds an ``input.dat`` (Marxan's
        usual ``project/output/output_best.csv`` layout).

    Returns
    -------
    pandas.Index
        Ids of the selected units, to pass to :func:`~landkit.select.evaluate_selection`.
    """
    path = Path(path)
    project = Path(folder) if folder is not None else path.resolve().parent.parent
    lookup_path = None
    if folder is not None or _find(project, "input.dat") is not None:
        lookup_path = _find(_project(project)[2], ID_LOOKUP)
    selected = _solution_ids(path, run)
    if lookup_path is None:
        return selected
    problems: list[Problem] = []
    lookup = _read_lookup(lookup_path, problems)
    unknown = selected if lookup is None else selected.difference(lookup.index)
    if lookup is not None and len(unknown):
        problems.append(Problem(lookup_path.name, f"Marxan ids {list(unknown[:5])} of {path.name} are not in it",
                                "pass folder= the project the solution came from", "bad_id"))
    if lookup is None or problems:
        raise ValidationError(str(path), problems)
    return pd.Index(lookup.reindex(selected).to_numpy(), name="id")


def _solution_ids(path: Path, run: int | None) -> pd.Index:
    """Marxan ids selected in a solution file or one run of a solutions matrix."""
    table = read_marxan_table(path)
    first = table.columns[0]
    if first == "solutionsmatrix":
        runs = list(table[first])
        if run is None:
            raise ArgumentError(f"{path.name} is a solutions matrix: pass run= one of 1..{len(runs)}")
        row = table[table[first].str.lower() == f"s{run}"]
        if row.empty:
            raise ArgumentError(f"{path.name}: no run {run} (runs are {runs[:10]}...)")
        ids = [int(c.lstrip("p")) for c in table.columns[1:]]
        values = pd.to_numeric(row.iloc[0, 1:], errors="coerce").to_numpy()
        return pd.Index(np.asarray(ids)[values > 0.5], name="id")
    if table.shape[1] < 2:
        raise ValidationError(str(path), [Problem(str(path), "expected two columns: unit id and solution", "",
                                                  "missing_column")])
    ids = pd.to_numeric(table.iloc[:, 0], errors="coerce")
    values = pd.to_numeric(table.iloc[:, 1], errors="coerce")
    chosen = ids[values > 0.5]
    return pd.Index(chosen.astype(np.int64).to_numpy(), name="id")


__all__ = ["from_marxan", "read_input_dat", "read_marxan_solution", "read_marxan_table", "to_marxan"]
