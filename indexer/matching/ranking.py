"""Ranking a sheet's lines against the standards the index relates to them, sharing the work.

For a line, with its region (or the project's) and its grade (or the project's, or one its 事项
names):

1. *Related*: cost quotas and expenditure standards in force on the day whose indexed text
   holds words of the line's 事项 making more than half of its characters, or every word of
   its 类别 — words as the index analyses them (:mod:`indexer.matching.text_fit`). A word the
   index has never seen (养护费) is looked for by its parts (养护), at half its weight.
2. *Applicable*: the standard's region applies to the line's region chain (:mod:`kb.regions`),
   and it is not more local than the project.
3. *Ranked* by :func:`kb.budget.policy.rank_key`: another sub-item or another grade last
   (never the match), then the tier of the text fit, the region's localness, the grade's fit,
   word coverage, fewest unmentioned words, units that convert, 成本定额 first, code. The
   score shown is derived from the same key.

The work is shared across a sheet, so that a 10,000-line sheet costs little more than its
distinct lines: related standards per distinct (事项, 类别), their facts read from the database
once, applicability per (region chain, region), text fit per (事项, 类别, standard) — computed
with numpy for all the regions a sheet needs at once — and the ranking per distinct line. What
does not depend on the lines is kept with the searcher (:mod:`indexer.matching.shared`).

The module stays whole (about 500 lines): the :class:`Matcher`'s steps share its per-check
memos (a 10,000-line sheet against 100k standards ranks 9,230 distinct lines, and each memo
here took a measured part off its first check, bench/README "Budget check at scale"); the
helpers that need none of them are in :mod:`indexer.matching.fitting`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any
from typing import NamedTuple

import numpy as np
from sqlalchemy.orm import Session

from indexer.matching.fitting import Fits
from indexer.matching.fitting import UnitTable
from indexer.matching.fitting import how
from indexer.matching.fitting import leading
from indexer.matching.fitting import minimal_subsets
from indexer.matching.shared import Day
from indexer.matching.shared import Doc
from indexer.matching.shared import Entry
from indexer.matching.shared import shared_for
from indexer.matching.text_fit import LineText
from indexer.matching.text_fit import TextFitter
from indexer.matching.view import IndexView
from indexer.schema import STANDARD_ID_SHIFT
from kb.budget.facts import StandardFacts
from kb.budget.facts import read_facts
from kb.budget.lines import RUNNERS_UP
from kb.budget.lines import BudgetLine
from kb.budget.lines import Candidate
from kb.budget.lines import CheckContext
from kb.budget.lines import candidate_like
from kb.budget.policy import LOCALNESS
from kb.budget.policy import ItemParts
from kb.budget.policy import RankKey
from kb.budget.policy import applicability
from kb.budget.policy import grade_fit
from kb.budget.policy import grade_words
from kb.budget.policy import item_parts
from kb.budget.policy import named_expenses
from kb.budget.policy import named_grade
from kb.budget.policy import rank_key
from kb.budget.policy import sub_item_fits
from kb.regions import Place
from kb.regions import RegionResolver
from kb.regions import region_chain
from kb.vocab import Kind

_COST_QUOTA = Kind.COST_QUOTA.value
_PER_GROUP = 1 + RUNNERS_UP
_FIRST = itemgetter(0)


class Scope(NamedTuple):
    """One region of a line's related standards that applies to the line's region chain: its
    entries by grade, the place where they apply, and whether only central and provincial
    standards of it apply (a region that is no place known here)."""

    by_grade: dict[str | None, list[Entry]]
    place: Place
    high_only: bool


#: A ranked entry: its key, the entry, its scope, its grade fit and whether it may be the match.
Keyed = tuple[RankKey, Entry, Scope, int, bool]


class Matcher:
    """Ranks candidates for the lines of one check against one searcher, sharing the work.

    ``day`` is the day checked, or ``None`` to rank the current versions whatever their dates
    (to tell a line that its standard lapsed).
    """

    def __init__(self, view: IndexView, session: Session, context: CheckContext, day: Day) -> None:
        self.view = view
        self.session = session
        self.context = context
        self.day = day
        shared = self.shared = shared_for(view)
        shared.trim()
        self.texts: TextFitter = shared.texts
        self.in_force_mask = shared.in_force_mask(day, view.standards(day))
        self.places = RegionResolver()
        self.limit = LOCALNESS[context.level] if context.level else 9
        self.project_level = context.project_level
        self.docs = shared.docs
        self.table = shared.table
        self._related = shared.related_on(day)
        self._region_index: dict[tuple[str, str], tuple[dict[str, list[str]], list[str]]] = {}
        self._chains: dict[str, tuple[Place, ...]] = {}
        self._scopes: dict[tuple[tuple[str, str], str], list[Scope]] = {}
        self._entry_cache = shared.entries_for(day, self.limit)
        self._ranked = shared.ranked_for(
            (day, self.limit, context.project_region, self.project_level, context.on)
        )
        self._sub_items: dict[tuple[str, str | None, int], bool] = {}
        self._when: dict[tuple[int, dt.date | None], str] = {}
        self._applicable: dict[tuple[tuple[str, str], str], list[tuple[str, Place, bool]]] = {}
        self._units: dict[str | None, UnitTable] = {}
        self._bests: dict[tuple[Any, ...], list[Keyed]] = {}
        self._line_sides: dict[tuple[str, str | None], tuple[str, str, frozenset[str]]] = {}
        self._doc_sides: dict[int, tuple[ItemParts, str]] = {}
        self._where: dict[tuple[Any, ...], str] = {}
        self._hows: dict[int, str] = {}
        self._scope_objects: dict[tuple[Any, ...], Scope] = {}
        self._keyed_memo: dict[tuple[Any, ...], list[Keyed]] = {}
        self._grade_fits: dict[tuple[str | None, str | None], int] = {}

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
        known = [self.view.knows(word) for word in text.words]
        weights = [w if k else w // 2 or 1 for w, k in zip(text.weights, known, strict=True)]
        found: set[int] = set()
        for chosen in minimal_subsets(weights, sum(text.weights) / 2):
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

        Whole posting lists intersected as sets: faster than the engine's own AND.
        """
        docs = self.view.holding(word)
        if docs:
            return docs
        parts = self.texts.index_tokens(word) - {word}
        return frozenset().union(*(self.view.holding(p) for p in parts))

    def _load(self, docnums: set[int]) -> None:
        """Enter the facts of these index documents' versions: from the file kept with this
        commit of the index (:mod:`indexer.budget_facts`), in the order of their keys; any it
        does not hold as the index does (code and version) are read from the database."""
        codes, versions = self.view.column("code"), self.view.column("version")
        loaded = self.docs.facts
        wanted = {(codes[d], versions[d]): d for d in docnums if d not in loaded}
        if not wanted:
            return
        docs = list(wanted.values())
        keys = self.view.standard_keys(docs)
        order = sorted(range(len(docs)), key=keys.__getitem__)
        found = self.shared.facts(self.session).find([keys[i] for i in order])
        added, missing = [], {}
        for position, facts in zip(order, found, strict=True):
            docnum = docs[position]
            if facts is None or (facts.code, facts.version) != (codes[docnum], versions[docnum]):
                missing[keys[position] >> STANDARD_ID_SHIFT] = codes[docnum]
                continue
            loaded[docnum] = facts
            added.append(docnum)
        for facts in read_facts(self.session, missing) if missing else ():
            docnum = wanted.get((facts.code, facts.version))
            if docnum is not None and docnum not in loaded:
                loaded[docnum] = facts
                added.append(docnum)
        self.table.add(loaded, added)

    def _chain(self, region: str) -> tuple[Place, ...]:
        found = self._chains.get(region)
        if found is None:
            found = self._chains[region] = region_chain(region)
        return found

    # -- ranking ---------------------------------------------------------------------------

    def _candidates(self, line: BudgetLine) -> tuple[Candidate, ...]:
        region = self.context.region_of(line)
        # the line's 等级, else a grade its 事项 names (二类培训), else the project's
        wanted = line.grade or named_grade(line.item) or self.context.grade
        key = (*_text_key(line), region, wanted, line.unit)
        found = self._ranked.get(key)
        if found is None:
            found = self._ranked[key] = self._rank(line, region, wanted)
        return found

    def _rank(self, line: BudgetLine, region: str, wanted: str | None) -> tuple[Candidate, ...]:
        """The best candidates, by :func:`kb.budget.policy.rank_key`."""
        return tuple(
            self._candidate(region, wanted, *found[1:], score=found[0].score())
            for found in self._best(line, self._scopes_of(_text_key(line), region), wanted)
        )

    def _best(self, line: BudgetLine, scopes: list[Scope], wanted: str | None) -> list[Keyed]:
        """The best few keyed entries of these scopes, remembered per (scopes, grade wanted,
        unit): the lines of the 街镇 of one district mostly see the same scopes."""
        memo = (tuple(map(id, scopes)), wanted, line.unit)
        found = self._bests.get(memo)
        if found is not None:
            return found
        keyed: list[Keyed] = []
        other_grades: list[tuple[Scope, list[Entry]]] = []
        for scope in scopes:
            for entries in scope.by_grade.values():
                if self._grade_fit(wanted, entries[0][1].parts.grade) < 0:
                    other_grades.append((scope, entries))  # runners-up at most
                else:
                    keyed += self._keyed(line, wanted, scope, entries)
        if len(keyed) <= RUNNERS_UP:
            for scope, entries in other_grades:
                keyed += self._keyed(line, wanted, scope, entries)
        keyed.sort(key=_FIRST)
        found = self._bests[memo] = keyed[: 1 + RUNNERS_UP]
        return found

    def _keyed(
        self, line: BudgetLine, wanted: str | None, scope: Scope, entries: list[Entry]
    ) -> list[Keyed]:
        """The keys of one region's entries of one grade, with their grade fit and whether
        they may be the match; remembered per (entries, place, grade wanted, unit), which
        lines of many places share (every line of 上海市's 街镇 ranks 上海市's standards)."""
        key = (id(entries), scope.place.level, scope.high_only, wanted, line.unit)
        found = self._keyed_memo.get(key)
        if found is None:
            found = self._keyed_memo[key] = []
            self._key(found, line, wanted, scope, entries)
        elif found and found[0][2] is not scope:
            found = [(k, entry, scope, fit, eligible) for k, entry, _, fit, eligible in found]
        return found

    def _grade_fit(self, wanted: str | None, grade: str | None) -> int:
        key = (wanted, grade)
        found = self._grade_fits.get(key)
        if found is None:
            found = self._grade_fits[key] = grade_fit(wanted, grade)
        return found

    def _key(
        self,
        keyed: list[Keyed],
        line: BudgetLine,
        wanted: str | None,
        scope: Scope,
        entries: list[Entry],
    ) -> None:
        """Add the keys of one region's entries of one grade, with their grade fit and
        whether they may be the match."""
        units = self._unit_table(line.unit)
        localness = LOCALNESS[scope.place.level]
        for entry in entries:
            _, doc, fit, _ = entry
            if scope.high_only and not doc.high:
                continue
            fits_grade = self._grade_fit(wanted, doc.parts.grade)
            eligible = fits_grade >= 0 and self._sub_item(line, doc)
            key = rank_key(
                eligible=eligible,
                tier=fit.tier,
                localness=localness,
                grade=fits_grade,
                coverage=fit.coverage,
                residual=fit.residual,
                unit_converts=units[doc.facts.unit],
                cost_quota=doc.facts.kind == _COST_QUOTA,
                code=doc.facts.code,
            )
            keyed.append((key, entry, scope, fits_grade, eligible))

    def _sub_item(self, line: BudgetLine, doc: Doc) -> bool:
        """Whether a standard is for the sub-item a line names (remembered per text)."""
        key = (line.item, line.category, id(doc))
        found = self._sub_items.get(key)
        if found is None:
            item, category, expenses = self._line_words(line.item, line.category)
            parts, text = self._doc_words(doc)
            found = self._sub_items[key] = sub_item_fits(item, category, parts, text, expenses)
        return found

    def _line_words(self, item: str, category: str | None) -> tuple[str, str, frozenset[str]]:
        """A line's 事项 and 类别 with synonyms as one word, and the expenses they name."""
        key = (item, category)
        found = self._line_sides.get(key)
        if found is None:
            same = self.texts.same_words
            same_item, same_category = same(item), same(category or "")
            found = self._line_sides[key] = (
                same_item,
                same_category,
                named_expenses(same_item, same_category, self.shared.expenses),
            )
        return found

    def _doc_words(self, doc: Doc) -> tuple[ItemParts, str]:
        """A standard's 事项 parts and texts with synonyms as one word."""
        found = self._doc_sides.get(id(doc))
        if found is None:
            same = self.texts.same_words
            found = self._doc_sides[id(doc)] = (
                item_parts(same(doc.facts.item or ""), doc.facts.grade),
                same(doc.text),
            )
        return found

    def _scopes_of(self, text_key: tuple[str, str], region: str) -> list[Scope]:
        """The regions of a (事项, 类别)'s related standards that apply to ``region``, with
        their entries by grade."""
        key = (text_key, region)
        found = self._scopes.get(key)
        if found is None:
            found = self._scopes[key] = [
                self._scope(text_key, name, place, high_only)
                for name, place, high_only in self._applicable_regions(text_key, region)
            ]
        return found

    def _scope(self, text_key: tuple[str, str], name: str, place: Place, high_only: bool) -> Scope:
        """One scope object per (text, region, place, rule), shared by the lines of every
        region it applies to."""
        key = (text_key, name, place, high_only)
        found = self._scope_objects.get(key)
        if found is None:
            found = self._scope_objects[key] = Scope(
                self._entries(text_key, name), place, high_only
            )
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
        fits = Fits(self.texts, text, self.table.text_list, texts)
        fits.name(docnums, self.docs.facts)
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
        best = kept[order[leading(where[kept][order], groups[order], _PER_GROUP)]]
        found: list[dict[str | None, list[Entry]]] = [{} for _ in regions]
        for position, docnum, region in zip(
            best.tolist(), docnums[best].tolist(), where[best].tolist(), strict=True
        ):
            doc, fit = self.docs[docnum], fits.fit(position)
            entry = (fit.rank + doc.order, doc, fit, text)
            found[region].setdefault(doc.grade, []).append(entry)
        for region, by_grade in zip(regions, found, strict=True):
            self._entry_cache[(text_key, region)] = by_grade

    def _candidate(
        self,
        region: str,
        wanted: str | None,
        entry: Entry,
        scope: Scope,
        fits_grade: int,
        eligible: bool,
        *,
        score: float,
    ) -> Candidate:
        _, doc, fit, text = entry
        facts = doc.facts
        # Keyed by the entry's identity: every entry stays referenced by this matcher's entry
        # dict (self._entry_cache), which only grows while the check runs, so no id is reused.
        matches = self._hows.get(id(entry))
        if matches is None:
            matches = self._hows[id(entry)] = how(text, facts, fit)
        place = scope.place
        key = (facts.region, doc.level, place.name, place.level, region)
        where = self._where.get(key)
        if where is None:
            where = self._where[key] = applicability(
                region=facts.region,
                level=doc.level,
                place_name=place.name,
                place_level=place.level,
                line_region=region,
                project_region=self.context.project_region,
                project_level=self.project_level,
            )
        lapsed = self._lapsed(facts)
        when = self._when.get((facts.version, lapsed))
        if when is None:
            when = self._when[(facts.version, lapsed)] = (
                f"已于{lapsed.isoformat()}失效（第{facts.version}版）"
                if lapsed
                else f"{self.context.on.isoformat()}现行有效（第{facts.version}版）"
            )
        grade = grade_words(wanted, doc.parts.grade, fits_grade)
        # The fields of candidate_from_version, those of the version made once per check.
        return candidate_like(
            doc.candidate(),
            reason="；".join((matches, where, grade, when)),
            score=score,
            eligible=eligible,
            grade_fit=fits_grade,
            lapsed_on=lapsed,
        )

    def _lapsed(self, facts: StandardFacts) -> dt.date | None:
        """The day a version lapsed, when it is not in force on the day checked."""
        if self.day is not None:
            return None
        end = facts.effective_to
        return end if end is not None and end < self.context.on else None

    # -- units -----------------------------------------------------------------------------

    def _unit_table(self, unit: str | None) -> dict[str | None, bool]:
        """Whether a line's unit converts to each standard unit, remembered per line unit."""
        found = self._units.get(unit)
        if found is None:
            found = self._units[unit] = UnitTable(unit)
        return found


def _text_key(line: BudgetLine) -> tuple[str, str]:
    return line.item, line.category or ""
