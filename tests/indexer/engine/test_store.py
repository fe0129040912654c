"""indexer/engine/store.py: postings decoded by block equal Whoosh's own posting walk; a segment's
deletions come from the commit read; no other module touches Whoosh's internals."""

from __future__ import annotations

import multiprocessing
import random
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from whoosh.query import Term

from bench import pagecache
from indexer import sync
from indexer.engine import segments as segments_module
from indexer.engine.store import SegmentStore
from indexer.engine.store import decode_each
from indexer.engine.store import field_lengths
from indexer.engine.store import leaf_key
from indexer.engine.store import open_searcher
from indexer.engine.store import raw_postings
from indexer.engine.store import read_positions
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


# -- the arrays on disk (issue 16) -------------------------------------------------------------


def _segment_readers(settings):
    return [r for r, _ in current_reader(settings).leaf_readers()]


def _build_two_segments(index_settings, db, build, store, policy):
    build(
        *(
            make_standard(
                code=f"QP-CQ-{n:04d}",
                name=f"青浦区第{n}号绿化养护定额",
                region=("青浦区", "普陀区")[n % 2],
            )
            for n in range(150)
        ),
        policy(clauses=(("一", "总体要求", "绿化养护按一级养护标准执行，绿化养护费用按年度结算"),)),
    )
    store(make_standard(code="QP-CQ-0007", name="青浦区道路保洁定额（修订）", region="朱家角镇"))
    sync.update(index_settings, db, standard_codes=["QP-CQ-0007"])


@pytest.mark.parametrize("postings_round", [1_000_000, 7])
def test_every_segment_written_is_mapped_and_equals_whoosh(
    index_settings, db, build, store, policy, monkeypatch, postings_round
):
    # Decoding goes a round of postings at a time; small rounds split words across rounds.
    monkeypatch.setattr(segments_module, "_POSTINGS_ROUND", postings_round)
    _build_two_segments(index_settings, db, build, store, policy)
    readers = _segment_readers(index_settings)
    generation = Path(index_settings.index_dir) / sync.generation_token(index_settings).split()[0]
    mapped, decoded = SegmentStore(generation), SegmentStore()

    assert len(readers) == 2 and readers[0].has_deletions()
    for reader in readers:
        assert mapped.mapped(reader) is not None
        words = [w.decode() for w in reader.lexicon("content")]
        assert len(words) > 20
        for word in words:
            got, expected = (
                mapped.postings(reader, "content", word),
                read_postings(reader, "content", word),
            )
            assert (
                got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()
            )
            assert (
                mapped.positions(reader, "content", word).tolist()
                == read_positions(reader, "content", word).tolist()
            ), word
        assert (
            mapped.lengths(reader, "content").tolist() == field_lengths(reader, "content").tolist()
        )
        for field in (
            "type",
            "region",
            "status",
            "code",
            "version",
            "effective_from",
            "value_order",
        ):
            assert mapped.column(reader, field) == decoded.column(reader, field), field
        for field in ("region", "kind"):
            labels = mapped.codes(reader, field)
            assert [mapped.labels(field)[c] for c in labels] == decoded.column(reader, field)
        for value in (True, False):
            assert (
                mapped.postings(reader, "is_current", value)[0].tolist()
                == read_postings(reader, "is_current", value)[0].tolist()
            )
    assert mapped.held_postings == 0  # nothing decoded: every word came from the files


def test_without_its_arrays_a_segment_is_decoded_word_by_word(
    index_settings, db, build, store, policy
):
    _build_two_segments(index_settings, db, build, store, policy)
    generation = Path(index_settings.index_dir) / sync.generation_token(index_settings).split()[0]
    shutil.rmtree(generation / "arrays")
    [first, _] = _segment_readers(index_settings)
    segments = SegmentStore(generation)

    docs, _ = segments.postings(first, "content", "绿化养护")

    assert segments.mapped(first) is None
    assert docs.tolist() == read_postings(first, "content", "绿化养护")[0].tolist()
    assert segments.held_postings == len(docs) == 152  # 150 standards, a clause, its document


def test_opening_a_searcher_copies_no_segment_file(index_settings, build):
    """Whoosh's own compound storage read each part of a segment through ``io.BytesIO``, a
    private copy per searcher (issue 16); the parts are read from the shared map instead."""
    build(*(make_standard(code=f"QP-CQ-{n:04d}", name=f"第{n}号绿化养护定额") for n in range(400)))
    ix = sync.open_generation(index_settings, sync.generation_token(index_settings))
    [segment_file] = Path(ix.storage.folder).glob("*.seg")

    tracemalloc.start()
    with open_searcher(ix) as searcher:
        stored = searcher.stored_fields(7)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        hits = searcher.search(Term("content", "绿化养护"), limit=400)
        codes = sorted(hit["code"] for hit in hits)

    assert stored["code"] == "QP-CQ-0007"
    assert codes == [f"QP-CQ-{n:04d}" for n in range(400)]
    # A copy of the postings and stored fields would be most of the file (38 of 38 MB at 10k).
    assert peak < segment_file.stat().st_size / 4, (peak, segment_file.stat().st_size)


def test_a_searcher_reads_its_segment_files_without_mapping_them_and_across_fork(
    index_settings, build
):
    """Stored fields are read with ``pread`` (issue 16): no segment file is mapped into the
    process, and a searcher opened before ``fork`` reads right in parent and child at once
    (they share one open file, so reads that moved its offset would cross)."""
    build(*(make_standard(code=f"QP-CQ-{n:04d}", name=f"第{n}号绿化养护定额") for n in range(300)))
    ix = sync.open_generation(index_settings, sync.generation_token(index_settings))

    folder = str(Path(ix.storage.folder).resolve())
    with open_searcher(ix) as searcher:
        maps = Path("/proc/self/maps").read_text().splitlines()
        # This index's files only: an index an earlier test left open may still be mapped.
        assert [line for line in maps if folder in line] == []
        expected = [searcher.stored_fields(n)["code"] for n in range(300)]
        assert sorted(expected) == [f"QP-CQ-{n:04d}" for n in range(300)]
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        children = [
            context.Process(target=_read_codes, args=(searcher, 30, results)) for _ in range(3)
        ]
        for child in children:
            child.start()
        here = _read_codes(searcher, 30)
        found = [results.get(timeout=60) for _ in children]
        for child in children:
            child.join()
        assert here == expected
        assert found == [expected] * 3


def _read_codes(searcher, rounds, results=None):
    """Every document's code, read ``rounds`` times over in shuffled orders (in a child: put
    on ``results``)."""
    order = list(range(searcher.doc_count_all()))
    found: dict[int, object] = {}
    for round_number in range(rounds):
        random.Random(round_number).shuffle(order)
        for n in order:
            try:
                code = searcher.stored_fields(n)["code"]
            except Exception as error:  # noqa: BLE001 - a garbled read is the failure sought
                code = repr(error)
            if found.setdefault(n, code) != code:
                found[n] = "differs"
    codes = [found[n] for n in range(len(order))]
    if results is not None:
        results.put(codes)
    return codes


def test_a_hits_stored_fields_bring_only_their_own_pages_into_the_page_cache(index_settings, build):
    """A searcher reads a hit's stored fields with one ``pread`` of their bytes and no
    read-ahead (issue 16): without that, every read took 8 KB through Whoosh's buffered file and
    the kernel read 16 KB–2 MB after it, so serving kept most of the stored fields resident."""
    notes = "绿化养护作业包括修剪、浇水、施肥、病虫害防治和补植，按养护等级核定人工与材料消耗。" * 4
    build(
        *(
            make_standard(code=f"QP-CQ-{n:04d}", name=f"第{n}号绿化养护定额", notes=notes)
            for n in range(1200)
        )
    )
    ix = sync.open_generation(index_settings, sync.generation_token(index_settings))
    [segment_file] = Path(ix.storage.folder).glob("*.seg")
    if pagecache.evict([segment_file]) != 0:
        pytest.skip("the file system keeps the segment's pages (tmpfs?)")
    with open_searcher(ix) as searcher:
        searcher.stored_fields(0)  # the stored column's offsets, read once per searcher
        opened = pagecache.resident_bytes(segment_file)
        wanted = range(100, 1200, 100)
        codes = [searcher.stored_fields(n)["code"] for n in wanted]
        read = pagecache.resident_bytes(segment_file) - opened

    assert len(set(codes)) == len(wanted)
    assert all(code.startswith("QP-CQ-") for code in codes)
    # Each document's stored fields (≈ 600 bytes here) lie on one or two pages.
    assert read <= 2 * len(wanted) * pagecache.PAGE, (read, segment_file.stat().st_size)
