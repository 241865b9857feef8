"""landkit: land reserve and planning decision support for 探沂镇 (费县, 临沂, 山东)."""

from landkit._errors import (
    CRSError,
    InfeasibleError,
    LandkitError,
    Problem,
    SolverError,
    ValidationError,
)
from landkit.params import Param, Parameters

__version__ = "0.1.0"

__all__ = [
    "CRSError",
    "InfeasibleError",
    "LandkitError",
    "Param",
    "Parameters",
    "Problem",
    "SolverError",
    "ValidationError",
    "__version__",
]
