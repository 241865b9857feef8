"""An independent checker of a reserve plan's invariants.

It recomputes everything from the 0/1 decisions and the inputs with plain pandas arithmetic — no
linopy, no code shared with the model builder — so a modelling error cannot hide behind itself.
Every solve in the test suite passes through it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

TOL = 1e-6


def _market_entry(result: Any, parcels: Any, years: list[int]) -> Any:
    """入市 decisions (parcel × year, 0/1) over every parcel, 0 where the plan has none."""
    out = pd.DataFrame(0, index=parcels.index, columns=years)
    if "market_entry" in result.outcome.solution():
        e = result.outcome.value("market_entry").to_pandas().round().astype(int)
        out.loc[e.index, years] = e.reindex(columns=years).fillna(0).to_numpy()
    return out


def _entry_problems(inp: Any, entry: Any, acquired: Any, years: list[int], town: Any = None) -> list[str]:
    """入市 only for collective 经营性 land with a commercial or industrial planned use (re-derived from the town's
    own parcels when there is a town), not locked out or already held, once, not before it is allowed, never
    also acquired."""
    errors = []
    n = entry.sum(axis=1)
    p = inp.parcels
    for pid in n.index[n > 0]:
        why = []
        if inp.market_entry_from is None:
            why.append("the plan allows no 入市")
        if str(p.at[pid, "planned_use"]) not in ("commercial", "industrial"):
            why.append(f"planned {p.at[pid, 'planned_use']}")
        if "locked_out" in p and bool(p.at[pid, "locked_out"]):
            why.append("locked out")
        if "held_since" in p and pd.notna(p.at[pid, "held_since"]):
            why.append("already held by the centre")
        if town is not None:
            row = town.parcels.loc[pid]
            codes = tuple(str(c) for c in town.params["reserve.collective_market_codes"])
            if str(row.get("ownership", "")) != "collective" or not str(row.get("DLBM", "")).startswith(codes):
                why.append(f"not collective 经营性建设用地 (DLBM {row.get('DLBM')}, {row.get('ownership')})")
        if why:
            errors.append(f"parcel {pid} supplied by its collective (入市) but " + "; ".join(why))
        if n[pid] > 1:
            errors.append(f"parcel {pid} enters the market {n[pid]} times")
        if acquired[pid] > 0:
            errors.append(f"parcel {pid} both acquired and supplied by its collective (入市)")
        first = years[int(np.argmax(entry.loc[pid].to_numpy()))]
        if inp.market_entry_from is not None and first < inp.market_entry_from:
            errors.append(f"parcel {pid} enters the market in {first}, before {inp.market_entry_from}")
    return errors


def check_plan(result: Any, *, tol: float = TOL) -> list[str]:
    """Return the list of violated invariants (empty when the plan is sound).

    Checked: each parcel acquired at most once and supplied at most once, never before its
    acquisition + lag; 入市 only for its candidates, once, from ``market_entry_from``, never also
    acquired; the cash balance ≥ 0 every year (recomputed from funds, borrowing,
    repayment, interest, revenue and costs) and equal to the result's 资金平衡表; debt within
    ceilings and repaid within term;
    新增建设用地 quota and resettlement capacity respected each year; locked-in parcels acquired,
    locked-out parcels not, bundles together; supply of each use within the market cap; and, when
    the plan came from a town, no acquired parcel lies in 永久基本农田, 生态保护红线 or a water-source
    zone, a 现代农业示范区 or the 田园综合体 beyond the sliver tolerance, or outside the 城镇开发边界.
    """
    plan = result.plan
    inp = plan.inputs
    years = list(inp.years)
    p = inp.parcels
    x = result.outcome.value("x").to_pandas().reindex(index=p.index, columns=years).round().astype(int)
    s = result.outcome.value("s").to_pandas().reindex(index=p.index, columns=years).round().astype(int)
    errors: list[str] = []

    entry = _market_entry(result, p, years)
    once = x.sum(axis=1)
    errors += [f"parcel {i} acquired {n} times" for i, n in once[once > 1].items()]
    errors += _entry_problems(inp, entry, once, years, getattr(plan, "town", None))
    sold = s.sum(axis=1)
    errors += [f"parcel {i} supplied {n} times" for i, n in sold[sold > 1].items()]
    since = inp.held_since
    held0 = since.notna()
    errors += [f"parcel {i} already held at the start but acquired again" for i in once.index[held0 & (once > 0)]]
    for pid in s.index[sold > 0]:
        ys = years[int(np.argmax(s.loc[pid].to_numpy()))]
        if once[pid] == 0 and not held0[pid]:
            errors.append(f"parcel {pid} supplied in {ys} but never acquired")
            continue
        ya = int(since[pid]) if held0[pid] else years[int(np.argmax(x.loc[pid].to_numpy()))]
        if ys < ya + inp.supply_lag_years:
            errors.append(f"parcel {pid} supplied in {ys}, acquired {ya}: lag {inp.supply_lag_years} not respected")

    # cash, recomputed year by year
    cost = (p["acquisition_cost_wan_yuan"] + p["demolition_cost_wan_yuan"] + p["prep_cost_wan_yuan"]
            + p["land_use_fee_wan_yuan"])
    cash = inp.opening_cash_wan_yuan
    debt = {f.name: 0.0 for f in inp.finance}
    borrowed: dict[str, list[float]] = {f.name: [] for f in inp.finance}
    repaid: dict[str, list[float]] = {f.name: [] for f in inp.finance}
    if inp.finance:
        borrow = result.outcome.value("borrow").to_pandas()
        repay = result.outcome.value("repay").to_pandas()
    held = held0.astype(int)  # the opening stock: its acquisition cost is sunk, holding it is not
    shown = result.cashflow(decimals=None)["年末余额(万元)"] if hasattr(result, "cashflow") else None
    for t, year in enumerate(years):
        held = held + x[year] - s[year]
        flow = float(inp.funds_wan_yuan[year]) * (1.0 - inp.enterprise_support_share)
        if inp.other_income_wan_yuan is not None:
            flow += float(np.nan_to_num(inp.other_income_wan_yuan.get(year, 0.0)))
        flow += _returned(inp, s[year], year, cost)
        flow += float((entry[year] * inp.adjustment_fund_rate * (inp.revenue_gross[year] - p["prep_cost_wan_yuan"]
                                                                 ).clip(lower=0.0)).sum())  # 入市调节金
        flow -= float((s[year] * inp.reward_wan_yuan).sum())  # 以奖代补
        flow -= float((x[year] * cost).sum())
        if t == 0:
            flow -= inp.pending_prep_wan_yuan  # 前期开发 still owed on parcels held at the start
        flow -= float((held * p["holding_cost_wan_yuan_per_year"]).sum())
        for f in inp.finance:
            b, r = float(borrow.at[f.name, year]), float(repay.at[f.name, year])
            borrowed[f.name].append(b)
            repaid[f.name].append(r)
            interest = f.rate * (debt[f.name] + b)
            debt[f.name] += b - r
            flow += b - r - interest
            if debt[f.name] < -tol:
                errors.append(f"{year}: {f.name} debt negative ({debt[f.name]:.2f} 万元)")
            if debt[f.name] > f.max_debt_wan_yuan + tol * max(1.0, f.max_debt_wan_yuan):
                errors.append(f"{year}: {f.name} debt {debt[f.name]:.2f} above ceiling {f.max_debt_wan_yuan} 万元")
            if b > f.max_new_per_year_wan_yuan + tol * max(1.0, b):
                errors.append(f"{year}: {f.name} new borrowing {b:.2f} above {f.max_new_per_year_wan_yuan} 万元")
            due = sum(borrowed[f.name][: max(0, t + 1 - f.term_years)])
            if sum(repaid[f.name]) < due - 1e-4 * max(1.0, due):
                errors.append(f"{year}: {f.name} repaid {sum(repaid[f.name]):.2f} < {due:.2f} 万元 due by its term")
            if not f.early_repayment and sum(repaid[f.name]) > due + 1e-4 * max(1.0, due):
                errors.append(f"{year}: {f.name} repaid {sum(repaid[f.name]):.2f} 万元 before its term "
                              f"(due {due:.2f}); it may not be repaid early")
        cash += flow
        if cash < -1e-4 * max(1.0, abs(flow)):
            errors.append(f"{year}: cash balance {cash:.2f} 万元 < 0")
        if shown is not None and abs(float(shown[year]) - cash) > 1e-4 * max(1.0, abs(cash)):
            errors.append(f"{year}: the 资金平衡表 shows a balance of {float(shown[year]):.2f} 万元, recomputed "
                          f"{cash:.2f}")
        used = float((x[year] * p["agricultural_mu"]).sum())
        if used > float(inp.quota_mu[year]) + 1e-6:
            errors.append(f"{year}: 农用地转用 {used:.2f} 亩 above quota {inp.quota_mu[year]}")
        moved = float((x[year] * p["households"]).sum())
        if moved > float(inp.resettlement_households[year]) + 1e-6:
            errors.append(f"{year}: {moved:.0f} households moved, capacity {inp.resettlement_households[year]}")
        supplied = ((s[year] + entry[year]) * p["area_mu"]).groupby(p["planned_use"]).sum()
        for use, mu in supplied.items():
            cap = inp.market_absorption * float(inp.demand_mu.at[use, year]) if use in inp.demand_mu.index else 0.0
            if mu > cap + 1e-6:
                errors.append(f"{year}: {use} supply {mu:.2f} 亩 above market cap {cap:.2f}")

    left = sum(debt.values())
    if inp.debt_at_end == "repay" and left > 1e-4:
        errors.append(f"{left:.2f} 万元 of debt left at the end of the plan; all must be repaid")
    if inp.debt_at_end == "cover":
        stock = float((held * cost).sum()) * inp.stock_value_share
        if left > stock + 1e-4 * max(1.0, stock):
            errors.append(f"{left:.2f} 万元 of debt left at the end, above the stock's value {stock:.2f} 万元")

    if "locked_in" in p:
        errors += [f"locked-in parcel {i} not acquired" for i in p.index[p["locked_in"].astype(bool) & (once == 0)]]
    if "locked_out" in p:
        errors += [f"locked-out parcel {i} acquired" for i in p.index[p["locked_out"].astype(bool) & (once > 0)]]
    if "bundle" in p:
        for name, members in p.groupby("bundle").groups.items():
            if x.loc[members].drop_duplicates().shape[0] > 1:
                errors.append(f"bundle {name} not acquired together")
    if plan.caps.households is not None and float((once * p["households"]).sum()) > plan.caps.households + 1e-6:
        errors.append("households cap exceeded")
    if plan.caps.farmland_mu is not None and float((once * p["farmland_mu"]).sum()) > plan.caps.farmland_mu + 1e-6:
        errors.append("farmland cap exceeded")

    town = getattr(plan, "town", None)
    if town is not None:
        params = town.params
        limit = float(params["reserve.partial_zone_rule"])
        chosen = town.parcels.loc[once.index[(once > 0) | (entry.sum(axis=1) > 0)]]  # built on, by either route
        for key in ("YJJBNTBHTB", "STBHHX", "YYSYDBHQ", "agri_zone", "tianyuan"):  # closed to construction
            col = f"frac_{key}"
            if col in chosen:
                bad = chosen.index[chosen[col] > limit]
                errors += [f"parcel {i} acquired inside {key} ({chosen.at[i, col]:.0%})" for i in bad]
        if "frac_CZKFBJ" in chosen:
            out = chosen.index[chosen["frac_CZKFBJ"] < float(params["reserve.min_inside_boundary"])]
            errors += [f"parcel {i} acquired outside the 城镇开发边界" for i in out]
            inside = chosen["area_mu"] * chosen["frac_CZKFBJ"]
            beyond = chosen.index[p.loc[chosen.index, "area_mu"] > inside + 1e-6]
            errors += [f"parcel {i} planned for {p.at[i, 'area_mu']:.2f} 亩, more than its "
                       f"{inside[i]:.2f} 亩 inside the 城镇开发边界" for i in beyond]
    return errors


def _returned(inp: Any, supplied: Any, year: int, cost: Any) -> float:
    """Revenue returned to the fund in ``year``: share × (出让收入 − 计提 on the year's totals)."""
    gross = float((supplied * inp.revenue_gross[year]).sum())
    proceeds = gross - float((supplied * cost).sum())
    base = {"gross": gross, "proceeds": proceeds}
    deducted = sum(d.share * max(0.0, base[d.base]) for d in inp.deductions)
    return inp.returned_share * (gross - deducted)
