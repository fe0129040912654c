"""Which standard applies to a budget line: sub-item, grade, region and level, the ranking key.

The search side (:mod:`indexer.matching`) finds the standards whose words fit a line; this
module decides, with plain text rules that need no index:

* **Sub-item.** A standard's 事项 is read as segments (``一类会议·住宿费``,
  ``讲课费·正高级技术职称专业人员``): a *cost* segment names what is paid (住宿费, 讲课费,
  其他费用), a *neutral* one names the whole (综合定额合计), the others qualify it (a grade,
  a title/职称, a spec, a city). A line is never judged against another sub-item: every cost
  segment of the standard must be named by the line (住宿费 in 会议住宿费; 讲课费 is not in
  培训费), and a line naming a cost (讲课费, 会议费) needs it in the standard's texts. A line
  naming whose cost it is — an expense 类别 of the knowledge base (培训 in 二类培训住宿费) —
  needs that in the standard's texts too: 会议 and 差旅 住宿费 are not 培训 住宿费.
* **Grade.** The line's grade is its 等级 (or the project's), else one written in its 事项
  (二类培训, 讲课费（正高级）). A standard's grade is its 等级, else its first qualifying
  segment (正高级技术职称专业人员). They fit when one names the other's head (正高级, 二类,
  其他/其余人员). A line with a grade is never judged against another grade; a line without
  one is judged against the strictest grade that could apply (:mod:`kb.budget.checking`).
* **Applicability.** A central rule binds central bodies; for a city, district or town
  project it is a reference (参照) unless a local standard of the same sub-item exists, which
  then takes precedence: among standards that fit as well, the most local region ranks first.
* **Ranking key** (:class:`RankKey`, best first) and the score shown, derived from the key,
  so that a runner-up never shows a higher score than the standard chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from kb.vocab import Level

#: How local each level is: 0 for the whole country, 4 for a 街镇.
LOCALNESS = {Level.CENTRAL: 0, Level.PROVINCE: 1, Level.CITY: 2, Level.DISTRICT: 3, Level.TOWN: 4}
LOCAL_BY_KEY = {level.value: rank for level, rank in LOCALNESS.items()}

_GRADE_SUFFIX = re.compile(r"(会议|培训|养护|保洁|维护|公厕)$")
_SEGMENTS = re.compile(r"[·•・]")
_BRACKETED = re.compile(r"[（(]([^（）()]*)[）)]")
_COST = re.compile(r"(费|费用|经费|补助|补贴|津贴|酬金|租金)$")
_COST_TAIL = re.compile(r"(费用|经费|费|支出)$")
_NEUTRAL = re.compile(r"^(综合)?(定额)?(合计|总额|标准|控制比例)?$")
#: Grades as budget lines write them inside a 事项: 二类培训, 一级养护, 正高级, 司局级 …
_GRADE_IN_TEXT = re.compile(
    r"[一二三四五六七八九十]+[类级档星]|[正副]高级?|院士|省部级|部级|司局级|厅局级|处级"
    r"|其[他余]人员|处级及以下|处级|科级|高级(?:专业技术)?(?:职称)?|中级|初级"
)
_HEAD = re.compile(r"^(.*?(?:级|类|档|星|人员|院士|专家))")
#: Spellings of one grade, as the travel and fee rules write them (其余人员 = 处级及以下).
_SAME_GRADE_WORDS = (
    ("处级及以下人员", "其他人员"),
    ("处级及以下", "其他人员"),
    ("处级以下", "其他人员"),
    ("一般工作人员", "其他人员"),
    ("一般人员", "其他人员"),
    ("处级", "其他人员"),
    ("科级", "其他人员"),
    ("其余", "其他"),
    ("厅局级", "司局级"),
    ("厅级", "司局级"),
    ("正高级", "正高"),
    ("副高级", "副高"),
)
#: A head found inside a longer grade does not fit when it follows one of these (副高级 ≠ 高级).
_MODIFIERS = frozenset("正副次准")


# -- segments of a standard's 事项 -------------------------------------------------------------


class ItemParts(NamedTuple):
    """A standard's 事项 read for matching: its cost segments, its grade and other qualifiers."""

    costs: tuple[str, ...]
    grade: str | None
    qualifiers: tuple[str, ...]
    #: The 事项 without its grade: standards alike but for their grade share it.
    family: str


@lru_cache(maxsize=65536)
def item_parts(item: str | None, grade: str | None) -> ItemParts:
    """Cost segments, grade and qualifiers of a standard's 事项 (see the module docstring)."""
    segments = [s for s in _SEGMENTS.split(_squeeze(item or "")) if s]
    costs: list[str] = []
    qualifiers: list[str] = []
    own_grade: str | None = grade or None
    for segment in segments:
        bare = _BRACKETED.sub("", segment)
        if grade and _names_grade(bare, grade):
            continue
        if _NEUTRAL.fullmatch(bare.replace("·", "")):
            continue
        if _COST.search(bare):
            costs.append(segment)
        else:
            qualifiers.append(segment)
    if own_grade is None and qualifiers and (costs or len(segments) > 1):
        own_grade = qualifiers.pop(0)
    family = "·".join(
        s for s in segments if s != own_grade and not (grade and _names_grade(s, grade))
    )
    return ItemParts(tuple(costs), own_grade, tuple(qualifiers), family)


def _names_grade(segment: str, grade: str) -> bool:
    """Whether a segment of a 事项 is its grade: 一类会议 for 一类会议, 院士、… for 院士."""
    return grade_core(segment) == grade_core(grade) or grade_head(segment) == grade_head(grade)


def cost_core(text: str) -> str:
    """A cost without its tail and brackets: 差旅住宿费 → 差旅住宿, 其他费用 → 其他."""
    return _COST_TAIL.sub("", _BRACKETED.sub("", _squeeze(text)))


def expense_cores(categories: Iterable[str | None]) -> frozenset[str]:
    """The 类别 that are expenses, without their tail (会议费 → 会议, 专家咨询费 → 专家咨询):
    what a line writes to say whose cost it is. Service categories (绿化养护) are none."""
    found = set()
    for category in categories:
        bare = _BRACKETED.sub("", _squeeze(category or ""))
        core = cost_core(bare)
        if _COST.search(bare) and len(core) >= 2:
            found.add(core)
    return frozenset(found)


def named_expenses(
    line_item: str, line_category: str | None, cores: frozenset[str]
) -> frozenset[str]:
    """The expenses of :func:`expense_cores` a line's 事项 or 类别 names."""
    text = _squeeze(f"{line_item}{line_category or ''}")
    return frozenset(core for core in cores if core in text)


@lru_cache(maxsize=65536)
def sub_item_fits(
    line_item: str,
    line_category: str | None,
    parts: ItemParts,
    standard_text: str,
    expenses: frozenset[str] = frozenset(),
) -> bool:
    """Whether a standard is for the sub-item a line names (never another one).

    ``standard_text`` is the standard's 事项, 类别 and 名称 together; ``expenses`` the expense
    类别 the line names (:func:`named_expenses`), each of which the standard's texts must name.
    """
    if expenses and not all(core in _squeeze(standard_text) for core in expenses):
        return False
    line_text = _squeeze(f"{line_item}{line_category or ''}")
    line_cost = cost_core(line_item) if _COST.search(_BRACKETED.sub("", line_item)) else ""
    line_cost = _without_grade(line_cost)
    for cost in parts.costs:
        if not any(_named(core, line_text, line_cost) for core in _spellings(cost)):
            return False
    if line_cost and line_cost not in _squeeze(standard_text):
        # the expense itself (培训费 in 培训费·综合定额合计) is the whole, not a part the line
        # names: 培训场地租赁费 is no sub-item of it
        return any(
            line_cost in core or core in line_cost
            for c in parts.costs
            for core in _spellings(c)
            if core not in expenses
        )
    return True


def _named(core: str, line_text: str, line_cost: str) -> bool:
    return bool(core) and (core in line_text or bool(line_cost) and line_cost in core)


def _spellings(cost: str) -> tuple[str, ...]:
    """A cost segment's core, and its bracketed alternative: 市内交通费（出差地交通补助）."""
    inside = _BRACKETED.findall(cost)
    return (cost_core(cost), *(cost_core(text) for text in inside))


def _without_grade(text: str) -> str:
    return _GRADE_IN_TEXT.sub("", text)


# -- grades ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def grade_core(grade: str) -> str:
    """A grade without the kind of thing graded: 一类会议 → 一类, 二级养护 → 二级."""
    text = _squeeze(grade)
    for other, same in _SAME_GRADE_WORDS:
        text = text.replace(other, same)
    return _GRADE_SUFFIX.sub("", text)


@lru_cache(maxsize=4096)
def grade_head(grade: str) -> str:
    """What names a grade: 正高级技术职称专业人员 → 正高级, 一类会议 → 一类, 院士、… → 院士."""
    core = grade_core(_BRACKETED.sub("", grade))
    found = _HEAD.match(core)
    return found.group(1) if found else core


def named_grade(item: str) -> str | None:
    """A grade written inside a line's 事项 (二类培训, 讲课费（正高级）), or ``None``."""
    found = _GRADE_IN_TEXT.search(_squeeze(item))
    return found.group(0) if found else None


@lru_cache(maxsize=65536)
def grade_fit(wanted: str | None, grade: str | None) -> int:
    """How a standard's grade fits the line's: 2 the same, 1 a standard of every grade, 0 a
    grade the line left open, -1 another grade."""
    if not grade:
        return 1
    if not wanted:
        return 0
    return 2 if _grades_agree(grade_core(wanted), grade_head(grade), grade_core(grade)) else -1


def _grades_agree(wanted: str, head: str, core: str) -> bool:
    """The line's grade names the standard's (正高 → 正高级…), or holds its head, not as part
    of another grade (高级 is not 副高级)."""
    if wanted in (head, core) or (len(wanted) >= 2 and core.startswith(wanted)):
        return True
    position = wanted.find(head)
    return position >= 0 and not (position and wanted[position - 1] in _MODIFIERS)


def grade_words(wanted: str | None, grade: str | None, fit: int) -> str:
    """How a standard's grade fits the line's, in Chinese (``fit`` as :func:`grade_fit`)."""
    if fit == 2:
        return f"等级“{grade}”相符"
    if fit == 1:
        return "标准不分等级"
    if fit == 0:
        return f"未指定等级，此标准为“{grade}”（可在“等级”列或项目等级中指明）"
    return f"等级不符：本行为“{wanted}”，标准为“{grade}”"


# -- applicability -----------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def applicability(
    *,
    region: str,
    level: Level,
    place_name: str,
    place_level: Level,
    line_region: str,
    project_region: str,
    project_level: Level,
) -> str:
    """Why a standard applies to a line, in Chinese: binding, or a reference (参照).

    ``place_name``/``place_level``: where in the line's region chain the standard applies;
    ``project_region``/``project_level``: the project's region and level of government.
    """
    if level is Level.CENTRAL and project_level is not Level.CENTRAL:
        return (
            f"中央标准（地区“{region}”）约束中央单位；{project_region}（{project_level.label}）"
            "项目未见本地同类标准，参照执行"
        )
    if level is Level.CENTRAL:
        return f"中央标准（地区“{region}”），本项目为中央单位，应当执行"
    if place_level is Level.CENTRAL:
        return f"地区“{region}”全国适用"
    local = f"{place_level.label}标准（地区“{place_name}”）适用于{line_region}"
    if LOCALNESS[place_level] >= LOCALNESS[Level.CITY]:
        return f"{local}，本地标准优先于中央和上级同类标准"
    return local


# -- ranking -----------------------------------------------------------------------------------


#: The parts of a rank, best first, each with how many values it takes: whether the standard
#: may be the match at all (not another sub-item or grade), the text fit's tier, the region's
#: localness (the town before the district before 全国: a local standard takes precedence over
#: a central one that fits as well), the grade fit, the word coverage in tenths, the words of the standard's 事项 the
#: line does not mention (fewer first, up to 5), whether the units convert.
RANK_PARTS = (
    ("eligible", 2),
    ("tier", 3),
    ("localness", 5),
    ("grade", 4),
    ("coverage", 11),
    ("brevity", 6),
    ("unit", 2),
)
_TOP = 0
for _, _base in RANK_PARTS:
    _TOP = _TOP * _base + _base - 1


class RankKey(NamedTuple):
    """How candidates sort, best first: the rank (as :data:`RANK_PARTS`, negated), then
    成本定额 before 支出标准, then the code. The score shown is derived from the rank alone."""

    rank: int
    kind: bool
    code: str

    def score(self) -> float:
        """0–100, higher is better; a key that sorts later never has a higher score."""
        return round(-100 * self.rank / _TOP, 1)


def rank_key(
    *,
    eligible: bool,
    tier: int,
    localness: int,
    grade: int,
    coverage: float,
    residual: int,
    unit_converts: bool,
    cost_quota: bool,
    code: str,
) -> RankKey:
    """The key of one candidate: ``tier`` 1–3 (:mod:`indexer.matching.text_fit`), ``localness``
    as :data:`LOCALNESS`, ``grade`` as :func:`grade_fit`, ``coverage`` 0–1."""
    value = _rank_value(eligible, tier, localness, grade, coverage, residual, unit_converts)
    return RankKey(-value, not cost_quota, code)


@lru_cache(maxsize=65536)
def _rank_value(
    eligible: bool,
    tier: int,
    localness: int,
    grade: int,
    coverage: float,
    residual: int,
    unit_converts: bool,
) -> int:
    """The rank as one number (:data:`RANK_PARTS` as digits): a sheet repeats few of them."""
    digits = (
        int(eligible),
        min(2, max(0, tier - 1)),
        min(4, max(0, localness)),
        min(3, max(0, grade + 1)),
        min(10, max(0, int(coverage * 10 + 1e-9))),
        5 - min(max(residual, 0), 5),
        int(unit_converts),
    )
    value = 0
    for digit, (_, base) in zip(digits, RANK_PARTS, strict=True):
        value = value * base + digit
    return value


def _squeeze(text: str) -> str:
    return "".join(str(text).split())
