"""``kb ingest``: walk paths, load each file into kb in its own all-or-nothing block, update the index."""

from __future__ import annotations

import time
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from indexer import collector
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
    settings: Settings, session: Session, paths: Iterable[Path], progress: Progress = SILENT
) -> IngestReport:
    """Ingest every file under ``paths``; a bad file is rejected whole and the others go on.

    ``progress`` hears of one phase over the files, then of the index update's phases.
    """
    report = IngestReport()
    files = list(iter_files(paths))
    progress.start("导入文件", len(files))
    try:
        waiting = iter(files)
        path = next(waiting, None)
        while path is not None:
            # Files go in groups of COMMIT_SECONDS, one transaction each, every file still
            # all-or-nothing on its own (a savepoint of the group's transaction).
            with atomic(session):
                session.connection()  # the group's transaction begun: each file a savepoint
                began = time.perf_counter()
                while path is not None and time.perf_counter() - began < COMMIT_SECONDS:
                    report.files.append(ingest_file(session, path, report))
                    progress.advance()
                    path = next(waiting, None)
    finally:
        progress.finish()
    if report.standard_codes or report.document_ids:
        sync.update(
            settings,
            session,
            standard_codes=sorted(report.standard_codes),
            document_ids=sorted(report.document_ids),
            progress=progress,
        )
    return report


def ingest_file(session: Session, path: Path, report: IngestReport) -> FileReport:
    """Load one file in one transaction (a savepoint inside an open :func:`atomic` block);
    problems roll it back and are reported, not raised."""
    suffix = path.suffix.lower()
    if not path.exists():
        return FileReport(str(path), "unknown", skipped=True, problems=("文件不存在",))
    if suffix in STANDARD_SUFFIXES:
        table = _table(path)  # read once: its header tells a documents file from a standards one
        if table is not None and document_interchange.is_documents_table(table):
            kind, loader = "documents", partial(_ingest_documents_file, table=table)
        else:
            kind, loader = "standards", partial(_ingest_standards, table=table)
    elif suffix in DOCUMENT_SUFFIXES:
        kind, loader = "document", _ingest_document
    else:
        return FileReport(
            str(path), "unknown", skipped=True, problems=(f"不支持的文件类型 {suffix}",)
        )
    try:
        # A standards file makes tens of thousands of rows and records at once, kept until its
        # transaction ends: collector passes would only walk them (issue 16).
        with collector.paused(), atomic(session):
            counts = loader(session, path, report)
    except ImportRejected as error:
        problems = tuple(str(p) for p in error.problems)
        return FileReport(str(path), kind, rejected=True, problems=problems)
    except KbError as error:
        return FileReport(str(path), kind, rejected=True, problems=(error.message,))
    return FileReport(str(path), kind, **counts)


def _ingest_standards(
    session: Session, path: Path, report: IngestReport, *, table: Table | None
) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    if table is None:
        records = interchange.read_standards(path)  # unreadable: raises, saying why
    else:
        records = interchange.records_in(table, path.name)
    for result in workflow.import_records(session, records, actor="system", source=path.name):
        counts[result.outcome.value] += 1
        if result.outcome is not Outcome.UNCHANGED:
            report.standard_codes.add(result.code)
    # Every basis named becomes a known document (未收录全文 until its text is ingested).
    for document in basis.ensure_documents(session, (r.basis for r in records)):
        report.document_ids.add(document.id)
    return counts


def _table(path: Path) -> Table | None:
    """The file's table; ``None`` when it cannot be read (the standards reader reports why)."""
    try:
        return read_table(path)
    except KbError:
        return None


def _ingest_documents_file(
    session: Session, path: Path, report: IngestReport, *, table: Table
) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    entries = document_interchange.parse_rows(table, source=path.name)
    for document, outcome in catalogue.store_entries(session, entries, source=path.name):
        counts[outcome.value] += 1
        if outcome is not Outcome.UNCHANGED:
            report.document_ids.add(document.id)
    return counts


def _ingest_document(session: Session, path: Path, report: IngestReport) -> dict[str, int]:
    raw = load(path)
    record = parse_document(
        raw.text, slug=path.stem, source_path=raw.source_path, title_hint=raw.title_hint
    )
    document, outcome = documents.write(session, record)
    if outcome is not Outcome.UNCHANGED:
        report.document_ids.add(document.id)
    return {outcome.value: 1}
