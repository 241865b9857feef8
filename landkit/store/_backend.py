"""Two SQL backends behind one small interface: SQLite inside a GeoPackage, and PostgreSQL/PostGIS.

Everything above this module (schema, ledger, runs) is written once against :class:`Backend`:
SQL text with ``%s`` parameters (turned into ``?`` for SQLite), a few type names, a transaction
context, and layer reading/writing. Values always travel as parameters, never inside SQL text;
identifiers (layer and column names) are checked and quoted.
"""

from __future__ import annotations

import fcntl
import functools
import re
import secrets
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from landkit._errors import StoreError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def check_name(name: str, what: str = "layer") -> str:
    """A table or layer name landkit accepts: ASCII letters, digits and _, at most 63 characters."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise StoreError(f"{what} name {name!r} is not allowed: use ASCII letters, digits and _ "
                         "(starting with a letter, at most 63 characters), e.g. DLTB or park_a")
    return name


def quote(identifier: str) -> str:
    """Quote an identifier for SQL (both dialects): double quotes, inner quotes doubled."""
    return '"' + identifier.replace('"', '""') + '"'


def redact(url: str) -> str:
    """The URL without any password (for messages, logs and audit records)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
    netloc = parts.netloc
    if parts.password is not None:
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_password(url: str) -> bool:
    """Whether a PostgreSQL URL carries a password (in the user part or as a ``password=`` parameter)."""
    parts = urlsplit(url)
    return parts.password is not None or any(k.lower() == "password" for k, _ in parse_qsl(parts.query))


#: column names a stored layer may not use (the PostGIS backend's own, GDAL's feature id)
RESERVED_COLUMNS = ("landkit_fid", "geom", "fid")


def check_frame(name: str, gdf: Any) -> None:
    """Refuse, before anything is written, a layer that one of the backends could not store unchanged.

    Column names: unique ignoring case, at most 63 bytes, not :data:`RESERVED_COLUMNS`; types:
    numbers, booleans, text, datetimes (no time deltas, complex numbers, periods or intervals).
    """
    geom = gdf.geometry.name
    problems = []
    seen: dict[str, str] = {}
    for col in gdf.columns:
        text = str(col)
        if col == geom:
            continue
        if text.lower() in RESERVED_COLUMNS:
            problems.append(f"column {text!r} is reserved (rename it, e.g. {text}_orig)")
        if len(text.encode("utf-8")) > 63:
            problems.append(f"column {text[:20]!r}… is longer than 63 bytes (PostgreSQL's limit)")
        if text.lower() in seen:
            problems.append(f"columns {seen[text.lower()]!r} and {text!r} differ only by case")
        seen[text.lower()] = text
        dtype = gdf[col].dtype
        kind = getattr(dtype, "kind", "O")
        if kind not in "biufMOUS" or str(dtype).startswith(("period", "interval", "complex")):
            problems.append(f"column {text!r} has type {dtype}, which a store cannot keep (convert it to numbers "
                            "or text)")
    if problems:
        raise StoreError(f"layer {name}: " + "; ".join(problems) + ". Nothing was written.")


def _py(values: np.ndarray | pd.Series) -> list[Any]:
    """Column values as plain Python objects with None for missing (what DB drivers take)."""
    s = pd.Series(values)
    out = s.astype(object).where(s.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in out]


class Backend(ABC):
    """One database connection and its dialect.

    ``lock`` serialises every use of the connection: a :class:`~landkit.store.Store` shared by
    several threads runs one operation at a time (see :func:`guarded`).
    """

    lock: threading.RLock
    #: every error of the database driver (what :func:`guarded` turns into a StoreError)
    driver_errors: tuple[type[BaseException], ...] = ()

    kind: str
    #: type names used by the schema DDL
    REAL = "DOUBLE PRECISION"
    ID = "BIGSERIAL PRIMARY KEY"
    TIMESTAMP = "TIMESTAMP"
    NOW = "(now() AT TIME ZONE 'utc')"  # timestamps are UTC in both backends
    INF = "'Infinity'::float8"  # x < INF is false for NaN and infinity
    FOR_UPDATE = " FOR UPDATE"
    integrity_errors: tuple[type[BaseException], ...] = ()

    label: str

    @abstractmethod
    def sql(self, text: str) -> str:
        """SQL text in this driver's parameter style."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction: committed when the block ends, rolled back on any exception."""

    @abstractmethod
    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement outside an explicit transaction (autocommit) and return the cursor."""

    def query(self, text: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A SELECT as a DataFrame (columns named as in the query)."""
        cur = self.execute(text, params)
        cols = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=cols)

    def scalar(self, text: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(text, params).fetchone()
        return None if row is None else row[0]

    @abstractmethod
    def lock_key(self, cur: Any, key: str) -> None:
        """Within a write transaction, wait until no other transaction holds ``key`` (released at commit)."""

    @abstractmethod
    def table_exists(self, name: str) -> bool:
        """Whether a table of that name exists."""

    @abstractmethod
    def write_layer(self, name: str, gdf: Any, *, srid: int, register: Callable[[Any], None]) -> None:
        """Write (or replace) a geometry layer; the old one stays until the new one is complete.

        ``register(cursor)`` records the layer in landkit's registry as part of the same write.
        """

    @abstractmethod
    def read_layer(self, name: str, crs: Any) -> Any:
        """Read a geometry layer as a GeoDataFrame in ``crs``, rows in the order written."""

    @abstractmethod
    def drop_layer(self, cur: Any, name: str) -> None:
        """Drop a layer's table inside the transaction of ``cur``."""

    @abstractmethod
    def constraint_name(self, exc: BaseException) -> str:
        """Name of the constraint an integrity error violated (as far as the driver tells)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""


# --------------------------------------------------------------------------- GeoPackage (SQLite)
class GeoPackageBackend(Backend):
    """A GeoPackage file: layers through GDAL (pyogrio), landkit's tables through SQLite."""

    kind = "gpkg"
    NOW = "CURRENT_TIMESTAMP"  # UTC in SQLite
    INF = "9e999"  # SQLite reads it as infinity
    REAL = "REAL"
    ID = "INTEGER PRIMARY KEY AUTOINCREMENT"
    FOR_UPDATE = ""  # SQLite locks the whole file for a write transaction (BEGIN IMMEDIATE)
    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 60.0) -> None:
        self.lock = threading.RLock()
        self.driver_errors = (sqlite3.Error, DataSourceError, DataLayerError)
        self.path = Path(path)
        self.label = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.file_lock():
            if not self.path.exists():
                # GDAL creates a valid, empty GeoPackage (application_id, gpkg_* tables) around its first table
                pyogrio.write_dataframe(pd.DataFrame({"key": ["created_by"], "value": ["landkit"]}), self.path,
                                        layer="landkit_meta", driver="GPKG")
        self.conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None,
                                    check_same_thread=False)
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(f"{self.path} is not a GeoPackage ({exc}): give a .gpkg file made by landkit or GDAL, "
                             "or a new file name") from exc
        if app_id != 0x47504B47:
            self.conn.close()
            raise StoreError(f"{self.path} is not a GeoPackage (SQLite application_id {app_id:#x}): give a .gpkg "
                             "file made by landkit or GDAL, or a new file name")

    def sql(self, text: str) -> str:
        return text.replace("%s", "?")

    def lock_key(self, cur: Any, key: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already lets one writer at a time into the file."""

    @contextmanager
    def file_lock(self) -> Iterator[None]:
        """An exclusive lock on ``<file>.lock`` held by one writer at a time (GDAL's writes and file creation).

        SQLite's own lock covers landkit's transactions; GDAL writes through its own connection, so
        analysts writing layers to the same file take this lock first.
        """
        lock = self.path.with_name(self.path.name + ".lock")
        with open(lock, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def transaction(self) -> Iterator[_SqliteCursor]:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")  # take the write lock now: no lost update between read and write
        try:
            yield _SqliteCursor(cur)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")

    def execute(self, text: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(self.sql(text), tuple(params))

    def table_exists(self, name: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        return row is not None

    def write_layer(self, name: str, gdf: Any, *, srid: int, register: Callable[[Any], None]) -> None:
        options = {"driver": "GPKG", "promote_to_multi": False, "layer_options": {"OVERWRITE": "YES"}}
        aware = [c for c in gdf.columns if getattr(gdf[c].dtype, "tz", None) is not None]
        if aware:  # GeoPackage datetimes are UTC; the store puts the zone back on reading
            gdf = gdf.assign(**{c: gdf[c].dt.tz_convert("UTC") for c in aware})
        trial = f"landkit_new_{secrets.token_hex(4)}"
        with self.file_lock():
            try:  # first under a temporary name: data GDAL refuses fails here, with the old layer untouched
                pyogrio.write_dataframe(gdf, self.path, layer=trial, **options)
            finally:
                with self.transaction() as cur:
                    self.drop_layer(cur, trial)
            pyogrio.write_dataframe(gdf, self.path, layer=name, **options)  # one GDAL transaction
            with self.transaction() as cur:
                register(cur)

    def read_layer(self, name: str, crs: Any) -> Any:
        gdf = pyogrio.read_dataframe(self.path, layer=name, fid_as_index=False)
        if crs is not None:
            gdf = gdf.set_crs(crs, allow_override=True)
        return gdf

    def drop_layer(self, cur: Any, name: str) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        for rtree in (f"rtree_{name}_geom", f"rtree_{name}_geometry"):
            cur.execute(f"DROP TABLE IF EXISTS {quote(rtree)}")
        # rows that refer to gpkg_contents first (foreign keys are on)
        for table in ("gpkg_geometry_columns", "gpkg_extensions", "gpkg_data_columns", "gpkg_ogr_contents",
                      "gpkg_contents"):
            if self.table_exists(table):
                cur.execute(f"DELETE FROM {table} WHERE table_name = %s", (name,))

    def constraint_name(self, exc: BaseException) -> str:
        text = str(exc)
        m = re.search(r"constraint failed: (.+)$", text)
        return m.group(1).strip() if m else text

    def close(self) -> None:
        self.conn.close()


class _SqliteCursor:
    """A cursor that takes ``%s`` parameters like psycopg, so SQL is written once."""

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self._cur = cur

    def execute(self, text: str, params: Sequence[Any] = ()) -> _SqliteCursor:
        self._cur.execute(text.replace("%s", "?"), tuple(params))
        return self

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> _SqliteCursor:
        self._cur.executemany(text.replace("%s", "?"), rows)
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def description(self) -> Any:
        return self._cur.description


# --------------------------------------------------------------------------- PostgreSQL / PostGIS
_PG_TYPES = {"b": "BOOLEAN", "i": "BIGINT", "u": "BIGINT", "f": "DOUBLE PRECISION", "M": "TIMESTAMP"}


class PostgisBackend(Backend):
    """A PostgreSQL database with PostGIS, reached by a URL whose password comes from the environment."""

    kind = "postgis"

    def __init__(self, url: str, *, connect_timeout_s: int = 10) -> None:
        import psycopg  # noqa: PLC0415  measured 70 ms: loaded for PostgreSQL stores only

        self.lock = threading.RLock()
        self.driver_errors = (psycopg.Error,)
        self.url = url
        self.label = redact(url)
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout_s)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to {self.label}: {str(exc).strip()} (the password comes from "
                             "PGPASSWORD or ~/.pgpass, never from the URL)") from exc
        self.integrity_errors = (psycopg.errors.IntegrityError,)
        has_postgis = self.conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        if not has_postgis:
            try:
                self.conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except psycopg.Error as exc:
                raise StoreError(f"{self.label}: PostGIS is not enabled and this role may not enable it: ask the "
                                 "database administrator to run CREATE EXTENSION postgis") from exc

    def sql(self, text: str) -> str:
        return text

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.conn.transaction(), self.conn.cursor() as cur:
            yield cur

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(text, tuple(params))

    def lock_key(self, cur: Any, key: str) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))

    def table_exists(self, name: str) -> bool:
        return self.scalar("SELECT to_regclass(%s) IS NOT NULL", (quote(name),)) is True

    def write_layer(self, name: str, gdf: Any, *, srid: int, register: Callable[[Any], None]) -> None:
        geom_col = gdf.geometry.name
        cols = [c for c in gdf.columns if c != geom_col]
        defs = [f"{quote('landkit_fid')} BIGINT PRIMARY KEY"]
        for c in cols:
            dtype = gdf[c].dtype
            aware = getattr(dtype, "tz", None) is not None
            defs.append(f"{quote(str(c))} {'TIMESTAMPTZ' if aware else _PG_TYPES.get(dtype.kind, 'TEXT')}")
        defs.append(f"geom geometry(Geometry, {int(srid)})")
        tmp = f"landkit_new_{secrets.token_hex(6)}"
        geoms = shapely.set_srid(np.asarray(gdf.geometry.array, dtype=object), int(srid))
        wkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
        columns: list[list[Any]] = [list(range(len(gdf)))]
        for c in cols:
            values = gdf[c]
            if values.dtype.kind == "M":
                values = values.astype(object)
            columns.append(_py(values) if values.dtype.kind in "biufM" else
                           [None if v is None else str(v) for v in _py(values)])
        columns.append(_py(wkb))
        target = ", ".join(quote(c) for c in ["landkit_fid", *map(str, cols), "geom"])
        with self.transaction() as cur:
            self.lock_key(cur, f"landkit_layer:{name}")  # a second writer waits, then replaces the first's table
            cur.execute(f"CREATE TABLE {quote(tmp)} ({', '.join(defs)})")
            with cur.copy(f"COPY {quote(tmp)} ({target}) FROM STDIN") as copy:
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
            cur.execute(f"CREATE INDEX ON {quote(tmp)} USING GIST (geom)")  # names chosen by PostgreSQL
            cur.execute(f"DROP TABLE IF EXISTS {quote(name)}")
            cur.execute(f"ALTER TABLE {quote(tmp)} RENAME TO {quote(name)}")
            register(cur)

    def read_layer(self, name: str, crs: Any) -> Any:
        cur = self.conn.execute(f"SELECT * FROM {quote(name)} LIMIT 0")
        cols = [d[0] for d in cur.description or () if d[0] not in ("landkit_fid", "geom")]
        select = ", ".join([*(quote(c) for c in cols), "ST_AsBinary(geom)"])
        cur = self.conn.execute(f"SELECT {select} FROM {quote(name)} ORDER BY landkit_fid")
        rows = cur.fetchall()
        data: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(len(cols) + 1)]
        frame = pd.DataFrame({c: pd.Series(list(v)).infer_objects() for c, v in zip(cols, data[:-1], strict=True)})
        geometry: np.ndarray | list[Any] = shapely.from_wkb(np.asarray(data[-1], dtype=object)) if rows else []
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)

    def drop_layer(self, cur: Any, name: str) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def constraint_name(self, exc: BaseException) -> str:
        diag = getattr(exc, "diag", None)
        name = getattr(diag, "constraint_name", None)
        return str(name) if name else str(exc)

    def close(self) -> None:
        self.conn.close()




class _HasBackend(Protocol):
    """An object whose methods :func:`guarded` decorates: it works through a backend."""

    @property
    def backend(self) -> Backend: ...


_P = ParamSpec("_P")
_R = TypeVar("_R")
_S = TypeVar("_S", bound=_HasBackend)


def guarded(operation: str) -> Callable[[Callable[Concatenate[_S, _P], _R]], Callable[Concatenate[_S, _P], _R]]:
    """Decorate a method of an object with a ``backend``: one thread at a time, errors named.

    The backend's lock is held for the whole method (so a read-then-write is not interleaved with
    another thread's), and an error of the database driver that the method did not handle itself
    reaches the user as a :class:`~landkit.StoreError` that names ``operation`` and the store.
    """

    def wrap(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
        @functools.wraps(method)
        def inner(obj: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            backend = obj.backend
            with backend.lock:
                try:
                    return method(obj, *args, **kwargs)
                except backend.driver_errors as exc:
                    raise StoreError(f"{backend.label}: could not {operation}: {str(exc).strip()}") from exc

        return inner

    return wrap


__all__ = ["Backend", "GeoPackageBackend", "PostgisBackend", "check_name", "guarded", "quote", "redact"]
