"""kb/regions.py: the region hierarchy, chains, which standards' regions apply, filter scopes."""

from __future__ import annotations

import pytest

from kb.errors import InvalidInput
from kb.regions import CITY
from kb.regions import DISTRICT_TOWNS
from kb.regions import Place
from kb.regions import applies_at
from kb.regions import canonical_region
from kb.regions import level_of
from kb.regions import local_place_in
from kb.regions import normalise_region
from kb.regions import parent
from kb.regions import place_named_in
from kb.regions import region_chain
from kb.regions import region_scope
from kb.regions import suggest_regions
from kb.standards import comparables
from kb.vocab import Level

TOWN = Place("朱家角镇", Level.TOWN)
DISTRICT = Place("青浦区", Level.DISTRICT)
SHANGHAI = Place("上海市", Level.CITY)
NATIONAL = Place("全国", Level.CENTRAL)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("朱家角镇", (TOWN, DISTRICT, SHANGHAI, NATIONAL)),
        ("青浦区朱家角镇", (TOWN, DISTRICT, SHANGHAI, NATIONAL)),
        ("上海市 青浦区", (DISTRICT, SHANGHAI, NATIONAL)),
        ("青浦", (DISTRICT, SHANGHAI, NATIONAL)),
        ("上海市", (SHANGHAI, NATIONAL)),
        ("宁波市", (Place("宁波市", Level.CITY), Place("浙江省", Level.PROVINCE), NATIONAL)),
        ("新疆", (Place("新疆维吾尔自治区", Level.PROVINCE), NATIONAL)),
        ("某某镇", (Place("某某镇", Level.TOWN), NATIONAL)),
        ("全国", (NATIONAL,)),
    ],
)
def test_region_chain_runs_from_the_place_up_to_the_whole_country(region, expected):
    assert region_chain(region) == expected


@pytest.mark.parametrize(
    ("region", "level", "expected"),
    [
        ("朱家角镇", Level.TOWN, TOWN),
        ("青浦区", Level.DISTRICT, DISTRICT),
        ("上海市青浦区", Level.DISTRICT, DISTRICT),
        ("上海市", Level.CITY, SHANGHAI),
        # central travel rates for trips to Shanghai apply there, those for Beijing do not
        ("上海市", Level.CENTRAL, SHANGHAI),
        ("北京市", Level.CENTRAL, None),
        ("全国（中央和国家机关）", Level.CENTRAL, NATIONAL),
        ("全国（各出差地）", Level.CENTRAL, NATIONAL),
        ("除西藏、青海、新疆外各地", Level.CENTRAL, NATIONAL),
        ("西藏、青海、新疆", Level.CENTRAL, None),
        # the general rule: central and provincial standards of no known place apply everywhere
        ("省直机关", Level.PROVINCE, NATIONAL),
        ("某某镇", Level.TOWN, None),
        ("普陀区", Level.DISTRICT, None),
        ("练塘镇", Level.TOWN, None),
        ("江苏省", Level.PROVINCE, None),
    ],
)
def test_which_standard_regions_apply_to_a_town_in_qingpu(region, level, expected):
    assert applies_at(region, level, region_chain("朱家角镇")) == expected


def test_a_nationwide_region_excludes_the_regions_it_names_and_a_list_names_its_regions():
    tibet = region_chain("西藏自治区")

    assert applies_at("除西藏、青海、新疆外各地", Level.CENTRAL, tibet) is None
    assert applies_at("西藏、青海、新疆", Level.CENTRAL, tibet) == tibet[0]


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("朱家角镇", Level.TOWN),
        ("真如镇街道", Level.TOWN),
        ("浦东新区", Level.DISTRICT),
        ("上海市", Level.CITY),
        ("深圳市", Level.CITY),
        ("江苏省", Level.PROVINCE),
        ("某某镇", None),
    ],
)
def test_level_of_a_known_place(region, expected):
    assert level_of(region) == expected


def test_parents_and_names():
    assert (parent("桃浦镇"), parent("普陀区"), parent("深圳市"), parent("上海市")) == (
        "普陀区",
        CITY,
        "广东省",
        None,
    )
    assert [normalise_region(r) for r in ("上海", "浦东", " 普陀区 ", "上海市普陀区桃浦镇")] == [
        "上海市",
        "浦东新区",
        "普陀区",
        "桃浦镇",
    ]


def test_the_hierarchy_holds_every_district_and_each_town_in_one_district():
    towns = [town for towns in DISTRICT_TOWNS.values() for town in towns]

    assert len(DISTRICT_TOWNS) == 16
    assert len(towns) == len(set(towns))
    assert {"朱家角镇", "练塘镇", "金泽镇", "赵巷镇", "夏阳街道"} <= set(DISTRICT_TOWNS["青浦区"])
    assert {"长寿路街道", "曹杨新村街道", "万里街道", "桃浦镇"} <= set(DISTRICT_TOWNS["普陀区"])


def test_region_scope_selects_a_district_with_its_towns_and_the_city_with_everything():
    assert region_scope("青浦区") == frozenset(("青浦区", *DISTRICT_TOWNS["青浦区"]))
    assert region_scope("朱家角镇") == {"朱家角镇"}
    city = region_scope("上海市")
    assert {"上海市", "浦东新区", "青浦区", "朱家角镇", "华泾镇"} <= city
    assert "北京市" not in city


def test_choosing_what_to_compare_uses_the_same_scope():
    assert comparables.region_scope is region_scope


# -- the canonical name a region is stored under ----------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("青浦", "青浦区"),
        ("上海市青浦区", "青浦区"),
        ("青浦区", "青浦区"),
        (" 青 浦 区 ", "青浦区"),
        ("青\u200b浦区", "青浦区"),
        ("上海市青浦区朱家角镇", "朱家角镇"),
        ("朱家角", "朱家角镇"),
        ("浦东", "浦东新区"),
        ("夏阳", "夏阳街道"),
        ("北京", "北京市"),
        ("西藏", "西藏自治区"),
        ("上海", "上海市"),
        ("全国（中央和国家机关）", "全国（中央和国家机关）"),
        ("西藏、青海、新疆", "西藏、青海、新疆"),
        ("除西藏、青海、新疆外各地", "除西藏、青海、新疆外各地"),
    ],
)
def test_regions_resolve_to_their_canonical_name(typed, canonical):
    assert canonical_region(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("青浦县", ["青浦区"]),
        ("朱家角乡", ["朱家角镇"]),
        ("虹桥", ["虹桥镇", "虹桥街道"]),
        ("上海市青浦区朱家角", None),  # resolved, see below
        ("上海市青埔区", ["青浦区"]),
    ],
)
def test_a_place_name_no_place_has_is_refused_with_suggestions(typed, suggested):
    if suggested is None:
        assert canonical_region(typed) == "朱家角镇"
        return
    with pytest.raises(InvalidInput) as refused:
        canonical_region(typed)
    assert sorted(refused.value.details["suggestions"][: len(suggested)]) == sorted(suggested)
    assert suggested[0] in refused.value.message


@pytest.mark.parametrize("typed", ["\u200b", "青浦\u202e区"])
def test_invisible_regions_are_refused(typed):
    with pytest.raises(InvalidInput):
        canonical_region(typed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("赴京差旅住宿费", "北京市"),
        ("来沪参加培训", "上海市"),
        ("深圳出差住宿", "深圳市"),
        ("新疆伙食补助", "新疆维吾尔自治区"),
        ("差旅住宿费", None),
        ("朱家角镇会议费", None),  # a 街镇 is no destination
        ("江苏路街道道路保洁", None),  # nor a place's name outside a trip
        ("北京西路绿化养护", None),
    ],
)
def test_the_destination_a_text_names(text, expected):
    assert place_named_in(text) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("朱家角", ["朱家角镇"]), ("练塘", ["练塘镇"]), ("青浦", ["青浦区"]), ("火星", [])],
)
def test_places_close_to_what_was_typed_are_suggested(typed, expected):
    assert suggest_regions(typed) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("编制单位：朱家角镇人民政府", "朱家角镇"),
        ("上海市青浦区2025年度预算", "青浦区"),
        ("地区：上海市", "上海市"),
        ("2025年度项目预算表", None),
    ],
)
def test_the_most_specific_place_of_shanghai_a_title_names(text, expected):
    assert local_place_in(text) == expected
