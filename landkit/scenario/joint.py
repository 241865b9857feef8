r"""Decide together: the reserve plan, the 挂钩 plan and the 占补平衡 in one MILP over the town's account.

Run one after another (``solve: sequential``), each model takes the land the earlier ones left and
their outcome as given: the 挂钩 plan values its 节余 in town at a shadow price before the reserve
plan has asked for it, and the 占补平衡 cancels whatever the other two left. With ``solve: joint``
the three are parts of one linopy model (each part built by its own ``define`` step under its
name, :class:`landkit.optimize.Scope`), linked where they share land or quota:

.. math::

    \text{quota (reserve):}\; \sum_p a^{agr}_p x^R_{pt} \le Q_t + u^L_t

    \text{eligible (farmland):}\; s^{GG}_{pg} \le \sum_{t \le \tau_g - L} x^L_{pt} \qquad
    \text{stock (linkage):}\; \sum_{\tau \le t} \big(R_\tau - g_\tau - d_\tau - u^L_\tau - q_\tau
        - \sum_{p,\, g:\, \tau_g = \tau} r_p s^{GG}_{pg}\big) \ge 0

    \text{demand (farmland):}\; A_g = \sum_p f_p\, x^R_{p,t(g)} \;(\text{likewise capacity, paddy})

    \text{one fate:}\; z^{i}_p + z^{j}_p \le 1 \quad\text{for every parcel } p \text{ in two pools } i \ne j

with :math:`u^L_t` the 节余 used in town, :math:`s^{GG}_{pg}` the share of 挂钩 plot :math:`p`'s
reclamation :math:`r_p` cancelled against balancing unit :math:`g` (credit year :math:`\tau_g`), and
the pools: reserve candidates (:math:`z = \sum_t x^R_{pt}`), 拆旧 plots (:math:`\sum_t x^L_{pt}`),
the parcels of 建新 sites (:math:`\sum_t o_{st}`) and those of 自行垦造/提质 projects (:math:`b_u`). A
project's parcels that another pool may take are units of their own (``<project>/<BSM>``), built
only with their project, so the project is, as when run in sequence, its village's parcels no other
model took. The objective is the town's: the reserve plan's (NPV less its penalties), plus the 挂钩
plan's sales less its costs (its 节余 used in town is valued through the reserve plan's quota, not
at a shadow price), less the 占补平衡's cost (万元, as each model counts it).

The sequential plan is solved first, on the same land and limits: it is the joint model's MIP start
(so the joint plan is never worse when the solver keeps it) and the comparison the report shows
(联合与顺序求解对比). The joint solution is split into the three models' own results, each checked
by its own independent checker and written as in a sequential run, and the account is checked again
from the claims alone.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from landkit._errors import LandkitError, Problem, ValidationError
from landkit.account import site_parcels
from landkit.farmland.candidates import candidate_units, project_parcels, project_unit
from landkit.farmland.ledger import FarmlandLedger, SupplementUnit, occupation_table, unit_table
from landkit.farmland.model import BalanceTerms, FarmlandBalance, define_balance
from landkit.farmland.prices import regime_for
from landkit.farmland.result import FarmlandResult
from landkit.glossary import status_text
from landkit.optimize import Scope, SolveResult, solve, unscoped
from landkit.params import Parameters
from landkit.quota.adapter import plan_from_scenario as linkage_plan
from landkit.quota.linkage import LinkagePlan, LinkageTerms
from landkit.quota.result import LinkageResult
from landkit.reserve.adapter import plan_from_scenario as reserve_plan
from landkit.reserve.model import ReservePlan, ReserveTerms
from landkit.reserve.result import ReserveResult
from landkit.scenario.context import ModelRecord, RunContext
from landkit.scenario.registry import adapter
from landkit.town import Town

#: The models a joint solve decides together, in the order they run in sequence.
JOINT_MODELS: tuple[str, ...] = ("linkage", "reserve", "farmland")
_SUB = "/"  # a project's own sub-unit: <project>/<BSM>
_DIMS = {"quantity": "farmland_mu", "capacity": "capacity_kg", "paddy": "paddy_mu"}  # reserve parcel columns
_FIXED = {"quantity": "area_mu", "capacity": "capacity_kg", "paddy": "paddy_mu"}  # ledger occupation columns
_GG_COLUMNS = {"quantity": "reclaim_mu", "capacity": "capacity_kg", "paddy": "paddy_mu"}  # 挂钩 plot columns


# --------------------------------------------------------------------------- the farmland part's data
@dataclass
class FarmlandPart:
    """The 占补平衡 part: balancing units by reserve year, supplement units, and which parcels they take.

    Attributes
    ----------
    groups : DataFrame
        Indexed by balancing unit (``2020年度`` or ``reserve 2020``, as the ledger names them):
        ``year``, ``credit_year``, ``regime``.
    units : DataFrame
        Supplement units (:func:`landkit.farmland.ledger.unit_table`), projects split where another
        pool may take a parcel; ``project`` names the project a part belongs to (its own id when whole).
    unit_parcels : dict
        Unit → its parcels (BSM).
    regime : str
        The scenario's regime (``auto`` decides by each year's date).
    linkage_units : bool
        挂钩 reclamation may be cancelled as supplement (``linkage.supplement_units -> farmland.units``).
    reserve_group : Series
        Reserve plan year → its balancing unit.
    fixed : list of DataFrame
        Occupations of the models run before (the corridor's), in the ledger's form: fixed demand.
    reserve_linked : bool
        The reserve plan's farmland enters the ledger (``reserve.occupations -> farmland.ledger``).
    """

    groups: pd.DataFrame
    units: pd.DataFrame
    unit_parcels: dict[str, list[str]]
    regime: str
    linkage_units: bool
    reserve_group: pd.Series
    fixed: list[pd.DataFrame]
    reserve_linked: bool = True

    def fixed_demand(self) -> pd.DataFrame:
        """The fixed occupations' area, capacity and paddy by balancing unit (0 where none)."""
        cols = ["area_mu", "capacity_kg", "paddy_mu"]
        if not self.fixed:
            return pd.DataFrame(0.0, index=self.groups.index, columns=cols)
        occ = pd.concat(self.fixed, ignore_index=True)
        return occ.groupby("group")[cols].sum().reindex(self.groups.index, fill_value=0.0)


def _groups(years: list[int], fixed: list[pd.DataFrame], regime: str,
            params: Parameters) -> tuple[pd.DataFrame, pd.Series]:
    """Balancing units of the reserve plan's years and of the fixed occupations, named as the ledger names them.

    Returns the groups (``year, credit_year, regime``) and the reserve plan's group by year.
    """
    rows = list(fixed)
    reserve_group = pd.Series(dtype=str)
    if years:
        probe = pd.DataFrame({"source": "reserve", "id": [f"year {y}" for y in years], "year": years,
                              "area_mu": 1.0, "capacity_kg": 0.0, "paddy_mu": 0.0})
        table = occupation_table(probe, params, regime)
        reserve_group = pd.Series(table["group"].to_numpy(), index=years)
        rows.append(table)
    occ = pd.concat(rows, ignore_index=True)
    g = occ.groupby("group", sort=True).agg(year=("year", "min"), regime=("regime", "first"))
    g["credit_year"] = np.where(g["regime"] == "annual", g["year"] - 1, g["year"]).astype(int)
    return g[["year", "credit_year", "regime"]], reserve_group


def _split_projects(units: pd.DataFrame, project_parcels: dict[str, pd.DataFrame], contested: set[str],
                    unit_of: Callable[[str, pd.DataFrame], SupplementUnit]) -> tuple[pd.DataFrame,
                                                                                     dict[str, list[str]]]:
    """Projects whose parcels another pool may take, split into the rest and one part per such parcel.

    Every row gets ``project`` (the project it belongs to). Each part is the project's unit on its own
    parcels (``unit_of(uid, parcels)``, :func:`landkit.farmland.candidates.project_unit`): every figure
    of a project is a sum over its parcels, so the parts built add up to the project on those parcels.
    """
    rows, parcels = [], {}
    units = units.assign(project=units.index.astype(str))
    for uid, u in units.iterrows():
        part = project_parcels.get(str(uid))
        members = [] if part is None else [str(b) for b in part.index]
        own = [p for p in members if p in contested]
        parcels[str(uid)] = members
        if part is None or not own:  # (no parcels: none of them contested)
            rows.append(u)
            continue
        rest = [p for p in members if p not in contested]
        ids = part.index.astype(str)
        del parcels[str(uid)]
        for key, chosen in ([(str(uid), rest)] if rest else []) + [(f"{uid}{_SUB}{p}", [p]) for p in own]:
            made = pd.Series(dataclasses.asdict(unit_of(str(uid), part[ids.isin(chosen)])))
            row = u.copy()
            for col in ("year", "area_mu", "capacity_kg", "paddy_mu", "cost_wan_yuan", "note"):
                row[col] = made[col]
            row.name = key
            rows.append(row)
            parcels[key] = chosen
    return pd.DataFrame(rows), parcels


def _farmland_part(ctx: RunContext, reserve: ReservePlan, linkage: LinkagePlan | None, reserve_linked: bool,
                   fixed_from: list[str]) -> FarmlandPart:
    """The balance's data as the farmland adapter would set it up: regime, base year, units on the free land."""
    sc, town = ctx.scenario, ctx.town
    o = ctx.options("farmland")
    regime = o.get("regime") or sc.policy.get("farmland_regime", "auto")
    if regime == "auto" and sc.policy.get("date"):
        regime = regime_for(sc.policy["date"], town.params)
    years = list(reserve.inputs.years)
    fixed = [occupation_table(ctx.results[m].occupations(), town.params, regime) for m in fixed_from
             if len(ctx.results[m].occupations())]
    first = min([years[0]] + [int(f["year"].min()) for f in fixed]) if reserve_linked else (
        min(int(f["year"].min()) for f in fixed) if fixed else years[0])
    base_year = int(o.get("base_year", first))
    taken = sorted(ctx.land.taken)
    units = unit_table(candidate_units(town, base_year=base_year, exclude_parcels=taken))
    contested = set(reserve.inputs.parcels.index.astype(str))
    if linkage is not None:
        contested |= set(linkage.inputs.plots.index.astype(str))
        contested |= {p for ps in _site_parcels(linkage).values() for p in ps}
    year = base_year + int(town.params["farmland.project_lead_years"])
    units, parcels = _split_projects(units, project_parcels(town, exclude_parcels=taken), contested,
                                     lambda uid, part: project_unit(uid, part, year=year, params=town.params))
    groups, reserve_group = _groups(years if reserve_linked else [], fixed, regime, town.params)
    return FarmlandPart(groups, units, parcels, regime,
                        linkage is not None and ctx.linked("linkage.supplement_units -> farmland.units"),
                        reserve_group, fixed, reserve_linked)


# --------------------------------------------------------------------------- the plan
class _Terms(TypedDict, total=False):
    """What each part of the joint model adds that the others link to (``gg_share``: the 挂钩 plots cancelled
    as supplement, None when there are none)."""

    gg_share: linopy.Variable | None
    linkage: LinkageTerms
    reserve: ReserveTerms
    farmland: BalanceTerms


@dataclass
class JointPlan:
    """The reserve plan, the 挂钩 plan and the 占补平衡 of a scenario as one model (module docstring).

    Build it with :meth:`from_context` (the scenario's options, on the land the earlier models left).
    """

    reserve: ReservePlan
    linkage: LinkagePlan | None
    farmland: FarmlandPart | None
    town: Town
    notes: list[str] = field(default_factory=list)
    #: ``linkage.surplus -> reserve.quota``: the 节余 used in town adds to the reserve's quota (and is valued by it).
    quota_linked: bool = True

    @classmethod
    def from_context(cls, ctx: RunContext) -> JointPlan:
        """The scenario's three models on the land still free (parks and corridor run before)."""
        sc, town = ctx.scenario, ctx.town
        if sc.options("reserve").get("objective", "npv") != "npv":
            raise ValidationError(f"scenario {sc.name}", [Problem(
                "models.reserve.objective", "min_cost cannot be decided jointly: the town's objective is a value",
                "use objective: npv, or solve: sequential", "value")])
        reserve, notes = reserve_plan(ctx)
        linkage = linkage_plan(ctx) if sc.enabled("linkage") else None
        farmland = None
        fixed_from = [m for m in ctx.results if ctx.linked(f"{m}.occupations -> farmland.ledger")]
        reserve_linked = ctx.linked("reserve.occupations -> farmland.ledger")
        if sc.enabled("farmland") and (reserve_linked or fixed_from):
            farmland = _farmland_part(ctx, reserve, linkage, reserve_linked, fixed_from)
        return cls(reserve, linkage, farmland, town, notes,
                   quota_linked=linkage is not None and ctx.linked("linkage.surplus -> reserve.quota"))

    # ------------------------------------------------------------------ build
    def build(self) -> tuple[linopy.Model, _Terms]:
        """The joint linopy model and each part's terms (``reserve``, ``linkage``, ``farmland``)."""
        m = linopy.Model()
        terms: _Terms = {}
        lk, fp = self.linkage, self.farmland
        gg = terms["gg_share"] = self._gg_share(m)
        if lk is not None:
            terms["linkage"] = lk.define(Scope(m, "linkage"), value_town_use=not self.quota_linked,
                                         extra_use=self._gg_use(gg))
            if gg is not None:
                self._gg_rules(m, gg, terms["linkage"])
        terms["reserve"] = self.reserve.define(Scope(m, "reserve"),
                                               extra_quota=self._used_in_town(terms) if self.quota_linked else None)
        if fp is not None:
            terms["farmland"] = define_balance(Scope(m, "farmland"), **self._balance_inputs(m, terms))
            self._whole_projects(m, terms, fp)
        self._one_fate(m, terms)
        objective = terms["reserve"].objective
        if lk is not None:  # the 挂钩 plan's value (its cost, negated, when it minimises cost)
            lt = terms["linkage"]
            objective = objective + (lt.objective if lt.sense == "max" else -1.0 * lt.objective)
        if fp is not None:
            objective = objective - terms["farmland"].cost
        constant = terms["reserve"].constant
        m.add_objective(objective - constant if constant else objective, sense="max")
        return m, terms

    def _balance_inputs(self, m: linopy.Model, terms: _Terms) -> dict[str, Any]:
        """Units, the demand the reserve's decisions make, eligibility and, when linked, the 挂钩 supply."""
        fp = self.farmland
        assert fp is not None
        rt = terms["reserve"]
        p = self.reserve.inputs.parcels
        gidx = pd.Index(fp.groups.index.astype(str), name="group")
        groups_of = fp.reserve_group.reindex(list(rt.years)).to_numpy()
        pick = xr.DataArray(np.equal.outer(groups_of, gidx.to_numpy()).astype(float),
                            coords=[rt.years, gidx])  # year × group: the group of the reserve's year
        fixed = fp.fixed_demand()
        demand = {}
        for dim, col in _DIMS.items():
            const = xr.DataArray(fixed[_FIXED[dim]].reindex(gidx).to_numpy(dtype=float), coords=[gidx])
            coef = xr.DataArray(p[col].to_numpy(dtype=float) * float(fp.reserve_linked), coords=[rt.parcels])
            demand[dim] = ((coef * rt.x).sum("parcel") * pick).sum("year") + const
        units = fp.units
        elig = xr.DataArray((units["year"].to_numpy()[:, None] <= fp.groups["credit_year"].to_numpy()[None, :])
                            .astype(float), coords=[pd.Index(units.index.astype(str), name="unit"), gidx])
        out: dict[str, Any] = {"units": units, "demand": demand, "eligible": elig}
        gg, lk = terms.get("gg_share"), self.linkage
        if gg is not None and lk is not None:  # (a share only with a 挂钩 plan)
            plots = lk.inputs.plots.loc[list(gg.indexes["unit"])]
            out["extra_supply"] = {dim: (xr.DataArray(plots[col].to_numpy(dtype=float), coords=[gg.indexes["unit"]])
                                         * gg).sum("unit") for dim, col in _GG_COLUMNS.items()}
        return out

    def _gg_use(self, gg: linopy.Variable | None) -> dict[str, linopy.LinearExpression] | None:
        """What the 挂钩 plots cancelled as supplement take from the 挂钩 plan, by year: area, paddy, capacity.

        A cancellation against a group leaves the stock in the group's credit year (the 挂钩 plan's last
        year for a group credited after it).
        """
        lk, fp = self.linkage, self.farmland
        if gg is None or lk is None or fp is None:  # (a share only with a 挂钩 plan and a balance)
            return None
        plots = lk.inputs.plots.loc[list(gg.indexes["unit"])]
        at = xr.DataArray(np.equal.outer(_gg_credit(lk, fp), np.asarray(lk.inputs.years)).astype(float),
                          coords=[gg.indexes["group"], pd.Index(list(lk.inputs.years), name="year")])
        out = {}
        for key, col in (("area", "reclaim_mu"), ("paddy", "paddy_mu"), ("capacity", "capacity_kg")):
            amount = xr.DataArray(plots[col].to_numpy(dtype=float), coords=[gg.indexes["unit"]])
            out[key] = ((amount * gg).sum("unit") * at).sum("group")
        return out

    def _used_in_town(self, terms: _Terms) -> linopy.LinearExpression | None:
        """The 挂钩 节余 used in town in each reserve plan year (亩; none in a year the 挂钩 plan lacks)."""
        if self.linkage is None:
            return None
        use = terms["linkage"].use.to_linexpr().rename(year="linkage_year")
        ly, ry = np.asarray(terms["linkage"].years), list(self.reserve.inputs.years)
        at = xr.DataArray(np.equal.outer(ly, np.asarray(ry)).astype(float),
                          coords=[pd.Index(ly, name="linkage_year"), pd.Index(ry, name="year")])
        return (use * at).sum("linkage_year")

    def _gg_share(self, m: linopy.Model) -> linopy.Variable | None:
        """``gg_share[unit, group]``: the share of a 挂钩 plot's reclamation cancelled against a group."""
        lk, fp = self.linkage, self.farmland
        if lk is None or fp is None or not fp.linkage_units:
            return None
        plots = lk.inputs.plots
        ids = pd.Index(plots.index[plots["reclaim_mu"].to_numpy(dtype=float) > 0].astype(str), name="unit")
        if not len(ids):
            return None
        gidx = pd.Index(fp.groups.index.astype(str), name="group")
        return m.add_variables(lower=0, upper=1, coords=[ids, gidx], name="farmland:gg_share")

    def _gg_rules(self, m: linopy.Model, gg: linopy.Variable, lt: LinkageTerms) -> None:
        """``gg_once``: a plot's reclamation is cancelled once at most; ``gg_in_time``: only when accepted by
        the group's credit year (demolished the reclamation lag before) and within the 挂钩 plan."""
        lk, fp = self.linkage, self.farmland
        assert lk is not None and fp is not None  # a share exists only with a 挂钩 plan and a balance
        ids = list(gg.indexes["unit"])
        years = np.asarray(lt.years)
        gidx = gg.indexes["group"]
        lag = lk.inputs.reclamation_lag_years
        by = xr.DataArray((years[:, None] <= _gg_credit(lk, fp)[None, :] - lag).astype(float),
                          coords=[lt.years, gidx])  # accepted by the credit year and within the 挂钩 plan
        demolished = lt.x.sel(unit=ids)
        m.add_constraints(gg.sum("group") - demolished.sum("year") <= 0, name="farmland:gg_once")
        m.add_constraints(gg - (demolished * by).sum("year") <= 0, name="farmland:gg_in_time")

    def _one_fate(self, m: linopy.Model, terms: _Terms) -> None:
        """``one_fate_<a>_<b>``: a parcel two pools may take is taken by one at most."""
        pools = self._pools(terms)
        names = list(pools)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                pa, ea = pools[a]
                pb, eb = pools[b]
                pairs = pa.merge(pb, on="parcel", suffixes=("_a", "_b"))
                if pairs.empty:
                    continue
                idx = pd.Index(pairs["parcel"].astype(str) + "|" + pairs["key_a"] + "|" + pairs["key_b"], name="pair")
                lhs = (ea.sel(key=xr.DataArray(pairs["key_a"].to_numpy(), coords=[idx])).drop_vars("key")
                       + eb.sel(key=xr.DataArray(pairs["key_b"].to_numpy(), coords=[idx])).drop_vars("key"))
                m.add_constraints(lhs <= 1, name=f"one_fate_{a}_{b}")

    def _pools(self, terms: _Terms) -> dict[str, tuple[pd.DataFrame, Any]]:
        """Each pool's parcels (``parcel, key``) and its 0/1 "taken" expression over dimension ``key``."""
        pools: dict[str, tuple[pd.DataFrame, Any]] = {}
        rt = terms["reserve"]
        ids = rt.parcels.astype(str)
        pools["reserve"] = (pd.DataFrame({"parcel": ids, "key": ids}), rt.x.sum("year").rename(parcel="key"))
        if rt.entry is not None:  # supplied by its collective (入市): a fate as well
            entered = rt.entry.indexes["parcel"].astype(str)
            pools["market"] = (pd.DataFrame({"parcel": entered, "key": entered}),
                               rt.entry.sum("year").rename(parcel="key"))
        if self.linkage is not None:
            lt = terms["linkage"]
            plots = lt.plots.astype(str)
            pools["plot"] = (pd.DataFrame({"parcel": plots, "key": plots}), lt.x.sum("year").rename(unit="key"))
            ep = [(p, v) for v, ps in (self.linkage.inputs.exit_parcels or {}).items() for p in ps]
            if ep and lt.exit_offer is not None:  # exited homesteads (their share of the village's land)
                pools["exit"] = (pd.DataFrame(ep, columns=["parcel", "key"]),
                                 lt.exit_offer.sum(["level", "year"]).rename(village="key"))
            sp = [(p, s) for s, ps in _site_parcels(self.linkage).items() for p in ps]
            if sp:
                pools["site"] = (pd.DataFrame(sp, columns=["parcel", "key"]), lt.open.sum("year").rename(site="key"))
        if self.farmland is not None and terms["farmland"].build is not None:
            built = terms["farmland"].build
            whole = set(built.indexes["unit"])
            up = [(p, u) for u, ps in self.farmland.unit_parcels.items() if u in whole for p in ps]
            if up:
                pools["project"] = (pd.DataFrame(up, columns=["parcel", "key"]), built.to_linexpr().rename(unit="key"))
        return pools

    # ------------------------------------------------------------------ solve
    def solve(self, *, time_limit_s: float | None = 60.0, mip_gap: float = 0.005, solver: str = "highs",
              start: dict[str, xr.DataArray] | None = None) -> JointResult:
        """Build and solve; the result splits the solution into the three models' own results."""
        began = time.perf_counter()
        m, terms = self.build()
        outcome = solve(m, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, start=start, started_at=began)
        if not outcome.has_solution():
            outcome.raise_for_status(model_name="联合求解 (收储、挂钩与占补平衡)", diagnose_time_limit_s=10.0)
        return JointResult(self, outcome, terms)

    def _whole_projects(self, m: linopy.Model, terms: _Terms, fp: FarmlandPart) -> None:
        r"""A split project is built whole on the parcels no other model takes, as when run in sequence.

        ``project[v]`` builds project :math:`v`; its remaining part (if any) is built with it
        (``project_rest``: :math:`b_{rest} = B_v`); each part on a contested parcel :math:`p` is built
        only with the project (``project_part``: :math:`b_{vp} \le B_v`) and whenever the project is
        built and no other model takes :math:`p` (``project_free``: :math:`b_{vp} + z_p \ge B_v`, with
        :math:`z_p` the other pools' 0/1 on :math:`p`).
        """
        units = fp.units
        built = terms["farmland"].build
        parts = units[units.index.astype(str) != units["project"].astype(str)]
        if parts.empty or built is None:
            return
        names = pd.Index(sorted(set(parts["project"].astype(str))), name="project")
        project = m.add_variables(binary=True, coords=[names], name="farmland:project")
        b = built.to_linexpr()
        rest = [v for v in names if v in units.index]
        if rest:
            ridx = pd.Index(rest, name="project")
            m.add_constraints(b.sel(unit=xr.DataArray(rest, coords=[ridx])).drop_vars("unit") - project.sel(
                project=rest) == 0, name="farmland:project_rest")
        pidx = pd.Index(parts.index.astype(str), name="part")
        own = b.sel(unit=xr.DataArray(list(pidx), coords=[pidx])).drop_vars("unit")
        of = project.to_linexpr().sel(project=xr.DataArray(parts["project"].astype(str).to_numpy(),
                                                           coords=[pidx])).drop_vars("project")
        m.add_constraints(own - of <= 0, name="farmland:project_part")
        taken = self._taken_elsewhere(terms, pidx, [fp.unit_parcels[k][0] for k in pidx])
        if taken is None:
            m.add_constraints(own - of >= 0, name="farmland:project_free")
            return
        have = pd.Index([str(v) for v in taken.indexes["part"]], name="part")
        m.add_constraints(own.sel(part=list(have)) + taken.sel(part=list(have)) - of.sel(part=list(have)) >= 0,
                          name="farmland:project_free")
        rest = pidx.difference(have)
        if len(rest):  # held by no other pool (not expected: every part is on a contested parcel)
            m.add_constraints(own.sel(part=list(rest)) - of.sel(part=list(rest)) >= 0, name="farmland:project_alone")

    def _taken_elsewhere(self, terms: _Terms, pidx: pd.Index, parcel_of: list[str]) -> Any:
        """Over ``part``: the sum of the other pools' 0/1 on each part's parcel (None if no pool has any).

        Every part lies on a contested parcel, so some pool holds it; the terms of all pools are laid
        end to end along ``pair`` and summed by part.
        """
        where = pd.DataFrame({"part": list(pidx), "parcel": parcel_of})
        picked, parts, offset = [], [], 0
        for name, (pool, expr) in self._pools(terms).items():
            if name == "project":
                continue
            pairs = where.merge(pool, on="parcel")
            if pairs.empty:
                continue
            idx = pd.Index(range(offset, offset + len(pairs)), name="pair")
            offset += len(pairs)
            picked.append(expr.sel(key=xr.DataArray(pairs["key"].to_numpy(), coords=[idx])).drop_vars("key"))
            parts += list(pairs["part"])
        if not picked:
            return None
        stacked = linopy.merge(picked, dim="pair") if len(picked) > 1 else picked[0]
        by_part = xr.DataArray(parts, coords=[pd.Index(range(offset), name="pair")], name="part")
        return stacked.groupby(by_part).sum()


def _gg_credit(lk: LinkagePlan, fp: FarmlandPart) -> np.ndarray:
    """Each group's credit year within the 挂钩 plan's years (reclamation is accepted within them)."""
    ly = lk.inputs.years
    credit: np.ndarray = fp.groups["credit_year"].clip(lower=ly[0], upper=ly[-1]).to_numpy()
    return credit


def _site_parcels(linkage: LinkagePlan) -> dict[str, list[str]]:
    """The parcels of each 建新 site (by representative point), empty without site polygons."""
    sites = linkage.sites_gdf
    if linkage.town is None or sites is None or "geometry" not in sites or not len(sites):
        return {}
    return site_parcels(linkage.town, sites)


# --------------------------------------------------------------------------- the result
def _part(outcome: SolveResult, values: dict[str, xr.DataArray], objective: float, note: str) -> SolveResult:
    """One model's share of the joint solution, as if it had been solved alone (gap and status: the joint's)."""
    return dataclasses.replace(outcome, _values=values, objective=objective, best_bound=None,
                               notes=(*outcome.notes, note))


def _value(expr: Any) -> float:
    """A scalar linear expression's value at the solution."""
    return float(np.asarray(expr.solution).sum())


class JointResult:
    """The joint solution, split into the three models' own results.

    Attributes
    ----------
    outcome : SolveResult
        The joint model's solve (status, objective = the town's, bound, gap).
    reserve : ReserveResult
        Its plan's quota includes the 挂钩 节余 the joint plan uses in town.
    linkage : LinkageResult or None
    farmland : FarmlandResult or None
        None when the reserve plan takes no farmland. No marginal costs (they would be those of
        the balance alone).
    parts : dict
        The town's objective by part (万元): ``reserve``, ``linkage``, ``farmland`` (a cost, positive).
    """

    def __init__(self, plan: JointPlan, outcome: SolveResult, terms: _Terms) -> None:
        self.plan, self.outcome = plan, outcome
        self.constant = float(terms["reserve"].constant)  # the solver's objective leaves it out
        sol = outcome.solution()
        note = "decided jointly with the other models of the scenario: status, gap and bound are the joint model's"
        self.parts = {"reserve": _value(terms["reserve"].objective) - terms["reserve"].constant}
        self.linkage: LinkageResult | None = None
        use = pd.Series(0.0, index=list(plan.reserve.inputs.years))
        if plan.linkage is not None:
            lt = terms["linkage"]
            self.parts["linkage"] = _value(lt.objective) * (1.0 if lt.sense == "max" else -1.0)
            self.linkage = LinkageResult(plan.linkage, _part(outcome, unscoped(sol, "linkage"),
                                                             _value(lt.objective), note))
            use = use.add(self.linkage.flow("use"), fill_value=0.0).reindex(use.index).fillna(0.0)
        if not plan.quota_linked:
            use[:] = 0.0
        quota = plan.reserve.inputs.quota_mu.add(use.round(6), fill_value=0.0)
        reserve_plan = plan.reserve.with_inputs(quota_mu=quota)
        self.reserve = ReserveResult(reserve_plan, _part(outcome, unscoped(sol, "reserve"), self.parts["reserve"],
                                                         note))
        self.farmland: FarmlandResult | None = None
        if plan.farmland is not None:
            self.farmland = _farmland_result(plan, outcome, sol, self.reserve, self.linkage, note)
            self.parts["farmland"] = self.farmland.cost_wan_yuan if self.farmland is not None else 0.0

    @property
    def town_value_wan_yuan(self) -> float:
        """The town's objective: reserve + 挂钩 − 占补平衡 (万元)."""
        return town_value(self.parts)

    def results(self) -> dict[str, Any]:
        """Model name → its result (models that gave none left out)."""
        out = {"linkage": self.linkage, "reserve": self.reserve, "farmland": self.farmland}
        return {k: v for k, v in out.items() if v is not None}


def _farmland_result(plan: JointPlan, outcome: SolveResult, sol: dict[str, xr.DataArray], reserve: ReserveResult,
                     linkage: LinkageResult | None, note: str) -> FarmlandResult | None:
    """The balance's share of the joint solution as a :class:`~landkit.farmland.FarmlandResult` on its own ledger.

    The ledger holds the occupations of the reserve plan as solved and the units the joint model
    offered; a 挂钩 plot cancelled becomes unit ``GG-<plot>`` of the area cancelled, accepted in its
    plot's year. Balancing units the plan leaves empty (a year without farmland taken) are not in the
    ledger: a share cancelled against one (a whole project's spare) moves to another group the unit
    serves, so nothing is lost.
    """
    fp = plan.farmland
    if fp is None:  # (called only for a plan with a balance)
        return None
    occ = reserve.occupations() if fp.reserve_linked else pd.DataFrame()
    if occ.empty and not fp.fixed:
        return None
    ledger = FarmlandLedger(plan.town.params, regime=fp.regime)
    for taken in ([occ] if len(occ) else []) + list(fp.fixed):
        ledger.occupy(taken)
    own = unscoped(sol, "farmland")
    share = own["share"].to_pandas().fillna(0.0)
    build = own["build"].to_pandas() if "build" in own else pd.Series(dtype=float)
    if len(build):  # a whole unit not built gives nothing (a solver's 1e-8 share would cancel it whole)
        off = build.index[build < 0.5]
        share.loc[share.index.intersection(off)] = 0.0
    units, share, build, parcels = _merge_projects(fp.units, share, build, fp.unit_parcels)
    if "gg_share" in own and linkage is not None:  # (a share only with a 挂钩 plan)
        gg, gg_units = _linkage_units(own["gg_share"].to_pandas().fillna(0.0), linkage)
        units = pd.concat([units, gg_units])
        share = pd.concat([share, gg])
    ledger.add_units(unit_table(units.reset_index(names="id")))
    groups = ledger.groups()
    share = _onto(share, groups, units["year"])
    values = {"share": xr.DataArray(share.to_numpy(), coords=[pd.Index(share.index.astype(str), name="unit"),
                                                              pd.Index(share.columns.astype(str), name="group")])}
    if len(build):
        values["build"] = xr.DataArray(build.to_numpy(dtype=float), coords=[pd.Index(build.index.astype(str),
                                                                                     name="unit")])
    used = share.sum(axis=1)
    cost = float((units["cost_wan_yuan"].reindex(used.index).to_numpy() * used.to_numpy()).sum())
    return FarmlandResult(FarmlandBalance(ledger), _part(outcome, values, cost, note), None,
                          "无边际成本：占补平衡与土地收储、增减挂钩联合决策", unit_parcels=parcels)


def _merge_projects(units: pd.DataFrame, share: pd.DataFrame, build: pd.Series,
                    parcels: dict[str, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series,
                                                             dict[str, list[str]]]:
    """A split project's parts back into one unit: the parts built, under the project's own id.

    Its area, capacity, paddy and cost are the built parts' sums; its share of each balancing unit is
    the parts' shares weighted by capacity (a reclamation part's capacity is in proportion to its
    area, an upgrade adds only capacity), so every balance receives exactly what the parts gave.
    """
    project = units["project"].astype(str)
    split = sorted(set(project[project.index.astype(str) != project]))
    keep = units.index[~project.isin(split)]
    out_units = [units.loc[keep].drop(columns="project")]
    out_share, out_build = [share.reindex(keep)], [build.reindex(keep.intersection(build.index))]
    out_parcels = {str(k): parcels.get(str(k), []) for k in keep}
    for v in split:
        members = units.index[project == v]
        on = [k for k in members if build.get(k, 0.0) > 0.5] or list(members)
        row = units.loc[on[0]].drop("project").copy()
        for col in ("area_mu", "capacity_kg", "paddy_mu", "cost_wan_yuan"):
            row[col] = float(units.loc[on, col].sum())
        members_parcels = [p for k in on for p in parcels.get(str(k), [])]
        row["note"] = re.sub(r"\d+ 图斑", f"{len(members_parcels)} 图斑", str(row["note"]), count=1)
        row.name = v
        out_units.append(row.to_frame().T)
        w = units.loc[on, "capacity_kg"].astype(float)
        w = w if w.sum() > 0 else units.loc[on, "area_mu"].astype(float)
        weights = (w / w.sum()) if w.sum() > 0 else pd.Series(1.0 / len(on), index=on)
        out_share.append(share.loc[on].mul(weights, axis=0).sum().to_frame(v).T)
        out_build.append(pd.Series({v: float(any(build.get(k, 0.0) > 0.5 for k in members))}))
        out_parcels[v] = members_parcels
    merged = pd.concat(out_units)
    merged = merged.astype({c: units[c].dtype for c in merged.columns if c in units})
    return merged, pd.concat(out_share).fillna(0.0), pd.concat(out_build), out_parcels


def _linkage_units(gg: pd.DataFrame, linkage: LinkageResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """挂钩 plots cancelled: shares of unit ``GG-<plot>`` (its area = what was cancelled) and the units."""
    plots = linkage.plots
    accepted = plots.index[plots["year_accepted"].notna()].astype(str)
    total = gg.sum(axis=1)
    keep = (total > 1e-6) & gg.index.astype(str).isin(accepted)  # a solver's 1e-8 on a plot not demolished is 0
    gg, total = gg[keep], total[keep]
    plots = plots.loc[gg.index]
    units = pd.DataFrame({
        "source": "linkage_surplus", "year": plots["year_accepted"].astype(int).to_numpy(),
        "area_mu": plots["reclaim_mu"].to_numpy(dtype=float) * total.to_numpy(),
        "capacity_kg": plots["capacity_kg"].to_numpy(dtype=float) * total.to_numpy(),
        "paddy_mu": plots["paddy_mu"].to_numpy(dtype=float) * total.to_numpy(), "cost_wan_yuan": 0.0,
        "divisible": True, "grade": plots["grade"].astype(float).to_numpy(),
        "note": "增减挂钩复垦 (联合求解; demolition and reclamation paid by the linkage plan)",
    }, index=pd.Index([f"GG-{u}" for u in gg.index], name="id"))
    return gg.div(total, axis=0).set_axis(units.index), units


def _onto(share: pd.DataFrame, groups: pd.DataFrame, unit_year: pd.Series) -> pd.DataFrame:
    """Shares on the ledger's groups: a share against a group the plan left empty moves to one the unit serves."""
    present = [g for g in share.columns if g in groups.index]
    out = share[present].copy()
    spill = share.drop(columns=present).sum(axis=1)
    for unit, amount in spill[spill > 1e-12].items():
        ok = [g for g in present if int(groups.at[g, "credit_year"]) >= int(unit_year[unit])]
        if not ok:
            continue  # served no group at all: the spare of a project built for nothing (never optimal)
        target = max(ok, key=lambda g: out.at[unit, g])
        out.at[unit, target] += amount
    return out


# --------------------------------------------------------------------------- in a scenario run
def sequential_start(plan: JointPlan, seq: dict[str, Any], seq_taken: set[str]) -> dict[str, xr.DataArray]:
    """The sequential plan as a MIP start of the joint model (its integer decisions; the solver completes the rest).

    ``seq_taken``: the parcels the sequential 挂钩 and reserve plans took, which no project of the
    sequential balance used.
    """
    start: dict[str, xr.DataArray] = {}
    for model in ("linkage", "reserve"):
        if model in seq:
            res = seq[model]
            names = [n for n, v in res.outcome.model.variables.items() if v.attrs.get("integer") or
                     v.attrs.get("binary")]
            start.update({f"{model}:{n}": res.outcome.value(n) for n in names})
    fp = plan.farmland
    if fp is None:
        return start
    built: set[str] = set()
    if "farmland" in seq:
        build = seq["farmland"].outcome.solution().get("build")
        if build is not None:
            built = {str(u) for u, b in build.to_pandas().items() if b > 0.5}
    units = fp.units
    whole = units.index[~units["divisible"].astype(bool)].astype(str)
    values = [float(str(units.at[u, "project"]) in built and not set(fp.unit_parcels.get(u, [])) & seq_taken)
              for u in whole]
    start["farmland:build"] = xr.DataArray(values, coords=[pd.Index(list(whole), name="unit")])
    split = sorted({str(v) for u, v in units["project"].items() if str(u) != str(v)})
    if split:
        start["farmland:project"] = xr.DataArray([float(v in built) for v in split],
                                                 coords=[pd.Index(split, name="project")])
    return start


def linkage_net_wan_yuan(res: LinkageResult) -> float:
    """The 挂钩 plan's objective without the shadow value of 节余 used in town (万元, discounted)."""
    inp = res.plan.inputs
    if res.plan.objective != "max_value":
        return -float(res.objective)
    use = res.flow("use").reindex(list(inp.years)).fillna(0.0)
    value = inp.town_use_value_wan_per_mu.reindex(list(inp.years)).fillna(0.0)
    delta = cast(pd.Series, res.plan.discount().to_pandas()).reindex(list(inp.years))  # one dimension: a Series
    return float(res.objective) - float((delta * value * use).sum())


def sequential_parts(seq: dict[str, Any], plan: JointPlan) -> dict[str, float]:
    """The sequential plan's figures on the joint objective's terms (万元): reserve, 挂钩 net, 占补平衡 cost."""
    parts = {"reserve": float(seq["reserve"].objective)}
    if "linkage" in seq:
        parts["linkage"] = linkage_net_wan_yuan(seq["linkage"]) if plan.quota_linked else (
            float(seq["linkage"].objective) if seq["linkage"].plan.objective == "max_value"
            else -float(seq["linkage"].objective))
    if plan.farmland is not None:
        parts["farmland"] = float(seq["farmland"].cost_wan_yuan) if "farmland" in seq else 0.0
    return parts


def town_value(parts: dict[str, float]) -> float:
    """The town's objective from its parts: reserve + 挂钩 − 占补平衡 (万元)."""
    return parts["reserve"] + parts.get("linkage", 0.0) - parts.get("farmland", 0.0)


def comparison(seq: dict[str, Any], seq_time_s: float, joint: JointResult, joint_time_s: float, *,
               published: str = "joint") -> pd.DataFrame:
    """联合与顺序求解对比: the town's objective by part, status and gap of each mode, on the same land and limits."""
    rows = []
    gaps = [r.outcome.gap for r in seq.values() if r.outcome.gap is not None]
    seq_status = "、".join(sorted({status_text(r.status.value, r.outcome.gap) for r in seq.values()}))
    for mode, parts, status, gap, bound, secs, res in (
            ("sequential", sequential_parts(seq, joint.plan), seq_status, max(gaps) if gaps else None,
             None, seq_time_s, seq),
            ("joint", joint.parts, status_text(joint.outcome.status.value, joint.outcome.gap), joint.outcome.gap,
             joint.outcome.best_bound, joint_time_s, joint.results())):
        k = res["reserve"].kpis()
        rows.append({"求解方式": {"sequential": "顺序求解", "joint": "联合求解"}[mode], "状态": status,
                     "采用": "是" if mode == published else "否",
                     "收储目标值(万元)": round(parts["reserve"], 1),
                     "挂钩净收益(万元)": round(parts.get("linkage", 0.0), 1),
                     "占补平衡成本(万元)": round(parts.get("farmland", 0.0), 1),
                     "全镇目标值(万元)": round(town_value(parts), 1),
                     "全镇目标上界(万元)": None if bound is None else round(float(bound), 1),
                     "最大间隙(%)": None if gap is None else round(100 * float(gap), 2),
                     "收储净现值(万元)": k["npv_wan_yuan"], "收储面积(亩)": k["acquired_mu"],
                     "挂钩节余镇内使用(亩)": round(float(res["linkage"].flow("use").sum()), 2) if "linkage" in res
                     else 0.0, "耗时(s)": round(secs, 1)})
    return pd.DataFrame(rows)


def solve_jointly(ctx: RunContext, records: dict[str, ModelRecord]) -> dict[str, Any]:
    """Run the scenario's 挂钩, reserve and 占补平衡 plans as one model; return each model's result.

    Solves them in sequence first on a copy of the land account (the start and the comparison), then
    jointly; each model's share is accepted (checked and claimed) by its adapter and its record notes
    the joint solve. The comparison table (联合与顺序求解对比) goes to the bundle's summary tables.
    """
    sc = ctx.scenario
    group = [m for m in JOINT_MODELS if sc.enabled(m)]
    t0 = time.perf_counter()
    seq_ctx = dataclasses.replace(ctx, land=copy.deepcopy(ctx.land), results=dict(ctx.results), writer=None)
    seq: dict[str, Any] = {}
    seq_taken: set[str] = set()
    for m in group:
        if m == "farmland":  # the parcels the 挂钩 and reserve plans took (the balance's own come after)
            seq_taken = set(seq_ctx.land.taken) - set(ctx.land.taken)
        res = adapter(m).solve(seq_ctx, ModelRecord(m))
        if res is not None:
            seq[m] = seq_ctx.results[m] = res
    seq_time = time.perf_counter() - t0
    if "farmland" not in group:
        seq_taken = set(seq_ctx.land.taken) - set(ctx.land.taken)

    t1 = time.perf_counter()
    plan = JointPlan.from_context(ctx)
    options = [ctx.solve_options(m) for m in group]
    limits = [o.get("time_limit_s") for o in options]
    known = [v for v in limits if v is not None]
    limit = float(sum(known)) if len(known) == len(limits) else None
    joint = plan.solve(time_limit_s=limit, mip_gap=float(ctx.solve_options("reserve").get("mip_gap", 0.005)),
                       start=sequential_start(plan, seq, seq_taken))
    joint_time = time.perf_counter() - t1
    seq_value = town_value(sequential_parts(seq, plan))
    use_joint = joint.town_value_wan_yuan >= seq_value - 1e-6 * max(1.0, abs(seq_value))
    if use_joint and ctx.writer is not None:  # the one model of the three, written once (records point to it)
        ctx.writer.mps("joint", joint.outcome, ModelRecord("joint"))
    chosen = joint.results() if use_joint else seq
    out = {}
    for m, res in chosen.items():
        rec = records.setdefault(m, ModelRecord(m))
        accept = adapter(m).accept
        if accept is None:  # every model of JOINT_MODELS has one
            raise LandkitError(f"model {m} cannot be decided jointly: its adapter has no accept step")
        accept(ctx, res, rec)
        rec.notes.append(f"decided jointly with {', '.join(group)} (solve: joint): {joint.outcome.summary()}"
                         if use_joint else
                         f"solve: joint ended below the sequential plan ({joint.town_value_wan_yuan:,.1f} against "
                         f"{seq_value:,.1f} 万元; {joint.outcome.summary()}): the sequential plan is published")
        rec.notes += plan.notes if m == "reserve" and use_joint else []
        out[m] = res
    ctx.joint_comparison = comparison(seq, seq_time, joint, joint_time, published="joint" if use_joint
                                      else "sequential")
    return out
