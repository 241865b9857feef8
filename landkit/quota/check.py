"""An independent checker of a 增减挂钩 plan and its ledger.

It re-derives every quota flow from the 0/1 decisions and the inputs with plain Python loops — no
linopy, no code shared with the model builder or :meth:`LinkageResult.ledger` — and replays the
周转指标 as a first-in-first-out queue of loans, each due ``return_years`` after it was borrowed, so
a modelling error cannot hide behind itself.

The facts are derived once (:class:`_Facts`); each invariant is then a small function of them that
returns its problems, run in a fixed order (:data:`_CHECKS`, and :data:`_HOUSEHOLD_YEAR` and
:data:`_QUOTA_YEAR` year by year), so the messages always come in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import pandas as pd

if TYPE_CHECKING:
    from landkit.quota.inputs import LinkageInputs
    from landkit.quota.linkage import LinkagePlan
    from landkit.quota.result import LinkageResult

TOL = 1e-5
_FLOWS = ("borrow", "repay", "direct", "use", "sell")


@dataclass(frozen=True)
class _Exits:
    """宅基地有偿退出 replayed: the offers chosen by village, the land each left by (village, year), the reclaiming."""

    chosen: dict[str, list[tuple[int, int]]]  # village -> (level, year) of each offer taken
    left: dict[tuple[str, int], float]  # (village, year) -> homestead land its leavers left (亩)
    reclaim: pd.Series  # (village, year) -> land reclaimed (亩)
    cost: float  # payments and reclamation (万元)


@dataclass(frozen=True)
class _Loans:
    """The 周转指标 FIFO replay: by year, what was returned beyond the loans, the overdue loans and the stock."""

    unpaid: dict[int, float]  # year -> 亩 returned beyond what was borrowed
    overdue: dict[int, list[tuple[int, float]]]  # year -> (year borrowed, amount) of loans past their due year
    stock: dict[int, float]  # year -> accepted quota not yet used (亩), after that year
    outstanding: float  # 周转指标 still owed at the end


@dataclass(frozen=True)
class _Facts:
    """Everything the invariants compare, recomputed from the decisions and the inputs."""

    result: LinkageResult
    tol: float
    years: list[int]
    x: pd.DataFrame  # plot × year 0/1 demolished
    o: pd.DataFrame  # site × year 0/1 opened
    h: pd.DataFrame  # site × year households rehoused
    year_of: dict[str, int]  # plot -> first year demolished
    opened: dict[str, int]  # site -> first year opened
    housed: dict[int, dict[str, float]]  # year -> site -> households rehoused there up to that year
    moved: dict[int, float]  # year -> households moved from demolished plots
    rec: dict[str, dict[int, float]]  # "area" / "paddy" / "capacity" -> year -> accepted reclamation
    build: dict[str, dict[int, float]]  # "area" / "paddy" / "capacity" -> year -> 建新 land taken
    flows: dict[str, dict[int, float]]  # borrow / repay / direct / use / sell -> year -> 亩
    exits: _Exits | None
    loans: _Loans

    @property
    def plan(self) -> LinkagePlan:
        """The plan checked."""
        return self.result.plan

    @property
    def inp(self) -> LinkageInputs:
        """The plan's inputs."""
        return self.result.plan.inputs

    def scale(self, v: float) -> float:
        """The tolerance for a quantity of size ``v``."""
        return self.tol * max(1.0, abs(v))


# ---------------------------------------------------------------------- the facts
def _values(result: LinkageResult, name: str) -> pd.DataFrame:
    """A decision's values as pandas (a Series for one dimension, a DataFrame for two)."""
    return cast(pd.DataFrame, result.outcome.value(name).to_pandas())


def _yearly(result: LinkageResult, name: str, years: list[int]) -> dict[int, float]:
    """A yearly quota flow's values by year."""
    values = _values(result, name)
    return {y: float(values[y]) for y in years}


def _first_years(labels: pd.Index, chosen: pd.DataFrame, years: list[int]) -> dict[str, int]:
    """Label -> the first year its 0/1 decision is on (labels never on are left out)."""
    first: dict[str, int] = {}
    for label in labels.astype(str):
        on = [y for y in years if chosen.at[label, y] > 0.5]
        if on:
            first[label] = on[0]
    return first


def _housed(sites: list[str], h: pd.DataFrame, years: list[int]) -> dict[int, dict[str, float]]:
    """Year -> site -> households rehoused there up to that year."""
    running = dict.fromkeys(sites, 0.0)
    out: dict[int, dict[str, float]] = {}
    for y in years:
        for site in running:
            running[site] += float(h.at[site, y])
        out[y] = dict(running)
    return out


def _exit_replay(result: LinkageResult) -> _Exits | None:
    """宅基地有偿退出 replayed: one offer per village, reclaimed within what left; None without an exit programme."""
    inp = result.plan.inputs
    sol = result.outcome.solution()
    ex, part = inp.exits, inp.exit_participation
    if ex is None or part is None or "exit_offer" not in sol:
        return None
    offer = sol["exit_offer"].to_series()
    reclaim = sol["exit_reclaim"].to_series()
    cost = 0.0
    chosen: dict[str, list[tuple[int, int]]] = {}
    left: dict[tuple[str, int], float] = {}
    for village in ex.index.astype(str):
        chosen[village] = [(lv, y) for (v, lv, y), val in offer.items() if v == village and val > 0.5]
        for lv, y in chosen[village]:
            share = float(part.at[village, lv])
            cost += float(ex.at[village, "households"]) * share * float(inp.exit_offers[int(lv)])
            left[(village, int(y))] = share * float(ex.at[village, "reclaim_mu"])
    for (village, _), r in reclaim.items():
        cost += float(r) * float(ex.at[village, "reclamation_cost_wan_per_mu"])
    return _Exits(chosen, left, reclaim, cost)


def _accepted(result: LinkageResult, year_of: dict[str, int], exits: _Exits | None,
              years: list[int]) -> dict[str, dict[int, float]]:
    """Reclamation accepted by year (``reclamation_lag_years`` after demolition): area, paddy and capacity."""
    inp = result.plan.inputs
    p, lag = inp.plots, inp.reclamation_lag_years
    rec: dict[str, dict[int, float]] = {k: dict.fromkeys(years, 0.0) for k in ("area", "paddy", "capacity")}
    for unit, y in year_of.items():
        if y + lag in rec["area"]:
            rec["area"][y + lag] += float(p.at[unit, "reclaim_mu"])
            rec["paddy"][y + lag] += float(p.at[unit, "paddy_mu"])
            rec["capacity"][y + lag] += float(p.at[unit, "capacity_kg"])
    if exits is not None and inp.exits is not None:
        ex = inp.exits
        for (village, y), r in exits.reclaim.items():
            if int(y) + lag in rec["area"]:
                rec["area"][int(y) + lag] += float(r)
                rec["paddy"][int(y) + lag] += float(r) * float(ex.at[village, "paddy_share"])
                rec["capacity"][int(y) + lag] += float(r) * float(ex.at[village, "capacity_kg_per_mu"])
    return rec


def _built(inp: LinkageInputs, h: pd.DataFrame, sites: list[str], years: list[int]) -> dict[str, dict[int, float]]:
    """建新 land taken by year (亩), and the paddy and capacity it occupies."""
    a_h, st = inp.land_per_household_mu, inp.sites
    return {
        "area": {y: sum(a_h * float(h.at[s, y]) for s in sites) for y in years},
        "paddy": {y: sum(a_h * float(st.at[s, "paddy_share"]) * float(h.at[s, y]) for s in sites) for y in years},
        "capacity": {y: sum(a_h * float(st.at[s, "capacity_kg_per_mu"]) * float(h.at[s, y]) for s in sites)
                     for y in years},
    }


def _replay_loans(inp: LinkageInputs, f: dict[str, dict[int, float]], rec: dict[int, float],
                  tol: float) -> _Loans:
    """The 周转指标 as a first-in-first-out queue of loans, and the stock of accepted quota, year by year."""
    unpaid: dict[int, float] = {}
    overdue: dict[int, list[tuple[int, float]]] = {}
    stocks: dict[int, float] = {}
    stock = 0.0
    loans: list[list[float]] = []  # FIFO queue of [year borrowed, amount still owed]
    for y in inp.years:
        if f["borrow"][y] > tol:
            loans.append([y, f["borrow"][y]])
        pay = f["repay"][y]
        while pay > tol and loans:
            take = min(pay, loans[0][1])
            loans[0][1] -= take
            pay -= take
            if loans[0][1] <= tol:
                loans.pop(0)
        unpaid[y] = pay
        overdue[y] = [(int(yb), amt) for yb, amt in loans if y - yb >= inp.return_years and amt > tol]
        stock += rec[y] - f["repay"][y] - f["direct"][y] - f["use"][y] - f["sell"][y]
        stocks[y] = stock
    return _Loans(unpaid, overdue, stocks, sum(amt for _, amt in loans))


def _facts(result: LinkageResult, tol: float) -> _Facts:
    """Derive the facts the invariants compare."""
    inp = result.plan.inputs
    years = [int(y) for y in inp.years]
    p, st = inp.plots, inp.sites
    sites = list(st.index.astype(str))
    x, o, h = _values(result, "x"), _values(result, "open"), _values(result, "rehoused")
    year_of = _first_years(p.index, x, years)
    moved = {y: sum(float(p.at[u, "households"]) for u, yy in year_of.items() if yy == y) for y in years}
    exits = _exit_replay(result)
    rec = _accepted(result, year_of, exits, years)
    flows = {name: _yearly(result, name, years) for name in _FLOWS}
    return _Facts(
        result=result, tol=tol, years=years, x=x, o=o, h=h, year_of=year_of,
        opened=_first_years(st.index, o, years), housed=_housed(sites, h, years),
        moved=moved, rec=rec, build=_built(inp, h, sites, years), flows=flows, exits=exits,
        loans=_replay_loans(inp, flows, rec["area"], tol),
    )


# ---------------------------------------------------------------------- plots
def _years_chosen_twice(chosen: pd.DataFrame, ids: pd.Index, years: list[int]) -> dict[str, list[int]]:
    """The ids (rows of the 0/1 table ``chosen``, a column per year) chosen in more than one year, and when."""
    out = {}
    for unit in ids.astype(str):
        done = [y for y in years if chosen.at[unit, y] > 0.5]
        if len(done) > 1:
            out[unit] = done
    return out


def _plots_once(f: _Facts) -> list[str]:
    """Each plot demolished at most once."""
    return [f"plot {unit} demolished {len(done)} times ({done})"
            for unit, done in _years_chosen_twice(f.x, f.inp.plots.index, f.years).items()]


def _whole_villages(f: _Facts) -> list[str]:
    """A 整村搬迁 village's plots all demolished or none."""
    p = f.inp.plots
    if "block" not in p:
        return []
    errors = []
    for block, members in p.groupby(p["block"].astype("string")).groups.items():
        chosen = [str(u) in f.year_of for u in members]
        if any(chosen) and not all(chosen):
            errors.append(f"whole village {block}: {sum(chosen)} of {len(chosen)} plots demolished")
    return errors


def _fixed(f: _Facts) -> list[str]:
    """Fixed plots demolished in their year."""
    return [f"fixed plot {unit} not demolished in {year}"
            for key, year in f.plan.fixed.items() for unit in f.plan._members(key) if f.year_of.get(unit) != year]


def _excluded(f: _Facts) -> list[str]:
    """Excluded plots left standing."""
    return [f"excluded plot {unit} demolished"
            for key in f.plan.excluded for unit in f.plan._members(key) if unit in f.year_of]


# ---------------------------------------------------------------------- households and sites
def _sites_once(f: _Facts) -> list[str]:
    """Each site opened at most once."""
    return [f"site {site} opened {len(done)} times ({done})"
            for site, done in _years_chosen_twice(f.o, f.inp.sites.index, f.years).items()]


def _moved_cap(f: _Facts, y: int) -> list[str]:
    """Households moved in the year within the cap."""
    moved, cap = f.moved[y], f.inp.max_households[y]
    return [f"{y}: {moved:.0f} households moved, cap {cap:.0f}"] if moved > float(cap) + f.scale(moved) else []


def _sites_in_year(f: _Facts, y: int) -> list[str]:
    """Households rehoused only at opened sites, within each site's capacity."""
    errors = []
    for site, housed in f.housed[y].items():
        n = float(f.h.at[site, y])
        if n > 0.5 and (site not in f.opened or f.opened[site] > y):
            errors.append(f"{y}: {n:.0f} households rehoused at {site} before it opened")
        cap = float(f.inp.sites.at[site, "capacity_households"])
        if housed > cap + f.scale(cap):
            errors.append(f"{y}: {site} holds {housed:.0f} households, capacity {cap:.0f}")
    return errors


def _all_rehoused(f: _Facts, y: int) -> list[str]:
    """Every household moved in the year rehoused that year."""
    total = 0.0
    for site in f.housed[y]:
        total += float(f.h.at[site, y])
    moved = f.moved[y]
    return [f"{y}: {moved:.0f} households moved but {total:.0f} rehoused"] if abs(total - moved) > f.scale(moved) \
        else []


_HOUSEHOLD_YEAR: tuple[Callable[[_Facts, int], list[str]], ...] = (_moved_cap, _sites_in_year, _all_rehoused)


def _households(f: _Facts) -> list[str]:
    """The household invariants (:data:`_HOUSEHOLD_YEAR`), year by year."""
    return [e for y in f.years for check in _HOUSEHOLD_YEAR for e in check(f, y)]


# ---------------------------------------------------------------------- 宅基地有偿退出
def _exit_once(f: _Facts) -> list[str]:
    """One homestead-exit offer per village."""
    if f.exits is None:
        return []
    return [f"village {village} offered the homestead exit {len(chosen)} times"
            for village, chosen in f.exits.chosen.items() if len(chosen) > 1]


def _exit_reclaimed(f: _Facts) -> list[str]:
    """Exited homestead land reclaimed within what the leavers left."""
    if f.exits is None:
        return []
    errors = []
    for (village, y), r in f.exits.reclaim.items():
        left = f.exits.left.get((village, int(y)), 0.0)
        if float(r) > left + f.scale(float(r)):
            errors.append(f"{y}: {float(r):.4f} 亩 reclaimed from exited homesteads of {village}, more than left "
                          f"({left:.4f})")
    return errors


# ---------------------------------------------------------------------- quota flows, year by year
def _flows_non_negative(f: _Facts) -> list[str]:
    """No quota flow negative."""
    return [f"{y}: {name} negative ({v:.4f} 亩)" for name, series in f.flows.items() for y, v in series.items()
            if v < -f.tol]


def _build_identity(f: _Facts, y: int) -> list[str]:
    """建新 = borrowed + drawn from accepted quota."""
    borrow, direct, build = f.flows["borrow"][y], f.flows["direct"][y], f.build["area"][y]
    if abs(borrow + direct - build) > f.scale(build):
        return [f"{y}: 建新 {build:.4f} 亩 ≠ borrowed {borrow:.4f} + drawn {direct:.4f}"]
    return []


def _returned_beyond(f: _Facts, y: int) -> list[str]:
    """No more returned than was borrowed."""
    pay = f.loans.unpaid[y]
    return [f"{y}: {pay:.4f} 亩 returned beyond what was borrowed"] if pay > f.tol else []


def _overdue(f: _Facts, y: int) -> list[str]:
    """Every loan returned within ``return_years``."""
    return [f"{y}: 周转指标 {amt:.4f} 亩 borrowed in {yb} not returned within {f.inp.return_years} years"
            for yb, amt in f.loans.overdue[y]]


def _stock(f: _Facts, y: int) -> list[str]:
    """The stock of accepted quota never negative."""
    stock = f.loans.stock[y]
    if stock < -f.tol * max(1.0, f.rec["area"][y]):
        return [f"{y}: accepted quota stock negative ({stock:.4f} 亩): quota used before acceptance"]
    return []


def _caps(f: _Facts, y: int) -> list[str]:
    """节余 within the caps (max_value), or the required 节余 delivered and none sold (min_cost)."""
    use, sell, inp, tol = f.flows["use"][y], f.flows["sell"][y], f.inp, f.tol
    errors = []
    if f.plan.objective == "max_value":
        if use > float(inp.town_use_cap_mu[y]) + tol:
            errors.append(f"{y}: 节余 used in town {use:.4f} above cap {inp.town_use_cap_mu[y]}")
        if sell > float(inp.sale_cap_mu[y]) + tol:
            errors.append(f"{y}: 节余 sold {sell:.4f} above cap {inp.sale_cap_mu[y]}")
        return errors
    if use < float(f.plan.required[y]) - tol:
        errors.append(f"{y}: required 节余 {f.plan.required[y]} not delivered ({use:.4f})")
    if sell > tol:
        errors.append(f"{y}: 节余 sold in a min-cost plan")
    return errors


_QUOTA_YEAR: tuple[Callable[[_Facts, int], list[str]], ...] = (
    _build_identity, _returned_beyond, _overdue, _stock, _caps)


def _quota_years(f: _Facts) -> list[str]:
    """The yearly quota invariants (:data:`_QUOTA_YEAR`), year by year."""
    return [e for y in f.years for check in _QUOTA_YEAR for e in check(f, y)]


# ---------------------------------------------------------------------- at the end of the plan
def _outstanding(f: _Facts) -> list[str]:
    """No 周转指标 outstanding at the end."""
    left = f.loans.outstanding
    return [f"周转指标 {left:.4f} 亩 still outstanding at the end of the plan"] if left > f.tol else []


def _balance(f: _Facts, name: str, got: dict[int, float], need: dict[int, float]) -> list[str]:
    """A 挂钩 balance: reclaimed by each year at least what 建新 took ``return_years`` before, and all by the end."""
    n_ret, years = f.inp.return_years, f.years
    cum_got = cum_need = 0.0
    need_by: dict[int, float] = {}
    for y in years:
        cum_need += need[y]
        need_by[y] = cum_need
    errors = []
    for y in years:
        cum_got += got[y]
        due = need_by.get(y - n_ret, 0.0) if y != years[-1] else need_by[y]
        if cum_got < due - f.scale(due):
            errors.append(f"{y}: 挂钩 {name} reclaimed {cum_got:.4f} < {due:.4f} due")
    return errors


def _balances(f: _Facts) -> list[str]:
    """The paddy and capacity balances."""
    return (_balance(f, "paddy", f.rec["paddy"], f.build["paddy"])
            + _balance(f, "capacity", f.rec["capacity"], f.build["capacity"]))


def _ledger_balance(f: _Facts) -> list[str]:
    """Accepted reclamation = returned + drawn + used in town + sold + closing stock."""
    total_rec = sum(f.rec["area"].values())
    used = sum(sum(f.flows[name].values()) for name in ("repay", "direct", "use", "sell"))
    stock = f.loans.stock[f.years[-1]]
    if abs(total_rec - used - stock) > f.scale(total_rec):
        return [f"ledger does not balance: accepted {total_rec:.4f} ≠ returned + drawn + used + sold "
                f"{used:.4f} + closing stock {stock:.4f}"]
    return []


def _ledger_columns(f: _Facts) -> list[str]:
    """The reported ledger's reclamation, 建新 and quota columns equal their recomputation."""
    led = f.result.ledger()
    checks = (("复垦验收(亩)", f.rec["area"]), ("其中水田(亩)", f.rec["paddy"]), ("建新安置(亩)", f.build["area"]),
              ("周转指标借用(亩)", f.flows["borrow"]), ("节余指标本镇使用(亩)", f.flows["use"]),
              ("节余指标交易(亩)", f.flows["sell"]))
    return [f"ledger {col} {y}: {led.at[y, col]} ≠ recomputed {ref[y]:.4f}" for col, ref in checks for y in f.years
            if abs(float(led.at[y, col]) - ref[y]) > 1e-3 * max(1.0, abs(ref[y]))]


def _costs(f: _Facts) -> list[str]:
    """The reported costs equal their recomputation (plots, sites, households rehoused, homestead exits)."""
    p, st, inp = f.inp.plots, f.inp.sites, f.inp
    cost = sum(float(p.at[u, "demolition_cost_wan_yuan"]) + float(p.at[u, "reclamation_cost_wan_yuan"])
               for u in f.year_of)
    cost += sum(float(st.at[s, "fixed_cost_wan_yuan"]) for s in f.opened)
    cost += inp.site_cost_per_household_wan_yuan * sum(f.housed[f.years[-1]].values())
    cost += f.exits.cost if f.exits is not None else 0.0
    reported = float(f.result.costs()["合计(万元)"].sum())
    if abs(reported - cost) > 1e-3 * max(1.0, cost):
        return [f"costs: reported {reported:.2f} 万元 ≠ recomputed {cost:.2f}"]
    return []


#: The invariants, in the order their messages are listed.
_CHECKS: tuple[Callable[[_Facts], list[str]], ...] = (
    _plots_once, _whole_villages, _fixed, _excluded,
    _sites_once, _households,
    _exit_once, _exit_reclaimed,
    _flows_non_negative, _quota_years, _outstanding, _balances, _ledger_balance,
    _ledger_columns, _costs,
)


def check_linkage(result: LinkageResult, *, tol: float = TOL) -> list[str]:
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
    facts = _facts(result, tol)
    errors: list[str] = []
    for check in _CHECKS:
        errors += check(facts)
    return errors


__all__ = ["check_linkage"]
