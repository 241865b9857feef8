"""Change a built reserve model in place when only its funds or debt ceilings moved (no linopy rebuild).

A panel slider on the county special funds or the company's debt ceiling changes only right-hand sides of
the reserve model (:class:`landkit.reserve.ReservePlan`); rebuilding the linopy model for it costs
0.5-0.8 s on the sample town, the in-place change milliseconds. :func:`update_in_place` checks that the
two plans differ in nothing else and changes exactly those right-hand sides, computed from the inputs:

* ``cash`` (:math:`\\text{cash}_t \\ge 0`, with :math:`\\text{cash}_t = \\sum_{\\tau \\le t} (\\ldots + F_\\tau)
  + \\text{opening}`): the constant :math:`\\sum_{\\tau \\le t} F_\\tau` moves to the right-hand side, so a change
  :math:`\\Delta F_\\tau` of the land funds (:meth:`ReserveInputs.land_funds_wan_yuan`: county funds less
  enterprise support, plus other income) changes :math:`\\text{rhs}_t` by :math:`-\\sum_{\\tau \\le t}
  \\Delta F_\\tau`;
* ``debt_ceiling`` (:math:`D_{kt} \\le \\bar D_k` for each source with a finite ceiling): :math:`\\text{rhs}_{kt}
  = \\bar D_k`.

Anything else (prices, discount rate, demand, another source getting or losing a ceiling, ...) returns
None: the caller builds the model afresh.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit.reserve.inputs import ReserveInputs
from landkit.reserve.model import ReservePlan

#: Inputs a change of which :func:`update_in_place` makes (``notes`` only describe the costing).
_MOVABLE = ("funds_wan_yuan", "finance", "notes")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame | pd.Series) or isinstance(b, pd.DataFrame | pd.Series):
        return type(a) is type(b) and bool(a.equals(b))
    return bool(a == b)


def _only_funds_and_ceilings(old: ReservePlan, new: ReservePlan) -> bool:
    """True if the plans differ at most in the funds and the finance sources' debt ceilings."""
    if (old.objective, old.compactness_wan_yuan_per_km, old.caps) != (new.objective, new.compactness_wan_yuan_per_km,
                                                                      new.caps):
        return False
    a, b = old.inputs, new.inputs
    if not all(_same(getattr(a, f.name), getattr(b, f.name))
               for f in dataclasses.fields(ReserveInputs) if f.name not in _MOVABLE):
        return False
    if not a.funds_wan_yuan.index.equals(b.funds_wan_yuan.index) or len(a.finance) != len(b.finance):
        return False
    for fa, fb in zip(a.finance, b.finance, strict=True):
        if dataclasses.replace(fa, max_debt_wan_yuan=fb.max_debt_wan_yuan) != fb:
            return False
        if np.isfinite(fa.max_debt_wan_yuan) != np.isfinite(fb.max_debt_wan_yuan):
            return False  # a ceiling row appears or goes: another structure
    return True


def update_in_place(model: linopy.Model, built_from: ReservePlan, plan: ReservePlan) -> list[str] | None:
    """Turn ``model``, built by ``built_from.build()``, into ``plan``'s model by changing right-hand sides.

    Parameters
    ----------
    model : linopy.Model
        The model of ``built_from`` (changed in place only when the plans allow it).
    built_from, plan : ReservePlan
        The plan ``model`` describes and the plan it should describe.

    Returns
    -------
    list of str or None
        What was changed (e.g. ``["cash: 3 right-hand sides"]``; empty if nothing moved), or None when the
        plans differ in more than the land funds and the debt ceilings (``model`` is then untouched and
        must be built afresh with ``plan.build()``).

    Notes
    -----
    The changed right-hand sides equal a fresh build's up to floating-point rounding (they are summed
    in another order); everything else of the model is untouched.
    """
    if not _only_funds_and_ceilings(built_from, plan):
        return None
    changed: list[str] = []
    years = list(plan.inputs.years)
    delta = (plan.inputs.land_funds_wan_yuan() - built_from.inputs.land_funds_wan_yuan()).reindex(years)
    if np.any(delta.to_numpy(dtype=float) != 0.0):
        cash = model.constraints["cash"]
        shift = xr.DataArray(np.cumsum(delta.to_numpy(dtype=float)), coords=[pd.Index(years, name="year")])
        cash.update(rhs=cash.rhs - shift)
        changed.append(f"cash: {int((shift != 0).sum())} right-hand sides")
    old = {f.name: f.max_debt_wan_yuan for f in built_from.inputs.finance}
    moved = [f for f in plan.inputs.finance if np.isfinite(f.max_debt_wan_yuan) and f.max_debt_wan_yuan != old[f.name]]
    if moved:
        ceiling = model.constraints["debt_ceiling"]
        limits = xr.DataArray([f.max_debt_wan_yuan for f in moved], coords=[pd.Index([f.name for f in moved],
                                                                                      name="source")])
        rhs = ceiling.rhs.copy()
        rhs.loc[{"source": limits["source"].values}] = limits.broadcast_like(rhs.sel(source=limits["source"].values))
        ceiling.update(rhs=rhs)
        changed.append(f"debt_ceiling: {', '.join(f.name for f in moved)}")
    return changed


__all__ = ["update_in_place"]
