"""indexer/engine/mapped.py: a segment's arrays saved once, atomically, and mapped read-only."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.engine.mapped import narrow
from indexer.engine.mapped import open_segment
from indexer.engine.mapped import rows
from indexer.engine.mapped import save

WORDS = sorted(w.encode() for w in ["养护", "绿化", "绿化养护", "道路", "青浦区", "a", "ab"])


def word_table() -> dict[str, np.ndarray]:
    blob = np.frombuffer(b"".join(WORDS), dtype=np.uint8)
    docs = [[0, 2], [1], [0, 1, 2], [3], [2], [0], [4]]
    # Per word, each posting's positions (weights are not counts here, so counts are stored).
    places = [[[5], []], [[7]], [[3], [0, 4], [1]], [[]], [[]], [[]], [[]]]
    return {
        "content/terms": blob,
        "content/term_offsets": rows([len(w) for w in WORDS]),
        "content/starts": rows([len(d) for d in docs]),
        "content/docs": np.asarray([d for row in docs for d in row], dtype=np.int32),
        "content/weights": np.arange(10, dtype=np.float32),
        "content/counts": np.asarray([len(p) for row in places for p in row], dtype=np.uint8),
        "content/place_starts": rows([sum(len(p) for p in row) for row in places]),
        "content/places": np.asarray([x for row in places for p in row for x in p], np.uint16),
        "content/lengths": np.asarray([3.0, 5.0, 1.0, 2.0, 8.0]),
        "kind/codes": np.asarray([0, 1, 0, 0, 1], dtype=np.int32),
    }


def test_saved_arrays_come_back_mapped_and_read_only(tmp_path):
    folder = tmp_path / "arrays" / "seg1"
    assert save(folder, word_table(), documents=5, labels={"kind": ["cost_quota", "expenditure"]})

    mapped = open_segment(folder, 5)

    assert mapped is not None
    docs, weights = mapped.postings("content", WORDS[2])
    assert (docs.tolist(), weights.tolist()) == ([0, 1, 2], [3.0, 4.0, 5.0])
    assert mapped.positions("content", WORDS[2]).tolist() == [3, 1 << 32, 1 << 32 | 4, 2 << 32 | 1]
    assert mapped.postings("content", "没有".encode())[0].tolist() == []
    assert mapped.positions("content", b"zz").tolist() == []
    assert mapped.array("content/lengths").tolist() == [3.0, 5.0, 1.0, 2.0, 8.0]
    assert mapped.labels("kind") == ["cost_quota", "expenditure"]
    with pytest.raises(ValueError):
        mapped.array("kind/codes")[0] = 5  # a shared page is never written


def test_every_word_is_found_and_nothing_else(tmp_path):
    save(tmp_path / "s", word_table(), documents=5, labels={})
    terms = open_segment(tmp_path / "s", 5)._terms["content"]  # noqa: SLF001

    assert [terms.row(w) for w in WORDS] == list(range(len(WORDS)))
    assert [terms.row(w) for w in (b"", b"0", b"abc", "绿".encode(), "龥".encode())] == [-1] * 5


def test_a_second_writer_keeps_the_first_copy(tmp_path):
    folder = tmp_path / "arrays" / "seg1"
    first = word_table()
    second = word_table() | {"content/lengths": np.zeros(5)}

    assert save(folder, first, documents=5, labels={})
    assert not save(folder, second, documents=5, labels={})
    assert open_segment(folder, 5).array("content/lengths").tolist() == [3.0, 5.0, 1.0, 2.0, 8.0]
    assert [p.name for p in (tmp_path / "arrays").iterdir()] == ["seg1"]  # no temporary left


def test_arrays_of_another_segment_state_or_none_are_not_used(tmp_path):
    save(tmp_path / "s", word_table(), documents=5, labels={})

    assert open_segment(tmp_path / "s", 6) is None  # not the segment asked for
    assert open_segment(tmp_path / "missing", 5) is None


def test_an_empty_segment_saves_and_maps(tmp_path):
    assert save(tmp_path / "s", {"x/numbers": np.empty(0, np.int64)}, documents=0, labels={})
    assert open_segment(tmp_path / "s", 0).array("x/numbers").tolist() == []


# The writer's layout: per word its postings, and per posting its positions in the document.
ROWS = [  # (document, positions) per posting, per word of WORDS
    [(0, [5]), (2, [0, 3])],
    [(1, [7])],
    [(0, [3]), (1, [0, 4]), (2, [1])],
    [(3, [2])],
    [(2, [0])],
    [(0, [9])],
    [(4, [1, 2, 6])],
]


def per_posting_table(weights: list[float] | None = None) -> dict[str, np.ndarray]:
    postings = [p for row in ROWS for p in row]
    counts = [len(places) for _, places in postings]
    table = {
        "content/terms": np.frombuffer(b"".join(WORDS), dtype=np.uint8),
        "content/term_offsets": narrow(rows([len(w) for w in WORDS])),
        "content/starts": narrow(rows([len(row) for row in ROWS])),
        "content/docs": np.asarray([d for d, _ in postings], dtype=np.int32),
        "content/place_starts": narrow(rows([sum(len(p) for _, p in row) for row in ROWS])),
        "content/places": narrow(np.asarray([x for _, places in postings for x in places])),
    }
    if weights is None:
        table["content/weights"] = narrow(np.asarray(counts))
    else:  # weights that are not the counts of positions: the counts come separately
        table["content/weights"] = np.asarray(weights, dtype=np.float32)
        table["content/counts"] = narrow(np.asarray(counts))
    return table


def keys_of(row: list[tuple[int, list[int]]], docs: set[int] | None = None) -> list[int]:
    return [d << 32 | x for d, places in row for x in places if docs is None or d in docs]


@pytest.mark.parametrize("weights", [None, [0.5] * 10])
def test_positions_per_posting_read_whole_or_for_some_documents(tmp_path, weights):
    save(tmp_path / "s", per_posting_table(weights), documents=5, labels={})
    mapped = open_segment(tmp_path / "s", 5)

    assert mapped.array("content/places").dtype == np.uint8
    for word, row in zip(WORDS, ROWS, strict=True):
        assert mapped.positions("content", word).tolist() == keys_of(row)
        for wanted in ([0], [1, 2], [2, 3, 4], [0, 1, 2, 3, 4], []):
            found = mapped.positions("content", word, np.asarray(wanted, dtype=np.int32))
            assert found.tolist() == keys_of(row, set(wanted)), (word, wanted)
    docs, found = mapped.postings("content", WORDS[2])
    assert docs.tolist() == [0, 1, 2]
    assert found.tolist() == ([1, 2, 1] if weights is None else [0.5] * 3)
    assert mapped.positions("content", b"zz", np.asarray([0])).tolist() == []


def test_narrow_picks_the_smallest_unsigned_type():
    assert narrow(np.array([0, 255])).dtype == np.uint8
    assert narrow(np.array([256])).dtype == np.uint16
    assert narrow(np.array([70_000])).dtype == np.uint32
    assert narrow(np.array([2**32])).dtype == np.int64
    assert narrow(np.array([2**32])).tolist() == [2**32]
    assert narrow(np.empty(0, np.int64)).dtype == np.uint8
