"""Search over the index: query text and filters → a page of hits with facets and <mark> snippets.

Query text, never handed to Whoosh's query parser, so no input can raise a syntax error:

* Words separated by spaces are ANDed. Inside a word jieba may find several (``公共绿地养护`` →
  公共绿地, 养护): they are ANDed too, and finding them next to each other adds to the score.
  A run of single characters jieba does not know (an unknown place name) must appear together.
* ``"…"`` or ``“…”`` is a phrase, matched on leaves (see :mod:`indexer.analysis`).
* When the AND finds nothing and the query has more than one part, any part may match instead:
  records matching more parts come first (BM25F within each group) and the page says
  ``relaxed=True``, so a reviewer who pasted a long item name still gets the nearest records.

Standards: without ``on`` only current versions are searched; with ``on=D`` the version of each
standard in force on D (the latest such, as :func:`kb.standards.version_on` picks it). Filters
(type, kind, level, region, …) are sets of document numbers cached per searcher, as are facet
value sets; facets are counted over the whole matching set and skipped when nothing matched.

A hit's ``title`` is plain text (the template escapes it); its ``snippet`` is safe HTML: the
stored text is cut around matched whole words, every piece is HTML-escaped, and only then are
``<mark>``…``</mark>`` tags put around the matches.

One :class:`SearchIndex` per process and index folder holds one searcher, refreshed when the
index generation changes; a lock serialises searches, which cost CPU under the GIL anyway.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import re
import threading
from collections import Counter
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.matching import ListMatcher
from whoosh.matching import Matcher
from whoosh.matching import NullMatcher
from whoosh.query import And
from whoosh.query import AndMaybe
from whoosh.query import Or
from whoosh.query import Phrase
from whoosh.query import Query
from whoosh.query import Term
from whoosh.searching import Searcher

from indexer import sync
from indexer.analysis import Highlighter
from indexer.analysis import is_cjk
from indexer.dictionary import Lexicon
from indexer.dictionary import load_lexicon
from indexer.schema import FACETS
from indexer.schema import FILTERS
from indexer.schema import TYPES
from indexer.schema import day_from_number
from indexer.schema import day_number
from indexer.schema import in_force_window
from kb.config import Settings
from kb.errors import InvalidInput

SORTS = ("relevance", "date", "value")
MAX_PER_PAGE = 100
#: At most this many words and phrases of a query are used.
MAX_QUERY_PARTS = 24
#: Pages remembered per searcher for repeated queries (a page is a few kB).
ANSWER_CACHE_SIZE = 512
#: Up to this many matches, the allowed documents lead the scoring walk (see InDocs).
RESTRICT_LIMIT = 2000
#: Below this many matches, facets are counted from columns; above, by set intersections.
FACET_SCAN_LIMIT = 2000
#: What an integer column holds for a document without a value.
_NO_VALUE = 2**63 - 1
_QUOTES = re.compile(r'"([^"]*)"|“([^”]*)”|＂([^＂]*)＂')


@dataclass(frozen=True)
class SearchQuery:
    """What to search for; filter values are keys (``cost_quota``), a string or several (OR)."""

    q: str = ""
    type: str | None = None
    kind: str | tuple[str, ...] | None = None
    level: str | tuple[str, ...] | None = None
    region: str | tuple[str, ...] | None = None
    domain: str | tuple[str, ...] | None = None
    category: str | tuple[str, ...] | None = None
    status: str | tuple[str, ...] | None = None
    on: dt.date | None = None
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    grade: str | tuple[str, ...] | None = None
    year: str | tuple[str, ...] | None = None

    def filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The exact-value filters set, except ``type``, as (field, allowed values)."""
        found = []
        for name in FILTERS:
            value = getattr(self, name, None)
            if name != "type" and value:
                values = (value,) if isinstance(value, str) else tuple(value)
                found.append((name, tuple(sorted(str(v) for v in values))))
        return tuple(found)


@dataclass(frozen=True)
class SearchHit:
    """One result; fields that do not apply to its ``type`` are ``None``.

    ``title`` is plain text; ``snippet`` is HTML-escaped text with ``<mark>`` around matches.
    """

    type: str
    id: str
    title: str
    snippet: str
    url: str
    score: float | None = None
    code: str | None = None
    version: int | None = None
    kind: str | None = None
    level: str | None = None
    region: str | None = None
    domain: str | None = None
    category: str | None = None
    grade: str | None = None
    value: str | None = None
    value_max: str | None = None
    unit: str | None = None
    status: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    illustrative: bool | None = None
    document_id: int | None = None
    document_title: str | None = None
    clause_path: str | None = None


@dataclass(frozen=True)
class SearchPage:
    """A page of hits, the total, and facet counts (facet → value → count) over all matches."""

    total: int
    page: int
    per_page: int
    results: tuple[SearchHit, ...] = ()
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: True when no record had every word and the results match only some of them.
    relaxed: bool = False


@dataclass(frozen=True)
class CompiledQuery:
    """Whoosh queries for a query text, and the terms to highlight."""

    query: Query
    relaxed: Query | None
    #: The parts every hit must match (terms and phrases); the relaxed query wants any.
    units: tuple[Query, ...]
    #: Words to highlight wherever they occur.
    terms: frozenset[str]
    #: Leaf sequences to highlight only where they occur in order.
    phrases: tuple[tuple[str, ...], ...] = ()


def search(settings: Settings, query: SearchQuery) -> SearchPage:
    """Run ``query`` against the index of ``settings``.

    :raises InvalidInput: for a page, page size, sort or type out of range.
    """
    _validate(query)
    return search_index(settings).search(query)


def suggest(q: str, settings: Settings | None = None, *, limit: int = 3) -> list[str]:
    """Other query texts close to ``q`` (one word spelled one character differently).

    Without ``settings``, the index this process searched last is used.
    """
    index = search_index(settings) if settings else _last_index()
    return index.suggest(q, limit=limit) if index else []


def compile_query(analyzer: Analyzer, text: str) -> CompiledQuery | None:
    """The Whoosh queries for a user's text; ``None`` when it holds no searchable word."""
    required: list[Query] = []
    boosts: list[Query] = []
    terms: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    quoted, rest = _split_quoted(text)
    for phrase in quoted:
        leaves = tuple(t.text for t in analyzer(phrase, mode="phrase"))
        if leaves:
            required.append(_phrase(list(leaves)))
            if len(leaves) > 1:
                phrases.add(leaves)
            else:
                terms.update(leaves)
    for chunk in rest.split():
        units, words = _chunk_units(analyzer, chunk)
        required.extend(units)
        for unit in units:
            if isinstance(unit, Phrase):
                phrases.add(tuple(unit.words))
            else:
                terms.add(unit.text)
        if len(units) > 1:
            boosts.append(_phrase([t.text for t in analyzer(chunk, mode="phrase")]))
    required = list(dict.fromkeys(required))[:MAX_QUERY_PARTS]
    if not required:
        return None
    must = required[0] if len(required) == 1 else And(required)
    bonus = None if not boosts else boosts[0] if len(boosts) == 1 else Or(boosts)
    relaxed = Or([*required, *boosts]) if len(required) > 1 else None
    query = AndMaybe(must, bonus) if bonus is not None else must
    return CompiledQuery(query, relaxed, tuple(required), frozenset(terms), tuple(sorted(phrases)))


def _split_quoted(text: str) -> tuple[list[str], str]:
    phrases = [next(g for g in m.groups() if g is not None) for m in _QUOTES.finditer(text)]
    return [p for p in phrases if p.strip()], _QUOTES.sub(" ", text).replace('"', " ")


def _chunk_units(analyzer: Analyzer, chunk: str) -> tuple[list[Query], list[str]]:
    """Required queries for one space-free chunk, and its words."""
    units: list[Query] = []
    words: list[str] = []
    run: list[str] = []
    for token in analyzer(chunk, mode="query"):
        words.append(token.text)
        if len(token.text) == 1 and is_cjk(token.text):
            run.append(token.text)
            continue
        units.extend(_run_unit(run))
        run = []
        units.append(Term("content", token.text))
    units.extend(_run_unit(run))
    return units, words


def _run_unit(run: list[str]) -> list[Query]:
    """Single characters jieba could not group: required together, in order."""
    return [_phrase(run)] if run else []


def _phrase(leaves: list[str]) -> Query:
    return Term("content", leaves[0]) if len(leaves) == 1 else Phrase("content", leaves)


def _validate(query: SearchQuery) -> None:
    if query.page < 1:
        raise InvalidInput("页码必须从 1 开始", {"page": query.page})
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"每页条数必须在 1 到 {MAX_PER_PAGE} 之间", {"per_page": query.per_page})
    if query.sort not in SORTS:
        raise InvalidInput(f"不支持的排序方式：{query.sort}", {"sort": query.sort})
    if query.type is not None and query.type not in TYPES:
        raise InvalidInput(f"不支持的结果类型：{query.type}", {"type": query.type})


_indexes: dict[Path, SearchIndex] = {}
_indexes_lock = threading.Lock()
_last: list[SearchIndex] = []


def search_index(settings: Settings) -> SearchIndex:
    """The process's :class:`SearchIndex` for ``settings.index_dir``."""
    key = Path(settings.index_dir).resolve()
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = SearchIndex(settings)
        _last[:] = [index]
        return index


def release(settings: Settings) -> None:
    """Close and forget this process's :class:`SearchIndex` for ``settings.index_dir``."""
    key = Path(settings.index_dir).resolve()
    with _indexes_lock:
        index = _indexes.pop(key, None)
        if _last and _last[0] is index:
            _last.clear()
    if index is not None:
        with index.lock:
            index.close()


def _last_index() -> SearchIndex | None:
    with _indexes_lock:
        return _last[0] if _last else None


class SearchIndex:
    """One searcher per process with its caches; refreshed when the index generation changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.token: str | None = None
        self.searcher: Searcher | None = None
        self.cache: SearcherCache | None = None
        self.lexicon: Lexicon = load_lexicon(settings)
        #: Column values per (segment id, field), kept across refreshes of one generation.
        self.segment_columns: dict[tuple[str, str], list[Any]] = {}

    def search(self, query: SearchQuery) -> SearchPage:
        """One page of results for ``query`` (see the module docstring for the rules)."""
        with self.lock:
            if not self.refresh():
                return SearchPage(total=0, page=query.page, per_page=query.per_page)
            assert self.cache is not None
            return self.cache.answer(query)

    def suggest(self, q: str, *, limit: int = 3) -> list[str]:
        """Query texts with one unknown word replaced by the most frequent indexed word near it."""
        with self.lock:
            if not self.refresh():
                return []
            assert self.cache is not None
            return _suggest(self.cache, q, limit)

    def refresh(self) -> bool:
        """Follow the index to its current generation; False when there is no index."""
        token = sync.generation_token(self.settings)
        if token == self.token and self.searcher is not None:
            return True
        if token and self.token and self.searcher and token.split()[0] == self.token.split()[0]:
            # An update of the same generation: reuse the readers of unchanged segments.
            # (Whoosh's refresh releases what the old searcher no longer shares.)
            self.searcher = self.searcher.refresh()
        else:
            self.close()
            if token is None:
                return False
            self.searcher = sync.open_generation(self.settings, token).searcher()
        self.token = token
        self._forget_old_segments()
        self.cache = SearcherCache(self.searcher, self.lexicon, self.segment_columns)
        return True

    def close(self) -> None:
        """Release the searcher (a new one opens on the next search)."""
        if self.searcher is not None:
            self.searcher.close()
        self.searcher = self.cache = None
        self.token = None
        self.segment_columns.clear()

    def _forget_old_segments(self) -> None:
        assert self.searcher is not None
        live = {
            r.segment().segment_id()
            for r, _ in self.searcher.reader().leaf_readers()
            if r.segment()
        }
        for key in [k for k in self.segment_columns if k[0] not in live]:
            del self.segment_columns[key]


class SearcherCache:
    """Filter sets, facet value sets, sort columns and validity windows of one searcher."""

    def __init__(
        self,
        searcher: Searcher,
        lexicon: Lexicon,
        segment_columns: dict[tuple[str, str], list[Any]] | None = None,
    ) -> None:
        self.searcher = searcher
        self.lexicon = lexicon
        self._segment_columns = {} if segment_columns is None else segment_columns
        self.analyzer: Analyzer = searcher.schema["content"].analyzer
        self._sets: dict[tuple[str, Any], frozenset[int]] = {}
        self._values: dict[str, dict[str, frozenset[int]]] = {}
        self._columns: dict[str, list[Any]] = {}
        self._filters: OrderedDict[Any, frozenset[int]] = OrderedDict()
        self._on: OrderedDict[int, frozenset[int]] = OrderedDict()
        self._matches: OrderedDict[str, frozenset[int]] = OrderedDict()
        self._answers: OrderedDict[SearchQuery, SearchPage] = OrderedDict()
        self.highlighter = Highlighter(self.analyzer, lexicon.synonyms)
        self._windows: list[tuple[int, int, str, int, int]] | None = None

    def docs(self, name: str, value: Any) -> frozenset[int]:
        """Document numbers with ``value`` in field ``name`` (deleted documents excluded)."""
        key = (name, value)
        found = self._sets.get(key)
        if found is None:
            found = frozenset(self.searcher.docs_for_query(Term(name, value)))
            self._sets[key] = found
        return found

    def answer(self, query: SearchQuery) -> SearchPage:
        """The page for ``query``, remembered until the index changes (a copy: callers own it)."""
        try:
            found = self._answers.get(query)
        except TypeError:  # an unhashable filter value, such as a list
            return _run(self, query)
        if found is None:
            found = _run(self, query)
        _remember(self._answers, query, found, ANSWER_CACHE_SIZE)
        return replace(found, facets={name: dict(v) for name, v in found.facets.items()})

    def matches(self, unit: Query) -> frozenset[int]:
        """Document numbers matching one term or phrase of a query (cached: words recur)."""
        key = repr(unit)
        found = self._matches.get(key)
        if found is None:
            found = frozenset(self.searcher.docs_for_query(unit))
        _remember(self._matches, key, found, 512)
        return found

    def values(self, name: str) -> dict[str, frozenset[int]]:
        """Every value of facet ``name`` with its document set."""
        found = self._values.get(name)
        if found is None:
            reader = self.searcher.reader()
            found = {}
            for raw in reader.lexicon(name):
                value = raw.decode("utf-8")
                docs = self.docs(name, value)
                if docs:
                    found[value] = docs
            self._values[name] = found
        return found

    def column(self, name: str) -> list[Any]:
        """The values of a column field, indexed by document number."""
        found = self._columns.get(name)
        if found is None:
            # Segment by segment: Whoosh's multi-segment column reader skips segments without
            # the column and shifts every later document. A segment's values never change, so
            # after an update only the new segments are read.
            found = []
            for reader, _offset in self.searcher.reader().leaf_readers():
                if reader.doc_count_all() == 0:
                    continue  # an empty index has an EmptyReader, which has no columns
                segment = reader.segment()
                key = (segment.segment_id() if segment else "", name)
                values = self._segment_columns.get(key)
                if values is None:
                    values = self._segment_columns[key] = list(reader.column_reader(name))
                found.extend(values)
            self._columns[name] = found
        return found

    def filter_set(self, query: SearchQuery) -> frozenset[int]:
        """The documents a query may return, before its text is considered."""
        key = (query.type, query.on, query.filters())
        found = self._filters.get(key)
        if found is None:
            found = self._filter_set(query)
            _remember(self._filters, key, found, 256)
        return found

    def _filter_set(self, query: SearchQuery) -> frozenset[int]:
        standards = self.in_force(query.on) if query.on else self.docs("is_current", True)
        if query.type == "standard":
            allowed = standards
        elif query.type:
            allowed = self.docs("type", query.type)
        else:
            allowed = standards | self.docs("type", "clause") | self.docs("type", "document")
        for name, values in query.filters():
            if not allowed:
                break
            allowed = allowed & frozenset().union(*(self.docs(name, v) for v in values))
        return allowed

    def in_force(self, day: dt.date) -> frozenset[int]:
        """Per standard, the latest version in force on ``day``."""
        number = day_number(day)
        found = self._on.get(number)
        if found is None:
            latest: dict[str, tuple[int, int]] = {}
            for start, end, code, version, docnum in self.windows():
                if start <= number <= end and version > latest.get(code, (0, 0))[0]:
                    latest[code] = (version, docnum)
            found = frozenset(docnum for _, docnum in latest.values())
            _remember(self._on, number, found, 64)
        return found

    def windows(self) -> list[tuple[int, int, str, int, int]]:
        """(first day, last day, code, version, docnum) of every standard version ever in force."""
        if self._windows is None:
            status, start, end = (
                self.column(n) for n in ("status", "effective_from", "effective_to")
            )
            code, version = self.column("code"), self.column("version")
            windows = []
            for docnum in self.docs("type", "standard"):
                window = in_force_window(status[docnum], start[docnum], end[docnum])
                if window:
                    windows.append((*window, code[docnum], version[docnum], docnum))
            self._windows = windows
        return self._windows


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


def _run(cache: SearcherCache, query: SearchQuery) -> SearchPage:
    empty = SearchPage(total=0, page=query.page, per_page=query.per_page)
    # An empty filter set must stop here: Whoosh ignores an empty ``filter=`` (every document
    # comes back) and reports the unfiltered length when a filter matches nothing.
    allowed = cache.filter_set(query)
    if not allowed:
        return empty
    compiled = compile_query(cache.analyzer, query.q)
    relaxed = False
    if compiled is None:
        matched = set(allowed)
    else:
        unit_sets = [cache.matches(u) for u in compiled.units]
        matched = set(allowed.intersection(*sorted(unit_sets, key=len)))
        if not matched and compiled.relaxed is not None:
            matched = set(allowed.intersection(frozenset().union(*unit_sets)))
            relaxed = bool(matched)
    if not matched:
        return empty
    wanted = query.page * query.per_page
    if compiled is not None and query.sort == "relevance" and relaxed:
        ranked = _ranked_by_coverage(cache.searcher, compiled.units, unit_sets, matched, wanted)
    elif compiled is not None and query.sort == "relevance":
        ranked = _ranked(cache.searcher, compiled.query, matched, wanted)
    else:
        ranked = [(d, None) for d in _sorted(cache, matched, query.sort, wanted)]
    page = ranked[(query.page - 1) * query.per_page : wanted]
    return SearchPage(
        total=len(matched),
        page=query.page,
        per_page=query.per_page,
        results=tuple(_hit(cache, docnum, score, compiled) for docnum, score in page),
        facets=facet_counts(cache, matched),
        relaxed=relaxed,
    )


def _ranked(
    searcher: Searcher, query: Query, matched: set[int], wanted: int
) -> list[tuple[int, float | None]]:
    """The best ``wanted`` of ``matched`` by BM25F for ``query``.

    A small ``matched`` set also drives the walk (see :class:`InDocs`); a large one is left to
    Whoosh's block-quality skipping, with ``matched`` as a plain filter.
    """
    if len(matched) <= RESTRICT_LIMIT:
        query = And([InDocs(matched), query])
    results = searcher.search(query, filter=matched, limit=wanted)
    return [(hit.docnum, hit.score) for hit in results]


class InDocs(Query):
    """Matches exactly these top-level document numbers, with score 0: a filter inside an AND.

    Whoosh applies ``filter=`` only to what its matchers produce, so an AND of common words is
    walked in full even when a few documents are allowed. Inside the AND, this sorted list leads
    the intersection: the words' posting lists are only skipped to the allowed documents.
    """

    def __init__(self, docnums: Iterable[int]) -> None:
        self.docnums = sorted(docnums)
        self.boost = 1.0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InDocs) and other.docnums == self.docnums

    def __hash__(self) -> int:
        return hash(tuple(self.docnums))

    def __repr__(self) -> str:
        return f"InDocs({len(self.docnums)} documents)"

    def estimate_size(self, ixreader: Any) -> int:
        return len(self.docnums)

    def estimate_min_size(self, ixreader: Any) -> int:
        return len(self.docnums)

    def matcher(self, searcher: Searcher, context: Any = None) -> Matcher:
        offset, size = _leaf_offset(searcher)
        low = bisect.bisect_left(self.docnums, offset)
        high = bisect.bisect_left(self.docnums, offset + size)
        ids = [d - offset for d in self.docnums[low:high]]
        return _ListOfDocs(ids, weights=[0.0] * len(ids)) if ids else NullMatcher()


class _ListOfDocs(ListMatcher):
    """Whoosh's list matcher, skipping by bisection and never dropped for its zero quality."""

    def skip_to(self, id: int) -> None:
        if self.is_active() and id > self._ids[self._i]:
            self._i = bisect.bisect_left(self._ids, id, self._i)

    def replace(self, minquality: float = 0) -> Matcher:
        return self if self.is_active() else NullMatcher()

    def copy(self) -> _ListOfDocs:
        copy = _ListOfDocs(self._ids, weights=self._weights)
        copy._i = self._i
        return copy


def _leaf_offset(searcher: Searcher) -> tuple[int, int]:
    """Where a segment's documents start among the top searcher's, and how many it has."""
    top = searcher.get_parent()
    for leaf, offset in top.leaf_searchers():
        if leaf is searcher:
            return offset, searcher.doc_count_all()
    return 0, searcher.doc_count_all()


def _ranked_by_coverage(
    searcher: Searcher,
    units: tuple[Query, ...],
    unit_sets: list[frozenset[int]],
    matched: set[int],
    wanted: int,
) -> list[tuple[int, float | None]]:
    """Records matching more parts of the query first, BM25F within each group.

    Only the groups the requested page reaches are scored, and each set of records matching
    the same parts is scored with an AND of just those parts: the score an OR of all parts would
    give them, for a fraction of the posting lists walked.
    """
    coverage: Counter[int] = Counter()
    for docs in unit_sets:
        coverage.update(docs.intersection(matched))
    tiers: dict[int, list[int]] = {}
    for docnum, count in coverage.items():
        tiers.setdefault(count, []).append(docnum)
    ranked: list[tuple[int, float | None]] = []
    for count in sorted(tiers, reverse=True):
        ranked.extend(_ranked_tier(searcher, units, unit_sets, tiers[count], wanted - len(ranked)))
        if len(ranked) >= wanted:
            break
    return ranked


def _ranked_tier(
    searcher: Searcher,
    units: tuple[Query, ...],
    unit_sets: list[frozenset[int]],
    docs: list[int],
    wanted: int,
) -> list[tuple[int, float | None]]:
    groups: dict[tuple[int, ...], set[int]] = {}
    for docnum in docs:
        parts = tuple(i for i, found in enumerate(unit_sets) if docnum in found)
        groups.setdefault(parts, set()).add(docnum)
    scored: list[tuple[int, float | None]] = []
    for parts, group in groups.items():
        query = units[parts[0]] if len(parts) == 1 else And([units[i] for i in parts])
        scored.extend(_ranked(searcher, query, group, wanted))
    scored.sort(key=lambda item: (-(item[1] or 0.0), item[0]))
    return scored[:wanted]


def _sorted(cache: SearcherCache, matched: set[int], sort: str, wanted: int) -> list[int]:
    """Newest first for ``date``, smallest first for ``value``; undated or valueless last."""
    key: Callable[[int], tuple[Any, ...]]
    if sort == "value":
        values = cache.column("value_order")
        key = lambda d: (values[d] >= _NO_VALUE, values[d], d)  # noqa: E731
    else:
        days = cache.column("date")
        key = lambda d: (days[d] == 0, -days[d], d)  # noqa: E731
    return heapq.nsmallest(wanted, matched, key=key)


def facet_counts(cache: SearcherCache, matched: set[int]) -> dict[str, dict[str, int]]:
    """Counts per value of each facet over ``matched``, most frequent first."""
    facets = {}
    for name in FACETS:
        if len(matched) <= FACET_SCAN_LIMIT:
            column = cache.column(name)
            counts = Counter(column[d] for d in matched)
            counts.pop("", None)
        else:
            counts = Counter(
                {v: n for v, docs in cache.values(name).items() if (n := len(docs & matched))}
            )
        facets[name] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return facets


def _hit(
    cache: SearcherCache, docnum: int, score: float | None, compiled: CompiledQuery | None
) -> SearchHit:
    stored = cache.searcher.stored_fields(docnum)
    title = stored.get("title", "")
    body = stored.get("body") or ""
    terms, phrases = (compiled.terms, compiled.phrases) if compiled else (frozenset(), ())
    snippet = cache.highlighter.snippet(body or title, terms, phrases)
    kind = stored["type"]
    values: dict[str, Any] = {
        "type": kind,
        "title": title,
        "snippet": snippet,
        "url": stored.get("url", ""),
        "score": None if score is None else round(score, 4),
    }
    if kind == "standard":
        values["id"] = stored["code"]
        values.update(_standard_fields(stored))
    else:
        values["id"] = stored["uid"].split(":", 1)[1]
        values["document_id"] = int(stored["document_id"])
        values["document_title"] = stored.get("document_title")
        values["clause_path"] = stored.get("clause_path")
    return SearchHit(**values)


_STANDARD_STORED = ("code", "version", "kind", "level", "region", "domain", "category", "grade")
_STANDARD_STORED += ("value", "value_max", "unit", "status")


def _standard_fields(stored: dict[str, Any]) -> dict[str, Any]:
    values = {name: stored.get(name) for name in _STANDARD_STORED}
    values["effective_from"] = day_from_number(stored.get("effective_from"))
    values["effective_to"] = day_from_number(stored.get("effective_to"))
    values["illustrative"] = bool(stored.get("illustrative"))
    return values


def _suggest(cache: SearcherCache, q: str, limit: int) -> list[str]:
    reader = cache.searcher.reader()
    found: list[tuple[int, str]] = []
    chunks = q.split()
    for index, chunk in enumerate(chunks):
        word = chunk.lower()
        if len(word) < 2 or reader.doc_frequency("content", word):
            continue
        for near in reader.terms_within("content", word, 1, prefix=1):
            if len(near) == len(word) and near != word:
                text = " ".join([*chunks[:index], near, *chunks[index + 1 :]])
                found.append((reader.doc_frequency("content", near), text))
    ordered = [text for _, text in sorted(found, key=lambda item: (-item[0], item[1]))]
    return list(dict.fromkeys(ordered))[:limit]
