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

import multiprocessing
import os
import pickle
from array import array
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


def write_index(
    ix: FileIndex, docs: Sequence[dict[str, Any]], *, processes: int = 1, arrays: bool = True
) -> None:
    """Write ``docs`` into the empty index ``ix`` as ``processes`` segments (one per process,
    consecutive shares of ``docs``, forked) and commit them; with ``arrays``, each segment's
    search arrays are written beside it by the process that wrote the segment.

    :raises ValueError: when ``ix`` already has documents (only a fresh rebuild is written so).
    :raises RuntimeError: when a process failed to write its segment.
    """
    if ix.doc_count_all():
        raise ValueError("direct segment writing needs an empty index")
    storage, schema = ix.storage, ix.schema
    lock = ix.lock("WRITELOCK")
    lock.acquire(True)
    try:
        shares = _shares(len(docs), processes)
        if len(shares) > 1:
            segments = _in_processes(ix, docs, shares, arrays)
        else:
            segments = [write_segment(ix, docs, arrays=arrays)] if docs else []
        generation = ix.latest_generation() + 1
        TOC(schema, segments, generation).write(storage, ix.indexname)
        clean_files(storage, ix.indexname, generation, segments)
    finally:
        storage.temp_storage(f"{ix.indexname}.tmp").destroy()
        lock.release()


def _shares(count: int, processes: int) -> list[tuple[int, int]]:
    parts = max(1, min(processes, count))
    bounds = [count * n // parts for n in range(parts + 1)]
    return [(bounds[n], bounds[n + 1]) for n in range(parts) if bounds[n + 1] > bounds[n]]


def _in_processes(
    ix: FileIndex, docs: Sequence[dict[str, Any]], shares: list[tuple[int, int]], arrays: bool
) -> list[Segment]:
    context = multiprocessing.get_context("fork")
    children = []
    for start, end in shares:
        reading, writing = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(ix, docs, start, end, arrays, writing))
        child.start()
        writing.close()
        children.append((child, reading))
    segments: list[Segment | None] = []
    for child, reading in children:
        try:
            segments.append(pickle.loads(reading.recv_bytes()))
        except EOFError:
            segments.append(None)
        child.join()
    if any(segment is None for segment in segments) or any(c.exitcode for c, _ in children):
        raise RuntimeError("a process writing a segment of the index failed")
    return [segment for segment in segments if segment is not None]


def _child(
    ix: FileIndex, docs: Sequence[dict[str, Any]], start: int, end: int, arrays: bool, pipe: Any
) -> None:
    try:
        segment = write_segment(ix, docs[start:end], arrays=arrays)
        pipe.send_bytes(pickle.dumps(segment))
    finally:
        pipe.close()
    os._exit(0)  # no atexit handlers or finalizers of the parent's objects in a fork


def write_segment(ix: FileIndex, docs: Sequence[dict[str, Any]], *, arrays: bool = True) -> Segment:
    """Write ``docs`` as one new segment of ``ix`` (not yet committed) and return it; with
    ``arrays``, its search arrays too (:func:`indexer.engine.segments.write_segment_arrays`),
    from the postings in hand rather than read back from the segment."""
    storage, schema = ix.storage, ix.schema
    codec = default_codec()
    segment = codec.new_segment(storage, ix.indexname)
    perdoc = codec.per_document_writer(storage, segment)
    postings: dict[str, dict[bytes, _Postings]] = {}
    for docnum, doc in enumerate(docs):
        _add_document(schema, perdoc, postings, docnum, doc)
    perdoc.close()
    fields = codec.field_writer(storage, segment)
    for name in sorted(postings):
        _write_field(fields, name, schema[name], postings[name])
    fields.close()
    segment.set_doc_count(len(docs))
    if segment.should_assemble():
        segment.create_compound_file(storage)
    if arrays:
        reader = SegmentReader(storage, schema, segment)
        try:
            write_segment_arrays(Path(storage.folder), reader, postings)
        finally:
            reader.close()
    return segment


def _add_document(
    schema: Schema,
    perdoc: Any,
    postings: dict[str, dict[bytes, _Postings]],
    docnum: int,
    doc: dict[str, Any],
) -> None:
    """What :meth:`whoosh.writing.SegmentWriter.add_document` does for one document, with the
    postings kept per field and word instead of in a pool."""
    perdoc.start_doc(docnum)
    for name in sorted(doc):
        value = doc[name]
        if value is None or name.startswith("_"):
            continue
        field = schema[name]
        length = 0
        if field.indexed:
            items = _items(field, value)
            if field.scorable:
                length = sum(item[1] for item in items)
            back = _length_back(length)
            words = postings.setdefault(name, {})
            for word, _, weight, value_bytes in items:
                found = words.get(word)
                if found is None:
                    found = words[word] = (array("I"), [], [], [])
                found[0].append(docnum)
                found[1].append(weight)
                found[2].append(value_bytes)
                found[3].append(back)
        perdoc.add_field(name, field, value if field.stored else None, length)
        column = field.column_type
        if column:
            perdoc.add_column_value(name, column, field.to_column_value(value))
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
