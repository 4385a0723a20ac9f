"""The region table: the contract's Anhui codes, a consistent hierarchy, legacy codes kept apart."""

import pytest

from synthetic import regions
from synthetic.regions import REGIONS, city_of, counties, full_name, province_of, region

WUHU = {"340202": "镜湖区", "340207": "鸠江区", "340209": "弋江区", "340210": "湾沚区",
        "340212": "繁昌区", "340223": "南陵县", "340281": "无为市"}
HEFEI = {"340102": "瑶海区", "340103": "庐阳区", "340104": "蜀山区", "340111": "包河区",
         "340121": "长丰县", "340122": "肥东县", "340123": "肥西县", "340124": "庐江县",
         "340181": "巢湖市"}
CITIES = ["340100", "340200", "340300", "340400", "340500", "340600", "340700", "340800",
          "341000", "341100", "341200", "341300", "341500", "341600", "341700", "341800"]


def test_wuhu_and_hefei_are_exact():
    assert {r.code: r.name for r in counties(city="340200")} == WUHU
    assert {r.code: r.name for r in counties(city="340100")} == HEFEI


def test_every_current_city_is_present_and_has_counties():
    assert [r.code for r in regions.cities()] == CITIES
    for code in CITIES:
        assert len(counties(city=code)) >= 4, code


def test_hierarchy_is_consistent():
    by_code = {r.code: r for r in REGIONS}
    assert len(by_code) == len(REGIONS)
    for r in REGIONS:
        if r.level == "county":
            assert by_code[r.parent].level == "city"
            assert r.code[:4] == r.parent[:4]
        elif r.level == "city":
            assert by_code[r.parent].level == "province"
        else:
            assert r.parent is None
    current = [r for r in REGIONS if not r.legacy]
    pairs = [(r.parent, r.name) for r in current]
    assert len(pairs) == len(set(pairs)), "names repeat under one parent"


def test_legacy_codes_are_flagged_and_point_to_current_counties():
    for code in ("340221", "340222", "340208"):
        assert region(code).legacy
        assert code not in {r.code for r in counties()}
        assert code in {r.code for r in counties(include_legacy=True)}
    assert region("340221").successor == "340210"  # 芜湖县 -> 湾沚区
    for r in REGIONS:
        if r.legacy and r.level == "county":
            assert not region(r.successor).legacy and region(r.successor).level == "county"


def test_counties_are_ordered_and_filtered():
    codes = [r.code for r in counties(include_legacy=True)]
    assert codes == sorted(codes)
    assert all(r.level == "county" and not r.legacy for r in counties())


def test_lookups():
    assert full_name("340207") == "安徽省芜湖市鸠江区"
    assert full_name("340200") == "安徽省芜湖市"
    assert city_of("340207").code == "340200"
    assert city_of("340200").code == "340200"
    assert province_of("340207").code == "340000"
    assert regions.short_name("340500") == "马鞍山"
    with pytest.raises(KeyError):
        region("999999")
    with pytest.raises(ValueError):
        counties(city="340207")
