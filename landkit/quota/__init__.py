"""增减挂钩 and the quota market: project-area planning (拆旧/建新, 周转指标, 节余指标) and quota trades."""

from landkit.quota.check import check_linkage
from landkit.quota.inputs import (
    PLOT_COLUMNS,
    SITE_COLUMNS,
    LinkageInputs,
    linkage_inputs_from_town,
    reclaimed_quality,
)
from landkit.quota.linkage import LinkagePlan
from landkit.quota.market import REGIMES, MarketRegime, MarketResult, QuotaMarket, regimes
from landkit.quota.result import LinkageResult

__all__ = [
    "PLOT_COLUMNS",
    "REGIMES",
    "SITE_COLUMNS",
    "LinkageInputs",
    "LinkagePlan",
    "LinkageResult",
    "MarketRegime",
    "MarketResult",
    "QuotaMarket",
    "check_linkage",
    "linkage_inputs_from_town",
    "reclaimed_quality",
    "regimes",
]
