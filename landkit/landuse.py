"""三调 land-use codes (地类编码 DLBM), their names, groups and policy classes.

The table follows the 第三次全国国土调查 工作分类 (based on GB/T 21010-2017). Codes ending in ``K``
are adjustable land (可调整地类) that is still counted toward farmland protection; codes ending in
``A`` are sub-kinds of the base code. Construction land is recognised by the pattern given in
DOMAIN.md: ``^(05|06|07|08|09|100[1-5]|100[7-9]|1109|1201)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: DLBM -> DLMC, as written in 三调 data.
DLBM_NAMES: dict[str, str] = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地",
    "0201": "果园", "0202": "茶园", "0203": "橡胶园", "0204": "其他园地",
    "0201K": "可调整果园", "0202K": "可调整茶园", "0203K": "可调整橡胶园", "0204K": "可调整其他园地",
    "0301": "乔木林地", "0302": "竹林地", "0303": "红树林地", "0304": "森林沼泽", "0305": "灌木林地",
    "0306": "灌丛沼泽", "0307": "其他林地",
    "0301K": "可调整乔木林地", "0302K": "可调整竹林地", "0307K": "可调整其他林地",
    "0401": "天然牧草地", "0402": "沼泽草地", "0403": "人工牧草地", "0404": "其他草地",
    "0403K": "可调整人工牧草地",
    "05H1": "商业服务业设施用地", "0508": "物流仓储用地",
    "0601": "工业用地", "0602": "采矿用地", "0603": "盐田",
    "0701": "城镇住宅用地", "0702": "农村宅基地",
    "08H1": "机关团体新闻出版用地", "08H2": "科教文卫用地", "08H2A": "高教用地",
    "0809": "公用设施用地", "0810": "公园与绿地", "0810A": "广场用地",
    "09": "特殊用地",
    "1001": "铁路用地", "1002": "轨道交通用地", "1003": "公路用地", "1004": "城镇村道路用地",
    "1005": "交通服务场站用地", "1006": "农村道路", "1007": "机场用地", "1008": "港口码头用地",
    "1009": "管道运输用地",
    "1101": "河流水面", "1102": "湖泊水面", "1103": "水库水面", "1104": "坑塘水面", "1104A": "养殖坑塘",
    "1104K": "可调整养殖坑塘", "1105": "沿海滩涂", "1106": "内陆滩涂", "1107": "沟渠", "1107A": "干渠",
    "1108": "沼泽地", "1109": "水工建筑用地", "1110": "冰川及永久积雪",
    "1201": "空闲地", "1202": "设施农用地", "1203": "田坎", "1204": "盐碱地", "1205": "沙地",
    "1206": "裸土地", "1207": "裸岩石砾地",
}

#: Land-use groups used by the models, with their Chinese label (for legends and reports).
GROUP_LABELS: dict[str, str] = {
    "paddy": "水田",
    "farmland": "耕地(水浇地/旱地)",
    "garden": "园地",
    "forest": "林地",
    "grassland": "草地",
    "wetland": "湿地",
    "commercial": "商服用地",
    "industrial": "工业用地",
    "mining": "采矿用地",
    "urban_residential": "城镇住宅用地",
    "homestead": "农村宅基地",
    "public": "公共管理与公共服务用地",
    "special": "特殊用地",
    "transport": "交通运输用地",
    "water": "水域及水利设施用地",
    "other": "其他土地",
}

#: 生态用地: the groups counted as ecological land in a scenario's figures (林地, 草地, 湿地, 水域).
ECOLOGICAL_GROUPS: tuple[str, ...] = ("forest", "grassland", "wetland", "water")
#: Habitat of an ecological reserve: ecological land and 园地 (the default features of a selection).
HABITAT_GROUPS: tuple[str, ...] = ("forest", "water", "wetland", "grassland", "garden")

WETLAND_CODES = frozenset({"0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"})
CONSTRUCTION_PATTERN = re.compile(r"^(05|06|07|08|09|100[1-5]|100[7-9]|1109|1201)")
FARMLAND_CODES = frozenset({"0101", "0102", "0103"})
#: 农用地 in the 三大类 (农用地 / 建设用地 / 未利用地) mapping of the 三调 classes, base codes. Converting
#: any of it to construction needs a 新增建设用地 (农用地转用) quota; only 耕地 needs 占补平衡.
AGRICULTURAL_PATTERN = re.compile(r"^(01|02|03|040[1-3]|1006|1104|1107|1202|1203)")
PADDY_CODE = "0101"


def base_code(dlbm: str) -> str:
    """Strip the ``K``/``A`` suffix: ``"0201K"`` -> ``"0201"``, ``"1104A"`` -> ``"1104"``."""
    return dlbm[:-1] if dlbm[-1:] in ("K", "A") else dlbm


def is_known(dlbm: str) -> bool:
    """True when ``dlbm`` is a 三调 code."""
    return dlbm in DLBM_NAMES


def group_of(dlbm: str) -> str:
    """The land-use group of one code (see :data:`GROUP_LABELS`)."""
    code = base_code(dlbm)
    if code in WETLAND_CODES:
        return "wetland"
    if code == PADDY_CODE:
        return "paddy"
    head = code[:2]
    by_head = {
        "01": "farmland", "02": "garden", "03": "forest", "04": "grassland", "05": "commercial",
        "07": "urban_residential", "08": "public", "09": "special", "10": "transport", "11": "water",
        "12": "other",
    }
    if code == "0601":
        return "industrial"
    if code == "0602":
        return "mining"
    if code == "0702":
        return "homestead"
    return by_head.get(head, "other")


def classify(dlbm: pd.Series) -> pd.DataFrame:
    """Vectorised classification of a DLBM column.

    Returns a frame with ``landuse_group``, ``is_farmland`` (0101–0103), ``is_paddy`` (0101),
    ``is_adjustable`` (K codes, counted toward farmland protection), ``is_construction`` (the
    DOMAIN.md pattern), ``is_agricultural`` (农用地, needs a 农用地转用 quota when converted) and
    ``DLMC_expected``.
    """
    codes = dlbm.astype("string").fillna("")
    uniq = pd.unique(codes)
    groups = {c: (group_of(c) if c else "other") for c in uniq}
    return pd.DataFrame(
        {
            "landuse_group": codes.map(groups).astype("string"),
            "is_farmland": codes.isin(FARMLAND_CODES).to_numpy(dtype=bool),
            "is_paddy": (codes == PADDY_CODE).to_numpy(dtype=bool),
            "is_adjustable": codes.str.endswith("K").fillna(False).to_numpy(dtype=bool),
            "is_construction": np.array([bool(CONSTRUCTION_PATTERN.match(c)) for c in codes], dtype=bool),
            "is_agricultural": np.array([bool(AGRICULTURAL_PATTERN.match(c)) for c in codes], dtype=bool),
            "DLMC_expected": codes.map(DLBM_NAMES).astype("string"),
        },
        index=dlbm.index,
    )


def ownership_of(qsxz: pd.Series) -> pd.Series:
    """权属性质 -> ``"state"`` (10, 20), ``"collective"`` (30–34, 40) or ``<NA>`` (unknown)."""
    codes = qsxz.astype("string").str.strip()
    out = pd.Series(pd.NA, index=qsxz.index, dtype="string")
    out[codes.isin(["10", "20"])] = "state"
    out[codes.isin(["30", "31", "32", "33", "34", "40"])] = "collective"
    return out
