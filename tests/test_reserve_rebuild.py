"""update_in_place: a funds or debt-ceiling move changes the built reserve model into a fresh build's (up to
rounding); ReservePlan.solve(model=...) refuses a model built for another plan."""

from __future__ import annotations

import numpy as np
import pytest

import landkit
from landkit.optimize import from_linopy
from landkit.reserve import ReservePlan
from landkit.reserve.rebuild import update_in_place


def _plan(town: landkit.Town, price_change: float = 0.0, **overrides: float) -> ReservePlan:
    t = town.with_params(town.params.with_overrides(overrides, source="test")) if overrides else town
    return ReservePlan.from_town(t, price_change=price_change)


def _assert_same_model(a, b) -> None:
    pa, pb = from_linopy(a), from_linopy(b)
    assert (pa.n_cols, pa.n_rows, pa.sense) == (pb.n_cols, pb.n_rows, pb.sense)
    for name in ("c", "lb", "ub", "row_lower", "row_upper", "integrality"):
        np.testing.assert_allclose(getattr(pa, name), getattr(pb, name), rtol=1e-12, atol=1e-9, err_msg=name)
    assert (pa.A != pb.A).nnz == 0


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_funds_and_debt_ceiling_moves_give_a_fresh_builds_model_and_other_moves_build_afresh(which):
    town = landkit.load_sample() if which == "sample" else landkit.synthetic_town(2_000, seed=3)
    p = town.params
    funds, ceiling = float(p["funds.county_special_funds"]), float(p["financing.company_debt_ceiling"])
    plan = _plan(town)
    model = plan.build()
    moves = [  # (overrides, what changes in place)
        ({"funds.county_special_funds": funds * 0.6}, ["cash"]),
        ({"funds.county_special_funds": funds * 0.6, "financing.company_debt_ceiling": ceiling * 0.5},
         ["debt_ceiling"]),
        ({"funds.county_special_funds": 0.0, "financing.company_debt_ceiling": 0.0}, ["cash", "debt_ceiling"]),
        ({"funds.county_special_funds": funds * 1.7, "financing.company_debt_ceiling": ceiling * 3}, ["cash",
                                                                                                   "debt_ceiling"]),
    ]
    for overrides, where in moves:
        new = _plan(town, **overrides)
        changed = update_in_place(model, plan, new)
        assert changed is not None and [c.split(":")[0] for c in changed] == where
        _assert_same_model(model, new.build())
        plan = new
    before = from_linopy(model)
    for other in (_plan(town, **{"reserve.discount_rate": 0.09}), _plan(town, price_change=-0.2),
                  ReservePlan(plan.inputs, objective="min_cost", town=town)):
        assert update_in_place(model, plan, other) is None  # another objective or prices: build afresh
    after = from_linopy(model)
    assert np.array_equal(before.row_lower, after.row_lower) and np.array_equal(before.c, after.c)  # untouched


def test_a_model_built_for_another_plan_is_refused() -> None:
    town = landkit.load_sample()
    plan = ReservePlan.from_town(town)
    shorter = ReservePlan.from_town(town, years=list(plan.inputs.years)[:-1])
    with pytest.raises(landkit.ValidationError, match="not built for this plan"):
        plan.solve(model=shorter.build(), time_limit_s=5)
