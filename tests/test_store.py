"""landkit.store against both backends (a GeoPackage file and a real PostgreSQL/PostGIS server).

Every test that takes ``store_target`` runs twice: once on a new GeoPackage, once on a new PostGIS
database of the session's test server (tests/conftest.py).
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
import shapely

import landkit
from landkit import ConflictError, StoreError, ValidationError
from landkit.store import SCHEMA_VERSION, open_store
from landkit.store.schema import ensure_schema

INJECTION = "Robert'); DROP TABLE reserve_parcel; --"


@pytest.fixture(scope="module")
def town():
    return landkit.load_sample()


@pytest.fixture
def store(store_target):
    with open_store(store_target, user="alice") as s:
        yield s


def _raw_parcels(town, n=300):
    cols = ["BSM", "DLBM", "DLMC", "QSXZ", "ZLDWDM", "ZLDWMC", "TBMJ", "GDPDJB", "households", "floor_area_m2",
            "geometry"]
    return town.parcels[cols].iloc[:n].reset_index(drop=True)


def _together(work, calls) -> list[BaseException]:
    """Run ``work(*args)`` for every ``args`` in ``calls`` in its own thread at once; the exceptions raised."""
    errors: list[BaseException] = []

    def guarded(*args) -> None:
        try:
            work(*args)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=args) for args in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _values(s: pd.Series) -> list:
    """Values as plain Python with None for any missing marker (NaN, NA, None)."""
    return [None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v) for v in s.astype(object)]


# ---------------------------------------------------------------------- layers
def test_parcels_round_trip_unchanged(store, town):
    raw = _raw_parcels(town)
    raw.loc[3, "ZLDWMC"] = INJECTION  # stored as data, read back as data
    store.write_parcels(raw)
    back = store.read_layer("DLTB")
    assert list(back.columns) == list(raw.columns)
    assert back.crs == raw.crs
    for col in raw.columns.drop("geometry"):
        assert _values(back[col]) == _values(raw[col]), col
    assert shapely.equals_exact(np.asarray(back.geometry.array), np.asarray(raw.geometry.array), 1e-6).all()
    assert back.at[3, "ZLDWMC"] == INJECTION
    layers = store.layers()
    row = layers.set_index("name").loc["DLTB"]
    assert row["kind"] == "parcels" and row["n_rows"] == len(raw) and row["written_by"] == "alice"
    # a second write replaces the layer
    store.write_parcels(raw.iloc[:10])
    assert len(store.read_layer("DLTB")) == 10


def test_types_come_back_as_written(store, town):
    g = town.parcels.iloc[:3].reset_index(drop=True)[["geometry"]]
    g["n"] = pd.array([1, None, 3], dtype="Int64")
    g["ok"] = pd.array([True, None, False], dtype="boolean")
    g["when"] = pd.to_datetime(["2020-01-01 08:00", "2021-06-30 12:30", "2022-12-31 00:00"]).tz_localize(
        "Asia/Shanghai")
    g["名称"] = ["甲'乙", "%s", INJECTION]
    store.write_layer("typed", g)
    back = store.read_layer("typed")
    for col in ("n", "ok", "名称"):
        assert str(back[col].dtype) == str(g[col].dtype), col
        assert _values(back[col]) == _values(g[col]), col
    assert (back["when"].dt.tz_convert("UTC") == g["when"].dt.tz_convert("UTC")).all()


def test_a_layer_the_store_cannot_keep_is_refused_and_the_old_one_kept(store, town):
    g = town.parcels.iloc[:2].reset_index(drop=True)[["geometry"]]
    store.write_layer("L", g.assign(v=[1.0, 2.0]))
    bad = [g.assign(dt=pd.to_timedelta([1, 2], unit="D")), g.assign(fid=[1, 2]), g.assign(a=[1, 2], A=[3, 4]),
           g.assign(geom=[1, 2])]
    for frame in bad:
        with pytest.raises(StoreError, match="Nothing was written"):
            store.write_layer("L", frame)
    try:  # values GDAL cannot write (dicts) fail in the trial write, before the old layer is touched
        store.write_layer("L", g.assign(v=[{"a": 1}, {"b": 2}]))
    except Exception:
        back = store.read_layer("L")
        assert list(back["v"]) == [1.0, 2.0]
        assert store.layers().set_index("name").loc["L", "n_rows"] == 2


def test_read_parcels_goes_through_validation(store, town):
    raw = _raw_parcels(town, 50)
    raw.loc[7, "BSM"] = raw.loc[6, "BSM"]  # a duplicate
    raw.loc[9, "DLBM"] = "9999"  # not a 三调 code
    store.write_parcels(raw)
    with pytest.raises(ValidationError) as info:
        store.read_parcels()
    text = str(info.value)
    assert store.label in text and "DLTB" in text
    assert str(raw.loc[6, "BSM"]) in text and "9999" in text
    ok = store.read_parcels(validate=False)
    assert len(ok) == 50  # no row dropped


def test_a_town_from_the_store(store, town):
    store.write_parcels(town.parcels.iloc[:400].reset_index(drop=True))
    store.write_layer("CZKFBJ", town.layers["CZKFBJ"])
    t = store.town()
    assert len(t.parcels) == 400 and "CZKFBJ" in t.layers
    assert t.parcels["frac_CZKFBJ"].between(0, 1).all()


def test_unknown_layer_and_bad_names_are_explained(store, town):
    with pytest.raises(StoreError, match="no layer 'DLTB'"):
        store.read_layer("DLTB")
    with pytest.raises(StoreError, match="not allowed"):
        store.write_layer("x; DROP TABLE landkit_layer", town.layers["CZKFBJ"])
    with pytest.raises(StoreError, match="store's own"):
        store.write_layer("reserve_parcel", town.layers["CZKFBJ"])


# ---------------------------------------------------------------------- the reserve ledger
def test_ledger_lifecycle(store):
    led = store.ledger
    led.record_acquisition("P1", on="2020-03-31", area_mu=12.5, compensation_wan_yuan=400, social_security_wan_yuan=60,
                           crops_wan_yuan=5, demolition_wan_yuan=35, planned_use="industrial")
    led.record_development("P1", on="2020-11-30", preparation_wan_yuan=50)
    led.record_temporary_use("P1", start="2020-12-01", end="2021-03-31", income_wan_yuan=3)
    led.record_supply("P1", on="2021-06-30", method="招拍挂", price_wan_yuan=900)
    led.record_acquisition("P2", on="2021-01-15", area_mu=4.0)  # 闲置土地无偿收回: 0 cost
    p = led.parcels()
    assert p.loc["P1", "acquisition_cost_wan_yuan"] == pytest.approx(500.0)
    assert p.loc["P1", "development_cost_wan_yuan"] == pytest.approx(50.0)
    assert p.loc["P1", "temporary_income_wan_yuan"] == pytest.approx(3.0)
    assert str(p.loc["P1", "supplied_on"]) == "2021-06-30" and p.loc["P1", "supply_method"] == "招拍挂"
    assert p.loc["P1", "version"] == 4 and p.loc["P1", "changed_by"] == "alice"
    ev = led.events("P1")
    assert list(ev["kind"]) == ["acquired", "developed", "temporary_use", "supplied"]
    assert (ev["recorded_by"] == "alice").all() and ev["recorded_at"].notna().all()
    assert ev.iloc[0][["compensation_wan_yuan", "social_security_wan_yuan", "crops_wan_yuan",
                       "demolition_wan_yuan"]].tolist() == [400, 60, 5, 35]
    assert list(led.held().index) == ["P2"]
    assert list(led.held(as_of="2021-01-01").index) == ["P1"]
    k = led.summary()
    assert k == {"parcels": 2, "held_mu": 4.0, "supplied_mu": 12.5, "spent_wan_yuan": 550.0,
                 "revenue_wan_yuan": 900.0, "temporary_income_wan_yuan": 3.0}
    table = led.table()
    assert list(table["状态"]) == ["已供应", "储备中"]


def test_ledger_rules_give_plain_messages(store):
    led = store.ledger
    led.record_acquisition("P1", on="2020-03-31", area_mu=10, compensation_wan_yuan=100)
    cases = [
        (lambda: led.record_supply("P1", on="2020-01-01", method="招拍挂", price_wan_yuan=10), "before its acquis"),
        (lambda: led.record_supply("P9", on="2021-01-01", method="划拨", price_wan_yuan=0), "not in the ledger"),
        (lambda: led.record_supply("P1", on="2021-01-01", method="拍卖", price_wan_yuan=10), "not one of"),
        (lambda: led.record_supply("P1", on="2021-01-01", method="招拍挂", price_wan_yuan=0), "needs its price"),
        (lambda: led.record_acquisition("P1", on="2021-01-01", area_mu=10), "already acquired"),
        (lambda: led.record_acquisition("P3", on="2021-01-01", area_mu=-1), "area must be > 0"),
        (lambda: led.record_acquisition("P3", on="2021-01-01", area_mu=1, crops_wan_yuan=-5), "≥ 0"),
        (lambda: led.record_acquisition("P3", on="2021-02-30", area_mu=1), "not a date"),
        (lambda: led.record_temporary_use("P1", start="2021-02-01", end="2021-01-01"), "before it starts"),
    ]
    for call, message in cases:
        with pytest.raises(StoreError, match=message):
            call()
    led.record_supply("P1", on="2021-01-01", method="划拨", price_wan_yuan=0)
    with pytest.raises(StoreError, match="already supplied on 2021-01-01"):
        led.record_supply("P1", on="2021-02-01", method="划拨", price_wan_yuan=0)
    assert len(led.events()) == 2  # nothing of the refused calls was recorded


def test_the_database_itself_enforces_the_rules(store):
    """Bypass landkit and write SQL directly: the constraints still refuse."""
    led = store.ledger
    led.record_acquisition("P1", on="2020-03-31", area_mu=10, compensation_wan_yuan=100)
    b = store.backend
    refused = [
        ("UPDATE reserve_parcel SET supplied_on = %s, supply_method = %s, supply_price_wan_yuan = %s WHERE bsm = %s",
         ("2019-01-01", "划拨", 0.0, "P1")),  # supply before acquisition
        ("UPDATE reserve_parcel SET supplied_on = %s WHERE bsm = %s", ("2021-01-01", "P1")),  # no method, no price
        ("UPDATE reserve_parcel SET supplied_on = %s, supply_method = %s, supply_price_wan_yuan = %s WHERE bsm = %s",
         ("2021-01-01", "招拍挂", 0.0, "P1")),  # auction without a price
        ("INSERT INTO reserve_parcel (bsm, area_mu, acquired_on, acquisition_cost_wan_yuan, changed_by) "
         "VALUES (%s, %s, %s, %s, %s)", ("P2", 0.0, "2020-01-01", 1.0, "x")),  # area 0
        ("INSERT INTO reserve_parcel (bsm, area_mu, acquired_on, acquisition_cost_wan_yuan, changed_by) "
         "VALUES (%s, %s, %s, %s, %s)", ("P2", 1.0, "2020-01-01", -1.0, "x")),  # negative cost
        ("INSERT INTO reserve_event (bsm, kind, event_date, recorded_by) VALUES (%s, %s, %s, %s)",
         ("P9", "supplied", "2021-01-01", "x")),  # an event for a parcel not in the ledger
        ("INSERT INTO reserve_event (bsm, kind, event_date, recorded_by) VALUES (%s, %s, %s, %s)",
         ("P1", "acquired", "2021-01-01", "x")),  # a second acquisition
        ("INSERT INTO reserve_event (bsm, kind, event_date, price_wan_yuan, recorded_by) VALUES (%s, %s, %s, %s, %s)",
         ("P1", "supplied", "2021-01-01", -3.0, "x")),  # negative money
        ("UPDATE reserve_parcel SET area_mu = %s WHERE bsm = %s", (float("nan"), "P1")),  # NaN area
        ("UPDATE reserve_parcel SET acquisition_cost_wan_yuan = %s WHERE bsm = %s", (float("inf"), "P1")),
        ("INSERT INTO reserve_event (bsm, kind, event_date, price_wan_yuan, recorded_by) VALUES (%s, %s, %s, %s, %s)",
         ("P1", "temporary_use", "2021-01-01", float("nan"), "x")),  # NaN money
        ("UPDATE reserve_parcel SET developed_on = %s WHERE bsm = %s", ("soon", "P1")),  # not a date
        ("UPDATE reserve_parcel SET area_mu = %s WHERE bsm = %s", ("abc", "P1")),  # not a number
    ]
    refusals = b.integrity_errors
    if b.kind == "postgis":
        import psycopg

        refusals = (*refusals, psycopg.errors.DataError)  # a typed column refuses text that is no date or number
    for sql, params in refused:
        with pytest.raises(refusals), b.transaction() as cur:
            cur.execute(sql, params)
    with b.transaction() as cur:
        cur.execute("INSERT INTO reserve_event (bsm, kind, event_date, recorded_by) VALUES (%s, %s, %s, %s)",
                    ("P1", "supplied", "2021-01-01", "x"))
    with pytest.raises(b.integrity_errors), b.transaction() as cur:  # supplied twice
        cur.execute("INSERT INTO reserve_event (bsm, kind, event_date, recorded_by) VALUES (%s, %s, %s, %s)",
                    ("P1", "supplied", "2021-02-01", "x"))


def test_an_event_is_recorded_entirely_or_not_at_all(store, monkeypatch):
    led = store.ledger

    def broken(*args, **kwargs):
        raise RuntimeError("power cut between the two writes")

    monkeypatch.setattr(type(led), "_event", broken)
    with pytest.raises(RuntimeError, match="power cut"):
        led.record_acquisition("P1", on="2020-03-31", area_mu=10, compensation_wan_yuan=100)
    monkeypatch.undo()
    assert led.parcels().empty and led.events().empty  # the parcel row written first was rolled back
    led.record_acquisition("P1", on="2020-03-31", area_mu=10, compensation_wan_yuan=100)
    assert len(led.parcels()) == 1


def test_sql_injection_text_is_only_data(store):
    led = store.ledger
    led.record_acquisition(INJECTION, on="2020-03-31", area_mu=1, compensation_wan_yuan=1, planned_use=INJECTION)
    p = led.parcels()
    assert list(p.index) == [INJECTION] and p.loc[INJECTION, "planned_use"] == INJECTION
    assert store.backend.table_exists("reserve_parcel")
    assert led.events(INJECTION).iloc[0]["bsm"] == INJECTION


# ---------------------------------------------------------------------- two analysts at once
def test_two_analysts_writing_at_once_lose_nothing(store_target):
    open_store(store_target, user="setup").close()  # create the schema once
    def work(user: str, prefix: str) -> None:
        with open_store(store_target, user=user) as s:  # its own connection
            for i in range(25):
                s.ledger.record_acquisition(f"{prefix}{i}", on="2020-05-01", area_mu=1 + i, compensation_wan_yuan=i)
                s.ledger.record_temporary_use("SHARED", start="2020-06-01", end="2020-06-30", income_wan_yuan=1)

    with open_store(store_target, user="setup") as s:
        s.ledger.record_acquisition("SHARED", on="2020-01-01", area_mu=5)
    errors = _together(work, [(u, u[0].upper()) for u in ("alice", "bob")])
    assert not errors, errors
    with open_store(store_target, user="check") as s:
        p = s.ledger.parcels()
        assert len(p) == 51
        assert p.loc["SHARED", "temporary_income_wan_yuan"] == pytest.approx(50.0)  # every increment counted
        assert p.loc["SHARED", "version"] == 51
        assert set(p.loc[[f"A{i}" for i in range(25)], "changed_by"]) == {"alice"}
        assert set(p.loc[[f"B{i}" for i in range(25)], "changed_by"]) == {"bob"}


def test_the_same_parcel_supplied_by_two_analysts_at_once(store_target):
    with open_store(store_target, user="setup") as s:
        s.ledger.record_acquisition("P1", on="2020-01-01", area_mu=5, compensation_wan_yuan=10)
    outcomes: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def supply(user: str, price: float) -> None:
        with open_store(store_target, user=user) as s:
            barrier.wait()
            try:
                s.ledger.record_supply("P1", on="2021-01-01", method="招拍挂", price_wan_yuan=price)
                outcomes[user] = "ok"
            except StoreError as exc:
                outcomes[user] = exc

    assert not _together(supply, [("alice", 100.0), ("bob", 200.0)])
    assert sorted(str(v) == "ok" for v in outcomes.values()) == [False, True]
    loser = next(v for v in outcomes.values() if v != "ok")
    assert "already supplied" in str(loser)
    with open_store(store_target) as s:
        winner = next(u for u, v in outcomes.items() if v == "ok")
        row = s.ledger.parcels().loc["P1"]
        assert row["changed_by"] == winner
        assert row["supply_price_wan_yuan"] == (100.0 if winner == "alice" else 200.0)
        assert (s.ledger.events()["kind"] == "supplied").sum() == 1


def test_two_analysts_writing_the_same_layer(store_target, town):
    open_store(store_target).close()
    g = town.parcels.iloc[:20].reset_index(drop=True)[["geometry"]]

    def work(user: str, n: int) -> None:
        with open_store(store_target, user=user) as s:
            for k in range(4):
                s.write_layer("shared", g.iloc[: n + k].assign(who=user))

    errors = _together(work, [("alice", 1), ("bob", 10)])
    assert not errors, errors
    with open_store(store_target) as s:
        back = s.read_layer("shared")
        row = s.layers().set_index("name").loc["shared"]
        assert row["n_rows"] == len(back) and row["written_by"] == back["who"].iloc[0]  # registry matches data


def test_several_analysts_opening_a_new_store_at_once(store_target):
    errors = _together(lambda: open_store(store_target).close(), [()] * 4)
    assert not errors, errors
    with open_store(store_target) as s:
        assert s.schema_version == SCHEMA_VERSION


def test_a_stale_correction_is_refused_not_lost(store_target):
    with open_store(store_target, user="setup") as s:
        s.ledger.record_acquisition("P1", on="2020-01-01", area_mu=5, compensation_wan_yuan=10)
    with open_store(store_target, user="alice") as a, open_store(store_target, user="bob") as b:
        seen_a = int(a.ledger.parcels().loc["P1", "version"])
        seen_b = int(b.ledger.parcels().loc["P1", "version"])
        b.ledger.correct("P1", expected_version=seen_b, acquisition_cost_wan_yuan=12, reason="invoice 2020-17")
        with pytest.raises(ConflictError, match="changed by bob"):
            a.ledger.correct("P1", expected_version=seen_a, acquisition_cost_wan_yuan=11, reason="typo")
        for bad in ({"area_mu": float("nan")}, {"acquisition_cost_wan_yuan": float("inf")}, {"area_mu": 0}):
            with pytest.raises(StoreError):
                a.ledger.correct("P1", expected_version=seen_b + 1, reason="bad value", **bad)
        row = a.ledger.parcels().loc["P1"]
        assert row["acquisition_cost_wan_yuan"] == 12.0 and row["changed_by"] == "bob"
        assert list(a.ledger.events("P1")["kind"]) == ["acquired", "correction"]


# ---------------------------------------------------------------------- schema versions and security
def test_an_older_store_is_upgraded_or_says_how(store_target):
    from landkit.store._backend import GeoPackageBackend, PostgisBackend

    backend = GeoPackageBackend(store_target) if store_target.endswith(".gpkg") else PostgisBackend(store_target)
    ensure_schema(backend, target=1)  # a store written by the landkit that had no ledger yet
    with backend.transaction() as cur:
        cur.execute("INSERT INTO landkit_run (scenario, status, audit_json, created_by) VALUES (%s, %s, %s, %s)",
                    ("old", "ok", "{}", "carol"))
    backend.close()
    with pytest.raises(StoreError, match="landkit store upgrade"):
        open_store(store_target, upgrade=False)
    with open_store(store_target) as s:
        assert s.schema_version == SCHEMA_VERSION == 2
        assert list(s.runs()["scenario"]) == ["old"]  # nothing removed
        s.ledger.record_acquisition("P1", on="2020-01-01", area_mu=1)
        with s.backend.transaction() as cur:
            cur.execute("UPDATE landkit_meta SET value = %s WHERE key = %s", ("99", "schema_version"))
    with pytest.raises(StoreError, match="upgrade landkit"):
        open_store(store_target)


def test_passwords_never_in_urls(pg_url):
    for with_password in (pg_url.replace("landkit@", "landkit:secret@"), pg_url + "?password=secret",
                          pg_url + "?sslmode=prefer&PASSWORD=secret"):
        with pytest.raises(StoreError, match="PGPASSWORD") as info:
            open_store(with_password)
        assert "secret" not in str(info.value)
    with open_store(pg_url) as s:  # the password came from PGPASSWORD
        assert "secret" not in s.label and s.kind == "postgis"


def test_bad_targets_are_explained(tmp_path):
    with pytest.raises(StoreError, match="GeoPackage"):
        open_store(tmp_path / "ledger.xlsx")
    (tmp_path / "x.gpkg").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match=r"x\.gpkg is not a GeoPackage"):
        open_store(tmp_path / "x.gpkg")
    with pytest.raises(StoreError, match="scheme"):
        open_store("mysql://me@host/db")


# ---------------------------------------------------------------------- plans, runs and re-planning
@pytest.fixture(scope="module")
def solved_plan(town):
    from landkit.reserve import ReservePlan

    return ReservePlan.from_town(town).solve(time_limit_s=60, mip_gap=0.01)


def test_plan_versus_actual(store, solved_plan):
    led = store.ledger
    led.save_plan("2019年度计划", solved_plan)
    s = solved_plan.schedule
    first = int(s["year_acquired"].min())
    done = s[s["year_acquired"] == first].head(3)
    for bsm, r in done.iterrows():  # acquired as planned, each 10 % dearer
        led.record_acquisition(bsm, on=f"{first}-06-30", area_mu=r["area_mu"],
                               compensation_wan_yuan=1.1 * r["cost_wan_yuan"])
    table = led.plan_vs_actual("2019年度计划")
    assert list(table.index) == list(solved_plan.plan.inputs.years)
    planned = s.groupby("year_acquired")["area_mu"].sum()
    assert table.loc[first, "计划收储(亩)"] == pytest.approx(round(planned[first], 2))
    assert table.loc[first, "实际收储(亩)"] == pytest.approx(round(done["area_mu"].sum(), 2))
    assert table.loc[first, "实际收储成本(万元)"] == pytest.approx(round(1.1 * done["cost_wan_yuan"].sum(), 2))
    assert table["实际供应(亩)"].sum() == 0.0
    same = led.plan_vs_actual(solved_plan)  # the result itself gives the same table
    pd.testing.assert_frame_equal(same, table)
    assert list(led.plans()["name"]) == ["2019年度计划"]
    with pytest.raises(StoreError, match="no saved plan"):
        led.plan_vs_actual("2020年度计划")


def test_rolling_replan_starts_from_the_ledger(store, town, solved_plan):
    from landkit.reserve import check_plan

    led = store.ledger
    s = solved_plan.schedule
    first = int(s["year_acquired"].min())
    bought = list(s[s["year_acquired"] == first].index[:4])
    for bsm in bought:
        led.record_acquisition(bsm, on=f"{first}-06-30", area_mu=float(s.loc[bsm, "area_mu"]),
                               compensation_wan_yuan=float(s.loc[bsm, "cost_wan_yuan"]))
    sold = bought[0]
    led.record_supply(sold, on=f"{first}-12-31", method="招拍挂", price_wan_yuan=500)
    led.record_development(bought[1], on=f"{first}-11-30", preparation_wan_yuan=10)
    with pytest.raises(StoreError, match=f"start the plan in {first + 1}"):
        led.replan(town, years=[first, first + 1])  # the ledger's year would count twice
    years = [first + 1, first + 2]
    plan = led.replan(town, years=years, opening_cash_wan_yuan=321.0)
    assert plan.inputs.opening_cash_wan_yuan == 321.0
    assert sold not in plan.inputs.parcels.index  # supplied: no longer a candidate
    since = plan.inputs.held_since.dropna()
    assert sorted(since.index) == sorted(bought[1:]) and set(since) == {first}
    pending = plan.inputs.parcels["prep_pending"]
    assert not pending[bought[1]] and pending[bought[2:]].all()  # 前期开发 done on one, still owed on the rest
    owed = plan.inputs.parcels.loc[bought[2:], "prep_cost_wan_yuan"].sum()
    assert plan.inputs.pending_prep_wan_yuan == pytest.approx(owed)
    result = plan.solve(time_limit_s=60, mip_gap=0.01)
    assert check_plan(result) == []
    sched = result.schedule
    assert set(bought[1:]) <= set(sched.index[sched["held_at_start"]])
    assert (sched.loc[bought[1:], "cost_wan_yuan"] == 0).all()  # money already spent is gone
    # plan versus actual counts the planned supply of the stock the plan started with
    led.save_plan("rolling", result)
    planned_sale = sched[sched["held_at_start"] & sched["year_supplied"].notna()]
    table = led.plan_vs_actual("rolling")
    for year, rows in planned_sale.groupby("year_supplied"):
        assert table.loc[int(year), "计划供应(亩)"] == pytest.approx(round(rows["area_mu"].sum(), 2))
    assert table["计划收储(亩)"].sum() == pytest.approx(round(sched.loc[~sched["held_at_start"], "area_mu"].sum(), 2))


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    from landkit.scenario import run_scenario

    return run_scenario(landkit.sample_path("scenarios/baseline.yaml"), tmp_path_factory.mktemp("bundle") / "baseline")


def test_scenario_runs_are_kept(store, baseline_run):
    run = baseline_run
    run_id = store.save_run(run)
    runs = store.runs()
    assert list(runs["id"]) == [run_id] and runs.iloc[0]["created_by"] == "alice"
    audit = store.run_audit(run_id)
    assert audit["scenario"] == run.scenario.name
    kpis = store.run_kpis()
    assert kpis.loc[(run_id, run.scenario.name), "净现值NPV(万元)"] == pytest.approx(run.kpis["npv_wan_yuan"])
    layer_names = set(store.layers().query("kind == 'run'")["name"])
    assert f"run{run_id}_reserve_parcels" in layer_names
    gdf = store.read_run_layer(run_id, "reserve_parcels")
    assert len(gdf) > 0 and gdf.crs == run.town.crs
    assert store.save_run(run.path) == run_id + 1  # a bundle folder alone is enough
    assert store.run_kpis().shape[0] == 2


def test_two_analysts_saving_a_plan_of_the_same_name(store_target, solved_plan):
    open_store(store_target).close()

    def save(user: str) -> None:
        with open_store(store_target, user=user) as s:
            for _ in range(3):
                s.ledger.save_plan("年度计划", solved_plan)

    errors = _together(save, [("alice",), ("bob",)])
    assert not errors, errors
    with open_store(store_target) as s:
        assert len(s.ledger.plans()) == 1
        n = s.backend.scalar("SELECT COUNT(*) FROM reserve_plan_row WHERE plan = %s", ("年度计划",))
        assert n == len(solved_plan.schedule)  # one whole plan, not a mixture
