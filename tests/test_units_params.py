"""Units and parameters: conversions, provenance, overrides, and bad files."""

from __future__ import annotations

import math

import pytest

from landkit import Parameters, ValidationError, units


def test_mu_definition() -> None:
    assert units.mu_to_m2(15.0) == pytest.approx(10000.0)
    assert units.m2_to_mu(10000.0 / 15.0) == pytest.approx(1.0)
    assert units.ha_to_mu(1.0) == 15.0


def test_industrial_floor_price_conversion() -> None:
    # grade 12 floor 120 元/m² = 120 × 666.67 / 10000 = 8.0 万元/亩
    assert units.yuan_per_m2_to_wan_per_mu(120.0) == pytest.approx(8.0)
    assert units.wan_per_mu_to_yuan_per_m2(8.0) == pytest.approx(120.0)


def test_sample_parameters_complete_and_tagged() -> None:
    p = Parameters.load()
    table = p.table()
    assert set(table["tag"]) <= {"S", "R", "E"}
    assert not table["unit"].eq("").any()
    assert p["funds.county_special_funds"] == 2000.0
    assert p.param("funds.county_special_funds").tag == "S"
    assert p.param("acquisition.site_preparation").is_estimate
    assert "estimate" in p.param("acquisition.site_preparation").label()
    floors = p["revenue.industrial_min_price"]
    assert len(floors) == 15 and floors[0] == 840 and floors[-1] == 60
    assert p["linkage.return_years"] == 3
    assert math.isclose(p["farmland.shandong_grade_step"], 1.1)


def test_overrides_keep_provenance() -> None:
    p = Parameters.load()
    q = p.with_overrides({"funds.county_special_funds": 2500.0}, source="scenario high-funds")
    assert q["funds.county_special_funds"] == 2500.0
    prm = q.param("funds.county_special_funds")
    assert prm.tag == "U" and "high-funds" in prm.source and "2000" in prm.source
    assert p["funds.county_special_funds"] == 2000.0  # the original is untouched


def test_unknown_override_keys_all_listed() -> None:
    p = Parameters.load()
    with pytest.raises(ValidationError) as err:
        p.with_overrides({"funds.nope": 1, "acquisition.typo": 2})
    msg = str(err.value)
    assert "funds.nope" in msg and "acquisition.typo" in msg
    assert "funds.county_special_funds" in msg  # names the keys that do exist


def test_bad_parameter_file_lists_every_problem(tmp_path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "a:\n  x: {value: 1, unit: m}\n  y: {value: 2, unit: m, tag: Q, source: s}\n  z: 3\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as err:
        Parameters.load(f)
    problems = {p.where for p in err.value.problems}
    assert {"a.x", "a.y", "a.z"} <= problems
    # and, in the same error, every parameter landkit reads that the file lacks
    missing = {p.where for p in err.value.problems if p.kind == "missing"}
    assert missing == problems - {"a.x", "a.y", "a.z"} and "funds.county_special_funds" in missing
    assert str(f) in str(err.value)


def test_missing_parameter_key_names_neighbours() -> None:
    p = Parameters.load()
    with pytest.raises(KeyError, match=r"funds\.county_special_funds"):
        p["funds.county_funds"]


def test_the_chinese_parameter_table_keeps_a_towns_own_sources() -> None:
    from landkit.params import Parameters

    base = Parameters.load()
    t = base.table_zh("funds").set_index("键")
    assert t.at["funds.opening_cash", "来源"].startswith("估计值：")          # the bundled source, in Chinese
    assert t.at["funds.opening_cash", "依据"] == "估计值 (无公开来源)"
    own = base.with_overrides({"funds.opening_cash": 500.0}, source="某县财政局 2024 年决算")
    t2 = own.table_zh("funds").set_index("键")
    assert t2.at["funds.opening_cash", "来源"].startswith("某县财政局")
    assert t2.at["funds.opening_cash", "依据"] == "用户设定"
    assert t2.at["funds.county_special_funds", "参数"] == "县级专项资金"
