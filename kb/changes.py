"""The change log: every write to standards and documents leaves a row, in the same transaction.

A session event (registered when this module is imported, which :mod:`kb.db` does) looks at
each flush: any standard, standard version, document or clause added, changed or deleted adds
a :class:`~kb.models.Change` naming the standard's code or the document's id. So every write
path — the API, the pages, ``kb ingest``, imports, a script with a session — is logged without
asking it to, and a rolled-back write leaves no row. Bulk inserts, which no flush sees, name
what they wrote with :func:`log`.

Ids are given in insertion order; on a server database two transactions may commit out of that
order, so a reader that has seen id N may later see a smaller id appear (:func:`since` with
``also``): :mod:`indexer.follow` keeps such gaps open for a while.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression
from sqlalchemy.sql.elements import BindParameter

from kb.models import Change
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.models import utcnow

STANDARD = "standard"
DOCUMENT = "document"
#: The key of a change that may have touched every record of its kind.
ALL = "*"


def latest(session: Session) -> int:
    """The id of the last change written, 0 when there is none."""
    return session.scalar(select(func.max(Change.id))) or 0


def since(
    session: Session, after: int, *, also: Iterable[int] = (), limit: int | None = None
) -> list[Change]:
    """Changes with an id above ``after``, and those of the ids in ``also``, in id order."""
    wanted = sorted(set(also))
    condition = Change.id > after
    if wanted:
        condition = or_(condition, Change.id.in_(wanted))
    query = select(Change).where(condition).order_by(Change.id)
    return list(session.scalars(query.limit(limit) if limit else query))


def present(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are in the log."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(session.scalars(select(Change.id).where(Change.id.in_(wanted))))


def touched(session: Session) -> set[tuple[str, str]]:
    """(kind, key) of every standard and document this flush writes."""
    found: set[tuple[str, str]] = set()
    modified = (obj for obj in session.dirty if session.is_modified(obj))
    for obj in chain(session.new, modified, session.deleted):
        key = _key(obj)
        if key is not None:
            found.add(key)
    return found


def _key(obj: Any) -> tuple[str, str] | None:
    if isinstance(obj, Standard):
        return STANDARD, obj.code
    if isinstance(obj, StandardVersion):
        return (STANDARD, obj.standard.code) if obj.standard is not None else None
    if isinstance(obj, Document):
        return DOCUMENT, str(obj.id)
    if isinstance(obj, Clause):
        return DOCUMENT, str(obj.document_id)
    return None


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context: Any) -> None:
    """Add the flush's changes to the log, in the flush's own transaction."""
    _write(session, touched(session))


@event.listens_for(Session, "do_orm_execute")
def _record_statement(state: ORMExecuteState) -> None:
    """Log an UPDATE or DELETE statement on standards or documents (no flush sees those).

    The rows are named by the ``id = …`` comparisons of its WHERE clause; a statement that names
    none is logged as touching every record of its kind (``*``), which followers rebuild for.
    """
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    entity = state.bind_mapper.class_
    if entity not in (Standard, StandardVersion, Document, Clause):
        return
    ids = _compared_ids(state.statement.whereclause, entity.__table__.c.id)
    _write(state.session, _keys_of(state.session, entity, ids))


def _compared_ids(where: Any, column: Any) -> list[int] | None:
    """The values ``column`` is compared equal to in ``where``; ``None`` when there are none."""
    if where is None:
        return None
    found = []
    for node in visitors.iterate(where):
        if (
            isinstance(node, BinaryExpression)
            and node.operator is operators.eq
            and getattr(node.left, "table", None) is column.table
            and getattr(node.left, "name", None) == column.name
            and isinstance(node.right, BindParameter)
        ):
            found.append(node.right.effective_value)
    return found or None


def _keys_of(session: Session, entity: type, ids: list[int] | None) -> set[tuple[str, str]]:
    kind = STANDARD if entity in (Standard, StandardVersion) else DOCUMENT
    if ids is None:
        return {(kind, ALL)}
    if entity is Standard:
        query = select(Standard.code).where(Standard.id.in_(ids))
    elif entity is StandardVersion:
        query = select(Standard.code).join(StandardVersion).where(StandardVersion.id.in_(ids))
    elif entity is Clause:
        query = select(Clause.document_id).where(Clause.id.in_(ids))
    else:
        return {(kind, str(i)) for i in ids}
    return {(kind, str(key)) for key in session.scalars(query)}


def log(session: Session, keys: Iterable[tuple[str, str]]) -> None:
    """Add a change per (kind, key), in the order given, to the session's transaction.

    For writes no flush sees: bulk inserts (:mod:`kb.standards.bulk`) name what they wrote here,
    one row per record written, as a flush per record would have.
    """
    at = utcnow()
    rows = [{"at": at, "kind": kind, "key": key} for kind, key in keys]
    if rows:
        session.connection().execute(insert(Change), rows)


def _write(session: Session, found: set[tuple[str, str]]) -> None:
    log(session, sorted(found))
