"""A town's parcels as selection units (landkit.select.town): costs, features, boundary, solve, map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

import landkit
from landkit import ValidationError
from landkit.optimize import Status
from landkit.select.town import feature_label, from_town, plot_selection


@pytest.fixture(scope="module")
def town():
    return landkit.load_sample()


@pytest.fixture(scope="module")
def riverside(town) -> pd.Index:
    """Parcels whose centre is within the riverside band of the 祊河 water (the notebook's study area)."""
    water = town.layers["river_area"]
    water = shapely.union_all(np.asarray(water.loc[water["name"] == "祊河"].geometry.values))
    width = float(town.params["corridor.riverside_band_width"])
    near = town.parcels.geometry.centroid.distance(water) <= width
    return town.parcels.index[near.to_numpy()]


def test_costs_are_the_reserve_plans_acquisition_costs(town, riverside):
    from landkit.reserve.inputs import cost_parcels

    problem = from_town(town, parcels=riverside)
    table, *_ = cost_parcels(town.parcels.loc[riverside].assign(planned_use="industrial"), town.params, [2021])
    expected = table["acquisition_cost_wan_yuan"] + table["demolition_cost_wan_yuan"]
    assert np.allclose(problem.cost.to_numpy(), expected.to_numpy())
    assert (problem.cost > 0).all()
    # a homestead costs its houses too: more than bare collective land of the same area
    units = problem.units
    homes = units[units["households"] > 0]
    assert (homes["demolition_cost_wan_yuan"] > 0).all()


def test_features_are_the_area_of_each_group(town, riverside):
    problem = from_town(town, parcels=riverside, groups=("forest", "water"))
    assert list(problem.feature_names) == ["林地(亩)", "水域及水利设施用地(亩)"]
    p = town.parcels.loc[riverside]
    for group in ("forest", "water"):
        expected = p.loc[p["landuse_group"] == group, "area_mu"].sum()
        assert problem.feature_totals[feature_label(group)] == pytest.approx(expected)


def test_boundary_is_the_outline_of_the_selection(town, riverside):
    problem = from_town(town, parcels=riverside)
    rng = np.random.default_rng(3)
    for size in (1, 5, 40):
        chosen = rng.choice(problem.unit_ids.to_numpy(), size=size, replace=False)
        outline = shapely.union_all(np.asarray(town.parcels.loc[chosen].geometry.values)).boundary.length
        assert problem.evaluate(chosen).boundary == pytest.approx(outline, rel=1e-3)
    # the whole study area's outline: every shared edge inside cancels
    whole = shapely.union_all(np.asarray(town.parcels.loc[riverside].geometry.values)).boundary.length
    assert problem.evaluate(riverside).boundary == pytest.approx(whole, rel=1e-3)


def test_min_set_on_the_riverside_meets_every_target_and_two_solvers_agree(town, riverside):
    problem = from_town(town, parcels=riverside).with_min_set(
        dict.fromkeys([feature_label(g) for g in ("forest", "water", "wetland")], 0.3), relative=True)
    results = {solver: problem.solve(solver=solver, time_limit_s=60, mip_gap=1e-3) for solver in ("highs", "cbc")}
    for result in results.values():
        assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
        ev = result.evaluation
        assert ev.targets_met and ev.feasible
        assert ev.cost == pytest.approx(result.objective, rel=1e-9)
        assert result.best_bound <= result.objective + 1e-6
    # neither solver's selection may beat the other's proven lower bound
    highs, cbc = results["highs"], results["cbc"]
    assert highs.objective >= cbc.best_bound * (1 - 1e-9) and cbc.objective >= highs.best_bound * (1 - 1e-9)
    assert highs.status is Status.OPTIMAL and highs.gap <= 1e-3


def test_locks_and_a_boundary_penalty(town, riverside):
    homes = town.parcels.loc[riverside].index[town.parcels.loc[riverside, "households"].to_numpy() > 0]
    base = from_town(town, parcels=riverside, locked_out=homes).with_min_set(
        {feature_label("forest"): 0.3, feature_label("water"): 0.3}, relative=True)
    loose = base.solve(time_limit_s=60, mip_gap=1e-3)
    tight = base.with_blm(0.05).solve(time_limit_s=60, mip_gap=0.01)
    assert loose.status is Status.OPTIMAL and tight.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert loose.selected.intersection(homes).empty and tight.selected.intersection(homes).empty
    assert tight.evaluation.targets_met
    # each run's proven bound holds against the other's selection, scored by its own objective
    penalised = base.with_blm(0.05)
    assert tight.best_bound <= penalised.evaluate(loose.selected).objective + 1e-6
    assert loose.best_bound <= base.evaluate(tight.selected).objective + 1e-6
    # and the penalty bought a shorter outline here (both near-optimal: 0.1 % and 1 % gaps)
    assert tight.evaluation.boundary < loose.evaluation.boundary


def test_bad_study_areas_and_groups_are_named(town):
    with pytest.raises(ValidationError, match="is not a land-use group"):
        from_town(town, groups=("forest", "jungle"))
    with pytest.raises(ValidationError, match="not a parcel of the town"):
        from_town(town, parcels=["no-such-BSM"])
    with pytest.raises(ValidationError, match="holds no parcel"):
        from_town(town, parcels=pd.Series(False, index=town.parcels.index))


def test_selection_map_has_legend_scale_and_north_arrow(town, riverside):
    problem = from_town(town, parcels=riverside).with_min_set({feature_label("forest"): 0.2}, relative=True)
    fig = plot_selection(town, problem.solve(time_limit_s=30), title="滨河生态廊道")
    ax = fig.axes[0]
    assert ax.get_legend() is not None and "选定 selected" in [t.get_text() for t in ax.get_legend().get_texts()]
    texts = [t.get_text() for t in ax.texts]
    assert "北 N" in texts and any(t.endswith("m") or t.endswith("km") for t in texts)
    assert "滨河生态廊道" in ax.get_title()
