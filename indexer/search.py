"""Search over the index: query text and filters → a page of hits with facets and <mark> snippets.

The query text becomes required words and phrases (:mod:`indexer.query`). A hit must have every
one; when none has and the query has more than one part, any part may match instead: records
matching more parts come first (BM25F within each group) and the page says ``relaxed=True``, so
a reviewer who pasted a long item name still gets the nearest records.

Standards: without ``on`` only current versions are searched; with ``on=D`` the version of each
standard in force on D (the latest such, as :func:`kb.standards.version_on` picks it).

Whoosh holds the index; the search itself runs over numpy arrays (:mod:`indexer.searcher_arrays`):
each word's matching documents and BM25F scores, computed once per searcher with Whoosh's formula
and statistics, filters and the in-force set as masks, facets as counts over column codes. A
query is then a few array operations, whatever the number of matches, instead of a Python walk
over every posting.

A hit's ``title`` is plain text (the template escapes it); its ``snippet`` is safe HTML: the
stored text is cut around matched whole words, every piece is HTML-escaped, and only then are
``<mark>``…``</mark>`` tags put around the matches.

One :class:`SearchIndex` per process and index folder holds one searcher, refreshed when the
index generation changes; a lock serialises searches, which cost CPU under the GIL anyway.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.analysis import Analyzer
from whoosh.query import Query
from whoosh.searching import Searcher

from indexer import sync
from indexer.analysis import Highlighter
from indexer.dictionary import Lexicon
from indexer.dictionary import load_lexicon
from indexer.postings import SegmentStore
from indexer.postings import SizedCache
from indexer.query import CompiledQuery
from indexer.query import compile_query
from indexer.schema import FACETS
from indexer.schema import FILTERS
from indexer.schema import TYPES
from indexer.schema import day_from_number
from indexer.searcher_arrays import SearcherArrays
from indexer.searcher_arrays import positions_in
from kb.config import Settings
from kb.errors import InvalidInput

SORTS = ("relevance", "date", "value")
MAX_PER_PAGE = 100
#: Pages remembered per searcher for repeated queries (a page is a few kB).
ANSWER_CACHE_SIZE = 512
#: Document numbers kept in the sets handed to budget matching (~60 bytes each in a frozenset).
MAX_SET_MEMBERS = 2_000_000
#: What an integer column holds for a document without a value.
_NO_VALUE = 2**63 - 1


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
    key = _index_key(settings)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = SearchIndex(settings)
        _last[:] = [index]
        return index


@functools.lru_cache(maxsize=64)
def _index_key(settings: Settings) -> Path:
    # Resolving a path costs system calls; settings are immutable, and one serves every request.
    return Path(settings.index_dir).resolve()


def release(settings: Settings) -> None:
    """Close and forget this process's :class:`SearchIndex` for ``settings.index_dir``."""
    key = _index_key(settings)
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
        #: Decoded segments, kept across refreshes: after an update only new segments are read.
        self.store = SegmentStore()

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
        self.cache = SearcherCache(self.searcher, self.lexicon, self.store)
        self.store.forget_except(self.cache.arrays.segment_keys())
        return True

    def close(self) -> None:
        """Release the searcher (a new one opens on the next search)."""
        if self.searcher is not None:
            self.searcher.close()
        self.searcher = self.cache = None
        self.token = None
        self.store = SegmentStore()


class SearcherCache:
    """One searcher's arrays, filter masks and remembered answers."""

    def __init__(self, searcher: Searcher, lexicon: Lexicon, store: SegmentStore) -> None:
        self.searcher = searcher
        self.lexicon = lexicon
        self.arrays = SearcherArrays(searcher, store)
        self.analyzer: Analyzer = searcher.schema["content"].analyzer
        self.highlighter = Highlighter(self.analyzer, lexicon.synonyms)
        self._filters = SizedCache(128)
        self._on = SizedCache(64)
        self._answers = SizedCache(ANSWER_CACHE_SIZE)
        self._filter_sets = SizedCache(MAX_SET_MEMBERS // 4)
        self._matches = SizedCache(MAX_SET_MEMBERS)
        self._columns: dict[str, list[Any]] = {}

    def answer(self, query: SearchQuery) -> SearchPage:
        """The page for ``query``, remembered until the index changes (a copy: callers own it)."""
        try:
            found = self._answers.get(query)
        except TypeError:  # an unhashable filter value, such as a list
            return _run(self, query)
        if found is None:
            found = _run(self, query)
            self._answers.put(query, found)
        return replace(found, facets={name: dict(v) for name, v in found.facets.items()})

    def filter_mask(self, query: SearchQuery) -> np.ndarray:
        """The documents a query may return, before its text is considered."""
        key = _filter_key(query)
        found = self._filters.get(key)
        if found is None:
            found = self._filter_mask(query)
            self._filters.put(key, found)
        return found

    def _filter_mask(self, query: SearchQuery) -> np.ndarray:
        arrays = self.arrays
        standards = self.in_force(query.on) if query.on else arrays.term_mask("is_current", True)
        if query.type == "standard":
            allowed = standards
        elif query.type:
            allowed = arrays.value_mask("type", [query.type])
        else:
            allowed = standards | arrays.value_mask("type", ["clause", "document"])
        for name, values in query.filters():
            allowed = allowed & arrays.value_mask(name, values)
        return allowed

    def in_force(self, day: dt.date) -> np.ndarray:
        """Per standard, the latest version in force on ``day``, as a mask."""
        found = self._on.get(day)
        if found is None:
            found = self.arrays.in_force(day)
            self._on.put(day, found)
        return found

    def filter_set(self, query: SearchQuery) -> frozenset[int]:
        """:meth:`filter_mask` as a set of document numbers."""
        key = _filter_key(query)
        found = self._filter_sets.get(key)
        if found is None:
            found = frozenset(np.flatnonzero(self.filter_mask(query)).tolist())
            self._filter_sets.put(key, found, len(found))
        return found

    def matches(self, unit: Query) -> frozenset[int]:
        """Document numbers matching one term or phrase (cached: words recur)."""
        key = repr(unit)
        found = self._matches.get(key)
        if found is None:
            found = frozenset(self.arrays.unit(unit)[0].tolist())
            self._matches.put(key, found, len(found))
        return found

    def column(self, name: str) -> list[Any]:
        """The values of a column field, indexed by document number."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self.arrays.column(name)
        return found


def _filter_key(query: SearchQuery) -> tuple[Any, ...]:
    return (query.type, query.on, query.filters())


def _run(cache: SearcherCache, query: SearchQuery) -> SearchPage:
    empty = SearchPage(total=0, page=query.page, per_page=query.per_page)
    allowed = cache.filter_mask(query)
    compiled = compile_query(cache.analyzer, query.q)
    if compiled is None:
        docs, coverage, scores = np.flatnonzero(allowed), None, None
    else:
        docs, coverage, scores = _match(cache.arrays, compiled, allowed)
    if not len(docs):
        return empty
    wanted = query.page * query.per_page
    if scores is not None and query.sort == "relevance":
        ranked = _by_relevance(docs, scores, coverage, wanted)
    else:
        ranked = [(d, None) for d in _sorted(cache.arrays, docs, query.sort, wanted)]
    page = ranked[(query.page - 1) * query.per_page : wanted]
    return SearchPage(
        total=len(docs),
        page=query.page,
        per_page=query.per_page,
        results=tuple(_hit(cache, docnum, score, compiled) for docnum, score in page),
        facets=facet_counts(cache.arrays, docs),
        relaxed=coverage is not None,
    )


def _match(
    arrays: SearcherArrays, compiled: CompiledQuery, allowed: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The matching documents (ascending), how many parts each has when the query had to be
    relaxed (else ``None``), and their BM25F scores, all aligned."""
    units = [arrays.unit(unit) for unit in compiled.units]
    docs = min(units, key=lambda unit: len(unit[0]))[0]
    docs = docs[allowed[docs]]
    for unit_docs, _ in units:
        docs = docs[positions_in(unit_docs, docs) >= 0]
    if not len(docs) and len(units) > 1:
        return _any_part(units, allowed)
    scores = np.zeros(len(docs), dtype=np.float64)
    for unit_docs, unit_scores in units:
        scores += unit_scores[positions_in(unit_docs, docs)]
    for boost in compiled.boosts:
        boost_docs, boost_scores = arrays.unit(boost)
        at = positions_in(boost_docs, docs)
        scores[at >= 0] += boost_scores[at[at >= 0]]
    return docs, None, scores


def _any_part(
    units: list[tuple[np.ndarray, np.ndarray]], allowed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents with at least one part, the number of parts each has and the sum of their
    scores (the score an AND of just those parts gives)."""
    size = len(allowed)
    all_docs = np.concatenate([docs for docs, _ in units])
    coverage = np.bincount(all_docs, minlength=size)
    scores = np.zeros(size, dtype=np.float64)
    for docs, unit_scores in units:
        scores[docs] += unit_scores
    docs = np.flatnonzero((coverage > 0) & allowed)
    return docs, coverage[docs], scores[docs]


def _by_relevance(
    docs: np.ndarray, scores: np.ndarray, coverage: np.ndarray | None, wanted: int
) -> list[tuple[int, float | None]]:
    """The best ``wanted`` by score (after the number of parts matched, when relaxed); ties go
    to the lower document number. The three arrays are aligned."""
    order = np.arange(len(docs))
    if coverage is None:
        best = _best(order, wanted, [scores], tiebreak=docs)
    else:
        rough = coverage + scores / (scores.max() + 1.0)
        best = _best(order, wanted, [coverage, scores], tiebreak=docs, rough=rough)
    return [(int(docs[i]), float(scores[i])) for i in best]


def _sorted(arrays: SearcherArrays, docs: np.ndarray, sort: str, wanted: int) -> list[int]:
    """Newest first for ``date``, smallest first for ``value``; undated or valueless last."""
    if sort == "value":
        values = arrays.numbers("value_order")[docs]
        key = np.where(values >= _NO_VALUE, -_NO_VALUE, -values)
    else:
        days = arrays.numbers("date")[docs]
        key = np.where(days == 0, -1, days)
    return [int(d) for d in _best(docs, wanted, [key])]


def _best(
    items: np.ndarray,
    wanted: int,
    keys: list[np.ndarray],
    *,
    tiebreak: np.ndarray | None = None,
    rough: np.ndarray | None = None,
) -> np.ndarray:
    """The first ``wanted`` of ``items`` ordered by each key, largest first, then by
    ``tiebreak`` (default: the items themselves), smallest first. Only the items that can reach
    the top (``rough``, or the first key, at least the ``wanted``-th largest) are sorted."""
    last = items if tiebreak is None else tiebreak
    first = keys[0] if rough is None else rough
    if len(items) > wanted:
        cut = len(first) - wanted
        keep = first >= np.partition(first, cut)[cut]
        items, last, keys = items[keep], last[keep], [k[keep] for k in keys]
    order = np.lexsort((last, *(-k for k in reversed(keys))))
    return items[order[:wanted]]


def facet_counts(arrays: SearcherArrays, docs: np.ndarray) -> dict[str, dict[str, int]]:
    """Counts per value of each facet over ``docs``, most frequent first."""
    facets = {}
    for name in FACETS:
        codes = arrays.codes(name)  # first: reading a segment's codes adds its labels
        labels = arrays.labels(name)
        counts = np.bincount(codes[docs], minlength=len(labels))
        found = {labels[c]: int(counts[c]) for c in np.flatnonzero(counts) if labels[c]}
        facets[name] = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
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
        values["status"] = stored.get("status")  # a document's own status, when recorded
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
