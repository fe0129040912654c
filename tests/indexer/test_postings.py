"""indexer/postings.py: postings decoded by block equal Whoosh's own posting walk."""

from __future__ import annotations

import numpy as np

from indexer import sync
from indexer.postings import SegmentStore
from indexer.postings import _decode_each
from indexer.postings import read_postings
from indexer.search import search_index
from tests.factories import make_standard


def current_reader(settings):
    index = search_index(settings)
    index.refresh()
    return index.searcher.reader()


def test_block_decoding_equals_the_posting_walk_with_deletions(index_settings, db, build, store):
    build(
        *(
            make_standard(code=f"QP-CQ-{n:04d}", name=f"青浦区第{n}号绿化养护定额")
            for n in range(300)
        )
    )
    store(make_standard(code="QP-CQ-0007", name="青浦区绿化养护定额（修订）"))
    sync.update(index_settings, db, standard_codes=["QP-CQ-0007"])
    reader = current_reader(index_settings)
    [(first, _), _] = reader.leaf_readers()

    docs, weights = read_postings(first, "content", "绿化养护")
    walked = _decode_each(first.postings("content", "绿化养护").child)

    assert first.has_deletions() and len(docs) == 300 > 128  # more than one block
    assert docs.tolist() == walked[0] and weights.tolist() == walked[1]
    assert read_postings(first, "content", "没有这个词")[0].size == 0


def test_the_store_drops_segments_no_searcher_reads(index_settings, build):
    build(make_standard())
    reader = current_reader(index_settings)
    store = SegmentStore()
    store.postings(reader, "content", "绿化养护")
    store.lengths(reader, "content")

    store.forget_except(set())

    assert store._postings.held == 0 and not store._per_segment


def test_old_postings_go_first_beyond_the_bound(index_settings, build):
    build(*(make_standard(code=f"QP-CQ-{n:04d}") for n in range(5)))
    reader = current_reader(index_settings)
    store = SegmentStore(max_postings=6)
    store.postings(reader, "content", "绿化养护")
    store.postings(reader, "content", "青浦区")

    assert store._postings.held == 5 and np.array_equal(
        store.postings(reader, "content", "青浦区")[0], np.arange(5)
    )
