"""A rebuild's segments written straight through Whoosh's codec, without its writer (issue 16).

Whoosh's ``SegmentWriter`` indexes a document field by field into a posting pool, sorts the pool
at commit and then hands every posting to its codec one call at a time, reading each posting's
field length back from the lengths column it has just written. For a rebuild, where every
document is new and the segment is written once, most of that is overhead: here each process
takes a share of the documents, indexes every field with the field's own ``index`` (the same
analyzer, formats and encodings Whoosh's writer uses), keeps the postings per field and word in
document order (documents are numbered in the order they come, so no sort of postings is
needed, only of each field's words), and writes them through the codec's own writers
(:meth:`whoosh.codec.whoosh3.W3Codec.per_document_writer` and ``field_writer``) in the order
Whoosh's writer would. The segment is assembled into Whoosh's compound file and committed with
Whoosh's own ``TOC``, so the result is a Whoosh index like any other: Whoosh reads, searches,
updates and merges it (``tests/indexer/test_direct.py`` compares it with what Whoosh's writer
builds from the same documents, field by field and posting by posting).

Only a fresh, empty index is written this way (a rebuild's ``building-*`` folder); every later
update goes through Whoosh's writer as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import pickle
from array import array
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from whoosh.codec import default_codec
from whoosh.codec.base import Segment
from whoosh.fields import Schema
from whoosh.formats import Positions
from whoosh.index import TOC
from whoosh.index import FileIndex
from whoosh.index import clean_files
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length
from whoosh.util.numeric import length_to_byte

from indexer.analysis import index_positions
from indexer.engine.segments import write_segment_arrays
from indexer.engine.store import add_term_postings

#: One word's postings in a segment: document numbers, weights, encoded values, and the field
#: length of each document as Whoosh's reader would give it back (0 for none).
_Postings = tuple[array, list[float], list[bytes], list[int]]
#: A record to index: its type, its key (code or document id) and its index docs, or why they
#: could not be made (the record is then reported as left out, in its place among the others).
Record = tuple[str, str, "list[dict[str, Any]] | Exception"]
#: Records sent to a segment process at a time (each batch goes to the process that has been
#: sent the least text so far, so that both finish together).
BATCH = 256
#: ... or fewer, when their texts reach this many characters.
BATCH_TEXT = 200_000
#: What the per-record checks catch: a value no field can encode (a figure beyond a column's
#: range, text where a number belongs, a field the schema does not have).
RECORD_ERRORS = (ValueError, TypeError, ArithmeticError, KeyError)


@dataclasses.dataclass
class Written:
    """What :func:`write_records` wrote: index docs per type, and the records left out with
    why (type, key, reason)."""

    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    skipped: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)


def write_index(
    ix: FileIndex, docs: Sequence[dict[str, Any]], *, processes: int = 1, arrays: bool = True
) -> Written:
    """Write ``docs`` into the empty index ``ix``, each doc a record of its own
    (:func:`write_records`)."""
    return write_records(
        ix,
        ((doc.get("type", ""), doc.get("uid", ""), [doc]) for doc in docs),
        processes=processes,
        arrays=arrays,
    )


def write_records(
    ix: FileIndex,
    records: Iterable[Record],
    *,
    processes: int = 1,
    arrays: bool = True,
    advance: Callable[[], None] = lambda: None,
    finishing: Callable[[], None] = lambda: None,
) -> Written:
    """Write the records' index docs into the empty index ``ix`` as one segment per process and
    commit them; with ``arrays``, each segment's search arrays are written beside it by the
    process that wrote the segment.

    With ``processes`` > 1 that many processes are forked first and this one sends them
    batches of records in turn (pickled, a small cost beside indexing) while it reads them, so
    reading the database overlaps indexing. A record one of whose docs cannot be indexed (see
    :data:`RECORD_ERRORS`) is left out whole and reported; the rest is written. ``advance`` is
    called once per record read, ``finishing`` once all are read (the segments are then
    finished and committed).

    :raises ValueError: when ``ix`` already has documents (only a fresh rebuild is written so).
    :raises RuntimeError: when a process failed to write its segment (nothing is committed).
    """
    if ix.doc_count_all():
        raise ValueError("direct segment writing needs an empty index")
    storage = ix.storage
    lock = ix.lock("WRITELOCK")
    lock.acquire(True)
    try:
        if processes > 1:
            results = _in_processes(ix, records, processes, arrays, advance, finishing)
        else:
            results = [_write_share(ix, _counted(records, advance, finishing), arrays)]
        written = Written()
        left_out = []
        for _, counts, skipped in results:
            written.counts.update(counts)
            left_out.extend(skipped)
        written.skipped = [record for _, *record in sorted(left_out)]
        segments = [segment for segment, _, _ in results if segment is not None]
        generation = ix.latest_generation() + 1
        TOC(ix.schema, segments, generation).write(storage, ix.indexname)
        clean_files(storage, ix.indexname, generation, segments)
    finally:
        storage.temp_storage(f"{ix.indexname}.tmp").destroy()
        lock.release()
    return written


#: A process's segment, index docs per type, and records left out (number, type, key, reason).
_Result = tuple[Segment | None, Counter[str], list[tuple[int, str, str, str]]]
#: A record with its number in the order records came.
_Numbered = tuple[int, str, str, "list[dict[str, Any]] | Exception"]


def _counted(
    records: Iterable[Record], advance: Callable[[], None], finishing: Callable[[], None]
) -> Iterator[_Numbered]:
    for number, (kind, key, docs) in enumerate(records):
        yield number, kind, key, docs
        advance()
    finishing()


def _in_processes(
    ix: FileIndex,
    records: Iterable[Record],
    processes: int,
    arrays: bool,
    advance: Callable[[], None],
    finishing: Callable[[], None],
) -> list[_Result]:
    context = multiprocessing.get_context("fork")
    children = []
    try:
        for _ in range(processes):
            jobs_out, jobs_in = context.Pipe(duplex=False)
            result_out, result_in = context.Pipe(duplex=False)
            # A child closes the parent's ends of every pipe it inherits, or another child's
            # jobs would never end for want of an end of file.
            theirs = [jobs_in, result_out, *(c for _, *ends in children for c in ends)]
            child = context.Process(target=_child, args=(ix, jobs_out, result_in, arrays, theirs))
            child.start()
            jobs_out.close()
            result_in.close()
            children.append((child, jobs_in, result_out))
        sent = [0] * len(children)
        for batch, size in _batches(_counted(records, advance, finishing)):
            turn = sent.index(min(sent))  # the process with the least text so far
            children[turn][1].send_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
            sent[turn] += size
        for _, jobs_in, _ in children:
            jobs_in.close()
        results = []
        for child, _, result_out in children:
            try:
                results.append(pickle.loads(result_out.recv_bytes()))
            except EOFError:
                results.append(None)
            child.join()
    except BaseException:
        for child, jobs_in, _ in children:
            jobs_in.close()
            child.kill()
            child.join()
        raise
    if any(result is None for result in results) or any(c.exitcode for c, _, _ in children):
        raise RuntimeError("a process writing a segment of the index failed")
    return results


def _batches(records: Iterable[_Numbered]) -> Iterator[tuple[list[_Numbered], int]]:
    """Batches of :data:`BATCH` records (fewer when their text reaches :data:`BATCH_TEXT`),
    each with the length of its text, what indexing it costs."""
    batch: list[_Numbered] = []
    size = 0
    for record in records:
        batch.append(record)
        docs = record[3]
        if not isinstance(docs, Exception):
            size += sum(len(doc.get("content") or "") for doc in docs) + 100 * len(docs)
        if len(batch) >= BATCH or size >= BATCH_TEXT:
            yield batch, size
            batch, size = [], 0
    if batch:
        yield batch, size


def _child(ix: FileIndex, jobs: Any, results: Any, arrays: bool, theirs: list[Any]) -> None:
    for end in theirs:
        end.close()

    def received() -> Iterator[_Numbered]:
        while True:
            try:
                batch = pickle.loads(jobs.recv_bytes())
            except EOFError:
                return
            yield from batch

    try:
        results.send_bytes(pickle.dumps(_write_share(ix, received(), arrays)))
    finally:
        results.close()
    os._exit(0)  # no atexit handlers or finalizers of the parent's objects in a fork


def _write_share(ix: FileIndex, records: Iterable[_Numbered], arrays: bool) -> _Result:
    counts: Counter[str] = Counter()
    skipped: list[tuple[int, str, str, str]] = []
    schema = ix.schema  # read from the index's table of contents on every access

    def prepared() -> Iterator[list[_Field]]:
        for number, kind, key, record_docs in records:
            try:
                if isinstance(record_docs, Exception):
                    raise record_docs
                ready = [_prepare(schema, doc) for doc in record_docs]
            except RECORD_ERRORS as error:
                skipped.append((number, kind, key, str(error) or type(error).__name__))
                continue
            for doc in record_docs:
                counts[doc.get("type", "")] += 1
            yield from ready

    segment = write_segment(ix, prepared(), arrays=arrays)
    return segment, counts, skipped


#: One field of a document ready to be written: name, field, stored value, length, postings
#: (word, frequency, weight, value string) and column value.
_Field = tuple[str, Any, Any, int, list[tuple[bytes, int, float, bytes]], Any]


def write_segment(
    ix: FileIndex, docs: Iterable[list[_Field]], *, arrays: bool = True
) -> Segment | None:
    """Write prepared docs (:func:`_prepare`) as one new segment of ``ix`` (not yet committed)
    and return it (``None`` for no docs); with ``arrays``, its search arrays too
    (:func:`indexer.engine.segments.write_segment_arrays`), from the postings in hand rather
    than read back from the segment."""
    storage, schema = ix.storage, ix.schema
    codec = default_codec()
    segment = codec.new_segment(storage, ix.indexname)
    perdoc = codec.per_document_writer(storage, segment)
    postings: dict[str, dict[bytes, _Postings]] = {}
    count = 0
    fields = None
    try:
        for docnum, doc in enumerate(docs):
            _add_document(perdoc, postings, docnum, doc)
            count = docnum + 1
        perdoc.close()
        if not count:
            return None
        fields = codec.field_writer(storage, segment)
        for name in sorted(postings):
            _write_field(fields, name, schema[name], postings[name])
        fields.close()
    except BaseException:
        # As Whoosh's writer cancels: its writers are closed (their files are left to the
        # caller's folder, which a failed rebuild removes).
        for writer in (perdoc, fields):
            if writer is not None and not writer.is_closed:
                with contextlib.suppress(Exception):
                    writer.close()
        raise
    segment.set_doc_count(count)
    if segment.should_assemble():
        segment.create_compound_file(storage)
    if arrays:
        reader = SegmentReader(storage, schema, segment)
        try:
            write_segment_arrays(Path(storage.folder), reader, postings)
        finally:
            reader.close()
    return segment


def _prepare(schema: Schema, doc: dict[str, Any]) -> list[_Field]:
    """Everything :meth:`whoosh.writing.SegmentWriter.add_document` computes of a document's
    fields, before anything is written: a document that cannot be indexed raises here."""
    ready = []
    for name in sorted(doc):
        value = doc[name]
        if value is None or name.startswith("_"):
            continue
        field = schema[name]
        length = 0
        items: list[tuple[bytes, int, float, bytes]] = []
        if field.indexed:
            items = _items(field, value)
            if field.scorable:
                length = sum(item[1] for item in items)
        column = field.column_type
        column_value = field.to_column_value(value) if column else None
        ready.append((name, field, value if field.stored else None, length, items, column_value))
    return ready


def _add_document(
    perdoc: Any,
    postings: dict[str, dict[bytes, _Postings]],
    docnum: int,
    doc: list[_Field],
) -> None:
    """What :meth:`whoosh.writing.SegmentWriter.add_document` writes of one document, with the
    postings kept per field and word instead of in a pool."""
    perdoc.start_doc(docnum)
    for name, field, stored, length, items, column_value in doc:
        if items:
            back = _length_back(length)
            words = postings.get(name)
            if words is None:
                words = postings[name] = {}
            for word, _, weight, value_bytes in items:
                found = words.get(word)
                if found is None:
                    found = words[word] = (array("I"), [], [], [])
                found[0].append(docnum)
                found[1].append(weight)
                found[2].append(value_bytes)
                found[3].append(back)
        perdoc.add_field(name, field, stored, length)
        if field.column_type:
            perdoc.add_column_value(name, field.column_type, column_value)
    perdoc.finish_doc()


def _items(field: Any, value: Any) -> list[tuple[bytes, int, float, bytes]]:
    """``list(field.index(value))``: each word's bytes, frequency, weight and encoded value; a
    text field with positions and :func:`~indexer.analysis.chinese_analyzer` is analysed
    without Whoosh's token stream (:func:`~indexer.analysis.index_positions`, same words)."""
    fmt = field.format
    if type(fmt) is Positions and isinstance(value, str):
        found = index_positions(field.analyzer, value)
        if found is not None:
            boost = fmt.field_boost
            return [
                (word, len(at), len(at) * boost, _encode_positions(at))
                for word, at in found.items()
            ]
    return list(field.index(value))


def _encode_positions(positions: list[int]) -> bytes:
    """:meth:`whoosh.formats.Positions.encode` (the count, then the pickled gaps); a single
    position's bytes are remembered, though each posting gets its own bytes object (pickling
    a block would otherwise write repeats as references, and the files would differ from what
    Whoosh's writer writes)."""
    if len(positions) == 1:
        pos = positions[0]
        found = _SINGLE.get(pos)
        if found is None:
            found = _SINGLE[pos] = _POSITIONS.encode(positions)[:-1]
        return found + b"."
    return _POSITIONS.encode(positions)


_POSITIONS = Positions()
#: The encoding of a single position without pickle's final ``.``.
_SINGLE: dict[int, bytes] = {}


def _length_back(length: int) -> int:
    """A field length as Whoosh's reader gives it back from the one-byte column (0: none)."""
    code = length_to_byte(length)
    return byte_to_length(code) if code else 0


def _write_field(fields: Any, name: str, field: Any, words: dict[bytes, _Postings]) -> None:
    """One field's words in byte order through the codec's field writer, each word's postings a
    block at a time (:func:`indexer.engine.store.add_term_postings`)."""
    fields.start_field(name, field)
    for word in sorted(words):
        add_term_postings(fields, word, *words[word])
    fields.finish_field()
