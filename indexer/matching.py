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
text fit per (事项, 类别, standard) and the ranking per distinct line.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from itertools import combinations
from typing import Any

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
from kb.budget_figures import price_unit
from kb.citations import official_standard_text
from kb.citations import standard_permalink
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
_CODE_BATCH = 500
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


@dataclass(frozen=True)
class StandardFacts:
    """The fields of a standard version that matching and citing read (no ORM object)."""

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


@dataclass(frozen=True, order=True)
class Entry:
    """A related standard with its text fit; entries sort best first within a region."""

    rank: tuple[float, float, int, bool, str]
    facts: StandardFacts = field(compare=False)
    fit: TextFit = field(compare=False)
    grade: str | None = field(compare=False)
    high: bool = field(compare=False)

    @property
    def order(self) -> tuple[bool, str]:
        """What breaks ties last: 成本定额 before 支出标准, then the code."""
        return self.rank[3], self.rank[4]


def _entry(facts: StandardFacts, fit: TextFit) -> Entry:
    cost_quota = facts.kind == Kind.COST_QUOTA.value
    return Entry(
        rank=(-fit.tier, -fit.coverage, fit.residual, not cost_quota, facts.code),
        facts=facts,
        fit=fit,
        grade=grade_core(facts.grade) if facts.grade else None,
        high=facts.level in _HIGH_LEVELS,
    )


class Matcher:
    """Ranks candidates for the lines of one check against one searcher, sharing the work."""

    def __init__(self, cache: SearcherCache, session: Session, context: CheckContext) -> None:
        self.cache = cache
        self.session = session
        self.context = context
        self.texts = TextFitter(cache.analyzer, cache.lexicon.synonym_groups)
        self.in_force = cache.filter_set(SearchQuery(type="standard", on=context.on, kind=KINDS))
        self.regions = cache.column("region")
        self.places = RegionResolver()
        self.facts: dict[int, StandardFacts] = {}
        self._related: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._region_index: dict[tuple[str, str], tuple[dict[str, list[str]], list[str]]] = {}
        self._entry_cache: dict[tuple[tuple[str, str], str], list[Entry]] = {}
        self._applicable_cache: dict[tuple[object, ...], dict[str | None, list[Any]]] = {}
        self._ranked: dict[tuple[object, ...], tuple[Candidate, ...]] = {}
        self._units: dict[tuple[str | None, str | None], bool] = {}
        self._citations: dict[StandardFacts, str] = {}

    def rank_all(self, lines: Sequence[BudgetLine]) -> dict[int, tuple[Candidate, ...]]:
        """Candidates for every line; lines alike are ranked once."""
        pairs: set[tuple[tuple[str, str], str]] = set()
        for text_key, region in {(_text_key(line), self.context.region_of(line)) for line in lines}:
            if text_key not in self._related:
                self._related[text_key] = self._find(self.texts.line_text(*text_key))
            chain = region_chain(region)
            pairs.update(
                (text_key, found) for found, _, _ in self._applicable_regions(text_key, chain)
            )
        self._load({d for text_key, region in pairs for d in self._related[text_key][region]})
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
        by_region: dict[str, list[int]] = {}
        for docnum in found & self.in_force:
            by_region.setdefault(self.regions[docnum], []).append(docnum)
        return by_region

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
        wanted = {(codes[d], versions[d]): d for d in docnums if d not in self.facts}
        names = sorted({code for code, _ in wanted})
        for start in range(0, len(names), _CODE_BATCH):
            for facts in _read_facts(self.session, names[start : start + _CODE_BATCH]):
                docnum = wanted.get((facts.code, facts.version))
                if docnum is not None:
                    self.facts[docnum] = facts

    # -- ranking ---------------------------------------------------------------------------

    def _candidates(self, line: BudgetLine) -> tuple[Candidate, ...]:
        region, grade = self.context.region_of(line), self.context.grade_of(line)
        key = (*_text_key(line), region, grade, line.unit)
        found = self._ranked.get(key)
        if found is None:
            found = self._ranked[key] = self._rank(line, region, grade)
        return found

    def _rank(self, line: BudgetLine, region: str, grade: str | None) -> tuple[Candidate, ...]:
        groups = self._applicable(_text_key(line), region_chain(region))
        wanted = grade_core(grade) if grade else None
        if wanted is None:
            # A grade named in the 事项 itself (一类公厕保洁) counts as given.
            pool = [(g, 1 if g is None else 2 if g in line.item else 0) for g in groups]
        else:
            pool = [(wanted, 2), (None, 1)]
        ranked = self._keyed(line, groups, pool, grade_bad=False)
        if len(ranked) <= RUNNERS_UP and wanted is not None:
            others = [(g, -1) for g in groups if g not in (wanted, None)]
            ranked += self._keyed(line, groups, others, grade_bad=True)
        best = heapq.nsmallest(1 + RUNNERS_UP, ranked, key=lambda found: found[0])
        return tuple(
            self._candidate(line, region, grade, entry, place, grade_fit, first=i == 0)
            for i, (_, entry, place, grade_fit) in enumerate(best)
        )

    def _keyed(
        self,
        line: BudgetLine,
        groups: dict[str | None, list[tuple[tuple[float, ...], Entry, Place]]],
        pool: list[tuple[str | None, int]],
        *,
        grade_bad: bool,
    ) -> list[tuple[tuple[object, ...], Entry, Place, int]]:
        """Sort keys for the entries of the chosen grade groups (see the module docstring)."""
        keyed = []
        for grade, grade_fit in pool:
            for (tier, local, coverage, residual), entry, place in groups.get(grade, ()):
                unit_bad = not self._converts(line.unit, entry.facts.unit)
                key = (
                    grade_bad,
                    tier,
                    local,
                    -grade_fit,
                    coverage,
                    residual,
                    unit_bad,
                    *entry.order,
                )
                keyed.append((key, entry, place, grade_fit))
        return keyed

    def _applicable(
        self, text_key: tuple[str, str], chain: tuple[Place, ...]
    ) -> dict[str | None, list[tuple[tuple[float, ...], Entry, Place]]]:
        """Related standards whose region applies to ``chain``, by grade, with the place they
        apply at and the part of their sort key that does not depend on the line's grade."""
        key = (text_key, tuple(p.name for p in chain))
        found = self._applicable_cache.get(key)
        if found is not None:
            return found
        found = {}
        for region, place, high_only in self._applicable_regions(text_key, chain):
            local = -_LOCALNESS[place.level]
            for e in self._entries(text_key, region):
                if e.high or not high_only:
                    partial = (-e.fit.tier, local, -e.fit.coverage, e.fit.residual)
                    found.setdefault(e.grade, []).append((partial, e, place))
        self._applicable_cache[key] = found
        return found

    def _applicable_regions(
        self, text_key: tuple[str, str], chain: tuple[Place, ...]
    ) -> list[tuple[str, Place, bool]]:
        """The regions of a text's related standards that apply to ``chain``: each with its
        place and whether it applies only to central and provincial standards."""
        known, others = self._regions_of(text_key)
        found = []
        for region in [r for place in chain for r in known.get(place.name, ())] + others:
            place_and_rule = self.places.resolve(region, chain)
            if place_and_rule is not None:
                found.append((region, *place_and_rule))
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

    def _entries(self, text_key: tuple[str, str], region: str) -> list[Entry]:
        """The related standards of one region that fit a (事项, 类别)'s text."""
        key = (text_key, region)
        found = self._entry_cache.get(key)
        if found is None:
            text = self.texts.line_text(*text_key)
            limit = _LOCALNESS[Level(self.context.level)] if self.context.level else 9
            groups: dict[tuple[str | None, bool], list[Entry]] = {}
            for docnum in self._related[text_key][region]:
                facts = self.facts.get(docnum)
                if facts is None or _LOCAL_BY_KEY[facts.level] > limit:
                    continue
                fit = self.texts.fit(text, facts.item, facts.category, facts.grade, facts.name)
                if fit.tier >= 0:
                    entry = _entry(facts, fit)
                    groups.setdefault((entry.grade, entry.high), []).append(entry)
            # Within one region and grade only the best few can make a line's shortlist.
            found = [e for group in groups.values() for e in heapq.nsmallest(_PER_GROUP, group)]
            self._entry_cache[key] = found
        return found

    def _candidate(
        self,
        line: BudgetLine,
        region: str,
        grade: str | None,
        entry: Entry,
        place: Place,
        grade_fit: int,
        *,
        first: bool,
    ) -> Candidate:
        facts, fit = entry.facts, entry.fit
        if place.level is Level.CENTRAL:
            where = f"地区“{facts.region}”全国适用"
        else:
            where = f"地区“{facts.region}”（{place.level.label}）适用于{region}"
            where += "，为有此类标准的最具体地区" if first else ""
        when = f"{self.context.on.isoformat()}现行有效（第{facts.version}版）"
        text = self.texts.line_text(line.item, line.category or "")
        how = fit.describe(text, facts.item, facts.category, facts.name)
        reason = "；".join((how, where, grade_words(grade, facts.grade, grade_fit), when))
        score = 25 * fit.tier + 10 * fit.coverage + 3 * _LOCALNESS[place.level]
        score += 5 * max(grade_fit, 0) - 2 * min(fit.residual, 5)
        return Candidate(
            code=facts.code,
            version=facts.version,
            name=facts.name,
            kind=Kind(facts.kind),
            level=Level(facts.level),
            region=facts.region,
            category=facts.category,
            item=facts.item,
            grade=facts.grade,
            unit=facts.unit,
            value=facts.value,
            value_max=facts.value_max,
            citation=self._citation(facts),
            permalink=standard_permalink(facts),  # type: ignore[arg-type]
            reason=reason,
            score=round(max(0.0, min(100.0, score)), 1),
            illustrative=facts.illustrative,
        )

    def _citation(self, facts: StandardFacts) -> str:
        found = self._citations.get(facts)
        if found is None:
            # The citation reads the same attributes from the facts as from a version.
            found = self._citations[facts] = official_standard_text(facts)  # type: ignore[arg-type]
        return found

    # -- units -----------------------------------------------------------------------------

    def _converts(self, unit: str | None, standard_unit: str | None) -> bool:
        key = (unit, standard_unit)
        found = self._units.get(key)
        if found is None:
            found = self._units[key] = _converts(unit, standard_unit)
        return found


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


def _read_facts(session: Session, codes: list[str]) -> list[StandardFacts]:
    """The facts of every version of these standards, read without ORM objects."""
    v = StandardVersion
    rows = session.execute(
        select(
            *(Standard.code, v.version, v.name, v.kind, v.level, v.region, v.category, v.item),
            *(v.grade, v.unit, v.value, v.value_max, v.basis, v.effective_from),
            *(v.effective_to, v.status, v.illustrative),
        )
        .join(v, v.standard_id == Standard.id)
        .where(Standard.code.in_(codes))
    )
    return [StandardFacts(*row) for row in rows]


def _converts(unit: str | None, standard_unit: str | None) -> bool:
    if not standard_unit:
        return False
    try:
        price_unit(unit, parse_unit(standard_unit))
    except (Incomparable, InvalidInput):
        return False
    return True
