"""indexer/engine/scoring.py: AND, relaxed any-part matching and the top of a ranking, on arrays."""

from __future__ import annotations

import numpy as np
from whoosh.scoring import BM25F
from whoosh.scoring import bm25

from indexer.engine.scoring import best
from indexer.engine.scoring import bm25f
from indexer.engine.scoring import by_relevance
from indexer.engine.scoring import idf
from indexer.engine.scoring import match
from indexer.engine.scoring import positions_in


def unit(docs, scores):
    return np.array(docs, dtype=np.int64), np.array(scores, dtype=np.float64)


def test_bm25f_is_whoosh_formula():
    found = bm25f(
        np.array([1, 3]), np.array([4.0, 10.0]), idf=1.5, average_length=6.0, b=0.75, k1=1.2
    )

    assert found.tolist() == [bm25(1.5, 1, 4.0, 6.0, 0.75, 1.2), bm25(1.5, 3, 10.0, 6.0, 0.75, 1.2)]


def test_positions_in_finds_each_needle_or_minus_one():
    haystack = np.array([2, 5, 9])

    assert positions_in(haystack, np.array([5, 3, 9, 10])).tolist() == [1, -1, 2, -1]
    assert positions_in(np.array([], dtype=np.int64), np.array([1])).tolist() == [-1]


def test_every_unit_is_required_and_scores_add_up():
    allowed = np.ones(10, dtype=bool)
    allowed[4] = False

    docs, coverage, scores = match(
        [unit([1, 4, 6], [1.0, 1.0, 2.0]), unit([4, 6, 8], [0.5, 0.5, 0.5])],
        [unit([6], [0.25])],
        allowed,
    )

    assert (docs.tolist(), coverage, scores.tolist()) == ([6], None, [2.75])


def test_when_no_document_has_every_unit_any_part_counts():
    allowed = np.ones(10, dtype=bool)

    docs, coverage, scores = match(
        [unit([1, 2], [1.0, 3.0]), unit([3], [2.0]), unit([1], [0.5])], [], allowed
    )

    assert docs.tolist() == [1, 2, 3]
    assert coverage.tolist() == [2, 1, 1] and scores.tolist() == [1.5, 3.0, 2.0]


def test_relaxed_results_rank_by_parts_matched_then_score():
    docs, scores, coverage = np.array([1, 2, 3]), np.array([1.5, 3.0, 2.0]), np.array([2, 1, 1])

    tiebreak = np.array([3, 2, 1])

    assert by_relevance(docs, scores, coverage, 3, tiebreak=tiebreak) == [
        (1, 1.5),
        (2, 3.0),
        (3, 2.0),
    ]
    assert by_relevance(docs, scores, None, 2, tiebreak=tiebreak) == [(2, 3.0), (3, 2.0)]


def test_equal_scores_go_by_the_tiebreak_key_not_the_document_number():
    docs, scores = np.array([4, 7, 9]), np.array([2.0, 2.0, 1.0])

    found = by_relevance(docs, scores, None, 3, tiebreak=np.array([20, 10, 0]))
    relaxed = by_relevance(docs, scores, np.array([1, 1, 1]), 2, tiebreak=np.array([20, 10, 0]))

    assert found == [(7, 2.0), (4, 2.0), (9, 1.0)]
    assert relaxed == [(7, 2.0), (4, 2.0)]


def test_idf_is_whoosh_formula():
    class Stats:
        def get_parent(self):
            return self

        def doc_frequency(self, field, text):
            return 3

        def doc_count_all(self):
            return 40

    assert idf(40, 3) == BM25F().idf(Stats(), "content", "绿化")


def test_best_breaks_ties_by_the_smaller_item():
    items = np.array([7, 3, 5, 1])
    key = np.array([1.0, 2.0, 2.0, 0.5])

    assert best(items, 3, [key]).tolist() == [3, 5, 7]
