"""地区: the region hierarchy as data, and which standards' regions apply to a place.

上海市 → its 16 districts → their 街镇 (towns and streets), and the provincial-level divisions
with the sub-provincial cities that national travel tables list apart. A place's *chain* runs
from the place itself up to the whole country: 朱家角镇 → 青浦区 → 上海市 → 全国.

A standard applies to a place when its region is one of the chain's places, or it covers the
whole country (全国…, …各地, less any region named in 除…外), or it lists several regions
(西藏、青海、新疆) one of which is in the chain. As a general rule, a central or provincial
standard whose region is not a place known here (中央和国家机关, 省直机关 …) applies everywhere.
A standard whose region *is* a known place applies there only, whatever its level: the central
差旅住宿费 rates for 北京市 are for trips to Beijing, not for a budget in 青浦区.

The lists of 街镇 follow the administrative divisions as published by the districts; they are
data, not a claim of completeness, and an unknown place still gets a chain (itself, then 全国).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from kb.errors import InvalidInput
from kb.text import visible_text
from kb.vocab import Level

CITY = "上海市"
#: The chain's last place: standards for the whole country apply here.
NATIONAL = "全国"

#: District → its 街镇, as data (there is no region table).
DISTRICT_TOWNS: dict[str, tuple[str, ...]] = {
    district: tuple(towns.split())
    for district, towns in {
        "黄浦区": "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 老西门街道 五里桥街道 打浦桥街道 淮海中路街道 瑞金二路街道",
        "徐汇区": "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 田林街道 虹梅路街道 康健新村街道 徐家汇街道 凌云路街道 龙华街道 漕河泾街道 华泾镇",
        "长宁区": "华阳路街道 江苏路街道 新华路街道 周家桥街道 天山路街道 仙霞新村街道 虹桥街道 程家桥街道 北新泾街道 新泾镇",
        "静安区": "江宁路街道 石门二路街道 南京西路街道 静安寺街道 曹家渡街道 天目西路街道 北站街道 宝山路街道 共和新路街道 大宁路街道 彭浦新村街道 临汾路街道 芷江西路街道 彭浦镇",
        "普陀区": "长寿路街道 曹杨新村街道 长风新村街道 宜川路街道 甘泉路街道 石泉路街道 真如镇街道 万里街道 长征镇 桃浦镇",
        "虹口区": "欧阳路街道 曲阳路街道 广中路街道 嘉兴路街道 凉城新村街道 四川北路街道 北外滩街道 江湾镇街道",
        "杨浦区": "定海路街道 平凉路街道 江浦路街道 四平路街道 控江路街道 长白新村街道 延吉新村街道 殷行街道 大桥街道 五角场街道 新江湾城街道 长海路街道",
        "闵行区": "江川路街道 古美街道 新虹街道 浦锦街道 莘庄镇 七宝镇 颛桥镇 华漕镇 虹桥镇 梅陇镇 吴泾镇 马桥镇 浦江镇",
        "宝山区": "友谊路街道 吴淞街道 张庙街道 罗店镇 大场镇 杨行镇 月浦镇 罗泾镇 顾村镇 高境镇 庙行镇 淞南镇",
        "嘉定区": "新成路街道 真新街道 嘉定镇街道 南翔镇 安亭镇 马陆镇 徐行镇 华亭镇 外冈镇 江桥镇",
        "浦东新区": "潍坊新村街道 陆家嘴街道 周家渡街道 塘桥街道 上钢新村街道 南码头路街道 沪东新村街道 金杨新村街道 洋泾街道 浦兴路街道 东明路街道 花木街道 川沙新镇 高桥镇 北蔡镇 合庆镇 唐镇 曹路镇 金桥镇 高行镇 高东镇 张江镇 三林镇 惠南镇 周浦镇 新场镇 大团镇 康桥镇 航头镇 祝桥镇 泥城镇 宣桥镇 书院镇 万祥镇 老港镇 南汇新城镇",
        "金山区": "石化街道 朱泾镇 枫泾镇 张堰镇 亭林镇 吕巷镇 廊下镇 金山卫镇 漕泾镇 山阳镇",
        "松江区": "岳阳街道 永丰街道 方松街道 中山街道 广富林街道 九里亭街道 泗泾镇 佘山镇 车墩镇 新桥镇 洞泾镇 九亭镇 泖港镇 石湖荡镇 新浜镇 叶榭镇 小昆山镇",
        "青浦区": "夏阳街道 盈浦街道 香花桥街道 朱家角镇 练塘镇 金泽镇 赵巷镇 徐泾镇 华新镇 重固镇 白鹤镇",
        "奉贤区": "西渡街道 奉浦街道 金海街道 南桥镇 奉城镇 庄行镇 金汇镇 四团镇 青村镇 柘林镇 海湾镇",
        "崇明区": "城桥镇 堡镇 新河镇 庙镇 竖新镇 向化镇 三星镇 港沿镇 中兴镇 陈家镇 绿华镇 港西镇 建设镇 新海镇 东平镇 长兴镇 新村乡 横沙乡",
    }.items()
}

#: Provincial-level divisions; the four municipalities are cities and provinces at once.
PROVINCES: tuple[str, ...] = tuple(
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 安徽省 "
    "福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 广西壮族自治区 海南省 重庆市 四川省 贵州省 "
    "云南省 西藏自治区 陕西省 甘肃省 青海省 宁夏回族自治区 新疆维吾尔自治区 香港特别行政区 "
    "澳门特别行政区 台湾省".split()
)
MUNICIPALITIES: tuple[str, ...] = ("北京市", "天津市", "上海市", "重庆市")
#: Cities that national expenditure tables (差旅住宿费) list apart from their province.
CITY_PROVINCE: dict[str, str] = {
    "大连市": "辽宁省",
    "青岛市": "山东省",
    "宁波市": "浙江省",
    "厦门市": "福建省",
    "深圳市": "广东省",
}

_TOWN_DISTRICT: dict[str, str] = {
    town: district for district, towns in DISTRICT_TOWNS.items() for town in towns
}
_SHORT_DISTRICTS: dict[str, str] = {
    name.removesuffix("新区").removesuffix("区"): name for name in DISTRICT_TOWNS
}
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


def _core(name: str) -> str:
    """A region without its generic suffix: 西藏自治区 → 西藏, 江苏省 → 江苏."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


_SHORT_PROVINCES: dict[str, str] = {_core(p): p for p in PROVINCES}
_NATIONWIDE = re.compile(r"^(全国|中央)|各地|各省")
_EXCEPT = re.compile(r"除(.+?)(?:以)?外")
_LIST_SEPARATORS = re.compile(r"[、，,；;/和及]")
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")


@dataclass(frozen=True)
class Place:
    """One step of a region chain: a place's name and its level of government."""

    name: str
    level: Level


def normalise_region(text: str) -> str:
    """The name a region is known by: spaces removed, ``上海市青浦区`` → ``青浦区``, ``青浦`` → ``青浦区``."""
    name = "".join(str(text).split())
    if name.startswith(CITY) and name != CITY:
        name = name.removeprefix(CITY)
    for district in DISTRICT_TOWNS:
        if name.startswith(district) and name != district:
            name = name.removeprefix(district)
    return _SHORT_DISTRICTS.get(name) or _SHORT_PROVINCES.get(name) or name


#: Generic endings of a place's name, longest first: what is left is the place's stem.
_PLACE_SUFFIXES = ("新区", "街道", "区", "县", "镇", "乡", "市", "省", *_SUFFIXES[:-2])


def _stem(name: str) -> str:
    for suffix in sorted(set(_PLACE_SUFFIXES), key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def _known_places() -> tuple[str, ...]:
    return (*_TOWN_DISTRICT, *DISTRICT_TOWNS, *PROVINCES, *CITY_PROVINCE)


#: Stem → the known places of that stem (虹桥 → 虹桥镇 of 闵行区 and 虹桥街道 of 长宁区).
_PLACES_BY_STEM: dict[str, tuple[str, ...]] = {}
for _place in dict.fromkeys(_known_places()):
    _PLACES_BY_STEM[_stem(_place)] = (*_PLACES_BY_STEM.get(_stem(_place), ()), _place)


def canonical_region(text: str) -> str:
    """The one name a region is stored under: a known place by its full name (``青浦``,
    ``上海市青浦区``, ``青浦区`` → ``青浦区``; ``上海市青浦区朱家角镇``, ``朱家角`` → ``朱家角镇``),
    any other region (``全国（中央和国家机关）``, ``西藏、青海、新疆``) as written, spaces removed.

    :raises InvalidInput: invisible-only text or direction overrides (:func:`kb.text.visible_text`);
        a place's name with a wrong ending (``青浦县``), a short name shared by several places
        (``虹桥``), or a Shanghai place not known here; ``details["suggestions"]`` lists the
        places meant, most likely first.
    """
    written = visible_text(str(text), "地区")
    shown = "".join(ch for ch in written if unicodedata.category(ch) != "Cf")  # zero-width
    # Known places are matched in NFKC (full-width letters and digits); other regions keep
    # the brackets they were written with (全国（中央和国家机关）).
    name = normalise_region(unicodedata.normalize("NFKC", shown))
    if is_known(name):
        return name
    places = _PLACES_BY_STEM.get(_stem(name), ())
    if name == _stem(name) and len(places) == 1:
        return places[0]
    suggestions = list(places)
    if not suggestions and str(written).strip().startswith(("上海", CITY)):
        suggestions = difflib.get_close_matches(name, _known_places(), n=5, cutoff=0.5)
    if suggestions or str(written).strip().startswith(("上海", CITY)):
        listed = "、".join(suggestions)
        hint = f"，是否是：{listed}" if listed else "，请填写区或街镇的全称"
        raise InvalidInput(
            f"无法识别地区“{written[:50]}”{hint}",
            {"region": written[:100], "suggestions": suggestions},
        )
    return normalise_region(shown)


def level_of(region: str) -> Level | None:
    """The level of government of a known place, ``None`` for a place not known here."""
    name = normalise_region(region)
    if name in _TOWN_DISTRICT:
        return Level.TOWN
    if name in DISTRICT_TOWNS:
        return Level.DISTRICT
    if name in MUNICIPALITIES or name in CITY_PROVINCE:
        return Level.CITY
    if name in PROVINCES:
        return Level.PROVINCE
    return None


def is_known(region: str) -> bool:
    """Whether ``region`` is a place of the hierarchy (a 街镇, district, city or province)."""
    return level_of(region) is not None


def parent(region: str) -> str | None:
    """The place directly above a known place (``None`` above a province or for an unknown one)."""
    name = normalise_region(region)
    if name in _TOWN_DISTRICT:
        return _TOWN_DISTRICT[name]
    if name in DISTRICT_TOWNS:
        return CITY
    return CITY_PROVINCE.get(name)


def region_chain(region: str) -> tuple[Place, ...]:
    """The place and every place above it, most specific first, ending with 全国.

    An unknown place keeps its own name, with a level guessed from its suffix (镇/街道/乡 →
    镇级, 区/县 → 区级, 市 → 市级, 省/自治区 → 省级), directly below 全国.
    """
    places: list[Place] = []
    current: str | None = normalise_region(region)
    if current == NATIONAL:
        current = None
    while current:
        places.append(Place(current, level_of(current) or _guess_level(current)))
        current = parent(current)
    return (*places, Place(NATIONAL, Level.CENTRAL))


def _guess_level(name: str) -> Level:
    if name.endswith(("镇", "街道", "乡")):
        return Level.TOWN
    if name.endswith(("区", "县")):
        return Level.DISTRICT
    if name.endswith(("省", "自治区")):
        return Level.PROVINCE
    return Level.CITY


def applies_at(region: str, level: Level | str | None, chain: tuple[Place, ...]) -> Place | None:
    """The place of ``chain`` at which a standard of ``region`` and ``level`` applies, or ``None``.

    See the module docstring for the rules; the place returned tells how specific the standard
    is for the chain (its position: the first place is the most specific).
    """
    name = normalise_region(region)
    for place in chain:
        if name == place.name:
            return place
    if _NATIONWIDE.search(name):
        return None if _excluded(name, chain) else chain[-1]
    listed = [_core(n) for n in _LIST_SEPARATORS.split(_BRACKETED.sub("", name)) if n]
    if len(listed) > 1:
        for place in chain[:-1]:
            if any(n and place.name.startswith(n) for n in listed):
                return place
        return None
    if not is_known(name) and level is not None and Level(level) in (Level.CENTRAL, Level.PROVINCE):
        return chain[-1]
    return None


def _excluded(name: str, chain: tuple[Place, ...]) -> bool:
    """Whether a nationwide region's 除…外 names a place of ``chain``."""
    match = _EXCEPT.search(name)
    if not match:
        return False
    names = [_core(n) for n in _LIST_SEPARATORS.split(match.group(1)) if n]
    return any(n and p.name.startswith(n) for n in names for p in chain[:-1])


class RegionResolver:
    """:func:`applies_at` for many standards' regions and a few chains, remembered.

    A check asks the same questions for thousands of lines. :meth:`resolve` answers with the
    place and whether the region applies only to central and provincial standards (a region
    that is no place known here); :meth:`name` gives a region's known name and whether it is a
    place of the hierarchy, so that callers can look regions up by the names of a chain.
    """

    def __init__(self) -> None:
        self._names: dict[str, tuple[str, bool]] = {}
        self._resolved: dict[tuple[str, ...], dict[str, tuple[Place, bool] | None]] = {}

    def name(self, region: str) -> tuple[str, bool]:
        """The region's normalised name, and whether it is a known place."""
        found = self._names.get(region)
        if found is None:
            name = normalise_region(region)
            found = self._names[region] = (name, is_known(name))
        return found

    def resolve(self, region: str, chain: tuple[Place, ...]) -> tuple[Place, bool] | None:
        """Where ``region`` applies in ``chain``, and whether only for central/provincial ones."""
        resolved = self._resolved.setdefault(tuple(p.name for p in chain), {})
        if region not in resolved:
            resolved[region] = self._resolve(region, chain)
        return resolved[region]

    def _resolve(self, region: str, chain: tuple[Place, ...]) -> tuple[Place, bool] | None:
        name, known = self.name(region)
        for place in chain:
            if place.name == name:
                return place, False
        if known:  # a known place outside the chain
            return None
        place = applies_at(region, None, chain)
        if place is not None:
            return place, False
        place = applies_at(region, Level.CENTRAL, chain)
        return (place, True) if place is not None else None


def region_scope(region: str) -> frozenset[str]:
    """The regions a region filter selects: itself, its 街镇, and for 上海市 its districts too."""
    name = normalise_region(region)
    if name == CITY:
        return frozenset((CITY, *DISTRICT_TOWNS, *_TOWN_DISTRICT))
    return frozenset((name, *DISTRICT_TOWNS.get(name, ())))


# -- regions as people write them ----------------------------------------------------------

#: One-character names of provincial-level divisions, as in 赴京, 来沪, 赴粤.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    **dict(
        zip(
            "京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川蜀贵黔云滇陕秦甘陇青藏桂宁新港澳台蒙",
            (
                "北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 "
                "福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 海南省 四川省 四川省 贵州省 贵州省 "
                "云南省 云南省 陕西省 陕西省 甘肃省 甘肃省 青海省 西藏自治区 广西壮族自治区 "
                "宁夏回族自治区 新疆维吾尔自治区 香港特别行政区 澳门特别行政区 台湾省 内蒙古自治区"
            ).split(),
            strict=True,
        )
    ),
}
_TRIP = re.compile(
    r"(?:赴|去|往|到|至|前往|来)([京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川蜀贵黔云滇陕秦甘陇青藏桂宁新港澳台蒙])"
)
_TRAVEL = re.compile(r"差旅|出差|住宿|伙食|交通|城市间|往返|出行")
_FAR_PLACES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            **{_core(p): p for p in PROVINCES},
            **{p: p for p in PROVINCES},
            **{c.removesuffix("市"): c for c in CITY_PROVINCE},
            **{c: c for c in CITY_PROVINCE},
        }.items(),
        key=lambda pair: -len(pair[0]),
    )
)


def place_named_in(text: str) -> str | None:
    """A province or listed city a text names as a trip's destination: 赴京 → 北京市,
    深圳出差 → 深圳市; ``None`` when it names none (a district or town is no destination, and
    a place's name outside a trip is none either: 江苏路街道保洁)."""
    cleaned = "".join(str(text).split())
    trip = _TRIP.search(cleaned)
    if trip:
        return PROVINCE_ABBREVIATIONS[trip.group(1)]
    if not _TRAVEL.search(cleaned):
        return None
    for name, place in _FAR_PLACES:
        if len(name) >= 2 and name in cleaned:
            return place
    return None


def all_places() -> tuple[str, ...]:
    """Every known place: 上海市's districts and 街镇, the provinces and the listed cities."""
    return (*DISTRICT_TOWNS, *_TOWN_DISTRICT, *PROVINCES, *CITY_PROVINCE)


def suggest_regions(text: str, limit: int = 5) -> list[str]:
    """Known places close to what was typed: 朱家角 → 朱家角镇, 青浦 → 青浦区 and its 街镇."""
    typed = "".join(str(text).split())
    if not typed:
        return []
    scored: list[tuple[int, int, str]] = []
    for position, place in enumerate(dict.fromkeys(all_places())):
        if place.startswith(typed) or typed.startswith(_core(place)):
            score = 3
        elif typed in place:
            score = 2
        else:
            common = len(set(typed) & set(place))
            score = 1 if common >= 2 else 0
        if score:
            scored.append((-score, position, place))
    return [place for _, _, place in sorted(scored)[:limit]]


_LOCAL_PLACES: tuple[str, ...] = tuple(
    sorted((CITY, *DISTRICT_TOWNS, *_TOWN_DISTRICT), key=len, reverse=True)
)


def local_place_in(text: str) -> str | None:
    """The most specific place of 上海市 a text names (a sheet's title: 编制单位：朱家角镇人民政府
    → 朱家角镇), or ``None``."""
    cleaned = "".join(str(text).split())
    found = [place for place in _LOCAL_PLACES if place in cleaned]
    if not found:
        return None
    return max(found, key=lambda place: (_LOCALNESS_OF.get(level_of(place)), len(place)))


_LOCALNESS_OF = {Level.CITY: 0, Level.DISTRICT: 1, Level.TOWN: 2, None: -1, Level.PROVINCE: -1}
