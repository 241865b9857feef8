"""Units of area and money: the only place such constants live.

Stored values are SI (m², 元); users see 亩, 公顷 and 万元. Column names carry their unit:
``area_m2``, ``area_mu``, ``area_ha``, ``cost_wan_yuan``.

1 亩 = 10000/15 m² (exactly 666.666… m²); 1 公顷 = 15 亩 = 10 000 m²; 1 万元 = 10 000 元.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

M2_PER_MU: float = 10000.0 / 15.0
M2_PER_HA: float = 10000.0
MU_PER_HA: float = 15.0
YUAN_PER_WAN: float = 10000.0
M2_PER_KM2: float = 1.0e6

T = TypeVar("T", float, np.ndarray)


def m2_to_mu(area_m2: T) -> T:
    """Square metres to 亩."""
    return area_m2 / M2_PER_MU


def mu_to_m2(area_mu: T) -> T:
    """亩 to square metres."""
    return area_mu * M2_PER_MU


def m2_to_ha(area_m2: T) -> T:
    """Square metres to 公顷 (hectares)."""
    return area_m2 / M2_PER_HA


def ha_to_mu(area_ha: T) -> T:
    """公顷 to 亩."""
    return area_ha * MU_PER_HA


def mu_to_ha(area_mu: T) -> T:
    """亩 to 公顷."""
    return area_mu / MU_PER_HA


def yuan_to_wan(yuan: T) -> T:
    """元 to 万元."""
    return yuan / YUAN_PER_WAN


def wan_to_yuan(wan_yuan: T) -> T:
    """万元 to 元."""
    return wan_yuan * YUAN_PER_WAN


def yuan_per_m2_to_wan_per_mu(price_yuan_m2: T) -> T:
    """A price in 元/m² to 万元/亩 (e.g. the 工业用地出让最低价标准)."""
    return price_yuan_m2 * M2_PER_MU / YUAN_PER_WAN


def wan_per_mu_to_yuan_per_m2(price_wan_mu: T) -> T:
    """A price in 万元/亩 to 元/m²."""
    return price_wan_mu * YUAN_PER_WAN / M2_PER_MU
