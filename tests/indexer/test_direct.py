"""A rebuild's segments written through Whoosh's codec (indexer.direct) are the segments Whoosh's
own writer builds from the same documents: the same files, byte for byte, and the same words,
postings, positions, field lengths, columns and stored fields read back through Whoosh."""

from __future__ import annotations

import json
import multiprocessing
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index
from whoosh.fields import BOOLEAN
from whoosh.fields import ID
from whoosh.fields import NUMERIC
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.index import FileIndex
from whoosh.qparser import QueryParser
from whoosh.query import Term
from whoosh.util.numeric import length_to_byte

from indexer import block_writer
from indexer import direct
from indexer import segment_writer
from indexer import sync
from indexer.analysis import chinese_analyzer
from indexer.analysis import index_positions
from indexer.dictionary import load_lexicon
from indexer.engine.mapped import LABELS_FILE
from indexer.engine.mapped import TABLE_FILE
from indexer.engine.mapped import open_segment
from indexer.engine.mapped import segment_folder
from indexer.engine.segments import decode_segment
from indexer.engine.store import segment_key
from indexer.postings import WordTable
from indexer.postings import index_text
from indexer.schema import build_schema
from kb.db import close_database
from kb.db import open_database
from tests.factories import make_standard


@pytest.fixture(scope="module")
def corpus_docs(corpus_instance) -> list[dict[str, Any]]:
    """Every index doc of the bundled corpus, as a rebuild makes them."""
    factory = open_database(corpus_instance)
    with factory() as session:
        docs = [
            doc
            for docs in sync._indexable(sync._all_records(session), _schema(corpus_instance), [])
            for doc in docs
        ]
    close_database(factory)
    return docs


def _schema(settings):
    return build_schema(load_lexicon(settings))


def _by_whoosh(folder: Path, schema, docs: list[dict[str, Any]]) -> FileIndex:
    folder.mkdir()
    ix = index.create_in(str(folder), schema)
    writer = ix.writer()
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return ix


def _by_codec(folder: Path, schema, docs: list[dict[str, Any]], processes: int = 1) -> FileIndex:
    folder.mkdir()
    ix = index.create_in(str(folder), schema)
    direct.write_index(ix, docs, processes=processes)
    return ix


def _files(ix: FileIndex) -> dict[str, bytes]:
    """Every file inside the index's one compound segment, by name without the segment id."""
    [segment] = ix._segments()
    storage = segment.open_compound_file(ix.storage)
    prefix = segment.make_filename("")
    found = {
        name.replace(prefix, "<segment>"): storage.open_file(name).read() for name in storage.list()
    }
    storage.close()
    return found


def _contents(ix: FileIndex) -> dict[str, Any]:
    """Everything Whoosh reads back from an index: words and postings of every field with
    their frequencies, weights and decoded positions, field lengths, columns, stored fields."""
    found: dict[str, Any] = {}
    with ix.reader() as reader:
        count = reader.doc_count_all()
        found["count"] = count
        for name in reader.indexed_field_names():
            field = reader.schema[name]
            words = {}
            for word in reader.lexicon(name):
                matcher = reader.postings(name, word)
                postings = []
                while matcher.is_active():
                    entry = [matcher.id(), matcher.weight(), matcher.value()]
                    if field.format.supports("positions"):
                        entry.append(matcher.value_as("positions"))
                    postings.append(tuple(entry))
                    matcher.next()
                info = reader.term_info(name, word)
                stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
                words[word] = (stats, info.max_weight(), postings)
            found[f"words/{name}"] = words
            if field.scorable:
                found[f"lengths/{name}"] = [reader.doc_field_length(n, name) for n in range(count)]
                found[f"total/{name}"] = reader.field_length(name)
            if reader.has_column(name):
                found[f"column/{name}"] = list(reader.column_reader(name))
        found["stored"] = [reader.stored_fields(n) for n in range(count)]
    return found


def test_the_codec_writes_the_segment_whooshs_writer_writes(corpus_instance, corpus_docs, tmp_path):
    schema = _schema(corpus_instance)
    whoosh_ix = _by_whoosh(tmp_path / "whoosh", schema, corpus_docs)
    codec_ix = _by_codec(tmp_path / "codec", schema, corpus_docs)

    expected, written = _contents(whoosh_ix), _contents(codec_ix)
    assert written["count"] == len(corpus_docs) > 100
    assert written.keys() == expected.keys()
    for key in expected:
        assert written[key] == expected[key], key
    assert _files(codec_ix) == _files(whoosh_ix)


def test_every_field_of_a_standard_is_written_as_whoosh_writes_it(
    index_settings, db, store, tmp_path
):
    store(
        make_standard(code="QP-CQ-0001", name="道路保洁 GB/T 7714 标准 18.50 元"),
        make_standard(code="QP-CQ-0002", name="绿化养护作业", value=None),
        make_standard(code="QP-CQ-0003", name="ＡＢＣ全角 绿化养护绿化养护"),
    )
    schema = _schema(index_settings)
    docs = [d for ds in sync._indexable(sync._all_records(db), schema, []) for d in ds]

    whoosh_ix = _by_whoosh(tmp_path / "whoosh", schema, docs)
    codec_ix = _by_codec(tmp_path / "codec", schema, docs)

    assert _contents(codec_ix) == _contents(whoosh_ix)
    assert _files(codec_ix) == _files(whoosh_ix)


def test_fast_analysis_finds_what_the_analyzer_yields(corpus_instance, corpus_docs):
    analyzer = chinese_analyzer(load_lexicon(corpus_instance))
    for doc in corpus_docs:
        expected: dict[bytes, list[int]] = {}
        for token in analyzer(doc["content"], positions=True, mode="index"):
            expected.setdefault(token.text.encode("utf-8"), []).append(token.pos)
        assert index_positions(analyzer, doc["content"]) == expected


def test_whole_word_numbers_expand_to_the_analyzers_tokens(corpus_instance, corpus_docs):
    analyzer = chinese_analyzer(load_lexicon(corpus_instance))
    table = WordTable()  # one table for every text, as in a segment process: runs repeat
    texts = [doc["content"] for doc in corpus_docs] + ["ＧＢ/T 7714 道路保洁 18.50 元 绿化养护"]
    for text in texts * 2:
        numbers, length = index_text(analyzer, text, table)
        expanded: dict[bytes, list[int]] = {}
        base = 0
        for number in numbers:
            begin, end = table.word_starts[number], table.word_starts[number + 1]
            for token, place in zip(
                table.word_tokens[begin:end], table.word_places[begin:end], strict=True
            ):
                expanded.setdefault(table.tokens[token], []).append(base + place)
            base += table.word_leaves[number]
        assert expanded == index_positions(analyzer, text)
        assert length == sum(len(places) for places in expanded.values())
    assert table.runs and len(table.tokens) == len(set(table.tokens))


def test_long_texts_positions_are_encoded_as_whoosh_encodes_them(
    corpus_instance, corpus_docs, tmp_path
):
    # A word at more positions than pickle writes in one batch (1,000), exactly as many, and
    # gaps between positions of one, two and four bytes.
    long_text = "绿化 " + "甲 " * 300 + "乙 " * 1000 + "丙 " * 1001 + "丁 " * 70000 + "绿化"
    docs = [
        {**corpus_docs[0], "uid": "standard:LONG:1", "content": long_text},
        *corpus_docs[:20],
        {**corpus_docs[1], "uid": "standard:LONG:2", "content": "丙 " * 5 + long_text[:4000]},
    ]
    schema = _schema(corpus_instance)
    whoosh_ix = _by_whoosh(tmp_path / "whoosh", schema, docs)
    codec_ix = _by_codec(tmp_path / "codec", schema, docs)

    written = _contents(codec_ix)
    assert len(written["words/content"]["丁".encode()][2][0][3]) == 70000
    assert written == _contents(whoosh_ix)
    assert _files(codec_ix) == _files(whoosh_ix)


def test_postings_written_a_chunk_of_words_at_a_time_are_whooshs(
    corpus_instance, corpus_docs, tmp_path, monkeypatch
):
    monkeypatch.setattr(block_writer, "_CHUNK", 50)  # many chunks, cut between words
    schema = _schema(corpus_instance)
    whoosh_ix = _by_whoosh(tmp_path / "whoosh", schema, corpus_docs)
    codec_ix = _by_codec(tmp_path / "codec", schema, corpus_docs)

    assert _files(codec_ix) == _files(whoosh_ix)


def test_a_text_given_as_words_is_merged_with_the_analysed_texts(
    corpus_instance, corpus_docs, tmp_path
):
    # A field's value may also be a list of words (Whoosh's Field.index): those postings are
    # merged, in document order, with the postings made as arrays.
    docs = [
        *corpus_docs[:5],
        {**corpus_docs[5], "uid": "standard:WORDS:1", "content": ["绿化", "养护", "绿化"]},
        *corpus_docs[6:12],
    ]
    schema = _schema(corpus_instance)
    whoosh_ix = _by_whoosh(tmp_path / "whoosh", schema, docs)
    codec_ix = _by_codec(tmp_path / "codec", schema, docs)

    assert _contents(codec_ix) == _contents(whoosh_ix)
    assert _files(codec_ix) == _files(whoosh_ix)


def test_two_processes_write_two_segments_whoosh_searches_updates_and_merges(
    corpus_instance, corpus_docs, tmp_path
):
    schema = _schema(corpus_instance)
    ix = _by_codec(tmp_path / "codec", schema, corpus_docs, processes=2)
    single = _by_whoosh(tmp_path / "whoosh", schema, corpus_docs)
    assert len(ix._segments()) == 2

    query = QueryParser("content", schema).parse("绿化")
    with ix.searcher() as searcher, single.searcher() as reference:
        hits = {hit["uid"] for hit in searcher.search(query, limit=None)}
        assert hits == {hit["uid"] for hit in reference.search(query, limit=None)}
        assert hits

    uid = corpus_docs[0]["uid"]
    writer = ix.writer()
    writer.delete_by_term("uid", uid)
    writer.commit(optimize=True)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == len(corpus_docs) - 1
        assert not list(searcher.docs_for_query(Term("uid", uid)))
    assert len(ix._segments()) == 1


def test_a_record_that_cannot_be_indexed_is_left_out_and_reported(
    corpus_instance, corpus_docs, tmp_path
):
    schema = _schema(corpus_instance)
    bad = {**corpus_docs[0], "uid": "standard:X:1", "date": "不是日期"}
    (tmp_path / "codec").mkdir()
    ix = index.create_in(str(tmp_path / "codec"), schema)

    written = direct.write_index(ix, [bad, *corpus_docs], processes=2)

    assert [(kind, key) for kind, key, _ in written.skipped] == [("standard", "standard:X:1")]
    assert ix.doc_count_all() == sum(written.counts.values()) == len(corpus_docs)


class Unreadable:
    """A value that pickles but cannot be unpickled: the segment process receiving it fails."""

    def __reduce__(self):
        return (_fail, ())


def _fail():
    raise OSError("磁盘已满")


def test_a_failing_segment_process_fails_the_write_and_commits_nothing(
    corpus_instance, corpus_docs, tmp_path
):
    schema = _schema(corpus_instance)
    broken = [*corpus_docs, {**corpus_docs[0], "uid": "standard:X:1", "title": Unreadable()}]
    (tmp_path / "codec").mkdir()
    ix = index.create_in(str(tmp_path / "codec"), schema)

    with pytest.raises(RuntimeError):
        direct.write_index(ix, broken, processes=2)

    assert index.open_dir(str(tmp_path / "codec")).doc_count_all() == 0
    assert not multiprocessing.active_children()


def test_only_an_empty_index_is_written_directly(corpus_instance, corpus_docs, tmp_path):
    ix = _by_whoosh(tmp_path / "whoosh", _schema(corpus_instance), corpus_docs[:3])

    with pytest.raises(ValueError):
        direct.write_index(ix, corpus_docs[3:6])


def test_the_search_arrays_written_from_the_postings_in_hand_are_those_decoded_from_whoosh(
    corpus_instance, corpus_docs, tmp_path
):
    ix = _by_codec(tmp_path / "codec", _schema(corpus_instance), corpus_docs)
    with ix.reader() as reader:
        [(leaf, _)] = reader.leaf_readers()
        expected, labels = decode_segment(leaf)
        folder = segment_folder(tmp_path / "codec", segment_key(leaf))
        written = open_segment(folder, leaf.doc_count_all())

    table = json.loads((folder / TABLE_FILE).read_text("utf-8"))
    assert written is not None and set(table["arrays"]) == set(expected)
    assert "content/places" in expected and len(expected["content/places"]) > 1000
    for name, array in expected.items():
        assert written.array(name).dtype == array.dtype, name
        assert np.array_equal(written.array(name), array), name
    assert json.loads((folder / LABELS_FILE).read_text("utf-8")) == labels


def test_fractional_weights_and_boosts_are_written_as_whoosh_writes_them(
    corpus_instance, corpus_docs, tmp_path
):
    # Boosts make weights that are not whole numbers (summed block by block as Whoosh sums
    # them) and that float32 rounds; an empty text, a text of one word, numbers and flags.
    lexicon = load_lexicon(corpus_instance)
    schema = Schema(
        uid=ID(stored=True, field_boost=0.3),
        content=TEXT(analyzer=chinese_analyzer(lexicon), phrase=True, field_boost=1.7),
        number=NUMERIC(int, stored=True, sortable=True, shift_step=0, field_boost=2.5),
        flag=BOOLEAN(),
        tag=ID(sortable=True),
    )
    docs = [
        {
            "uid": doc["uid"],
            "content": doc.get("content") or "",
            "number": number * 7919 - 3,
            "flag": number % 3 == 0,
            "tag": "甲乙"[number % 2] * (1 + number % 4),
        }
        for number, doc in enumerate(corpus_docs[:300])
    ]
    docs += [
        {"uid": "x:empty", "content": "", "number": 0, "flag": False, "tag": "甲"},
        {"uid": "x:one", "content": "绿化", "number": 2**31 - 1, "tag": "乙"},
    ]
    whoosh_ix = _by_whoosh(tmp_path / "whoosh", schema, docs)
    codec_ix = _by_codec(tmp_path / "codec", schema, docs)

    written = _contents(codec_ix)
    assert written["words/uid"][b"x:one"][0][0] == pytest.approx(0.3)
    assert written == _contents(whoosh_ix)
    assert _files(codec_ix) == _files(whoosh_ix)


def test_field_lengths_are_encoded_as_whoosh_encodes_them():
    lengths = np.arange(0, 120_000)
    assert block_writer.length_bytes(lengths).tolist() == [
        length_to_byte(length) for length in lengths.tolist()
    ]


def test_terms_added_at_once_are_the_hash_files_terms_added_one_by_one(tmp_path):
    storage = FileStorage(str(tmp_path)).create()
    keys = sorted({f"词{number}".encode() * (1 + number % 3) for number in range(5000)})
    values = [bytes([number % 256]) * (number % 40) for number in range(len(keys))]
    one_by_one = OrderedHashWriter(storage.create_file("one"))
    for key, value in zip(keys, values, strict=True):
        one_by_one.add(key, value)
    one_by_one.close()
    at_once = OrderedHashWriter(storage.create_file("all"))
    block_writer.add_terms(at_once, keys[:100], values[:100])
    assert at_once.lastkey == keys[99]
    block_writer.add_terms(at_once, keys[100:], values[100:])
    at_once.close()

    assert (tmp_path / "all").read_bytes() == (tmp_path / "one").read_bytes()
    unordered = OrderedHashWriter(storage.create_file("unordered"))
    with pytest.raises(ValueError):
        block_writer.add_terms(unordered, [keys[2], keys[1]], values[:2])
    unordered.dbfile.close()


def test_a_segment_process_keeps_its_freed_memory_where_the_c_library_is_glibc():
    # Run in a forked process, as a segment process does: this one's allocator stays as it is.
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        kept = pool.apply(segment_writer.keep_freed_memory)
    assert kept is (platform.libc_ver()[0] == "glibc")
