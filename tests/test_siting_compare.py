"""Alternative sites side by side: hand-checked figures, site B avoiding site A, and the map."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from landkit._errors import ValidationError
from landkit.optimize import Status
from landkit.siting import ContiguousResult, ParkSiting, ParkSpec, SiteOption, compare_sites


def _siting(name: str, parcels: list[dict], polygon, status: Status = Status.OPTIMAL, gap: float = 0.0) -> ParkSiting:
    spec = ParkSpec("化工园", "chemical", 900.0)
    table = pd.DataFrame(parcels).set_index("BSM")
    table["site"] = spec.name
    solve = ContiguousResult(masks={spec.name: np.ones(len(table), bool)}, objective=1.0, bound=1.0 + gap,
                             gap=gap, status=status)
    sites = gpd.GeoDataFrame({"名称": [spec.name]}, geometry=[polygon], crs="EPSG:4548")
    return ParkSiting(specs=[spec], solve=solve, parcels=table, sites=sites, suitability={}, year=2025)


def _parcel(bsm: str, area: float, score: float, farmland: float = 0.0, paddy: float = 0.0, capacity: float = 0.0,
            households: int = 0, frac_basic: float = 0.0, cost: float = 0.0) -> dict:
    return {"BSM": bsm, "area_mu": area, "score": score, "farmland_mu": farmland, "paddy_mu": paddy,
            "capacity_kg": capacity, "households": households, "frac_YJJBNTBHTB": frac_basic, "cost_wan_yuan": cost}


@pytest.fixture
def two_sites() -> dict[str, ParkSiting]:
    a = _siting("A", [_parcel("1", 600, 80, farmland=100, paddy=20, capacity=50_000, households=3, cost=1000),
                      _parcel("2", 300, 50, cost=500)],
                box(1000, 0, 2000, 500))                      # 1000 m × 500 m, 1 km east of the seat
    b = _siting("B", [_parcel("3", 900, 60, farmland=300, capacity=120_000, households=12, cost=2000)],
                box(0, 2000, 1000, 3000), status=Status.FEASIBLE, gap=0.005)   # 1 km square, 2 km north
    return {"方案A": a, "方案B": b}


def test_table_numbers_by_hand(two_sites) -> None:
    cmp = compare_sites(two_sites, seat=Point(0, 0))
    t = cmp.table.set_index("方案")
    assert list(cmp.table.columns) == [
        "方案", "园区", "类型", "面积(亩)", "平均适宜性(0–100)", "占用耕地(亩)", "其中永久基本农田(亩)", "占用水田(亩)",
        "耕地产能(kg)", "涉及户数(户)", "地块数", "周长(m)", "紧凑度(0–1)", "距镇驻地(km)", "征收成本(万元)",
        "求解状态", "证明差距(%)"]
    a, b = t.loc["方案A"], t.loc["方案B"]
    assert a["类型"] == "化工园区" and a["面积(亩)"] == 900
    assert a["平均适宜性(0–100)"] == pytest.approx((80 * 600 + 50 * 300) / 900)   # 70.0
    assert (a["占用耕地(亩)"], a["占用水田(亩)"], a["耕地产能(kg)"], a["涉及户数(户)"]) == (100, 20, 50_000, 3)
    assert a["其中永久基本农田(亩)"] == 0 and a["地块数"] == 2 and a["征收成本(万元)"] == 1500
    assert a["周长(m)"] == 3000 and a["紧凑度(0–1)"] == pytest.approx(4 * math.pi * 500_000 / 3000**2, abs=1e-3)
    assert a["距镇驻地(km)"] == 1.0 and a["求解状态"] == "optimal" and a["证明差距(%)"] == 0
    assert b["平均适宜性(0–100)"] == 60 and b["占用耕地(亩)"] == 300 and b["涉及户数(户)"] == 12
    assert b["紧凑度(0–1)"] == pytest.approx(math.pi / 4, abs=1e-3) and b["距镇驻地(km)"] == 2.0
    assert b["求解状态"] == "feasible" and b["证明差距(%)"] == 0.5


def test_basic_farmland_share_is_counted(two_sites) -> None:
    a = two_sites["方案A"]
    a.parcels.loc["1", "frac_YJJBNTBHTB"] = 0.25
    row = compare_sites({"A": a}).table.iloc[0]
    assert row["其中永久基本农田(亩)"] == 25.0                    # 0.25 × 100 亩 of farmland
    assert "距镇驻地(km)" not in row.index                        # no seat known


def test_side_by_side_map(two_sites) -> None:
    cmp = compare_sites(two_sites, seat=Point(0, 0))
    fig = cmp.plot()
    fig.savefig(io.BytesIO(), format="png", dpi=50)  # warnings are errors: a missing glyph fails here
    maps = [ax for ax in fig.axes if ax.get_legend() is not None]
    assert len(maps) == 2
    for ax, name in zip(maps, ("方案A", "方案B"), strict=True):
        assert ax.get_title().startswith(f"{name}: 900 亩")
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["其他方案", "化工园"]
        texts = {t.get_text() for t in ax.texts}
        assert {"北 N", "比例尺", "镇驻地"} <= texts
    assert maps[0].get_xlim() == pytest.approx(maps[1].get_xlim())  # one extent for both


def test_bad_alternatives_are_refused(two_sites) -> None:
    spec = (ParkSpec("化工园", "chemical", 600.0),)
    with pytest.raises(ValidationError, match="not listed before it") as err:
        compare_sites({"B": SiteOption(spec, avoid=("A",)), **two_sites})
    assert "needs a town" in str(err.value)
    with pytest.raises(ValidationError, match="none given"):
        compare_sites({})


def test_site_b_avoids_site_a_on_the_sample_town() -> None:
    import landkit
    from landkit.siting import site_parks

    town = landkit.load_sample()
    spec = (ParkSpec("化工园", "chemical", 600.0),)
    a = site_parks(town, list(spec), buffer_m=250.0, time_limit_s=15)
    cmp = compare_sites({"方案A": a, "方案B": SiteOption(spec, avoid=("方案A",))}, town=town, buffer_m=250.0,
                        time_limit_s=15)
    b = cmp.alternatives["方案B"]
    assert set(a.parcels.index).isdisjoint(b.parcels.index)
    t = cmp.table.set_index("方案")
    assert (t["其中永久基本农田(亩)"] == 0).all()
    for name, alt in cmp.alternatives.items():
        assert t.loc[name, "面积(亩)"] == pytest.approx(alt.parcels["area_mu"].sum(), abs=0.01)
        assert t.loc[name, "涉及户数(户)"] == alt.parcels["households"].sum()
    seat = town.layers["seat"].geometry.iloc[0]
    assert t.loc["方案B", "距镇驻地(km)"] == pytest.approx(b.sites.geometry.iloc[0].distance(seat) / 1000, abs=1e-3)
    # A is the best site; B, with fewer parcels to choose from, cannot beat it
    assert b.solve.objective <= a.solve.bound + 1e-6
