"""耕地占补平衡: the three-balance ledger (数量, 产能, 水田) and least-cost supplementation.

::

    ledger = FarmlandLedger().occupy(reserve_result.occupations()).add_units(units)
    result = FarmlandBalance(ledger).solve()
    result.balance_sheet(); result.units_cancelled(); result.marginal_costs(); result.plot()
"""

from landkit.farmland.candidates import candidate_unit_parcels, candidate_units, occupations_from_layer
from landkit.farmland.ledger import (
    DIMENSIONS,
    SOURCES,
    FarmlandLedger,
    SupplementUnit,
    indicator,
    linkage_surplus,
    occupation_table,
    reclamation,
    unit_table,
    upgrade,
)
from landkit.farmland.model import DIAGNOSIS_GROUPS, FarmlandBalance
from landkit.farmland.prices import (
    MARKETS,
    REGIMES,
    capacity_kg_per_mu,
    capacity_per_mu,
    national_price,
    regime_for,
    shandong_price,
)
from landkit.farmland.result import FarmlandResult, check_balance

__all__ = [
    "DIAGNOSIS_GROUPS",
    "DIMENSIONS",
    "MARKETS",
    "REGIMES",
    "SOURCES",
    "FarmlandBalance",
    "FarmlandLedger",
    "FarmlandResult",
    "SupplementUnit",
    "candidate_unit_parcels",
    "candidate_units",
    "capacity_kg_per_mu",
    "capacity_per_mu",
    "check_balance",
    "indicator",
    "linkage_surplus",
    "national_price",
    "occupation_table",
    "occupations_from_layer",
    "reclamation",
    "regime_for",
    "shandong_price",
    "unit_table",
    "upgrade",
]
