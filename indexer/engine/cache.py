"""Every bound on what the search engine keeps in memory, in one :class:`Limits`, and the one
least-recently-used cache (:class:`SizedCache`) that enforces most of them.

Why one place: the engine remembers a lot per process (decoded postings, scored words, filter
masks, answers, the tokenizer's routes) and each memory is cheap alone; what matters to an
operator is the sum. The bounds below are what a worker can hold at 100k standards on a 24 GiB,
2-core machine (bench/README): change them here, nowhere else.
"""

from __future__ import annotations

import ctypes
import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Bounds of the engine's caches, each counted in the unit its comment names."""

    #: Decoded postings and word positions kept per process (~8 bytes each), shared by the
    #: successive searchers of one index generation (:class:`indexer.engine.store.SegmentStore`).
    #: Only segments without their arrays on disk are decoded so (issue 16): mapped arrays are
    #: page-cache pages every process shares and the kernel may drop, they need no bound here.
    postings: int = 24_000_000
    #: Scored words kept per searcher, counted in postings (12 bytes each: an int32 document,
    #: a float64 score; 24 MB). Since postings are read from the segments' array files (issue
    #: 16), scoring a word again costs about a millisecond for the commonest at 100k (122k
    #: postings): 1,000 new queries at 100k cost 0.1 ms more each with 2 M than with 3 M,
    #: 0.5 ms with 1 M (bench/README).
    unit_postings: int = 2_000_000
    #: Scored phrases kept per searcher, counted in postings (12 bytes each; 3 MB, ≈ 150
    #: phrases at 100k). A phrase holds few documents but costs milliseconds (every position
    #: of its words in the documents holding them all): kept apart, so that common words do
    #: not push phrases out.
    phrase_postings: int = 250_000
    #: Pages remembered per searcher for repeated queries (a page with its hits' stored
    #: fields, snippets and facets is ≈ 15 kB at 100k: 2 MB).
    answers: int = 128
    #: Filter masks per searcher (one bit per document each: 18 kB at 100k standards).
    filter_masks: int = 128
    #: In-force masks per searcher, one per date asked for (one bit per document each).
    in_force_days: int = 64
    #: Document numbers kept in filter sets handed to budget matching (~60 bytes each).
    filter_set_members: int = 500_000
    #: Document numbers kept in word match sets handed to budget matching.
    match_members: int = 2_000_000
    #: Index folders a process resolves to a path (one per settings object).
    index_keys: int = 64
    #: Words and phrases of one query that are searched for; the rest is ignored.
    query_parts: int = 24
    #: Whole words whose index tokens the highlighter remembers.
    highlight_words: int = 100_000
    #: CJK runs whose jieba route the tokenizer remembers.
    tokenizer_routes: int = 200_000
    #: Words whose sub-word tree the tokenizer remembers.
    tokenizer_trees: int = 500_000
    #: Searches between two returns of the C heap's free pages to the system
    #: (:func:`release_free_memory`, ≈ 2 ms each at 100k; a worker's heap holds 10–20 MB free
    #: between the arrays of its queries otherwise, back within about 100 searches).
    trim_every: int = 100


#: The limits every engine object uses.
LIMITS = Limits()


class SizedCache:
    """Values kept least recently used first out, bounded by their total size."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Any) -> Any:
        """The value kept for ``key``, or ``None``."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: Any, value: Any, size: int = 1) -> None:
        """Keep ``value`` (of size ``size``) unless ``key`` is kept already."""
        if key in self._items:
            return
        self._items[key] = (value, size)
        self.held += size
        while self.held > self.limit and len(self._items) > 1:
            self.held -= self._items.popitem(last=False)[1][1]

    def remember(
        self, key: Any, make: Callable[[], Any], size: Callable[[Any], int] | None = None
    ) -> Any:
        """The value kept for ``key``, made and kept first if missing."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found, size(found) if size else 1)
        return found

    def drop(self, unwanted: Callable[[Any], bool]) -> None:
        """Forget the values whose keys are ``unwanted``."""
        for key in [k for k in self._items if unwanted(k)]:
            self.held -= self._items.pop(key)[1]


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; elsewhere
    nothing). numpy's arrays of a query come from that heap and leave free gaps in it that
    glibc keeps mapped."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
