"""Infeasibility diagnosis: which named constraint groups cannot be met, and by how much.

An elastic re-solve: every row of the named groups gets non-negative slack columns on the side
that may give way, the objective becomes *minimise the total weighted slack* (weights put the
slacks in the user's units), and the slacks left nonzero are the shortfalls, e.g.
``"2020 budget short by 340万元"`` or ``"industrial demand in 2021 short by 85亩"``.

The elastic model is built from the solver arrays, so the user's linopy model is not touched.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import linopy
import numpy as np
import pandas as pd
import scipy.sparse
from linopy.scaling import constraint_scaling_lookup

from landkit._errors import Problem, ValidationError
from landkit.optimize._problem import LinearProblem, from_linopy
from landkit.optimize._runner import Deadlines
from landkit.optimize._solve import run
from landkit.optimize._status import Status

_SENSES = ("auto", "up", "down", "both")
#: At most this many findings are listed in ``str(diagnosis)`` (all are in ``.table``).
MAX_LISTED = 20
#: Relative gap of the elastic solve. Proving the minimum exactly (1e-6) took 24-42 s on the sample's
#: reserve plan and found the same shortfalls as 1e-3 in 0.8 s; what is short matters, not the last 0.1 %.
ELASTIC_GAP = 1e-3
#: Shortfalls below this many user units are not shown (amounts are displayed with two decimals).
DISPLAY_PRECISION = 0.005


@dataclass(frozen=True)
class GroupSpec:
    """A named constraint group, and how to talk about it to users.

    Parameters
    ----------
    constraint : str, optional
        Name of the constraint in the linopy model (e.g. ``"budget"``). Default: the group's
        key in the ``groups`` mapping.
    label : str
        Template for one element, filled with its coordinates and ``{name}``, e.g.
        ``"{year} budget"`` or ``"industrial demand in {year}"``. Empty: ``name[coords]``.
    unit : str
        The user's unit, e.g. ``"万元"`` or ``"亩"``.
    scale : float
        User units per model unit (``user = model * scale``): 1e-4 if the model counts 元
        and the user thinks in 万元.
    sense : {"auto", "up", "down", "both"}
        Which way the rows may give way. ``"up"``: the left-hand side may exceed its upper
        bound (a ``<=`` limit is short); ``"down"``: it may fall below its lower bound (a
        ``>=`` requirement is short); ``"auto"``: ``<=`` rows up, ``>=`` rows down, ``=`` rows
        both.
    weight : float
        Priority of this group's slack in the elastic objective (per user unit); raise it
        for groups that should give way last.
    hint : str
        What the user can change to relax this group, in their terms (an option or a parameter
        key), e.g. ``"raise budget_wan_yuan or allow use_bonds"``.
    """

    constraint: str | None = None
    label: str = ""
    unit: str = ""
    scale: float = 1.0
    sense: str = "auto"
    weight: float = 1.0
    hint: str = ""

    @classmethod
    def of(cls, label: str, unit: str, weight: float = 1.0, hint: str = "") -> GroupSpec:
        """A group of the constraint named by its key: label, unit, weight and what to change."""
        return cls(label=label, unit=unit, weight=weight, hint=hint)


@dataclass
class Diagnosis:
    """What the elastic re-solve found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per constraint element that cannot be met: ``group``, ``element`` (e.g.
        ``"year=2020"``), ``coords`` (dict), ``shortfall`` (> 0, user units), ``rhs_change``
        (the change of the right-hand side that would make the element feasible, user units),
        ``unit`` and ``message``.
    status : Status
        Status of the elastic solve.
    relaxable : bool
        True if relaxing the named groups makes the model feasible. False means the conflict
        lies elsewhere (other constraints, variable bounds, integrality).
    proven_minimal : bool
        True if the total weighted shortfall is proven minimal (elastic solve optimal).
    messages : list of str
        The findings in plain words.
    unused_groups : list of str
        Groups whose constraint the model does not have (skipped unless ``strict``).
    hints : dict
        Group → what to change to relax it (:attr:`GroupSpec.hint`), for the groups found short.
    """

    table: pd.DataFrame
    status: Status
    relaxable: bool
    proven_minimal: bool
    messages: list[str] = field(default_factory=list)
    unused_groups: list[str] = field(default_factory=list)
    hints: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = self.messages[:MAX_LISTED]
        if len(self.messages) > MAX_LISTED:
            lines.append(f"... and {len(self.messages) - MAX_LISTED} more (see Diagnosis.table)")
        text = "\n".join(f"- {line}" for line in lines)
        if self.hints:
            text += "\nWhat to change:\n" + "\n".join(f"- {group}: {hint}" for group, hint in self.hints.items())
        return text


def _format_amount(value: float) -> str:
    if value >= 0.01:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _with_unit(amount: str, unit: str) -> str:
    if not unit:
        return amount
    return f"{amount}{unit}" if ord(unit[0]) >= 0x2E80 else f"{amount} {unit}"


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _element_text(name: str, coords: dict[str, Any], label: str) -> str:
    if label:
        return label.format_map(_Defaulting({"name": name, **coords}))
    if not coords:
        return name
    return f"{name}[{', '.join(str(v) for v in coords.values())}]"


def diagnose_infeasibility(
    model: linopy.Model,
    groups: Mapping[str, GroupSpec] | None = None,
    *,
    time_limit_s: float | None = 10.0,
    tolerance: float = 1e-6,
    threads: int | None = None,
    strict: bool = False,
) -> Diagnosis:
    """Find which named constraint groups cannot be met, and by how much, in user units.

    Parameters
    ----------
    model : linopy.Model
        An (infeasible) model. It is not modified.
    groups : mapping of str to GroupSpec, optional
        The groups that may give way, keyed by the name shown in the table. None: every
        constraint of the model, as its own group, unit ``""`` and scale 1.
    time_limit_s : float or None
        Time limit of the elastic solve (HiGHS).
    tolerance : float
        Slacks above ``tolerance * (1 + |rhs|)`` (model units) and at least
        :data:`DISPLAY_PRECISION` user units are reported.
    threads : int or None
        HiGHS threads.
    strict : bool
        Raise if a group names a constraint the model does not have (default: skip it and
        list it in ``Diagnosis.unused_groups``, so one set of groups serves model variants).

    Returns
    -------
    Diagnosis

    Raises
    ------
    ValidationError
        For a bad scale, weight or sense, a constraint in two groups, or (``strict``) a group
        naming a constraint the model does not have.
    """
    start = time.perf_counter()
    if groups is None:
        groups = {name: GroupSpec(constraint=name) for name in model.constraints}
    groups, unused = _resolve_groups(model, groups, strict=strict)
    problem = from_linopy(model)
    elastic, slacks = _elastic(model, problem, groups)
    raw = run(
        elastic,
        solver="highs",
        deadlines=Deadlines(start=start, limit_s=time_limit_s),
        mip_gap=ELASTIC_GAP,
        threads=threads,
        lp_method="choose",
    )
    columns = ["group", "element", "coords", "shortfall", "rhs_change", "unit", "message"]
    if raw.x is None:
        if raw.status is Status.INFEASIBLE:
            outside = (
                "variable bounds or integrality"
                if len(groups) == len(model.constraints)
                else ("constraints outside the named groups, or in variable bounds or integrality")
            )
            message = (
                f"Still infeasible with every named group relaxed ({', '.join(groups)}): "
                f"the conflict lies in {outside}."
            )
        else:
            message = f"The diagnosis solve did not finish ({raw.status.value}: {raw.solver_status})."
        return Diagnosis(pd.DataFrame(columns=columns), raw.status, False, False, [message], unused)

    values = raw.x[problem.n_cols :]
    row_scaling = constraint_scaling_lookup(model)
    records = []
    for k in np.flatnonzero(values > 0):
        group, row, side = slacks["group"][k], int(slacks["row"][k]), slacks["side"][k]
        spec = groups[group]
        rhs = problem.row_upper[row] if side == "up" else problem.row_lower[row]
        label = int(problem.clabels[row])
        amount_model = values[k] / row_scaling[label]
        if values[k] <= tolerance * (1 + abs(rhs)):
            continue
        # one integer label gives one (name, coords) pair
        name, found = cast(tuple[str, dict[str, Any]], model.constraints.get_label_position(label))
        coords = {str(d): (v.item() if hasattr(v, "item") else v) for d, v in found.items()}
        amount = amount_model * spec.scale
        if amount < DISPLAY_PRECISION:
            continue
        equality = problem.row_lower[row] == problem.row_upper[row]
        verb = "over by" if (equality and side == "up") else "short by"
        text = _element_text(str(name), coords, spec.label)
        records.append(
            {
                "group": group,
                "element": ", ".join(f"{d}={v}" for d, v in coords.items()),
                "coords": coords,
                "shortfall": amount,
                "rhs_change": amount if side == "up" else -amount,
                "unit": spec.unit,
                "message": f"{text} {verb} {_with_unit(_format_amount(amount), spec.unit)}",
            }
        )
    table = pd.DataFrame.from_records(records, columns=columns)
    messages = list(table["message"])
    proven = raw.status is Status.OPTIMAL
    if not messages:
        messages = ["No named group needs to give way: the model is feasible."]
    elif not proven:
        messages.append(
            "(The elastic solve stopped at its time limit: these shortfalls are sufficient, not proven minimal.)"
        )
    hints = {g: groups[g].hint for g in dict.fromkeys(table["group"]) if groups[g].hint}
    return Diagnosis(table, raw.status, True, proven, messages, unused, hints)


def _resolve_groups(
    model: linopy.Model, groups: Mapping[str, GroupSpec], *, strict: bool
) -> tuple[dict[str, GroupSpec], list[str]]:
    """Groups with ``constraint`` filled in and present in the model; and the unused keys."""
    problems, unused = [], []
    resolved: dict[str, GroupSpec] = {}
    seen: dict[str, str] = {}
    for key, spec in groups.items():
        where = f"groups[{key!r}]"
        name = spec.constraint if spec.constraint is not None else key
        if not (np.isfinite(spec.scale) and spec.scale > 0):
            problems.append(Problem(where, f"scale is {spec.scale!r}; give user units per model unit > 0"))
        if not (np.isfinite(spec.weight) and spec.weight > 0):
            problems.append(Problem(where, f"weight is {spec.weight!r}; give a number > 0"))
        if spec.sense not in _SENSES:
            problems.append(Problem(where, f"sense is {spec.sense!r}; choose one of {_SENSES}"))
        if name in seen:
            problems.append(Problem(where, f"constraint {name!r} is also in group {seen[name]!r}"))
        seen[name] = key
        if name not in model.constraints:
            unused.append(key)
            if strict:
                problems.append(
                    Problem(where, f"the model has no constraint {name!r}", f"choose from {list(model.constraints)}")
                )
            continue
        resolved[key] = replace(spec, constraint=name)
    if problems:
        raise ValidationError("diagnose_infeasibility groups", problems)
    return resolved, unused


def _elastic(
    model: linopy.Model, problem: LinearProblem, groups: Mapping[str, GroupSpec]
) -> tuple[LinearProblem, dict[str, np.ndarray]]:
    """The elastic problem (slack columns appended) and, per slack column, group/row/side."""
    position = np.full(max(problem.n_con_labels, 1), -1, dtype=np.int64)
    position[problem.clabels] = np.arange(problem.n_rows)
    row_scaling = constraint_scaling_lookup(model)
    finite_lo, finite_up = np.isfinite(problem.row_lower), np.isfinite(problem.row_upper)
    rows_all, coef_all, weight_all, group_all, side_all = [], [], [], [], []
    for key, spec in groups.items():
        labels = np.asarray(model.constraints[str(spec.constraint)].labels.values).ravel()
        labels = labels[labels >= 0]
        rows = position[labels]
        rows = rows[rows >= 0]
        equality = finite_lo[rows] & finite_up[rows] & (problem.row_lower[rows] == problem.row_upper[rows])
        for side, coef, finite in (("up", -1.0, finite_up[rows]), ("down", 1.0, finite_lo[rows])):
            if spec.sense == "auto":
                # <= rows give way up, >= rows down, = rows both
                use = finite & (equality | ~(finite_lo[rows] if side == "up" else finite_up[rows]))
            elif spec.sense in (side, "both"):
                use = finite
            else:
                use = np.zeros(rows.shape, dtype=bool)
            chosen = rows[use]
            rows_all.append(chosen)
            coef_all.append(np.full(chosen.size, coef))
            # slack s is in scaled-row units; s / row_scaling model units; * scale user units
            weight_all.append(spec.weight * spec.scale / row_scaling[problem.clabels[chosen]])
            group_all.append(np.full(chosen.size, key, dtype=object))
            side_all.append(np.full(chosen.size, side, dtype=object))
    rows = np.concatenate(rows_all) if rows_all else np.zeros(0, dtype=np.int64)
    k = rows.size
    slack_matrix = scipy.sparse.csr_array(
        (np.concatenate(coef_all) if k else np.zeros(0), (rows, np.arange(k))), shape=(problem.n_rows, k)
    )
    elastic = LinearProblem(
        sense="min",
        c=np.concatenate([np.zeros(problem.n_cols), np.concatenate(weight_all) if k else np.zeros(0)]),
        lb=np.concatenate([problem.lb, np.zeros(k)]),
        ub=np.concatenate([problem.ub, np.full(k, np.inf)]),
        integrality=np.concatenate([problem.integrality, np.zeros(k, dtype=np.uint8)]),
        A=scipy.sparse.csr_array(scipy.sparse.hstack([problem.A, slack_matrix], format="csr")),
        row_lower=problem.row_lower,
        row_upper=problem.row_upper,
        vlabels=np.concatenate([problem.vlabels, np.full(k, -1)]),
        clabels=problem.clabels,
    )
    slacks = {
        "row": rows,
        "group": np.concatenate(group_all) if k else np.zeros(0, dtype=object),
        "side": np.concatenate(side_all) if k else np.zeros(0, dtype=object),
    }
    return elastic, slacks
