"""The registry of model adapters: how each model joins a scenario, declared next to the model.

Every decision model that can run from a scenario file has an ``adapter`` module in its own package
(``landkit/reserve/adapter.py``, ``landkit/corridor/adapter.py`` ...) holding one :class:`ModelAdapter`
named ``ADAPTER``: its scenario key, labels, option schema, the links it gives, the tables its report
section shows, how it runs (build from the town and the free land, solve, check, write its tables,
figures and layers, add its claims to the land account) and its headline figures. The runner, the
schema, the sweep, the comparison and the report all read the registry, so adding a model touches only
its own package.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import landkit
from landkit._errors import LandkitError, NotFoundError
from landkit.scenario.checks import Check

if TYPE_CHECKING:  # cycle: landkit.scenario.context -> schema -> this module
    from landkit.scenario.context import ModelRecord, RunContext
    from landkit.town import Town


@dataclass(frozen=True)
class ModelAdapter:
    """How one model joins a scenario.

    Parameters
    ----------
    name : str
        The key under ``models:`` in a scenario file, e.g. ``"reserve"``.
    order : int
        Models run in increasing order; a model sees the land of those before it as taken.
    label : str
        Short Chinese name (``"土地收储"``), in timings and tables.
    title : str
        The report section's title (``"土地收储计划"``).
    options : mapping of str to Check
        The options a scenario may give besides ``enabled``, ``time_limit_s`` and ``mip_gap``.
    solve : callable
        ``solve(ctx, record) -> result or None``: build from the town and the land still free, solve,
        check independently and add the claims to the land account
        (:class:`landkit.scenario.context.RunContext`, :class:`~landkit.scenario.context.ModelRecord`).
    write : callable
        ``write(ctx, result, record)``: the result's tables, figures, layers and model file in the
        bundle (``ctx.writer``). A sweep solves without writing.
    kpis : callable
        ``kpis(result, town) -> dict``: headline figures with snake_case keys with units
        (:data:`landkit.glossary.KPI_LABELS`); ``households_moved``, ``farmland_taken_mu``,
        ``paddy_taken_mu`` and ``ecological_land_mu`` add up across models.
    links : mapping of str to str
        Links this model gives (``"reserve.occupations -> farmland.ledger"``) and what each does.
    report_tables : tuple of str
        The tables its report section shows (the bundle's ``tables/`` holds them all).
    required : tuple of str
        Options that must be given when the model is enabled.
    accept : callable, optional
        ``accept(ctx, result, record)``: what ``solve`` does after the solver: record the outcome,
        check the result independently, add its claims. A joint solve
        (:mod:`landkit.scenario.joint`) calls it on each model's share of the joint solution.
    """

    name: str
    order: int
    label: str
    title: str
    options: Mapping[str, Check]
    solve: Callable[[RunContext, ModelRecord], Any]
    write: Callable[[RunContext, Any, ModelRecord], None]
    kpis: Callable[[Any, Town], Mapping[str, Any]]
    links: Mapping[str, str] = field(default_factory=dict)
    report_tables: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    accept: Callable[[RunContext, Any, ModelRecord], None] | None = None


@functools.cache
def adapters() -> tuple[ModelAdapter, ...]:
    """Every registered adapter, in run order: the ``ADAPTER`` of each ``landkit.<package>.adapter`` module."""
    found = []
    for info in pkgutil.iter_modules(landkit.__path__):
        if not info.ispkg or importlib.util.find_spec(f"landkit.{info.name}.adapter") is None:
            continue
        module = importlib.import_module(f"landkit.{info.name}.adapter")
        found.append(module.ADAPTER)
    names = [a.name for a in found]
    if len(set(names)) != len(names):
        raise LandkitError(f"two model adapters share a name: {sorted(names)}")
    return tuple(sorted(found, key=lambda a: a.order))


def adapter(name: str) -> ModelAdapter:
    """The adapter of model ``name``."""
    for a in adapters():
        if a.name == name:
            return a
    raise NotFoundError(f"no model {name!r}; the models are {', '.join(model_order())}")


def model_order() -> tuple[str, ...]:
    """The scenario keys of the models, in the order they run."""
    return tuple(a.name for a in adapters())


def links() -> dict[str, str]:
    """Every link a scenario may declare, with what it does."""
    return {link: text for a in adapters() for link, text in a.links.items()}


__all__ = ["ModelAdapter", "adapter", "adapters", "links", "model_order"]
