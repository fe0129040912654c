"""What the budget checks against one searcher share: facts read, texts analysed, fits made.

None of it depends on a sheet's lines, so a second check (the reviewer downloads the report,
or re-runs with another standard picked) reads nothing from the database again. A new index
commit brings a new searcher, and so a fresh :class:`Shared`. Every bound is here.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any
from typing import cast
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy.orm import Session

from indexer.budget_facts import FactsFile
from indexer.budget_facts import facts_for
from indexer.matching.text_fit import LineText
from indexer.matching.text_fit import TextFit
from indexer.matching.text_fit import TextFitter
from indexer.matching.view import IndexView
from kb.budget.facts import StandardFacts
from kb.budget.lines import Candidate
from kb.budget.lines import candidate_from_version
from kb.budget.policy import LOCAL_BY_KEY
from kb.budget.policy import ItemParts
from kb.budget.policy import expense_cores
from kb.budget.policy import grade_core
from kb.budget.policy import item_parts
from kb.citing.citations import official_standard_text
from kb.citing.citations import standard_permalink
from kb.vocab import Kind
from kb.vocab import Level

#: Facts kept for the checks against one searcher before all is forgotten: with what derives
#: from them, about 2 KB each (a 10k-line sheet at 100k standards keeps 68k: ~150 MB).
SHARED_DOCS = 150_000
#: Days (with project levels) whose related standards are kept per searcher.
SHARED_DAYS = 4
#: (事项, 类别, region) fits and analysed texts kept per searcher before starting afresh.
SHARED_FITS = 200_000
SHARED_TEXTS = 500_000
#: Distinct lines whose ranked candidates are kept per searcher (a re-run or a download of the
#: same sheet ranks nothing again).
SHARED_RANKED = 100_000
_HIGH_LEVELS = frozenset({Level.CENTRAL.value, Level.PROVINCE.value})
_COST_QUOTA = Kind.COST_QUOTA.value
_LEVELS = {level.value: level for level in Level}

#: The fields of a candidate that matching decides per line.
PER_LINE = frozenset({"reason", "score", "eligible", "grade_fit", "lapsed_on"})

#: A day, or ``None`` for the current versions (to find what lapsed).
Day = dt.date | None


class Doc:
    """A related standard version as ranking reads it: its facts, and what derives from them
    once per check rather than once per line (its 事项's parts, its grade's core, its level's
    rank, its citation …)."""

    __slots__ = (
        *("facts", "parts", "grade", "high", "group", "local", "order", "texts", "level", "text"),
        "_cited",
        "_template",
    )

    def __init__(self, facts: StandardFacts) -> None:
        self.facts = facts
        self.parts: ItemParts = item_parts(facts.item, facts.grade)
        self.group = self.grade, self.high = group_of(facts, self.parts)
        self.local = LOCAL_BY_KEY[facts.level]
        self.level = _LEVELS[facts.level]
        self.order = order_of(facts)
        self.texts = texts_of(facts)
        #: The standard's 事项, 类别 and 名称 together, for the sub-item rule.
        self.text = f"{facts.item or ''}{facts.category or ''}{facts.name}"
        self._cited: tuple[str, str] | None = None
        self._template: Candidate | None = None

    def cited(self) -> tuple[str, str]:
        """The citation text and the permalink (the facts carry what a version would)."""
        if self._cited is None:
            facts: Any = self.facts
            self._cited = (official_standard_text(facts), standard_permalink(facts))
        return self._cited

    def candidate(self) -> Candidate:
        """This version as a :class:`kb.budget.lines.Candidate` with the fields that do not
        depend on the line (all but :data:`PER_LINE`), as :func:`candidate_from_version` fills
        them: made once per check, not once per line (:func:`kb.budget.lines.candidate_like`
        sets the rest)."""
        if self._template is None:
            self._template = candidate_from_version(
                cast(Any, self.facts),
                reason="",
                cited=self.cited(),
                family=(self.facts.category or "", self.parts.family, self.facts.unit or ""),
                grade_label=self.parts.grade,
            )
        return self._template


def group_of(facts: StandardFacts, parts: ItemParts | None = None) -> tuple[str | None, bool]:
    """A version's grade group: the core of the grade its 事项 names (or its 等级), and whether
    it is a central or provincial standard."""
    grade = (parts or item_parts(facts.item, facts.grade)).grade
    return (grade_core(grade) if grade else None), facts.level in _HIGH_LEVELS


def order_of(facts: StandardFacts) -> tuple[bool, str]:
    """What breaks ties last: 成本定额 before 支出标准, then the code."""
    return facts.kind != _COST_QUOTA, facts.code


def texts_of(facts: StandardFacts) -> tuple[str, str, str]:
    """The texts a line is fitted to: 事项, 类别, 等级."""
    return facts.item or "", facts.category or "", facts.grade or ""


class Docs(dict[int, Doc]):
    """The related standard versions loaded for the checks against one searcher, by index
    document number: their facts (:attr:`facts`) entered at once, each :class:`Doc` made when
    first asked for — ranking reads a few of the tens of thousands it fits (18k of 66k for a
    10,000-line sheet at 100k standards)."""

    def __init__(self) -> None:
        super().__init__()
        self.facts: dict[int, StandardFacts] = {}

    def __missing__(self, docnum: int) -> Doc:
        found = self[docnum] = Doc(self.facts[docnum])
        return found

    def clear(self) -> None:
        super().clear()
        self.facts.clear()


class DocTable:
    """The loaded standards as arrays by index document number, to fit thousands at once:
    the id of their (事项, 类别, 等级) texts (-1: not loaded), their level's rank, the id of
    their (grade, central or provincial) group and the rank of their tie-break order."""

    def __init__(self, size: int) -> None:
        self.texts = np.full(size, -1, np.int32)
        self.local = np.zeros(size, np.int8)
        self.group = np.zeros(size, np.int32)
        self.order = np.zeros(size, np.int32)
        self.text_list: list[tuple[str, str, str]] = []
        self._text_ids: dict[tuple[str, str, str], int] = {}
        self._group_ids: dict[tuple[str | None, bool], int] = {}

    def add(self, facts: dict[int, StandardFacts], added: list[int]) -> None:
        """Enter newly loaded documents (``facts`` holds every loaded one, in the order they
        were loaded), and rank every loaded one's tie-break order (:func:`order_of`) again."""
        if not added:
            return
        texts, groups, local = [], [], []
        for docnum in added:
            version = facts[docnum]
            texts.append(self._id(self._text_ids, texts_of(version), self.text_list))
            groups.append(self._id(self._group_ids, group_of(version)))
            local.append(LOCAL_BY_KEY[version.level])
        at = np.asarray(added, dtype=np.int64)
        self.texts[at], self.group[at], self.local[at] = texts, groups, local
        loaded = list(facts.values())
        # sorted by (not a 成本定额, code), stably: what sorting by order_of does
        ordered = np.lexsort(
            (
                np.array([version.code for version in loaded]),
                np.fromiter((v.kind != _COST_QUOTA for v in loaded), bool, len(loaded)),
            )
        )
        docnums = np.fromiter(facts, np.int64, len(facts))
        self.order[docnums[ordered]] = np.arange(len(ordered), dtype=np.int32)

    @staticmethod
    def _id(ids: dict[Any, int], key: Any, values: list[Any] | None = None) -> int:
        found = ids.get(key)
        if found is None:
            found = ids[key] = len(ids)
            if values is not None:
                values.append(key)
        return found


#: A related standard with its text fit, as ``(rank, doc, fit, text)``: ``rank`` sorts entries
#: best first within a region, ``(-tier, -coverage, residual, not a 成本定额, code)``; ``text``
#: is the line's text it was fitted to (how the texts match is said in Chinese only for the
#: entries that become candidates: about half of them).
Entry = tuple[tuple[Any, ...], Doc, TextFit, LineText]


class Shared:
    """The shared work of the checks against one searcher (see the module docstring)."""

    def __init__(self, view: IndexView) -> None:
        self.view_token, self.folder = view.token, view.folder
        self._facts: FactsFile | None = None
        self.texts = TextFitter(view.analyzer, view.synonym_groups)
        self.docs = Docs()
        self.size = view.size
        self.table = DocTable(self.size)
        self.related: OrderedDict[Day, dict[tuple[str, str], dict[str, list[int]]]]
        self.related = OrderedDict()
        self.entries: OrderedDict[tuple[Day, int], dict[Any, dict[str | None, list[Entry]]]]
        self.entries = OrderedDict()
        self.in_force: OrderedDict[Day, np.ndarray] = OrderedDict()
        self.ranked: OrderedDict[tuple[Any, ...], dict[Any, Any]] = OrderedDict()
        names: dict[str, int] = {}
        regions = view.column("region")
        #: Each document's region as a number, and the regions by number.
        self.region_ids = np.fromiter(
            (names.setdefault(region, len(names)) for region in regions), np.int32, len(regions)
        )
        self.region_names = list(names)
        #: The expense 类别 of the index's standards (会议, 培训, 差旅 …): a line naming one is
        #: for standards naming it (:func:`kb.budget.policy.sub_item_fits`).
        self.expenses = expense_cores(
            self.texts.same_words(category) for category in set(view.column("category")) if category
        )

    def facts(self, session: Session) -> FactsFile:
        """The facts of the standards of this commit of the index, kept with it
        (:mod:`indexer.budget_facts`), loaded once per searcher."""
        if self._facts is None:
            self._facts = facts_for(self.folder, self.view_token, session)
        return self._facts

    def in_force_mask(self, day: Day, docs: frozenset[int]) -> np.ndarray:
        """The standards in force on ``day`` (``docs``) as a mask by document number."""
        found = self.in_force.pop(day, None)
        if found is None:
            found = np.zeros(self.size, bool)
            found[np.fromiter(docs, np.int64, len(docs))] = True
        self.in_force[day] = found
        while len(self.in_force) > SHARED_DAYS:
            self.in_force.popitem(last=False)
        return found

    def related_on(self, day: Day) -> dict[tuple[str, str], dict[str, list[int]]]:
        return _remembered(self.related, day)

    def entries_for(self, day: Day, limit: int) -> dict[Any, dict[str | None, list[Entry]]]:
        return _remembered(self.entries, (day, limit))

    def ranked_for(self, key: tuple[Any, ...]) -> dict[Any, Any]:
        """The ranked candidates of the lines checked with one context (day, level, project)."""
        return _remembered(self.ranked, key)

    def trim(self) -> None:
        """Start afresh when the facts, texts or fits kept have grown past their bounds."""
        fits = sum(len(day) for day in self.entries.values())
        ranked = sum(len(found) for found in self.ranked.values())
        if ranked > SHARED_RANKED:
            self.ranked.clear()
        if (
            len(self.docs.facts) > SHARED_DOCS
            or fits > SHARED_FITS
            or self.texts.size > SHARED_TEXTS
        ):
            self.ranked.clear()
            self.docs.clear()
            self.related.clear()
            self.entries.clear()
            self.texts = TextFitter(self.texts.analyzer, self.texts.synonym_groups)
            self.table = DocTable(self.size)


def _remembered(days: OrderedDict[Any, dict[Any, Any]], key: Any) -> dict[Any, Any]:
    found = days.pop(key, None)
    days[key] = found = {} if found is None else found
    while len(days) > SHARED_DAYS:
        days.popitem(last=False)
    return found


_SHARED: WeakKeyDictionary[Any, Shared] = WeakKeyDictionary()


def shared_for(view: IndexView) -> Shared:
    """The shared work of the checks against this view's searcher (while it is held)."""
    found = _SHARED.get(view.key)
    if found is None:
        found = _SHARED[view.key] = Shared(view)
    return found
