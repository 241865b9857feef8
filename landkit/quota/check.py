"""An independent checker of a 增减挂钩 plan and its ledger.

It re-derives every quota flow from the 0/1 decisions and the inputs with plain Python loops — no
linopy, no code shared with the model builder or :meth:`LinkageResult.ledger` — and replays the
周转指标 as a first-in-first-out queue of loans, each due ``return_years`` after it was borrowed, so
a modelling error cannot hide behind itself.
"""

from __future__ import annotations

from typing import Any

TOL = 1e-5


def _exits(result: Any, inp: Any, years: list[int], lag: int, rec: dict, rec_paddy: dict, rec_cap: dict,
           scale: Any) -> tuple[float, list[str]]:
    """宅基地有偿退出 replayed: one offer per village, reclaimed within what left; adds the reclamation it gives
    (accepted ``lag`` years later) to ``rec``/``rec_paddy``/``rec_cap``; returns its cost and the problems."""
    sol = result.outcome.solution()
    if inp.exits is None or "exit_offer" not in sol:
        return 0.0, []
    errors: list[str] = []
    offer = sol["exit_offer"].to_series()
    reclaim = sol["exit_reclaim"].to_series()
    ex, part = inp.exits, inp.exit_participation
    cost = 0.0
    left: dict[tuple[str, int], float] = {}
    for village in ex.index.astype(str):
        chosen = [(lv, y) for (v, lv, y), val in offer.items() if v == village and val > 0.5]
        if len(chosen) > 1:
            errors.append(f"village {village} offered the homestead exit {len(chosen)} times")
        for lv, y in chosen:
            share = float(part.at[village, lv])
            cost += float(ex.at[village, "households"]) * share * float(inp.exit_offers[int(lv)])
            left[(village, int(y))] = share * float(ex.at[village, "reclaim_mu"])
    for (village, y), r in reclaim.items():
        r = float(r)
        if r > left.get((village, int(y)), 0.0) + scale(r):
            errors.append(f"{y}: {r:.4f} 亩 reclaimed from exited homesteads of {village}, more than left "
                          f"({left.get((village, int(y)), 0.0):.4f})")
        cost += r * float(ex.at[village, "reclamation_cost_wan_per_mu"])
        ya = int(y) + lag
        if ya in rec:
            rec[ya] += r
            rec_paddy[ya] += r * float(ex.at[village, "paddy_share"])
            rec_cap[ya] += r * float(ex.at[village, "capacity_kg_per_mu"])
    return cost, errors


def check_linkage(result: Any, *, tol: float = TOL) -> list[str]:
    """Return the list of violated invariants (empty when the plan and its ledger are sound).

    Checked: each plot demolished at most once, whole villages all or none, fixed and excluded plots
    respected; households moved per year within the cap and all rehoused that year within site
    capacity, at opened sites; the ledger's reclamation, 建新 and cost columns equal their
    recomputation; 建新 = borrowed + drawn from accepted quota; the stock of accepted quota and the
    outstanding 周转指标 never negative; every loan returned within ``return_years`` (FIFO replay)
    and none outstanding at the end; paddy and capacity balances; 节余 caps; and the identity
    accepted reclamation = returned + drawn + used in town + sold + closing stock; 宅基地有偿退出: one offer per
    village, land reclaimed within what its households left, its payments and reclamation in the costs.
    """
    plan = result.plan
    inp = plan.inputs
    years = [int(y) for y in inp.years]
    p, st = inp.plots, inp.sites
    x = result.outcome.value("x").to_pandas()
    o = result.outcome.value("open").to_pandas()
    h = result.outcome.value("rehoused").to_pandas()
    flows = {name: result.outcome.value(name).to_pandas() for name in ("borrow", "repay", "direct", "use", "sell")}
    errors: list[str] = []

    def scale(v: float) -> float:
        return tol * max(1.0, abs(v))

    # --- plots
    year_of: dict[str, int] = {}
    for unit in p.index.astype(str):
        done = [y for y in years if x.at[unit, y] > 0.5]
        if len(done) > 1:
            errors.append(f"plot {unit} demolished {len(done)} times ({done})")
        if done:
            year_of[unit] = done[0]
    if "block" in p:
        for block, members in p.groupby(p["block"].astype("string")).groups.items():
            chosen = [str(u) in year_of for u in members]
            if any(chosen) and not all(chosen):
                errors.append(f"whole village {block}: {sum(chosen)} of {len(chosen)} plots demolished")
    for key, year in plan.fixed.items():
        for unit in plan._members(key):
            if year_of.get(unit) != year:
                errors.append(f"fixed plot {unit} not demolished in {year}")
    for key in plan.excluded:
        for unit in plan._members(key):
            if unit in year_of:
                errors.append(f"excluded plot {unit} demolished")

    # --- households and sites
    opened: dict[str, int] = {}
    for site in st.index.astype(str):
        yrs = [y for y in years if o.at[site, y] > 0.5]
        if len(yrs) > 1:
            errors.append(f"site {site} opened {len(yrs)} times")
        if yrs:
            opened[site] = yrs[0]
    housed: dict[str, float] = dict.fromkeys(st.index.astype(str), 0.0)
    for y in years:
        moved = sum(float(p.at[u, "households"]) for u, yy in year_of.items() if yy == y)
        if moved > float(inp.max_households[y]) + scale(moved):
            errors.append(f"{y}: {moved:.0f} households moved, cap {inp.max_households[y]:.0f}")
        total = 0.0
        for site in housed:
            n = float(h.at[site, y])
            total += n
            housed[site] += n
            if n > 0.5 and (site not in opened or opened[site] > y):
                errors.append(f"{y}: {n:.0f} households rehoused at {site} before it opened")
            cap = float(st.at[site, "capacity_households"])
            if housed[site] > cap + scale(cap):
                errors.append(f"{y}: {site} holds {housed[site]:.0f} households, capacity {cap:.0f}")
        if abs(total - moved) > scale(moved):
            errors.append(f"{y}: {moved:.0f} households moved but {total:.0f} rehoused")

    # --- quota flows recomputed year by year
    lag, n_ret = inp.reclamation_lag_years, inp.return_years
    a_h = inp.land_per_household_mu
    rec = {y: 0.0 for y in years}
    rec_paddy = {y: 0.0 for y in years}
    rec_cap = {y: 0.0 for y in years}
    for unit, y in year_of.items():
        ya = y + lag
        if ya in rec:
            rec[ya] += float(p.at[unit, "reclaim_mu"])
            rec_paddy[ya] += float(p.at[unit, "paddy_mu"])
            rec_cap[ya] += float(p.at[unit, "capacity_kg"])
    exit_cost, exit_errors = _exits(result, inp, years, lag, rec, rec_paddy, rec_cap, scale)
    errors += exit_errors
    build = {y: sum(a_h * float(h.at[s, y]) for s in housed) for y in years}
    build_paddy = {y: sum(a_h * float(st.at[s, "paddy_share"]) * float(h.at[s, y]) for s in housed) for y in years}
    build_cap = {y: sum(a_h * float(st.at[s, "capacity_kg_per_mu"]) * float(h.at[s, y]) for s in housed)
                 for y in years}
    f = {name: {y: float(v[y]) for y in years} for name, v in flows.items()}
    for name, series in f.items():
        errors += [f"{y}: {name} negative ({v:.4f} 亩)" for y, v in series.items() if v < -tol]

    stock = 0.0
    loans: list[list[float]] = []  # FIFO queue of [year borrowed, amount still owed]
    for y in years:
        if abs(f["borrow"][y] + f["direct"][y] - build[y]) > scale(build[y]):
            errors.append(f"{y}: 建新 {build[y]:.4f} 亩 ≠ borrowed {f['borrow'][y]:.4f} + drawn {f['direct'][y]:.4f}")
        if f["borrow"][y] > tol:
            loans.append([y, f["borrow"][y]])
        pay = f["repay"][y]
        while pay > tol and loans:
            take = min(pay, loans[0][1])
            loans[0][1] -= take
            pay -= take
            if loans[0][1] <= tol:
                loans.pop(0)
        if pay > tol:
            errors.append(f"{y}: {pay:.4f} 亩 returned beyond what was borrowed")
        errors += [f"{y}: 周转指标 {amt:.4f} 亩 borrowed in {yb} not returned within {n_ret} years"
                   for yb, amt in loans if y - yb >= n_ret and amt > tol]
        stock += rec[y] - f["repay"][y] - f["direct"][y] - f["use"][y] - f["sell"][y]
        if stock < -tol * max(1.0, rec[y]):
            errors.append(f"{y}: accepted quota stock negative ({stock:.4f} 亩): quota used before acceptance")
        if plan.objective == "max_value":
            if f["use"][y] > float(inp.town_use_cap_mu[y]) + tol:
                errors.append(f"{y}: 节余 used in town {f['use'][y]:.4f} above cap {inp.town_use_cap_mu[y]}")
            if f["sell"][y] > float(inp.sale_cap_mu[y]) + tol:
                errors.append(f"{y}: 节余 sold {f['sell'][y]:.4f} above cap {inp.sale_cap_mu[y]}")
        else:
            if f["use"][y] < float(plan.required[y]) - tol:
                errors.append(f"{y}: required 节余 {plan.required[y]} not delivered ({f['use'][y]:.4f})")
            if f["sell"][y] > tol:
                errors.append(f"{y}: 节余 sold in a min-cost plan")
    outstanding = sum(amt for _, amt in loans)
    if outstanding > tol:
        errors.append(f"周转指标 {outstanding:.4f} 亩 still outstanding at the end of the plan")
    for name, got, need in (("paddy", rec_paddy, build_paddy), ("capacity", rec_cap, build_cap)):
        cum_got = cum_need = 0.0
        need_by: dict[int, float] = {}
        for y in years:
            cum_need += need[y]
            need_by[y] = cum_need
        for y in years:
            cum_got += got[y]
            due = need_by.get(y - n_ret, 0.0) if y != years[-1] else need_by[y]
            if cum_got < due - scale(due):
                errors.append(f"{y}: 挂钩 {name} reclaimed {cum_got:.4f} < {due:.4f} due")
    total_rec = sum(rec.values())
    used = sum(f["repay"].values()) + sum(f["direct"].values()) + sum(f["use"].values()) + sum(f["sell"].values())
    if abs(total_rec - used - stock) > scale(total_rec):
        errors.append(f"ledger does not balance: accepted {total_rec:.4f} ≠ returned + drawn + used + sold "
                      f"{used:.4f} + closing stock {stock:.4f}")

    # --- the reported ledger agrees with the recomputation
    led = result.ledger()
    checks = (("复垦验收(亩)", rec), ("其中水田(亩)", rec_paddy), ("建新安置(亩)", build),
              ("周转指标借用(亩)", f["borrow"]), ("节余指标本镇使用(亩)", f["use"]), ("节余指标交易(亩)", f["sell"]))
    for col, ref in checks:
        for y in years:
            if abs(float(led.at[y, col]) - ref[y]) > 1e-3 * max(1.0, abs(ref[y])):
                errors.append(f"ledger {col} {y}: {led.at[y, col]} ≠ recomputed {ref[y]:.4f}")
    cost = sum(float(p.at[u, "demolition_cost_wan_yuan"]) + float(p.at[u, "reclamation_cost_wan_yuan"])
               for u in year_of)
    cost += sum(float(st.at[s, "fixed_cost_wan_yuan"]) for s in opened)
    cost += inp.site_cost_per_household_wan_yuan * sum(housed.values())
    cost += exit_cost
    reported = float(result.costs()["合计(万元)"].sum())
    if abs(reported - cost) > 1e-3 * max(1.0, cost):
        errors.append(f"costs: reported {reported:.2f} 万元 ≠ recomputed {cost:.2f}")
    return errors


__all__ = ["check_linkage"]
