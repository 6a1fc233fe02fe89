"""Haidian District (110108) and its 29 streets and towns, as shipped with the project (R1).

Source: NBS statistical division codes 2023 (DOMAIN.md "Administrative areas"); 009 is unused.
The 12-digit code is the 9-digit street code + "000"; communities and villages take the codes below
their street (110108001001 …) and are created by import or by the synthetic generator.
"""

DISTRICT_CODE = "110108000000"
DISTRICT_NAME = "海淀区"

# (3-digit suffix, name, kind): kind "street" = 街道, "town" = 镇/地区 (towns are street-level).
STREETS = (
    ("001", "万寿路街道", "street"),
    ("002", "永定路街道", "street"),
    ("003", "羊坊店街道", "street"),
    ("004", "甘家口街道", "street"),
    ("005", "八里庄街道", "street"),
    ("006", "紫竹院街道", "street"),
    ("007", "北下关街道", "street"),
    ("008", "北太平庄街道", "street"),
    ("010", "学院路街道", "street"),
    ("011", "中关村街道", "street"),
    ("012", "海淀街道", "street"),
    ("013", "青龙桥街道", "street"),
    ("014", "清华园街道", "street"),
    ("015", "燕园街道", "street"),
    ("016", "香山街道", "street"),
    ("017", "清河街道", "street"),
    ("018", "花园路街道", "street"),
    ("019", "西三旗街道", "street"),
    ("020", "马连洼街道", "street"),
    ("021", "田村路街道", "street"),
    ("022", "上地街道", "street"),
    ("025", "曙光街道", "street"),
    ("023", "万柳地区", "town"),
    ("024", "东升地区", "town"),
    ("026", "温泉镇", "town"),
    ("027", "四季青镇", "town"),
    ("028", "西北旺镇", "town"),
    ("029", "苏家坨镇", "town"),
    ("030", "上庄镇", "town"),
)


def street_code(suffix: str) -> str:
    return f"110108{suffix}000"


def short_name(name: str) -> str:
    """The name without its 街道/地区/镇 suffix, as spreadsheets often write it (万寿路街道 → 万寿路)."""
    for suffix in ("街道", "地区", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
