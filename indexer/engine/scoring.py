"""Ranking over arrays: Whoosh's BM25F, the AND of a query's parts (or any part when none has
them all), and the top of a ranking without sorting everything.

Equal ranks are broken by a key the caller gives (:func:`indexer.schema.tiebreak_key`), never
by document numbers: those depend on how an index was written, and two nodes over one database
must list the same results in the same order.

Everything here is plain numpy over document numbers and scores aligned with them; nothing reads
the index. :mod:`indexer.engine.arrays` supplies each word's and phrase's documents and scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import log

import numpy as np

#: A word's or phrase's matching documents (ascending) and their scores, aligned.
Unit = tuple[np.ndarray, np.ndarray]


def bm25f(
    frequencies: np.ndarray,
    lengths: np.ndarray,
    *,
    idf: float,
    average_length: float,
    b: float,
    k1: float,
) -> np.ndarray:
    """:func:`whoosh.scoring.bm25` over arrays of term frequencies and field lengths."""
    tf = frequencies.astype(np.float64)
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average_length)))


def idf(doc_count: int, doc_frequency: int) -> float:
    """:meth:`whoosh.scoring.WeightingModel.idf`: ``doc_count`` documents, ``doc_frequency``
    of them holding the word."""
    return log(doc_count / (doc_frequency + 1)) + 1


def positions_in(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Where each of ``needles`` is in the ascending ``haystack``, or -1."""
    if not len(haystack):
        return np.full(len(needles), -1)
    at = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    return np.where(haystack[at] == needles, at, -1)


def match(
    units: list[Unit], boosts: Iterable[Unit], allowed: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The documents having every unit (ascending), how many units each has when none has all
    and there is more than one (else ``None``), and their scores, all aligned.

    A boost adds its score to the documents that have it, as Whoosh's ``AndMaybe`` does.
    ``boosts`` is consumed only when some document has every unit: pass a generator, so that
    a relaxed query never reads its boost phrases' positions.
    """
    docs = min(units, key=lambda unit: len(unit[0]))[0]
    docs = docs[allowed[docs]]
    for unit_docs, _ in units:
        docs = docs[positions_in(unit_docs, docs) >= 0]
    if not len(docs):
        return any_part(units, allowed) if len(units) > 1 else (docs, None, np.zeros(0))
    scores = np.zeros(len(docs), dtype=np.float64)
    for unit_docs, unit_scores in units:
        scores += unit_scores[positions_in(unit_docs, docs)]
    for boost_docs, boost_scores in boosts:
        at = positions_in(boost_docs, docs)
        scores[at >= 0] += boost_scores[at[at >= 0]]
    # Units may hold narrower document numbers (the engine keeps int32); what callers index
    # arrays with is made numpy's index type once here.
    return docs.astype(np.intp, copy=False), None, scores


def any_part(units: list[Unit], allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents with at least one part, the number of parts each has and the sum of their
    scores (the score an AND of just those parts gives)."""
    size = len(allowed)
    all_docs = np.concatenate([docs for docs, _ in units]).astype(np.intp, copy=False)
    coverage = np.bincount(all_docs, minlength=size)
    # Each document's scores summed in the order of the units, as adding unit after unit did.
    scores = np.bincount(all_docs, np.concatenate([s for _, s in units]), minlength=size)
    docs = np.flatnonzero((coverage > 0) & allowed)
    return docs, coverage[docs], scores[docs]


def by_relevance(
    docs: np.ndarray,
    scores: np.ndarray,
    coverage: np.ndarray | None,
    wanted: int,
    *,
    tiebreak: np.ndarray,
) -> list[tuple[int, float]]:
    """The best ``wanted`` by score (after the number of parts matched, when relaxed); equal
    ones by ``tiebreak``, smallest first. The four arrays are aligned."""
    order = np.arange(len(docs))
    if coverage is None:
        top = best(order, wanted, [scores], tiebreak=tiebreak)
    else:
        rough = coverage + scores / (scores.max() + 1.0)
        top = best(order, wanted, [coverage, scores], tiebreak=tiebreak, rough=rough)
    return [(int(docs[i]), float(scores[i])) for i in top]


def best(
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
