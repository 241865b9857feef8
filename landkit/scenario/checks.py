"""Small checks of scenario values, shared by the scenario schema and the models' adapters.

A check is ``(predicate, text)``: the predicate says whether a value is allowed, the text says what is
allowed, in the words the error message shows (``models.reserve.mip_gap: is 2 (allowed: a number in [0, 1))``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Check = tuple[Callable[[Any], bool], str]


def is_number(v: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def is_int(v: Any) -> bool:
    """An int (not a bool)."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_years(v: Any) -> bool:
    """A non-empty increasing list of whole years between 1990 and 2100."""
    return isinstance(v, list) and len(v) > 0 and all(is_int(y) and 1990 <= y <= 2100 for y in v) and \
        v == sorted(set(v))


def is_names(v: Any) -> bool:
    """A list of names or codes."""
    return isinstance(v, list) and all(isinstance(s, (str, int)) for s in v)


def choice(*allowed: Any) -> Check:
    """One of ``allowed``."""
    return (lambda v: v in allowed, "one of " + ", ".join(repr(a) for a in allowed))


BOOL: Check = (lambda v: isinstance(v, bool), "true or false")
POSITIVE: Check = (lambda v: is_number(v) and v > 0, "a number > 0")
NON_NEGATIVE: Check = (lambda v: is_number(v) and v >= 0, "a number ≥ 0")
GAP: Check = (lambda v: is_number(v) and 0 <= v < 1, "a number in [0, 1), e.g. 0.005")
YEARS: Check = (is_years, "a list of increasing whole years, e.g. [2019, 2020, 2021]")
IDS: Check = (is_names, "a list of parcel BSM codes")
YEAR: Check = (lambda v: is_int(v) and 1990 <= v <= 2100, "a whole year, e.g. 2021")
#: Options every model has.
COMMON: dict[str, Check] = {"enabled": BOOL, "time_limit_s": POSITIVE, "mip_gap": GAP}

__all__ = ["BOOL", "COMMON", "GAP", "IDS", "NON_NEGATIVE", "POSITIVE", "YEAR", "YEARS", "Check", "choice",
           "is_int", "is_names", "is_number", "is_years"]
