"""Keep the Whoosh index in step with kb: full rebuilds swapped in atomically, single-record updates.

The index folder's layout, its metadata and the writer lock are :mod:`indexer.folder`'s.

A rebuild writes a fresh ``building-*`` folder, renames it to ``gen-*`` and only then replaces
``CURRENT`` (``os.replace``, atomic), so a reader sees the old index or the new one, never a half
one; a killed or failing rebuild leaves the old index serving. The previous generation is kept
one more round for readers that still hold it open; older ones are removed.

Writers serialise across processes on ``writer.lock`` (``flock``/``msvcrt``), so a gunicorn
worker, the CLI and an ingest never open two Whoosh writers at once.

Every update also applies what the database's change log (:mod:`kb.changes`) holds beyond the
index's last applied change (:mod:`indexer.changelog`), so writes made on other nodes arrive with
the next update or follower round (:mod:`indexer.follow`). A record that cannot be indexed (a
figure beyond a column's range, a value no vocabulary knows) is skipped and reported
(:class:`Skipped`), never allowed to stop a rebuild.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from whoosh import index
from whoosh.fields import BOOLEAN
from whoosh.fields import ID
from whoosh.fields import NUMERIC
from whoosh.fields import Schema
from whoosh.index import FileIndex
from whoosh.query import Term

from indexer import budget_facts
from indexer import changelog
from indexer import collector
from indexer import direct
from indexer import folder
from indexer import forking
from indexer.analysis import ANALYSIS_VERSION
from indexer.dictionary import Lexicon
from indexer.dictionary import load_lexicon
from indexer.engine.segments import write_arrays
from indexer.engine.store import cancel_writer
from indexer.folder import META_FILE  # noqa: F401 - part of this module's surface
from indexer.folder import generation_token  # noqa: F401 - part of this module's surface
from indexer.folder import writer_lock  # noqa: F401 - part of this module's surface
from indexer.progress import SILENT
from indexer.progress import Progress
from indexer.schema import CLAUSE_COLUMNS
from indexer.schema import DOCUMENT_COLUMNS
from indexer.schema import SCHEMA_VERSION
from indexer.schema import TYPES
from indexer.schema import VERSION_COLUMNS
from indexer.schema import build_schema
from indexer.schema import document_docs
from indexer.schema import standard_docs
from kb import documents
from kb import standards
from kb.config import Settings
from kb.models import Document
from kb.models import Standard
from kb.standards import StandardRows

log = logging.getLogger(__name__)

#: Whoosh's indexing memory for an update's writer, in MB (a rebuild uses no writer:
#: :mod:`indexer.direct`).
WRITER_LIMIT_MB = 256


@dataclass(frozen=True)
class Skipped:
    """A record that could not be indexed: the rest of the index was built without it."""

    type: str
    key: str
    reason: str

    def __str__(self) -> str:
        what = {"standard": "标准", "document": "文件"}.get(self.type, self.type)
        return f"{what} {self.key} 无法编入索引，已跳过：{self.reason}"


@dataclass(frozen=True)
class IndexStats:
    """What the index holds after a rebuild, an update or a check."""

    standards: int
    clauses: int
    documents: int
    generation: str
    rebuilt: bool = False
    seconds: float = 0.0
    #: Records left out because they could not be indexed (see :func:`indexable`).
    skipped: tuple[Skipped, ...] = ()
    #: The last change of the database's change log this index has applied.
    applied_change: int = 0

    def __str__(self) -> str:
        text = f"{self.standards} 个标准版本、{self.clauses} 条条款、{self.documents} 份文件"
        if self.rebuilt:
            text += f"，已重建，用时 {self.seconds:.1f} 秒"
        if self.skipped:
            text += f"；{len(self.skipped)} 条记录无法编入索引，已跳过"
        return text


def signature(lexicon: Lexicon) -> dict[str, Any]:
    """What an index must have been built with to be used as is."""
    return {
        "analysis_version": ANALYSIS_VERSION,
        "schema_version": SCHEMA_VERSION,
        **lexicon.signature,
    }


def open_generation(settings: Settings, token: str) -> FileIndex:
    """Open the generation named by a :func:`generation_token`, with today's schema."""
    name = token.split()[0]
    schema = build_schema(load_lexicon(settings))
    return index.open_dir(str(Path(settings.index_dir) / name), schema=schema)


def is_current(settings: Settings) -> bool:
    """Whether an index exists and was built with today's analysis, schema and lexicon."""
    meta = folder.current_meta(settings)
    return meta is not None and meta.get("signature") == signature(load_lexicon(settings))


def ensure_index(settings: Settings, session: Session, progress: Progress = SILENT) -> IndexStats:
    """The index as it is when present and current, else a fresh rebuild from the database."""
    meta = folder.current_meta(settings)
    if meta is not None and meta.get("signature") == signature(load_lexicon(settings)):
        return _stats(meta)
    with folder.writer_lock(settings):
        meta = folder.current_meta(settings)
        if meta is not None and meta.get("signature") == signature(load_lexicon(settings)):
            return _stats(meta)
        return _rebuild(settings, session, progress)


def rebuild(settings: Settings, session: Session, progress: Progress = SILENT) -> IndexStats:
    """Build a complete index from the database into a fresh folder, then swap it in."""
    with folder.writer_lock(settings):
        return _rebuild(settings, session, progress)


def update(
    settings: Settings,
    session: Session,
    *,
    standard_codes: Iterable[str] = (),
    document_ids: Iterable[int] = (),
    lock_timeout: float | None = None,
    progress: Progress = SILENT,
) -> IndexStats:
    """Re-index these standards (all versions) and documents (with their clauses), and every
    record the database's change log (:mod:`kb.changes`) names since this index's last round.

    Call it after the transaction that changed them has committed: the index reads what the
    session sees. Records no longer in the database are removed from the index. Without a
    current index (missing, or built with another analysis or lexicon), or with so many changes
    that a rebuild costs less than re-indexing them one by one (:func:`indexer.changelog.pending`),
    this rebuilds everything.

    :raises Conflict: another writer held the index for longer than ``lock_timeout`` seconds.
    """
    with folder.writer_lock(settings, lock_timeout):
        meta = folder.current_meta(settings)
        token = folder.generation_token(settings)
        if (
            meta is None
            or token is None
            or meta.get("signature") != signature(load_lexicon(settings))
        ):
            return _rebuild(settings, session, progress)
        plan = changelog.pending(session, meta)
        if plan.rebuild:
            return _rebuild(settings, session, progress)
        codes = sorted(set(standard_codes) | plan.standard_codes)
        ids = sorted(set(document_ids) | plan.document_ids)
        ix = open_generation(settings, token)
        skipped: list[Skipped] = []
        writer = ix.writer(timeout=folder.LOCK_TIMEOUT, limitmb=WRITER_LIMIT_MB)
        try:
            for code in codes:
                writer.delete_by_term("code", code)
            for document_id in ids:
                writer.delete_by_term("document_id", str(document_id))
            records = _records(standards.by_codes(session, codes), documents.by_ids(session, ids))
            for docs in _indexable(records, ix.schema, skipped):
                _add_all(writer, docs)
            writer.commit()
        except BaseException:
            cancel_writer(writer)
            raise
        write_arrays(ix)  # the new (or merged) segments' search arrays, before readers see them
        counts = _count(ix)
        ix.close()
        name, serial = folder.parse_token(token)
        meta = {**meta, **plan.metadata(), "counts": counts, "updated_at": folder.now()}
        folder.write_json(Path(settings.index_dir) / name / folder.META_FILE, meta)
        folder.write_pointer(Path(settings.index_dir), name, serial + 1)
        return _stats(meta | {"generation": f"{name} {serial + 1}"}, skipped=skipped)


def _rebuild(settings: Settings, session: Session, progress: Progress) -> IndexStats:
    started = time.perf_counter()
    root = Path(settings.index_dir)
    lexicon = load_lexicon(settings)
    current = folder.parse_token(folder.generation_token(settings) or "")[0]
    folder.remove_killed_builds(root)
    name = f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    building = root / f"building-{name}"
    building.mkdir(parents=True)
    skipped: list[Skipped] = []
    try:
        point = changelog.rebuild_point(session)  # before any record is read
        counts = _build(building, session, lexicon, skipped, progress)
        budget_facts.write_facts(building, session)  # what budget matching reads, kept with it
        meta = {
            "signature": signature(lexicon),
            "counts": counts,
            "built_at": folder.now(),
            **point.metadata(),
        }
        folder.write_json(building / folder.META_FILE, meta)
        os.rename(building, root / name)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    folder.write_pointer(root, name, 0)
    folder.remove_old_generations(root, keep={name, current})
    seconds = time.perf_counter() - started
    return _stats(
        meta | {"generation": f"{name} 0"}, rebuilt=True, seconds=seconds, skipped=skipped
    )


def _build(
    folder: Path, session: Session, lexicon: Lexicon, skipped: list[Skipped], progress: Progress
) -> dict[str, int]:
    """A fresh index of every record, written through Whoosh's codec by :mod:`indexer.direct`
    (in :func:`forking.rebuild_processes` processes), with its search arrays."""
    ix = index.create_in(str(folder), build_schema(lexicon))
    records = standards.count(session) + documents.count(session)
    progress.start("编入索引", records)
    try:
        written = direct.write_records(
            ix,
            # Plain rows and docs, dropped once sent: the collector would only walk them (at
            # 100k 13–27 % of this process's CPU, for the same peak memory).
            collector.uncollected(_made(_all_records(session))),
            processes=forking.rebuild_processes(records),
            advance=progress.advance,
            finishing=lambda: (progress.finish(), progress.start("写入索引", 0)),
        )
    finally:
        progress.finish()
    for kind, key, reason in written.skipped:
        _skip(skipped, kind, key, reason)
    counts = {t: written.counts.get(t, 0) for t in TYPES}
    indexed = _count(ix)
    if indexed != counts:
        ix.close()
        raise RuntimeError(f"索引重建不完整：应有 {counts}，实有 {indexed}")
    ix.close()
    return indexed


def _made(records: Iterable[Record]) -> Iterator[direct.Record]:
    """Each record with its index docs, or the error that kept them from being made (the
    record is then reported as skipped by :func:`direct.write_records`; the docs' values are
    checked where they are indexed)."""
    for kind, key, make in records:
        try:
            yield kind, key, make()
        except direct.RECORD_ERRORS as error:
            yield kind, key, error


#: A record to index: its type, its key (code or document id) and how to make its index docs.
Record = tuple[str, str, Callable[[], list[dict[str, Any]]]]


def _all_records(session: Session) -> Iterator[Record]:
    """Every record, read as plain rows of the columns the index docs are made of: the ORM's
    objects cost a rebuild's reading process more than the reading itself (issue 16)."""
    return _records(
        standards.iter_standard_rows(session, VERSION_COLUMNS),
        documents.iter_document_rows(session, DOCUMENT_COLUMNS, CLAUSE_COLUMNS),
    )


def _records(
    standard_rows: Iterable[Standard | StandardRows], document_rows: Iterable[Document | Any]
) -> Iterator[Record]:
    for standard in standard_rows:
        yield "standard", standard.code, functools.partial(standard_docs, standard)
    for document in document_rows:
        yield "document", str(document.id), functools.partial(document_docs, document)


def _indexable(
    records: Iterable[Record], schema: Schema, skipped: list[Skipped]
) -> Iterator[list[dict[str, Any]]]:
    """The index docs of each record that can be indexed; the others go to ``skipped``.

    One bad row (a figure beyond what an index column holds, a value no vocabulary knows) must
    not stop an update: every exact-value field is encoded here, before Whoosh's writer sees it
    (a rebuild checks each record where it indexes it, :mod:`indexer.direct`).
    """
    for kind, key, make in records:
        try:
            docs = make()
            for doc in docs:
                _check(schema, doc)
        except direct.RECORD_ERRORS as error:
            _skip(skipped, kind, key, str(error) or type(error).__name__)
            continue
        yield docs


def _skip(skipped: list[Skipped], kind: str, key: str, reason: str) -> None:
    found = Skipped(kind, key, reason)
    log.warning("%s", found)
    skipped.append(found)


def _check(schema: Schema, doc: dict[str, Any]) -> None:
    """Encode the exact-value fields of ``doc`` as Whoosh will; raises what Whoosh would."""
    for name, value in doc.items():
        field = schema[name]
        if isinstance(field, NUMERIC | BOOLEAN | ID):
            for _ in field.index(value):
                pass


def _add_all(writer: Any, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        writer.add_document(**doc)


def _count(ix: FileIndex) -> dict[str, int]:
    with ix.searcher() as searcher:
        return {t: sum(1 for _ in searcher.docs_for_query(Term("type", t))) for t in TYPES}


def _stats(
    meta: dict[str, Any],
    *,
    rebuilt: bool = False,
    seconds: float = 0.0,
    skipped: Iterable[Skipped] = (),
) -> IndexStats:
    counts = meta["counts"]
    return IndexStats(
        skipped=tuple(skipped),
        applied_change=int(meta.get("applied_change", 0)),
        standards=counts.get("standard", 0),
        clauses=counts.get("clause", 0),
        documents=counts.get("document", 0),
        generation=str(meta.get("generation", "")),
        rebuilt=rebuilt,
        seconds=round(seconds, 3),
    )
