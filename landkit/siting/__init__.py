"""Industrial park siting: exact contiguous compact sites on grids and parcels."""

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

__all__ = [
    "ContiguousResult",
    "SiteSpec",
    "UnitGraph",
    "best_contiguous_mask",
    "best_contiguous_site",
    "flow_contiguous_site",
    "greedy_site",
    "solve_sites",
]
