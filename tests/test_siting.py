"""Siting: AHP, standardisation, vetoes, and exact contiguous sites checked by enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from landkit._errors import ValidationError
from landkit.optimize import Status
from landkit.siting import UnitGraph, best_contiguous_site, flow_contiguous_site
from landkit.suitability import ClassTable, Linear, Sigmoid, ahp_weights, suitability_raster, weighted_overlay


def _enumerate(values: np.ndarray, k: int, lam: float) -> float:
    """Best value − λ·perimeter over every connected k-cell set (brute force)."""
    g = UnitGraph.from_grid(values.shape)
    flat = values.ravel()
    adj = g.adjacency().tolil().rows
    best = -np.inf
    cells = [c for c in range(flat.size) if np.isfinite(flat[c])]
    for combo in itertools.combinations(cells, k):
        s = set(combo)
        seen, stack = {combo[0]}, [combo[0]]
        while stack:
            u = stack.pop()
            for v in adj[u]:
                if v in s and v not in seen:
                    seen.add(v)
                    stack.append(v)
        if len(seen) < k:
            continue
        mask = np.zeros(flat.size, bool)
        mask[list(combo)] = True
        best = max(best, float(flat[mask].sum()) - lam * g.boundary(mask))
    return best


@pytest.mark.parametrize("lam", [0.0, 0.4])
@pytest.mark.parametrize("seed", [0, 3])
def test_best_contiguous_site_matches_enumeration(seed: int, lam: float) -> None:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(4, 4))
    v[1, 2] = np.nan
    res = best_contiguous_site(v, 5, lam, time_limit_s=30)
    assert res.status is Status.OPTIMAL and res.gap <= 1e-4
    mask = res.mask
    assert mask.shape == v.shape and mask.sum() == 5 and not mask[1, 2]
    g = UnitGraph.from_grid(v.shape)
    sub = g.adjacency()[mask.ravel()][:, mask.ravel()]
    from scipy.sparse.csgraph import connected_components
    assert connected_components(sub, directed=False)[0] == 1
    assert res.objective == pytest.approx(_enumerate(v, 5, lam), abs=1e-6)
    assert res.bound >= res.objective - 1e-6


def test_cuts_are_needed_and_flow_agrees() -> None:
    # two high peaks far apart: the unconstrained best 3 cells are disconnected
    v = np.zeros((3, 5))
    v[0, 0], v[0, 4], v[1, 0] = 10, 9, 1
    v[2, :] = -1
    res = best_contiguous_site(v, 3, time_limit_s=30)
    assert res.objective == pytest.approx(_enumerate(v, 3, 0.0))
    flow = flow_contiguous_site(v, 3, time_limit_s=30)
    assert flow.objective == pytest.approx(res.objective)


def test_grid_input_errors() -> None:
    with pytest.raises(ValidationError, match="usable cells"):
        best_contiguous_site(np.full((2, 2), np.nan), 2)
    with pytest.raises(ValidationError, match="2-D"):
        best_contiguous_site(np.ones(4), 2)


def test_ahp_consistent_matrix_exact_weights() -> None:
    w_true = np.array([0.5, 0.25, 0.125, 0.125])
    a = w_true[:, None] / w_true[None, :]
    w, cr = ahp_weights(a)
    assert w == pytest.approx(w_true, abs=1e-9)
    assert cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_inconsistent_rejected_with_cr() -> None:
    a = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    # λmax of this circulant matrix is 1 + 9 + 1/9; CI = (λ − 3)/2, CR = CI / 0.58
    cr = ((1 + 9 + 1 / 9) - 3) / 2 / 0.58
    with pytest.raises(ValidationError, match=f"CR = {cr:.3f}"):
        ahp_weights(a)
    with pytest.raises(ValidationError, match=r"a\[0\]\[1\] × a\[1\]\[0\]"):
        ahp_weights([[1, 2], [2, 1]])


def test_standardisers() -> None:
    slope = ClassTable((2, 8, 15), (100, 80, 60, 40))
    assert slope(np.array([0.0, 2.0, 5.0, 8.1, 30.0])).tolist() == [100, 100, 80, 60, 40]
    assert Linear(0, 100, increasing=False)(np.array([0, 50, 200])).tolist() == [100, 50, 0]
    s = Sigmoid(10, 2)(np.array([10.0, 100.0]))
    assert s[0] == pytest.approx(50) and s[1] == pytest.approx(100)
    out = weighted_overlay({"a": np.array([100.0, 0.0]), "b": np.array([0.0, 100.0])}, {"a": 0.25, "b": 0.75},
                           veto=np.array([False, True]))
    assert out[0] == pytest.approx(25) and np.isnan(out[1])


def test_suitability_raster_blockwise(tmp_path) -> None:
    import rasterio
    from affine import Affine

    t = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 100.0)
    rng = np.random.default_rng(0)
    arrays = {"slope": rng.uniform(0, 20, (37, 23)), "road": rng.uniform(0, 3000, (37, 23))}
    paths = {}
    for k, arr in {**arrays, "veto": (rng.uniform(size=(37, 23)) < 0.2).astype("uint8")}.items():
        paths[k] = tmp_path / f"{k}.tif"
        with rasterio.open(paths[k], "w", driver="GTiff", height=37, width=23, count=1, dtype=arr.dtype,
                           transform=t, crs="EPSG:4548") as dst:
            dst.write(arr, 1)
    std = {"slope": ClassTable((2, 8, 15), (100, 80, 60, 40)), "road": Linear(0, 2000, increasing=False)}
    w = {"slope": 0.6, "road": 0.4}
    out = tmp_path / "suit.tif"
    suitability_raster({k: paths[k] for k in arrays}, std, w, out, veto=paths["veto"], block_rows=5)
    with rasterio.open(out) as src:
        got = src.read(1)
    with rasterio.open(paths["veto"]) as src:
        veto = src.read(1) != 0
    want = weighted_overlay({k: std[k](arrays[k]) for k in arrays}, w, veto)
    np.testing.assert_allclose(got, want, rtol=1e-5, equal_nan=True)
    assert np.isnan(got[veto]).all()


def test_town_vetoes_and_buffers_respected() -> None:
    import landkit
    from landkit.siting.parks import ParkSpec, site_parks

    town = landkit.load_sample()
    res = site_parks(town, [ParkSpec("化工", "chemical", 600.0)], buffer_m=250.0, time_limit_s=20)
    assert res.solve.status in (Status.OPTIMAL, Status.FEASIBLE)
    taken = town.parcels.loc[res.parcels.index]
    assert (taken[["frac_YJJBNTBHTB", "frac_STBHHX", "frac_YYSYDBHQ"]] == 0).all().all()
    assert not taken.intersects(town.layers["flood_zone"].union_all()).any()
    # houses within the buffer are relocated with the park (role 防护距离内搬迁); every other house and every
    # school stays more than the buffer away from the park's land
    site = res.parcels[res.parcels["role"] == "园区用地"]
    moved = res.parcels.index[res.parcels["role"] == "防护距离内搬迁"]
    houses = town.parcels[town.parcels["landuse_group"].isin(["homestead", "urban_residential"])]
    houses = houses.drop(index=houses.index.intersection(res.parcels.index))
    sensitive = list(houses.geometry) + list(town.layers["schools"].geometry)
    import geopandas as gpd
    d = gpd.GeoSeries(sensitive, crs=town.crs).union_all().distance(town.parcels.loc[site.index].union_all())
    assert d > 250.0
    near = town.parcels.loc[moved].distance(town.parcels.loc[site.index].union_all())
    assert (near <= 250.0 + 1e-6).all()
    summary = res.summary().iloc[0]
    assert summary["防护搬迁户数"] == int(town.parcels.loc[moved, "households"].sum())
    area = res.sites["面积(亩)"].iloc[0]
    assert 570 <= area <= 630
    occ = res.occupations()
    assert list(occ.columns) == ["source", "parcel", "year", "area_mu", "paddy_mu", "capacity_kg"]
    assert res.sites.geometry.iloc[0].geom_type == "Polygon"  # contiguous: one piece


def test_park_that_cannot_fit_is_a_clear_error():
    import landkit
    from landkit import ValidationError
    from landkit.siting import ParkSpec, site_parks

    town = landkit.load_sample()
    with pytest.raises(ValidationError, match="pass the vetoes") as err:
        site_parks(town, [ParkSpec("化工园区", "chemical", 60000.0)], time_limit_s=5)
    assert "化工园区" in str(err.value) and "buffer_m" in str(err.value)


def _connected_sets(graph: UnitGraph, allowed: np.ndarray, lo: float, hi: float):
    """Every connected set of allowed units with size in [lo, hi] (brute force, tiny graphs only)."""
    from scipy.sparse.csgraph import connected_components

    adj = graph.adjacency(allowed)
    units = np.flatnonzero(allowed)
    for r in range(1, len(units) + 1):
        for combo in itertools.combinations(units, r):
            mask = np.zeros(graph.n, bool)
            mask[list(combo)] = True
            if lo <= graph.size[mask].sum() <= hi and connected_components(adj[mask][:, mask], directed=False)[0] == 1:
                yield mask


@pytest.mark.parametrize("seed", range(6))
def test_separator_cuts_hold_for_every_connected_site(seed: int) -> None:
    """Lifted ring cuts and a-b separators never cut off a connected site, and do cut off the mask."""
    from landkit.siting.contiguous import separator_cuts

    rng = np.random.default_rng(seed)
    base = UnitGraph.from_grid((3, 5))
    graph = UnitGraph(base.ids, rng.integers(1, 4, base.n).astype(float), base.edge_i, base.edge_j,
                      base.edge_length, base.exposed)          # unequal unit sizes, like parcels
    allowed = rng.uniform(size=graph.n) > 0.15
    lo, hi = (5.0, 7.0) if seed % 2 else (9.0, 9.0)
    sites = list(_connected_sets(graph, allowed, lo, hi))
    assert sites, "the instance should have at least one site"
    tried = 0
    for _ in range(40):
        mask = allowed & (rng.uniform(size=graph.n) < 0.45)
        cuts = separator_cuts(graph, allowed, lo, mask)
        if not cuts:
            continue
        tried += 1
        x = mask.astype(float)
        assert any(sum(c * x[u] for u, c in zip(units, coeffs, strict=True)) > rhs + 1e-9
                   for units, coeffs, rhs in cuts), "no cut separates the disconnected mask"
        for site in sites:
            y = site.astype(float)
            for units, coeffs, rhs in cuts:
                assert sum(c * y[u] for u, c in zip(units, coeffs, strict=True)) <= rhs + 1e-9
    assert tried >= 10


@pytest.mark.parametrize("seed", range(4))
def test_multi_peak_grids_match_enumeration(seed: int) -> None:
    """Two separated peaks: the unconstrained best set is split, so the lifted cuts do the work."""
    rng = np.random.default_rng(10 + seed)
    v = rng.uniform(0, 1, size=(4, 5))
    v[0, 0] += 5
    v[3, 4] += 5
    v[rng.integers(0, 4), 2] = np.nan
    res = best_contiguous_site(v, 6, 0.0, time_limit_s=30)
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(_enumerate(v, 6, 0.0), abs=1e-6)
    assert res.bound >= res.objective - 1e-6


def test_two_sites_repaired_into_connected_disjoint_sites() -> None:
    from scipy.sparse.csgraph import connected_components

    from landkit.siting.contiguous import SiteSpec, _repair_sites

    graph = UnitGraph.from_grid((4, 6))
    rng = np.random.default_rng(3)
    a = SiteSpec("A", rng.uniform(0, 10, graph.n), 5, 5)
    b = SiteSpec("B", rng.uniform(0, 10, graph.n), 4, 4)
    mask_a = np.zeros(graph.n, dtype=bool)
    mask_a[[0, 1, 2, 22, 23]] = True  # two pieces, as a relaxation without connectivity may answer
    mask_b = np.zeros(graph.n, dtype=bool)
    mask_b[[2, 3, 8, 9]] = True  # overlaps A's piece
    allowed = [np.ones(graph.n, dtype=bool)] * 2
    out = _repair_sites(graph, [a, b], {"A": mask_a, "B": mask_b}, 0.0, allowed, None)
    assert out is not None
    assert not (out["A"] & out["B"]).any()
    for name, k in (("A", 5), ("B", 4)):
        m = out[name]
        assert m.sum() == k
        n_comp, _ = connected_components(graph.adjacency(allowed[0])[m][:, m], directed=False)
        assert n_comp == 1, name


def test_a_past_deadline_cuts_the_repair_short_and_still_gives_connected_sites(monkeypatch) -> None:
    """The repair and the greedy start stop at the search's deadline (the chemical park's 15 s call ran 21–27 s
    in their swaps); what they return then is still a connected site of the right size."""
    from landkit.siting import contiguous
    from landkit.siting.contiguous import SiteSpec, _repair_sites, _swap, greedy_site

    graph = UnitGraph.from_grid((6, 8))
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 10, graph.n)
    spec = SiteSpec("A", values, 7, 7)
    mask = np.zeros(graph.n, dtype=bool)
    mask[[0, 1, 2, 45, 46, 47, 39]] = True
    allowed = [np.ones(graph.n, dtype=bool)]
    past = 0.0  # a perf_counter reading long gone
    late = _repair_sites(graph, [spec], {"A": mask}, 0.0, allowed, None, deadline=past)
    on_time = _repair_sites(graph, [spec], {"A": mask}, 0.0, allowed, None)
    for out in (late, on_time):
        assert out is not None and out["A"].sum() == 7
        assert best_contiguous_site(np.where(out["A"], 1.0, np.nan).reshape(6, 8), 7, time_limit_s=5).status \
            is Status.OPTIMAL  # its 7 cells hold a connected 7-cell site: they are one piece
    adj = graph.adjacency(allowed[0]).tolil().rows
    poor = np.zeros(graph.n, dtype=bool)
    worst_row = int(np.argmin([values[8 * r:8 * r + 8].sum() for r in range(6)]))
    poor[8 * worst_row:8 * worst_row + 7] = True  # 7 cells of the poorest row: a poor connected start
    # past the deadline the swaps leave the set as it is; on time they make it strictly better
    assert (_swap(graph, spec, poor, weight=0.0, ok=allowed[0], adj=adj, deadline=past) == poor).all()
    improved = _swap(graph, spec, poor, weight=0.0, ok=allowed[0], adj=adj)
    assert values[improved].sum() > values[poor].sum() + 1e-9
    # the greedy start hands its deadline to its swaps, and past it grows the best seed only
    seen = []
    monkeypatch.setattr(contiguous, "_swap", lambda *a, **kw: seen.append(kw["deadline"]) or a[2])
    late_greedy = greedy_site(graph, values, 7, 7, n_seeds=40, deadline=past)
    assert seen == [past] and late_greedy is not None and late_greedy.sum() == 7 and late_greedy[np.argmax(values)]


# ---------------------------------------------------------------------- regressions found in review
def _six_units(sizes, edges, values, lo, hi, weight=0.0):
    import pandas as pd

    from landkit.siting.contiguous import SiteSpec, solve_sites

    ei, ej = (np.array(e) for e in zip(*edges, strict=True))
    g = UnitGraph(pd.Index(range(len(sizes)), name="unit"), np.asarray(sizes, float), ei, ej,
                  np.ones(len(ei)), np.full(len(sizes), 2.0))
    return solve_sites(g, [SiteSpec("s", np.asarray(values, float), lo, hi)], perimeter_weight=weight,
                       time_limit_s=20, mip_gap=1e-6)


def test_a_site_of_exactly_the_minimum_size_is_not_cut_off() -> None:
    # {0, 1} is 0.7 + 0.1 = 0.8 亩 (0.7999… in floating point) and worth 20: the best site
    r = _six_units([0.7, 0.1, 1.0, 0.3, 0.3, 0.3], [(0, 1), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5)],
                   [10, 10, -50, 3, 3, 3], 0.8, 2.0)
    assert r.status is Status.OPTIMAL and r.objective == pytest.approx(20.0)
    assert np.flatnonzero(r.masks["s"]).tolist() == [0, 1]


def test_conflicts_given_one_way_hold_both_ways() -> None:
    from landkit.siting.contiguous import SiteSpec, solve_sites

    g = UnitGraph.from_grid((1, 4))
    a = SiteSpec("A", np.array([1.0, 10.0, 2.0, 0.0]), 1, 1)
    b = SiteSpec("B", np.array([10.0, 1.0, 0.0, 2.0]), 1, 1)
    r = solve_sites(g, [a, b], conflicts=np.array([[0, 1]]), time_limit_s=10, mip_gap=1e-6)
    assert r.status is Status.OPTIMAL and r.objective == pytest.approx(12.0) and r.objective <= r.bound + 1e-9
    assert np.flatnonzero(r.masks["A"]).tolist() == [1] and np.flatnonzero(r.masks["B"]).tolist() == [3]


def _peak_field(shape: tuple[int, int], seed: int, peaks: int, half: int = 1, sigma: float = 1.0) -> np.ndarray:
    """The benchmark's fields (benchmarks/bench_siting.py ``field``: smoothed noise plus ``peaks`` raised
    blocks, scaled to 0–100) at a small size: blocks of (2 ``half`` + 1)² cells, smoothing ``sigma``."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    v = gaussian_filter(rng.normal(size=shape), sigma)
    for _ in range(peaks):
        r, c = rng.integers(0, shape[0]), rng.integers(0, shape[1])
        v[max(r - half, 0):r + half + 1, max(c - half, 0):c + half + 1] += 1.0
    return (v - v.min()) / (v.max() - v.min()) * 100


def _is_connected(mask: np.ndarray) -> bool:
    """Rook connectivity of a boolean grid mask, checked by a flood fill of its own (not landkit's graph)."""
    cells = {(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)}
    if not cells:
        return False
    start = next(iter(cells))
    seen, stack = {start}, [start]
    while stack:
        r, c = stack.pop()
        for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if nb in cells and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return len(seen) == len(cells)


@pytest.mark.parametrize(("seed", "peaks"), [(2, 4), (5, 4), (7, 4)])
def test_hard_fields_small_cuts_and_flow_agree(seed: int, peaks: int) -> None:
    """10 × 8 versions of the benchmark's hard fields (K = 14, 3 × 3 peaks), where the unconstrained best
    cells fall apart (cuts are needed): the cut search and the flow model, two formulations, prove the
    same optimum; each site is connected by an independent flood fill."""
    v = _peak_field((10, 8), seed, peaks)
    cuts = best_contiguous_site(v, 14, 0.0, time_limit_s=60, mip_gap=1e-6)
    flow = flow_contiguous_site(v, 14, 0.0, time_limit_s=60, mip_gap=1e-6)
    assert cuts.cuts > 0 and cuts.iterations > 1
    assert cuts.status is Status.OPTIMAL and flow.status is Status.OPTIMAL
    assert cuts.objective == pytest.approx(flow.objective, rel=1e-6)
    for res in (cuts, flow):
        assert res.mask.sum() == 14 and _is_connected(res.mask)
        assert res.objective == pytest.approx(float(v[res.mask].sum()))
        assert res.bound >= res.objective - 1e-6


@pytest.mark.parametrize("seed", [1, 10, 12])
def test_hard_fields_tiny_match_enumeration(seed: int) -> None:
    """A 5 × 4 field with two one-cell peaks, K = 6, where the best six cells fall apart, against every
    connected 6-cell set."""
    v = _peak_field((5, 4), seed, 2, half=0, sigma=0.7)
    res = best_contiguous_site(v, 6, 0.0, time_limit_s=30, mip_gap=1e-9)
    assert res.cuts > 0
    assert res.status is Status.OPTIMAL and _is_connected(res.mask)
    assert res.objective == pytest.approx(_enumerate(v, 6, 0.0), abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_rooted_cuts_hold_for_every_connected_site_and_root(seed: int) -> None:
    """Rooted ring cuts x_b ≤ x(N(C_r)) + r(C_r) never cut off a connected site, whichever of its units is the
    root, and no root shares of a disconnected mask (r ≤ x, Σ r = 1) satisfy them all."""
    from landkit.siting.contiguous import rooted_cuts

    rng = np.random.default_rng(seed)
    base = UnitGraph.from_grid((3, 5))
    graph = UnitGraph(base.ids, rng.integers(1, 4, base.n).astype(float), base.edge_i, base.edge_j,
                      base.edge_length, base.exposed)
    allowed = rng.uniform(size=graph.n) > 0.15
    lo, hi = (5.0, 7.0) if seed % 2 else (9.0, 9.0)
    sites = list(_connected_sets(graph, allowed, lo, hi))
    assert sites
    tried = 0
    for _ in range(40):
        mask = allowed & (rng.uniform(size=graph.n) < 0.45)
        from scipy.sparse.csgraph import connected_components
        adj = graph.adjacency(allowed)
        if not mask.any() or connected_components(adj[mask][:, mask], directed=False)[0] < 2:
            continue
        cuts = rooted_cuts(graph, allowed, lo, mask.astype(float), np.zeros(graph.n), (0.5,), rings=4,
                           per_component=3)
        tried += 1

        def lhs(x: np.ndarray, r: np.ndarray, cut: tuple) -> float:
            b, nb, comp = cut
            return float(x[b] - x[nb].sum() - r[comp].sum())

        for root in np.flatnonzero(mask):  # any root of the disconnected mask leaves a cut violated
            r = np.zeros(graph.n)
            r[root] = 1.0
            assert any(lhs(mask.astype(float), r, c) > 1e-9 for c in cuts)
        for site in sites:
            for root in np.flatnonzero(site):
                r = np.zeros(graph.n)
                r[root] = 1.0
                assert all(lhs(site.astype(float), r, c) <= 1e-9 for c in cuts)
    assert tried >= 10


def test_pairs_of_pieces_for_bridging() -> None:
    """Three pieces on a line give the three pairs, each the union of two pieces; two pieces give none (the
    whole-mask bridge already joins them)."""
    from landkit.siting.contiguous import _pairs

    graph = UnitGraph.from_grid((1, 7))
    values = np.arange(7, dtype=float)
    mask = np.array([1, 0, 1, 1, 0, 0, 1], dtype=bool)
    pairs = _pairs(graph, values, mask, np.ones(7, bool))
    got = sorted(tuple(np.flatnonzero(p)) for p in pairs)
    assert got == [(0, 2, 3), (0, 6), (2, 3, 6)]
    assert _pairs(graph, values, np.array([1, 0, 1, 0, 0, 0, 0], bool), np.ones(7, bool)) == []
