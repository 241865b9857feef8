"""The landkit exception hierarchy.

Every error raised on purpose by landkit derives from :class:`LandkitError`, and each also
subclasses the built-in exception a caller would naturally catch (``ValueError`` for bad input,
``RuntimeError`` for solver trouble), as osmnx and rasterio do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


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

    All problems found in one pass are carried in :attr:`problems`; the message lists every one.
    """

    def __init__(self, source: str, problems: Iterable[Problem | str], max_listed: int = 200) -> None:
        self.source = source
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(where=source, reason=str(p)) for p in problems
        ]
        lines = [f"{source}: {len(self.problems)} problem(s) found"]
        lines += [f"  - {p}" for p in self.problems[:max_listed]]
        if len(self.problems) > max_listed:
            lines.append(f"  ... and {len(self.problems) - max_listed} more (see .problems)")
        super().__init__("\n".join(lines))

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


class ArgumentError(LandkitError, ValueError):
    """A function was called with a value it cannot use; the message says which and what is allowed."""


class ArgumentTypeError(LandkitError, TypeError):
    """A function was called with an object of the wrong type; the message names the type expected."""


class NotFoundError(LandkitError, KeyError):
    """A named thing (a layer, a variable, a path between two sites) is not there; the message lists what is."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class MissingFileError(LandkitError, FileNotFoundError):
    """A file or folder the user named does not exist; the message names it (and similar names nearby)."""


class ExportError(LandkitError, OSError):
    """A model or file could not be written; the message says what the writer reported."""
