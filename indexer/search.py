"""Search over the index: query text and filters → a page of hits with facets and <mark> snippets.

The query text becomes required words and phrases (:mod:`indexer.engine.query`). A hit must have every
one; when none has and the query has more than one part, any part may match instead: records
matching more parts come first (BM25F within each group) and the page says ``relaxed=True``, so
a reviewer who pasted a long item name still gets the nearest records.

Standards: without ``on`` only current versions are searched; with ``on=D`` the version of each
standard in force on D (the latest such, as :func:`kb.standards.version_on` picks it).

Whoosh holds the index; the search itself runs over numpy arrays (:mod:`indexer.engine`):
each word's matching documents and BM25F scores, computed once per searcher with Whoosh's formula
over the live documents' statistics, filters and the in-force set as masks, facets as counts over
column codes. A query is then a few array operations, whatever the number of matches, instead of
a Python walk over every posting. Equal ranks go by the index's tie-break key, so every node (and
every rebuild) lists the same results in the same order.

A hit's ``title`` is plain text (the template escapes it); its ``snippet`` is safe HTML: the
stored text is cut around matched whole words, every piece is HTML-escaped, and only then are
``<mark>``…``</mark>`` tags put around the matches.

One :class:`~indexer.engine.index.SearchIndex` per process and index folder (:func:`search_index`)
holds the view of the index's current commit; every search reads through it.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import threading
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from indexer.engine import scoring
from indexer.engine.cache import LIMITS
from indexer.engine.cache import release_free_memory
from indexer.engine.index import SearchIndex
from indexer.engine.index import View
from indexer.engine.query import CompiledQuery
from indexer.engine.query import compile_query
from indexer.schema import FILTERS
from indexer.schema import TYPES
from indexer.schema import standard_hit_values
from kb.config import Settings
from kb.errors import InvalidInput

#: Re-exported: budget matching reads the index through these.
__all__ = ["SearchIndex", "View", "search_index"]

SORTS = ("relevance", "date", "value")
MAX_PER_PAGE = 100
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
    if next(_searches) % LIMITS.trim_every == 0:
        release_free_memory()
    with search_index(settings).reading() as view:
        if view is None:
            return SearchPage(total=0, page=query.page, per_page=query.per_page)
        return run_query(view, query)


def warm(settings: Settings) -> None:
    """Make this process's first search as fast as the others: write the index's search arrays
    if it has none (:meth:`SearchIndex.prepare`), open the view and fill what every search
    reads (live documents, the default filters, facet codes, the in-force windows).

    A server calls it before its first request (:mod:`webapp.wsgi`); it answers no query, so
    the answer cache stays for real ones. Without an index it does nothing.
    """
    index = search_index(settings)
    index.prepare()
    with index.reading() as view:
        if view is None:
            return
        for query in (SearchQuery(), SearchQuery(on=dt.date.today())):
            _run(view, query)
    release_free_memory()  # what opening left free, before a server forks its workers


def suggest(q: str, settings: Settings | None = None, *, limit: int = 3) -> list[str]:
    """Other query texts close to ``q`` (one word spelled one character differently).

    Without ``settings``, the index this process searched last is used.
    """
    index = search_index(settings) if settings else _last_index()
    if index is None:
        return []
    with index.reading() as view:
        return _suggest(view, q, limit) if view is not None else []


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
#: Searches run by this process (see :attr:`Limits.trim_every`).
_searches = itertools.count(1)
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


@functools.lru_cache(maxsize=LIMITS.index_keys)
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


def run_query(view: View, query: SearchQuery) -> SearchPage:
    """The page for ``query`` over one commit, remembered until the index changes (a copy:
    callers own it)."""
    found = view.answer(query, lambda: _run(view, query))
    return replace(found, facets={name: dict(v) for name, v in found.facets.items()})


def _run(view: View, query: SearchQuery) -> SearchPage:
    empty = SearchPage(total=0, page=query.page, per_page=query.per_page)
    allowed = view.filter_mask(query)
    compiled = compile_query(view.analyzer, query.q)
    if compiled is None:
        docs, coverage, scores = np.flatnonzero(allowed), None, None
    else:
        units = [view.unit(unit) for unit in compiled.units]
        boosts = (view.unit(boost) for boost in compiled.boosts)
        docs, coverage, scores = scoring.match(units, boosts, allowed)
    if not len(docs):
        return empty
    wanted = query.page * query.per_page
    ranked: list[tuple[int, float | None]]
    if scores is not None and query.sort == "relevance":
        tiebreak = view.arrays.tiebreak[docs]
        ranked = list(scoring.by_relevance(docs, scores, coverage, wanted, tiebreak=tiebreak))
    else:
        ranked = [(d, None) for d in _sorted(view, docs, query.sort, wanted)]
    page = ranked[(query.page - 1) * query.per_page : wanted]
    return SearchPage(
        total=len(docs),
        page=query.page,
        per_page=query.per_page,
        results=tuple(_hit(view, docnum, score, compiled) for docnum, score in page),
        facets=view.facets(docs),
        relaxed=coverage is not None,
    )


def _sorted(view: View, docs: np.ndarray, sort: str, wanted: int) -> list[int]:
    """Newest first for ``date``, smallest first for ``value``; undated or valueless last.

    Either way real records come before examples (示例): a reviewer browsing by date or value
    should meet what may be cited first; records equal on both go by their tie-break key.
    """
    real = view.arrays.numbers("real")[docs]
    if sort == "value":
        values = view.arrays.numbers("value_order")[docs]
        key = np.where(values >= _NO_VALUE, -_NO_VALUE, -values)
    else:
        days = view.arrays.numbers("date")[docs]
        key = np.where(days == 0, -1, days)
    tiebreak = view.arrays.tiebreak[docs]
    return [int(d) for d in scoring.best(docs, wanted, [real, key], tiebreak=tiebreak)]


def _hit(view: View, docnum: int, score: float | None, compiled: CompiledQuery | None) -> SearchHit:
    stored = view.stored(docnum)
    title = stored.get("title", "")
    body = stored.get("body") or ""
    terms, phrases = (compiled.terms, compiled.phrases) if compiled else (frozenset(), ())
    snippet = view.highlighter.snippet(body or title, terms, phrases)
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
        values.update(standard_hit_values(stored))
    else:
        values["id"] = stored["uid"].split(":", 1)[1]
        values["document_id"] = int(stored["document_id"])
        values["document_title"] = stored.get("document_title")
        values["clause_path"] = stored.get("clause_path")
        values["status"] = stored.get("status")  # a document's own status, when recorded
    return SearchHit(**values)


def _suggest(view: View, q: str, limit: int) -> list[str]:
    found: list[tuple[int, str]] = []
    chunks = q.split()
    for index, chunk in enumerate(chunks):
        word = chunk.lower()
        if len(word) < 2 or view.doc_frequency(word):
            continue
        for frequency, near in view.near_words(word):
            found.append((frequency, " ".join([*chunks[:index], near, *chunks[index + 1 :]])))
    ordered = [text for _, text in sorted(found, key=lambda item: (-item[0], item[1]))]
    return list(dict.fromkeys(ordered))[:limit]
