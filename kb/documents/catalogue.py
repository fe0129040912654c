"""The catalogue of documents: what kb knows of each document's life, with or without its text.

A document enters the catalogue three ways: its text is ingested (:func:`kb.documents.write`),
a row of the documents interchange file describes it (:func:`store_entries`), or a standard's
basis names it (:func:`ensure`, a record 未收录全文). All three meet in one record, found by
canonical 文号 first, then by title. Reviewers change a document's status with
:func:`transition` and its facts with :func:`edit`; both are audited.

It stays whole (about 410 lines): the three ways in meet in one record, and finding, creating,
editing and transitioning it share the lookup by 文号 and title.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import fields
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.accounts import audit
from kb.accounts.permissions import Action
from kb.accounts.permissions import require_actor
from kb.documents.doc_numbers import canonical_doc_number
from kb.documents.provenance import official_sources
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.models import Document
from kb.models import User
from kb.models import utcnow
from kb.records import DocumentEntry
from kb.text import title_key
from kb.vocab import DocumentStatus
from kb.vocab import Outcome

#: The facts an entry carries, in interchange order.
ENTRY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DocumentEntry))
_NOTICE = re.compile(r"关于(?:印发|转发|发布|下发|颁发|修订)《(.+)》的通知")
_ANNEX = re.compile(r"\s*[（(]\s*附[表件][^（）()]*[）)]\s*$")
#: Values per ``IN (…)`` list when many names are looked up at once.
_CHUNK = 500


def measure_of(title: str) -> str | None:
    """The measure a 印发 notice's title issues: ``…关于印发《X》的通知`` → ``X``."""
    match = _NOTICE.search(title.replace("〈", "《").replace("〉", "》"))
    return match.group(1) if match else None


def cited_name(document: Document) -> str:
    """The title a citation uses: the measure's, else the document's own."""
    return document.measure_title or document.title


def find(
    session: Session,
    *,
    doc_number: str | None = None,
    title: str | None = None,
    on: dt.date | None = None,
) -> Document | None:
    """The document with ``doc_number``, else the one titled ``title``.

    A title matches a document's own title or its measure's (spaces and widths ignored, a
    trailing ``（附表…）`` left out); when several documents issue a measure of that name
    (its 2013 and 2016 versions), the one in force ``on`` that day is taken (a 2014 rate's
    basis is the 2013 measure), else the current one.
    """
    if doc_number:
        found = session.scalar(select(Document).where(Document.doc_number == doc_number))
        if found is not None or not title:
            return found
    if not title:
        return None
    wanted = _title_keys(title)
    found = session.scalars(
        select(Document).where(
            or_(Document.title_key.in_(wanted), Document.measure_key.in_(wanted))
        )
    ).all()
    return _preferred(list(found), on) if found else None


def _title_keys(title: str) -> set[str]:
    """The keys a title is looked up by: its own (without an annex note) and its measure's."""
    return {title_key(_ANNEX.sub("", title)), title_key(measure_of(title) or title)}


def _preferred(candidates: list[Document], on: dt.date | None = None) -> Document | None:
    """Of several documents of one name, the one in force ``on`` that day if given, else the
    one still in force, else the latest issued."""
    if not candidates:
        return None
    if on is not None and len(candidates) > 1:
        that_day = [d for d in candidates if _dated_in_force(d, on)]
        if that_day:
            return max(that_day, key=_latest)
    current = [d for d in candidates if d.status is None or DocumentStatus(d.status).current]
    pool = current or candidates
    return max(pool, key=_latest)


def _latest(document: Document) -> tuple[dt.date, int]:
    return (document.effective_from or document.issued_on or dt.date.min, document.id)


def _dated_in_force(document: Document, day: dt.date) -> bool:
    """Whether the document's dates place it in force on ``day`` (no dates: never placed)."""
    start = document.effective_from or document.issued_on
    end = document.effective_to
    if start is None and end is None:
        return False
    return (start is None or start <= day) and (end is None or day <= end)


def ensure(session: Session, *, title: str | None, doc_number: str | None) -> Document | None:
    """The document a basis names, created as a record without text when kb has none."""
    if not (title or doc_number):
        return None
    return _ensure(session, find(session, doc_number=doc_number, title=title), title, doc_number)


def ensure_all(session: Session, names: Iterable[tuple[str | None, str | None]]) -> list[Document]:
    """:func:`ensure` for every (title, 文号) in ``names``, in order; the documents it created
    or gave their 文号, for the index to follow.

    The documents those names can match are read first in a few chunked queries and looked up
    in memory as :func:`find` looks them up (a standards file names thousands, issue 16).
    """
    names = [(t, n) for t, n in dict.fromkeys(names) if t or n]
    known = _Known(session, names)
    touched: dict[int, Document] = {}
    for title, doc_number in names:
        before = known.find(doc_number, title)
        had_number = before.doc_number if before is not None else None
        document = _ensure(session, before, title, doc_number)
        if document is not None and (before is None or document.doc_number != had_number):
            touched[document.id] = document
            known.add(document)
    return list(touched.values())


class _Known:
    """The documents some names can match, indexed as :func:`find` searches (without ``on``)."""

    def __init__(self, session: Session, names: list[tuple[str | None, str | None]]) -> None:
        self.by_number: dict[str, list[Document]] = {}
        self.by_key: dict[str, set[Document]] = {}
        numbers = sorted({n for _, n in names if n})
        keys = sorted({k for t, _ in names if t for k in _title_keys(t)})
        found: set[Document] = set()
        for column, values in (
            (Document.doc_number, numbers),
            (Document.title_key, keys),
            (Document.measure_key, keys),
        ):
            for start in range(0, len(values), _CHUNK):
                chunk = values[start : start + _CHUNK]
                found.update(session.scalars(select(Document).where(column.in_(chunk))))
        for document in sorted(found, key=lambda d: d.id):
            self.add(document)

    def add(self, document: Document) -> None:
        """Index a document read, created or given a 文号."""
        if document.doc_number:
            held = self.by_number.setdefault(document.doc_number, [])
            if document not in held:
                held.append(document)
        for key in (document.title_key, document.measure_key):
            self.by_key.setdefault(key, set()).add(document)

    def find(self, doc_number: str | None, title: str | None) -> Document | None:
        """What :func:`find` gives for these names."""
        if doc_number:
            numbered = self.by_number.get(doc_number)
            if numbered or not title:
                return numbered[0] if numbered else None
        if not title:
            return None
        candidates = set().union(*(self.by_key.get(k, ()) for k in _title_keys(title)))
        return _preferred(sorted(candidates, key=lambda d: d.id)) if candidates else None


def _ensure(
    session: Session, found: Document | None, title: str | None, doc_number: str | None
) -> Document | None:
    """:func:`ensure` once the names were looked up: complete ``found``, or create one."""
    if found is not None:
        if doc_number and not found.doc_number:
            found.doc_number = doc_number
        return found
    clean = _ANNEX.sub("", title) if title else None
    document = _new(
        title=clean or doc_number or "",
        doc_number=doc_number,
        measure_title=measure_of(clean) if clean else None,
    )
    session.add(document)
    session.flush()
    return document


def _new(*, title: str, doc_number: str | None, **values: Any) -> Document:
    key = doc_number or title
    slug = "doc-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return Document(
        slug=slug,
        title=title,
        doc_number=doc_number,
        original_text="",
        text="",
        content_hash="",
        **values,
    )


def is_stub(document: Document) -> bool:
    """A record made only because a basis named it: no text, no status, no source."""
    return not document.text and document.status is None and not document.source


# -- the interchange --------------------------------------------------------------------------


def entry_of(document: Document) -> DocumentEntry:
    """What the documents file says of ``document``."""
    values = {name: getattr(document, name) for name in ENTRY_FIELDS}
    values["status"] = DocumentStatus(document.status) if document.status else None
    values["verified"] = bool(document.verified)
    return DocumentEntry(**values)


def entries(session: Session) -> list[DocumentEntry]:
    """Every document's entry, in id order, for export."""
    return [entry_of(d) for d in session.scalars(select(Document).order_by(Document.id))]


def store_entries(
    session: Session,
    items: Iterable[DocumentEntry],
    *,
    actor: User | str = "system",
    source: str | None = None,
    address: str | None = None,
) -> list[tuple[Document, Outcome]]:
    """Add or update a document per entry (matched by 文号, then title); audited as one import.

    A record made from a basis (no text, no status) is taken over by the entry of the same
    name. ``replaced_by`` must name a document in kb or in the same file.

    :raises PermissionDenied: ``actor`` may not import.
    :raises InvalidInput: a ``replaced_by`` that names no document.
    """
    require_actor(actor, Action.IMPORT)
    items = list(items)
    results = []
    for entry in items:
        document = find(session, doc_number=entry.doc_number, title=None)
        if document is None:
            document = _match_by_title(session, entry)
        if document is None:
            document = _new(title=entry.title, doc_number=entry.doc_number)
            session.add(document)
            _apply(document, entry)
            results.append((document, Outcome.ADDED))
        elif entry_of(document) == entry:
            results.append((document, Outcome.UNCHANGED))
        else:
            _apply(document, entry)
            document.updated_at = utcnow()
            results.append((document, Outcome.UPDATED))
        session.flush()
    for document, _ in results:
        if document.replaced_by and find(session, doc_number=document.replaced_by) is None:
            raise InvalidInput(
                f"《{document.title}》的替代文件 {document.replaced_by} 不在知识库中，"
                "请先导入该文件或在同一文件中列出",
                {"doc_number": document.doc_number, "replaced_by": document.replaced_by},
            )
    changed = [
        d.doc_number or d.title for d, outcome in results if outcome is not Outcome.UNCHANGED
    ]
    if changed:
        audit.record(
            session,
            actor=actor,
            action=audit.AuditAction.DOCUMENT_IMPORT,
            target=source,
            after={"documents": changed},
            address=address,
        )
    return results


def _match_by_title(session: Session, entry: DocumentEntry) -> Document | None:
    """A document with this title (and no other 文号), or a basis record of its measure."""
    wanted = title_key(entry.title)
    measure = title_key(entry.measure_title) if entry.measure_title else None
    for document in session.scalars(select(Document).order_by(Document.id)):
        if entry.doc_number and document.doc_number and document.doc_number != entry.doc_number:
            continue
        if title_key(document.title) == wanted:
            return document
        if is_stub(document) and measure and title_key(document.title) == measure:
            return document
    return None


def _apply(document: Document, entry: DocumentEntry) -> None:
    for name in ENTRY_FIELDS:
        value = getattr(entry, name)
        if name == "status" and value is not None:
            value = DocumentStatus(value).value
        setattr(document, name, value)


# -- reviewers' changes -----------------------------------------------------------------------

#: Facts a reviewer may edit, with how each is read from text.
EDITABLE: tuple[str, ...] = (
    "doc_number",
    "title",
    "measure_title",
    "issuer",
    "issued_on",
    "effective_from",
    "effective_to",
    "replaces",
    "source",
    "verified",
    "notes",
)


def edit(
    session: Session,
    key: int | str,
    changes: Mapping[str, Any],
    *,
    actor: User | str,
    address: str | None = None,
) -> Document:
    """Change a document's facts (not its status: see :func:`transition`); audited.

    :raises InvalidInput: an unknown field, a malformed 文号, ``verified`` without an official
        source, or dates that do not fit.
    :raises PermissionDenied: ``actor`` may not review.
    """
    require_actor(actor, Action.REVIEW)
    document = _get(session, key)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(unknown)}", {"fields": unknown})
    before = _facts(document)
    for name, value in changes.items():
        if name == "doc_number" and value:
            value = _doc_number(value, name)
        if name == "title" and not value:
            raise InvalidInput("标题不能为空", {"field": "title"})
        setattr(document, name, value)
    return _changed(session, document, before, actor, audit.AuditAction.DOCUMENT_EDIT, address)


def transition(
    session: Session,
    key: int | str,
    *,
    to: DocumentStatus | str,
    actor: User | str,
    effective_from: dt.date | None = None,
    effective_to: dt.date | None = None,
    replaced_by: str | None = None,
    reason: str | None = None,
    address: str | None = None,
) -> Document:
    """Set a document's status; audited with the reviewer's ``reason``.

    - ``replaced`` needs ``replaced_by`` (the successor's 文号, a document in kb) and ends the
      document the day before the successor applies, unless ``effective_to`` is given.
    - ``repealed`` needs a ``reason``; it ends on ``effective_to`` (default yesterday).
    - ``in_force``/``not_yet`` may set ``effective_from``; ``amended`` keeps the document current.

    :raises InvalidInput: a missing successor or reason, dates that do not fit.
    :raises Conflict: the document already has that status.
    :raises PermissionDenied: ``actor`` may not review.
    """
    require_actor(actor, Action.REVIEW)
    target = DocumentStatus.parse(to) if not isinstance(to, DocumentStatus) else to
    document = _get(session, key)
    if document.status == target.value and not (replaced_by or effective_from or effective_to):
        raise Conflict(f"《{document.title}》已是{target.label}", {"status": target.value})
    before = _facts(document)
    if target is DocumentStatus.REPLACED:
        if not replaced_by:
            raise InvalidInput("标为已被替代须指明替代文件的文号", {"field": "replaced_by"})
        number = _doc_number(replaced_by, "replaced_by")
        successor = find(session, doc_number=number)
        if successor is None or successor.id == document.id:
            raise InvalidInput(f"替代文件 {number} 不在知识库中", {"replaced_by": number})
        document.replaced_by = number
        start = successor.effective_from or successor.issued_on
        document.effective_to = effective_to or (start - dt.timedelta(days=1) if start else None)
    elif target is DocumentStatus.REPEALED:
        if not (reason or "").strip():
            raise InvalidInput("废止文件须说明原因", {"field": "reason"})
        document.effective_to = effective_to or dt.date.today() - dt.timedelta(days=1)
    else:
        if effective_from:
            document.effective_from = effective_from
        if effective_to:
            document.effective_to = effective_to
    document.status = target.value
    return _changed(
        session, document, before, actor, audit.AuditAction.DOCUMENT_TRANSITION, address, reason
    )


def _changed(
    session: Session,
    document: Document,
    before: dict[str, Any],
    actor: User | str,
    action: audit.AuditAction,
    address: str | None,
    detail: str | None = None,
) -> Document:
    """Check an edited document, stamp it and audit the facts that changed."""
    _check(document)
    document.updated_at = utcnow()
    after = _facts(document)
    audit.record(
        session,
        actor=actor,
        action=action,
        target=_target(document),
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        address=address,
        detail=detail,
    )
    session.flush()
    return document


def get(session: Session, key: int | str) -> Document:
    """A document by id, slug or 文号 (in any bracket style).

    :raises NotFound: when there is none.
    """
    return _get(session, key)


def _get(session: Session, key: int | str) -> Document:
    from kb import documents  # the package imports this module: import at call time

    if isinstance(key, str):
        number = canonical_doc_number(key)
        if number:
            found = find(session, doc_number=number)
            if found is None:
                raise NotFound(f"没有文号为 {number} 的文件", {"document": key})
            return found
    return documents.get(session, key)


def _doc_number(text: str, name: str) -> str:
    number = canonical_doc_number(str(text))
    if number is None:
        raise InvalidInput(f"“{text}”不是文号（应形如 财行〔2016〕214号）", {"field": name})
    return number


def _check(document: Document) -> None:
    if (
        document.effective_from
        and document.effective_to
        and document.effective_to < document.effective_from
    ):
        raise InvalidInput(
            f"失效日期 {document.effective_to.isoformat()} 早于施行日期 "
            f"{document.effective_from.isoformat()}",
            {"field": "effective_to"},
        )
    if document.verified and not official_sources(document.source):
        raise InvalidInput(
            "“已核实”须有发文机关自己发布的来源网址（如 gov.cn、mof.gov.cn），转载页不算",
            {"field": "verified"},
        )


def _facts(document: Document) -> dict[str, Any]:
    return {k: v for k, v in asdict(entry_of(document)).items()}


def _target(document: Document) -> str:
    return f"document:{document.doc_number or document.slug}"
