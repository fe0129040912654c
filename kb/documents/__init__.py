"""Policy documents and their clause trees: store, look up, list."""

from __future__ import annotations

import hashlib
import re
from collections import namedtuple
from collections.abc import Iterator
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from kb.errors import NotFound
from kb.models import Clause
from kb.models import Document
from kb.models import utcnow
from kb.records import ClauseRecord
from kb.records import DocumentRecord
from kb.vocab import Outcome

#: Document ids in URLs: plain ASCII digits, short enough for any database's integer.
_ID = re.compile(r"[0-9]{1,9}")


def content_hash(record: DocumentRecord) -> str:
    """A hash of what a document says; re-ingesting an unchanged file changes nothing."""
    return hashlib.sha256(record.original_text.encode("utf-8")).hexdigest()


def write(session: Session, record: DocumentRecord) -> tuple[Document, Outcome]:
    """Store ``record`` under its slug, replacing its clauses when the text changed."""
    digest = content_hash(record)
    document = session.scalar(select(Document).where(Document.slug == record.slug))
    if document is not None and document.content_hash == digest:
        return document, Outcome.UNCHANGED
    if document is None:
        document = _listed_without_text(session, record)
    outcome = Outcome.UPDATED if document else Outcome.ADDED
    if document is None:
        document = Document(slug=record.slug)
        session.add(document)
    elif not document.text:
        document.slug = record.slug  # its text arrives: the file names it from now on
        document.updated_at = utcnow()
    else:
        document.clauses.clear()
        document.updated_at = utcnow()
        session.flush()
    _fill(document, record, digest)
    session.flush()
    _insert_clauses(session, document.id, record.clauses)
    session.expire(document, ["clauses"])
    return document, outcome


def _listed_without_text(session: Session, record: DocumentRecord) -> Document | None:
    """A document kb lists without its text (from a documents file or a basis) that this is."""
    from kb.documents.catalogue import find  # catalogue imports this package

    found = find(session, doc_number=record.doc_number, title=record.title)
    return found if found is not None and not found.text else None


def _fill(document: Document, record: DocumentRecord, digest: str) -> None:
    # What a documents file or a reviewer recorded wins; the text's own reading fills gaps.
    curated = document.status is not None or bool(document.source)
    for name in ("title", "doc_number", "issuer", "doc_type", "issued_on"):
        kept, read = getattr(document, name), getattr(record, name)
        setattr(document, name, kept if curated and kept else read or kept)
    document.source_path = record.source_path
    document.original_text = record.original_text
    document.text = record.text
    document.content_hash = digest


def _insert_clauses(session: Session, document_id: int, clauses: Sequence[ClauseRecord]) -> None:
    """Insert a document's clauses, a generation of the tree per multi-row statement.

    A clause's parent is the earlier clause at its ``parent_path`` (none: at the top). Parents are
    inserted first, so that their ids are known to their children: a few statements per
    document, where the ORM's unit of work spent a query per clause (issue 16). The document's
    own flush has put it in the change log.
    """
    parents: list[int | None] = []
    generations: list[int] = []
    last_at: dict[str, int] = {}
    for position, item in enumerate(clauses):
        parent = last_at.get(item.parent_path) if item.parent_path else None
        parents.append(parent)
        generations.append(0 if parent is None else generations[parent] + 1)
        last_at[item.path] = position
    ids: dict[int, int] = {}
    table = Clause.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for generation in range(max(generations, default=-1) + 1):
        positions = [p for p, g in enumerate(generations) if g == generation]
        rows = [
            {
                "document_id": document_id,
                "parent_id": None if parents[p] is None else ids[parents[p]],
                "path": clauses[p].path,
                "label": clauses[p].label,
                "heading": clauses[p].heading,
                "text": clauses[p].text,
                "depth": clauses[p].depth,
                "position": p,
            }
            for p in positions
        ]
        inserted = session.connection().execute(statement, rows)
        ids.update(zip(positions, inserted.scalars(), strict=True))


def get(session: Session, key: int | str) -> Document:
    """A document by id or slug (a key of plain ASCII digits is an id), with its clauses.

    :raises NotFound: when there is none.
    """
    if isinstance(key, str) and _ID.fullmatch(key):
        key = int(key)
    column = Document.id if isinstance(key, int) else Document.slug
    document = session.scalar(
        select(Document).where(column == key).options(selectinload(Document.clauses))
    )
    if document is None:
        raise NotFound(f"没有文件 {key}", {"document": key})
    return document


def clause(document: Document, path: str) -> Clause:
    """The clause at ``path`` (such as ``四.8``) in ``document``.

    :raises NotFound: when the document has no such clause.
    """
    for candidate in document.clauses:
        if candidate.path == path:
            return candidate
    raise NotFound(f"《{document.title}》没有条款 {path}", {"clause": path})


def iter_documents(session: Session) -> Iterator[Document]:
    """Every document with its clauses."""
    yield from session.scalars(
        select(Document).order_by(Document.id).options(selectinload(Document.clauses))
    )


def iter_document_rows(
    session: Session, columns: tuple[str, ...], clause_columns: tuple[str, ...]
) -> Iterator[Any]:
    """Every document as a plain row of the named columns and ``clauses``, the named columns of
    its clauses in :attr:`Document.clauses` order, in :func:`iter_documents`' order: what a
    rebuild of the search index reads, without the ORM's per-object cost. Values are read
    through the columns' types, as the ORM reads them."""
    row = _row("DocumentRow", (*columns, "clauses"))
    clause_row = _row("ClauseRow", clause_columns)
    clauses: dict[int, list[Any]] = {}
    found = session.execute(
        select(Clause.document_id, *(getattr(Clause, name) for name in clause_columns)).order_by(
            Clause.document_id, Clause.position, Clause.id
        )
    )
    for document_id, *values in found:
        clauses.setdefault(document_id, []).append(clause_row(*values))
    documents = session.execute(
        select(Document.id, *(getattr(Document, name) for name in columns)).order_by(Document.id)
    )
    for document_id, *values in documents:
        yield row(*values, tuple(clauses.pop(document_id, ())))


@lru_cache
def _row(name: str, columns: tuple[str, ...]) -> type:
    return namedtuple(name, columns)  # noqa: PYI024 - fields chosen at run time


def by_ids(session: Session, ids: list[int]) -> list[Document]:
    return list(
        session.scalars(
            select(Document).where(Document.id.in_(ids)).options(selectinload(Document.clauses))
        )
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count(Document.id))) or 0
