"""One segment written through Whoosh's codec from a process's share of a rebuild's documents
(:mod:`indexer.direct` runs the processes and commits their segments).

:func:`prepare` computes what :meth:`whoosh.writing.SegmentWriter.add_document` computes of a
document's fields — each field's own ``index`` (the same analyzer, formats and encodings),
stored values, lengths, column values — before anything is written, so that a document that
cannot be indexed raises before it touches the segment. :func:`write_segment` keeps the
postings per field and word in document order (documents are numbered as they come: no sort of
postings, only of each field's words). A positional text field (``content``) is kept as the
numbers of its whole words instead, and its postings are made and encoded for the whole segment
at once with array operations (:mod:`indexer.postings`). Every field's postings are then
written in the order Whoosh's writer would, all of a field's words at once
(:func:`indexer.block_writer.write_postings`; a field whose values or weights it does not take,
a block at a time through :func:`indexer.engine.store.add_term_postings`), and the stored
fields, lengths and columns through the codec's per-document writer's own column writers.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec import default_codec
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.codec.whoosh3 import W3PerDocWriter
from whoosh.fields import Schema
from whoosh.formats import Existence
from whoosh.formats import Positions
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length
from whoosh.util.numeric import length_to_byte

from indexer import collector
from indexer.analysis import index_positions
from indexer.block_writer import write_postings
from indexer.engine.segments import PostingArrays
from indexer.engine.segments import write_segment_arrays
from indexer.engine.store import add_term_postings
from indexer.postings import Made
from indexer.postings import Stream
from indexer.postings import WordTable
from indexer.postings import index_text
from indexer.postings import stream_postings

#: One word's postings in a segment: per document its number, the weight, the encoded value and
#: the field length as Whoosh's reader would give it back (0 for none).
_Postings = list[tuple[int, float, bytes, int]]


@dataclasses.dataclass(frozen=True)
class Analysed:
    """A positional text field's whole words as numbers of the process's
    :class:`~indexer.postings.WordTable` (:func:`~indexer.postings.index_text`): its postings
    are made for the whole segment at once when it is written (:func:`indexer.postings.stream_postings`)."""

    words: list[int]
    table: WordTable
    #: The text's number of tokens.
    length: int


#: One field of a document ready to be written: name, field, stored value, length, postings
#: (word, frequency, weight, value string, or the whole words of an analysed text) and column
#: value.
Field = tuple[str, Any, Any, int, "list[tuple[bytes, int, float, bytes]] | Analysed", Any]


#: How much freed memory a segment process keeps rather than gives back to the system.
KEPT_FREE = 64 << 20


def keep_freed_memory() -> bool:
    """Have the C library keep up to :data:`KEPT_FREE` bytes of freed memory (glibc's
    ``M_TRIM_THRESHOLD``) in a process that writes a segment, and say whether it could.

    Each block zlib compresses (postings, stored fields) allocates and frees ≈ 270 kB of
    state; with glibc's default threshold that memory is given back and faulted in again on
    every call, ≈ 60 µs, more than compressing a small block takes (≈ 3 µs once kept: the
    same bytes, one call). Not done in a process that lives on: it keeps the memory."""
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_TRIM_THRESHOLD, KEPT_FREE))
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return False


_M_TRIM_THRESHOLD = -1


def write_segment(
    ix: FileIndex, docs: Iterable[list[Field]], *, arrays: bool = True
) -> Segment | None:
    """Write prepared docs (:func:`prepare`) as one new segment of ``ix`` (not yet committed)
    and return it (``None`` for no docs); with ``arrays``, its search arrays too
    (:func:`indexer.engine.segments.write_segment_arrays`), from the postings in hand rather
    than read back from the segment."""
    with collector.paused():  # millions of postings, no cycles
        return _write_segment(ix, docs, arrays)


def _write_segment(ix: FileIndex, docs: Iterable[list[Field]], arrays: bool) -> Segment | None:
    storage, schema = ix.storage, ix.schema
    codec = default_codec()
    segment = codec.new_segment(storage, ix.indexname)
    perdoc = codec.per_document_writer(storage, segment)
    postings: dict[str, dict[bytes, _Postings]] = {}
    streams: dict[str, Stream] = {}
    in_hand: dict[str, PostingArrays] = {}  # the analysed fields' postings, for the arrays
    count = 0
    fields = None
    try:
        for docnum, doc in enumerate(docs):
            _add_document(perdoc, postings, streams, docnum, doc)
            count = docnum + 1
        perdoc.close()
        if not count:
            return None
        fields = codec.field_writer(storage, segment)
        for name in sorted(postings.keys() | streams.keys()):
            field = schema[name]
            stream = streams.get(name)
            if stream is None:
                _write_field(fields, name, field, postings[name])
                continue
            made = stream_postings(stream, field.format.field_boost)
            if name in postings:  # some texts were not analysed by numbers: one list per word
                words = postings[name]
                for word, found in made.by_word().items():
                    words[word] = sorted([*words.get(word, ()), *found], key=lambda p: p[0])
                _write_field(fields, name, field, words)
            else:
                write_postings(fields, name, field, made)
                in_hand[name] = made.arrays()
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
            write_segment_arrays(Path(storage.folder), reader, {**postings, **in_hand})
        finally:
            reader.close()
    return segment


def prepare(
    schema: Schema,
    doc: dict[str, Any],
    exact: Exact | None = None,
    words: WordTable | None = None,
    plans: dict[str, Plan] | None = None,
) -> list[Field]:
    """Everything :meth:`whoosh.writing.SegmentWriter.add_document` computes of a document's
    fields, before anything is written: a document that cannot be indexed raises here.
    ``exact``: the exact values' postings already computed with this ``schema``; ``words``:
    the whole words numbered so far, for texts analysed by numbers (:class:`Analysed`);
    ``plans``: what was read of this ``schema``'s fields so far (:data:`Plan`)."""
    ready = []
    if plans is None:
        plans = {}
    for name in sorted(doc):
        value = doc[name]
        if value is None or name.startswith("_"):
            continue
        plan = plans.get(name)
        if plan is None:
            field = schema[name]
            plan = plans[name] = (field, field.indexed, field.scorable, field.stored)
        field, indexed, scorable, stored = plan
        length = 0
        items: list[tuple[bytes, int, float, bytes]] | Analysed = []
        if indexed:
            items = _items(name, field, value, exact, words)
            if scorable:
                if isinstance(items, Analysed):
                    length = items.length
                else:
                    length = sum(item[1] for item in items)
        column = field.column_type
        column_value = field.to_column_value(value) if column else None
        ready.append((name, field, value if stored else None, length, items, column_value))
    return ready


#: A schema's field as :func:`prepare` reads it: the field, whether it is indexed, scorable,
#: stored.
Plan = tuple[Any, bool, bool, bool]


def _add_document(
    perdoc: Any,
    postings: dict[str, dict[bytes, _Postings]],
    streams: dict[str, Stream],
    docnum: int,
    doc: list[Field],
) -> None:
    """What :meth:`whoosh.writing.SegmentWriter.add_document` writes of one document, with the
    postings kept per field and word instead of in a pool (an analysed text's whole words per
    field, :class:`Stream`)."""
    if type(perdoc) is not W3PerDocWriter:
        raise RuntimeError("another codec's per-document writer: write through Whoosh's writer")
    perdoc.start_doc(docnum)
    stored_fields, totals, columns = perdoc._storedfields, perdoc._fieldlengths, perdoc._colwriters
    for name, field, stored, length, items, column_value in doc:
        code = length_to_byte(length) if length else 0
        back = byte_to_length(code) if code else 0  # the length as Whoosh's reader gives it back
        if isinstance(items, Analysed):
            if items.words:
                stream = streams.get(name)
                if stream is None:
                    stream = streams[name] = Stream(items.table)
                stream.add(docnum, items.words, back)
        elif items:
            words = postings.get(name)
            if words is None:
                words = postings[name] = {}
            for word, _, weight, value_bytes in items:
                found = words.get(word)
                if found is None:
                    words[word] = [(docnum, weight, value_bytes, back)]
                else:
                    found.append((docnum, weight, value_bytes, back))
        # W3PerDocWriter.add_field, then add_column_value, with their column writers in hand
        if stored is not None:
            stored_fields[name] = stored
        if length:
            lengths_name = f"_{name}_len"
            column = columns.get(lengths_name)
            if column is None:
                perdoc._create_column(lengths_name, LENGTHS_COLUMN)
                column = columns[lengths_name]
            column.add(docnum, code)
            totals[name] += length
        column_type = field.column_type
        if column_type:
            column = columns.get(name)
            if column is None:
                perdoc._create_column(name, column_type)
                column = columns[name]
            column.add(docnum, column_value)
    perdoc.finish_doc()


def _items(
    name: str, field: Any, value: Any, exact: Exact | None, words: WordTable | None = None
) -> list[tuple[bytes, int, float, bytes]] | Analysed:
    """``list(field.index(value))``: each word's bytes, frequency, weight and encoded value; a
    text field with positions and :func:`~indexer.analysis.chinese_analyzer` is analysed
    without Whoosh's token stream (:func:`~indexer.analysis.index_positions`, same words), by
    whole-word numbers when ``words`` is given (:class:`Analysed`)."""
    fmt = field.format
    if type(fmt) is Positions and isinstance(value, str):
        if words is not None:
            found = index_text(field.analyzer, value, words)
            if found is not None:
                return Analysed(found[0], words, found[1])
        found = index_positions(field.analyzer, value)
        if found is not None:
            boost = fmt.field_boost
            return [
                (word, len(at), len(at) * boost, _encode_positions(at))
                for word, at in found.items()
            ]
    # A unique field's values (uid) do not repeat: not remembered.
    if (
        exact is not None
        and type(fmt) is Existence
        and not field.unique
        and isinstance(value, str | int)
    ):
        key = (name, type(value), value)  # bool is an int: True and 1 kept apart
        known = exact.get(key)
        if known is None:
            known = exact[key] = list(field.index(value))
        return known
    return list(field.index(value))


#: One schema's postings of exact values (facets, flags, numbers: values repeat across
#: records), by field name and value. They carry no value strings, so sharing them between
#: documents changes no byte written.
Exact = dict[tuple[str, type, Any], list[tuple[bytes, int, float, bytes]]]


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


def _write_field(fields: Any, name: str, field: Any, words: dict[bytes, _Postings]) -> None:
    """One field's words in byte order through the codec's field writer: a field whose
    postings carry no values (facets, flags, numbers) and float weights, as Whoosh's formats
    give them, all at once (:func:`~indexer.block_writer.write_postings`); any other, each word's postings a block at
    a time (:func:`indexer.engine.store.add_term_postings`)."""
    made = _made_without_values(field, words)
    if made is not None:
        write_postings(fields, name, field, made)
        return
    fields.start_field(name, field)
    for word in sorted(words):
        add_term_postings(fields, word, words[word])
    fields.finish_field()


def _made_without_values(field: Any, words: dict[bytes, _Postings]) -> Made | None:
    """A field's postings as the arrays :func:`~indexer.block_writer.write_postings` takes, when its format writes
    no values and every weight is a float (else ``None``)."""
    if field.format.fixed_value_size() != 0 or not words:
        return None
    ordered = sorted(words)
    flat = [posting for word in ordered for posting in words[word]]
    docs, weights, _, lengths = zip(*flat, strict=True)
    if set(map(type, weights)) != {float}:
        return None  # an int weight is pickled as an int: Whoosh's writer decides
    sizes = np.fromiter(map(len, map(words.__getitem__, ordered)), np.int64, len(ordered))
    empty = np.zeros(0, dtype=np.int64)
    return Made(
        words=ordered,
        starts=np.concatenate(([0], np.cumsum(sizes))),
        docs=np.array(docs, dtype=np.int64),
        weights=np.array(weights, dtype=np.float64),
        lengths=np.array(lengths, dtype=np.int64),
        value_bytes=np.zeros(0, dtype=np.uint8),
        value_starts=empty,
        counts=empty,
        places=empty,
    )
