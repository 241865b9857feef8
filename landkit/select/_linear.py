"""Linear expressions built straight from label arrays: sparse rows, no Python loop."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import xarray as xr
from linopy.constants import TERM_DIM


def grouped_rows_expression(
    m: linopy.Model, index: pd.Index, row: np.ndarray, labels: np.ndarray, coeffs: np.ndarray
) -> linopy.LinearExpression:
    """Sparse sums: row ``r`` of ``index`` gets ``sum(coeffs[k] * var[labels[k]] for k with row[k] == r)``.

    Terms are packed row by row into a (row, term) array padded with label -1 (no variable): memory
    follows the number of rows times the longest row (at most features x units for targets), with
    no dense unit x feature matrix built first and no Python loop.
    """
    n = len(index)
    order = np.argsort(row, kind="stable")
    row, labels, coeffs = row[order], labels[order], coeffs[order]
    counts = np.bincount(row, minlength=n)
    width = max(int(counts.max(initial=0)), 1)
    slot = np.arange(len(row)) - (np.cumsum(counts) - counts)[row]
    var_arr = np.full((n, width), -1, dtype=labels.dtype if len(labels) else np.int64)
    coef_arr = np.zeros((n, width))
    var_arr[row, slot] = labels
    coef_arr[row, slot] = coeffs
    dim = str(index.name)
    ds = xr.Dataset({"coeffs": ((dim, TERM_DIM), coef_arr), "vars": ((dim, TERM_DIM), var_arr)},
                    coords={dim: index})
    return linopy.LinearExpression(ds, m)
