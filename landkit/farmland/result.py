"""The balanced ledger: 占补平衡核算表, the units cancelled, the cost, the marginal cost of each balance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from landkit._errors import ArgumentError
from landkit.farmland.ledger import DIMENSIONS, SOURCES, FarmlandLedger
from landkit.optimize import SolveResult, Status
from landkit.plot import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from landkit.farmland.model import FarmlandBalance


def _shares(outcome: SolveResult) -> pd.DataFrame:
    """unit × group shares from a solution, tiny values dropped."""
    s = outcome.value("share").to_pandas().fillna(0.0)
    return s.where(s > 1e-9, 0.0)


def marginal_table(dual_outcome: SolveResult, groups: pd.Index) -> pd.DataFrame:
    """Duals of the three balances per balancing unit, in 万元/亩, 万元/100公斤, 万元/亩."""
    out = pd.DataFrame(index=pd.Index(groups.astype(str), name="平衡单元"))
    labels = {"quantity": "数量(万元/亩)", "capacity": "产能(万元/100公斤)", "paddy": "水田(万元/亩)"}
    for dim, label in labels.items():
        d = dual_outcome.dual(dim).to_pandas()
        out[label] = np.asarray(d.reindex(out.index), dtype=float)
    return out


class FarmlandResult:
    """What :meth:`FarmlandBalance.solve` returns.

    Attributes
    ----------
    balance : FarmlandBalance
        The problem solved.
    outcome : SolveResult
        The solve (status read from the solver, objective = cost in 万元).
    dual_outcome : SolveResult or None
        The LP whose duals are reported (the outcome itself for an LP).
    dual_note : str
        Where the duals come from.
    unit_parcels : dict of str to list of str
        The parcels (BSM) each 自行垦造/提质 project unit builds on: the land account's claims of a cancelled
        unit (empty when the units were given without their parcels).
    ledger : FarmlandLedger
        A copy of the input ledger with the chosen units cancelled (核销).
    """

    def __init__(self, balance: FarmlandBalance, outcome: SolveResult, dual_outcome: SolveResult | None,
                 dual_note: str, *, unit_parcels: Mapping[str, list[str]] | None = None) -> None:
        self.balance = balance
        self.outcome = outcome
        self.dual_outcome = dual_outcome
        self.dual_note = dual_note
        self.unit_parcels: dict[str, list[str]] = dict(unit_parcels or {})
        self.shares = _shares(outcome)
        self.ledger = balance.ledger.copy()
        units = self.ledger.units
        for unit, row in self.shares.iterrows():
            row = row[row > 0]
            if row.empty:
                continue
            total = float(row.sum())
            if not bool(units.at[unit, "divisible"]):
                row = row / total  # a whole project is cancelled whole (its spare share is 结余)
            self.ledger.cancel(str(unit), {str(g): min(float(s), 1.0) for g, s in row.items()})

    # ------------------------------------------------------------------ numbers
    @property
    def status(self) -> Status:
        """How the solve ended."""
        return self.outcome.status

    @property
    def cost_wan_yuan(self) -> float:
        """Cost of the units newly cancelled (万元)."""
        return self.ledger.cost_wan_yuan() - self.balance.ledger.cost_wan_yuan()

    def marginal_costs(self, decimals: int | None = 4) -> pd.DataFrame:
        """Marginal cost (dual) of each balance per balancing unit: 万元/亩, 万元/100公斤, 万元/亩.

        :math:`\\lambda^d_g = \\partial\\,\\text{cost}^* / \\partial\\,\\text{rhs}^d_g \\ge 0`: what one more unit
        occupied would cost. Column ``最贵约束`` names the balance with the largest marginal cost
        per 亩-equivalent (capacity counted per 100 kg).
        """
        if self.dual_outcome is None:
            raise ArgumentError("duals were not computed: solve(duals=True)")
        t = marginal_table(self.dual_outcome, self.balance.groups().index)
        t = t.where(t.abs() > 1e-9, 0.0)
        names = np.array([lab for lab, _ in DIMENSIONS.values()])
        vals = t.to_numpy()
        t["最贵约束"] = np.where(vals.max(axis=1) > 1e-9, names[vals.argmax(axis=1)], "—")
        return t.round(decimals) if decimals is not None else t

    def balance_sheet(self, decimals: int | None = 2) -> pd.DataFrame:
        """占补平衡核算表 of the balanced ledger (:meth:`FarmlandLedger.balance_sheet`)."""
        return self.ledger.balance_sheet(decimals)

    def units_cancelled(self) -> pd.DataFrame:
        """补充耕地核销清单: every unit cancelled, with shares, what it added and its cost."""
        return self.ledger.cancelled_table()

    def cost_by_source(self) -> pd.DataFrame:
        """Cost, area, capacity and paddy cancelled by kind of supplement."""
        t = self.units_cancelled()
        if t.empty:
            return pd.DataFrame(columns=["数量(亩)", "产能(公斤)", "水田(亩)", "费用(万元)"])
        return t.groupby("来源")[["数量(亩)", "产能(公斤)", "水田(亩)", "费用(万元)"]].sum().round(2)

    def summary(self) -> str:
        """A few lines for users: status, cost, balances and the expensive one."""
        sheet = self.balance_sheet().loc["合计"]
        lines = [f"占补平衡: {self.outcome.summary()}",
                 f"  费用 {self.cost_wan_yuan:,.2f} 万元; 核销 {len(self.units_cancelled())} 个补充单元"]
        for label, unit in DIMENSIONS.values():
            lines.append(f"  {label}: 占用 {sheet[f'占用{label}({unit})']:,.2f} {unit}, "
                         f"补充 {sheet[f'补充{label}({unit})']:,.2f} {unit}")
        if self.dual_outcome is not None:
            mc = self.marginal_costs()
            lines.append(f"  边际成本 (来自{self.dual_note})：")
            for g, row in mc.iterrows():
                lines.append(f"    {g}: 数量 {row['数量(万元/亩)']:.2f} 万元/亩, 产能 {row['产能(万元/100公斤)']:.2f} "
                             f"万元/100公斤, 水田 {row['水田(万元/亩)']:.2f} 万元/亩")
        return "\n".join(lines)

    # ------------------------------------------------------------------ figure
    def plot(self, *, figsize: tuple[float, float] = (12, 4.5)) -> Figure:
        """Bar chart per balance: occupied vs supplemented (stacked by kind of supplement) per balancing unit."""
        fig, axes = new_figure(figsize, ncols=3)
        groups = self.balance.groups()
        c = self.ledger.cancellations()
        units = self.ledger.units
        x = np.arange(len(groups))
        colours = dict(zip(SOURCES, ("#8c6d31", "#bd9e39", "#6b6ecf", "#31a354", "#e6550d"), strict=True))
        for ax, (dim, (label, unit)) in zip(axes, DIMENSIONS.items(), strict=True):
            col = {"quantity": "area_mu", "capacity": "capacity_kg", "paddy": "paddy_mu"}[dim]
            scale = 1e-4 if dim == "capacity" else 1.0
            shown_unit = "万公斤" if dim == "capacity" else unit
            ax.bar(x - 0.2, groups[col].to_numpy() * scale, width=0.4, color="#7f7f7f", label="占用")
            bottom = np.zeros(len(groups))
            for src in SOURCES:
                part = c[units.loc[c["unit"], "source"].to_numpy() == src] if len(c) else c
                if part.empty:
                    continue
                add = (units.loc[part["unit"], col].to_numpy() * part["share"].to_numpy())
                v = pd.Series(add, index=part["group"].to_numpy()).groupby(level=0).sum()
                v = v.reindex(groups.index, fill_value=0.0).to_numpy() * scale
                ax.bar(x + 0.2, v, width=0.4, bottom=bottom, color=colours[src], label=f"补充: {SOURCES[src]}")
                bottom += v
            ax.set_xticks(x, [str(g) for g in groups.index], rotation=30, ha="right", fontsize=8)
            ax.set_title(f"{label} ({shown_unit})")
            ax.set_ylabel(shown_unit)
        handles, labels = [], []
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)
        fig.suptitle(f"占补平衡: 占用与补充 (费用 {self.cost_wan_yuan:,.0f} 万元)")
        return fig


def check_balance(result: Any, *, tol: float = 1e-6) -> list[str]:
    """Independent check of a balanced ledger: the list of violated invariants (empty when sound).

    Recomputed with plain pandas from the cancellations and the units, not from the model: every
    unit cancelled at most once with shares in 0..1 adding up to ≤ 1 (= 1 for a whole project);
    no unit used before it is available for its balancing unit; every balancing unit's three
    balances met; the reported cost equals the solver's objective.
    """
    ledger: FarmlandLedger = result.ledger if hasattr(result, "ledger") else result
    errors: list[str] = []
    c = ledger.cancellations()
    units = ledger.units
    groups = ledger.groups()
    if len(c):
        per_unit = c.groupby("unit")["share"].sum()
        for u, s in per_unit.items():
            if s > 1 + tol:
                errors.append(f"unit {u} used {s:.4f} > 1")
            if not bool(units.at[u, "divisible"]) and abs(s - 1) > tol:
                errors.append(f"whole unit {u} used {s:.4f}, not whole")
        for row in c.itertuples(index=False):
            if row.share < -tol:
                errors.append(f"unit {row.unit}: negative share {row.share}")
            if int(units.at[row.unit, "year"]) > int(groups.at[row.group, "credit_year"]):
                errors.append(f"unit {row.unit} (year {int(units.at[row.unit, 'year'])}) used for {row.group} "
                              f"(credit year {int(groups.at[row.group, 'credit_year'])})")
        supplied = (units.loc[c["unit"], ["area_mu", "capacity_kg", "paddy_mu"]].to_numpy()
                    * c[["share"]].to_numpy())
        got = pd.DataFrame(supplied, columns=["area_mu", "capacity_kg", "paddy_mu"])
        got = got.groupby(c["group"].to_numpy()).sum()
    else:
        got = pd.DataFrame(columns=["area_mu", "capacity_kg", "paddy_mu"], dtype=float)
    got = got.reindex(groups.index, fill_value=0.0)
    for g in groups.index:
        for col in ("area_mu", "capacity_kg", "paddy_mu"):
            need = float(groups.at[g, col])
            if float(got.at[g, col]) < need - tol * max(1.0, need):
                errors.append(f"{g}: {col} supplied {float(got.at[g, col]):.4f} < occupied {need:.4f}")
    if hasattr(result, "outcome") and result.outcome.objective is not None:
        if abs(result.cost_wan_yuan - result.outcome.objective) > 1e-5 * max(1.0, abs(result.outcome.objective)):
            errors.append(f"cost {result.cost_wan_yuan:.4f} 万元 differs from the objective "
                          f"{result.outcome.objective:.4f}")
    return errors
