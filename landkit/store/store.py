"""The store: parcels and zoning layers, scenario runs and the reserve ledger, in one database.

:func:`open_store` takes a GeoPackage path (the embedded default, one file per town) or a
``postgresql://user@host:port/database`` URL (an office's shared PostGIS). Both give the same
:class:`Store`; only speed and sharing differ.

Credentials never travel in the URL: a URL with a password is refused, and libpq takes it from
``PGPASSWORD`` or ``~/.pgpass`` (``PGPASSFILE``). Scenario files, notebooks and ``audit.json`` only
ever see the URL without it.

Every write records who (``user``: the ``LANDKIT_USER`` environment variable, else the login name)
and when (UTC, from the database's clock).
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd
import pyogrio
from pyproj import CRS

from landkit._errors import StoreError
from landkit.glossary import labelled
from landkit.io._crs import to_projected
from landkit.io._vector import finish_parcels
from landkit.params import Parameters
from landkit.store._backend import (
    Backend,
    GeoPackageBackend,
    PostgisBackend,
    check_frame,
    check_name,
    guarded,
    quote,
    redact,
    url_password,
)
from landkit.store.ledger import ReserveLedger
from landkit.store.schema import SCHEMA_VERSION, ensure_schema, stored_version
from landkit.town import Town

if TYPE_CHECKING:
    import geopandas as gpd

    from landkit.scenario.run import ScenarioRun

LAYER_KINDS = ("parcels", "zoning", "run", "other")


def default_user() -> str:
    """Who is writing: ``LANDKIT_USER`` when set, else the operating-system login name."""
    return os.environ.get("LANDKIT_USER") or getpass.getuser()


def open_store(target: str | os.PathLike[str], *, user: str | None = None, upgrade: bool = True,
               create: bool = True) -> Store:
    """Open (or create) a store.

    Parameters
    ----------
    target : path or URL
        A ``.gpkg`` file (created when missing) or ``postgresql://user@host:port/database``.
    user : str, optional
        Recorded with every change (default :func:`default_user`).
    upgrade : bool
        Upgrade a store written by an older landkit (in one transaction; tables are added, nothing is
        removed). With ``False`` an older store raises :class:`~landkit.StoreError` saying how.
    create : bool
        Set up landkit's tables in a database (or file) that has none yet; with ``False`` such a
        target raises :class:`~landkit.StoreError` instead (e.g. for looking only).

    Raises
    ------
    landkit.StoreError
        A URL with a password in it, a file that is not a GeoPackage, a server that cannot be
        reached, or a store newer than this landkit.
    """
    text = os.fspath(target)
    scheme = urlsplit(text).scheme if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        if url_password(text):
            raise StoreError(f"{redact(text)}: the URL carries a password. Remove it and give the password in the "
                             "PGPASSWORD environment variable or ~/.pgpass: landkit keeps no credentials in scenario "
                             "files, notebooks or audit records")
        backend: Backend = PostgisBackend(text)
    elif scheme:
        raise StoreError(f"{redact(text)}: unknown store scheme {scheme!r}; give a .gpkg path or a postgresql:// URL")
    else:
        path = Path(text)
        if path.suffix.lower() != ".gpkg":
            raise StoreError(f"{path}: a store file must be a GeoPackage (.gpkg); e.g. open_store('tanyi_store.gpkg')")
        backend = GeoPackageBackend(path)
    try:
        if not create and stored_version(backend) == 0:
            raise StoreError(f"{backend.label} holds no landkit store yet (open it with open_store to create one)")
        ensure_schema(backend, upgrade=upgrade)
    except BaseException:
        backend.close()
        raise
    return Store(backend, user=user or default_user())


class Store:
    """One town's shared data (see the module docstring). Make it with :func:`open_store`.

    Attributes
    ----------
    label : str
        The file path or the URL without password (for messages and audit records).
    kind : {"gpkg", "postgis"}
    user : str
        Who the changes are recorded as.
    """

    def __init__(self, backend: Backend, *, user: str) -> None:
        self.backend = backend
        self.user = user

    @property
    def label(self) -> str:
        return self.backend.label

    @property
    def kind(self) -> str:
        return self.backend.kind

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the store (:data:`landkit.store.SCHEMA_VERSION` once opened)."""
        return stored_version(self.backend)

    def __repr__(self) -> str:
        return f"Store({self.label!r}, kind={self.kind!r}, user={self.user!r}, schema={SCHEMA_VERSION})"

    # ------------------------------------------------------------------ layers
    @guarded("list the layers")
    def layers(self) -> pd.DataFrame:
        """Every layer written through landkit: name, kind, run, CRS, rows, who and when."""
        frame = self.backend.query("SELECT name, kind, run_id, srid, n_rows, written_by, written_at FROM "
                                   "landkit_layer ORDER BY name")
        frame["written_at"] = pd.to_datetime(frame["written_at"])
        return frame

    @guarded("write a layer")
    def write_layer(self, name: str, gdf: gpd.GeoDataFrame, *, kind: str = "zoning", run_id: int | None = None) -> None:
        """Write (or replace) a layer; the rows, columns and CRS come back unchanged from :meth:`read_layer`.

        ``kind`` is ``"parcels"`` (三调 地类图斑), ``"zoning"`` (三区三线 and other context layers),
        ``"run"`` (a scenario's result layer) or ``"other"``.
        """
        check_name(name)
        if kind not in LAYER_KINDS:
            raise StoreError(f"layer {name}: kind {kind!r} is not one of {LAYER_KINDS}")
        if name.startswith(("landkit_", "reserve_", "gpkg_", "rtree_")):
            raise StoreError(f"layer {name}: names starting with landkit_, reserve_, gpkg_ or rtree_ are the "
                             "store's own; choose another name")
        if gdf.crs is None:
            raise StoreError(f"layer {name} has no CRS: set one (gdf.set_crs(...)) before storing it")
        srid = gdf.crs.to_epsg() or 0
        frame = gdf
        index_name = frame.index.name
        if index_name is not None and index_name not in frame.columns:
            frame = frame.reset_index()  # e.g. BSM as the index: kept as a column
        elif not isinstance(frame.index, pd.RangeIndex) or index_name is not None:
            frame = frame.reset_index(drop=True)  # the index repeats a column, or carries no name
        check_frame(name, frame)
        dtypes = json.dumps({str(c): str(t) for c, t in frame.dtypes.items() if c != frame.geometry.name})
        row = (name, kind, run_id, gdf.crs.to_wkt(), srid, len(gdf), dtypes, self.user)

        def register(cur: Any) -> None:  # in the same transaction as the data (PostGIS) or the same lock (GPKG)
            cur.execute("INSERT INTO landkit_layer (name, kind, run_id, crs_wkt, srid, n_rows, dtypes_json, "
                        "written_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                        "kind = excluded.kind, run_id = excluded.run_id, crs_wkt = excluded.crs_wkt, "
                        "srid = excluded.srid, n_rows = excluded.n_rows, dtypes_json = excluded.dtypes_json, "
                        f"written_by = excluded.written_by, written_at = {self.backend.NOW}", row)

        self.backend.write_layer(name, frame, srid=srid, register=register)

    def _layer_row(self, name: str) -> Mapping[str, Any]:
        rows = self.backend.query("SELECT name, kind, crs_wkt, dtypes_json FROM landkit_layer WHERE name = %s", (name,))
        if rows.empty:
            known = ", ".join(self.layers()["name"]) or "none yet"
            raise StoreError(f"{self.label}: no layer {name!r} (layers: {known})")
        row: dict[str, Any] = rows.iloc[0].to_dict()
        return row

    @guarded("read a layer")
    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        """A layer as written, in its CRS (``attrs["landkit"]`` names the store and layer)."""
        row = self._layer_row(name)
        gdf = self.backend.read_layer(name, CRS.from_wkt(row["crs_wkt"]) if row["crs_wkt"] else None)
        for col, dtype in json.loads(row["dtypes_json"] or "{}").items():  # back to the types written
            if col in gdf.columns and str(gdf[col].dtype) != dtype:
                try:
                    gdf[col] = gdf[col].astype(dtype)
                except (TypeError, ValueError):
                    pass  # e.g. a type this pandas cannot rebuild: the column keeps the type it was read as
        gdf.attrs["landkit"] = {"source": f"{self.label} layer {name}", "path": self.label, "layer": name,
                                "driver": self.kind, "encoding": None, "notes": []}
        return gdf

    @guarded("write the parcels")
    def write_parcels(self, parcels: gpd.GeoDataFrame, name: str = "DLTB") -> None:
        """Store 三调 地类图斑 (as read by :func:`landkit.read_parcels`, or a town's parcels)."""
        self.write_layer(name, parcels, kind="parcels")

    @guarded("read the parcels")
    def read_parcels(self, name: str = "DLTB", *, validate: bool = True, repair: bool = False) -> gpd.GeoDataFrame:
        """Parcels through the same field normalisation and validation as files (:func:`landkit.read_parcels`)."""
        gdf = self.read_layer(name)
        meta = gdf.attrs["landkit"]
        gdf, note = to_projected(gdf, None, source=meta["source"])
        if note:
            meta["notes"].append(note)
        return finish_parcels(gdf, meta, validate=validate, repair=repair)

    def town(self, *, parcels: str = "DLTB", zoning: Iterable[str] | None = None, dem: str | os.PathLike[str] | None
             = None, params: Parameters | None = None, name: str = "探沂镇") -> Town:
        """A :class:`~landkit.Town` from the stored parcels and zoning layers (all of kind "zoning" by default)."""
        gdf = self.read_parcels(parcels)
        names = list(zoning) if zoning is not None else list(self.layers().query("kind == 'zoning'")["name"])
        layers = {n: self.read_layer(n) for n in names}
        return Town.from_parcels(gdf, layers=layers, dem=dem, params=params, name=name,
                                 source=f"{self.label} layer {parcels}", validate=False)

    # ------------------------------------------------------------------ scenario runs
    @guarded("save a scenario run")
    def save_run(self, run: ScenarioRun | str | os.PathLike[str]) -> int:
        """Keep a finished scenario run: its audit record, headline figures and result layers.

        ``run`` is a :class:`landkit.scenario.ScenarioRun` written to a bundle (``run.path``), or the
        path of a bundle folder. Returns the run id; layers are stored as ``run<id>_<layer>``.
        """
        folder = Path(run) if isinstance(run, (str, os.PathLike)) else run.path
        if folder is None or not (Path(folder) / "audit.json").exists():
            raise StoreError(f"{folder}: not a scenario bundle (no audit.json); run the scenario with an out= folder")
        folder = Path(folder)
        audit = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
        kpis = labelled(run.kpis) if not isinstance(run, (str, os.PathLike)) else labelled(_bundle_kpis(folder))
        statuses = {m.get("status", "?") for m in audit.get("models", {}).values()}
        status = "ok" if statuses <= {"optimal", "feasible", "not run"} else ", ".join(sorted(statuses))
        with self.backend.transaction() as cur:
            cur.execute("INSERT INTO landkit_run (scenario, status, audit_json, created_by) VALUES (%s, %s, %s, %s)",
                        (str(audit.get("scenario", folder.name)), status, json.dumps(audit, ensure_ascii=False),
                         self.user))
            if self.kind == "gpkg":
                cur.execute("SELECT last_insert_rowid()")
            else:
                cur.execute("SELECT lastval()")
            run_id = int(cur.fetchone()[0])
            rows = [(run_id, str(k), None if v is None else float(v)) for k, v in kpis.items()
                    if v is None or isinstance(v, (int, float))]
            if rows:
                cur.executemany("INSERT INTO landkit_run_kpi (run_id, key, value) VALUES (%s, %s, %s)", rows)
        gpkg = folder / "results.gpkg"
        if gpkg.exists():
            for layer, _ in pyogrio.list_layers(gpkg):
                gdf = pyogrio.read_dataframe(gpkg, layer=str(layer))
                if hasattr(gdf, "geometry") and gdf.crs is not None:
                    self.write_layer(f"run{run_id}_{layer}", gdf, kind="run", run_id=run_id)
        return run_id

    @guarded("list the scenario runs")
    def runs(self) -> pd.DataFrame:
        """Scenario runs kept: id, scenario, status, who and when."""
        frame = self.backend.query("SELECT id, scenario, status, created_by, created_at FROM landkit_run ORDER BY id")
        frame["created_at"] = pd.to_datetime(frame["created_at"])
        return frame

    @guarded("read the runs' KPIs")
    def run_kpis(self) -> pd.DataFrame:
        """Headline figures of every run kept: one row per run, one column per KPI (with its unit)."""
        long = self.backend.query("SELECT k.run_id, r.scenario, k.key, k.value FROM landkit_run_kpi k "
                                  "JOIN landkit_run r ON r.id = k.run_id ORDER BY k.run_id")
        if long.empty:
            return pd.DataFrame()
        return long.pivot_table(index=["run_id", "scenario"], columns="key", values="value", aggfunc="first",
                                dropna=False, sort=False)

    @guarded("read a run's audit record")
    def run_audit(self, run_id: int) -> dict[str, Any]:
        """The ``audit.json`` record of a run, as stored."""
        text = self.backend.scalar("SELECT audit_json FROM landkit_run WHERE id = %s", (int(run_id),))
        if text is None:
            raise StoreError(f"{self.label}: no run {run_id} (runs: {list(self.runs()['id'])})")
        audit: dict[str, Any] = json.loads(text)
        return audit

    @guarded("read a run's layer")
    def read_run_layer(self, run_id: int, layer: str) -> gpd.GeoDataFrame:
        """A result layer of a stored run (e.g. ``reserve_plan``)."""
        return self.read_layer(f"run{int(run_id)}_{layer}")

    # ------------------------------------------------------------------ reserve ledger
    @property
    def ledger(self) -> ReserveLedger:
        """The reserve ledger (储备土地台账) of this store."""
        return ReserveLedger(self)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @guarded("drop a layer")
    def drop_layer(self, name: str) -> None:
        """Remove a layer and its registry row."""
        check_name(name)
        self._layer_row(name)
        with self.backend.transaction() as cur:
            self.backend.drop_layer(cur, name)
            cur.execute("DELETE FROM landkit_layer WHERE name = %s", (name,))


def _bundle_kpis(folder: Path) -> dict[str, Any]:
    """KPIs of a bundle folder (its ``kpis.json``), when only the folder is given."""
    path = folder / "kpis.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


__all__ = ["LAYER_KINDS", "Store", "default_user", "open_store", "quote"]
