"""A whole segment decoded into named arrays and written beside it, once, by whoever wrote the
segment (issue 16); :mod:`indexer.engine.mapped` is the file, :mod:`indexer.engine.store` reads
it back through :class:`~indexer.engine.store.SegmentStore`.

Whoosh is read through the store's functions (the only module that touches its internals);
what is here is the assembly of a field's rows and the decoding of Whoosh's pickled positions
with array operations.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import shutil
import time
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.fields import NUMERIC
from whoosh.index import FileIndex
from whoosh.reading import IndexReader

from indexer.engine.mapped import ARRAYS_DIR
from indexer.engine.mapped import narrow
from indexer.engine.mapped import open_segment
from indexer.engine.mapped import rows
from indexer.engine.mapped import save
from indexer.engine.mapped import segment_folder
from indexer.engine.store import Leaf
from indexer.engine.store import column_values
from indexer.engine.store import field_lengths
from indexer.engine.store import segment_key
from indexer.engine.store import walk_postings

log = logging.getLogger(__name__)

#: A word's postings as their writer holds them: per document its number, the weight, Whoosh's
#: value string (and perhaps more, ignored here).
Postings = Sequence[Sequence[Any]]


@dataclasses.dataclass(frozen=True)
class PostingArrays:
    """A field's postings as their writer made them with array operations
    (:mod:`indexer.postings`): its words in byte order, word ``i``'s postings in rows
    ``starts[i]:starts[i + 1]``, each posting's document, weight and number of positions, and
    all positions in posting order."""

    words: list[bytes]
    starts: np.ndarray
    docs: np.ndarray
    weights: np.ndarray
    counts: np.ndarray
    places: np.ndarray


#: A field without positions is mapped when a segment has at most this many of its words:
#: keyword fields (``type``, ``is_current``, facets) are; one-word-per-record fields (``uid``,
#: ``code``) would only make writing slower, and the engine never reads their postings.
MAPPED_TERMS_MAX = 10_000


def write_arrays(ix: FileIndex) -> int:
    """Decode every segment of the index's latest commit that has no arrays on disk yet and
    write them beside it (:mod:`indexer.engine.mapped`); returns how many segments lacked
    them and have them now.

    Called by whoever writes segments through Whoosh's writer: each update (only its new or
    merged segments lack them) and a server starting on an index built without them (a rebuild
    writes its segments' arrays itself, :mod:`indexer.direct`). Safe to run in several
    processes at once: one copy wins, the others drop theirs. A reader never writes; it
    decodes what has no file word by word.
    """
    folder = Path(ix.storage.folder)
    with ix.reader() as reader:
        missing = [leaf for leaf, _ in reader.leaf_readers() if lacks_arrays(folder, leaf)]
        for leaf in missing:
            write_segment_arrays(folder, leaf)
        written = sum(not lacks_arrays(folder, leaf) for leaf in missing)
    remove_stale_arrays(folder, {segment_key(r) for r, _ in _leaf_readers(ix)})
    return written


def lacks_arrays(folder: Path, leaf: IndexReader) -> bool:
    """Whether the segment ``leaf`` of the generation in ``folder`` has no arrays on disk."""
    segment = segment_key(leaf)
    target = segment_folder(folder, segment)
    return bool(segment) and open_segment(target, leaf.doc_count_all()) is None


def write_segment_arrays(
    folder: Path,
    reader: IndexReader,
    known: Mapping[str, Mapping[bytes, Postings] | PostingArrays] | None = None,
) -> None:
    """Decode one segment of the generation in ``folder`` and write its arrays beside it.

    ``known``: postings its writer still holds, per field and word (documents, weights, value
    strings; :mod:`indexer.direct`) or per field as arrays, taken instead of reading them back
    from Whoosh.
    """
    target = segment_folder(folder, segment_key(reader))
    if target.exists():  # another format, or another index's segment of the same id
        shutil.rmtree(target, ignore_errors=True)
    arrays, labels = decode_segment(reader, known)
    try:
        save(target, arrays, documents=reader.doc_count_all(), labels=labels)
    except OSError as error:  # a cache: the index stays usable without it
        log.warning("无法写入检索数组 %s：%s", target, error)


def remove_stale_arrays(folder: Path, segments: set[str]) -> None:
    """Remove the arrays of segments the index no longer has (merged away), and what killed
    writers left (temporary folders over an hour old). A process still reading an older commit
    keeps the maps it has open; a segment it has not mapped yet is decoded instead."""
    root = Path(folder) / ARRAYS_DIR
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.name.startswith("."):
            if time.time() - child.stat().st_mtime > 3600:
                shutil.rmtree(child, ignore_errors=True)
        elif child.name not in segments:
            shutil.rmtree(child, ignore_errors=True)


def _leaf_readers(ix: FileIndex) -> list[Leaf]:
    with ix.reader() as reader:
        return list(reader.leaf_readers())


def decode_segment(
    reader: IndexReader,
    known: Mapping[str, Mapping[bytes, Postings] | PostingArrays] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Everything the engine reads of one segment, as named arrays, and the labels of its text
    columns (see :mod:`indexer.engine.mapped` for the names); the postings of the fields in
    ``known`` are taken from there (see :func:`write_segment_arrays`)."""
    arrays: dict[str, np.ndarray] = {}
    labels: dict[str, list[str]] = {}
    count = reader.doc_count_all()
    for name, field in reader.schema.items():
        if field.indexed and name in reader.indexed_field_names():
            positional = field.format.supports("positions")
            given = (known or {}).get(name)
            # The postings in hand are the segment's words (its writer wrote them): no reading.
            if isinstance(given, PostingArrays):
                words = list(given.words)
            elif given is not None:
                words = sorted(given)
            else:
                words = list(reader.lexicon(name))
            if positional or len(words) <= MAPPED_TERMS_MAX:
                if isinstance(given, PostingArrays):
                    arrays.update(_given_field(name, words, positional, given))
                else:
                    arrays.update(_decode_field(reader, name, words, positional, given))
            if positional and field.scorable:
                arrays[f"{name}/lengths"] = field_lengths(reader, name)
        if count and reader.has_column(name):
            values = column_values(reader, name)
            if isinstance(field, NUMERIC) or all(type(v) is int for v in values):
                arrays[f"{name}/numbers"] = np.asarray(values, dtype=np.int64)
            else:
                found: dict[str, int] = {}
                codes = [found.setdefault(v, len(found)) for v in values]
                arrays[f"{name}/codes"] = np.asarray(codes, dtype=np.int32)
                labels[name] = list(found)
    return arrays, labels


def _decode_field(
    reader: IndexReader,
    name: str,
    words: list[bytes],
    positional: bool,
    given: Mapping[bytes, Postings] | None = None,
) -> dict[str, np.ndarray]:
    """One field's postings (and positions) of every word, as rows in word order.

    Postings are gathered in Python lists a round of :data:`_POSTINGS_ROUND` at a time and
    then become arrays: per-word numpy calls would cost more than the decoding at 100k records,
    and lists of the whole field would take gigabytes.
    """
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    parts: dict[str, list[np.ndarray]] = {"docs": [], "weights": [], "counts": [], "places": []}

    def flush() -> None:
        parts["docs"].append(np.asarray(ids, dtype=np.int32))
        parts["weights"].append(np.asarray(weights, dtype=np.float32))
        if positional:
            counts, positions = _positions(values)
            parts["counts"].append(counts)
            parts["places"].append(positions)
        ids.clear()
        weights.clear()
        values.clear()

    posting_rows = [0]
    flushed = 0
    for word in words:
        if given is None:
            walk_postings(reader, name, word, positional, ids, weights, values)
        else:
            docs, scores, strings = list(zip(*given[word], strict=True))[:3]
            ids.extend(docs)
            weights.extend(scores)
            if positional:
                values.extend(strings)
        posting_rows.append(flushed + len(ids))
        if len(ids) >= _POSTINGS_ROUND:
            flushed += len(ids)
            flush()
    flush()
    counts = np.concatenate(parts["counts"]) if positional else None
    places = np.concatenate(parts["places"]) if positional else None
    return _field_rows(
        name,
        words,
        np.asarray(posting_rows, dtype=np.int64),
        np.concatenate(parts["docs"]),
        np.concatenate(parts["weights"]),
        counts,
        places,
    )


def _given_field(
    name: str, words: list[bytes], positional: bool, given: PostingArrays
) -> dict[str, np.ndarray]:
    """One field's rows from the postings its writer made as arrays."""
    if given.words != words:
        raise ValueError(f"the postings in hand are not the segment's words of {name}")
    return _field_rows(
        name,
        words,
        np.asarray(given.starts, dtype=np.int64),
        np.asarray(given.docs, dtype=np.int32),
        np.asarray(given.weights, dtype=np.float32),
        np.asarray(given.counts, dtype=np.int64) if positional else None,
        np.asarray(given.places, dtype=np.int64) if positional else None,
    )


def _field_rows(
    name: str,
    words: list[bytes],
    starts: np.ndarray,
    docs: np.ndarray,
    weights: np.ndarray,
    counts: np.ndarray | None,
    places: np.ndarray | None,
) -> dict[str, np.ndarray]:
    arrays = {
        f"{name}/terms": np.frombuffer(b"".join(words), dtype=np.uint8),
        f"{name}/term_offsets": narrow(rows([len(word) for word in words])),
        f"{name}/starts": narrow(starts),
        f"{name}/docs": docs,
        f"{name}/weights": _weights(weights),
    }
    if counts is not None and places is not None:
        ends = np.concatenate(([0], np.cumsum(counts)))
        arrays[f"{name}/place_starts"] = narrow(ends[starts])
        arrays[f"{name}/places"] = narrow(places)
        if not np.array_equal(counts, weights):  # a boosted token: weights are not counts
            arrays[f"{name}/counts"] = narrow(counts)
    return arrays


def _weights(weights: np.ndarray) -> np.ndarray:
    """Weights as small integers when they are (term frequencies: a byte, mostly), else as
    they are."""
    whole = weights.astype(np.int64)
    if np.array_equal(whole, weights) and not (whole < 0).any():
        return narrow(whole)
    return weights


#: How Whoosh's ``Positions`` format pickles a list (protocol 2, then the list's memo).
_PICKLED_LIST = b"\x80\x02]q\x00"
#: Postings gathered in Python lists before they become arrays, and whose positions are
#: unpickled at once: bounds the decoding's memory (a million postings take ~0.3 GB as lists).
_POSTINGS_ROUND = 1_000_000


def _positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Per posting how many positions it has, and all positions in posting order.

    A value is a 4-byte count, then the pickled list of gaps between positions (see
    :meth:`whoosh.formats.Positions.encode`, perhaps without pickle's final ``.``).
    Unpickling each costs more than everything else at 100k records, so the lists' items are
    cut out of the values with array operations, joined into one pickled list per round and
    unpickled once; the gaps are summed per posting with one cumulative sum.
    """
    counts: list[np.ndarray] = []
    gaps: list[int] = []
    for begin in range(0, len(values), _POSTINGS_ROUND):
        chunk = values[begin : begin + _POSTINGS_ROUND]
        found, items = _pickled_items(chunk)
        gaps.extend(pickle.loads(_PICKLED_LIST + b"(" + items + b"e."))
        counts.append(found)
    per_posting = np.concatenate(counts) if counts else np.empty(0, np.int64)
    if len(gaps) != per_posting.sum():
        raise ValueError("word positions in an encoding Whoosh's Positions format does not write")
    total = np.cumsum(np.asarray(gaps, dtype=np.int64))
    ends = np.cumsum(per_posting)
    before = np.zeros(len(per_posting), dtype=np.int64)  # the gaps summed over earlier postings
    before[1:] = np.where(ends[:-1] > 0, total[np.maximum(ends[:-1] - 1, 0)], 0)
    return per_posting, total - np.repeat(before, per_posting)


def _pickled_items(values: list[bytes]) -> tuple[np.ndarray, bytes]:
    """The position counts of these values, and the pickled items of their lists back to back.

    A list of one item pickles as ``<head> item a``, of several as ``<head> ( items e``, of
    none as ``<head>`` alone. Should any value have another shape, every value of the round is
    unpickled one by one instead.
    """
    if not values:
        return np.empty(0, np.int64), b""
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    data = np.frombuffer(b"".join(values) + bytes(16), dtype=np.uint8)  # padded: reads past
    starts = np.cumsum(lengths) - lengths  # a short value's end stay inside the buffer
    ends = starts + lengths - (data[starts + lengths - 1] == ord("."))  # without pickle's STOP
    size = ends - starts
    head = np.frombuffer(_PICKLED_LIST, dtype=np.uint8)
    known = (data[starts[:, None] + 4 + np.arange(len(head))] == head).all(axis=1)
    first, last = data[starts + 9], data[ends - 1]
    several = known & (size > 10) & (first == ord("(")) & (last == ord("e"))
    single = known & (size > 10) & (first != ord("(")) & (last == ord("a"))
    if not (several | single | (known & (size == 9))).all():
        return _unpickled_items(values)
    take = several | single
    edges = np.zeros(len(data) + 1, dtype=np.int8)
    edges[(starts + 9 + several)[take]] = 1
    edges[(ends - 1)[take]] = -1  # an item run ends at its list's closing opcode
    counts = np.zeros(len(values), dtype=np.int64)
    for byte in range(4):  # the count is a big-endian unsigned int
        counts = counts << 8 | data[starts + byte]
    return counts, data[np.cumsum(edges[:-1], dtype=np.int8) > 0].tobytes()


def _unpickled_items(values: list[bytes]) -> tuple[np.ndarray, bytes]:
    counts = np.zeros(len(values), dtype=np.int64)
    pieces = []
    for row, value in enumerate(values):
        found = pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")
        counts[row] = len(found)
        pieces.extend(pickle.dumps([gap], 2)[len(_PICKLED_LIST) : -2] for gap in found)
    return counts, b"".join(pieces)
