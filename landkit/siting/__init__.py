"""Industrial park siting: exact contiguous compact sites on grids and parcels."""

from landkit.siting.compare import SiteComparison, SiteOption, compare_sites
from landkit.siting.contiguous import (
    ContiguousResult,
    SiteSpec,
    UnitGraph,
    best_contiguous_mask,
    best_contiguous_site,
    flow_contiguous_site,
    greedy_site,
    solve_sites,
)
from landkit.siting.parks import ParkSiting, ParkSpec, SitingOverrides, site_parks

__all__ = [
    "ContiguousResult",
    "ParkSiting",
    "ParkSpec",
    "SiteComparison",
    "SiteOption",
    "SiteSpec",
    "SitingOverrides",
    "UnitGraph",
    "best_contiguous_mask",
    "best_contiguous_site",
    "compare_sites",
    "flow_contiguous_site",
    "greedy_site",
    "site_parks",
    "solve_sites",
]
