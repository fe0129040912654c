"""A segment's decoded arrays as one file every process maps: written once, read by all.

A Whoosh segment never changes once written (only its deletions do, and those are never in
these files). So its postings, positions, field lengths and columns are decoded once — by the
rebuild or the update that wrote the segment (:func:`indexer.engine.segments.write_arrays`) — and
saved beside it::

    <generation>/arrays/<segment id>/arrays.bin   every array, back to back, 64-byte aligned
    <generation>/arrays/<segment id>/table.json   name → (offset, dtype, length), format
    <generation>/arrays/<segment id>/labels.json  the values of the text columns, per field

Every process maps ``arrays.bin`` read-only (:func:`numpy.memmap`): a new worker reads its first
query from pages the rebuild left in the page cache, two workers share one copy of each page,
and no word is decoded at query time. The folder is written under a temporary name and renamed
into place (atomic), so a reader sees a whole segment's files or none; a process that loses a
race to write the same segment drops its copy. The files are a derived cache: deleting
``arrays/`` loses nothing, the engine then decodes from Whoosh word by word as before.

Names in the table: ``<field>/terms`` (the words' bytes back to back, in Whoosh's order) with
``<field>/term_offsets``; ``<field>/starts``, ``<field>/docs``, ``<field>/weights`` (one row of
documents and weights per word); ``<field>/place_starts``, ``<field>/places`` (one row per word:
each posting's positions in its document, postings in row order, as many as its weight says, or
``<field>/counts`` when weights are not counts); ``<field>/lengths``; ``<field>/codes`` with the
table's labels, or ``<field>/numbers``, for columns.

Each array's type is chosen when it is written (:func:`narrow`): at 100k standards most weights
fit a byte and positions two, so the file and the pages a query touches are a third of what
``int64`` positions (``document << 32 | position``) and ``float32`` weights took (issue 16).
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import uuid
import weakref
from bisect import bisect_left
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

#: Bump when the layout changes: files of another format are ignored (and rewritten).
FORMAT = 2
ARRAYS_DIR = "arrays"
DATA_FILE = "arrays.bin"
TABLE_FILE = "table.json"
LABELS_FILE = "labels.json"
#: Text columns with at most this many values keep them in memory once read (the facets);
#: the values of longer ones (``code``: one per standard) are read again when asked for.
KEPT_LABELS = 4096
_ALIGN = 64


def narrow(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the narrowest unsigned type that holds them (up to ``uint32``;
    ``int64`` beyond), chosen per array when a segment's arrays are written."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.int64)


def segment_folder(generation: Path, segment_id: str) -> Path:
    """Where the arrays of one segment of a generation live."""
    return Path(generation) / ARRAYS_DIR / segment_id


def save(
    folder: Path,
    arrays: Mapping[str, np.ndarray],
    *,
    documents: int,
    labels: Mapping[str, list[str]],
) -> bool:
    """Write a segment's arrays into ``folder`` atomically; False when another process did first.

    ``documents`` is the segment's document count (checked when mapped); ``labels`` are the
    values of the text columns, which ``<field>/codes`` index.
    """
    folder = Path(folder)
    if folder.exists():
        return False
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    temporary.mkdir()
    try:
        table: dict[str, Any] = {}
        with open(temporary / DATA_FILE, "wb") as handle:
            for name, array in arrays.items():
                array = np.ascontiguousarray(array)
                handle.write(b"\0" * (-handle.tell() % _ALIGN))
                table[name] = [handle.tell(), array.dtype.str, len(array)]
                handle.write(array.tobytes())
            handle.flush()
            os.fsync(handle.fileno())
        head = {"format": FORMAT, "documents": documents, "arrays": table}
        (temporary / TABLE_FILE).write_text(json.dumps(head, ensure_ascii=False), "utf-8")
        (temporary / LABELS_FILE).write_text(json.dumps(labels, ensure_ascii=False), "utf-8")
        os.replace(temporary, folder)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)
        if folder.exists():  # another process renamed its copy into place first
            return False
        raise
    return True


class Terms:
    """The sorted words of one field, looked up by binary search over their bytes."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._blob = blob
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, row: int) -> bytes:
        return self._blob[self._offsets[row] : self._offsets[row + 1]].tobytes()

    def row(self, word: bytes) -> int:
        """The row of ``word``, or -1."""
        at = bisect_left(self, word)
        return at if at < len(self) and self[at] == word else -1


#: Arrays read a word's row at a time with ``os.pread`` instead of through the map.
ROW_ARRAYS = ("docs", "weights", "counts", "places")
#: Whole arrays read with ``os.pread`` when asked for: columns, which the engine reads once per
#: commit and joins over segments into its own array (mapped, their pages stayed mapped).
COLUMN_ARRAYS = ("codes", "numbers")


class MappedSegment:
    """One segment's arrays, mapped read-only; the word table and field lengths handed out
    are views of the map.

    A word's row of postings and positions is read with ``os.pread`` instead (a copy of just
    that row, which the caller turns into scores at once): a read through the map brought 64 KB
    to 2 MB of the file around it into the process (the kernel maps the neighbouring cached
    pages, and whole large folios of the page cache, at each fault), so after a few thousand
    queries each worker had most of the file mapped for a few KB read here and there. Columns
    are read whole the same way (the engine joins them into its own arrays once per commit).
    The pages stay in the page cache, shared by every process, as before.
    """

    def __init__(self, folder: Path, documents: int) -> None:
        head = json.loads((Path(folder) / TABLE_FILE).read_text("utf-8"))
        if head.get("format") != FORMAT or head.get("documents") != documents:
            raise ValueError(f"segment arrays of another index or format: {folder}")
        self.documents = documents
        self._folder = Path(folder)
        self._labels: dict[str, list[str]] = {}
        size = (Path(folder) / DATA_FILE).stat().st_size
        data = np.memmap(Path(folder) / DATA_FILE, mode="r") if size else np.empty(0, np.uint8)
        if size:
            # A fault maps only its page: no read-around of the neighbouring arrays.
            _random_access(data._mmap)
        # A plain array over the same pages: numpy.memmap's own indexing costs a Python call
        # per slice, and a word's binary search slices the word table ~17 times.
        data = data.view(np.ndarray)
        self._arrays = {
            name: data[offset : offset + length * np.dtype(dtype).itemsize].view(dtype)
            for name, (offset, dtype, length) in head["arrays"].items()
        }
        self._rows = {
            name: (offset, np.dtype(dtype), length)
            for name, (offset, dtype, length) in head["arrays"].items()
            if name.split("/")[-1] in ROW_ARRAYS + COLUMN_ARRAYS
        }
        # Closed with the segment. pread shares no file offset, so forked processes read too.
        self._fd = os.open(Path(folder) / DATA_FILE, os.O_RDONLY | os.O_CLOEXEC)
        weakref.finalize(self, os.close, self._fd)
        random_reads(self._fd)
        self._terms = {
            name.split("/")[0]: Terms(array, self._arrays[name.replace("terms", "term_offsets")])
            for name, array in self._arrays.items()
            if name.endswith("/terms")
        }

    def has(self, name: str) -> bool:
        """Whether the segment has the array ``name`` (``content/positions``, ``year/codes`` …)."""
        return name in self._arrays

    def array(self, name: str) -> np.ndarray:
        """One whole array (lengths, codes, numbers); read-only."""
        where = self._rows.get(name)
        return self._arrays[name] if where is None else self._row(name, 0, where[2])

    def labels(self, field: str) -> list[str]:
        """The values of a text column, which its codes index."""
        found = self._labels.get(field)
        if found is None:
            found = json.loads((self._folder / LABELS_FILE).read_text("utf-8"))[field]
            if len(found) <= KEPT_LABELS:
                self._labels[field] = found
        return found

    def postings(self, field: str, word: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A word's segment-local documents (ascending) and weights; empty when absent."""
        row = self._terms[field].row(word)
        if row < 0:
            return np.empty(0, np.int32), np.empty(0, np.float32)
        start, end = self._arrays[f"{field}/starts"][row : row + 2]
        return self._row(f"{field}/docs", start, end), self._row(f"{field}/weights", start, end)

    def positions(
        self,
        field: str,
        word: bytes,
        docs: np.ndarray | None = None,
        postings: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """A word's occurrences as ``document << 32 | position``, ascending; empty when absent.

        With ``docs`` (segment-local, ascending), only the occurrences in those documents are
        needed: only their positions are read (other occurrences may be returned too).
        ``postings`` is the word's :meth:`postings`, when the caller has read them already.
        """
        row = self._terms[field].row(word)
        if row < 0:
            return np.empty(0, np.int64)
        start, end = self._arrays[f"{field}/starts"][row : row + 2]
        if f"{field}/counts" in self._arrays:
            row_docs = self._row(f"{field}/docs", start, end)
            counts = self._row(f"{field}/counts", start, end).astype(np.int64)
        else:  # the weights are the counts
            row_docs, counts = postings or self.postings(field, word)
            counts = counts.astype(np.int64)
        first = int(self._arrays[f"{field}/place_starts"][row])
        if docs is None:
            owners = row_docs.astype(np.int64)
            found = self._row(f"{field}/places", first, first + int(counts.sum()))
        else:  # only the postings of ``docs``: their runs of positions, gathered
            at = np.searchsorted(row_docs, docs)
            inside = at < len(row_docs)
            at = at[inside]
            at = at[row_docs[at] == docs[inside]]
            begins = np.cumsum(counts) - counts
            owners, counts, begins = row_docs[at].astype(np.int64), counts[at], begins[at]
            if not len(at):
                return np.empty(0, np.int64)
            low, high = int(begins[0]), int(begins[-1] + counts[-1])  # the span holding them
            span = self._row(f"{field}/places", first + low, first + high)
            runs = np.cumsum(counts) - counts
            found = span[np.repeat(begins - low - runs, counts) + np.arange(counts.sum())]
        return np.repeat(owners, counts) << 32 | found.astype(np.int64)

    def _row(self, name: str, start: int, end: int) -> np.ndarray:
        """``array(name)[start:end]``, read with ``os.pread`` for the arrays of words' rows."""
        start, end = int(start), int(end)  # the narrow types of the row starts would overflow
        where = self._rows.get(name)
        if where is None:
            return self._arrays[name][start:end]
        offset, dtype, _ = where
        data = os.pread(self._fd, (end - start) * dtype.itemsize, offset + start * dtype.itemsize)
        return np.frombuffer(data, dtype)


def random_reads(fd: int) -> None:
    """Tell the kernel that ``fd`` is read here and there: no read-ahead.

    A searcher reads a word's row, a run of positions or a hit's stored fields — a few pages
    at scattered places. With the kernel's read-ahead each such read also brought the next
    16 KB to 2 MB of the file into the page cache, which no query asked for: at 100k standards,
    after a load run, 94 MB of the arrays files and all 100 MB of Whoosh's stored fields were
    resident for the few KB each query read (issue 16, bench/README "Server memory, like with
    like"). The flag belongs to the open file, so the workers that inherit the descriptor
    share it.
    """
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)


def _random_access(mapping: Any) -> None:
    """:func:`random_reads` for a mapping: a page fault maps its page, not the ones around."""
    if mapping is not None and hasattr(mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)


def open_segment(folder: Path, documents: int) -> MappedSegment | None:
    """The segment's mapped arrays, or ``None`` when they were never written (or are stale)."""
    if not (Path(folder) / TABLE_FILE).exists():
        return None
    try:
        return MappedSegment(folder, documents)
    except (OSError, ValueError, KeyError):
        return None


def rows(lengths: list[int]) -> np.ndarray:
    """Row starts (and the end) of rows of these lengths, as a CSR offsets array."""
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return starts
