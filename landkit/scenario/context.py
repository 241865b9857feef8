"""What a model's adapter works with while a scenario runs: the run's context, records and writer.

:class:`RunContext` is handed to each model's adapter (:mod:`landkit.scenario.registry`): the scenario,
the town with the scenario's parameters, the land account so far (:class:`LandState`), the results
of the models that ran before, and the :class:`Writer` of the bundle being assembled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from landkit.account import LAND_KINDS, empty_account
from landkit.glossary import mark_estimates
from landkit.optimize import export_model
from landkit.plot import close_figure
from landkit.scenario.schema import Scenario
from landkit.town import Town

if TYPE_CHECKING:  # for annotations only: importing them costs `landkit --help` 0.1-1 s (see Writer)
    from matplotlib.figure import Figure

    from landkit.optimize import SolveResult


@dataclass
class ModelRecord:
    """What the audit keeps of one model run."""

    model: str
    solver: str | None = None
    status: str = "not run"
    gap: float | None = None
    objective: float | None = None
    solve_time_s: float | None = None
    wall_time_s: float = 0.0
    mps: str | None = None
    summary: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``audit.json``."""
        return dict(self.__dict__)

    def record_outcome(self, outcome: SolveResult) -> None:
        """Copy solver, status, gap, objective, time and summary from a :class:`~landkit.optimize.SolveResult`."""
        self.solver = outcome.solver
        self.status = outcome.status.value
        self.gap = None if outcome.gap is None else float(outcome.gap)
        self.objective = None if outcome.objective is None else float(outcome.objective)
        self.solve_time_s = float(outcome.runtime_s)
        self.summary = outcome.summary()


@dataclass
class LandState:
    """The land account as a scenario runs: parcels taken so far, every model's claims, supplement units.

    Each model sees only the parcels no earlier model took (``taken``) and adds its claims
    (:mod:`landkit.account`); before the bundle is published the whole account is checked again
    from the claims alone (:func:`landkit.account.check_account`).
    """

    taken: set[str] = field(default_factory=set)
    claims: list[pd.DataFrame] = field(default_factory=list)
    units: pd.DataFrame | None = None
    reclaimed_mu: float | None = None
    protected_allowed: set[str] = field(default_factory=set)

    def add(self, claims: pd.DataFrame, *, take: bool = True) -> None:
        """Record a model's claims; with ``take`` its parcels are no longer free for later models."""
        self.claims.append(claims)
        if take:
            self.taken |= set(claims.loc[claims["kind"].isin(LAND_KINDS), "unit_id"].astype(str))

    def account(self) -> pd.DataFrame:
        """Every claim so far (:data:`landkit.account.CLAIM_COLUMNS`)."""
        parts = [c for c in self.claims if len(c)]
        return pd.concat(parts, ignore_index=True) if parts else empty_account()

    def taken_of(self, index: pd.Index) -> pd.Index:
        """The labels of ``index`` (parcel BSM) some model has taken."""
        return index[index.astype(str).isin(self.taken)]

    def free(self, index: pd.Index) -> pd.Index:
        """The labels of ``index`` (parcel BSM) no model has taken yet."""
        return index[~index.astype(str).isin(self.taken)]


def jsonable(v: Any) -> Any:
    """Plain JSON data (numpy scalars unwrapped, NaN as null, tuples as lists, keys as text)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item):
        return v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def plain_layer(gdf: Any) -> Any:
    """A copy whose object columns hold text (GeoPackage stores no lists or mixed types)."""
    out = gdf.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if isinstance(v, str) or v is None else json.dumps(jsonable(v),
                                                                                             ensure_ascii=False))
    out.index = out.index.astype(str)
    return out.reset_index(names="id") if "id" not in out.columns else out.reset_index(drop=True)


class Writer:
    """Collects tables, figures, layers and model files into the temporary bundle folder."""

    def __init__(self, root: Path, dpi: int, *, estimated: Iterable[str] = ()) -> None:
        self.root, self.dpi = root, dpi
        self.estimated = frozenset(estimated)  # input columns the town estimated: their figures are marked （估）
        self._exported: dict[int, tuple[Any, str]] = {}  # id of a linopy model written → (the model, its file)
        for sub in ("tables", "figures", "models"):
            (root / sub).mkdir()
        self.tables: dict[str, list[tuple[str, pd.DataFrame]]] = {}
        self.figures: dict[str, list[tuple[str, Path]]] = {}

    def table(self, model: str, name: str, frame: pd.DataFrame, *, index: bool = False) -> None:
        """``tables/<name>.csv`` (UTF-8 with BOM, so Excel opens it), kept for the report; headings whose
        figures rest on an estimated input carry （估） (:func:`landkit.glossary.mark_estimates`)."""
        frame = mark_estimates(frame, self.estimated)
        frame.to_csv(self.root / "tables" / f"{name}.csv", index=index, encoding="utf-8-sig")
        self.tables.setdefault(model, []).append((name, frame))

    def figure(self, model: str, name: str, fig: Figure) -> None:
        """``figures/<name>.png`` at the bundle's resolution; the figure is closed."""
        path = self.root / "figures" / f"{name}.png"
        fig.savefig(path, dpi=self.dpi, bbox_inches="tight", metadata={"Software": None})
        close_figure(fig)
        self.figures.setdefault(model, []).append((name, path))

    def layer(self, name: str, gdf: Any) -> None:
        """A layer of ``results.gpkg`` (nothing for an empty frame)."""
        if gdf is not None and len(gdf):
            plain_layer(gdf).to_file(self.root / "results.gpkg", layer=name, driver="GPKG")

    def mps(self, model: str, outcome: SolveResult, record: ModelRecord) -> None:
        """``models/<model>.mps``: the solved model, for audit."""
        done = self._exported.get(id(outcome.model))
        if done is not None and done[0] is outcome.model:  # one model held several models' parts: written once
            record.mps = done[1]
            return
        rel = f"models/{model}.mps"
        export_model(outcome.model, self.root / rel)
        record.mps = rel
        self._exported[id(outcome.model)] = (outcome.model, rel)  # kept alive, so its id is not reused


@dataclass
class RunContext:
    """What a model's adapter sees: the scenario, the town, the account so far, earlier results, the writer."""

    scenario: Scenario
    town: Town
    writer: Writer | None
    land: LandState
    results: dict[str, Any] = field(default_factory=dict)
    #: 联合与顺序求解对比, when the scenario is solved jointly (:mod:`landkit.scenario.joint`).
    joint_comparison: pd.DataFrame | None = None

    def options(self, model: str) -> dict[str, Any]:
        """The scenario's options of ``model`` (without ``enabled`` and the solver settings)."""
        return self.scenario.options(model)

    def solve_options(self, model: str) -> dict[str, float]:
        """``time_limit_s`` and ``mip_gap`` of ``model``."""
        return self.scenario.solve_options(model)

    def linked(self, link: str) -> bool:
        """True if the scenario applies ``link`` (``"source.what -> target.what"``) and both models run."""
        return self.scenario.has_link(link)


__all__ = ["LandState", "ModelRecord", "RunContext", "Writer", "jsonable", "plain_layer"]
