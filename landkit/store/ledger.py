"""储备土地台账: the reserve ledger — what really happened to each parcel, plan versus actual, re-planning.

Events, per parcel (国土资规〔2017〕17号 headings):

- **acquired** (收储): date, area (亩), cost by component (补偿 compensation, 社保 social security,
  青苗 crops, 拆迁 demolition and resettlement; 万元);
- **developed** (前期开发): date and site-preparation cost (万元);
- **supplied** (供应): date, method 招拍挂 (auction, listing, tender; a positive price) or 划拨
  (allocation; price may be 0), price (万元);
- **temporary_use** (临时利用): start and end dates while held, income (万元);
- **correction**: an amount corrected after the fact, with a reason, guarded against lost updates.

Each event is written in one transaction together with the parcel's ledger row, so it is recorded
entirely or not at all. The database enforces the rules in :mod:`landkit.store.schema` (no supply
before acquisition, non-negative money, positive areas, one acquisition and one supply per
parcel); landkit checks them first to give a plain message, and reports the database's refusal by
constraint name when a check is bypassed.

Concurrency: a write transaction locks the parcel's row (PostgreSQL ``SELECT … FOR UPDATE``;
SQLite takes the file's write lock with ``BEGIN IMMEDIATE``), so two analysts recording at the same
time are serialised and neither update is lost. Corrections carry the version the analyst read
(:meth:`ReserveLedger.correct`): if someone changed the row since, nothing is written and
:class:`~landkit.ConflictError` says who changed it and when.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from landkit._errors import ConflictError, StoreError
from landkit.plot import new_figure
from landkit.reserve import ReservePlan, ReserveResult
from landkit.store._backend import guarded
from landkit.town import Town

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from landkit.store.store import Store

SUPPLY_METHODS = ("招拍挂", "划拨")
ACQUISITION_COMPONENTS = ("compensation", "social_security", "crops", "demolition")
#: what a violated database constraint means, in the reserve centre's words
CONSTRAINT_MESSAGES = {
    "area_positive": "the area must be > 0 亩",
    "acquisition_cost_nonnegative": "acquisition costs must be ≥ 0 万元",
    "development_cost_nonnegative": "the development cost must be ≥ 0 万元",
    "developed_after_acquired": "前期开发 cannot be dated before the acquisition",
    "supplied_after_acquired": "supply cannot be dated before the acquisition",
    "supply_method_known": f"the supply method must be one of {SUPPLY_METHODS}",
    "supply_price_nonnegative": "the supply price must be ≥ 0 万元",
    "supply_complete": "a supply needs a date, a method and a price",
    "auction_has_price": "a 招拍挂 supply needs a price > 0 万元",
    "temporary_income_nonnegative": "temporary-use income must be ≥ 0 万元",
    "event_amounts_nonnegative": "amounts must be ≥ 0 万元",
    "event_end_after_start": "the end date is before the start date",
    "event_kind_known": "unknown event kind",
}


def _date(value: dt.date | str, what: str) -> str:
    """An ISO date string from a date or 'YYYY-MM-DD' text (what both databases store)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise StoreError(f"{what}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2020-03-31") from exc


def _money(value: float, what: str) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise StoreError(f"{what} = {value}: money must be a number ≥ 0 (万元)")
    return v


class ReserveLedger:
    """The reserve ledger of a :class:`~landkit.store.Store` (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.backend = store.backend

    # ------------------------------------------------------------------ writing
    def _refused(self, exc: BaseException, bsm: str, what: str) -> StoreError:
        name = self.backend.constraint_name(exc)
        if ("UNIQUE" in name.upper() or name.endswith("_pkey")
                or name in ("reserve_event_one_acquisition", "reserve_event_one_supply")):
            reason = f"already {what}"
        elif "FOREIGN KEY" in name.upper() or name == "event_parcel_known":
            reason = "is not in the ledger: record its acquisition first"
        else:
            reason = CONSTRAINT_MESSAGES.get(name, name)
        return StoreError(f"{self.store.label}: parcel {bsm}: {reason} (refused by the database: {name}); "
                          "nothing was recorded")

    def _lock(self, cur: Any, bsm: str) -> dict[str, Any] | None:
        cur.execute("SELECT acquired_on, supplied_on, supply_method, version, changed_by, changed_at, developed_on "
                    f"FROM reserve_parcel WHERE bsm = %s{self.backend.FOR_UPDATE}", (bsm,))
        row = cur.fetchone()
        if row is None:
            return None
        keys = ("acquired_on", "supplied_on", "supply_method", "version", "changed_by", "changed_at", "developed_on")
        out = dict(zip(keys, row, strict=True))
        for k in ("acquired_on", "supplied_on", "developed_on"):
            out[k] = None if out[k] is None else _date(out[k], k)
        return out

    def _event(self, cur: Any, bsm: str, kind: str, on: str, *, end: str | None = None, method: str | None = None,
               note: str | None = None, amounts: Mapping[str, float] | None = None) -> int:
        """Insert one event row (``amounts``: 万元 by cost or income, ``<key>_wan_yuan`` columns); its id."""
        amounts = amounts or {}
        cols = ["bsm", "kind", "event_date", "end_date", "method", "note", "recorded_by"]
        vals: list[Any] = [bsm, kind, on, end, method, note, self.store.user]
        for k, v in amounts.items():
            cols.append(f"{k}_wan_yuan")
            vals.append(v)
        returning = " RETURNING id" if self.backend.kind == "postgis" else ""
        cur.execute(f"INSERT INTO reserve_event ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
                    f"{returning}", vals)
        if not returning:
            cur.execute("SELECT last_insert_rowid()")
        return int(cur.fetchone()[0])

    def _touch(self) -> str:
        return f"version = version + 1, changed_by = %s, changed_at = {self.backend.NOW}"

    @guarded("record an acquisition in the reserve ledger")
    def record_acquisition(self, bsm: str, *, on: dt.date | str, area_mu: float, compensation_wan_yuan: float = 0.0,
                           social_security_wan_yuan: float = 0.0, crops_wan_yuan: float = 0.0,
                           demolition_wan_yuan: float = 0.0, planned_use: str | None = None,
                           note: str | None = None) -> int:
        """Record that the centre acquired a parcel (收储). Returns the event id.

        Costs by component in 万元 (each ≥ 0; all 0 is allowed for 闲置土地无偿收回).
        """
        bsm = str(bsm)
        on = _date(on, f"parcel {bsm} acquisition date")
        amounts = {"compensation": _money(compensation_wan_yuan, "compensation_wan_yuan"),
                   "social_security": _money(social_security_wan_yuan, "social_security_wan_yuan"),
                   "crops": _money(crops_wan_yuan, "crops_wan_yuan"),
                   "demolition": _money(demolition_wan_yuan, "demolition_wan_yuan")}
        area = float(area_mu)
        if not np.isfinite(area) or area <= 0:
            raise StoreError(f"parcel {bsm}: area_mu = {area_mu}: the area must be > 0 亩")
        try:
            with self.backend.transaction() as cur:
                held = self._lock(cur, bsm)
                if held is not None:
                    raise StoreError(f"parcel {bsm} was already acquired on {held['acquired_on']} (recorded by "
                                     f"{held['changed_by']}); a parcel is acquired once — correct it with "
                                     "ledger.correct(...) if that record is wrong")
                cur.execute("INSERT INTO reserve_parcel (bsm, area_mu, planned_use, acquired_on, "
                            "acquisition_cost_wan_yuan, changed_by) VALUES (%s, %s, %s, %s, %s, %s)",
                            (bsm, area, planned_use, on, sum(amounts.values()), self.store.user))
                return self._event(cur, bsm, "acquired", on, note=note, amounts=amounts)
        except self.backend.integrity_errors as exc:
            raise self._refused(exc, bsm, "acquired") from exc

    @guarded("record 前期开发 in the reserve ledger")
    def record_development(self, bsm: str, *, on: dt.date | str, preparation_wan_yuan: float,
                           note: str | None = None) -> int:
        """Record 前期开发 (site preparation to 净地) finished, with its cost (万元)."""
        bsm = str(bsm)
        on = _date(on, f"parcel {bsm} development date")
        cost = _money(preparation_wan_yuan, "preparation_wan_yuan")
        try:
            with self.backend.transaction() as cur:
                held = self._require_held(cur, bsm, on, "前期开发")
                if held["developed_on"] is not None:
                    raise StoreError(f"parcel {bsm}: 前期开发 already recorded on {held['developed_on']}")
                cur.execute(f"UPDATE reserve_parcel SET developed_on = %s, development_cost_wan_yuan = "
                            f"development_cost_wan_yuan + %s, {self._touch()} WHERE bsm = %s",
                            (on, cost, self.store.user, bsm))
                return self._event(cur, bsm, "developed", on, note=note, amounts={"preparation": cost})
        except self.backend.integrity_errors as exc:
            raise self._refused(exc, bsm, "developed") from exc

    @guarded("record a supply in the reserve ledger")
    def record_supply(self, bsm: str, *, on: dt.date | str, method: str, price_wan_yuan: float,
                      note: str | None = None) -> int:
        """Record that a held parcel was supplied (供应) by 招拍挂 or 划拨, at a price (万元)."""
        bsm = str(bsm)
        on = _date(on, f"parcel {bsm} supply date")
        if method not in SUPPLY_METHODS:
            raise StoreError(f"parcel {bsm}: supply method {method!r} is not one of {SUPPLY_METHODS}")
        price = _money(price_wan_yuan, "price_wan_yuan")
        if method == "招拍挂" and price <= 0:
            raise StoreError(f"parcel {bsm}: a 招拍挂 supply needs its price (> 0 万元)")
        try:
            with self.backend.transaction() as cur:
                self._require_held(cur, bsm, on, "supply")
                cur.execute(f"UPDATE reserve_parcel SET supplied_on = %s, supply_method = %s, supply_price_wan_yuan = "
                            f"%s, {self._touch()} WHERE bsm = %s", (on, method, price, self.store.user, bsm))
                return self._event(cur, bsm, "supplied", on, method=method, note=note, amounts={"price": price})
        except self.backend.integrity_errors as exc:
            raise self._refused(exc, bsm, "supplied") from exc

    @guarded("record a temporary use in the reserve ledger")
    def record_temporary_use(self, bsm: str, *, start: dt.date | str, end: dt.date | str, income_wan_yuan: float = 0.0,
                             note: str | None = None) -> int:
        """Record 临时利用 of a held parcel between two dates, with the income it brought (万元)."""
        bsm = str(bsm)
        start, end = _date(start, f"parcel {bsm} temporary use start"), _date(end, f"parcel {bsm} temporary use end")
        if end < start:
            raise StoreError(f"parcel {bsm}: temporary use ends ({end}) before it starts ({start})")
        income = _money(income_wan_yuan, "income_wan_yuan")
        try:
            with self.backend.transaction() as cur:
                held = self._require_held(cur, bsm, start, "temporary use")
                if held["supplied_on"] is not None and end > held["supplied_on"]:
                    raise StoreError(f"parcel {bsm}: temporary use until {end} runs past its supply on "
                                     f"{held['supplied_on']}")
                # an increment, not read-modify-write: two uses recorded at once both count
                cur.execute(f"UPDATE reserve_parcel SET temporary_income_wan_yuan = temporary_income_wan_yuan + %s, "
                            f"{self._touch()} WHERE bsm = %s", (income, self.store.user, bsm))
                return self._event(cur, bsm, "temporary_use", start, end=end, note=note, amounts={"income": income})
        except self.backend.integrity_errors as exc:
            raise self._refused(exc, bsm, "recorded") from exc

    def _require_held(self, cur: Any, bsm: str, on: str, what: str) -> dict[str, Any]:
        held = self._lock(cur, bsm)
        if held is None:
            raise StoreError(f"parcel {bsm}: {what} recorded but the parcel is not in the ledger; record its "
                             "acquisition first (ledger.record_acquisition)")
        if on < held["acquired_on"]:
            raise StoreError(f"parcel {bsm}: {what} dated {on}, before its acquisition on {held['acquired_on']}")
        if what in ("supply", "前期开发") and held["supplied_on"] is not None:
            raise StoreError(f"parcel {bsm} was already supplied on {held['supplied_on']} ({held['supply_method']}, "
                             f"recorded by {held['changed_by']} at {held['changed_at']}); a parcel is supplied once")
        return held

    @guarded("correct a reserve ledger record")
    def correct(self, bsm: str, *, expected_version: int, reason: str, area_mu: float | None = None,
                acquisition_cost_wan_yuan: float | None = None, development_cost_wan_yuan: float | None = None,
                supply_price_wan_yuan: float | None = None) -> int:
        """Correct recorded figures of a parcel, if nobody changed it since ``expected_version`` was read.

        Read the row first (:meth:`parcels` has ``version``), then correct with that version: when
        another analyst changed the row in between, :class:`~landkit.ConflictError` names them and
        nothing is written (no lost update). The old and new values go into a ``correction`` event.
        """
        bsm = str(bsm)
        changes = {k: v for k, v in {"area_mu": area_mu, "acquisition_cost_wan_yuan": acquisition_cost_wan_yuan,
                                     "development_cost_wan_yuan": development_cost_wan_yuan,
                                     "supply_price_wan_yuan": supply_price_wan_yuan}.items() if v is not None}
        if not changes:
            raise StoreError(f"parcel {bsm}: nothing to correct; give area_mu, acquisition_cost_wan_yuan, "
                             "development_cost_wan_yuan or supply_price_wan_yuan")
        if not reason.strip():
            raise StoreError(f"parcel {bsm}: a correction needs a reason (it stays in the ledger's history)")
        for key, value in changes.items():
            changes[key] = _money(value, key) if key != "area_mu" else float(value)
        if "area_mu" in changes and not (np.isfinite(changes["area_mu"]) and changes["area_mu"] > 0):
            raise StoreError(f"parcel {bsm}: area_mu = {area_mu}: the area must be > 0 亩")
        try:
            with self.backend.transaction() as cur:
                held = self._lock(cur, bsm)
                if held is None:
                    raise StoreError(f"parcel {bsm} is not in the ledger")
                if int(held["version"]) != int(expected_version):
                    raise ConflictError(f"parcel {bsm} was changed by {held['changed_by']} at {held['changed_at']} "
                                        f"(version {held['version']}, you read {expected_version}): nothing was "
                                        "written; read the ledger again and redo the correction")
                cols = ", ".join(changes)
                cur.execute(f"SELECT {cols} FROM reserve_parcel WHERE bsm = %s", (bsm,))
                old = dict(zip(changes, cur.fetchone(), strict=True))
                sets = ", ".join(f"{k} = %s" for k in changes)
                cur.execute(f"UPDATE reserve_parcel SET {sets}, {self._touch()} WHERE bsm = %s AND version = %s",
                            (*[float(v) for v in changes.values()], self.store.user, bsm, int(expected_version)))
                note = json.dumps({"reason": reason, "old": old, "new": changes}, ensure_ascii=False)
                return self._event(cur, bsm, "correction", dt.date.today().isoformat(), note=note)
        except self.backend.integrity_errors as exc:
            raise self._refused(exc, bsm, "corrected") from exc

    # ------------------------------------------------------------------ reading
    @guarded("read the reserve ledger parcels")
    def parcels(self) -> pd.DataFrame:
        """One row per parcel in the ledger (index ``bsm``): dates, areas, money, version, who and when."""
        frame = self.backend.query("SELECT * FROM reserve_parcel ORDER BY acquired_on, bsm")
        for c in ("acquired_on", "developed_on", "supplied_on"):
            frame[c] = pd.to_datetime(frame[c]).dt.date
        frame["changed_at"] = pd.to_datetime(frame["changed_at"])
        return frame.set_index("bsm")

    @guarded("read the reserve ledger events")
    def events(self, bsm: str | None = None) -> pd.DataFrame:
        """The event history (all parcels, or one), oldest first, with who recorded each and when."""
        where, params = ("WHERE bsm = %s", (str(bsm),)) if bsm is not None else ("", ())
        frame = self.backend.query(f"SELECT * FROM reserve_event {where} ORDER BY id", params)
        for c in ("event_date", "end_date"):
            frame[c] = pd.to_datetime(frame[c]).dt.date
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
        return frame

    @guarded("read the reserve ledger")
    def table(self) -> pd.DataFrame:
        """储备土地台账 with the office's headings and units."""
        p = self.parcels()
        status = np.where(p["supplied_on"].notna(), "已供应", np.where(p["developed_on"].notna(), "已完成前期开发",
                                                                      "储备中"))
        return pd.DataFrame({
            "地块编号": p.index,
            "面积(亩)": p["area_mu"].round(2).to_numpy(),
            "收储日期": p["acquired_on"].to_numpy(),
            "收储成本(万元)": p["acquisition_cost_wan_yuan"].round(2).to_numpy(),
            "前期开发完成": p["developed_on"].to_numpy(),
            "前期开发费用(万元)": p["development_cost_wan_yuan"].round(2).to_numpy(),
            "供应日期": p["supplied_on"].to_numpy(),
            "供应方式": p["supply_method"].to_numpy(),
            "成交价款(万元)": p["supply_price_wan_yuan"].round(2).to_numpy(),
            "临时利用收入(万元)": p["temporary_income_wan_yuan"].round(2).to_numpy(),
            "状态": status,
            "最后修改人": p["changed_by"].to_numpy(),
            "最后修改时间(UTC)": p["changed_at"].to_numpy(),
        })

    @guarded("read the land held in reserve")
    def held(self, *, as_of: dt.date | str | None = None) -> pd.DataFrame:
        """Parcels held (acquired, not yet supplied) at the end of ``as_of`` (default: now)."""
        p = self.parcels()
        day = dt.date.fromisoformat(_date(as_of, "as_of")) if as_of is not None else dt.date.max
        acquired = p["acquired_on"].map(lambda d: d <= day)
        supplied = p["supplied_on"].map(lambda d: d is not None and not pd.isna(d) and d <= day)
        return p[acquired & ~supplied]

    # ------------------------------------------------------------------ plans
    @guarded("save a reserve plan")
    def save_plan(self, name: str, result: ReserveResult) -> None:
        """Keep a solved reserve plan under ``name`` (replacing one of that name), for plan versus actual."""
        s = result.schedule  # held-at-start rows too: their year acquired is before the plan, their supply in it
        summary = {"years": [int(y) for y in result.plan.inputs.years], "status": result.status.value,
                   "gap": result.gap, "npv_wan_yuan": result.kpis()["npv_wan_yuan"]}
        rows = [(name, str(b), int(r.year_acquired), None if pd.isna(r.year_supplied) else int(r.year_supplied),
                 float(r.area_mu), float(r.cost_wan_yuan), float(r.gross_revenue_wan_yuan))
                for b, r in zip(s.index, s.itertuples(index=False), strict=True)]
        with self.backend.transaction() as cur:
            self.backend.lock_key(cur, f"reserve_plan:{name}")  # two analysts saving one name: the later one wins whole
            cur.execute("DELETE FROM reserve_plan_row WHERE plan = %s", (name,))
            cur.execute("DELETE FROM reserve_plan WHERE name = %s", (name,))
            cur.execute("INSERT INTO reserve_plan (name, summary_json, saved_by) VALUES (%s, %s, %s)",
                        (name, json.dumps(summary), self.store.user))
            if rows:
                cur.executemany("INSERT INTO reserve_plan_row (plan, bsm, year_acquired, year_supplied, area_mu, "
                                "cost_wan_yuan, revenue_wan_yuan) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)

    @guarded("read the saved reserve plans")
    def plans(self) -> pd.DataFrame:
        """Saved plans: name, years, status, NPV, who saved it and when."""
        frame = self.backend.query("SELECT name, summary_json, saved_by, saved_at FROM reserve_plan ORDER BY saved_at")
        frame["saved_at"] = pd.to_datetime(frame["saved_at"])
        info = pd.DataFrame([json.loads(t) for t in frame.pop("summary_json")], index=frame.index)
        return pd.concat([frame, info], axis=1)

    def _plan_rows(self, plan: str | ReserveResult) -> tuple[pd.DataFrame, list[int]]:
        if isinstance(plan, str):
            meta = self.backend.scalar("SELECT summary_json FROM reserve_plan WHERE name = %s", (plan,))
            if meta is None:
                known = list(self.plans()["name"]) if self.backend.table_exists("reserve_plan") else []
                raise StoreError(f"{self.store.label}: no saved plan {plan!r} (saved: {known}); save one with "
                                 "ledger.save_plan(name, result)")
            rows = self.backend.query("SELECT bsm, year_acquired, year_supplied, area_mu, cost_wan_yuan, "
                                      "revenue_wan_yuan FROM reserve_plan_row WHERE plan = %s", (plan,))
            return rows, list(json.loads(meta)["years"])
        s = plan.schedule
        rows = pd.DataFrame({"bsm": s.index, "year_acquired": s["year_acquired"].to_numpy(),
                             "year_supplied": s["year_supplied"].to_numpy(), "area_mu": s["area_mu"].to_numpy(),
                             "cost_wan_yuan": s["cost_wan_yuan"].to_numpy(),
                             "revenue_wan_yuan": s["gross_revenue_wan_yuan"].to_numpy()})
        return rows, [int(y) for y in plan.plan.inputs.years]

    @guarded("compare a plan with the reserve ledger")
    def plan_vs_actual(self, plan: str | ReserveResult) -> pd.DataFrame:
        """计划与实际对比: area, cost and revenue by year, as planned and as recorded in the ledger.

        ``plan`` is a saved plan's name or a solved :class:`~landkit.reserve.ReserveResult`. Planned
        supply includes the stock the plan started with; planned acquisition and cost only what the
        plan itself acquires. Planned cost is the modelled acquisition + demolition + preparation cost;
        actual cost is the recorded
        acquisition components + 前期开发. Revenue is gross 出让收入 (the recorded price). Years are
        the plan's years.
        """
        rows, years = self._plan_rows(plan)
        actual = self.parcels()
        acq_year = pd.Series([d.year for d in actual["acquired_on"]], index=actual.index, dtype="int64")
        sup_year = pd.Series([d.year if d is not None and not pd.isna(d) else pd.NA for d in actual["supplied_on"]],
                             index=actual.index, dtype="Int64")
        cost = actual["acquisition_cost_wan_yuan"] + actual["development_cost_wan_yuan"]
        price = actual["supply_price_wan_yuan"].astype(float).fillna(0.0)

        def by_year(values: pd.Series, year: pd.Series) -> pd.Series:
            frame = pd.DataFrame({"v": values.to_numpy(dtype=float), "y": year.to_numpy()}).dropna(subset=["y"])
            return frame.groupby("y")["v"].sum().reindex(years, fill_value=0.0)

        py_sup = pd.to_numeric(rows["year_supplied"], errors="coerce")
        out = pd.DataFrame({
            "计划收储(亩)": by_year(rows["area_mu"], rows["year_acquired"]),
            "实际收储(亩)": by_year(actual["area_mu"], acq_year),
            "计划收储成本(万元)": by_year(rows["cost_wan_yuan"], rows["year_acquired"]),
            "实际收储成本(万元)": by_year(cost, acq_year),
            "计划供应(亩)": by_year(rows["area_mu"], py_sup),
            "实际供应(亩)": by_year(actual["area_mu"], sup_year),
            "计划出让收入(万元)": by_year(rows["revenue_wan_yuan"], py_sup),
            "实际出让收入(万元)": by_year(price, sup_year),
        }, index=pd.Index(years, name="年度"))
        out["成本差额(万元)"] = out["实际收储成本(万元)"] - out["计划收储成本(万元)"]
        out["收入差额(万元)"] = out["实际出让收入(万元)"] - out["计划出让收入(万元)"]
        return out.round(2) + 0.0

    def plot_plan_vs_actual(self, plan: str | ReserveResult) -> Figure:
        """Bars of planned and recorded acquisition (亩) and cost (万元) by year, side by side."""
        table = self.plan_vs_actual(plan)
        fig, axes = new_figure((11, 4.2), ncols=2)
        x = np.arange(len(table))
        labels = [str(y) for y in table.index]
        for a, (what, unit) in zip(axes, (("收储", "亩"), ("收储成本", "万元")), strict=True):
            a.bar(x - 0.2, table[f"计划{what}({unit})"], width=0.4, label="计划 planned", color="#9ecae1")
            a.bar(x + 0.2, table[f"实际{what}({unit})"], width=0.4, label="实际 recorded", color="#3182bd")
            a.set_xticks(x, labels)
            a.set_xlabel("年度")
            a.set_ylabel(f"{what}({unit})")
            a.set_title(f"{what}: 计划与实际 ({unit})")
            a.legend(frameon=False)
        return fig

    def replan(self, town: Town, *, years: Iterable[int], opening_cash_wan_yuan: float | None = None,
               **kwargs: Any) -> ReservePlan:
        """Next years' :class:`~landkit.reserve.ReservePlan`, starting from what the ledger holds.

        Parcels held (acquired, not supplied) enter as opening stock (``held_since`` = the year of
        acquisition): their acquisition cost is spent and gone, they cost holding until supplied, and
        those with no 前期开发 recorded still owe their site preparation (paid in the first plan year).
        Parcels already supplied are no longer candidates. ``opening_cash_wan_yuan`` is the reserve
        fund's balance at the start (from the centre's accounts; default: ``funds.opening_cash`` of the
        parameters). Other keywords go to :meth:`ReservePlan.from_town`.

        Raises
        ------
        landkit.StoreError
            When the ledger records acquisitions or supplies in the plan's first year or later (the
            plan starts the year after the ledger), or parcels the town does not have.
        """
        years = [int(y) for y in years]
        p = self.parcels()
        ev = self.events()
        dated = ev[ev["kind"].isin(["acquired", "supplied"])]
        last = max((d.year for d in dated["event_date"]), default=None)
        if last is not None and last >= years[0]:
            raise StoreError(f"the ledger records acquisitions or supplies in {last}, so a plan from {years[0]} would "
                             "count that year's quota, money and demand twice: start the plan in "
                             f"{last + 1} (the year after the ledger)")
        supplied = p.index[p["supplied_on"].notna()]
        held_rows = p[p["supplied_on"].isna()]
        held = {str(b): int(d.year) for b, d in held_rows["acquired_on"].items()}
        undeveloped = [str(b) for b in held_rows.index[held_rows["developed_on"].isna()]]
        unknown = sorted(set(map(str, p.index)) - set(map(str, town.parcels.index)))
        if unknown:
            raise StoreError(f"{len(unknown)} ledger parcels are not parcels of {town.name}: {unknown[:10]}; "
                             "the ledger and the town's 三调 data must use the same BSM")
        plan = ReservePlan.from_town(town, years=years, held=held, supplied=[str(b) for b in supplied],
                                     undeveloped=undeveloped, **kwargs)
        if opening_cash_wan_yuan is not None:
            plan = plan.with_inputs(opening_cash_wan_yuan=float(opening_cash_wan_yuan))
        return plan

    @guarded("summarise the reserve ledger")
    def summary(self) -> Mapping[str, Any]:
        """Headline figures of the ledger: parcels and 亩 held and supplied, money spent and received."""
        p = self.parcels()
        sup = p["supplied_on"].notna()
        return {"parcels": len(p), "held_mu": round(float(p.loc[~sup, "area_mu"].sum()), 2),
                "supplied_mu": round(float(p.loc[sup, "area_mu"].sum()), 2),
                "spent_wan_yuan": round(float((p["acquisition_cost_wan_yuan"] + p["development_cost_wan_yuan"]).sum()),
                                        2),
                "revenue_wan_yuan": round(float(p["supply_price_wan_yuan"].astype(float).fillna(0.0).sum()), 2),
                "temporary_income_wan_yuan": round(float(p["temporary_income_wan_yuan"].sum()), 2)}


__all__ = ["ACQUISITION_COMPONENTS", "CONSTRAINT_MESSAGES", "SUPPLY_METHODS", "ReserveLedger"]
