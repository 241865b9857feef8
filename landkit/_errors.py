"""The landkit exception hierarchy.

Every error raised on purpose by landkit derives from :class:`LandkitError`, and each also
subclasses the built-in exception a caller would naturally catch (``ValueError`` for bad input,
``RuntimeError`` for solver trouble), as osmnx and rasterio do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from landkit.validate import ValidationReport  # validate imports this module


class LandkitError(Exception):
    """Root of every error that landkit raises deliberately."""


@dataclass(frozen=True)
class Problem:
    """One defect found by validation.

    Parameters
    ----------
    where : str
        What the defect is attached to, e.g. ``"BSM 3713260000001234"``, ``"column DLBM"``,
        ``"layer DLTB"`` or ``"parameters.yaml: acquisition.site_prep"``.
    reason : str
        What is wrong, in plain words.
    hint : str
        What to do about it (may be empty).
    kind : str
        A short machine-readable tag (``"invalid_geometry"``, ``"duplicate_bsm"`` ...).
    """

    where: str
    reason: str
    hint: str = ""
    kind: str = "other"

    def __str__(self) -> str:
        text = f"{self.where}: {self.reason}"
        return f"{text} ({self.hint})" if self.hint else text


class ValidationError(LandkitError, ValueError):
    """Input data or parameters failed validation.

    All problems found in one pass are carried in :attr:`problems`; the message lists every one. A
    failed :func:`landkit.validate_parcels` attaches its :class:`~landkit.validate.ValidationReport` as
    :attr:`report` (the checked frame and the repairs); otherwise it is None.
    """

    def __init__(self, source: str, problems: Iterable[Problem | str], max_listed: int = 200, *,
                 report: ValidationReport | None = None) -> None:
        self.source = source
        self.report = report
        self._max_listed = max_listed
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(where=source, reason=str(p)) for p in problems
        ]
        lines = [f"{source}: {len(self.problems)} problem(s) found"]
        lines += [f"  - {p}" for p in self.problems[:max_listed]]
        if len(self.problems) > max_listed:
            lines.append(f"  ... and {len(self.problems) - max_listed} more (see .problems)")
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[ValidationError], tuple[str, list[Problem], int], dict[str, object]]:
        """Rebuilt from its source and problems (pickled across processes, copied); the report kept."""
        return type(self), (self.source, self.problems, self._max_listed), {"report": self.report}

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table (where, reason, hint, kind): one row each, ready to filter or export."""
        return pd.DataFrame(
            [{"where": p.where, "reason": p.reason, "hint": p.hint, "kind": p.kind} for p in self.problems],
            columns=["where", "reason", "hint", "kind"],
        )

    def by_kind(self) -> dict[str, list[Problem]]:
        """Group the problems by their ``kind`` tag."""
        out: dict[str, list[Problem]] = {}
        for p in self.problems:
            out.setdefault(p.kind, []).append(p)
        return out


class CRSError(ValidationError):
    """A layer or raster has no CRS, or a CRS landkit cannot use."""


class InfeasibleError(LandkitError, ValueError):
    """An optimisation model has no feasible solution.

    ``diagnosis`` holds the named constraint groups that cannot be met and by how much, in the
    user's units, when a diagnosis was run.
    """

    def __init__(self, message: str, diagnosis: object | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


class SolverError(LandkitError, RuntimeError):
    """The solver failed, or returned a status landkit cannot interpret."""


class StoreError(LandkitError, RuntimeError):
    """A landkit store (GeoPackage or PostGIS) refused an operation: a rule of the reserve ledger, an
    unknown layer, an unreadable schema version, or a connection that failed. The message says what
    to do."""


class ConflictError(StoreError):
    """Someone else changed the record since it was read: nothing was written; re-read and retry."""


class OutputFolderError(LandkitError, FileExistsError):
    """An output path holds something landkit did not write (a file, a user's folder, files added to a
    landkit output): nothing was written; the message says what to do."""



class AccountError(LandkitError, RuntimeError):
    """A scenario's plan fails an independent check (a model's own, or the town's land account): a parcel
    or quota unit used twice, a balance left negative, protected land built on. Nothing is published."""


class CheckFailedError(AccountError):
    """A model's solution fails the model's own independent checker: the solver and the checker disagree,
    so the plan is never published.

    Attributes
    ----------
    model : str
        The model's name in words (``"reserve plan"``, ``"linkage plan"``, ``"farmland balance"``).
    problems : list of str
        Every invariant the checker found broken, in the checker's words.
    """

    def __init__(self, model: str, problems: Iterable[str]) -> None:
        self.model = model
        self.problems = list(problems)
        super().__init__(f"{model} failed its independent check:\n" + "\n".join(self.problems))

    def __reduce__(self) -> tuple[type[CheckFailedError], tuple[str, list[str]]]:
        """Rebuilt from its model and problems (pickled across processes, copied)."""
        return type(self), (self.model, self.problems)


class ArgumentError(LandkitError, ValueError):
    """A function was called with a value it cannot use; the message says which and what is allowed."""


class ArgumentTypeError(LandkitError, TypeError):
    """A function was called with an object of the wrong type; the message names the type expected."""


class NotFoundError(LandkitError, KeyError):
    """A named thing (a layer, a variable, a path between two sites) is not there; the message lists what is."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def reject_unknown_keywords(function: str, given: Iterable[str], accepted: Iterable[str]) -> None:
    """Refuse keywords a function does not take, as Python does for a signature without ``**kwargs``.

    For a function whose rarely used options arrive as ``**options: Unpack[SomeTypedDict]``: the type
    checker holds the call sites to the TypedDict, and this holds the calls it cannot see.

    Raises
    ------
    ArgumentTypeError
        Naming the first unknown keyword in sorted order.
    """
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise ArgumentTypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")


class MissingFileError(LandkitError, FileNotFoundError):
    """A file or folder the user named does not exist; the message names it (and similar names nearby)."""


class ExportError(LandkitError, OSError):
    """A model or file could not be written; the message says what the writer reported."""
