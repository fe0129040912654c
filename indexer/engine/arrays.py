"""One searcher's documents as numpy arrays: live documents, scored words and phrases, columns,
filter masks, the in-force set of a day and facet counts.

Document numbers are the searcher's (segment offset + segment-local number). A boolean array
over all of them is a document set: filters, the in-force set of a date and the matches of a
query are such masks, and facet counts are :func:`numpy.bincount` over a column's codes. What
one segment contributes comes from :class:`indexer.engine.store.SegmentStore`, which outlives
the searcher, so a new searcher after an update only reads the new segments; which documents
are live is read from this searcher's own readers, so deletions are always this commit's.

Scores count live documents only (:meth:`SearcherArrays.statistics`): Whoosh's own statistics
count a deleted document until its segment is merged away, so two indexes holding the same
documents — two nodes, or a long-lived index and a fresh rebuild — would score them apart.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh.query import Phrase
from whoosh.query import Query
from whoosh.query import Term
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from indexer.engine.cache import LIMITS
from indexer.engine.cache import SizedCache
from indexer.engine.scoring import Unit
from indexer.engine.scoring import bm25f
from indexer.engine.scoring import idf
from indexer.engine.scoring import positions_in
from indexer.engine.store import SegmentStore
from indexer.engine.store import leaves
from indexer.engine.store import segment_key
from indexer.schema import FACETS
from indexer.schema import OPEN_END
from indexer.schema import STANDARD_ID_SHIFT
from indexer.schema import day_number
from indexer.schema import in_force_window

CONTENT = "content"


class SearcherArrays:
    """Array views of one searcher, filled on first use and kept while it is current."""

    def __init__(self, searcher: Searcher, store: SegmentStore) -> None:
        self.searcher = searcher
        self.store = store
        self.leaves = leaves(searcher)
        self.size = searcher.doc_count_all()
        self._lock = threading.Lock()
        self._live: np.ndarray | None = None
        # Words and phrases apart: a common word holds 100k postings and is scored again in
        # about a millisecond, a phrase holds few and reads every position of its words.
        self._units = SizedCache(LIMITS.unit_postings)
        self._phrases = SizedCache(LIMITS.phrase_postings)
        self._masks: dict[tuple[str, Any], np.ndarray] = {}
        self._codes: dict[str, np.ndarray] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._windows: tuple[np.ndarray, ...] | None = None
        self._statistics: tuple[int, float] | None = None

    def segment_keys(self) -> set[str]:
        """The ids of the segments this searcher reads."""
        return {segment_key(reader) for reader, _ in self.leaves}

    @property
    def live(self) -> np.ndarray:
        """Which document numbers are not deleted."""
        if self._live is None:
            live = np.ones(self.size, dtype=bool)
            for reader, offset in self.leaves:
                part = self.store.live(reader)
                live[offset : offset + len(part)] = part
            self._live = live
        return self._live

    def unit(self, query: Query) -> Unit:
        """Live documents matching one word or phrase (ascending) and their BM25F scores.

        Scores are Whoosh's BM25F over live documents, computed over arrays: a word's by
        :meth:`_word`, a phrase's as Whoosh gives it, the sum of its words' (:meth:`_phrase`).
        """
        key = repr(query)
        if isinstance(query, Term) and query.fieldname == CONTENT:
            kept, make = self._units, lambda: self._word(query.text)
        elif isinstance(query, Phrase) and query.fieldname == CONTENT:
            kept, make = self._phrases, lambda: self._phrase(query.words)
        else:
            raise TypeError(f"not a word or phrase of {CONTENT}: {query!r}")
        with self._lock:
            found = kept.get(key)
            if found is not None:
                return found
        found = make()
        with self._lock:
            kept.put(key, found, len(found[0]))
        return found

    def doc_frequency(self, word: str) -> int:
        """How many live documents hold ``word`` in the scored text."""
        return len(self.unit(Term(CONTENT, word))[0])

    @property
    def statistics(self) -> tuple[int, float]:
        """BM25F's collection statistics over live documents: their number and the average
        length of their scored text.

        The average is over the lengths Whoosh keeps per document (one byte: exact up to 10
        words, up to 9 % over above), not over its running total of exact lengths: a merge
        adds the stored lengths back, so that total depends on the index's history. Whoosh
        scores each document with its stored length too, so the two now agree.
        """
        if self._statistics is None:
            count, total = 0, 0.0
            for reader, offset in self.leaves:
                lengths = self.store.lengths(reader, CONTENT)
                live = self.live[offset : offset + len(lengths)]
                count += int(live.sum())
                total += float(lengths[live].sum())
            self._statistics = (count, total / count if count else 1.0)
        return self._statistics

    @property
    def tiebreak(self) -> np.ndarray:
        """Per document, the key that orders equal-ranking documents
        (:func:`indexer.schema.tiebreak_key`): the same on every node, unlike document numbers."""
        return self.numbers("tiebreak")

    def _word(self, text: str) -> Unit:
        weighting = self.searcher.weighting
        assert isinstance(weighting, BM25F), weighting
        docs, frequencies, lengths = [], [], []
        for reader, offset in self.leaves:
            local, found = self.store.postings(reader, CONTENT, text)
            docs.append(local + np.int32(offset))
            frequencies.append(found)
            lengths.append(self.store.lengths(reader, CONTENT)[local])
        if not docs:
            return np.empty(0, np.int32), np.empty(0, np.float64)
        all_docs = np.concatenate(docs)
        live = self.live[all_docs]
        docs_live = all_docs[live]
        if not len(docs_live):
            return docs_live, np.empty(0, np.float64)
        count, average = self.statistics
        scores = bm25f(
            np.concatenate(frequencies)[live],
            np.concatenate(lengths)[live],
            idf=idf(count, len(docs_live)),
            average_length=average or 1,
            b=weighting.B,
            k1=weighting.K1,
        )
        return docs_live, scores

    def _phrase(self, words: list[str]) -> Unit:
        """Documents where each word is at the position after the previous one (Whoosh's
        ``Phrase``, slop 1), scored as Whoosh scores it: the sum of its words' scores."""
        docs = []
        for reader, offset in self.leaves:
            # Only documents holding every word can hold the phrase: their positions alone are
            # read (a mapped segment's other pages stay untouched).
            rows = {w: self.store.postings(reader, CONTENT, w) for w in words}
            candidates = _together([docs for docs, _ in rows.values()])
            if not len(candidates):
                continue
            keys = self.store.positions(reader, CONTENT, words[0], candidates, rows[words[0]])
            for word in words[1:]:
                following = self.store.positions(reader, CONTENT, word, candidates, rows[word])
                wanted = keys + 1
                keys = wanted[positions_in(following, wanted) >= 0]
            docs.append((np.unique(keys >> 32) + offset).astype(np.int32))
        found = np.concatenate(docs) if docs else np.empty(0, np.int32)
        found = found[self.live[found]]
        scores = np.zeros(len(found), dtype=np.float64)
        for word in words:
            word_docs, word_scores = self.unit(Term(CONTENT, word))
            scores += word_scores[np.searchsorted(word_docs, found)]
        return found, scores

    def term_mask(self, field: str, value: Any) -> np.ndarray:
        """Live documents having ``value`` in a keyword field, as a mask."""
        key = (field, value)
        found = self._masks.get(key)
        if found is None:
            found = np.zeros(self.size, dtype=bool)
            for reader, offset in self.leaves:
                local, _ = self.store.postings(reader, field, value)
                found[local.astype(np.int64) + offset] = True
            found &= self.live
            self._masks[key] = found
        return found

    def codes(self, field: str) -> np.ndarray:
        """A text column as codes into :meth:`labels`, per document."""
        found = self._codes.get(field)
        if found is None:
            found = self._concat([self.store.codes(r, field) for r, _ in self.leaves], np.int32)
            self._codes[field] = found
        return found

    def labels(self, field: str) -> list[str]:
        """The values of a text column in code order."""
        return self.store.labels(field)

    def numbers(self, field: str) -> np.ndarray:
        """A numeric column, per document."""
        found = self._numbers.get(field)
        if found is None:
            found = self._concat([self.store.numbers(r, field) for r, _ in self.leaves], np.int64)
            self._numbers[field] = found
        return found

    def column(self, field: str) -> list[Any]:
        """A column's values as a list, per document."""
        values: list[Any] = []
        for reader, _ in self.leaves:
            values.extend(self.store.column(reader, field))
        return values

    def value_mask(self, field: str, values: Iterable[str]) -> np.ndarray:
        """Live documents whose column ``field`` holds one of ``values``."""
        codes = self.codes(field)  # first: reading a segment's codes adds its labels
        wanted = self.store.label_codes(field, values)
        found = codes == wanted[0] if len(wanted) == 1 else np.isin(codes, wanted)
        return found & self.live

    def facets(self, docs: np.ndarray) -> dict[str, dict[str, int]]:
        """Counts per value of each facet over ``docs``, most frequent first."""
        facets = {}
        docs = docs.astype(np.intp, copy=False)  # once, not per facet's gather
        for name in FACETS:
            codes = self.codes(name)  # first: reading a segment's codes adds its labels
            labels = self.labels(name)
            counts = np.bincount(codes[docs], minlength=len(labels))
            found = {labels[c]: int(counts[c]) for c in np.flatnonzero(counts) if labels[c]}
            facets[name] = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
        return facets

    def in_force(self, day: dt.date) -> np.ndarray:
        """Per standard, the latest version in force on ``day`` (see :func:`in_force_window`)."""
        number = day_number(day)
        docs, starts, ends, groups = self._standard_windows()
        inside = (starts <= number) & (number <= ends)
        chosen = docs[inside]
        group = groups[inside]
        last_of_group = np.r_[group[1:] != group[:-1], True] if len(group) else group.astype(bool)
        mask = np.zeros(self.size, dtype=bool)
        mask[chosen[last_of_group]] = True
        return mask

    def _standard_windows(self) -> tuple[np.ndarray, ...]:
        """Live standard versions ever in force, ordered by (standard, version): docnum, first
        and last day, and the standard's group number."""
        if self._windows is None:
            is_standard = self.value_mask("type", ["standard"])
            status = self.codes("status")
            starts = self.numbers("effective_from")
            ends = self.numbers("effective_to")
            published, open_ended = _status_rules(self.labels("status"))
            ends = np.where(ends != 0, ends, np.where(open_ended[status], OPEN_END, -1))
            valid = is_standard & published[status] & (ends >= 0)
            docs = np.flatnonzero(valid)
            # A standard's versions share its database id, the tie-break key's high bits
            # (:func:`indexer.schema.tiebreak_key`): no table of its codes is needed.
            standard = self.tiebreak[docs] >> STANDARD_ID_SHIFT
            order = np.lexsort((self.numbers("version")[docs], standard))
            docs = docs[order]
            self._windows = (docs, starts[docs], ends[docs], standard[order])
        return self._windows

    def _concat(self, parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype)


def _status_rules(labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per status label: whether a version with it has a window at all (given an end date), and
    whether it is in force until further notice without one — both from :func:`in_force_window`,
    so the rule stays the one in :mod:`indexer.schema`."""
    published = np.zeros(max(len(labels), 1), dtype=bool)
    open_ended = np.zeros(max(len(labels), 1), dtype=bool)
    for code, label in enumerate(labels):
        if not label:
            continue
        published[code] = in_force_window(label, 1, 2) is not None
        open_ended[code] = in_force_window(label, 1, 0) is not None
    return published, open_ended


def _together(rows: list[np.ndarray]) -> np.ndarray:
    """The documents (ascending) in every one of these ascending rows."""
    rows = sorted(rows, key=len)
    found = rows[0]
    for row in rows[1:]:
        found = found[positions_in(row, found) >= 0]
    return found
