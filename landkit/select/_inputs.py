"""Reading the inputs of a selection problem into sparse arrays, collecting every defect on the way."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from landkit._errors import Problem

#: Column names accepted for the boundary length in a boundary table (the first one present is used).
BOUNDARY_COLUMNS = ("boundary", "boundary_m", "length", "length_m", "shared_length_m")


def where(kind: str, label: Hashable) -> str:
    """``'unit 12'``-style location of a problem."""
    return f"{kind} {label!r}"


def readonly(a: np.ndarray) -> np.ndarray:
    """A contiguous read-only view (the problem's arrays are shared between copies)."""
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class MinSet:
    targets: pd.Series  # as given: absolute amounts or shares of the total (``relative``)
    relative: bool
    occurrence: pd.Series  # minimum number of selected units holding the feature (may be empty)


@dataclass(frozen=True)
class MaxUtility:
    budget: float
    weights: pd.Series  # feature -> weight (every feature)


class Features(NamedTuple):
    index: pd.Index  # the features, named "feature"
    unit: np.ndarray  # unit position of each non-zero amount
    feature: np.ndarray  # feature position of each non-zero amount
    amount: np.ndarray


class Boundary(NamedTuple):
    exposed: np.ndarray  # per unit
    i: np.ndarray  # unit positions of the shared edges, i < j
    j: np.ndarray
    length: np.ndarray


class Cost(NamedTuple):
    weights: dict[str, float]
    layers: dict[str, np.ndarray]
    total: np.ndarray
    problems: tuple[Problem, ...]


class Locks(NamedTuple):
    locked_in: np.ndarray  # mask over units
    locked_out: np.ndarray
    given_in: pd.Index  # ids as given (kept so that further locks can be added)
    given_out: pd.Index
    problems: tuple[Problem, ...]


def read_features(
    uid: pd.Index, features: pd.DataFrame, feature_names: Iterable[Hashable] | None
) -> tuple[Features, list[Problem], list[str]]:
    """Feature amounts as sparse (unit, feature, amount) arrays, duplicates added up, zeros dropped."""
    problems: list[Problem] = []
    notes: list[str] = []
    long = {"unit", "feature", "amount"} <= set(map(str, features.columns))
    if long:
        unit_ids = features["unit"].to_numpy()
        labels = pd.Index(features["feature"])
        amount = pd.to_numeric(features["amount"], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(amount)
        for k in np.flatnonzero(bad)[:200]:
            problems.append(Problem(
                f"features row {k} (unit {unit_ids[k]!r}, feature {labels[k]!r})",
                f"amount {features['amount'].iloc[k]!r} is not a finite number", "give a number", "bad_amount",
            ))
        order = pd.Index(pd.unique(labels))
    else:
        columns = pd.Index(features.columns)
        values = features.apply(pd.to_numeric, errors="coerce").to_numpy(float)
        given = features.notna().to_numpy()
        for r, c in zip(*np.nonzero(given & ~np.isfinite(values)), strict=True):
            problems.append(Problem(
                f"features unit {features.index[r]!r}, feature {columns[c]!r}",
                f"amount {features.iat[r, c]!r} is not a finite number", "give a number", "bad_amount",
            ))
        values = np.where(np.isfinite(values), values, 0.0)
        r, c = np.nonzero(values)
        amount = values[r, c]
        unit_ids = features.index.to_numpy()[r]
        labels = columns[c]
        bad = np.zeros(len(amount), dtype=bool)
        order = columns
    feature_index = pd.Index(list(feature_names) if feature_names is not None else order, name="feature")
    if feature_index.has_duplicates:
        for f in feature_index[feature_index.duplicated()].unique():
            problems.append(Problem(where("feature", f), "feature named twice", "rename one", "duplicate_id"))
        feature_index = feature_index[~feature_index.duplicated()]
    feat_pos = feature_index.get_indexer(labels) if len(labels) else np.zeros(0, dtype=np.intp)
    for f in pd.unique(np.asarray(labels[feat_pos < 0], dtype=object)):
        problems.append(Problem(where("feature", f), "has amounts but is not in feature_names",
                                "add it to feature_names or drop its amounts", "unknown_feature"))
    bad = bad | (feat_pos < 0)
    unit_pos = uid.get_indexer(unit_ids) if len(unit_ids) else np.zeros(0, dtype=np.intp)
    unknown = unit_pos < 0
    for u in pd.unique(unit_ids[unknown])[:200]:
        problems.append(Problem(where("unit", u), "appears in features but not in units",
                                "add the unit or drop its feature rows", "unknown_id"))
    neg = (amount < 0) & ~unknown & (feat_pos >= 0)
    for k in np.flatnonzero(neg)[:200]:
        problems.append(Problem(
            f"features unit {unit_ids[k]!r}, feature {feature_index[feat_pos[k]]!r}",
            f"negative amount {amount[k]:g}", "amounts must be zero or more", "negative_amount",
        ))
    keep = ~unknown & ~bad & (amount != 0)
    unit_pos, feat_pos, amount = unit_pos[keep], feat_pos[keep], amount[keep]
    nf = len(feature_index)
    key = unit_pos.astype(np.int64) * max(nf, 1) + feat_pos
    uniq, inverse = np.unique(key, return_inverse=True)
    if len(uniq) < len(key):
        notes.append(f"features: {len(key) - len(uniq)} repeated unit/feature rows were added up")
        amount = np.bincount(inverse, weights=amount, minlength=len(uniq))
        unit_pos, feat_pos = np.divmod(uniq, max(nf, 1))
    else:
        by_key = np.argsort(key, kind="stable")
        unit_pos, feat_pos, amount = unit_pos[by_key], feat_pos[by_key], amount[by_key]
    data = Features(feature_index, readonly(unit_pos.astype(np.intp)), readonly(feat_pos.astype(np.intp)),
                    readonly(amount.astype(float)))
    return data, problems, notes

def read_boundary(uid: pd.Index, boundary: pd.DataFrame | None) -> tuple[Boundary, list[Problem], list[str]]:
    """Exposed boundary per unit and shared edges (i < j, each pair once, duplicates added up)."""
    problems: list[Problem] = []
    notes: list[str] = []
    n = len(uid)
    empty = Boundary(readonly(np.zeros(n)), readonly(np.zeros(0, dtype=np.intp)),
                     readonly(np.zeros(0, dtype=np.intp)), readonly(np.zeros(0)))
    if boundary is None:
        return empty, problems, notes
    col = next((c for c in BOUNDARY_COLUMNS if c in boundary.columns), None)
    missing = [c for c in ("id1", "id2") if c not in boundary.columns]
    if col is None or missing:
        need = [*missing, *([] if col else ["/".join(BOUNDARY_COLUMNS)])]
        problems.append(Problem("boundary", f"missing column(s) {', '.join(need)}",
                                f"columns are {list(boundary.columns)}", "missing_column"))
        return empty, problems, notes
    id1, id2 = boundary["id1"].to_numpy(), boundary["id2"].to_numpy()
    length = pd.to_numeric(boundary[col], errors="coerce").to_numpy(float)
    i, j = uid.get_indexer(id1), uid.get_indexer(id2)
    unknown = (i < 0) | (j < 0)
    for u in pd.unique(np.concatenate([id1[i < 0], id2[j < 0]]))[:200]:
        problems.append(Problem(where("unit", u), "appears in boundary but not in units",
                                "add the unit or drop its boundary rows", "unknown_id"))
    bad = ~np.isfinite(length)
    for k in np.flatnonzero(bad)[:200]:
        problems.append(Problem(f"boundary row {k} ({id1[k]!r}, {id2[k]!r})",
                                f"length {boundary[col].iloc[k]!r} is not a finite number",
                                "give a number", "bad_boundary"))
    ok = ~unknown & ~bad
    i, j, length = i[ok], j[ok], length[ok]
    diag = i == j
    exposed = np.bincount(i[diag], weights=length[diag], minlength=n)
    a, b, length = np.minimum(i[~diag], j[~diag]), np.maximum(i[~diag], j[~diag]), length[~diag]
    key = a.astype(np.int64) * n + b
    uniq, inverse = np.unique(key, return_inverse=True)
    if len(uniq) < len(key):
        notes.append(f"boundary: {len(key) - len(uniq)} pairs listed more than once were added up")
    summed = np.bincount(inverse, weights=length, minlength=len(uniq))
    a, b = np.divmod(uniq, n) if n else (uniq, uniq)
    nz = summed != 0
    data = Boundary(readonly(exposed), readonly(a[nz].astype(np.intp)), readonly(b[nz].astype(np.intp)),
                    readonly(summed[nz]))
    return data, problems, notes

def read_cost(units: pd.DataFrame, uid: pd.Index, cost: str | Mapping[str, float]) -> Cost:
    """The weighted sum of the cost layers, each layer, and the problems found."""
    weights = {cost: 1.0} if isinstance(cost, str) else {str(k): float(v) for k, v in dict(cost).items()}
    problems: list[Problem] = []
    total = np.zeros(len(uid))
    layers: dict[str, np.ndarray] = {}
    if not weights:
        problems.append(Problem("cost", "no cost column given", "pass cost='column' or {column: weight}",
                                "missing_column"))
    for column, w in weights.items():
        if column not in units.columns:
            problems.append(Problem(where("column", column), "cost column not found in units",
                                    f"columns are {list(units.columns)}", "missing_column"))
            continue
        if not np.isfinite(w):
            problems.append(Problem(where("cost weight", column), f"weight {w!r} is not finite", "",
                                    "bad_cost"))
        values = pd.to_numeric(units[column], errors="coerce").to_numpy(float)
        for k in np.flatnonzero(~np.isfinite(values))[:200]:
            problems.append(Problem(where("unit", uid[k]),
                                    f"cost {column!r} = {units[column].iloc[k]!r} is not a finite number",
                                    "give every unit a cost", "bad_cost"))
        for k in np.flatnonzero(values < 0)[:200]:
            problems.append(Problem(where("unit", uid[k]), f"negative cost {column!r} = {values[k]:g}",
                                    "costs must be zero or more", "negative_cost"))
        values = np.where(np.isfinite(values), values, 0.0)
        layers[column] = readonly(values)
        total = total + w * values
    return Cost(weights, layers, readonly(total), tuple(problems))

def read_locks(uid: pd.Index, locked_in: Iterable[Hashable], locked_out: Iterable[Hashable]) -> Locks:
    """Masks of the locked-in and locked-out units, the ids as given, and the problems found."""
    problems: list[Problem] = []
    masks = []
    ids = []
    for name, given in (("locked_in", locked_in), ("locked_out", locked_out)):
        idx = pd.Index(list(given)).unique()
        pos = uid.get_indexer(idx) if len(idx) else np.zeros(0, dtype=np.intp)
        for u in idx[pos < 0][:200]:
            problems.append(Problem(where("unit", u), f"in {name} but not in units", "check the id",
                                    "unknown_id"))
        mask = np.zeros(len(uid), dtype=bool)
        mask[pos[pos >= 0]] = True
        masks.append(mask)
        ids.append(idx)
    both = masks[0] & masks[1]
    for k in np.flatnonzero(both)[:200]:
        problems.append(Problem(where("unit", uid[k]), "locked both in and out",
                                "remove it from one of the two", "lock_conflict"))
    return Locks(readonly(masks[0]), readonly(masks[1]), ids[0], ids[1], tuple(problems))
