"""The one region table (GB/T 2260) behind ID numbers, credit codes, addresses and county columns.

Anhui only: the province, its 16 prefecture cities and their current county-level divisions, plus
older codes (``legacy=True``) that survive inside the ID numbers of people registered before a
reorganisation. A legacy county names its ``successor``, the current county that took it over, so
an old code can stand in for a person's current county.

>>> full_name("340207")
'安徽省芜湖市鸠江区'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

PROVINCE = "province"
CITY = "city"
COUNTY = "county"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # "province" | "city" | "county"
    parent: str | None
    legacy: bool = False
    successor: str | None = None  # for a legacy county: the current county that replaced it


# (code, name) of every current city and county; parents follow from the code.
_CURRENT = """
340100 合肥市 340102 瑶海区 340103 庐阳区 340104 蜀山区 340111 包河区 340121 长丰县 340122 肥东县
340123 肥西县 340124 庐江县 340181 巢湖市
340200 芜湖市 340202 镜湖区 340207 鸠江区 340209 弋江区 340210 湾沚区 340212 繁昌区 340223 南陵县
340281 无为市
340300 蚌埠市 340302 龙子湖区 340303 蚌山区 340304 禹会区 340311 淮上区 340321 怀远县 340322 五河县
340323 固镇县
340400 淮南市 340402 大通区 340403 田家庵区 340404 谢家集区 340405 八公山区 340406 潘集区
340421 凤台县 340422 寿县
340500 马鞍山市 340503 花山区 340504 雨山区 340506 博望区 340521 当涂县 340522 含山县 340523 和县
340600 淮北市 340602 杜集区 340603 相山区 340604 烈山区 340621 濉溪县
340700 铜陵市 340705 铜官区 340706 义安区 340711 郊区 340722 枞阳县
340800 安庆市 340802 迎江区 340803 大观区 340811 宜秀区 340822 怀宁县 340825 太湖县 340826 宿松县
340827 望江县 340828 岳西县 340881 桐城市 340882 潜山市
341000 黄山市 341002 屯溪区 341003 黄山区 341004 徽州区 341021 歙县 341022 休宁县 341023 黟县
341024 祁门县
341100 滁州市 341102 琅琊区 341103 南谯区 341122 来安县 341124 全椒县 341125 定远县 341126 凤阳县
341181 天长市 341182 明光市
341200 阜阳市 341202 颍州区 341203 颍东区 341204 颍泉区 341221 临泉县 341222 太和县 341225 阜南县
341226 颍上县 341282 界首市
341300 宿州市 341302 埇桥区 341321 砀山县 341322 萧县 341323 灵璧县 341324 泗县
341500 六安市 341502 金安区 341503 裕安区 341504 叶集区 341522 霍邱县 341523 舒城县 341524 金寨县
341525 霍山县
341600 亳州市 341602 谯城区 341621 涡阳县 341622 蒙城县 341623 利辛县
341700 池州市 341702 贵池区 341721 东至县 341722 石台县 341723 青阳县
341800 宣城市 341802 宣州区 341821 郎溪县 341823 泾县 341824 绩溪县 341825 旌德县 341881 宁国市
341882 广德市
"""

# (code, name, successor) of abolished divisions; the former prefecture 巢湖市 has no successor.
_LEGACY = """
340203 弋江区 340209   340208 三山区 340209   340221 芜湖县 340210   340222 繁昌县 340212
340225 无为县 340281   340502 金家庄区 340503  340702 铜官山区 340705  340703 狮子山区 340705
340721 铜陵县 340706   340823 枞阳县 340722   340824 潜山县 340882   341521 寿县 340422
341822 广德县 341882   341400 巢湖市 -        341402 居巢区 340181   341421 庐江县 340124
341422 无为县 340281   341423 含山县 340522   341424 和县 340523
"""


def _parent_and_level(code: str) -> tuple[str | None, str]:
    if code.endswith("0000"):
        return None, PROVINCE
    if code.endswith("00"):
        return code[:2] + "0000", CITY
    return code[:4] + "00", COUNTY


def _build() -> tuple[Region, ...]:
    rows = [Region("340000", "安徽省", PROVINCE, None)]
    words = _CURRENT.split()
    for code, name in zip(words[::2], words[1::2]):
        parent, level = _parent_and_level(code)
        rows.append(Region(code, name, level, parent))
    words = _LEGACY.split()
    for code, name, successor in zip(words[::3], words[1::3], words[2::3]):
        parent, level = _parent_and_level(code)
        rows.append(Region(code, name, level, parent, legacy=True,
                           successor=None if successor == "-" else successor))
    return tuple(sorted(rows, key=lambda r: r.code))


def _by_successor(regions: tuple[Region, ...]) -> dict[str, tuple[Region, ...]]:
    table: dict[str, list[Region]] = {}
    for r in regions:
        if r.successor is not None:
            table.setdefault(r.successor, []).append(r)
    return {code: tuple(found) for code, found in table.items()}


REGIONS: tuple[Region, ...] = _build()
_BY_CODE = {r.code: r for r in REGIONS}
_PREDECESSORS = _by_successor(REGIONS)     # legacy counties by the county that replaced them


def region(code: str) -> Region:
    """The region with this 6-digit code; ``KeyError`` if the table does not know it."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown division code {code!r}") from None


def cities(*, include_legacy: bool = False) -> list[Region]:
    """Prefecture-level cities, ordered by code."""
    return [r for r in REGIONS if r.level == CITY and (include_legacy or not r.legacy)]


@cache
def _counties(city: str | None, include_legacy: bool) -> tuple[Region, ...]:
    if city is not None and region(city).level != CITY:
        raise ValueError(f"{city!r} is not a city code")
    return tuple(r for r in REGIONS if r.level == COUNTY and (include_legacy or not r.legacy)
                 and (city is None or r.parent == city))


def counties(*, city: str | None = None, include_legacy: bool = False) -> list[Region]:
    """County-level divisions (of one city, given by its code), ordered by code."""
    return list(_counties(city, include_legacy))


def city_of(code: str) -> Region:
    """The prefecture city a county belongs to (a city is its own city)."""
    r = region(code)
    if r.level == PROVINCE:
        raise ValueError(f"{code!r} is a province, not inside a city")
    return r if r.level == CITY else region(r.parent)


def province_of(code: str) -> Region:
    r = region(code)
    while r.parent is not None:
        r = region(r.parent)
    return r


def full_name(code: str) -> str:
    """Province, city and county names joined as in an address, e.g. '安徽省芜湖市鸠江区'."""
    names = []
    r: Region | None = region(code)
    while r is not None:
        names.append(r.name)
        r = region(r.parent) if r.parent else None
    return "".join(reversed(names))


def short_name(code: str) -> str:
    """A city's name as it opens a company name: '芜湖市' -> '芜湖', '马鞍山市' -> '马鞍山'."""
    return region(code).name.removesuffix("市")


def predecessors(code: str) -> list[Region]:
    """Legacy counties that the current county ``code`` replaced, ordered by code."""
    return list(_PREDECESSORS.get(code, ()))
