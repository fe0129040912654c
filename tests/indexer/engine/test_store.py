"""indexer/engine/store.py: postings decoded by block equal Whoosh's own posting walk; a segment's
deletions come from the commit read; no other module touches Whoosh's internals."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer import sync
from indexer.engine.store import SegmentStore
from indexer.engine.store import decode_each
from indexer.engine.store import leaf_key
from indexer.engine.store import raw_postings
from indexer.engine.store import read_postings
from indexer.search import search_index
from tests.factories import make_standard


def current_reader(settings):
    with search_index(settings).reading() as view:
        return view.searcher.reader()


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
    walked = decode_each(raw_postings(first, "content", "绿化养护"))

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

    assert store.held_postings == 0 and store.segment_arrays == 0


def test_old_postings_go_first_beyond_the_bound(index_settings, build):
    build(*(make_standard(code=f"QP-CQ-{n:04d}") for n in range(5)))
    reader = current_reader(index_settings)
    store = SegmentStore(max_postings=6)
    store.postings(reader, "content", "绿化养护")
    store.postings(reader, "content", "青浦区")

    assert store.held_postings == 5 and np.array_equal(
        store.postings(reader, "content", "青浦区")[0], np.arange(5)
    )


WHOOSH_INTERNALS = ("._read_ids", "._read_weights", "._next_block", "._ids", "._weights")
WHOOSH_INTERNALS += ("FilterMatcher", "writelock", "matching.wrappers")


def test_no_module_but_the_store_touches_whoosh_internals():
    root = Path(__file__).resolve().parents[3]
    offenders = [
        f"{path.relative_to(root)}: {name}"
        for folder in ("indexer", "webapp", "kb")
        for path in sorted((root / folder).rglob("*.py"))
        if path != root / "indexer" / "engine" / "store.py"
        for name in WHOOSH_INTERNALS
        if name in path.read_text(encoding="utf-8")
    ]

    assert offenders == []


def test_a_segment_live_mask_follows_its_deletions(index_settings, db, build, store):
    build(*(make_standard(code=f"QP-CQ-{n:04d}") for n in range(3)))
    segments = SegmentStore()
    [(before, _)] = current_reader(index_settings).leaf_readers()
    assert segments.live(before).tolist() == [True, True, True]
    state = leaf_key(before)

    store(make_standard(code="QP-CQ-0001", name="青浦区绿化养护定额（修订）"))
    sync.update(index_settings, db, standard_codes=["QP-CQ-0001"])
    [(after, _), _] = current_reader(index_settings).leaf_readers()
    arrays = segments.segment_arrays

    assert leaf_key(after)[0] == state[0] and leaf_key(after) != state
    assert segments.live(after).tolist() == [True, False, True]
    assert segments.segment_arrays == arrays  # the old state replaced, not kept beside
