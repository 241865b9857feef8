"""Solving landkit's decision models: statuses, gaps, duals, a hard time limit, export, diagnosis.

Every decision model is a linopy model (labelled dimensions such as parcel × year) solved by
HiGHS (default) or CBC (the independent second solver shipped in the pulp wheel)::

    result = solve(model, time_limit_s=60)
    result.summary()            # 'HiGHS: optimal; objective 1,234; 0.41 s (limit 60 s)'
    result.raise_for_status()   # InfeasibleError with a diagnosis in the user's units
    result.value("buy")         # DataArray over (parcel, year)

Statuses
--------
``OPTIMAL``
    proven optimal (a MIP: within ``mip_gap``, checked by landkit, not taken on trust);
``FEASIBLE``
    a feasible solution, stopped at the time limit (or another limit); ``gap`` bounds how far
    from optimal it can be;
``TIME_LIMIT_NO_SOLUTION``
    the limit came before any feasible solution (nothing is known about feasibility);
``INFEASIBLE``
    proven that no solution exists (:func:`diagnose_infeasibility` says which named constraint
    groups cannot be met, and by how much);
``UNBOUNDED``
    the objective can improve without limit (an "unbounded or infeasible" answer from a
    solver is settled by a feasibility solve when time allows);
``ERROR``
    the solver failed, or its solution did not pass landkit's feasibility check.

Every returned solution is checked against all rows, bounds and integrality before it is
reported as OPTIMAL or FEASIBLE.

Dual sign convention
--------------------
The dual of a constraint is the change in the optimal objective per unit increase of the
constraint's right-hand side, ``d(objective*)/d(rhs)``, in the model's own objective sense,
for both solvers. So in a maximisation a binding budget ``<=`` has a dual >= 0 (more budget,
more objective); in a minimisation a binding demand ``>=`` has a dual >= 0 (more demand,
more cost); a slack constraint has dual 0. Duals exist only for LPs solved to optimality.

Hard time limit
---------------
``time_limit_s`` is wall-clock time from the call of :func:`solve` to its return, and the user
can trust it: the solver runs in a child process whose own time limit ends at 90 % of the
limit; a CBC still running at 95 % gets SIGINT (it stops and writes its incumbent, usually at
once); any solver still running at 103 % is killed with its process group. HiGHS hands every
improving MIP solution to a callback that saves it to disk at once, so a kill keeps the best
solution found (status FEASIBLE, with the last known bound) or says TIME_LIMIT_NO_SOLUTION. A
CBC killed before it answered its SIGINT loses its incumbent: TIME_LIMIT_NO_SOLUTION, honest but
pessimistic. CBC ignores its own limit during its root LP; the kill covers that too.

Measured on a grid selection MILP (``benchmarks/bench_optimize.py``, 2 threads, 5 s limit,
100k parcels): HiGHS alone took 9.05 s (dual simplex) and 6.46 s (IPM); through :func:`solve`,
5.26 s and 5.22 s. Reading a 300k-column solution back takes about 0.1 s, so the result is back
within the limit + 10 % for limits of a few seconds and up.

Each solve runs in a fresh process (HiGHS's ``threads`` option takes effect every time, and a
solver crash cannot take the Python session down). A worker with numpy and highspy already
imported is kept ready for the next solve, so the fixed cost of a solve is 0.02-0.1 s
(``LANDKIT_WARM_WORKER=0`` turns this off; an idle worker exits with its parent).

MIP starts
----------
``solve(model, start=earlier.solution())`` hands HiGHS a MIP start (values by variable name,
aligned by coordinate labels, so it may cover part of the model). A start that satisfies the
whole model is passed as it is; otherwise only its integer values are, and HiGHS completes them
or drops them. A start changes nothing about the model, the statuses or the checks above; the
result's ``notes`` say what was done with it. ``ReservePlan.solve(warm_start=...)`` and the
reserve panel's re-solves use it.

Re-solves
---------
:class:`SolveSession` keeps one HiGHS model in a long-lived worker and changes in place only the
entries that differ between successive models of one structure (a panel's slider, a sweep's samples);
statuses, checks and the time limit are :func:`solve`'s.

LP algorithm
------------
``lp_method="auto"`` uses the interior-point method (HiGHS ``solver="ipm"``, for MIPs
``mip_lp_solver="ipm"``) when the model has at least 100,000 nonzeros or 20,000 columns: at
50k parcels the root LP took 45-60 s with dual simplex and 12.6 s with IPM.
"""

from landkit.optimize._problem import LinearProblem, from_linopy
from landkit.optimize._result import SolveResult
from landkit.optimize._solve import (
    AUTO_IPM_MIN_COLUMNS,
    AUTO_IPM_MIN_NONZEROS,
    LP_METHODS,
    SOLVERS,
    resolve_lp_method,
    solve,
)
from landkit.optimize._status import Status
from landkit.optimize.diagnose import Diagnosis, GroupSpec, diagnose_infeasibility
from landkit.optimize.export import export_model
from landkit.optimize.scope import Scope, unscoped
from landkit.optimize.session import SessionUpdate, SolveSession

__all__ = [
    "AUTO_IPM_MIN_COLUMNS",
    "AUTO_IPM_MIN_NONZEROS",
    "LP_METHODS",
    "SOLVERS",
    "Diagnosis",
    "GroupSpec",
    "LinearProblem",
    "Scope",
    "SessionUpdate",
    "SolveResult",
    "SolveSession",
    "Status",
    "diagnose_infeasibility",
    "export_model",
    "from_linopy",
    "resolve_lp_method",
    "solve",
    "unscoped",
]
