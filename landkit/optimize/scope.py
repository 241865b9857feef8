"""Several models in one linopy model: each adds its variables and constraints under its own prefix.

A model's ``define`` step takes a :class:`Scope` rather than a bare :class:`linopy.Model`, so the same
step builds the model alone (``Scope(model)``, names as they are) or as one part of a larger MILP
(``Scope(model, "reserve")``: ``x`` becomes ``reserve:x``), as PyPSA's ``define_*`` functions add one
group of variables and constraints each to a model they share.
"""

from __future__ import annotations

from typing import Any, cast

import linopy

#: Between a part's prefix and its own names (``reserve:x``).
SEPARATOR = ":"


class Scope:
    """A named part of a linopy model.

    Parameters
    ----------
    model : linopy.Model
        The model the part adds to.
    prefix : str
        The part's name; empty for a model on its own.
    """

    def __init__(self, model: linopy.Model, prefix: str = "") -> None:
        self.model = model
        self.prefix = prefix

    def name(self, name: str) -> str:
        """The full name of the part's variable or constraint ``name``."""
        return f"{self.prefix}{SEPARATOR}{name}" if self.prefix else name

    def add_variables(self, *, name: str, **kwargs: Any) -> linopy.Variable:
        """:meth:`linopy.Model.add_variables` (keyword arguments) under the part's prefix."""
        return self.model.add_variables(name=self.name(name), **kwargs)

    def add_constraints(self, lhs: Any, sign: Any = None, rhs: Any = None, *, name: str,
                        **kwargs: Any) -> linopy.Constraint:
        """:meth:`linopy.Model.add_constraints` under the part's prefix."""
        added = self.model.add_constraints(lhs, sign, rhs, name=self.name(name), **kwargs)
        # linopy types the result by its ``freeze`` argument; unfrozen (the default) it is a Constraint
        return cast(linopy.Constraint, added)


def unscoped(values: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The entries of ``values`` (by full name) that belong to part ``prefix``, by their own names."""
    head = f"{prefix}{SEPARATOR}"
    return {k[len(head):]: v for k, v in values.items() if k.startswith(head)}


__all__ = ["SEPARATOR", "Scope", "unscoped"]
