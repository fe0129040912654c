"""Candidates for budget lines: the standards that may apply to each, found in the index, ranked.

For a line, with its region (or the project's) and its grade (or the project's):

1. *Related*: cost quotas and expenditure standards in force on the day (the index's ``on=``
   view) whose indexed text holds words of the line's 事项 making more than half of its
   characters, or every word of its 类别 — words as the index analyses them (jieba with the
   domain dictionary, synonyms expanded at index time: 绿化维护 finds 绿化养护). A word the index
   has never seen (养护费) is looked for by its parts (养护), at half its weight.
2. *Applicable*: the standard's region applies to the line's region chain (:mod:`kb.regions`:
   the place, its district, 上海市, nationwide or listed regions; central and provincial
   standards of no known place apply everywhere), and it is not more local than the project.
3. *Ranked* by, in order: the grade not contradicting the line's; the tier of the text fit
   (:mod:`indexer.text_fit`: the same 事项 or 类别, every word, or most words); the region's
   specificity (镇 → 区 → 市 → 省 → 全国); the grade's fit (the same; a standard for every
   grade; a grade the line left open); word coverage; fewest words of the standard's 事项 the
   line does not mention; units that convert; 成本定额 before 支出标准; code.

Each candidate carries its reason in Chinese. The work is shared across a sheet, so that a
10,000-line sheet costs little more than its distinct lines: related standards per distinct
(事项, 类别), their facts read from the database once, applicability per (region chain, region),
text fit per (事项, 类别, standard) — computed with numpy for all the regions a sheet needs at
once — and the ranking per distinct line. What does not depend on the lines (facts, analysed
texts, related standards and fits) is kept with the searcher for the next check (:class:`Shared`).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal
from itertools import chain
from itertools import combinations
from operator import itemgetter
from typing import Any
from typing import NamedTuple
from typing import cast
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.query import Term

from indexer.search import SearcherCache
from indexer.search import SearchQuery
from indexer.search import search_index
from indexer.text_fit import LineText
from indexer.text_fit import TextFit
from indexer.text_fit import TextFitter
from indexer.text_fit import grade_core
from indexer.text_fit import grade_words
from kb import standards
from kb.budget import RUNNERS_UP
from kb.budget import BudgetLine
from kb.budget import Candidate
from kb.budget import CheckContext
from kb.budget import candidate_from_version
from kb.budget.figures import price_unit
from kb.citing.citations import official_standard_text
from kb.citing.citations import standard_permalink
from kb.config import Settings
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.models import Standard
from kb.models import StandardVersion
from kb.regions import Place
from kb.regions import RegionResolver
from kb.regions import applies_at
from kb.regions import region_chain
from kb.units import Incomparable
from kb.units import parse_unit
from kb.vocab import Kind
from kb.vocab import Level

KINDS = (Kind.COST_QUOTA.value, Kind.EXPENDITURE.value)
_LOCALNESS = {Level.CENTRAL: 0, Level.PROVINCE: 1, Level.CITY: 2, Level.DISTRICT: 3, Level.TOWN: 4}
_LOCAL_BY_KEY = {level.value: rank for level, rank in _LOCALNESS.items()}
_HIGH_LEVELS = frozenset({Level.CENTRAL.value, Level.PROVINCE.value})
_COST_QUOTA = Kind.COST_QUOTA.value
_CODE_BATCH = 2000
_FIRST = itemgetter(0)
#: Facts kept for the checks against one searcher before all is forgotten: with what derives
#: from them, about 2 KB each (a 10k-line sheet at 100k standards keeps 68k: ~150 MB).
SHARED_DOCS = 150_000
#: Days (with project levels) whose related standards are kept per searcher.
SHARED_DAYS = 4
#: (事项, 类别, region) fits and analysed texts kept per searcher before starting afresh.
SHARED_FITS = 200_000
SHARED_TEXTS = 500_000
_PER_GROUP = 1 + RUNNERS_UP


def match_lines(
    settings: Settings,
    session: Session,
    lines: Sequence[BudgetLine],
    context: CheckContext,
    *,
    overrides: Mapping[int, str] | None = None,
) -> dict[int, tuple[Candidate, ...]]:
    """Ranked candidates for each line, by row: the best first, then up to RUNNERS_UP others.

    A row in ``overrides`` also gets the standard it names (its version in force on the day),
    if it is not among them. Without a search index every line gets no candidate.
    """
    index = search_index(settings)
    with index.lock:
        if not index.refresh() or index.cache is None:
            return {line.row: () for line in lines}
        found = Matcher(index.cache, session, context).rank_all(lines)
    for row, code in (overrides or {}).items():
        line = next((line for line in lines if line.row == row), None)
        if line is not None and all(c.code != code for c in found.get(row, ())):
            forced = forced_candidate(session, line, code, context)
            found[row] = found.get(row, ()) + ((forced,) if forced else ())
    return found


def forced_candidate(
    session: Session, line: BudgetLine, code: str, context: CheckContext
) -> Candidate | None:
    """The version of ``code`` in force on the day, as a candidate the reviewer chose."""
    try:
        version = standards.get(session, code, on=context.on)
    except NotFound:
        return None
    place = applies_at(version.region, version.level, region_chain(context.region_of(line)))
    where = f"地区“{version.region}”" + ("适用" if place else "不在本行地区范围内")
    return candidate_from_version(version, reason=f"评审人员指定；{where}")


class StandardFacts(NamedTuple):
    """The fields of a standard version that matching and citing read (no ORM object: tens of
    thousands are read for one sheet)."""

    code: str
    version: int
    name: str
    kind: str
    level: str
    region: str
    category: str | None
    item: str | None
    grade: str | None
    unit: str | None
    value: Decimal | None
    value_max: Decimal | None
    basis: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    status: str
    illustrative: bool


class Doc:
    """A related standard version as ranking reads it: its facts, and what derives from them
    once per check rather than once per line (its grade's core, its level's rank, its
    citation …)."""

    __slots__ = ("facts", "grade", "high", "group", "local", "order", "texts", "_cited")

    def __init__(self, facts: StandardFacts) -> None:
        self.facts = facts
        self.grade = grade_core(facts.grade) if facts.grade else None
        self.high = facts.level in _HIGH_LEVELS
        self.group = (self.grade, self.high)
        self.local = _LOCAL_BY_KEY[facts.level]
        # What breaks ties last: 成本定额 before 支出标准, then the code.
        self.order = (facts.kind != _COST_QUOTA, facts.code)
        self.texts = (facts.item or "", facts.category or "", facts.grade or "")
        self._cited: tuple[str, str] | None = None

    def cited(self) -> tuple[str, str]:
        """The citation text and the permalink (the facts carry what a version would)."""
        if self._cited is None:
            facts: Any = self.facts
            self._cited = (official_standard_text(facts), standard_permalink(facts))
        return self._cited


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

    def add(self, docs: dict[int, Doc], added: list[int]) -> None:
        """Enter newly loaded documents, and rank every loaded one's tie-break order again."""
        for docnum in added:
            doc = docs[docnum]
            self.texts[docnum] = self._id(self._text_ids, doc.texts, self.text_list)
            self.group[docnum] = self._id(self._group_ids, doc.group)
            self.local[docnum] = doc.local
        ordered = sorted(docs, key=lambda docnum: docs[docnum].order)
        self.order[ordered] = np.arange(len(ordered), dtype=np.int32)

    @staticmethod
    def _id(ids: dict[Any, int], key: Any, values: list[Any] | None = None) -> int:
        found = ids.get(key)
        if found is None:
            found = ids[key] = len(ids)
            if values is not None:
                values.append(key)
        return found


#: A related standard with its text fit, as ``(rank, doc, fit, how)``: ``rank`` sorts entries
#: best first within a region, ``(-tier, -coverage, residual, not a 成本定额, code)``; ``how``
#: says in Chinese how the texts match.
Entry = tuple[tuple[Any, ...], Doc, TextFit, str]


class Scope(NamedTuple):
    """One region of a line's related standards that applies to the line's region chain: its
    entries by grade, the place where they apply, and whether only central and provincial
    standards of it apply (a region that is no place known here)."""

    by_grade: dict[str | None, list[Entry]]
    place: Place
    local: int
    high_only: bool
    #: Where the standards apply, in Chinese, for a runner-up and for the match.
    where: tuple[str, str]


Keyed = tuple[tuple[Any, ...], Entry, Scope, int]


class Shared:
    """What the checks against one searcher share, kept as long as the searcher is: the facts
    of the standard versions read, the analysis of texts, and per day (and project level) the
    related standards of each (事项, 类别) and their fits per region.

    None of it depends on a sheet's lines, so a second check (the reviewer downloads the
    report, or re-runs with another standard picked) reads nothing from the database again.
    A new index commit brings a new searcher, and so a fresh ``Shared``.
    """

    def __init__(self, cache: SearcherCache) -> None:
        self.texts = TextFitter(cache.analyzer, cache.lexicon.synonym_groups)
        self.docs: dict[int, Doc] = {}
        self.size = cache.searcher.doc_count_all()
        self.table = DocTable(self.size)
        self.related: OrderedDict[dt.date, dict[tuple[str, str], dict[str, list[int]]]]
        self.related = OrderedDict()
        self.entries: OrderedDict[tuple[dt.date, int], dict[Any, dict[str | None, list[Entry]]]]
        self.entries = OrderedDict()
        self.in_force: OrderedDict[dt.date, np.ndarray] = OrderedDict()
        names: dict[str, int] = {}
        regions = cache.column("region")
        #: Each document's region as a number, and the regions by number.
        self.region_ids = np.fromiter(
            (names.setdefault(region, len(names)) for region in regions), np.int32, len(regions)
        )
        self.region_names = list(names)

    def in_force_mask(self, day: dt.date, docs: frozenset[int]) -> np.ndarray:
        """The standards in force on ``day`` (``docs``) as a mask by document number."""
        found = self.in_force.pop(day, None)
        if found is None:
            found = np.zeros(self.size, bool)
            found[np.fromiter(docs, np.int64, len(docs))] = True
        self.in_force[day] = found
        while len(self.in_force) > SHARED_DAYS:
            self.in_force.popitem(last=False)
        return found

    def related_on(self, day: dt.date) -> dict[tuple[str, str], dict[str, list[int]]]:
        return _remembered(self.related, day)

    def entries_for(self, day: dt.date, limit: int) -> dict[Any, dict[str | None, list[Entry]]]:
        return _remembered(self.entries, (day, limit))

    def trim(self) -> None:
        """Start afresh when the facts, texts or fits kept have grown past their bounds."""
        fits = sum(len(day) for day in self.entries.values())
        if len(self.docs) > SHARED_DOCS or fits > SHARED_FITS or self.texts.size > SHARED_TEXTS:
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


_SHARED: WeakKeyDictionary[SearcherCache, Shared] = WeakKeyDictionary()


def shared_for(cache: SearcherCache) -> Shared:
    """The shared work of the checks against this searcher (callers hold the index lock)."""
    found = _SHARED.get(cache)
    if found is None:
        found = _SHARED[cache] = Shared(cache)
    return found


class Matcher:
    """Ranks candidates for the lines of one check against one searcher, sharing the work."""

    def __init__(self, cache: SearcherCache, session: Session, context: CheckContext) -> None:
        self.cache = cache
        self.session = session
        self.context = context
        shared = self.shared = shared_for(cache)
        shared.trim()
        self.texts = shared.texts
        in_force = cache.filter_set(SearchQuery(type="standard", on=context.on, kind=KINDS))
        self.in_force_mask = shared.in_force_mask(context.on, in_force)
        self.places = RegionResolver()
        self.limit = _LOCALNESS[Level(context.level)] if context.level else 9
        self.docs = shared.docs
        self.table = shared.table
        self._related = shared.related_on(context.on)
        self._region_index: dict[tuple[str, str], tuple[dict[str, list[str]], list[str]]] = {}
        self._chains: dict[str, tuple[Place, ...]] = {}
        self._scopes: dict[tuple[tuple[str, str], str], list[Scope]] = {}
        self._entry_cache = shared.entries_for(context.on, self.limit)
        self._ranked: dict[tuple[object, ...], tuple[Candidate, ...]] = {}
        self._applicable: dict[tuple[tuple[str, str], str], list[tuple[str, Place, bool]]] = {}
        self._units: dict[str | None, _UnitTable] = {}
        self._when: dict[int, str] = {}

    def rank_all(self, lines: Sequence[BudgetLine]) -> dict[int, tuple[Candidate, ...]]:
        """Candidates for every line; lines alike are ranked once."""
        pairs: set[tuple[tuple[str, str], str]] = set()
        for text_key, region in {(_text_key(line), self.context.region_of(line)) for line in lines}:
            if text_key not in self._related:
                self._related[text_key] = self._find(self.texts.line_text(*text_key))
            pairs.update(
                (text_key, found) for found, _, _ in self._applicable_regions(text_key, region)
            )
        self._load({d for text_key, region in pairs for d in self._related[text_key][region]})
        by_text: dict[tuple[str, str], list[str]] = {}
        for text_key, region in pairs:
            if (text_key, region) not in self._entry_cache:
                by_text.setdefault(text_key, []).append(region)
        for text_key, regions in by_text.items():
            self._fit_text(text_key, regions)
        return {line.row: self._candidates(line) for line in lines}

    # -- finding ---------------------------------------------------------------------------

    def _find(self, text: LineText) -> dict[str, list[int]]:
        """Related standards in force, grouped by their region text."""
        searcher = self.cache.searcher
        known = [searcher.doc_frequency("content", word) > 0 for word in text.words]
        weights = [w if k else w // 2 or 1 for w, k in zip(text.weights, known, strict=True)]
        found: set[int] = set()
        for chosen in _minimal_subsets(weights, sum(text.weights) / 2):
            found |= frozenset.intersection(*(self._docs(text.words[i]) for i in chosen))
        if text.category:
            words = self.texts.whole_words(text.category) or (text.category,)
            found |= frozenset.intersection(*(self._docs(w) for w in words))
        return self._by_region(found)

    def _by_region(self, found: set[int]) -> dict[str, list[int]]:
        """The documents in force among ``found``, grouped by their region text."""
        docs = np.fromiter(found, np.int64, len(found))
        docs = docs[self.in_force_mask[docs]]
        if not len(docs):
            return {}
        ids = self.shared.region_ids[docs]
        order = np.argsort(ids, kind="stable")
        docs, ids = docs[order], ids[order]
        bounds = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1], [True])))
        names = self.shared.region_names
        return {
            names[ids[start]]: docs[start:end].tolist()
            for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
        }

    def _docs(self, word: str) -> frozenset[int]:
        """Index documents holding ``word``, or else any of its parts.

        Whole posting lists intersected as sets: faster than Whoosh's own AND, which walks
        them in Python.
        """
        docs = self.cache.matches(Term("content", word))
        if docs:
            return docs
        parts = self.texts.index_tokens(word) - {word}
        return frozenset().union(*(self.cache.matches(Term("content", p)) for p in parts))

    def _load(self, docnums: set[int]) -> None:
        """Read the facts of these index documents' versions from the database, in batches."""
        codes, versions = self.cache.column("code"), self.cache.column("version")
        wanted = {(codes[d], versions[d]): d for d in docnums if d not in self.docs}
        names = sorted({code for code, _ in wanted})
        added = []
        for start in range(0, len(names), _CODE_BATCH):
            for facts in _read_facts(self.session, names[start : start + _CODE_BATCH]):
                docnum = wanted.get((facts.code, facts.version))
                if docnum is not None:
                    self.docs[docnum] = Doc(facts)
                    added.append(docnum)
        if added:
            self.table.add(self.docs, added)

    def _chain(self, region: str) -> tuple[Place, ...]:
        found = self._chains.get(region)
        if found is None:
            found = self._chains[region] = region_chain(region)
        return found

    # -- ranking ---------------------------------------------------------------------------

    def _candidates(self, line: BudgetLine) -> tuple[Candidate, ...]:
        region, grade = self.context.region_of(line), self.context.grade_of(line)
        key = (*_text_key(line), region, grade, line.unit)
        found = self._ranked.get(key)
        if found is None:
            found = self._ranked[key] = self._rank(line, region, grade)
        return found

    def _rank(self, line: BudgetLine, region: str, grade: str | None) -> tuple[Candidate, ...]:
        """The best candidates, by the keys of the module docstring."""
        scopes = self._scopes_of(_text_key(line), region)
        wanted = grade_core(grade) if grade else None
        units = self._unit_table(line.unit)
        keyed: list[Keyed] = []
        for scope in scopes:
            if wanted is None:
                # A grade named in the 事项 itself (一类公厕保洁) counts as given.
                for found, entries in scope.by_grade.items():
                    fit = 1 if found is None else 2 if found in line.item else 0
                    _key(keyed, units, scope, entries, fit, grade_bad=False)
            else:
                for found, fit in ((wanted, 2), (None, 1)):
                    entries = scope.by_grade.get(found)
                    if entries:
                        _key(keyed, units, scope, entries, fit, grade_bad=False)
        if len(keyed) <= RUNNERS_UP and wanted is not None:
            for scope in scopes:
                for found, entries in scope.by_grade.items():
                    if found not in (wanted, None):
                        _key(keyed, units, scope, entries, -1, grade_bad=True)
        keyed.sort(key=_FIRST)
        return tuple(
            self._candidate(grade, entry, scope, grade_fit, first=i == 0)
            for i, (_, entry, scope, grade_fit) in enumerate(keyed[: 1 + RUNNERS_UP])
        )

    def _scopes_of(self, text_key: tuple[str, str], region: str) -> list[Scope]:
        """The regions of a (事项, 类别)'s related standards that apply to ``region``, with
        their entries by grade."""
        key = (text_key, region)
        found = self._scopes.get(key)
        if found is None:
            found = self._scopes[key] = [
                _scope(self._entries(text_key, name), place, high_only, name, region)
                for name, place, high_only in self._applicable_regions(text_key, region)
            ]
        return found

    def _applicable_regions(
        self, text_key: tuple[str, str], region: str
    ) -> list[tuple[str, Place, bool]]:
        """The regions of a text's related standards that apply to ``region``'s chain: each
        with its place and whether it applies only to central and provincial standards."""
        key = (text_key, region)
        found = self._applicable.get(key)
        if found is not None:
            return found
        chain = self._chain(region)
        known, others = self._regions_of(text_key)
        found = self._applicable[key] = []
        for name in [r for place in chain for r in known.get(place.name, ())] + others:
            place_and_rule = self.places.resolve(name, chain)
            if place_and_rule is not None:
                found.append((name, *place_and_rule))
        return found

    def _regions_of(self, text_key: tuple[str, str]) -> tuple[dict[str, list[str]], list[str]]:
        """The regions of a text's related standards: known places by their name, and the rest
        (nationwide, lists, places not known here), which need the full rules."""
        found = self._region_index.get(text_key)
        if found is None:
            known: dict[str, list[str]] = {}
            others: list[str] = []
            for region in self._related[text_key]:
                name, is_place = self.places.name(region)
                if is_place:
                    known.setdefault(name, []).append(region)
                else:
                    others.append(region)
            found = self._region_index[text_key] = (known, others)
        return found

    def _entries(self, text_key: tuple[str, str], region: str) -> dict[str | None, list[Entry]]:
        """The related standards of one region that fit a (事项, 类别)'s text, by grade."""
        key = (text_key, region)
        if key not in self._entry_cache:
            self._fit_text(text_key, [region])
        return self._entry_cache[key]

    def _fit_text(self, text_key: tuple[str, str], regions: list[str]) -> None:
        """Fit the related standards of these regions to a (事项, 类别)'s text, all at once, and
        keep per region the best few per grade and per central/provincial or not: only these
        can make a line's shortlist. Entries sort by ``(-tier, -coverage, residual, order)``.
        """
        text = self.texts.line_text(*text_key)
        lists = [self._related[text_key][region] for region in regions]
        docnums = np.fromiter(chain.from_iterable(lists), np.int64, sum(map(len, lists)))
        where = np.repeat(np.arange(len(regions)), [len(found) for found in lists])
        table = self.table
        texts = table.texts[docnums]
        usable = (texts >= 0) & (table.local[docnums] <= self.limit)
        docnums, where, texts = docnums[usable], where[usable], texts[usable]
        fits = _Fits(self.texts, text, self.table.text_list, texts)
        fits.name(docnums, self.docs)
        tiers, covers, residuals = fits.tiers, fits.covers, fits.residuals
        kept = np.flatnonzero(tiers >= 0)
        groups = table.group[docnums[kept]]
        order = np.lexsort(
            (
                table.order[docnums[kept]],
                residuals[kept],
                -covers[kept],
                -tiers[kept],
                groups,
                where[kept],
            )
        )
        best = kept[order[_leading(where[kept][order], groups[order], _PER_GROUP)]]
        found: list[dict[str | None, list[Entry]]] = [{} for _ in regions]
        for position, docnum, region in zip(
            best.tolist(), docnums[best].tolist(), where[best].tolist(), strict=True
        ):
            doc, fit = self.docs[docnum], fits.fit(position)
            entry = (fit.rank + doc.order, doc, fit, _how(text, doc.facts, fit))
            found[region].setdefault(doc.grade, []).append(entry)
        for region, by_grade in zip(regions, found, strict=True):
            self._entry_cache[(text_key, region)] = by_grade

    def _candidate(
        self,
        grade: str | None,
        entry: Entry,
        scope: Scope,
        grade_fit: int,
        *,
        first: bool,
    ) -> Candidate:
        _, doc, fit, how = entry
        facts = doc.facts
        when = self._when.get(facts.version)
        if when is None:
            when = f"{self.context.on.isoformat()}现行有效（第{facts.version}版）"
            self._when[facts.version] = when
        where = scope.where[first]
        reason = "；".join((how, where, grade_words(grade, facts.grade, grade_fit), when))
        score = 25 * fit.tier + 10 * fit.coverage - 3 * scope.local
        score += 5 * max(grade_fit, 0) - 2 * min(fit.residual, 5)
        return candidate_from_version(
            cast(Any, facts),
            reason=reason,
            score=round(max(0.0, min(100.0, score)), 1),
            cited=doc.cited(),
        )

    # -- units -----------------------------------------------------------------------------

    def _unit_table(self, unit: str | None) -> dict[str | None, bool]:
        """Whether a line's unit converts to each standard unit, remembered per line unit."""
        found = self._units.get(unit)
        if found is None:
            found = self._units[unit] = _UnitTable(unit)
        return found


class _UnitTable(dict[str | None, bool]):
    """Standard unit → whether a line of ``unit`` converts to it, filled as asked."""

    def __init__(self, unit: str | None) -> None:
        super().__init__()
        self.unit = unit

    def __missing__(self, standard_unit: str | None) -> bool:
        found = self[standard_unit] = _converts(self.unit, standard_unit)
        return found


class _Fits:
    """The fits of many documents to one text, as arrays: computed once per distinct
    (事项, 类别, 等级), then per document only where its 名称 can change them."""

    def __init__(
        self,
        fitter: TextFitter,
        text: LineText,
        text_list: list[tuple[str, str, str]],
        texts: np.ndarray,
    ) -> None:
        distinct, self.which = np.unique(texts, return_inverse=True)
        self.plans = [fitter.plan(text, *text_list[i]) for i in distinct.tolist()]
        fixed = [plan.fixed or _NO_FIT for plan in self.plans]
        self.tiers = np.array([fit.tier for fit in fixed], np.int64)[self.which]
        self.covers = np.array([fit.coverage for fit in fixed], np.float64)[self.which]
        self.residuals = np.array([fit.residual for fit in fixed], np.int64)[self.which]
        self.open = np.array([plan.fixed is None for plan in self.plans], bool)[self.which]
        self.named: dict[int, TextFit] = {}

    def name(self, docnums: np.ndarray, docs: dict[int, Doc]) -> None:
        """Finish the fits that depend on the documents' 名称."""
        positions = np.flatnonzero(self.open)
        plans = self.plans
        fits = [
            plans[which].fit(docs[docnum].facts.name)
            for which, docnum in zip(
                self.which[positions].tolist(), docnums[positions].tolist(), strict=True
            )
        ]
        self.named = dict(zip(positions.tolist(), fits, strict=True))
        self.tiers[positions] = [fit.tier for fit in fits]
        self.covers[positions] = [fit.coverage for fit in fits]
        self.residuals[positions] = [fit.residual for fit in fits]

    def fit(self, position: int) -> TextFit:
        found = self.named.get(position) or self.plans[self.which[position]].fixed
        assert found is not None
        return found


_NO_FIT = TextFit(-1, 0.0, 0, "")


def _leading(regions: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """Of rows sorted by (region, group, …), the mask of the first ``count`` of each run."""
    size = len(regions)
    if not size:
        return np.zeros(0, bool)
    starts = np.flatnonzero(
        np.concatenate(([True], (regions[1:] != regions[:-1]) | (groups[1:] != groups[:-1])))
    )
    lengths = np.diff(np.append(starts, size))
    return np.arange(size) - np.repeat(starts, lengths) < count


def _how(text: LineText, facts: StandardFacts, fit: TextFit) -> str:
    return fit.describe(text, facts.item, facts.category, facts.name)


def _scope(
    by_grade: dict[str | None, list[Entry]], place: Place, high_only: bool, name: str, region: str
) -> Scope:
    if place.level is Level.CENTRAL:
        where = (f"地区“{name}”全国适用",) * 2
    else:
        plain = f"地区“{name}”（{place.level.label}）适用于{region}"
        where = (plain, f"{plain}，为有此类标准的最具体地区")
    return Scope(by_grade, place, -_LOCALNESS[place.level], high_only, where)


def _key(
    keyed: list[Keyed],
    units: dict[str | None, bool],
    scope: Scope,
    entries: list[Entry],
    grade_fit: int,
    *,
    grade_bad: bool,
) -> None:
    """Add the sort keys of one region's entries of one grade (see the module docstring)."""
    local, high_only = scope.local, scope.high_only
    for entry in entries:
        rank, doc, _, _ = entry
        if high_only and not doc.high:
            continue
        unit_bad = not units[doc.facts.unit]
        key = (grade_bad, rank[0], local, -grade_fit, rank[1], rank[2], unit_bad, rank[3], rank[4])
        keyed.append((key, entry, scope, grade_fit))


def _minimal_subsets(weights: list[int], half: float) -> list[tuple[int, ...]]:
    """The smallest sets of word positions whose weights add up to more than ``half``."""
    found: list[tuple[int, ...]] = []
    for size in range(1, len(weights) + 1):
        for chosen in combinations(range(len(weights)), size):
            enough = sum(weights[i] for i in chosen) > half
            if enough and not any(set(smaller) <= set(chosen) for smaller in found):
                found.append(chosen)
    return found


def _text_key(line: BudgetLine) -> tuple[str, str]:
    return line.item, line.category or ""


def _facts_statement() -> Select[Any]:
    v = StandardVersion
    return (
        select(
            *(Standard.code, v.version, v.name, v.kind, v.level, v.region, v.category, v.item),
            *(v.grade, v.unit, v.value, v.value_max, v.basis, v.effective_from),
            *(v.effective_to, v.status, v.illustrative),
        )
        .join(v, v.standard_id == Standard.id)
        .where(Standard.code.in_(bindparam("codes", expanding=True)))
    )


_FACTS = _facts_statement()


def _read_facts(session: Session, codes: list[str]) -> list[StandardFacts]:
    """The facts of every version of these standards, read without ORM objects.

    One statement, compiled once; run as Core on the session's connection, fetched whole.
    """
    rows = session.connection().execute(_FACTS, {"codes": codes}).all()
    return list(map(StandardFacts._make, rows))


def _converts(unit: str | None, standard_unit: str | None) -> bool:
    if not standard_unit:
        return False
    try:
        price_unit(unit, parse_unit(standard_unit))
    except (Incomparable, InvalidInput):
        return False
    return True
