"""``kb ingest``: walk paths, load each file into kb in its own all-or-nothing block, update the index."""

from __future__ import annotations

import time
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from indexer import ahead
from indexer import collector
from indexer import forking
from indexer import sync
from indexer.dictionary import DICTIONARY_FILE
from indexer.dictionary import SYNONYMS_FILE
from indexer.loaders import SUPPORTED_SUFFIXES as DOCUMENT_SUFFIXES
from indexer.loaders import load
from indexer.progress import SILENT
from indexer.progress import Progress
from indexer.structure import parse_document
from kb import documents
from kb.citing import basis
from kb.config import Settings
from kb.db import atomic
from kb.documents import catalogue
from kb.documents import interchange as document_interchange
from kb.errors import ImportRejected
from kb.errors import KbError
from kb.files.tables import Table
from kb.files.tables import read_table
from kb.records import DocumentEntry
from kb.records import DocumentRecord
from kb.records import StandardRecord
from kb.standards import interchange
from kb.standards import workflow
from kb.vocab import Outcome

STANDARD_SUFFIXES = frozenset({".csv", ".xlsx", ".json"})
LEXICON_FILES = frozenset({DICTIONARY_FILE, SYNONYMS_FILE})
BUDGET_SAMPLES = "budgets"
#: How long :func:`ingest` loads files into one transaction before committing it. A commit
#: waits for the disk: a 100k corpus's 2,006 files each committed alone spent 2.5–5 s waiting
#: (issue 16); a killed ingest loses at most this long's files, which a new run loads again.
COMMIT_SECONDS = 1.0
#: Processes that read and parse files ahead of the database writes in a large ingest, how many
#: bytes of files make an ingest large, and how many bytes of files may be parsed ahead of the
#: writes (memory stays bounded; a large file is sent early, so that it is parsed while the
#: small ones before it are written). Measured on 2 cores (bench/README, "Ingest on both
#: cores"): parsing is a third of the database part, so one process keeps ahead of the writes;
#: a second one only takes the writer's core from it (2,000 texts and 20,000 standards: 9.8 s
#: with one, 11.4–13.1 s with two, 13.4 s in this process alone).
PARSE_PROCS = 1
PARALLEL_MIN_BYTES = 1 << 20
LOOK_AHEAD_BYTES = 32 << 20


@dataclass(frozen=True)
class FileReport:
    """What ingesting one file did; ``problems`` explain a rejection or a skip."""

    path: str
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: bool = False
    skipped: bool = False
    problems: tuple[str, ...] = ()


@dataclass
class IngestReport:
    """Every file's report, and the records the index must follow."""

    files: list[FileReport] = field(default_factory=list)
    standard_codes: set[str] = field(default_factory=set)
    document_ids: set[int] = field(default_factory=set)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def ok(self) -> bool:
        return not any(f.rejected for f in self.files)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the files inside the folders named, in a stable order.

    Inside a folder, hidden files, the jieba dictionary and synonym lists (corpus data that
    configures the analyzer) and sample budget sheets under ``budgets/`` (input for
    ``kb check``, not standards) are passed over.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not _passed_over(p, path)
            )
        else:
            yield path


def _passed_over(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.name in LEXICON_FILES or BUDGET_SAMPLES in parts[:-1] or _hidden(path, root)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def ingest(
    settings: Settings,
    session: Session,
    paths: Iterable[Path],
    progress: Progress = SILENT,
    *,
    processes: int | None = None,
) -> IngestReport:
    """Ingest every file under ``paths``; a bad file is rejected whole and the others go on.

    Each file is read and parsed (:func:`prepare_file`), then written to the database in this
    process, in file order. For a large ingest the reading and parsing run ahead in forked
    processes while this one writes (``processes``: how many; ``None`` decides from the files'
    size, see :func:`parse_processes`). ``progress`` hears of one phase over the files, then of
    the index update's phases.
    """
    report = load_files(session, paths, progress, processes=processes)
    if report.standard_codes or report.document_ids:
        sync.update(
            settings,
            session,
            standard_codes=sorted(report.standard_codes),
            document_ids=sorted(report.document_ids),
            progress=progress,
        )
    return report


def load_files(
    session: Session,
    paths: Iterable[Path],
    progress: Progress = SILENT,
    *,
    processes: int | None = None,
) -> IngestReport:
    """The database part of :func:`ingest`: every file under ``paths`` read, parsed and
    written, each all-or-nothing; the index is not touched."""
    report = IngestReport()
    files = list(iter_files(paths))
    if processes is None:
        processes = parse_processes(files)
    progress.start("导入文件", len(files))
    try:
        with ahead.in_order(prepare_file, files, processes, LOOK_AHEAD_BYTES) as waiting:
            item = next(waiting, None)
            while item is not None:
                # Files go in groups of COMMIT_SECONDS, one transaction each, every file still
                # all-or-nothing on its own (a savepoint of the group's transaction).
                with atomic(session):
                    session.connection()  # the group's transaction begun: each file a savepoint
                    began = time.perf_counter()
                    while item is not None and time.perf_counter() - began < COMMIT_SECONDS:
                        report.files.append(write_prepared(session, item, report))
                        progress.advance()
                        item = next(waiting, None)
    finally:
        progress.finish()
    return report


def parse_processes(files: list[Path]) -> int:
    """How many forked processes parse ``files`` ahead of the database writes: none for a small
    ingest (forking costs more than it saves), :data:`PARSE_PROCS` once the files hold
    :data:`PARALLEL_MIN_BYTES`, when forking is safe."""
    size = 0
    for path in files:
        size += ahead.file_size(path)
        if size >= PARALLEL_MIN_BYTES:
            return PARSE_PROCS if forking.can_fork() else 0
    return 0


@dataclass(frozen=True)
class Prepared:
    """A file read and parsed, ready for :func:`write_prepared`: either its ``report`` already
    (skipped, or rejected while parsing) or what its ``kind`` of loader writes (``parsed``)."""

    path: str
    kind: str
    report: FileReport | None = None
    parsed: Any = None


def ingest_file(session: Session, path: Path, report: IngestReport) -> FileReport:
    """Load one file in one transaction (a savepoint inside an open :func:`atomic` block);
    problems roll it back and are reported, not raised."""
    return write_prepared(session, prepare_file(path), report)


def prepare_file(path: Path) -> Prepared:
    """Read and parse one file without the database; a problem becomes the file's report.

    Pure, so that it runs in a forked process; everything it returns pickles.
    """
    suffix = path.suffix.lower()
    if not path.exists():
        return Prepared(
            str(path),
            "unknown",
            FileReport(str(path), "unknown", skipped=True, problems=("文件不存在",)),
        )
    if suffix in STANDARD_SUFFIXES:
        table = _table(path)  # read once: its header tells a documents file from a standards one
        if table is not None and document_interchange.is_documents_table(table):
            kind, parse = "documents", partial(_parse_documents_file, table=table)
        else:
            kind, parse = "standards", partial(_parse_standards, table=table)
    elif suffix in DOCUMENT_SUFFIXES:
        kind, parse = "document", _parse_document
    else:
        problems = (f"不支持的文件类型 {suffix}",)
        return Prepared(
            str(path), "unknown", FileReport(str(path), "unknown", skipped=True, problems=problems)
        )
    try:
        # A standards file makes tens of thousands of records at once, kept until its
        # transaction ends: collector passes would only walk them (issue 16).
        with collector.paused():
            parsed = parse(path)
    except KbError as error:
        return Prepared(str(path), kind, _rejected(str(path), kind, error))
    return Prepared(str(path), kind, parsed=parsed)


def write_prepared(session: Session, prepared: Prepared, report: IngestReport) -> FileReport:
    """Write one prepared file in one transaction (a savepoint inside an open :func:`atomic`
    block); problems roll it back and are reported, not raised."""
    if prepared.report is not None:
        return prepared.report
    write = _WRITERS[prepared.kind]
    try:
        with collector.paused(), atomic(session):
            counts = write(session, prepared.parsed, report)
    except KbError as error:
        return _rejected(prepared.path, prepared.kind, error)
    return FileReport(prepared.path, prepared.kind, **counts)


def _rejected(path: str, kind: str, error: KbError) -> FileReport:
    if isinstance(error, ImportRejected):
        problems = tuple(str(p) for p in error.problems)
    else:
        problems = (error.message,)
    return FileReport(path, kind, rejected=True, problems=problems)


@dataclass(frozen=True)
class _Standards:
    source: str
    records: list[StandardRecord]
    #: The (title, 文号) of every document the records' bases name (:mod:`kb.citing.basis`).
    named: list[tuple[str | None, str | None]]


def _parse_standards(path: Path, *, table: Table | None) -> _Standards:
    if table is None:
        records = interchange.read_standards(path)  # unreadable: raises, saying why
    else:
        records = interchange.records_in(table, path.name)
    return _Standards(path.name, records, basis.document_names(r.basis for r in records))


def _write_standards(session: Session, parsed: _Standards, report: IngestReport) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    for result in workflow.import_records(
        session, parsed.records, actor="system", source=parsed.source
    ):
        counts[result.outcome.value] += 1
        if result.outcome is not Outcome.UNCHANGED:
            report.standard_codes.add(result.code)
    # Every basis named becomes a known document (未收录全文 until its text is ingested), as
    # basis.ensure_documents makes them.
    for document in catalogue.ensure_all(session, parsed.named):
        report.document_ids.add(document.id)
    return counts


def _table(path: Path) -> Table | None:
    """The file's table; ``None`` when it cannot be read (the standards reader reports why)."""
    try:
        return read_table(path)
    except KbError:
        return None


def _parse_documents_file(path: Path, *, table: Table) -> tuple[str, list[DocumentEntry]]:
    return path.name, document_interchange.parse_rows(table, source=path.name)


def _write_documents_file(
    session: Session, parsed: tuple[str, list[DocumentEntry]], report: IngestReport
) -> dict[str, int]:
    source, entries = parsed
    counts = {o.value: 0 for o in Outcome}
    for document, outcome in catalogue.store_entries(session, entries, source=source):
        counts[outcome.value] += 1
        if outcome is not Outcome.UNCHANGED:
            report.document_ids.add(document.id)
    return counts


def _parse_document(path: Path) -> DocumentRecord:
    raw = load(path)
    return parse_document(
        raw.text, slug=path.stem, source_path=raw.source_path, title_hint=raw.title_hint
    )


def _write_document(
    session: Session, record: DocumentRecord, report: IngestReport
) -> dict[str, int]:
    document, outcome = documents.write(session, record)
    if outcome is not Outcome.UNCHANGED:
        report.document_ids.add(document.id)
    return {outcome.value: 1}


_WRITERS = {
    "standards": _write_standards,
    "documents": _write_documents_file,
    "document": _write_document,
}
