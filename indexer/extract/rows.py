"""Figures of a table → interchange records (drafts): item, grade and region from the labels.

A row label under a 地区/省份/城市 header, or naming a known place, is the region; one under a
类别/等级 header, or shaped like a grade (一类会议, 司局级, 其他人员), is the grade; the other
labels and the column's header path make the item. ``三、四类会议`` is two grades, one record each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from indexer.extract.figures import header_unit
from indexer.extract.layout import ReadFigure
from indexer.extract.layout import TableReading
from indexer.extract.notice import Notice
from kb.regions import CITY_PROVINCE
from kb.regions import is_known
from kb.regions import level_of
from kb.regions import normalise_region
from kb.vocab import Kind
from kb.vocab import Level

_REGION_HEADER = re.compile(r"地区|省份|城市|地方|区域|出差地|省（区、市）|省\(区、市\)|地点")
_GRADE_HEADER = re.compile(r"类别|等级|级别|档次|类型|职级|职称|人员类别|分类")
_GRADE = re.compile(
    r"^([一二三四五六七八九十0-9]+[类级档等])|(级|人员|职称|专家|院士)$|^[一二三四五六七八九十]+类"
)
_ENUMERATED = re.compile(
    r"^(?P<numbers>[一二三四五六七八九十]+(?:[、，,和及与][一二三四五六七八九十]+)+)(?P<rest>[类级档等].*)$"
)
_BRACKET = re.compile(r"[（(]([^（）()]*)[）)]")
#: Expense categories as the interchange files name them, and words that point to each.
_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("会议费", re.compile(r"会议")),
    ("培训费", re.compile(r"培训|讲课|师资")),
    ("差旅费", re.compile(r"差旅|住宿费|伙食补助|出差|市内交通")),
    ("专家咨询费", re.compile(r"专家咨询|咨询费")),
    ("公务接待费", re.compile(r"接待")),
    ("因公临时出国费", re.compile(r"出国|出访")),
    ("公务用车", re.compile(r"公务用车|车辆")),
    ("办公设备配置", re.compile(r"办公设备|资产配置")),
    ("绿化养护", re.compile(r"绿化|绿地|园林")),
    ("环卫保洁", re.compile(r"环卫|保洁|环境卫生|垃圾|公厕")),
    ("水质生态维护", re.compile(r"河道|水质|水域|水系")),
    ("景观灯光维护", re.compile(r"景观灯光|路灯|照明")),
    ("信息化运维", re.compile(r"信息化|信息系统|运维服务")),
)
_CITY_UPKEEP = frozenset({"绿化养护", "环卫保洁", "水质生态维护", "景观灯光维护"})
#: Column headers that name no item, only that the column holds the figures.
_GENERIC = frozenset({"标准", "标准值", "金额", "数额", "定额", "限额", "数值", "额度", "开支标准"})
_GOVERNMENT_RUNNING = frozenset(
    {"会议费", "培训费", "差旅费", "公务接待费", "因公临时出国费", "公务用车", "办公设备配置"}
)


@dataclass(frozen=True)
class Scope:
    """Fields a notice does not say and a user may give: level, region, domain, category, source."""

    kind: Kind | None = None
    level: Level | None = None
    region: str | None = None
    domain: str | None = None
    category: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Labels:
    """What a figure's labels say: region, grades (several for ``三、四类``), item parts, remarks."""

    region: str | None
    grades: tuple[str | None, ...]
    item: tuple[str, ...]
    remarks: tuple[str, ...]


def category_of(*texts: str | None) -> str | None:
    """The expense category the first text naming one points to (会议费, 差旅费 …)."""
    for text in filter(None, texts):
        for name, pattern in _CATEGORIES:
            if pattern.search(text):
                return name
    for text in filter(None, texts):
        match = re.search(r"([\u4e00-\u9fff]{2,6}费)", text)
        if match:
            return match.group(1)
    return None


def domain_of(category: str | None) -> str | None:
    """机关运行 for the running costs of government (会议、培训、差旅 …); None otherwise."""
    if category in _CITY_UPKEEP:
        return "城市运维"
    if category == "信息化运维":
        return "数字化"
    if category == "专家咨询费":
        return "科研"
    return "机关运行" if category in _GOVERNMENT_RUNNING else None


def kind_of(*texts: str | None) -> Kind:
    """成本定额标准 when a title speaks of 成本 (what a service costs), else 财政支出标准."""
    return Kind.COST_QUOTA if any(t and "成本" in t for t in texts) else Kind.EXPENDITURE


def labels_of(figure: ReadFigure) -> Labels:
    """Region, grades and item of a figure, from its row labels and its column's header path."""
    region = None
    grades: tuple[str | None, ...] = (None,)
    item: list[str] = []
    remarks: list[str] = []
    for header, text in figure.row_labels:
        name, remark = _bare(text)
        if remark:
            remarks.append(f"表列“{text}”")
        if region is None and (_REGION_HEADER.search(header) or _place(name)):
            region = _place(name) or name
        elif grades == (None,) and (
            _GRADE_HEADER.search(header) or _GRADE.search(name) or _ENUMERATED.match(name)
        ):
            grades = _expand(name)
            item.append(name)
        else:
            item.append(name)
    column = [_bare(label) for label in figure.column_path[-2:]]
    for name, remark in column:
        if remark and not header_unit(f"（{remark}）"):
            remarks.append(f"{name}（{remark}）")
    names = [_without_standard_word(name) for name, _ in column]
    if grades == (None,) and names and _GRADE.search(names[-1]):
        grades = (names[-1],)
        if len(names) == 2 and _GRADE_HEADER.search(names[0]):
            names = names[1:]  # 养护等级 · 一级: the group header only says the columns are grades
    item.extend(name for name in names if name and name not in item and name not in _GENERIC)
    return Labels(region, grades, tuple(item), tuple(remarks))


def expand_grades(labels: Labels) -> Iterator[tuple[str | None, str]]:
    """(grade, item) per grade: ``三、四类会议·住宿费`` gives 三类会议 and 四类会议."""
    joined = "·".join(labels.item)
    if len(labels.grades) == 1:
        yield labels.grades[0], joined
        return
    original = next((part for part in labels.item if _ENUMERATED.match(part)), None)
    for grade in labels.grades:
        yield grade, joined.replace(original, grade or "", 1) if original else joined


def level_for(region: str, scope: Scope, notice: Notice) -> Level:
    """The level: as given, else as the notice's issuer says, else by the place, else 中央."""
    return scope.level or notice.level or level_of(region) or Level.CENTRAL


def table_base(reading: TableReading, notice: Notice, category: str | None) -> str:
    """The name rows of a table start with: its title without 表 (prefixed with the category
    when it does not name it: 综合定额标准 → 培训费综合定额标准), else the measure."""
    title = reading.title or notice.measure
    bare = re.sub(r"[（(][^（）()]*[)）]$", "", title)  # 标准表（2016年版） → 标准表
    base = re.sub(r"(标准)?(一览表|明细表|对照表|表)$", r"\1", bare) or title
    expense = category is not None and category.endswith("费")
    if expense and category.removesuffix("费") not in base and "费" not in base:
        base = category + base
    return base


def _expand(name: str) -> tuple[str, ...]:
    match = _ENUMERATED.match(name)
    if not match:
        return (name,)
    numbers = re.split(r"[、，,和及与]", match["numbers"])
    return tuple(f"{number}{match['rest']}" for number in numbers)


def _bare(text: str) -> tuple[str, str | None]:
    """A label without its bracketed remark: ``部级（普通套间）`` → (部级, 普通套间)."""
    match = _BRACKET.search(text)
    if not match:
        return text, None
    bare = (text[: match.start()] + text[match.end() :]).strip()
    return (bare or text), match.group(1)


def _without_standard_word(label: str) -> str:
    """``住宿费标准`` → ``住宿费``: the word 标准 adds nothing to an item's name."""
    return label.removesuffix("标准") if len(label) > 3 else label


def _place(name: str) -> str | None:
    """The place a label names, as the region column writes it (大连 → 大连市), if known."""
    for candidate in (name, name + "市", name + "省"):
        if is_known(candidate) or candidate in CITY_PROVINCE:
            return normalise_region(candidate) if candidate == name else candidate
    return None
