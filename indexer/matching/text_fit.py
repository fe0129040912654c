"""How well a standard's texts fit a budget line's 事项 and 类别, read as the index reads them.

Texts are analysed with the index's own analyzer (jieba with the domain dictionary; sub-words
and synonyms in index mode), so that a line and a standard are compared word for word the way
search compares them. A fit has a *tier*:

* 3 — the same 事项 (after synonyms: 绿化维护 = 绿化养护, 费用 = 费), the line's 事项 equal to
  the standard's 类别 (会议费), or the line's 事项 containing the standard's (公共绿地养护费);
* 2 — the same 类别, or every word of the line's 事项 in the standard's 事项, 类别 or 名称;
* 1 — words making at least half of the 事项's characters, one of them whole (longer words weigh
  more: 养护 alone does not make 公共绿地养护 fit 河道养护);
* -1 — no fit.

A word the standard lacks counts half the share of its parts it has (养护费 → 养护). The
*residual* counts the words of the standard's 事项 the line does not mention, leaving out its
grade and words naming a total (合计, 综合定额): so a line 会议费 fits the 综合定额合计 better
than the 住宿费 of the same meeting class, and 会议住宿费 the 住宿费.

A :class:`TextFitter` lives for one check and remembers every analysis, since a sheet and the
standards repeat their texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from whoosh.analysis import Analyzer

#: Words of a standard's 事项 that name a total, not a part: they never count against a match.
NEUTRAL_WORDS = frozenset({"合计", "综合定额", "综合", "定额", "标准", "费用", "经费", "总额"})
#: At most this many words of a 事项 are used (the longest).
MAX_WORDS = 6
#: How a standard's texts match a line's, in Chinese; {item} {category} are the line's,
#: {s_item} {s_category} {s_name} the standard's.
HOW = {
    "same_item": "事项“{item}”与标准事项“{s_item}”相同",
    "item_is_category": "事项“{item}”与标准类别“{s_category}”相同",
    "contains_item": "事项“{item}”包含标准事项“{s_item}”",
    "same_category": "类别“{category}”与标准类别相同",
    "all_words": "事项“{item}”的词语均见于标准“{s_name}”",
    "some_words": "事项“{item}”与标准“{s_name}”部分相符（{coverage:.0%}）",
}
_PUNCTUATION = re.compile(r"[\s·•・,，、;；:：()（）\[\]【】《》“”\"'/／\-—_]+")


@dataclass(frozen=True)
class LineText:
    """A line's 事项 and 类别 as matching reads them: whole words with their weights, every
    token they hold, and their forms for equality."""

    item: str
    category: str
    words: tuple[str, ...]
    weights: tuple[int, ...]
    mentioned: frozenset[str]
    normal_item: str
    normal_category: str


@dataclass(frozen=True)
class TextFit:
    """How a standard's texts fit a line's: tier (3 best, -1 none), word coverage (0–1),
    residual, and ``how`` they match (a key of :data:`HOW`)."""

    tier: int
    coverage: float
    residual: int
    how: str
    #: How fits sort, best first: ``(-tier, -coverage, residual)``.
    rank: tuple[int, float, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", (-self.tier, -self.coverage, self.residual))

    def describe(self, text: LineText, item: str | None, category: str | None, name: str) -> str:
        """Why the texts match, in Chinese (``item``, ``category``, ``name``: the standard's)."""
        return HOW[self.how].format(
            item=text.item,
            category=text.category,
            s_item=item,
            s_category=category,
            s_name=name,
            coverage=self.coverage,
        )


@dataclass(frozen=True)
class FitPlan:
    """A standard's 事项, 类别 and 等级 read against a line's text: the fit, ``fixed`` when the
    standard's 名称 cannot change it, else ``words`` — each of the line's words with its
    weight and the share the standard's 事项 and 类别 hold — to finish with the 名称."""

    fixed: TextFit | None
    words: tuple[tuple[str, int, float], ...]
    total: int
    residual: int
    fits: dict[tuple[float, bool, int], TextFit] = field(compare=False, repr=False)

    def fit(self, name: str) -> TextFit:
        """The fit, a word the 事项 and 类别 lack counting whole when the 名称 has it."""
        if self.fixed is not None:
            return self.fixed
        covered, whole = 0.0, False
        for word, weight, share in self.words:
            share = 1.0 if share < 1 and word in name else share
            whole = whole or share == 1
            covered += weight * share
        coverage = covered / self.total if self.words else 0.0
        key = (coverage, whole, self.residual)
        found = self.fits.get(key)
        if found is None:
            found = self.fits[key] = _tiered(coverage, whole, self.residual)
        return found


def _tiered(coverage: float, whole: bool, residual: int) -> TextFit:
    if coverage == 1:
        return TextFit(2, coverage, residual, "all_words")
    if coverage >= 0.5 and whole:
        return TextFit(1, coverage, residual, "some_words")
    return TextFit(-1, coverage, residual, "")


class TextFitter:
    """Fits standards' texts to lines' with one analyzer, remembering every analysis."""

    def __init__(self, analyzer: Analyzer, synonym_groups: tuple[tuple[str, ...], ...]) -> None:
        self.analyzer = analyzer
        self.synonym_groups = synonym_groups
        self._texts: dict[tuple[str, str], LineText] = {}
        self._plans: dict[tuple[str, ...], FitPlan] = {}
        self._fits: dict[tuple[float, bool, int], TextFit] = {}
        self._tokens: dict[str, frozenset[str]] = {}
        self._words: dict[str, tuple[str, ...]] = {}
        self._normals: dict[str, str] = {}
        self._same: dict[str, str] = {}
        #: Each synonym group's first word and its other words, longest first (replaced first).
        self._replacements = tuple(
            (group[0], tuple(sorted(group[1:], key=len, reverse=True))) for group in synonym_groups
        )

    @property
    def size(self) -> int:
        """How many analyses and fits are remembered."""
        return len(self._texts) + len(self._plans) + len(self._tokens) + len(self._words)

    def line_text(self, item: str, category: str = "") -> LineText:
        """A line's 事项 and 类别 read for matching."""
        key = (item, category)
        found = self._texts.get(key)
        if found is None:
            words = sorted(self.whole_words(item), key=len, reverse=True)[:MAX_WORDS]
            found = self._texts[key] = LineText(
                item=item,
                category=category,
                words=tuple(words),
                weights=tuple(len(w) for w in words),
                mentioned=self.index_tokens(item) | self.index_tokens(category),
                normal_item=self.normal(item),
                normal_category=self.normal(category),
            )
        return found

    def fit(
        self, text: LineText, item: str | None, category: str | None, grade: str | None, name: str
    ) -> TextFit:
        """The fit of a standard's 事项, 类别, 等级 and 名称 to a line's text."""
        return self.plan(text, item or "", category or "", grade or "").fit(name)

    def plan(self, text: LineText, item: str, category: str, grade: str) -> FitPlan:
        """The fit of a standard's 事项, 类别 and 等级 to a line's text, short of its 名称.

        Remembered: thousands of standards share their 事项, 类别 and 等级, and differ only in
        their 名称, which matters only for the words their 事项 and 类别 lack.
        """
        key = (text.item, text.category, item, category, grade)
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = self._plan(text, item, category, grade)
        return found

    def _plan(self, text: LineText, item: str, category: str, grade: str) -> FitPlan:
        tokens = self.index_tokens(item) | self.index_tokens(category)
        shares = tuple(_covered(w, tokens, self.index_tokens(w)) for w in text.words)
        ignored = text.mentioned | NEUTRAL_WORDS | set(self.whole_words(grade))
        residual = sum(1 for w in self.whole_words(item) if w not in ignored)
        equal = self._equality(text, item, category)
        words = tuple(zip(text.words, text.weights, shares, strict=True))
        plan = FitPlan(None, words, sum(text.weights), residual, self._fits)
        if equal:
            fixed = TextFit(2 if equal == "same_category" else 3, 1.0, residual, equal)
            return FitPlan(fixed, words, plan.total, residual, self._fits)
        if all(share >= 1 for share in shares):  # the 名称 cannot add anything
            return FitPlan(plan.fit(""), words, plan.total, residual, self._fits)
        return plan

    def _equality(self, text: LineText, item: str, category: str) -> str:
        normal_item, normal_category = self.normal(item), self.normal(category)
        if text.normal_item and text.normal_item == normal_item:
            return "same_item"
        if text.normal_item and text.normal_item == normal_category:
            return "item_is_category"
        if normal_item and normal_item in text.normal_item:
            return "contains_item"
        if text.normal_category and text.normal_category == normal_category:
            return "same_category"
        return ""

    def index_tokens(self, text: str) -> frozenset[str]:
        """Tokens as the index holds them (sub-words, synonyms), single characters left out."""
        found = self._tokens.get(text)
        if found is None:
            tokens = {t.text for t in self.analyzer(text)} if text else set()
            found = self._tokens[text] = frozenset(t for t in tokens if len(t) > 1)
        return found

    def whole_words(self, text: str) -> tuple[str, ...]:
        """The whole words of ``text`` (query mode), single characters left out."""
        found = self._words.get(text)
        if found is None:
            words = (t.text for t in self.analyzer(text, mode="query")) if text else ()
            found = self._words[text] = tuple(dict.fromkeys(w for w in words if len(w) > 1))
        return found

    def same_words(self, text: str) -> str:
        """``text`` with each synonym written as its group's first word (授课费 → 讲课费), its
        punctuation kept: the policy reads the segments."""
        found = self._same.get(text)
        if found is None:
            found = text
            for first, others in self._replacements:
                for other in others:
                    if other in found:
                        found = found.replace(other, first)
            self._same[text] = found
        return found

    def normal(self, text: str) -> str:
        """``text`` for equality: no spaces or punctuation, 费用 → 费, synonyms → one word."""
        found = self._normals.get(text)
        if found is None:
            cleaned = _PUNCTUATION.sub("", text.lower()).replace("费用", "费")
            for first, others in self._replacements:
                for other in others:
                    cleaned = cleaned.replace(other, first)
            found = self._normals[text] = cleaned
        return found


def _covered(word: str, tokens: frozenset[str], parts: frozenset[str]) -> float:
    """1 when the standard has the word (or a synonym), else half the share of its parts."""
    if word in tokens:
        return 1.0
    pieces = parts - {word}
    return 0.5 * len(pieces & tokens) / len(pieces) if pieces else 0.0
