"""Parameters with units and provenance.

A parameter file (``data/tanyi/parameters.yaml`` or a user's own) is a nested mapping whose leaves
are mappings with ``value``, ``unit``, ``tag`` (``S`` sourced, ``R`` policy text as commonly cited,
``E`` estimate) and ``source``. :class:`Parameters` loads it safely, validates every leaf at once,
answers dotted look-ups (``params["acquisition.site_preparation"]``) and keeps provenance through
overrides, so every number a model uses can be traced.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from landkit._errors import Problem, ValidationError

TAGS: dict[str, str] = {
    "S": "sourced",
    "R": "policy text as commonly cited (check before relying on it)",
    "E": "estimate (no source)",
    "U": "set by the user",
}
LEAF_KEYS = ("value", "unit", "tag", "source")

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

    @property
    def is_estimate(self) -> bool:
        """True for parameters the user must see as estimates (tag ``E``)."""
        return self.tag == "E"

    def label(self) -> str:
        """A short human label, e.g. ``"6.2 万元/亩 (estimate)"``."""
        suffix = " (estimate)" if self.is_estimate else ""
        return f"{self.value} {self.unit}{suffix}"


def _is_leaf(node: Any) -> bool:
    return isinstance(node, Mapping) and "value" in node


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

    def __init__(self, tree: Mapping[str, Any], source: str = "<parameters>") -> None:
        self._tree: dict[str, Any] = copy.deepcopy(dict(tree))
        self.source = source
        problems = list(self._check(self._tree, ""))
        if problems:
            raise ValidationError(source, problems)
        self._flat: dict[str, Param] = {p.key: p for p in self._walk(self._tree, "")}

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Parameters:
        """Load a parameter file (default: the bundled 探沂镇 file), validating every leaf."""
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
        return cls(tree, source=str(path))

    @staticmethod
    def _check(node: Any, prefix: str) -> Iterator[Problem]:
        if _is_leaf(node):
            missing = [k for k in LEAF_KEYS if k not in node]
            if missing:
                yield Problem(
                    prefix, f"missing {', '.join(missing)}", "every parameter needs value, unit, tag, source",
                    "parameter",
                )
            tag = node.get("tag")
            if tag is not None and tag not in TAGS:
                yield Problem(prefix, f"tag {tag!r} is not one of {sorted(TAGS)}", "", "parameter")
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
            yield Param(prefix, node["value"], str(node["unit"]), str(node["tag"]), str(node["source"]))
            return
        for key, child in node.items():
            yield from Parameters._walk(child, f"{prefix}.{key}" if prefix else str(key))

    # ------------------------------------------------------------------ access
    def param(self, key: str) -> Param:
        """The :class:`Param` at a dotted key; a clear error names close keys when it is absent."""
        try:
            return self._flat[key]
        except KeyError:
            section = key.rsplit(".", 1)[0]
            near = [k for k in self._flat if k.startswith(section + ".")] or sorted(self._flat)[:20]
            raise KeyError(
                f"parameter {key!r} not found in {self.source}; keys nearby: {', '.join(near)}"
            ) from None

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
        unknown = [k for k in overrides if k not in self._flat]
        if unknown:
            raise ValidationError(
                source,
                [
                    Problem(k, "unknown parameter key", f"known keys in its section: {self._near(k)}", "key")
                    for k in unknown
                ],
            )
        for key, new in overrides.items():
            node = tree
            *parents, last = key.split(".")
            for part in parents:
                node = node[part]
            old = node[last]
            if _is_leaf(new):
                node[last] = {**old, **dict(new)}
            else:
                node[last] = {**old, "value": new, "tag": "U", "source": f"{source} (was {old['value']!r})"}
        return Parameters(tree, source=f"{self.source} + {source}")

    def _near(self, key: str) -> str:
        section = key.rsplit(".", 1)[0]
        near = [k for k in self._flat if k.startswith(section + ".")]
        return ", ".join(near) if near else "none (section unknown)"

    # ------------------------------------------------------------------ reporting
    def table(self) -> pd.DataFrame:
        """Every parameter as a row: key, value, unit, tag, meaning of the tag, source."""
        rows = [
            {
                "key": p.key,
                "value": p.value,
                "unit": p.unit,
                "tag": p.tag,
                "provenance": TAGS[p.tag],
                "source": p.source,
            }
            for p in self._flat.values()
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the underlying tree (e.g. to write an audit record)."""
        return copy.deepcopy(self._tree)

    def __repr__(self) -> str:
        n_est = sum(p.is_estimate for p in self._flat.values())
        return f"<Parameters {len(self)} values ({n_est} estimates) from {self.source}>"
