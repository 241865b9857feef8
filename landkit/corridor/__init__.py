"""Tourism corridor siting: resistance surfaces, least-cost paths and corridors, route choice.

::

    corridor = TourismCorridor.from_town(town, protected="allow")  # MCR surface + paths among the sites
    choice = corridor.best_order(by="length_m")              # exact path TSP (MILP, MTZ)
    route = corridor.route(choice)                           # segments GeoDataFrame, land take
    route.table(); route.summary(); route.occupations()      # → 占补平衡 ledger
    corridor.plot({"最短": route})
"""

from landkit.corridor.costdist import (
    KNIGHT_OFFSETS,
    OFFSETS_8,
    CostDistance,
    cost_distance,
    cost_distances,
    knight_crossed,
    path_cost,
    tobler_speed_kmh,
    walking_time,
)
from landkit.corridor.plan import TourismCorridor
from landkit.corridor.resistance import BARRIER_KINDS, FACTORS, ResistanceSurface, resistance_surface
from landkit.corridor.result import Route, build_route, cells_to_line, plot_routes
from landkit.corridor.routes import PairwisePaths, RouteChoice, best_order, orienteering, pairwise_paths, route_cost

__all__ = [
    "BARRIER_KINDS",
    "FACTORS",
    "KNIGHT_OFFSETS",
    "OFFSETS_8",
    "CostDistance",
    "PairwisePaths",
    "ResistanceSurface",
    "Route",
    "RouteChoice",
    "TourismCorridor",
    "best_order",
    "build_route",
    "cells_to_line",
    "cost_distance",
    "cost_distances",
    "knight_crossed",
    "orienteering",
    "pairwise_paths",
    "path_cost",
    "plot_routes",
    "resistance_surface",
    "route_cost",
    "tobler_speed_kmh",
    "walking_time",
]
