"""Dated rules: a price table or regime in force only between its dates; a plan year outside them uses the
version then in force, or is refused naming the table and its dates."""

from __future__ import annotations

import pytest

import landkit
from landkit import ValidationError
from landkit.farmland import indicator, shandong_price
from landkit.params import Parameters


def _without_versions(params: Parameters, key: str) -> Parameters:
    tree = params.to_dict()
    node = tree
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    node[last].pop("versions", None)
    return Parameters(tree, source="test file with the 2022 prices only")


def test_the_bundled_2022_prices_are_dated_and_earlier_years_use_a_marked_estimate():
    params = Parameters.load()
    main = params.param("farmland.shandong_adjusted_price")
    assert (main.valid_from, main.valid_to) == ("2022-01-01", "2023-12-31")
    assert main.tag == "S"
    then = params.in_force("farmland.shandong_adjusted_price", 2019)
    assert then.is_estimate and "2022" in then.source
    assert params.in_force("farmland.shandong_adjusted_price", 2022).tag == "S"


def test_a_2019_plan_with_only_the_2022_prices_is_refused_naming_the_table_and_its_dates():
    params = _without_versions(Parameters.load(), "farmland.shandong_adjusted_price")
    assert shandong_price(8, paddy=False, params=params, year=2022) == pytest.approx(13.8)
    with pytest.raises(ValidationError) as err:
        shandong_price(8, paddy=False, params=params, year=2019)
    msg = str(err.value)
    assert "farmland.shandong_adjusted_price" in msg and "2019" in msg
    assert "2022-01-01" in msg and "2023-12-31" in msg and "versions" in msg
    with pytest.raises(ValidationError, match="2019"):
        indicator("X", market="shandong_adjusted", grade=8, paddy=False, max_mu=10, year=2019, params=params)


def test_an_indicator_priced_by_an_estimated_version_says_so():
    unit = indicator("X", market="shandong_pooled", grade=8, paddy=False, max_mu=10, year=2020)
    assert "估" in unit.note
    assert "估" not in indicator("Y", market="shandong_pooled", grade=8, paddy=False, max_mu=10, year=2022).note


def test_versions_are_checked_like_the_value():
    tree = Parameters.load().to_dict()
    leaf = tree["farmland"]["shandong_pooled_price"]
    leaf["versions"] = [{"value": {"ordinary": "cheap"}, "valid_from": "2019-13-01", "valid_to": "2020-12-31",
                         "tag": "E", "source": "x"}, {"value": {"ordinary": 1.0, "paddy": 2.0}}]
    with pytest.raises(ValidationError) as err:
        Parameters(tree, source="bad.yaml")
    msg = str(err.value)
    assert "farmland.shandong_pooled_price.versions[0]" in msg and "2019-13-01" in msg
    assert "versions[1]" in msg and "valid_from" in msg


def test_a_users_own_value_applies_to_every_year():
    params = Parameters.load().with_overrides({"farmland.shandong_pooled_price": {"ordinary": 9.0, "paddy": 12.0}})
    assert shandong_price(8, paddy=False, kind="pooled", params=params, year=2019) == pytest.approx(9.0)
    assert params.in_force("farmland.shandong_pooled_price", 2030).tag == "U"


def test_the_reserve_reads_its_tables_in_force_in_each_plan_year():
    params = Parameters.load()
    fee = params.param("revenue.new_construction_land_fee")
    assert fee.valid_from == "2007-01-01"
    early = params.with_overrides({"town.plan_years": [2005, 2006, 2007]})
    town = landkit.load_sample().with_params(early)
    with pytest.raises(ValidationError) as err:
        landkit.ReservePlan.from_town(town)
    msg = str(err.value)  # both tables, both early years, in one message
    assert "revenue.industrial_min_price" in msg and "revenue.new_construction_land_fee" in msg
    assert "2005" in msg and "2006" in msg and "2007-01-01" in msg


def test_a_users_full_leaf_applies_to_every_year_unless_it_repeats_the_dates():
    params = Parameters.load()
    mine = params.with_overrides({"farmland.shandong_pooled_price": {
        "value": {"ordinary": 9.0, "paddy": 12.0}, "unit": "万元/亩", "tag": "S", "source": "our county's guide"}})
    assert mine.in_force("farmland.shandong_pooled_price", 2019).value == {"ordinary": 9.0, "paddy": 12.0}
    dated = params.with_overrides({"farmland.shandong_pooled_price": {
        "value": {"ordinary": 9.0, "paddy": 12.0}, "valid_from": "2024-01-01", "valid_to": "2025-12-31"}})
    with pytest.raises(ValidationError, match="2019"):
        dated.in_force("farmland.shandong_pooled_price", 2019)
