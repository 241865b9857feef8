r"""Where the reform plan and the provincial rules put each park, as parcel vetoes, and its default size.

Chemical park (鲁政办字〔2017〕168号, the reform plan):

- **on the planned side of the seat**: the bearing :math:`\beta_i` of a parcel's centre seen from the
  town seat (``town.seat_xy_m``) within ``siting.bearing_tolerance`` of ``siting.chemical_park_bearing``
  (225°, south-west);
- **away from the seat**: at least ``siting.chemical_min_distance_from_seat`` metres from it;
- **not upwind of the seat**: :math:`\beta_i` not within ``siting.upwind_tolerance`` of
  ``siting.prevailing_wind_from`` (a park there would blow onto the town).

Wood cluster: on the sides of lines named by ``siting.wood_cluster_location``, a list of
``[side, line]`` pairs (``south_of`` / ``north_of`` a layer such as ``railway``, ``east_of`` / ``west_of``
a road of the ``roads`` layer by its ``name``, such as S229; ``[]`` for no rule). A parcel is south of
a line when its centre lies below the nearest point of the line, east of it when it lies to the right
of that point.

Every park: no farmland of the best grades (``siting.veto_farmland_grades``) and no land of the
groups in ``siting.veto_landuse_groups`` (important wetland), as construction suitability vetoes.

Default sizes: the chemical park ``siting.chemical_park_area`` (km², 3.05 km² = 4,575 亩) and the
wood cluster ``siting.wood_cluster_area`` (亩); no size is written anywhere else.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from shapely.ops import nearest_points

from landkit._errors import Problem, ValidationError
from landkit.params import Parameters
from landkit.town import Town
from landkit.units import M2_PER_MU

#: Chinese reasons of the location vetoes (joined to the suitability's veto reasons).
RULE_LABELS: dict[str, str] = {
    "bearing": "不在规划方位", "near_seat": "距镇驻地过近", "upwind": "位于镇驻地上风向",
    "south_of": "不在{0}以南", "north_of": "不在{0}以北", "east_of": "不在{0}以东", "west_of": "不在{0}以西",
    "best_farmland": "优质耕地(等别{0})", "landuse_group": "重要湿地等禁建地类",
}
_SIDES = ("south_of", "north_of", "east_of", "west_of")


def default_area_mu(kind: str, params: Parameters) -> float:
    """The park's planned area (亩): ``siting.chemical_park_area`` (km²) or ``siting.wood_cluster_area``."""
    if kind == "chemical":
        return float(params["siting.chemical_park_area"]) * 1e6 / M2_PER_MU
    return float(params["siting.wood_cluster_area"])


def seat_xy(town: Town, params: Parameters) -> tuple[float, float]:
    """The town seat in the town's CRS: the town's ``seat`` layer when it has one (as
    :func:`landkit.siting.compare_sites` reads it), else ``town.seat_xy_m`` (given in ``town.crs``);
    refused when it lies more than 5 km outside the town."""
    layer = town.layers.get("seat")
    if layer is not None and len(layer):
        point = layer.geometry.iloc[0].centroid
        x, y = float(point.x), float(point.y)
    else:
        x, y = (float(v) for v in params["town.seat_xy_m"])
        given = CRS.from_user_input(str(params["town.crs"]))
        if town.crs is not None and not given.equals(town.crs):
            x, y = Transformer.from_crs(given, town.crs, always_xy=True).transform(x, y)
    x0, y0, x1, y1 = town.parcels.total_bounds
    if not (x0 - 5000 <= x <= x1 + 5000 and y0 - 5000 <= y <= y1 + 5000):
        raise ValidationError("park siting", [Problem(
            "town.seat_xy_m", f"({x:,.0f}, {y:,.0f}) lies far outside the town's parcels "
            f"({x0:,.0f}–{x1:,.0f}, {y0:,.0f}–{y1:,.0f}, {town.crs})",
            "set town.seat_xy_m to the town seat in the parcels' CRS (metres)", "seat")])
    return x, y


def _angle_within(bearing: np.ndarray, centre: float, half: float) -> np.ndarray:
    return np.abs((bearing - centre + 180.0) % 360.0 - 180.0) <= half


def chemical_rules(town: Town, params: Parameters) -> tuple[pd.DataFrame, list[str]]:
    """Parcel vetoes of the chemical park's location rules (module docstring), with notes."""
    sx, sy = seat_xy(town, params)
    c = town.parcels.geometry.centroid
    dx, dy = c.x.to_numpy() - sx, c.y.to_numpy() - sy
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    dist = np.hypot(dx, dy)
    want, tol = float(params["siting.chemical_park_bearing"]), float(params["siting.bearing_tolerance"])
    wind, wtol = float(params["siting.prevailing_wind_from"]), float(params["siting.upwind_tolerance"])
    near = float(params["siting.chemical_min_distance_from_seat"])
    out = pd.DataFrame({"bearing": ~_angle_within(bearing, want, tol), "near_seat": dist < near,
                        "upwind": _angle_within(bearing, wind, wtol)}, index=town.parcels.index)
    notes = [f"chemical park: bearing {want:g}° ± {tol:g}° from the seat, ≥ {near:,.0f} m from it (estimate), "
             f"not within {wtol:g}° of the prevailing wind from {wind:g}° (estimate)"]
    return out, notes


def _line(town: Town, ref: str) -> gpd.GeoSeries:
    """The line a side rule refers to: a layer (e.g. ``railway``) or a road of ``roads`` by name."""
    lyr = town.layers.get(ref)
    if lyr is not None and len(lyr):
        return lyr.geometry
    roads = town.layers.get("roads")
    if roads is not None and "name" in roads and roads["name"].astype(str).eq(ref).any():
        return roads.geometry[roads["name"].astype(str).eq(ref).to_numpy()]
    raise ValidationError("park siting", [Problem(
        "siting.wood_cluster_location", f"{ref!r} is neither a layer of the town nor a road name of its roads layer",
        "give a layer key (e.g. railway) or a road name, or set the parameter to [] for no location rule",
        "unknown_line")])


def side_rules(town: Town, sides: list[tuple[str, str]]) -> pd.DataFrame:
    """One veto column per ``(side, line)`` rule: True where a parcel's centre is on the wrong side of the line."""
    c = town.parcels.geometry.centroid
    out = pd.DataFrame(index=town.parcels.index)
    for side, ref in sides:
        if side not in _SIDES:
            raise ValidationError("park siting", [Problem(
                "siting.wood_cluster_location", f"{side!r} is not a side", f"use {', '.join(_SIDES)}", "bad_side")])
        line = _line(town, ref).union_all()
        near = np.array([nearest_points(line, pt)[0].coords[0] for pt in c.to_numpy()])
        if side in ("south_of", "north_of"):
            ok = c.y.to_numpy() < near[:, 1] if side == "south_of" else c.y.to_numpy() > near[:, 1]
        else:
            ok = c.x.to_numpy() > near[:, 0] if side == "east_of" else c.x.to_numpy() < near[:, 0]
        out[f"{side}:{ref}"] = ~ok
    return out


def suitability_vetoes(town: Town, params: Parameters) -> pd.DataFrame:
    """The best farmland grades and the barred land-use groups (every park)."""
    p = town.parcels
    grades = [float(g) for g in params["siting.veto_farmland_grades"]]
    best = p["is_farmland"].astype(bool) & p["farmland_grade"].astype(float).isin(grades)
    barred = p["landuse_group"].isin(list(params["siting.veto_landuse_groups"]))
    return pd.DataFrame({"best_farmland": best.to_numpy(), "landuse_group": barred.to_numpy()}, index=p.index)


def park_rules(town: Town, kind: str, params: Parameters) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Every rule veto of a park: (veto table parcel × rule, label of each rule, notes)."""
    frames = [suitability_vetoes(town, params)]
    g = sorted(int(x) for x in params["siting.veto_farmland_grades"])
    grades = f"{g[0]}–{g[-1]}" if g and g == list(range(g[0], g[-1] + 1)) else ",".join(map(str, g))
    labels = {"best_farmland": RULE_LABELS["best_farmland"].format(grades),
              "landuse_group": RULE_LABELS["landuse_group"]}
    notes: list[str] = []
    if kind == "chemical":
        rules, notes = chemical_rules(town, params)
        frames.append(rules)
        labels.update({k: RULE_LABELS[k] for k in rules.columns})
    else:
        sides = [(str(a), str(b)) for a, b in params["siting.wood_cluster_location"]]
        if sides:
            rules = side_rules(town, sides)
            frames.append(rules)
            labels.update({col: RULE_LABELS[col.split(":")[0]].format(col.split(":", 1)[1]) for col in rules})
            notes.append("wood cluster: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sides))
    return pd.concat(frames, axis=1), labels, notes


def criteria_weights(params: Parameters, factors: list[str]) -> dict[str, float]:
    r"""Factor weights from the five criteria's points (``siting.park_weights``) and their factors.

    :math:`w_f = \sum_{k \ni f} W_k / |F_k| \,/\, \sum_k W_k` over the criteria :math:`k` whose factor
    list :math:`F_k` (``siting.criteria_factors``) holds :math:`f`; factors of no criterion get 0.
    """
    points = {k: float(v) for k, v in params["siting.park_weights"].items()}
    groups = {k: list(v) for k, v in params["siting.criteria_factors"].items()}
    problems = [Problem("siting.criteria_factors", f"criterion {k!r} has no weight in siting.park_weights",
                        f"use {sorted(points)}", "criterion") for k in groups if k not in points]
    problems += [Problem("siting.criteria_factors", f"{k}: unknown factors {sorted(set(v) - set(factors))}",
                         f"use some of {factors}", "factor") for k, v in groups.items() if set(v) - set(factors)]
    problems += [Problem("siting.criteria_factors", f"criterion {k!r} has no factors", "give it one", "criterion")
                 for k in points if not groups.get(k)]
    if problems:
        raise ValidationError("parameters", problems)
    total = sum(points.values())
    w = dict.fromkeys(factors, 0.0)
    for k, fs in groups.items():
        for f in fs:
            w[f] += points[k] / len(fs) / total
    return w


def control_indicators(kind: str, area_mu: float, params: Parameters) -> dict[str, float]:
    """What the land must host or may give to offices under the industrial control indicators.

    Minimum floor area (容积率 ``siting.min_far``), minimum building footprint (建筑系数
    ``siting.min_building_coverage``), maximum office and service land (``siting.max_office_share``), and,
    where sourced, the investment and tax the land should bring (``siting.investment_intensity``,
    ``siting.tax_intensity``).
    """
    m2 = area_mu * M2_PER_MU
    out = {
        "最低建筑面积(万m²)": m2 * float(params["siting.min_far"][kind]) / 1e4,
        "最低建筑占地(亩)": area_mu * float(params["siting.min_building_coverage"]),
        "行政办公用地上限(亩)": area_mu * float(params["siting.max_office_share"]),
    }
    invest, tax = params["siting.investment_intensity"], params["siting.tax_intensity"]
    if kind in invest:
        out["预期投资(万元)"] = area_mu * float(invest[kind])
    if kind in tax:
        out["预期税收(万元/年)"] = area_mu * float(tax[kind])
    return out


__all__ = ["RULE_LABELS", "chemical_rules", "control_indicators", "criteria_weights", "default_area_mu",
           "park_rules", "seat_xy", "side_rules", "suitability_vetoes"]
