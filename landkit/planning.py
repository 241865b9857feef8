"""Planning layers as offices hold them: 用地用海分类 and GB 50137 codes, read as they are.

A 国土空间规划 land-use layer (or an older 控规 layer) says what each piece of land is planned for. Offices
write it in one of three code families, in fields whose names vary:

- **用地用海分类** (自然资发〔2023〕234号《国土空间调查、规划、用途管制用地用海分类指南》, and its 2020 trial
  version 自然资办发〔2020〕51号): two-digit first-level codes with four-digit second-level ones, e.g. ``0701``
  城镇住宅用地, ``08xx`` 公共管理与公共服务用地, ``0901`` 商业用地, ``1001`` 工业用地, ``1101`` 物流仓储用地,
  ``12xx`` 交通运输用地, ``14xx`` 绿地与开敞空间用地, ``16`` 留白用地 (six-digit third-level codes such as
  ``100101`` 一类工业用地 are read by their first four digits);
- **GB 50137-2011** 城市用地分类与规划建设用地标准: letters ``R, A, B, M, W, S, U, G`` (``R2``, ``M1`` ... by
  their first letter), and ``H``, ``E`` outside urban construction land;
- a name only (``城镇住宅用地``, ``工业用地`` ...), or landkit's own ``planned_use`` values.

Fields are detected (:data:`CODE_FIELDS`, :data:`NAME_FIELDS`): ``YDYHFLDM`` / ``YDYHFLMC``, ``GHYTDM`` /
``GHYTMC``, ``YDDM`` / ``YDMC``, ``YDXZ``, ``planned_use``. Every code is mapped to one of landkit's
planned uses (:data:`landkit.reserve.inputs.USES`: industrial, commercial, residential, public) or to
*not for sale* (``None``: roads, green space, 留白, water, special and non-construction land, rural
homesteads), by one table (:data:`CODE_TABLE`) that a user extends with ``extra_codes``. An unknown
code is an error naming it and the families known. Each parcel takes the use of the planning polygon
it overlaps most (:func:`planned_use_by_overlap`), and parcels split between uses are listed.

The table follows the codes as DOMAIN.md cites them [R: check against the published guide]; a code
that an office writes differently can be added with ``extra_codes={"0902": "commercial"}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landkit._errors import Problem, ValidationError
from landkit.town import Town

#: landkit's planned uses (as :data:`landkit.reserve.inputs.USES`); ``None`` means not for sale.
PLANNED_USES: tuple[str, ...] = ("industrial", "commercial", "residential", "public")

#: code → (name, planned use or None). Longer codes win over their prefixes (``0703`` over ``07``).
CODE_TABLE: dict[str, tuple[str, str | None]] = {
    # 用地用海分类, first level (自然资发〔2023〕234号; trial 2020)
    "01": ("耕地", None), "02": ("园地", None), "03": ("林地", None), "04": ("草地", None), "05": ("湿地", None),
    "06": ("农业设施建设用地", None),
    "07": ("居住用地", "residential"),
    "08": ("公共管理与公共服务用地", "public"),
    "09": ("商业服务业用地", "commercial"),
    "10": ("工矿用地", "industrial"),
    "11": ("仓储用地", "industrial"),
    "12": ("交通运输用地", None),
    "13": ("公用设施用地", "public"),
    "14": ("绿地与开敞空间用地", None),
    "15": ("特殊用地", None),
    "16": ("留白用地", None),
    "17": ("陆地水域", None),
    "18": ("渔业用海", None), "19": ("工矿通信用海", None), "20": ("交通运输用海", None), "21": ("游憩用海", None),
    "22": ("特殊用海", None), "23": ("其他土地", None), "24": ("其他海域", None),
    # second level where it differs from its first level
    "0701": ("城镇住宅用地", "residential"),
    "0702": ("城镇社区服务设施用地", "public"),
    "0703": ("农村宅基地", None),  # rural homesteads are not supplied by the town's land reserve
    "0704": ("农村社区服务设施用地", None),
    "0901": ("商业用地", "commercial"),
    "1001": ("工业用地", "industrial"),
    "1002": ("采矿用地", None),
    "1003": ("盐田", None),
    "1101": ("物流仓储用地", "industrial"),
    "1102": ("储备库用地", "industrial"),
    # GB 50137-2011 城市用地分类 (major classes)
    "R": ("居住用地", "residential"),
    "A": ("公共管理与公共服务设施用地", "public"),
    "B": ("商业服务业设施用地", "commercial"),
    "M": ("工业用地", "industrial"),
    "W": ("物流仓储用地", "industrial"),
    "S": ("道路与交通设施用地", None),
    "U": ("公用设施用地", "public"),
    "G": ("绿地与广场用地", None),
    "H": ("建设用地 (城乡)", None),
    "E": ("非建设用地", None),
}
#: Fields that hold a planning code, in the order they are looked for (case-insensitive).
CODE_FIELDS: tuple[str, ...] = ("YDYHFLDM", "YDYHDM", "GHYTDM", "GHDLDM", "YDDM", "YDXZDM", "YDXZ")
#: Fields that hold a planning name. (三调's DLBM / DLMC are survey classes, not planned uses: never read.)
NAME_FIELDS: tuple[str, ...] = ("YDYHFLMC", "YDYHMC", "GHYTMC", "GHDLMC", "YDMC", "YDXZMC")
#: A parcel whose second-largest use covers more than this share of it is listed as split.
SPLIT_SHARE = 0.05

_NAME_TABLE: dict[str, str | None] = {name: use for name, use in CODE_TABLE.values()}
_LETTERS = re.compile(r"^([A-Za-z])\d*[A-Za-z]?\d*$")


@dataclass(frozen=True)
class PlanningLayer:
    """A planning layer with its uses resolved.

    Attributes
    ----------
    frame : GeoDataFrame
        The layer with ``planned_use`` (one of :data:`PLANNED_USES`, or missing = not for sale),
        ``planning_code`` and ``planning_name`` added.
    code_field, name_field : str or None
        The fields the codes and names were read from.
    family : str
        ``"用地用海分类"``, ``"GB 50137-2011"``, ``"名称"`` or ``"landkit"``.
    """

    frame: Any
    code_field: str | None
    name_field: str | None
    family: str


def _field(columns: Iterable[str], wanted: Iterable[str]) -> str | None:
    by_upper = {str(c).upper(): str(c) for c in columns}
    for w in wanted:
        if w.upper() in by_upper:
            return by_upper[w.upper()]
    return None


def code_use(code: str, table: Mapping[str, tuple[str, str | None]] = CODE_TABLE) -> tuple[str, str | None] | None:
    """(name, planned use) of a planning code, by its longest known prefix; None when unknown."""
    text = str(code).strip().upper()
    if text in table:
        return table[text]
    letter = _LETTERS.match(text)
    if letter:
        return table.get(letter.group(1))
    digits = re.sub(r"\D", "", text)
    for n in (6, 4, 2):
        if len(digits) >= n and digits[:n] in table:
            return table[digits[:n]]
    return None


def resolve_planning(layer: Any, *, extra_codes: Mapping[str, str | None] | None = None,
                     source: str = "planning layer") -> PlanningLayer:
    """Read a planning layer as an office wrote it: detect its fields, map every code to a planned use.

    Parameters
    ----------
    layer : GeoDataFrame
        The planning polygons.
    extra_codes : mapping, optional
        More codes (or names) and the planned use each stands for (``None``: not for sale); they take
        precedence over :data:`CODE_TABLE`.
    source : str
        Named in error messages (a file and layer).

    Raises
    ------
    ValidationError
        No usable field, or codes (names) the table does not know: each is named, with the families known
        and how to add it.
    """
    table = dict(CODE_TABLE)
    names = dict(_NAME_TABLE)
    for key, use in (extra_codes or {}).items():
        if use is not None and use not in PLANNED_USES:
            raise ValidationError(source, [Problem(f"extra_codes[{key!r}]", f"is {use!r}",
                                                   f"one of {PLANNED_USES} or None (not for sale)", "value")])
        table[str(key).strip().upper()] = (str(key), use)
        names[str(key).strip()] = use
    out = layer.copy()
    given = out["planned_use"].dropna() if "planned_use" in out.columns else pd.Series(dtype=object)
    if len(given) and given.astype(str).isin(PLANNED_USES).all():
        out["planning_code"] = out["planned_use"].astype(str)
        out["planning_name"] = out["planned_use"].astype(str)
        return PlanningLayer(out, "planned_use", None, "landkit")
    code_field = _field(out.columns, CODE_FIELDS)
    name_field = _field(out.columns, NAME_FIELDS)
    if code_field is None and name_field is None:
        raise ValidationError(source, [Problem(
            source, f"no planning code or name field (looked for {', '.join(CODE_FIELDS + NAME_FIELDS)}, or "
            f"planned_use); fields present: {', '.join(map(str, out.columns))}",
            "name the field holding the 用地用海分类 code (e.g. YDYHFLDM) or its name (YDYHFLMC)", "missing_field")])
    uses, codes, labels = [], [], []
    unknown: dict[str, int] = {}
    for i, row in enumerate(out.itertuples(index=False)):
        code = getattr(row, code_field) if code_field else None
        name = getattr(row, name_field) if name_field else None
        found = code_use(code, table) if code is not None and str(code).strip() not in ("", "nan", "None") else None
        if found is None and name is not None and str(name).strip() in names:
            found = (str(name).strip(), names[str(name).strip()])
        if found is None:
            key = str(code if code is not None else name)
            unknown.setdefault(key, i)
            found = ("", None)
        codes.append(None if code is None else str(code))
        labels.append(found[0] if name is None else str(name))
        uses.append(found[1])
    if unknown:
        known = ("用地用海分类 01–24 (e.g. 0701 城镇住宅用地, 0901 商业用地, 1001 工业用地, 1101 物流仓储用地), "
                 "GB 50137-2011 R, A, B, M, W, S, U, G, H, E, or their Chinese names")
        raise ValidationError(source, [Problem(
            f"{source}: {code_field or name_field} = {key!r} (row {row})", "is not a planning code landkit knows",
            f"known: {known}; add it with extra_codes={{{key!r}: 'industrial' | 'commercial' | 'residential' | "
            "'public' | None}}", "unknown_code") for key, row in unknown.items()])
    out["planned_use"] = pd.array(uses, dtype="string")
    out["planning_code"] = codes
    out["planning_name"] = labels
    first = next((c for c in codes if c is not None), "")
    family = "GB 50137-2011" if _LETTERS.match(str(first).strip().upper() or "0") else (
        "用地用海分类" if code_field else "名称")
    return PlanningLayer(out, code_field, name_field, family)


def town_planning(town: Town, *, layer: str = "GHYT") -> gpd.GeoDataFrame | None:
    """The town's planning layer with ``planned_use`` resolved (:func:`resolve_planning`), or None."""
    frame = town.layers.get(layer)
    if frame is None or len(frame) == 0:
        return None
    return resolve_planning(frame, source=f"layer {layer}").frame


def planned_use_by_overlap(parcels: Any, planning: Any) -> tuple[pd.Series, pd.DataFrame, pd.Index]:
    """Each parcel's planned use: the use of the planning polygons it overlaps most, by area.

    Parameters
    ----------
    parcels : GeoDataFrame
    planning : GeoDataFrame
        With ``planned_use`` (:func:`resolve_planning`); missing values are land not for sale.

    Returns
    -------
    use : Series of string
        By parcel; missing where the parcel's largest overlap is not for sale or it overlaps no polygon
        (a shared edge is no overlap).
    split : DataFrame
        Parcels whose second-largest use covers more than :data:`SPLIT_SHARE` of them: ``parcel``,
        ``planned_use``, ``share``, ``second_use``, ``second_share``.
    not_for_sale : Index
        The parcels whose largest overlap is land not for sale.
    """
    use = pd.Series(pd.NA, index=parcels.index, dtype="string")
    empty = pd.DataFrame(columns=["parcel", "planned_use", "share", "second_use", "second_share"])
    if planning is None or len(planning) == 0:
        return use, empty, parcels.index[:0]
    plan = planning[["planned_use", "geometry"]].copy()
    plan["planned_use"] = plan["planned_use"].astype("string").fillna("__not_for_sale__")
    left = gpd.GeoDataFrame({"parcel": parcels.index}, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    pieces = gpd.overlay(left, plan.to_crs(parcels.crs), how="intersection", keep_geom_type=True)
    if pieces.empty:
        return use, empty, parcels.index[:0]
    pieces["area"] = pieces.geometry.area
    pieces = pieces[pieces["area"] > 0]
    by = pieces.groupby(["parcel", "planned_use"], sort=False)["area"].sum().reset_index()
    total = parcels.geometry.area.reindex(by["parcel"]).to_numpy()
    by["share"] = by["area"].to_numpy() / np.maximum(total, 1e-9)
    by = by.sort_values(["parcel", "share"], ascending=[True, False])
    best = by.drop_duplicates("parcel", keep="first").set_index("parcel")
    chosen = best["planned_use"].where(best["planned_use"] != "__not_for_sale__")
    use.loc[chosen.index] = chosen.astype("string")
    not_for_sale = pd.Index(best.index[(best["planned_use"] == "__not_for_sale__").to_numpy()])
    second = by[by.duplicated("parcel", keep="first")].drop_duplicates("parcel", keep="first").set_index("parcel")
    second = second[second["share"] > SPLIT_SHARE]
    split = pd.DataFrame({
        "parcel": second.index,
        "planned_use": best.loc[second.index, "planned_use"].replace("__not_for_sale__", "不出让").to_numpy(),
        "share": best.loc[second.index, "share"].round(3).to_numpy(),
        "second_use": second["planned_use"].replace("__not_for_sale__", "不出让").to_numpy(),
        "second_share": second["share"].round(3).to_numpy(),
    })
    return use, split, not_for_sale


__all__ = ["CODE_FIELDS", "CODE_TABLE", "NAME_FIELDS", "PLANNED_USES", "SPLIT_SHARE", "PlanningLayer", "code_use",
           "planned_use_by_overlap", "resolve_planning", "town_planning"]
