"""Compiled kernels of :mod:`landkit.select.chains` (numba; imported only when the chains run).

``g`` is the problem as a tuple of contiguous arrays: the unit × unit edge weights as CSR (``w_ptr``,
``w_idx``, ``w_val``), each unit's term ``unit`` (cost and BLM × exposed boundary), the unit ×
requirement amounts as CSR (``a_ptr``, ``a_idx``, ``a_val``), the ``targets`` and ``pen``, the penalty
per unit of shortfall of each requirement (SPF × its penalty ÷ its target). ``x`` is the selection as 0/1
bytes, ``held`` the amount of each requirement it holds; both are updated in place.

Random numbers use numba's seeded per-thread generator (``np.random.seed`` inside the kernel: the
generator numba compiles), seeded on every call by the caller, so a run is repeatable.
"""
# ruff: noqa: NPY002 - numba compiles the np.random functions, seeded in each kernel call

from __future__ import annotations

from typing import Any

import numba
import numpy as np

Problem = tuple[Any, ...]


@numba.njit(cache=True)
def flip_delta(i: int, x: np.ndarray, held: np.ndarray, g: Problem) -> float:  # pragma: no cover - compiled
    """Change of cost + boundary + shortfall penalty when unit ``i`` flips."""
    w_ptr, w_idx, w_val, unit, a_ptr, a_idx, a_val, targets, pen = g
    s = 0.0
    for q in range(w_ptr[i], w_ptr[i + 1]):
        s += w_val[q] * (1.0 - 2.0 * x[w_idx[q]])
    sign = 1.0 if x[i] == 0 else -1.0
    d: float = sign * (unit[i] + s)
    for q in range(a_ptr[i], a_ptr[i + 1]):
        f = a_idx[q]
        before = targets[f] - held[f]
        after = before - sign * a_val[q]
        d += pen[f] * (max(after, 0.0) - max(before, 0.0))
    return d


@numba.njit(cache=True)
def apply_flip(i: int, x: np.ndarray, held: np.ndarray, g: Problem) -> None:  # pragma: no cover - compiled
    """Flip unit ``i`` and update ``held``."""
    a_ptr, a_idx, a_val = g[4], g[5], g[6]
    sign = 1.0 if x[i] == 0 else -1.0
    x[i] = 1 - x[i]
    for q in range(a_ptr[i], a_ptr[i + 1]):
        held[a_idx[q]] += sign * a_val[q]


@numba.njit(cache=True)
def anneal_flips(free: np.ndarray, x: np.ndarray, held: np.ndarray, g: Problem, schedule: np.ndarray,
                 seed: int) -> float:  # pragma: no cover - compiled
    """``schedule`` = (temperature, cooling per flip, flips): that many random flips of units in ``free``,
    each accepted by the Metropolis rule, the temperature multiplied by the cooling after each. Returns the
    summed change of the objective (with penalty)."""
    np.random.seed(seed)
    temp, cooling, count = schedule[0], schedule[1], int(schedule[2])
    total = 0.0
    nfree = len(free)
    for _ in range(count):
        i = free[np.random.randint(nfree)]
        d = flip_delta(i, x, held, g)
        if d < 0.0 or np.random.random() < np.exp(-d / temp):
            apply_flip(i, x, held, g)
            total += d
        temp *= cooling
    return total


@numba.njit(cache=True)
def descend(free: np.ndarray, x: np.ndarray, held: np.ndarray, g: Problem, seed: int,
            max_sweeps: int) -> float:  # pragma: no cover - compiled
    """Iterative improvement: sweeps over ``free`` in random order taking every flip that lowers the objective
    (with penalty), until a sweep takes none or ``max_sweeps`` ran. Returns the summed change."""
    np.random.seed(seed)
    total = 0.0
    order = free.copy()
    for _ in range(max_sweeps):
        np.random.shuffle(order)
        taken = 0
        for i in order:
            d = flip_delta(i, x, held, g)
            if d < -1e-12:
                apply_flip(i, x, held, g)
                total += d
                taken += 1
        if taken == 0:
            break
    return total


@numba.njit(cache=True)
def all_deltas(free: np.ndarray, x: np.ndarray, held: np.ndarray, g: Problem) -> np.ndarray:  # pragma: no cover
    """The change of flipping each unit of ``free`` alone."""
    out = np.empty(len(free))
    for k in range(len(free)):
        out[k] = flip_delta(free[k], x, held, g)
    return out
