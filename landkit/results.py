"""What every model's result shares: the plan it solved and the solver's honest outcome."""

from __future__ import annotations

from typing import Any

from landkit.optimize import SolveResult, Status


class ModelResult:
    """Base of the models' result classes (:class:`~landkit.reserve.ReserveResult`, ...).

    Attributes
    ----------
    plan : object
        The model that was solved.
    outcome : SolveResult
        Status, objective, bound, gap, run time and log of the solve, as read from the solver.
    """

    def __init__(self, plan: Any, outcome: SolveResult) -> None:
        self.plan = plan
        self.outcome = outcome

    @property
    def status(self) -> Status:
        """The solver's status (optimal within the gap / feasible at a limit / ...)."""
        return self.outcome.status

    @property
    def objective(self) -> float:
        """The optimised objective in the model's unit (万元), NaN without a solution."""
        return float(self.outcome.objective) if self.outcome.objective is not None else float("nan")

    def binary(self, name: str) -> Any:
        """A binary decision variable's values as 0/1 integers (a pandas object labelled by its dimensions)."""
        return (self.outcome.value(name).to_pandas() > 0.5).astype(int)

    @property
    def gap(self) -> float | None:
        """Relative MIP gap proven by the solver (None when unknown)."""
        return self.outcome.gap
