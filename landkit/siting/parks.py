r"""Parcel-level siting of the chemical park and the wood cluster, jointly and exactly contiguous.

For parks :math:`s` with required area :math:`A_s` (亩) and tolerance :math:`\tau`, over candidate
parcels :math:`i` (not vetoed for the park) with area :math:`a_i`, mean suitability :math:`S_{si}`
(:func:`landkit.suitability.town_suitability`) and acquisition cost :math:`c_i` (万元, the reserve
plan's costing: compensation + demolition + preparation), the value of a parcel is

.. math::

    v_{si} = S_{si}\, a_i - \kappa\, c_i

(:math:`\kappa`: ``siting.cost_weight``, score·亩 per 万元), and :func:`landkit.siting.solve_sites` maximises
:math:`\sum_s \sum_i v_{si} x_{si} - \lambda \sum_s B(x_s)` with :math:`(1-\tau) A_s \le \sum_i a_i x_{si}
\le (1+\tau) A_s`, each park connected (cut generation), no overlap, and parcels of different parks at
least :math:`d_{min}` (``siting.park_min_separation``) apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd

from landkit._errors import InfeasibleError, Problem, SolverError, ValidationError, reject_unknown_keywords
from landkit.optimize import Status
from landkit.params import Parameters
from landkit.reserve.inputs import cost_parcels
from landkit.siting.contiguous import Companions, ContiguousResult, SiteSpec, UnitGraph, solve_sites
from landkit.siting.rules import control_indicators, default_area_mu
from landkit.suitability import FACTOR_LABELS, Suitability, town_suitability
from landkit.town import Town

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PARK_LABELS = {"chemical": "化工园区", "wood": "木业集群"}


@dataclass(frozen=True)
class ParkSpec:
    """A park to site: name (shown on maps), kind (``"chemical"``/``"wood"``) and area (亩).

    :meth:`planned` gives a park of the size the plan and the parameters say.
    """

    name: str
    kind: str
    area_mu: float

    @classmethod
    def planned(cls, name: str, kind: str, params: Parameters) -> ParkSpec:
        """The park at its planned size (:func:`landkit.siting.rules.default_area_mu`)."""
        return cls(name, kind, round(default_area_mu(kind, params), 1))


@dataclass
class ParkSiting:
    """Sites chosen for one or more parks.

    Attributes
    ----------
    specs : list of ParkSpec
    solve : ContiguousResult
        Status, objective, bound and proven gap of the search.
    parcels : DataFrame
        The parcels taken (index BSM) with ``site``, ``role`` (园区用地, or 防护距离内搬迁 for houses within a
        chemical park's buffer, relocated with it), area, households, farmland, cost, scores.
    sites : GeoDataFrame
        One dissolved polygon per park with its figures.
    suitability : dict of str to Suitability
    year : int
        Year the land is taken (for the 占补平衡 ledger).
    """

    specs: list[ParkSpec]
    solve: ContiguousResult
    parcels: pd.DataFrame
    sites: gpd.GeoDataFrame
    suitability: dict[str, Suitability]
    year: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Per park: area, mean score, households, farmland, cost."""
        return pd.DataFrame(self.sites.drop(columns="geometry"))

    def score_breakdown(self) -> pd.DataFrame:
        """Area-weighted mean factor scores per park (0–100)."""
        p = self.parcels[self.parcels["role"] == "园区用地"] if "role" in self.parcels else self.parcels
        cols = [c for c in p.columns if c.startswith("s_")]
        out = {}
        for name, grp in p.groupby("site"):
            w = grp["area_mu"] / grp["area_mu"].sum()
            out[name] = {FACTOR_LABELS.get(c[2:], c[2:]): round(float((grp[c] * w).sum()), 1) for c in cols}
        return pd.DataFrame(out).T

    def farmland_by_grade(self) -> pd.DataFrame:
        """Farmland occupied (亩) by park and 耕地等别."""
        f = self.parcels[self.parcels["farmland_mu"] > 0]
        return f.pivot_table(index="site", columns="farmland_grade", values="farmland_mu", aggfunc="sum",
                             fill_value=0.0).round(2)

    def occupations(self) -> pd.DataFrame:
        """Farmland occupied, one row per parcel, for the 占补平衡 ledger (as ``ReserveResult.occupations``)."""
        t = self.parcels[self.parcels["farmland_mu"] > 0]
        return pd.DataFrame({"source": "siting", "parcel": t.index.to_numpy(), "year": self.year,
                             "area_mu": t["farmland_mu"].to_numpy(), "paddy_mu": t["paddy_mu"].to_numpy(),
                             "capacity_kg": t["capacity_kg"].to_numpy()})

    def plot(self, kind: str | None = None) -> Figure:
        """The suitability surface of ``kind`` (default: the first park's) with every site outlined."""
        k = kind or self.specs[0].kind
        return self.suitability[k].plot(sites=self.sites.set_index("名称", drop=False),
                                        title=f"{PARK_LABELS[k]}适宜性与选址")


def _companions(values: np.ndarray, ids: pd.Index, requires: pd.DataFrame | None, cost: pd.Series,
                kappa: float, barred: pd.Index) -> tuple[np.ndarray, Companions | None, pd.Index]:
    """The houses a park on each candidate must relocate (within the chemical buffer of it).

    Returns the values (a candidate near a house the park may not take, ``barred``, is not allowed), the
    :class:`Companions` (cost :math:`\\kappa c_h` per house) and the houses' ids.
    """
    if requires is None or not len(requires):
        return values, None, pd.Index([], dtype=str)
    a = ids.get_indexer(requires["parcel"].astype(str))
    house = requires["requires"].astype(str).to_numpy()
    keep = a >= 0
    a, house = a[keep], house[keep]
    values = values.copy()
    blocked = np.isin(house, barred.astype(str))
    values[a[blocked]] = np.nan
    live = np.isfinite(values[a]) & ~blocked
    a, house = a[live], house[live]
    houses = pd.Index(pd.unique(house), name="parcel")
    j = houses.get_indexer(house)
    comp = Companions(np.column_stack([a, j]), kappa * cost.reindex(houses).to_numpy(dtype=float),
                      ids.get_indexer(houses))
    return values, comp, houses


def _raise_without_sites(res: ContiguousResult, specs: Sequence[ParkSpec], site_specs: Sequence[SiteSpec],
                         area: np.ndarray, time_limit_s: float) -> None:
    """A search that ends without sites is an error that says why, in 亩 (never an empty result)."""
    if res.status in (Status.OPTIMAL, Status.FEASIBLE):
        return
    usable = "; ".join(f"{p.name} {p.area_mu:,.0f} 亩 (±{(sp.hi / p.area_mu - 1):.0%}) among "
                       f"{float(area[np.isfinite(sp.values)].sum()):,.0f} 亩 of parcels that pass its vetoes"
                       for p, sp in zip(specs, site_specs, strict=True))
    if res.status is Status.INFEASIBLE:
        raise InfeasibleError(f"no connected site of the required size exists (proven): {usable}. Lower the area, "
                              "the buffer (buffer_m) or the exclusions, or check the location rules "
                              "(siting.chemical_park_bearing, siting.wood_cluster_location)")
    spent = "" if res.iterations else " (the suitability and the setup used the whole limit: no search ran)"
    raise SolverError(f"no connected site found within {time_limit_s:g} s ({res.status.value}){spent}: {usable}. "
                      "Give the search more time (time_limit_s)")


def _conflicts(cands: gpd.GeoDataFrame, separation_m: float) -> np.ndarray:
    """Candidate position pairs closer than ``separation_m`` (none when it is 0)."""
    if separation_m <= 0:
        return np.zeros((0, 2), dtype=int)
    left, right = cands.sindex.query(cands.geometry.buffer(separation_m).to_numpy(), predicate="intersects")
    keep = left != right
    return np.column_stack([left[keep], right[keep]])


class SitingOverrides(TypedDict, total=False):
    """Parameter values :func:`site_parks` uses instead of the town's (each optional).

    Attributes
    ----------
    perimeter_weight : float or None
        λ, score·亩 per metre of boundary (default ``siting.perimeter_weight``).
    min_separation_m : float or None
        Least distance between parcels of different parks (default ``siting.park_min_separation``).
    params : Parameters or None
        The whole parameter set (default the town's).
    """

    perimeter_weight: float | None
    min_separation_m: float | None
    params: Parameters | None


def _check_specs(specs: Sequence[ParkSpec]) -> None:
    """Every park of a known kind with an area > 0, and at least one park."""
    problems = [Problem(f"park {s.name}", f"kind {s.kind!r}", "use 'chemical' or 'wood'", "bad_kind")
                for s in specs if s.kind not in PARK_LABELS]
    problems += [Problem(f"park {s.name}", f"area {s.area_mu!r} 亩", "give an area > 0", "bad_area")
                 for s in specs if not s.area_mu > 0]
    if not specs:
        problems.append(Problem("specs", "no parks", "give at least one ParkSpec", "empty"))
    if problems:
        raise ValidationError("site_parks", problems)


@dataclass(frozen=True)
class _Costs:
    """The parcels costed as industrial land: the costing table, the cost of taking each parcel for a park
    (acquisition, demolition, preparation, land-use fee) and of clearing a house (acquisition, demolition)."""

    costed: pd.DataFrame
    cost: pd.Series
    moving: pd.Series
    notes: list[str]

    @classmethod
    def of(cls, parcels: pd.DataFrame, params: Parameters, year: int) -> _Costs:
        """Cost ``parcels`` for an industrial use in ``year``."""
        parcels = parcels.copy()
        parcels["planned_use"] = "industrial"
        costed, _, notes = cost_parcels(parcels, params, [year])
        cost = costed[["acquisition_cost_wan_yuan", "demolition_cost_wan_yuan", "prep_cost_wan_yuan",
                       "land_use_fee_wan_yuan"]].sum(axis=1)
        moving = costed[["acquisition_cost_wan_yuan", "demolition_cost_wan_yuan"]].sum(axis=1)  # cleared, not built
        return cls(costed, cost, moving, notes)


def _candidates(town: Town, suit: dict[str, Suitability], exclude: Iterable[str] | None) -> gpd.GeoDataFrame:
    """Parcels some park may take: not vetoed and scored for at least one kind, and not excluded."""
    parcels = town.parcels
    ok_any = np.zeros(len(parcels), bool)
    for su in suit.values():
        ok_any |= ~su.parcels["vetoed"].to_numpy() & su.parcels["score"].notna().to_numpy()
    if exclude is not None:
        ok_any &= ~parcels.index.isin([str(e) for e in exclude])
    return parcels[ok_any]


def _candidate_graph(town: Town, cands: gpd.GeoDataFrame) -> UnitGraph:
    """The candidates' adjacency; boundary to parcels that are not candidates counts as exposed."""
    ids = cands.index
    adj = town.adjacency
    ei, ej = ids.get_indexer(adj["id_i"]), ids.get_indexer(adj["id_j"])
    keep = (ei >= 0) & (ej >= 0)
    exposed = town.exposed_length_m.reindex(ids).to_numpy()
    out_len = np.zeros(len(ids))
    for a, b in ((ei, ej), (ej, ei)):
        m = (a >= 0) & (b < 0)
        np.add.at(out_len, a[m], adj["shared_length_m"].to_numpy()[m])
    return UnitGraph(pd.Index(ids, name="unit"), cands["area_mu"].to_numpy(float), ei[keep], ej[keep],
                     adj["shared_length_m"].to_numpy(float)[keep], exposed + out_len)


@dataclass(frozen=True)
class _Setup:
    """What every park's site spec is built from: the candidates, their suitability and costs, κ, the area
    tolerance and the parcels no park may take."""

    cands: gpd.GeoDataFrame
    suit: dict[str, Suitability]
    costs: _Costs
    kappa: float
    tol: float
    barred: pd.Index


def _site_spec(setup: _Setup, park: ParkSpec) -> tuple[SiteSpec, tuple[Companions | None, pd.Index]]:
    """A park's values per candidate (score × 亩 − κ × cost, NaN where vetoed), its size bounds and the
    houses it must relocate (with their ids)."""
    ids = setup.cands.index
    sp_ = setup.suit[park.kind].parcels.loc[ids]
    v = sp_["score"].to_numpy() * setup.cands["area_mu"].to_numpy() - setup.kappa * setup.costs.cost.loc[ids].to_numpy()
    v = np.where(sp_["vetoed"].to_numpy(), np.nan, v)
    v, comp, houses = _companions(v, ids, setup.suit[park.kind].requires, setup.costs.moving, setup.kappa,
                                  setup.barred)
    spec = SiteSpec(park.name, v, (1 - setup.tol) * park.area_mu, (1 + setup.tol) * park.area_mu, companions=comp)
    return spec, (comp, houses)


def _check_room(specs: Sequence[ParkSpec], site_specs: Sequence[SiteSpec], cands: gpd.GeoDataFrame) -> None:
    """Each park has at least its least area of candidates that pass its vetoes."""
    short = []
    for s, spec in zip(specs, site_specs, strict=True):
        usable = float(cands["area_mu"].to_numpy()[~np.isnan(spec.values)].sum()) if len(cands) else 0.0
        if usable < spec.lo:
            short.append(Problem(f"park {s.name}", f"needs ≥ {spec.lo:,.0f} 亩 but only {usable:,.0f} 亩 of "
                                 "parcels pass the vetoes, buffers and exclusions",
                                 "lower the area, the buffer (buffer_m) or the exclusions", "no_candidates"))
    if short:
        raise ValidationError("site_parks", short)


def _taken(setup: _Setup, park: ParkSpec, mask: np.ndarray, relocation: tuple[Companions | None, pd.Index],
           parcels: pd.DataFrame) -> pd.DataFrame:
    """The parcels a park takes (园区用地) with their scores and cost, and the houses it relocates (防护距离内搬迁)."""
    costed, cost, moving = setup.costs.costed, setup.costs.cost, setup.costs.moving
    t = costed.loc[setup.cands.index[mask]].copy()
    sp_ = setup.suit[park.kind].parcels.loc[t.index]
    for c in sp_.columns:
        if c.startswith("s_") or c == "score":
            t[c] = sp_[c]
    t["site"] = park.name
    t["farmland_grade"] = parcels.loc[t.index, "farmland_grade"]
    t["frac_YJJBNTBHTB"] = parcels.loc[t.index, "frac_YJJBNTBHTB"]  # share in 永久基本农田 (vetoed: 0)
    t["cost_wan_yuan"] = cost.loc[t.index]
    t["role"] = "园区用地"
    comp, houses = relocation
    if comp is not None:  # houses within the chemical buffer, relocated with the park
        moved = costed.loc[houses[comp.taken(mask)]].copy()
        moved["site"], moved["role"] = park.name, "防护距离内搬迁"
        moved["cost_wan_yuan"] = moving.loc[moved.index]
        moved["farmland_grade"] = parcels.loc[moved.index, "farmland_grade"]
        t = pd.concat([t, moved])
    return t


def _site_row(park: ParkSpec, t: pd.DataFrame, boundary_m: float, params: Parameters) -> dict[str, Any]:
    """A park's line of the summary: area, mean score, boundary, households, farmland, cost, relocation and
    the control indicators (``t``: its rows of :func:`_taken`)."""
    site = t[t["role"] == "园区用地"]
    moved = t[t["role"] != "园区用地"]
    a = float(site["area_mu"].sum())
    return {"名称": park.name, "类型": PARK_LABELS[park.kind], "面积(亩)": round(a, 2),
            "面积(km²)": round(a / 1500, 3), "目标面积(亩)": park.area_mu,
            "平均适宜性": round(float((site["score"] * site["area_mu"]).sum() / a), 1) if a else np.nan,
            "周长(m)": round(boundary_m, 0), "地块数": len(site),
            "涉及户数": int(t["households"].sum()), "占用耕地(亩)": round(float(t["farmland_mu"].sum()), 2),
            "占用水田(亩)": round(float(t["paddy_mu"].sum()), 2),
            "征收成本(万元)": round(float(t["cost_wan_yuan"].sum()), 1),
            "防护搬迁地块数": len(moved), "防护搬迁户数": int(moved["households"].sum()),
            "防护搬迁面积(亩)": round(float(moved["area_mu"].sum()), 2),
            **{k: round(v, 1) for k, v in control_indicators(park.kind, a, params).items()}}


def site_parks(town: Town, specs: Sequence[ParkSpec], *, ahp_matrix: Sequence[Sequence[float]] | None = None,
               buffer_m: float | None = None, year: int = 2025, time_limit_s: float = 60.0, mip_gap: float = 0.01,
               exclude: Iterable[str] | None = None, **overrides: Unpack[SitingOverrides]) -> ParkSiting:
    """Site one or more parks on a town's parcels (see the module notes).

    Parameters
    ----------
    town : Town
    specs : sequence of ParkSpec
    ahp_matrix : (n, n) array, optional
        Pairwise factor judgements (default ``siting.suitability_ahp``).
    buffer_m : float, optional
        Chemical-park buffer from housing and schools (default ``siting.chemical_buffer_housing``).
    year : int
        Year of occupation, for the ledger.
    time_limit_s, mip_gap : float
        Budget and accepted gap of the exact search; the result states the proven gap.
    exclude : iterable of str, optional
        Parcel ids (BSM) that no park may take (e.g. the parcels of another site, for a site B).
    **overrides
        :class:`SitingOverrides`: ``perimeter_weight`` (λ, score·亩 per metre of boundary, default
        ``siting.perimeter_weight``), ``min_separation_m`` (least distance between parcels of different
        parks, default ``siting.park_min_separation``) and ``params`` (default the town's).

    Returns
    -------
    ParkSiting
    """
    reject_unknown_keywords("site_parks", overrides, SitingOverrides.__optional_keys__)
    began = time.perf_counter()  # the time limit counts the suitability and the setup too
    p = overrides.get("params") or getattr(town, "params", None) or Parameters.load()
    _check_specs(specs)
    lam, sep = overrides.get("perimeter_weight"), overrides.get("min_separation_m")
    lam = float(p["siting.perimeter_weight"] if lam is None else lam)
    sep = float(p["siting.park_min_separation"] if sep is None else sep)
    suit = {k: town_suitability(town, park=k, ahp_matrix=ahp_matrix, buffer_m=buffer_m, params=p)
            for k in {s.kind for s in specs}}
    cands = _candidates(town, suit, exclude)
    setup = _Setup(cands, suit, _Costs.of(town.parcels, p, year), float(p["siting.cost_weight"]),
                   float(p["siting.area_tolerance"]),
                   pd.Index([str(e) for e in exclude]) if exclude is not None else pd.Index([], dtype=str))
    graph = _candidate_graph(town, cands)
    built = [_site_spec(setup, s) for s in specs]
    site_specs = [spec for spec, _ in built]
    _check_room(specs, site_specs, cands)
    res = solve_sites(graph, site_specs, perimeter_weight=lam, conflicts=_conflicts(cands, sep) if len(specs) > 1
                      else None, time_limit_s=time_limit_s, mip_gap=mip_gap, started_at=began)
    _raise_without_sites(res, specs, site_specs, cands["area_mu"].to_numpy(float), time_limit_s)
    taken = [_taken(setup, s, res.masks[s.name], reloc, town.parcels) for s, (_, reloc) in zip(specs, built,
                                                                                                strict=True)]
    rows = [_site_row(s, t, graph.boundary(res.masks[s.name]), p) for s, t in zip(specs, taken, strict=True)]
    polys = [cands.loc[t.index[t["role"] == "园区用地"]].geometry.union_all() if (t["role"] == "园区用地").any()
             else None for t in taken]
    sites = gpd.GeoDataFrame(rows, geometry=polys, crs=town.parcels.crs)
    table = pd.concat(taken) if taken else pd.DataFrame()
    table = table[~table.index.duplicated()]  # a house relocated for two parks is relocated once
    notes = [res.summary(), *setup.costs.notes, *(n for su in suit.values() for n in su.notes)]
    return ParkSiting(specs=list(specs), solve=res, parcels=table, sites=sites, suitability=suit, year=year,
                      notes=notes)
