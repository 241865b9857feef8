"""landkit.store: one town's shared data in a GeoPackage file or a PostGIS database.

Parcels and zoning layers, scenario runs (result layers, KPIs, audit records) and the reserve
ledger (储备土地台账) behind one interface::

    from landkit.store import open_store

    store = open_store("tanyi_store.gpkg")                      # or "postgresql://analyst@host/tanyi"
    store.write_parcels(town.parcels)                            # 三调 地类图斑
    ledger = store.ledger
    ledger.record_acquisition("3713250001", on="2020-04-30", area_mu=12.5, compensation_wan_yuan=540)
    ledger.plan_vs_actual(result)                                # 计划与实际对比
    plan = ledger.replan(town, years=[2021, 2022, 2023])         # next years, from what is held

Passwords come from ``PGPASSWORD`` or ``~/.pgpass``, never from the URL.
"""

from landkit.store.ledger import ACQUISITION_COMPONENTS, SUPPLY_METHODS, ReserveLedger
from landkit.store.schema import SCHEMA_VERSION
from landkit.store.server import LocalPostgres
from landkit.store.store import LAYER_KINDS, Store, default_user, open_store

__all__ = ["ACQUISITION_COMPONENTS", "LAYER_KINDS", "SCHEMA_VERSION", "SUPPLY_METHODS", "LocalPostgres",
           "ReserveLedger", "Store", "default_user", "open_store"]
