"""The 依据 of a standard: parse ``《title》（文号）clause`` references and match them to kb."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import standards
from kb.citing.clauses import read_clause
from kb.documents import catalogue
from kb.documents.doc_numbers import find_doc_numbers
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.vocab import DocumentStatus
from kb.vocab import Status

_TITLE = re.compile(r"《([^《》]+)》")
_CLAUSE_START = re.compile(r"第|[（(“\"]")


@dataclass(frozen=True)
class BasisRef:
    """One reference in a basis: what it says, and the clause path it points to if any."""

    raw: str
    title: str | None
    doc_number: str | None
    clause_path: str | None


@dataclass(frozen=True)
class ResolvedBasis:
    """A reference with the document and clause it was matched to (``None`` when not in kb)."""

    ref: BasisRef
    document: Document | None
    clause: Clause | None


def parse_basis(text: str | None) -> list[BasisRef]:
    """Split a basis on ``；`` and read each reference's title, 文号 and clause."""
    refs = []
    for raw in re.split(r"[；;]\s*", text or ""):
        raw = raw.strip()
        if not raw:
            continue
        titles = _TITLE.findall(raw)
        numbers = find_doc_numbers(raw)
        refs.append(
            BasisRef(
                raw=raw,
                title=titles[-1] if titles else None,
                doc_number=numbers[0][0] if numbers else None,
                clause_path=clause_path_of(raw),
            )
        )
    return refs


def clause_path_of(text: str) -> str | None:
    """The clause path a citation names: ``第四部分第8条`` → ``四.8``, ``第十五条`` → ``第十五条``.

    Read with :func:`kb.citing.clauses.read_clause` at the first clause word, the grammar every
    citing module shares.
    """
    for start in _CLAUSE_START.finditer(text):
        found = read_clause(text, start.start(), bare_point=False)
        if found is not None:
            return found.path
    return None


def find_document(session: Session, ref: BasisRef, *, on: dt.date | None = None) -> Document | None:
    """The document a reference names: by canonical 文号 first, then by its or its measure's title.

    ``on`` is the day the citing version took effect: of a measure's several editions named
    by title alone, the one in force then.
    """
    return catalogue.find(session, doc_number=ref.doc_number, title=ref.title, on=on)


def ensure_documents(session: Session, bases: Iterable[str | None]) -> list[Document]:
    """Make every document these bases name a known document (未收录全文 if kb has no text).

    Returns the documents created or completed, for the index to follow.
    """
    return catalogue.ensure_all(session, document_names(bases))


def document_names(bases: Iterable[str | None]) -> list[tuple[str | None, str | None]]:
    """The (title, 文号) of every reference in these bases, in order, for
    :func:`ensure_documents`; read without the database (``kb ingest`` reads them in the
    process that parses the file)."""
    return [
        (ref.title, ref.doc_number)
        for text in dict.fromkeys(bases)  # a file repeats a few bases in thousands of rows
        for ref in parse_basis(text)
    ]


def find_clause(document: Document, path: str) -> Clause | None:
    """The clause at ``path``; an article (第X条) also matches under its chapter (第二章.第X条)."""
    for clause in document.clauses:
        if clause.path == path or clause.path.endswith(f".{path}") and path.startswith("第"):
            return clause
    return None


def resolve(
    session: Session, text: str | None, *, on: dt.date | None = None
) -> list[ResolvedBasis]:
    """Every reference of a basis, matched to kb documents and clauses where possible; ``on``
    is the day the version resting on it took effect (see :func:`find_document`)."""
    resolved = []
    for ref in parse_basis(text):
        document = find_document(session, ref, on=on)
        clause = None
        if document is not None and ref.clause_path:
            clause = find_clause(document, ref.clause_path)
        resolved.append(ResolvedBasis(ref, document, clause))
    return resolved


def citing_versions(session: Session, document: Document) -> list[StandardVersion]:
    """Current-looking versions whose basis names ``document`` by 文号 or title."""
    return [v for v in _latest_mentioning(session, document) if names(session, v, document)]


def _latest_mentioning(session: Session, document: Document) -> list[StandardVersion]:
    """The latest version of each standard whose basis text mentions the document's 文号 or
    title (a cheap SQL filter; :func:`names` then tells whether it really rests on it)."""
    needles = [n for n in (document.doc_number, document.title, document.measure_title) if n]
    if not needles:
        return []
    rows = session.scalars(
        select(StandardVersion)
        .join(Standard)
        .where(or_(*(StandardVersion.basis.contains(n) for n in needles)))
        .order_by(Standard.code, StandardVersion.version)
    ).all()
    latest: dict[int, StandardVersion] = {}
    for row in rows:
        latest[row.standard_id] = row
    return list(latest.values())


def names(session: Session, version: StandardVersion, document: Document) -> bool:
    """Whether the basis of ``version`` names ``document``: a reference that resolves to it
    on the day the version took effect."""
    return any(
        find_document(session, ref, on=version.effective_from) is document
        for ref in parse_basis(version.basis)
    )


# -- a document's status ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentState:
    """A document's status on a day: recorded, or inferred from the standards resting on it.

    ``status`` is ``None`` when nothing is recorded and nothing can be inferred (kb then
    treats the document as in force from its dates). ``successor`` is the replacing document.
    """

    status: DocumentStatus | None
    inferred: bool = False
    successor: Document | None = None
    successor_number: str | None = None

    @property
    def label(self) -> str:
        """``现行有效``, ``已被替代（推断）``, or ``未记录状态``."""
        if self.status is None:
            return "未记录状态"
        return f"{self.status.label}（据库中标准推断）" if self.inferred else self.status.label


def document_state(
    session: Session, document: Document, *, on: dt.date | None = None
) -> DocumentState:
    """The status of ``document`` on ``on`` (default today).

    A recorded status is read with the dates: a replaced or repealed document was in force up
    to its end date, one not yet in force applies from its start date. With no status recorded,
    the standards whose basis names the document tell: when none of them is in force that day
    and some in force instead rests on another document, the document is inferred replaced.
    """
    day = on or dt.date.today()
    successor = (
        catalogue.find(session, doc_number=document.replaced_by) if document.replaced_by else None
    )
    recorded = DocumentStatus(document.status) if document.status else None
    if document.effective_from and day < document.effective_from:
        return DocumentState(DocumentStatus.NOT_YET)
    ended = document.effective_to is not None and day > document.effective_to
    if recorded in (DocumentStatus.REPLACED, DocumentStatus.REPEALED):
        if document.effective_to and not ended:
            return DocumentState(DocumentStatus.IN_FORCE)
        return DocumentState(recorded, successor=successor, successor_number=document.replaced_by)
    if ended:
        status = DocumentStatus.REPLACED if document.replaced_by else DocumentStatus.REPEALED
        return DocumentState(status, successor=successor, successor_number=document.replaced_by)
    if recorded is DocumentStatus.NOT_YET:
        return DocumentState(DocumentStatus.IN_FORCE if document.effective_from else recorded)
    if recorded is not None:
        return DocumentState(recorded)
    return _inferred(session, document, day)


def _inferred(session: Session, document: Document, day: dt.date) -> DocumentState:
    mentioning = _latest_mentioning(session, document)
    # Most documents are still the basis of a standard in force: say so after the first one.
    for version in mentioning:
        now = standards.version_on(version.standard, day)
        if now is not None and names(session, now, document):
            return DocumentState(None)
    resting = [v for v in mentioning if names(session, v, document)]
    if not resting:
        return DocumentState(None)
    successors = []
    for version in resting:
        now = standards.version_on(version.standard, day)
        if now is None and Status(version.status) is Status.SUPERSEDED:
            now = _successor_version(session, version, day)
        for ref in parse_basis(now.basis if now else None):
            other = find_document(session, ref, on=now.effective_from)
            if other is not None and other.id != document.id:
                successors.append(other)
    if not successors:
        ended = all(not standards.version_on(v.standard, day) for v in resting)
        return (
            DocumentState(DocumentStatus.REPEALED, inferred=True) if ended else DocumentState(None)
        )
    first = successors[0]
    return DocumentState(
        DocumentStatus.REPLACED, inferred=True, successor=first, successor_number=first.doc_number
    )


def _successor_version(
    session: Session, version: StandardVersion, day: dt.date
) -> StandardVersion | None:
    """A version in force for the same item, region, grade and kind as a superseded one."""
    if not version.item:
        return None
    rows = session.scalars(
        select(StandardVersion).where(
            StandardVersion.item == version.item,
            StandardVersion.region == version.region,
            StandardVersion.kind == version.kind,
            StandardVersion.standard_id != version.standard_id,
        )
    ).all()
    for row in rows:
        if row.grade == version.grade and standards.in_force_on(row, day):
            return row
    return None
