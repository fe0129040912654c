"""The 依据 of a standard: parse ``《title》（文号）clause`` references and match them to kb."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.documents.doc_numbers import find_doc_numbers
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.numerals import FULL
from kb.numerals import SMALL

_TITLE = re.compile(r"《([^《》]+)》")
_PART = re.compile(rf"第([{SMALL}]+)部分")
_ITEM = re.compile(r"第([0-9]+)(?:条|项|点)")
_ARTICLE = re.compile(rf"第([{FULL}]+)条")


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
    """The clause path a citation names: ``第四部分第8条`` → ``四.8``, ``第十五条`` → ``第十五条``."""
    part = _PART.search(text)
    item = _ITEM.search(text)
    if part and item:
        return f"{part.group(1)}.{item.group(1)}"
    if part:
        return part.group(1)
    article = _ARTICLE.search(text)
    if article:
        return f"第{article.group(1)}条"
    return None


def find_document(session: Session, ref: BasisRef) -> Document | None:
    """The document a reference names, by canonical 文号 first, then by exact title."""
    if ref.doc_number:
        found = session.scalar(select(Document).where(Document.doc_number == ref.doc_number))
        if found is not None:
            return found
    if ref.title:
        return session.scalar(select(Document).where(Document.title == ref.title))
    return None


def find_clause(document: Document, path: str) -> Clause | None:
    """The clause at ``path``; an article (第X条) also matches under its chapter (第二章.第X条)."""
    for clause in document.clauses:
        if clause.path == path or clause.path.endswith(f".{path}") and path.startswith("第"):
            return clause
    return None


def resolve(session: Session, text: str | None) -> list[ResolvedBasis]:
    """Every reference of a basis, matched to kb documents and clauses where possible."""
    resolved = []
    for ref in parse_basis(text):
        document = find_document(session, ref)
        clause = None
        if document is not None and ref.clause_path:
            clause = find_clause(document, ref.clause_path)
        resolved.append(ResolvedBasis(ref, document, clause))
    return resolved


def citing_versions(session: Session, document: Document) -> list[StandardVersion]:
    """Current-looking versions whose basis names ``document`` by 文号 or title."""
    needles = [n for n in (document.doc_number, document.title) if n]
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
    return [v for v in latest.values() if _names(v.basis or "", document)]


def _names(basis: str, document: Document) -> bool:
    return any(
        (ref.doc_number and ref.doc_number == document.doc_number) or ref.title == document.title
        for ref in parse_basis(basis)
    )
