"""The only module that touches Whoosh's internals: segments decoded once into numpy arrays.

Whoosh scores every posting in Python on every search: at 100k standards a common word (标准,
养护) has ~100k postings and costs ~0.7 s per query. A segment's postings, field lengths and
columns never change once written, so here each segment's postings of a word, its field lengths
and its columns are decoded once and kept, keyed by the segment's id; after an update only the
new segments are read.

What *does* change in a written segment is its set of deleted documents (an update deletes the
old versions of a standard where they are). Deletions are therefore never baked into the
per-segment arrays: postings include deleted documents, and each searcher masks them out with
:func:`live_documents`, read from its own reader. A segment's deletions only grow, so
(segment id, live count) names one state of a segment exactly (:func:`leaf_key`).

Since issue 16 a segment's arrays are decoded once for good, by whoever writes the segment
(:func:`indexer.engine.segments.write_arrays`: the rebuild, an update, a server starting on an
index without them), and saved beside it as one file every process maps
(:mod:`indexer.engine.mapped`). The store reads a segment from its mapped file when there is
one; only a segment without one (a cache deleted, an index written by older code) is decoded
word by word as before, into the bounded LRU.

The module stays whole past 400 lines (about 590): it is the one place that touches Whoosh's
internals (a boundary a test holds), so the block reader, the deletion filter, the compound
file's readers and the rebuild's block writer stay together here; what merely uses them lives in
:mod:`indexer.engine.segments` and :mod:`indexer.segment_writer`.

Private Whoosh names used here, and only here: ``FilterMatcher.child`` (the posting list under
the deletion filter) and the block reader's ``_read_ids``, ``_read_weights``, ``_read_values``,
``_next_block``, ``_ids``, ``_weights``, ``_values``, ``_i`` (whole blocks at once instead of
three calls per posting); and ``whoosh.filedb.compound.BufferFile``, rebound to a subclass that
reads a mapped segment file in place instead of copying each part of it per searcher;
``whoosh.codec.base.CompoundStorage``, rebound to a subclass whose parts of a segment file
opened without ``mmap`` are read with ``os.pread`` (safe across ``fork``), and the storage's
``supports_mmap`` flag (:func:`open_searcher`). For writing (:func:`add_term_postings`, a
rebuild's segments): the field writer's ``_postwriter`` and its block buffer (``_ids``,
``_weights``, ``_values``, ``_maxweight``, ``_minlength``, ``_maxlength``, ``_blocklimit``,
``_write_block``).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import weakref
from array import array
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec import base as whoosh_codec_base
from whoosh.filedb import compound as whoosh_compound
from whoosh.filedb.structfile import BufferFile
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from indexer.engine.cache import LIMITS
from indexer.engine.cache import SizedCache
from indexer.engine.mapped import MappedSegment
from indexer.engine.mapped import open_segment
from indexer.engine.mapped import random_reads
from indexer.engine.mapped import segment_folder

log = logging.getLogger(__name__)


#: A segment reader and the searcher document number of its first document.
Leaf = tuple[IndexReader, int]


class _ViewReader(io.RawIOBase):
    """A read-only file over a memory view: reads copy only what is read."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), len(self._view) - self._at))
        buffer[:count] = self._view[self._at : self._at + count]
        self._at += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: len(self._view)}[whence]
        self._at = base + offset
        return self._at

    def tell(self) -> int:
        return self._at


class _SharedBufferFile(BufferFile):
    """Whoosh's file over a part of a mapped compound segment, without Whoosh's copy of it.

    ``BufferFile`` wraps its memory view in ``io.BytesIO``, which copies it: every searcher
    opened kept a private copy of the segment's postings and stored fields (≈ 0.5 GB per
    worker at 100k standards, and a new one after every commit). Here reads go to the mapped
    pages, which every process shares through the page cache (issue 16).
    """

    def __init__(self, buf: memoryview, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = io.BufferedReader(_ViewReader(buf))


# Whoosh's compound storage names BufferFile when it opens a part of a mapped segment file.
whoosh_compound.BufferFile = _SharedBufferFile


class _PartReader(io.RawIOBase):
    """A read-only file over one part of a segment file, read with ``os.pread``.

    Positional reads share no file offset: a searcher opened before ``fork`` (gunicorn's
    ``--preload``) holds one open file in every worker, and Whoosh's own part reader
    (``seek`` then ``read`` on that file) would read another worker's position.
    """

    def __init__(self, fd: int, offset: int, length: int) -> None:
        super().__init__()
        self._fd, self._offset, self._length, self._at = fd, offset, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), self._length - self._at))
        data = os.pread(self._fd, count, self._offset + self._at) if count else b""
        buffer[: len(data)] = data
        self._at += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._length}[whence]
        self._at = base + offset
        return self._at

    def tell(self) -> int:
        return self._at

    def pread(self, position: int, count: int) -> bytes:
        """``count`` bytes at ``position`` of the part (fewer at its end), in one read."""
        count = max(0, min(count, self._length - position))
        return os.pread(self._fd, count, self._offset + position) if count else b""


class _PartFile(StructFile):
    """Whoosh's file over one part, whose ``get`` (a hit's stored fields, a column's value)
    reads just the bytes asked for: through the buffered reader each read took 8 KB, two or
    three pages of the page cache for a value of a few hundred bytes (issue 16)."""

    def __init__(self, part: _PartReader, name: str) -> None:
        super().__init__(io.BufferedReader(part), name=name)
        self._part = part

    def get(self, position: int, length: int) -> bytes:
        data = self._part.pread(position, length)
        self.file.seek(position + len(data))  # where Whoosh's seek-and-read leaves the file
        return data


class _CompoundStorage(whoosh_compound.CompoundStorage):
    """Whoosh's compound segment file; opened without ``mmap`` (:func:`open_searcher`), its
    parts are read with ``os.pread`` (:class:`_PartReader`) from a descriptor that is closed
    with the storage, or when it is collected (as a mapped one was closed at once)."""

    def __init__(self, dbfile: Any, use_mmap: bool = True, basepos: int = 0) -> None:
        super().__init__(dbfile, use_mmap=use_mmap, basepos=basepos)
        self._fd: int | None = None
        if self._source is None and self._file is not None and hasattr(self._file, "fileno"):
            self._fd = os.dup(self._file.fileno())
            self._file.close()
            self._file = None
            random_reads(self._fd)  # a hit's stored fields, not the 16 KB–2 MB after them
            self._release = weakref.finalize(self, os.close, self._fd)

    def open_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._fd is None or self.is_closed:
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return _PartFile(_PartReader(self._fd, offset, length), name)

    def close(self) -> None:
        super().close()
        if self._fd is not None:
            self._release()


# Whoosh's codec names CompoundStorage when it opens a segment's compound file.
whoosh_codec_base.CompoundStorage = _CompoundStorage


def open_searcher(ix: FileIndex) -> Searcher:
    """A searcher over the index's latest commit, with every segment reader opened afresh.

    Never ``Searcher.refresh()``: whoosh-reloaded 2.7.5 reuses the reader of a segment whose
    id is unchanged even when the new commit deleted documents in it, so the refreshed searcher
    counts and returns deleted documents (issue 12). Opening costs a few ms per segment; the
    decoded arrays of unchanged segments are kept by :class:`SegmentStore` anyway.

    The searcher reads its segment files with ``read()``, not through ``mmap`` (issue 16): at
    query time it reads only the stored fields of a page's hits (a page or two of a file each),
    and a mapped read brought 64 KB to 2 MB of the file (the kernel's fault-around, and the
    page cache's large folios) into the reading process's memory for each, ≈ 80 MB a server at
    100k standards after a few thousand queries. Read so, as SQLite reads its database, those
    pages stay in the page cache, which every process shares, and only the bytes read are
    copied. (Postings are read from the mapped arrays, :mod:`indexer.engine.mapped`.)
    """
    ix.storage.supports_mmap = False
    return ix.searcher()


def leaves(searcher: Searcher) -> list[Leaf]:
    """The searcher's non-empty segment readers with their document number offsets."""
    return [(r, offset) for r, offset in searcher.reader().leaf_readers() if r.doc_count_all()]


def segment_key(reader: IndexReader) -> str:
    """A segment's identity: its id, or ``""`` for an empty index's reader."""
    segment = reader.segment()
    return segment.segment_id() if segment else ""


def leaf_key(reader: IndexReader) -> tuple[str, int]:
    """One state of a segment: its id and how many of its documents are live."""
    return segment_key(reader), reader.doc_count()


def live_documents(reader: IndexReader) -> np.ndarray:
    """Which of the segment's documents are not deleted, as a mask."""
    count = reader.doc_count_all()
    if not reader.has_deletions():
        return np.ones(count, dtype=bool)
    live = np.zeros(count, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    return live


class SegmentStore:
    """Per-segment arrays, shared by the successive searchers of one index generation.

    A segment with its arrays on disk (:mod:`indexer.engine.segments`) is read from the mapped file: no
    bound applies to it, the page cache holds it once for every process. A segment without is
    decoded word by word; those postings are bounded by :attr:`Limits.postings` (least recently
    used go first). Field lengths and columns, one small array per segment and field, live as
    long as their segment. Thread-safe: searchers of one process may fill it concurrently.
    """

    def __init__(self, folder: Path | None = None, max_postings: int = LIMITS.postings) -> None:
        #: The generation folder whose ``arrays/`` holds the mapped segments, if any.
        self.folder = Path(folder) if folder is not None else None
        self._lock = threading.Lock()
        self._postings = SizedCache(max_postings)
        self._per_segment: dict[tuple[str, str, str], Any] = {}
        self._labels: dict[str, dict[str, int]] = {}
        self._mapped: dict[str, MappedSegment | None] = {}

    @property
    def held_postings(self) -> int:
        """How many postings and positions are kept now (decoded ones; mapped ones are not)."""
        return self._postings.held

    @property
    def segment_arrays(self) -> int:
        """How many per-segment arrays (lengths, columns, codes) are kept now."""
        return len(self._per_segment)

    def mapped(self, reader: IndexReader) -> MappedSegment | None:
        """The segment's arrays on disk, mapped; ``None`` without them (then it is decoded)."""
        segment = segment_key(reader)
        with self._lock:
            if segment in self._mapped:
                return self._mapped[segment]
        found = None
        if self.folder is not None and segment:
            found = open_segment(segment_folder(self.folder, segment), reader.doc_count_all())
        with self._lock:
            return self._mapped.setdefault(segment, found)

    def postings(self, reader: IndexReader, field: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
        """Segment-local document numbers (ascending, deleted ones included) and frequencies."""
        mapped = self.mapped(reader)
        if mapped is not None and mapped.has(f"{field}/starts"):
            return mapped.postings(field, _term_bytes(reader, field, text))
        return self._cached(("postings", field, text), reader, read_postings)

    def positions(
        self,
        reader: IndexReader,
        field: str,
        text: Any,
        docs: np.ndarray | None = None,
        postings: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Every occurrence of a word in one segment as ``document << 32 | position``, ascending
        (deleted documents included): a phrase is then a few sorted-array lookups.

        With ``docs`` (segment-local, ascending) the occurrences outside them are not needed
        (a mapped segment reads only those documents' positions; others may come too).
        ``postings`` are the word's :meth:`postings` in the segment, when already read.
        """
        mapped = self.mapped(reader)
        if mapped is not None and mapped.has(f"{field}/starts"):
            return mapped.positions(field, _term_bytes(reader, field, text), docs, postings)
        return self._cached(("positions", field, text), reader, read_positions)

    def lengths(self, reader: IndexReader, field: str) -> np.ndarray:
        """The length of ``field`` in each document of the segment, as Whoosh's scorer reads it."""
        mapped = self.mapped(reader)
        if mapped is not None and mapped.has(f"{field}/lengths"):
            return mapped.array(f"{field}/lengths")
        return self._segment_array(reader, ("lengths", field), lambda: field_lengths(reader, field))

    def column(self, reader: IndexReader, field: str) -> list[Any]:
        """The values of a column field, indexed by segment-local document number."""
        mapped = self.mapped(reader)
        if mapped is not None and mapped.has(f"{field}/numbers"):
            return mapped.array(f"{field}/numbers").tolist()
        if mapped is not None and mapped.has(f"{field}/codes"):
            labels = mapped.labels(field)
            return [labels[code] for code in mapped.array(f"{field}/codes").tolist()]
        return self._segment_array(reader, ("column", field), lambda: column_values(reader, field))

    def codes(self, reader: IndexReader, field: str) -> np.ndarray:
        """A text column as codes into :meth:`labels` (the same code for a value in every
        segment), so facets count with :func:`numpy.bincount`."""

        def make() -> np.ndarray:
            mapped = self.mapped(reader)
            if mapped is not None and mapped.has(f"{field}/codes"):
                values = mapped.labels(field)  # the segment's own labels, which its codes index
                local = mapped.array(f"{field}/codes")
            else:
                values, local = self.column(reader, field), None
            with self._lock:
                labels = self._labels.setdefault(field, {})
                codes = np.fromiter(
                    (labels.setdefault(v, len(labels)) for v in values),
                    dtype=np.int32,
                    count=len(values),
                )
            return codes if local is None else codes[local]

        mapped = self.mapped(reader)
        if mapped is not None and mapped.has(f"{field}/codes"):
            # Made again for each commit's searcher (which keeps its own, joined over segments)
            # rather than kept here too: a lookup per distinct value, then one gather.
            return make()
        return self._segment_array(reader, ("codes", field), make)

    def labels(self, field: str) -> list[str]:
        """The values of a text column in code order; values of dropped segments stay."""
        with self._lock:
            return list(self._labels.get(field, {}))

    def label_codes(self, field: str, values: Iterable[str]) -> list[int]:
        """The codes of those ``values`` that some segment has had."""
        with self._lock:
            labels = self._labels.get(field, {})
            return [labels[v] for v in values if v in labels]

    def numbers(self, reader: IndexReader, field: str) -> np.ndarray:
        """A numeric column as an int64 array."""
        mapped = self.mapped(reader)
        if mapped is not None and mapped.has(f"{field}/numbers"):
            return mapped.array(f"{field}/numbers")
        return self._segment_array(
            reader,
            ("numbers", field),
            lambda: np.asarray(self.column(reader, field), dtype=np.int64),
        )

    def live(self, reader: IndexReader) -> np.ndarray:
        """:func:`live_documents` of a segment, kept per state of the segment (:func:`leaf_key`):
        a new commit that deleted nothing in a segment reuses its mask."""
        segment, count = leaf_key(reader)
        key = (segment, "live", "")
        with self._lock:
            found = self._per_segment.get(key)
        if found is None or found[0] != count:  # deletions only grow: a new count, a new state
            found = (count, live_documents(reader))
            with self._lock:
                self._per_segment[key] = found
        return found[1]

    def forget_except(self, live_segments: set[str]) -> None:
        """Drop everything of segments no searcher reads any more."""
        with self._lock:
            self._postings.drop(lambda key: key[0] not in live_segments)
            for key in [k for k in self._per_segment if k[0] not in live_segments]:
                del self._per_segment[key]
            # Forget segments without files too: a writer may have written them since.
            for segment in [
                s for s, m in self._mapped.items() if m is None or s not in live_segments
            ]:
                del self._mapped[segment]

    def _cached(self, what: tuple[str, str, Any], reader: IndexReader, read: Callable) -> Any:
        key = (segment_key(reader), *what)
        with self._lock:
            found = self._postings.get(key)
        if found is None:
            found = read(reader, what[1], what[2])
            with self._lock:
                self._postings.put(key, found, _size(found))
        return found

    def _segment_array(self, reader: IndexReader, what: tuple[str, str], make: Callable) -> Any:
        key = (segment_key(reader), *what)
        with self._lock:
            found = self._per_segment.get(key)
        if found is None:
            found = make()
            with self._lock:
                self._per_segment[key] = found
        return found


def read_postings(reader: IndexReader, field: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """All postings of one word in one segment, deleted documents included."""
    if (field, text) not in reader:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    matcher = _without_deletions(reader.postings(field, text))
    docs, weights = _decode_blocks(matcher) if _has_blocks(matcher) else decode_each(matcher)
    return np.asarray(docs, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def read_positions(reader: IndexReader, field: str, text: Any) -> np.ndarray:
    """All occurrences of one word in one segment (see :meth:`SegmentStore.positions`)."""
    if (field, text) not in reader:
        return np.empty(0, np.int64)
    matcher = _without_deletions(reader.postings(field, text))
    keys = [
        docnum << 32 | position
        for docnum, positions in matcher.items_as("positions")
        for position in positions
    ]
    return np.asarray(keys, dtype=np.int64)


def raw_postings(reader: IndexReader, field: str, text: Any) -> Matcher:
    """The segment's own posting list of a word, deleted documents included (for tests)."""
    return _without_deletions(reader.postings(field, text))


def _without_deletions(matcher: Matcher) -> Matcher:
    """The segment's own posting list under Whoosh's filter of deleted documents."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
        matcher.reset()
    return matcher


def _size(found: Any) -> int:
    return len(found[0]) if isinstance(found, tuple) else len(found)


def _has_blocks(matcher: Matcher) -> bool:
    return all(
        hasattr(matcher, name) for name in ("_read_ids", "_read_weights", "_next_block", "_ids")
    )


def _decode_blocks(matcher: Any) -> tuple[list[int], list[float]]:
    """Whole blocks at a time from Whoosh's own block reader (its ``whoosh3`` codec).

    Whoosh keeps ~128 postings per block and decodes a block in one go; taking the block's id
    and weight arrays avoids three Python calls per posting. :func:`decode_each` is the
    reference, and a test holds the two equal.
    """
    docs: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        docs.extend(matcher._ids[matcher._i :])
        weights.extend(matcher._weights[matcher._i :])
        matcher._next_block()
    return docs, weights


def decode_each(matcher: Matcher) -> tuple[list[int], list[float]]:
    """A posting list walked one posting at a time with Whoosh's public calls."""
    docs: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        docs.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return docs, weights


def field_lengths(reader: IndexReader, field: str) -> np.ndarray:
    """The length of ``field`` in each of the segment's documents (1 when empty), as BM25F
    reads it."""
    count = reader.doc_count_all()
    return np.fromiter(
        (reader.doc_field_length(d, field, 1) or 1 for d in range(count)),
        dtype=np.float64,
        count=count,
    )


def column_values(reader: IndexReader, field: str) -> list[Any]:
    """The values of a column field in one segment, by segment-local document number."""
    if reader.doc_count_all() == 0:
        return []  # an empty index's reader has no columns
    return list(reader.column_reader(field))


def cancel_writer(writer: Any) -> None:
    """Cancel a writer whatever state it is in, and release the index's write lock.

    A parallel writer's sub-processes are stopped too (Whoosh leaves them). When a commit
    failed half-way Whoosh's ``cancel`` fails as well and would leave the lock held, so that
    every later write waits: the lock is then released directly.
    """
    for task in getattr(writer, "tasks", ()):
        task.terminate()
        task.join()
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - the writer is broken; only the lock matters now
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            lock.release()


def walk_postings(
    reader: IndexReader,
    field: str,
    word: bytes,
    with_values: bool,
    ids: list[int],
    weights: list[float],
    values: list[bytes],
) -> None:
    """Append a word's postings in one segment (deleted documents included): documents,
    weights and, when asked, Whoosh's value strings, a block at a time where Whoosh's block
    reader allows it (:mod:`indexer.engine.segments` decodes whole segments with it)."""
    matcher = _without_deletions(reader.postings(field, word))
    if _has_blocks(matcher) and hasattr(matcher, "_read_values"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids[matcher._i :])
            weights.extend(matcher._weights[matcher._i :])
            if with_values:
                matcher._read_values()
                values.extend(matcher._values[matcher._i :])
            matcher._next_block()
        return
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if with_values:
            values.append(matcher.value())
        matcher.next()


def _term_bytes(reader: IndexReader, field: str, text: Any) -> bytes:
    """A word as the index stores it (what the mapped word table is sorted by)."""
    return text if isinstance(text, bytes) else reader.schema[field].to_bytes(text)


def add_term_postings(
    fields: Any, word: bytes, postings: Sequence[tuple[int, float, bytes, int]]
) -> None:
    """Write one word's postings through a codec's field writer (between its ``start_field``
    and ``finish_field``), as its ``start_term``, ``add`` per posting and ``finish_term`` would,
    a block at a time: each block of the postings writer's ``blocklimit`` is put into its
    buffer with the statistics ``add_posting`` gathers (highest weight, shortest and longest
    field length), then written by the writer itself (:mod:`indexer.segment_writer`, a
    rebuild's segments; ``tests/indexer/test_direct.py`` checks the files are Whoosh's byte for
    byte).

    A posting is (document, weight, value string, the document's field length as Whoosh's
    reader gives it back, 0 for none).
    """
    fields.start_term(word)
    writer = fields._postwriter
    limit, count = writer._blocklimit, len(postings)
    for start in range(0, count, limit):
        end = min(start + limit, count)
        docs, weights, values, lengths = zip(*postings[start:end], strict=True)
        writer._ids = array("I", docs)
        writer._weights = array("f", weights)
        writer._values = list(values) if all(values) else [v for v in values if v]
        writer._maxweight = max(0, max(weights))
        present = [length for length in lengths if length]
        writer._minlength = min(present) if present else None
        writer._maxlength = max(0, max(lengths))
        if end < count:
            writer._write_block()
    fields.finish_term()
