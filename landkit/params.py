"""Parameters with units and provenance.

A parameter file (``data/tanyi/parameters.yaml`` or a user's own) is a nested mapping whose leaves
are mappings with ``value``, ``unit``, ``tag`` (``S`` sourced, ``R`` policy text as commonly cited,
``E`` estimate) and ``source``. :class:`Parameters` loads it safely, validates every leaf at once,
answers dotted look-ups (``params["acquisition.site_preparation"]``) and keeps provenance through
overrides, so every number a model uses can be traced.

A leaf may be **dated**: ``valid_from`` / ``valid_to`` (ISO dates) say when its value is in force, and
``versions`` lists the values of other periods, each a mapping with ``value``, ``valid_from``,
``valid_to``, ``tag`` and ``source``. :meth:`Parameters.in_force` returns the version in force in a
plan year, or refuses the year naming the table and its dates. A user's own value (an override
given as a bare value) applies to every year.

A user's file and every override are checked against the bundled file, which is the schema: each
parameter landkit reads must be present, have a value of the same kind (a number where a number is
read, a list of names where names are read ...), the same unit (landkit computes in that unit),
and a value in range (finite; not negative; shares between 0 and 1). Every problem is named with
its key and file and all are raised at once (:class:`~landkit.ValidationError`).
"""

from __future__ import annotations

import copy
import functools
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from landkit._errors import LandkitError, Problem, ValidationError
from landkit.param_labels import param_label, param_source

TAGS: dict[str, str] = {
    "S": "sourced",
    "R": "policy text as commonly cited (check before relying on it)",
    "E": "estimate (no source)",
    "U": "set by the user",
}
#: The tags as a Chinese parameter table writes them (依据).
TAGS_ZH: dict[str, str] = {"S": "公开来源", "R": "政策文本 (待核对原文)", "E": "估计值 (无公开来源)", "U": "用户设定"}
LEAF_KEYS = ("value", "unit", "tag", "source")
#: Keys of a dated leaf and of each of its ``versions``.
DATE_KEYS = ("valid_from", "valid_to")
VERSION_KEYS = ("value", "valid_from", "valid_to", "tag", "source")

#: The bundled sample town's folder (committed data, so the demo needs no generation step).
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "tanyi"
SAMPLE_PARAMETERS = SAMPLE_DIR / "parameters.yaml"


@dataclass(frozen=True)
class Param:
    """One parameter: its value, unit and provenance."""

    key: str
    value: Any
    unit: str
    tag: str
    source: str
    valid_from: str | None = None
    valid_to: str | None = None
    versions: tuple[Param, ...] = ()

    def in_force(self, year: int) -> bool:
        """Whether this value is in force at some time in ``year`` (undated values always are)."""
        start = int(self.valid_from[:4]) if self.valid_from else -10**6
        end = int(self.valid_to[:4]) if self.valid_to else 10**6
        return start <= int(year) <= end

    def period(self) -> str:
        """``2022-01-01 – 2023-12-31`` (open ends written as …)."""
        return f"{self.valid_from or '…'} – {self.valid_to or '…'}"

    @property
    def is_estimate(self) -> bool:
        """True for parameters the user must see as estimates (tag ``E``)."""
        return self.tag == "E"

    def label(self) -> str:
        """A short human label, e.g. ``"6.2 万元/亩 (estimate)"``."""
        suffix = " (estimate)" if self.is_estimate else ""
        return f"{self.value} {self.unit}{suffix}"


def _is_leaf(node: Any) -> bool:
    """A parameter (has ``value``), or one that lost its value (two or more of unit, tag, source)."""
    if not isinstance(node, Mapping):
        return False
    return "value" in node or sum(k in node for k in LEAF_KEYS[1:]) >= 2


class ParameterKeyError(LandkitError, KeyError):
    """A parameter landkit needs is not in the parameter file; the message names close keys."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _kind(v: Any) -> str:
    if v is None:
        return "empty"
    if isinstance(v, bool):
        return "true/false"
    if _is_number(v):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "list"
    if isinstance(v, Mapping):
        return "mapping"
    return type(v).__name__


def _numbers(v: Any) -> Iterator[float]:
    if _is_number(v):
        yield float(v)
    elif isinstance(v, list):
        for x in v:
            yield from _numbers(x)
    elif isinstance(v, Mapping):
        for x in v.values():
            yield from _numbers(x)


def _empties(v: Any, where: str) -> Iterator[str]:
    if v is None:
        yield where
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _empties(x, f"{where}[{i}]")
    elif isinstance(v, Mapping):
        for k, x in v.items():
            yield from _empties(x, f"{where}.{k}")


def _is_years(values: list[Any]) -> bool:
    return all(isinstance(x, int) and not isinstance(x, bool) and 1900 <= x <= 2100 for x in values)


#: A unit that says so lets a list of numbers have any length (payment levels, tier bounds), not one per class.
ANY_LENGTH = "any length"


def _shape_problem(ref: Any, value: Any, where: str, *, any_length: bool = False) -> str | None:
    """Why ``value`` cannot stand where landkit reads a value shaped like ``ref`` (None if it can).

    ``any_length``: lists of numbers may be longer or shorter than ``ref`` (the unit says :data:`ANY_LENGTH`).
    """
    if _kind(ref) != _kind(value):
        example = ref if not isinstance(ref, list | Mapping) else f"a {_kind(ref)} such as {ref!r}"[:80]
        return f"{where} is {value!r} ({_kind(value)}); landkit reads a {_kind(ref)} here, e.g. {example}"
    if isinstance(ref, list):
        return _list_problem(ref, value, where, any_length=any_length)
    if isinstance(ref, Mapping):
        return _table_problem(ref, value, where, any_length=any_length)
    return None


def _list_problem(ref: list[Any], value: list[Any], where: str, *, any_length: bool) -> str | None:
    """Why the list ``value`` cannot stand for the list ``ref``: not years, not one number per class, an item."""
    if not ref:
        return None
    if _is_years(ref):
        bad = [x for x in value if not (isinstance(x, int) and not isinstance(x, bool) and 1900 <= x <= 2100)]
        return f"{where} holds {bad[0]!r}; landkit reads whole years here, e.g. {ref!r}" if bad else None
    if all(_is_number(x) for x in ref) and len(value) != len(ref) and not any_length:
        return (f"{where} has {len(value)} values; landkit reads {len(ref)} here (one per class), "
                f"e.g. {ref!r}"[:200])
    return _items_problem(ref, value, where, any_length=any_length) if value else None


def _items_problem(ref: list[Any], value: list[Any], where: str, *, any_length: bool) -> str | None:
    """Why an item of ``value`` cannot stand for the items of ``ref`` (all of one kind), or None."""
    kinds = {_kind(x) for x in ref}
    if len(kinds) != 1:
        return None
    nested = isinstance(ref[0], list | Mapping)
    for i, x in enumerate(value):
        if _kind(x) not in kinds and not nested:
            return f"{where}[{i}] is {x!r} ({_kind(x)}); landkit reads a list of {kinds.pop()}s here"
        if nested:
            why = _shape_problem(ref[0], x, f"{where}[{i}]", any_length=any_length)
            if why:
                return why
    return None


def _table_problem(ref: Mapping[Any, Any], value: Mapping[Any, Any], where: str, *, any_length: bool) -> str | None:
    """Why the table ``value`` cannot stand for the table ``ref``: a name missing, or an entry of the wrong shape."""
    named = [k for k in ref if not isinstance(k, int)]
    missing = [k for k in named if k not in value]
    if missing:  # a table by name (uses, groups, classes): every name landkit reads must be there
        return f"{where} lacks {', '.join(map(str, missing))}; landkit reads {', '.join(map(str, named))} here"
    kinds = {_kind(x) for x in ref.values()}
    for k, x in value.items():
        if k in ref:
            why = _shape_problem(ref[k], x, f"{where}.{k}", any_length=any_length)
        elif len(kinds) == 1 and _kind(x) not in kinds:
            why = f"{where}.{k} is {x!r} ({_kind(x)}); landkit reads {kinds.pop()}s in this table"
        else:
            why = None
        if why:
            return why
    return None


def _range_problem(key: str, unit: str, value: Any, ref_value: Any) -> str | None:
    """Why a value is out of range: not finite, negative where landkit's own is never (unless its unit says ±), a
    share outside [0, 1]."""
    nums = list(_numbers(value))
    if any(not math.isfinite(x) for x in nums):
        return f"{key}: {value!r} is not a finite number"
    if nums and min(nums) < 0 and all(x >= 0 for x in _numbers(ref_value)) and "±" not in unit:
        return f"{key}: {min(nums)!r} {unit} is negative; give a value >= 0"
    if unit.startswith("share") and any(x > 1 for x in nums):
        return f"{key}: {max(nums)!r} is a share above 1; write shares as fractions (5 % = 0.05)"
    return None


def _tail(key: str, why: str) -> str:
    """``why`` without a leading ``key`` (a nested path such as ``key.industrial`` is kept)."""
    for lead in (f"{key}: ", f"{key} "):
        if why.startswith(lead):
            return why[len(lead):]
    return why


def check_value(key: str, ref: Param, value: Any) -> list[str]:
    """Problems with ``value`` standing for the parameter ``ref`` (kind, emptiness, range)."""
    out = [f"{w}: the value is empty; give a {_kind(ref.value)}" for w in _empties(value, key)]
    if out:
        return out
    why = _shape_problem(ref.value, value, key, any_length=ANY_LENGTH in ref.unit)
    if why:
        return [why]
    why = _range_problem(key, ref.unit, value, ref.value)
    return [why] if why else []


class Parameters:
    """A validated, read-only tree of parameters.

    Parameters
    ----------
    tree : mapping
        The parsed file.
    source : str
        Where it came from (file path), used in error messages.

    Examples
    --------
    >>> p = Parameters.load()                     # the bundled 探沂镇 file
    >>> p["acquisition.site_preparation"]
    7.5
    >>> p.param("acquisition.site_preparation").unit
    '万元/亩'
    """

    def __init__(self, tree: Mapping[str, Any], source: str = "<parameters>", *,
                 schema: Parameters | None = None) -> None:
        self._tree: dict[str, Any] = copy.deepcopy(dict(tree))
        self.source = source
        problems = list(self._check(self._tree, ""))
        self._flat: dict[str, Param] = {p.key: p for p in self._walk(self._tree, "")}
        self._read: set[str] = set()
        if schema is not None:
            broken = {p.where.split("[")[0] for p in problems}
            problems += [p for p in self._against(schema) if p.where not in broken]
        if problems:
            raise ValidationError(source, problems)

    def _against(self, schema: Parameters) -> Iterator[Problem]:
        """Every way this tree departs from ``schema`` (the bundled file): missing, kind, unit, range."""
        for key, ref in schema._flat.items():
            mine = self._flat.get(key)
            if mine is None:
                yield Problem(key, "missing: landkit reads this parameter",
                              f"add it (the bundled file has {ref.value!r} {ref.unit}, tag {ref.tag})", "missing")
                continue
            if mine.unit.strip() != ref.unit.strip():
                yield Problem(key, f"unit is {mine.unit!r}; landkit reads this parameter in {ref.unit!r}",
                              f"convert the value to {ref.unit} and write unit: {ref.unit}", "unit")
            for why in check_value(key, ref, mine.value):
                yield Problem(key, _tail(key, why), "", "value")

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Parameters:
        """Load a parameter file (default: the bundled 探沂镇 file), validating every leaf.

        A file other than the bundled one is checked against it (see the module docstring): every
        parameter present, of the right kind, unit and range; all problems in one error.
        """
        bundled = path is None or Path(path).resolve() == SAMPLE_PARAMETERS.resolve()
        path = Path(path) if path is not None else SAMPLE_PARAMETERS
        if not path.exists():
            raise ValidationError(
                str(path), [Problem(str(path), "file not found", "check the path", "missing_file")]
            )
        try:
            tree = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValidationError(
                str(path), [Problem(str(path), f"not valid YAML: {exc}", "fix the syntax", "yaml")]
            ) from exc
        if not isinstance(tree, Mapping):
            raise ValidationError(
                str(path), [Problem(str(path), "top level must be a mapping of sections", "", "yaml")]
            )
        return cls(tree, source=str(path), schema=None if bundled else _bundled())

    @staticmethod
    def _check(node: Any, prefix: str) -> Iterator[Problem]:
        if _is_leaf(node):
            missing = [k for k in LEAF_KEYS if k not in node]
            if missing:
                yield Problem(
                    prefix, f"missing {', '.join(missing)}", "every parameter needs value, unit, tag, source",
                    "parameter",
                )
            for where in _empties(node.get("value", 0), prefix):
                yield Problem(where, "the value is empty", "write the number (or list, or text) after value:",
                              "parameter")
            tag = node.get("tag")
            if tag is not None and tag not in TAGS:
                yield Problem(prefix, f"tag {tag!r} is not one of {sorted(TAGS)}", "", "parameter")
            yield from _date_problems(node, prefix)
            yield from _version_problems(node, prefix)
            return
        if not isinstance(node, Mapping):
            yield Problem(
                prefix or "<root>", "expected a section (mapping) or a parameter with a 'value'",
                "wrap the number as {value: ..., unit: ..., tag: E, source: ...}", "parameter",
            )
            return
        for key, child in node.items():
            yield from Parameters._check(child, f"{prefix}.{key}" if prefix else str(key))

    @staticmethod
    def _walk(node: Any, prefix: str) -> Iterator[Param]:
        if _is_leaf(node):
            if all(k in node for k in LEAF_KEYS):  # an incomplete leaf is reported by _check
                yield _param(prefix, node, str(node["unit"]))
            return
        if not isinstance(node, Mapping):
            return
        for key, child in node.items():
            yield from Parameters._walk(child, f"{prefix}.{key}" if prefix else str(key))

    # ------------------------------------------------------------------ access
    def param(self, key: str) -> Param:
        """The :class:`Param` at a dotted key; a clear error names close keys when it is absent."""
        try:
            found = self._flat[key]
        except KeyError:
            section = key.rsplit(".", 1)[0]
            near = [k for k in self._flat if k.startswith(section + ".")] or sorted(self._flat)[:20]
            raise ParameterKeyError(
                f"parameter {key!r} not found in {self.source}; add it to the file (the bundled "
                f"data/tanyi/parameters.yaml has every parameter); keys nearby: {', '.join(near)}"
            ) from None
        self._read.add(key)
        return found

    def in_force(self, key: str, year: int) -> Param:
        """The version of ``key`` in force in ``year`` (the value itself when undated).

        Raises
        ------
        ValidationError
            No version is in force that year: the message names the key, its periods and what to do.
        """
        main = self.param(key)
        for p in sorted((main, *main.versions), key=lambda v: v.valid_from or "", reverse=True):
            if p.in_force(year):
                return p
        periods = "; ".join(p.period() + f" ({p.source})" for p in (main, *main.versions))
        raise ValidationError(self.source, [Problem(
            key, f"no value in force in {year}: the table is valid {periods}",
            "add a version for that year under 'versions:' in the parameter file (tag E if it is assumed), "
            "or plan within those dates", "date")])

    def check_in_force(self, keys: Iterable[str], years: Iterable[int]) -> None:
        """Refuse, in one message, every (key, year) with no version in force (see :meth:`in_force`)."""
        problems = []
        for key in keys:
            for year in years:
                try:
                    self.in_force(key, year)
                except ValidationError as exc:
                    problems += exc.problems
        if problems:
            raise ValidationError(self.source, problems)

    def keys_read(self) -> frozenset[str]:
        """The keys a model or loader has looked up so far (:meth:`param`, ``[]``, :meth:`get`)."""
        return frozenset(self._read)

    def __getitem__(self, key: str) -> Any:
        return copy.deepcopy(self.param(key).value)

    def __contains__(self, key: object) -> bool:
        return key in self._flat

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat)

    def __len__(self) -> int:
        return len(self._flat)

    def get(self, key: str, default: Any = None) -> Any:
        """The value at ``key``, or ``default`` when absent."""
        return self[key] if key in self._flat else default

    # ------------------------------------------------------------------ overrides
    def with_overrides(self, overrides: Mapping[str, Any], source: str = "user override") -> Parameters:
        """A copy with some values replaced, their provenance set to ``source`` (tag ``U``).

        ``overrides`` maps dotted keys to new values (a bare value, or a full leaf mapping with
        its own unit, tag and source). Unknown keys are an error that lists them all.
        """
        tree = copy.deepcopy(self._tree)
        problems = [Problem(k, "unknown parameter key", f"known keys in its section: {self._near(k)}", "key")
                    for k in overrides if k not in self._flat]
        for key, new in overrides.items():
            old = self._flat.get(key)
            if old is None:
                continue
            value = new.get("value") if _is_leaf(new) else new
            if _is_leaf(new) and "unit" in new and str(new["unit"]).strip() != old.unit.strip():
                problems.append(Problem(key, f"unit is {new['unit']!r}; landkit reads this parameter in "
                                             f"{old.unit!r}", f"convert the value to {old.unit}", "unit"))
            problems += [Problem(key, _tail(key, why), f"unit {old.unit}", "value")
                         for why in check_value(key, old, value)]
        if problems:
            raise ValidationError(source, problems)
        for key, new in overrides.items():
            node = tree
            *parents, last = key.split(".")
            for part in parents:
                node = node[part]
            old = node[last]
            if _is_leaf(new):  # a leaf of the user's: the bundled dates and versions apply only if it repeats them
                undated = {k: v for k, v in old.items() if k not in (*DATE_KEYS, "versions")}
                node[last] = {**undated, **dict(new)}
            else:  # the user's own value, for every year: the bundled dates and versions no longer apply
                undated = {k: v for k, v in old.items() if k not in (*DATE_KEYS, "versions")}
                node[last] = {**undated, "value": new, "tag": "U", "source": f"{source} (原值 {old['value']!r})"}
        return Parameters(tree, source=f"{self.source} + {source}")

    def _near(self, key: str) -> str:
        section = key.rsplit(".", 1)[0]
        near = [k for k in self._flat if k.startswith(section + ".")]
        return ", ".join(near) if near else "none (section unknown)"

    # ------------------------------------------------------------------ reporting
    def table(self) -> pd.DataFrame:
        """Every parameter as a row: key, value, unit, tag, meaning of the tag, source, and when it is in force.

        ``valid`` is empty for an undated value; for a dated one it gives its period and the other
        periods' versions with their tags (e.g. ``2022-01-01 – 2023-12-31; 2016-01-01 – 2021-12-31 E``).
        """
        rows = [
            {
                "key": p.key,
                "value": p.value,
                "unit": p.unit,
                "tag": p.tag,
                "provenance": TAGS[p.tag],
                "source": p.source,
                "valid": "; ".join([p.period()] + [f"{v.period()} {v.tag}" for v in p.versions])
                if p.valid_from or p.valid_to or p.versions else "",
            }
            for p in self._flat.values()
        ]
        return pd.DataFrame(rows)

    def table_zh(self, *sections: str) -> pd.DataFrame:
        """The parameter table in Chinese, for reports and notebooks: 参数 (name), 取值, 单位, 依据 (the tag in
        words), 来源 (the source in words for the bundled values; a value whose source differs from the bundled
        file's, a town's own or a user's, keeps the text it was given), 有效期, 键 (the key).

        Parameters
        ----------
        *sections : str
            Only the parameters of these sections (``"funds"``, ``"revenue"`` ...); all when none is given.
        """
        t = self.table()
        if sections:
            t = t[t["key"].str.split(".").str[0].isin(sections)]
        # the Chinese source is the bundled file's: a value with a source of its own (a town's file) keeps it
        bundled = _bundled_sources()
        source = [param_source(k, s) if bundled.get(k) == s else s for k, s in zip(t["key"], t["source"], strict=True)]
        return pd.DataFrame({"参数": t["key"].map(param_label), "取值": t["value"].astype(str), "单位": t["unit"],
                             "依据": t["tag"].map(TAGS_ZH), "来源": source, "有效期": t["valid"], "键": t["key"]},
                            index=t.index).reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the underlying tree (e.g. to write an audit record)."""
        return copy.deepcopy(self._tree)

    def __repr__(self) -> str:
        n_est = sum(p.is_estimate for p in self._flat.values())
        return f"<Parameters {len(self)} values ({n_est} estimates) from {self.source}>"


@functools.lru_cache(maxsize=1)
def _bundled_sources() -> dict[str, str]:
    """Each bundled parameter's source text (read once: the file ships with the package)."""
    return dict(Parameters.load(SAMPLE_PARAMETERS).table()[["key", "source"]].itertuples(index=False))


def _param(key: str, node: Mapping[str, Any], unit: str) -> Param:
    """A :class:`Param` from a leaf (or one of its versions, which share the leaf's unit)."""
    versions = tuple(_param(key, v, unit) for v in node.get("versions") or () if isinstance(v, Mapping)
                     and all(k in v for k in VERSION_KEYS))
    return Param(key, node["value"], unit, str(node["tag"]), str(node["source"]),
                 _date_text(node.get("valid_from")), _date_text(node.get("valid_to")), versions)


def _date_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _date_problems(node: Mapping[str, Any], where: str) -> Iterator[Problem]:
    """Dates that are not ISO dates, or a period that ends before it starts."""
    for key in DATE_KEYS:
        value = node.get(key)
        if value is None:
            continue
        try:
            pd.Timestamp(str(value))
            ok = len(str(value)) == 10
        except ValueError:
            ok = False
        if not ok:
            yield Problem(f"{where}.{key}", f"{value!r} is not a date", "write it as YYYY-MM-DD, e.g. 2022-01-01",
                          "date")
            return
    start, end = node.get("valid_from"), node.get("valid_to")
    if start is not None and end is not None and str(end) < str(start):
        yield Problem(where, f"valid_to {end} is before valid_from {start}", "swap or correct the dates", "date")


def _version_problems(node: Mapping[str, Any], where: str) -> Iterator[Problem]:
    """Each version needs value, dates, tag and source, dates as dates, and a value shaped like the leaf's."""
    versions = node.get("versions")
    if versions is None:
        return
    if not isinstance(versions, list):
        yield Problem(f"{where}.versions", "must be a list of {value, valid_from, valid_to, tag, source}", "",
                      "parameter")
        return
    ref = Param(where, node.get("value"), str(node.get("unit", "")), "S", "")
    for i, v in enumerate(versions):
        at = f"{where}.versions[{i}]"
        if not isinstance(v, Mapping):
            yield Problem(at, "must be a mapping", "give value, valid_from, valid_to, tag, source", "parameter")
            continue
        missing = [k for k in VERSION_KEYS if k not in v]
        if missing:
            yield Problem(at, f"missing {', '.join(missing)}", "every version needs value, valid_from, valid_to, "
                          "tag, source", "parameter")
            continue
        if v["tag"] not in TAGS:
            yield Problem(at, f"tag {v['tag']!r} is not one of {sorted(TAGS)}", "", "parameter")
        yield from _date_problems(v, at)
        yield from (Problem(at, _tail(where, why), "a value like the leaf's own", "value")
                    for why in check_value(where, ref, v["value"]))


@functools.cache
def _bundled() -> Parameters:
    """The bundled parameter file: the schema every other parameter file is checked against."""
    return Parameters.load(SAMPLE_PARAMETERS)

