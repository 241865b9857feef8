"""The store's tables, their version, and the steps that upgrade an older store.

Version history
---------------
1. ``landkit_meta`` (schema version), ``landkit_layer`` (every layer written: kind, CRS, rows, who,
   when), ``landkit_run`` and ``landkit_run_kpi`` (scenario runs: audit record and headline figures).
2. The reserve ledger (储备土地台账): ``reserve_parcel`` (one row per parcel held or supplied, with the
   rules the database enforces), ``reserve_event`` (every event, append-only, with who and when) and
   ``reserve_plan`` / ``reserve_plan_row`` (saved plans, for plan versus actual).

Rules the database itself enforces (named constraints; a violation is reported with its name):
area > 0; every cost, price and income ≥ 0 (0 allowed: 闲置土地无偿收回 costs nothing); no
前期开发 or supply dated before the acquisition; a supply has a date, a method (招拍挂 or 划拨) and
a price, and 招拍挂 has a positive price; a parcel is acquired once and supplied once (unique
partial indexes on the events); an event names a parcel in the ledger (foreign key).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from landkit._errors import StoreError
from landkit.store._backend import Backend

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2

_V1 = [
    "CREATE TABLE IF NOT EXISTS landkit_meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE landkit_layer (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL CONSTRAINT layer_kind_known CHECK (kind IN ('parcels', 'zoning', 'run', 'other')),
        run_id BIGINT,
        crs_wkt TEXT,
        srid INTEGER,
        n_rows BIGINT NOT NULL CONSTRAINT layer_rows_nonnegative CHECK (n_rows >= 0),
        dtypes_json TEXT,
        written_by TEXT NOT NULL,
        written_at {TS} NOT NULL DEFAULT {NOW})""",
    """CREATE TABLE landkit_run (
        id {ID},
        scenario TEXT NOT NULL,
        status TEXT NOT NULL,
        audit_json TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at {TS} NOT NULL DEFAULT {NOW})""",
    """CREATE TABLE landkit_run_kpi (
        run_id BIGINT NOT NULL REFERENCES landkit_run (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value {REAL},
        PRIMARY KEY (run_id, key))""",
]

_AMOUNTS = ("compensation", "social_security", "crops", "demolition", "preparation", "price", "income")

_V2 = [
    """CREATE TABLE reserve_parcel (
        bsm TEXT PRIMARY KEY,
        area_mu {REAL} NOT NULL CONSTRAINT area_positive CHECK (area_mu > 0 AND area_mu < {INF}){NUM:area_mu},
        planned_use TEXT,
        acquired_on DATE NOT NULL{DATE:acquired_on},
        acquisition_cost_wan_yuan {REAL} NOT NULL
            CONSTRAINT acquisition_cost_nonnegative CHECK (acquisition_cost_wan_yuan >= 0
                AND acquisition_cost_wan_yuan < {INF}){NUM:acquisition_cost_wan_yuan},
        developed_on DATE
            CONSTRAINT developed_after_acquired CHECK (developed_on IS NULL OR developed_on >= acquired_on)
                {DATE:developed_on},
        development_cost_wan_yuan {REAL} NOT NULL DEFAULT 0
            CONSTRAINT development_cost_nonnegative CHECK (development_cost_wan_yuan >= 0
                AND development_cost_wan_yuan < {INF}){NUM:development_cost_wan_yuan},
        supplied_on DATE
            CONSTRAINT supplied_after_acquired CHECK (supplied_on IS NULL OR supplied_on >= acquired_on)
                {DATE:supplied_on},
        supply_method TEXT
            CONSTRAINT supply_method_known CHECK (supply_method IS NULL OR supply_method IN ('招拍挂', '划拨')),
        supply_price_wan_yuan {REAL}
            CONSTRAINT supply_price_nonnegative CHECK (supply_price_wan_yuan IS NULL
                OR (supply_price_wan_yuan >= 0 AND supply_price_wan_yuan < {INF})){NUM:supply_price_wan_yuan},
        temporary_income_wan_yuan {REAL} NOT NULL DEFAULT 0
            CONSTRAINT temporary_income_nonnegative CHECK (temporary_income_wan_yuan >= 0
                AND temporary_income_wan_yuan < {INF}){NUM:temporary_income_wan_yuan},
        version INTEGER NOT NULL DEFAULT 1,
        changed_by TEXT NOT NULL,
        changed_at {TS} NOT NULL DEFAULT {NOW},
        CONSTRAINT supply_complete CHECK (
            (supplied_on IS NULL AND supply_method IS NULL AND supply_price_wan_yuan IS NULL)
            OR (supplied_on IS NOT NULL AND supply_method IS NOT NULL AND supply_price_wan_yuan IS NOT NULL)),
        CONSTRAINT auction_has_price CHECK (
            supply_method IS NULL OR supply_method <> '招拍挂' OR supply_price_wan_yuan > 0))""",
    """CREATE TABLE reserve_event (
        id {ID},
        bsm TEXT NOT NULL CONSTRAINT event_parcel_known REFERENCES reserve_parcel (bsm),
        kind TEXT NOT NULL CONSTRAINT event_kind_known
            CHECK (kind IN ('acquired', 'developed', 'supplied', 'temporary_use', 'correction')),
        event_date DATE NOT NULL{DATE:event_date},
        end_date DATE CONSTRAINT event_end_after_start CHECK (end_date IS NULL OR end_date >= event_date)
            {DATE:end_date},
        """ + ",\n        ".join(f"{a}_wan_yuan {{REAL}} NOT NULL DEFAULT 0" for a in _AMOUNTS) + """,
        method TEXT,
        note TEXT,
        recorded_by TEXT NOT NULL,
        recorded_at {TS} NOT NULL DEFAULT {NOW},
        CONSTRAINT event_amounts_nonnegative CHECK ("""
    + " AND ".join(f"{a}_wan_yuan >= 0 AND {a}_wan_yuan < {{INF}}" for a in _AMOUNTS) + "))",
    "CREATE UNIQUE INDEX reserve_event_one_acquisition ON reserve_event (bsm) WHERE kind = 'acquired'",
    "CREATE UNIQUE INDEX reserve_event_one_supply ON reserve_event (bsm) WHERE kind = 'supplied'",
    "CREATE INDEX reserve_event_by_parcel ON reserve_event (bsm, event_date)",
    """CREATE TABLE reserve_plan (
        name TEXT PRIMARY KEY,
        summary_json TEXT NOT NULL,
        saved_by TEXT NOT NULL,
        saved_at {TS} NOT NULL DEFAULT {NOW})""",
    """CREATE TABLE reserve_plan_row (
        plan TEXT NOT NULL REFERENCES reserve_plan (name) ON DELETE CASCADE,
        bsm TEXT NOT NULL,
        year_acquired INTEGER NOT NULL,
        year_supplied INTEGER,
        area_mu {REAL} NOT NULL CONSTRAINT plan_area_positive CHECK (area_mu > 0 AND area_mu < {INF}),
        cost_wan_yuan {REAL} NOT NULL CONSTRAINT plan_cost_nonnegative CHECK (cost_wan_yuan >= 0
            AND cost_wan_yuan < {INF}),
        revenue_wan_yuan {REAL} NOT NULL CONSTRAINT plan_revenue_nonnegative CHECK (revenue_wan_yuan >= 0
            AND revenue_wan_yuan < {INF}),
        PRIMARY KEY (plan, bsm))""",
]

#: version -> the statements that bring a store from version - 1 to it
MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2}


def _ddl(backend: Backend, text: str) -> str:
    """DDL in the backend's dialect. PostgreSQL's types check dates and numbers themselves; in SQLite
    (which stores any value in any column) ``{DATE:c}`` and ``{NUM:c}`` add the checks. ``{INF}``
    keeps NaN and infinity out (PostgreSQL orders NaN above every number; SQLite stores NaN as NULL)."""
    sqlite = backend.kind == "gpkg"
    text = re.sub(r"\{DATE:(\w+)\}", (lambda m: f" CONSTRAINT {m[1]}_is_date CHECK ({m[1]} IS NULL OR {m[1]} IS "
                                      f"date({m[1]}))") if sqlite else "", text)
    text = re.sub(r"\{NUM:(\w+)\}", (lambda m: f" CONSTRAINT {m[1]}_is_number CHECK (typeof({m[1]}) IN "
                                     "('real', 'integer', 'null'))") if sqlite else "", text)
    return text.replace("{REAL}", backend.REAL).replace("{ID}", backend.ID).replace(
        "{TS}", backend.TIMESTAMP).replace("{NOW}", backend.NOW).replace("{INF}", backend.INF)


def stored_version(backend: Backend) -> int:
    """The schema version recorded in the store (0 for a store landkit has not set up yet)."""
    if not backend.table_exists("landkit_meta"):
        return 0
    value = backend.scalar("SELECT value FROM landkit_meta WHERE key = %s", ("schema_version",))
    return int(value) if value is not None else 0


def _set_version(cur: Any, version: int) -> None:
    cur.execute("UPDATE landkit_meta SET value = %s WHERE key = %s", (str(version), "schema_version"))
    if cur.rowcount == 0:
        cur.execute("INSERT INTO landkit_meta (key, value) VALUES (%s, %s)", ("schema_version", str(version)))


def upgrade_command(label: str) -> str:
    return f"landkit store upgrade {label}"


def ensure_schema(backend: Backend, *, upgrade: bool = True, target: int = SCHEMA_VERSION) -> int:
    """Create the tables of a new store, or upgrade an older one (all steps in one transaction).

    Returns the version the store had before. A store newer than this landkit, or an older one
    with ``upgrade=False``, raises :class:`~landkit.StoreError` saying what to do.
    """
    before = stored_version(backend)
    if before > SCHEMA_VERSION:
        raise StoreError(f"{backend.label} has store schema version {before}; this landkit (schema {SCHEMA_VERSION}) "
                         "is older than the store: upgrade landkit (pip install -U landkit) before opening it")
    if before >= target:
        return before
    if before > 0 and not upgrade:
        raise StoreError(f"{backend.label} has store schema version {before}, this landkit uses {target}: open it with "
                         f"open_store(..., upgrade=True) or run `{upgrade_command(backend.label)}` (a backup first is "
                         "wise; the upgrade runs in one transaction and adds tables, it removes nothing)")
    with backend.transaction() as cur:
        if backend.kind == "postgis":  # two analysts opening an old store at once: one upgrades, one waits
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('landkit_schema'))")
        now = stored_version(backend) if backend.kind == "gpkg" else _version_in(cur, backend)
        for version in range(now + 1, target + 1):
            for statement in MIGRATIONS[version]:
                cur.execute(_ddl(backend, statement))
            if version == 1 and backend.kind == "gpkg":
                cur.execute("DELETE FROM landkit_meta WHERE key = %s", ("created_by",))
        if target > now:
            _set_version(cur, target)
    if before:
        log.warning("%s: store upgraded from schema %d to %d", backend.label, before, target)
    return before


def _version_in(cur: Any, backend: Backend) -> int:
    # the catalog itself, read with this statement's snapshot (to_regclass would use a cache that is stale
    # right after waiting for the lock while another analyst created the tables)
    cur.execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'landkit_meta' "
                "AND schemaname = current_schema())")
    if not cur.fetchone()[0]:
        return 0
    cur.execute("SELECT value FROM landkit_meta WHERE key = %s", ("schema_version",))
    row = cur.fetchone()
    return int(row[0]) if row else 0


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "ensure_schema", "stored_version"]
