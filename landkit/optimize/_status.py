"""The solve status every landkit decision model reports."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    """How a solve ended, read from the solver by landkit itself (never assumed).

    Attributes
    ----------
    OPTIMAL
        Proven optimal: an LP solved to optimality, or a MIP whose gap between the solution and
        the best bound is within ``mip_gap``.
    FEASIBLE
        A feasible solution, but optimality is not proven: the time limit (or another limit)
        stopped the solver. ``gap`` says how far from optimal it can be at most.
    TIME_LIMIT_NO_SOLUTION
        The time limit was reached before any feasible solution was found. Says nothing about
        whether one exists.
    INFEASIBLE
        Proven that no solution satisfies all constraints.
    UNBOUNDED
        The objective can improve without limit (a modelling error: a missing bound or
        constraint).
    ERROR
        The solver failed or returned something landkit could not verify.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"
