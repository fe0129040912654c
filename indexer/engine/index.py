"""The engine's public surface: one :class:`SearchIndex` per process and index folder, and the
:class:`View` of its current commit that every reader goes through.

A :class:`SearchIndex` follows the index folder's ``CURRENT`` token (:mod:`indexer.sync`): when
it changes, the next reader gets a searcher opened afresh on the new commit (never Whoosh's
``refresh()``, see :func:`indexer.engine.store.open_searcher`) and a new :class:`View`, while
the decoded arrays of unchanged segments carry over. One lock serialises readers, which cost CPU
under the GIL anyway; hold it with :meth:`SearchIndex.reading`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from typing import Protocol

import numpy as np
from whoosh.analysis import Analyzer
from whoosh.query import Query
from whoosh.searching import Searcher

from indexer import sync
from indexer.dictionary import Lexicon
from indexer.dictionary import load_lexicon
from indexer.engine.arrays import CONTENT
from indexer.engine.arrays import SearcherArrays
from indexer.engine.cache import LIMITS
from indexer.engine.cache import SizedCache
from indexer.engine.scoring import Unit
from indexer.engine.segments import lacks_arrays
from indexer.engine.segments import write_arrays
from indexer.engine.store import SegmentStore
from indexer.engine.store import open_searcher
from indexer.highlight import Highlighter
from kb.config import Settings


class Filters(Protocol):
    """What restricts a search before its text is considered (:class:`indexer.search.SearchQuery`)."""

    type: str | None
    on: dt.date | None

    def filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]: ...


class SearchIndex:
    """The current commit of one index folder, as this process reads it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: Held while reading (:meth:`reading`); reentrant.
        self.lock = threading.RLock()
        self.token: str | None = None
        self.searcher: Searcher | None = None
        self.cache: View | None = None
        self.lexicon: Lexicon = load_lexicon(settings)
        #: Decoded segments of the current generation, kept across commits.
        self.store = SegmentStore()

    @contextmanager
    def reading(self) -> Iterator[View | None]:
        """The view of the current commit, ``None`` without an index; the lock is held inside.

        Budget matching and search both read through this: a view stays valid (and its caches
        with it) until the ``with`` block ends.
        """
        with self.lock:
            yield self.cache if self.refresh() else None

    @property
    def generation(self) -> str | None:
        """The ``CURRENT`` token of the commit the view reads, ``None`` before the first read."""
        return self.token

    def refresh(self) -> bool:
        """Follow the index to its current commit; False when there is no index (lock held)."""
        token = sync.generation_token(self.settings)
        if token == self.token and self.searcher is not None:
            return True
        if token is None:
            self.close()
            return False
        if self.token is None or token.split()[0] != self.token.split()[0]:
            # Another generation: no segment in common.
            self.store = SegmentStore(Path(self.settings.index_dir) / token.split()[0])
        searcher = open_searcher(sync.open_generation(self.settings, token))
        if self.searcher is not None:
            self.searcher.close()
        self.searcher, self.token = searcher, token
        self.cache = View(searcher, self.lexicon, self.store)
        self.store.forget_except(self.cache.arrays.segment_keys())
        return True

    def prepare(self) -> int:
        """Write the search arrays of every segment of the current commit that has none
        (:func:`indexer.engine.segments.write_arrays`); returns how many were written.

        The rebuild and each update write them; this is for a server starting on an index
        written without them (older code, or ``arrays/`` deleted), so that not every worker
        decodes it word by word. It keeps nothing open.
        """
        token = sync.generation_token(self.settings)
        if token is None:
            return 0
        ix = sync.open_generation(self.settings, token)
        try:
            # Look first without mmap: a reader opened through the map faults in ≈ 16 MB of
            # each segment file at 100k (its term index and the postings around it), pages
            # the server never reads again (issue 16).
            ix.storage.supports_mmap = False
            with ix.reader() as reader:
                folder = Path(ix.storage.folder)
                if not any(lacks_arrays(folder, leaf) for leaf, _ in reader.leaf_readers()):
                    return 0
            ix.storage.supports_mmap = True
            return write_arrays(ix)
        finally:
            ix.close()

    def close(self) -> None:
        """Release the searcher (a new one opens on the next read)."""
        if self.searcher is not None:
            self.searcher.close()
        self.searcher = self.cache = None
        self.token = None
        self.store = SegmentStore()


class View:
    """One commit of the index: its arrays, filter masks, match sets and remembered answers."""

    def __init__(self, searcher: Searcher, lexicon: Lexicon, store: SegmentStore) -> None:
        self.searcher = searcher
        self.lexicon = lexicon
        self.arrays = SearcherArrays(searcher, store)
        self.analyzer: Analyzer = searcher.schema[CONTENT].analyzer
        self.highlighter = Highlighter(self.analyzer, lexicon.synonyms)
        self._filters = SizedCache(LIMITS.filter_masks)
        self._on = SizedCache(LIMITS.in_force_days)
        self._answers = SizedCache(LIMITS.answers)
        self._filter_sets = SizedCache(LIMITS.filter_set_members)
        self._matches = SizedCache(LIMITS.match_members)
        self._columns: dict[str, list[Any]] = {}

    def doc_count(self) -> int:
        """Document numbers in this commit, deleted ones included (the size of every mask)."""
        return self.arrays.size

    def doc_frequency(self, word: str) -> int:
        """How many live documents hold ``word`` in the scored text."""
        return self.arrays.doc_frequency(word)

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored fields of one document."""
        return self.searcher.stored_fields(docnum)

    def near_words(self, word: str) -> list[tuple[int, str]]:
        """Words of live documents one edit away from ``word`` and as long, with how many live
        documents hold each (a word only deleted documents held is no suggestion)."""
        reader = self.searcher.reader()
        found = [
            (self.doc_frequency(near), near)
            for near in reader.terms_within(CONTENT, word, 1, prefix=1)
            if len(near) == len(word) and near != word
        ]
        return [(frequency, near) for frequency, near in found if frequency]

    def unit(self, query: Query) -> Unit:
        """Live documents matching one word or phrase and their scores."""
        return self.arrays.unit(query)

    def facets(self, docs: np.ndarray) -> dict[str, dict[str, int]]:
        """Facet counts over ``docs``."""
        return self.arrays.facets(docs)

    def answer(self, key: Any, run: Callable[[], Any]) -> Any:
        """``run()``'s result for ``key``, remembered while this commit is current."""
        try:
            return self._answers.remember(key, run)
        except TypeError:  # an unhashable key, such as a filter given as a list
            return run()

    def filter_mask(self, query: Filters) -> np.ndarray:
        """The documents a query may return, before its text is considered (a new array)."""
        packed = self._filters.remember(
            _filter_key(query), lambda: np.packbits(self._filter_mask(query))
        )
        return self._unpack(packed)

    def _filter_mask(self, query: Filters) -> np.ndarray:
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
        return self._unpack(self._on.remember(day, lambda: np.packbits(self.arrays.in_force(day))))

    def _unpack(self, packed: np.ndarray) -> np.ndarray:
        """A mask kept as bits (an eighth of a boolean array: masks are kept by the hundred, and
        unpacking one costs microseconds) as booleans again."""
        return np.unpackbits(packed, count=self.arrays.size).view(bool)

    def filter_set(self, query: Filters) -> frozenset[int]:
        """:meth:`filter_mask` as a set of document numbers."""
        return self._filter_sets.remember(
            _filter_key(query),
            lambda: frozenset(np.flatnonzero(self.filter_mask(query)).tolist()),
            len,
        )

    def matches(self, unit: Query) -> frozenset[int]:
        """Document numbers matching one term or phrase (kept: words recur)."""
        return self._matches.remember(
            repr(unit), lambda: frozenset(self.arrays.unit(unit)[0].tolist()), len
        )

    def column(self, name: str) -> list[Any]:
        """The values of a column field, indexed by document number."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self.arrays.column(name)
        return found


def _filter_key(query: Filters) -> tuple[Any, ...]:
    return (query.type, query.on, query.filters())
