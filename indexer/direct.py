"""A rebuild's segments written straight through Whoosh's codec, without its writer (issue 16).

Whoosh's ``SegmentWriter`` indexes a document field by field into a posting pool, sorts the pool
at commit and then hands every posting to its codec one call at a time, reading each posting's
field length back from the lengths column it has just written. For a rebuild, where every
document is new and the segment is written once, most of that is overhead: here each process
is sent batches of records while this one reads the database, and writes one segment through
the codec's own writers (:mod:`indexer.segment_writer`) in the order Whoosh's writer would, with
its search arrays from the postings in hand. Each segment is assembled into Whoosh's compound file and committed with
Whoosh's own ``TOC`` here, so the result is a Whoosh index like any other: Whoosh reads, searches,
updates and merges it (``tests/indexer/test_direct.py`` compares it with what Whoosh's writer
builds from the same documents, field by field and posting by posting).

Only a fresh, empty index is written this way (a rebuild's ``building-*`` folder); every later
update goes through Whoosh's writer as before.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

from whoosh.codec.base import Segment
from whoosh.index import TOC
from whoosh.index import FileIndex
from whoosh.index import clean_files

from indexer.postings import WordTable
from indexer.segment_writer import Exact
from indexer.segment_writer import Field
from indexer.segment_writer import Plan
from indexer.segment_writer import keep_freed_memory
from indexer.segment_writer import prepare
from indexer.segment_writer import write_segment

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
        written.skipped = [(kind, key, why) for _, kind, key, why in sorted(left_out)]
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
    keep_freed_memory()

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
    exact: Exact = {}
    plans: dict[str, Plan] = {}
    words = WordTable()  # the whole words this process has met, numbered

    def prepared() -> Iterator[list[Field]]:
        for number, kind, key, record_docs in records:
            try:
                if isinstance(record_docs, Exception):
                    raise record_docs
                ready = [prepare(schema, doc, exact, words, plans) for doc in record_docs]
            except RECORD_ERRORS as error:
                skipped.append((number, kind, key, str(error) or type(error).__name__))
                continue
            for doc in record_docs:
                counts[doc.get("type", "")] += 1
            yield from ready

    segment = write_segment(ix, prepared(), arrays=arrays)
    return segment, counts, skipped
