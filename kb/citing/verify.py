"""依据核查: check every citation a text makes against kb (finding them is :mod:`kb.citing.finding`).

:func:`verify` matches every citation: documents by canonical 文号 first, then by title with
spaces and character widths ignored (the document's own, its measure's, or the 印发 notice's);
standards by code or by name (also bare names in running text). Statuses are on a day (default
today):

* documents: their recorded status read with their dates (:func:`kb.citing.basis.document_state`)
  — ``in_force``, ``amended`` (已修订, still citable), ``superseded`` (replaced, naming the
  successor), ``repealed``, ``not_yet_in_force`` — or, with none recorded, inferred from the
  standards resting on them (said so in the message), else treated as in force. A clause is
  checked where kb holds the text (``clause_not_found``); a document without its text is
  reported as 未收录全文 with the clause unchecked. ``unknown_document`` when kb has no record.
* standards: ``in_force``, ``superseded`` (by the version in force that day, or — with no later
  version in kb — expired on its end date, naming current standards for the same item, region
  and grade, else the document that replaced its basis), ``repealed``, ``not_yet_in_force``
  (before any version applied: the first to come), ``not_published`` (draft or consultation),
  ``unknown_standard``. A document cited by title alone is the edition of that name in force
  that day, else the last to have started, else the first to come.

An illustrative (示例) standard keeps its status, is flagged ``illustrative`` and its message
starts with 示例，不得作为依据. The text is limited to :data:`MAX_TEXT_CHARACTERS` characters,
checked before any work starts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import load_only

from kb import documents
from kb.citing.basis import DocumentState
from kb.citing.basis import document_state
from kb.citing.basis import find_clause
from kb.citing.citations import cite_clause
from kb.citing.citations import clause_words
from kb.citing.citations import document_permalink
from kb.citing.citations import effective_period
from kb.citing.finding import FoundCitation
from kb.citing.finding import Spans
from kb.citing.finding import find_citations
from kb.citing.outcomes import ILLUSTRATIVE_WARNING  # noqa: F401 - part of this module's surface
from kb.citing.outcomes import CitationStatus
from kb.citing.outcomes import TextTooLong
from kb.citing.outcomes import VerifiedCitation
from kb.citing.standard_checks import verify_standard
from kb.documents.catalogue import cited_name
from kb.documents.catalogue import measure_of
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.numerals import FULL
from kb.numerals import chinese_number
from kb.text import title_key
from kb.vocab import DocumentStatus

__all__ = ["MAX_TEXT_CHARACTERS", "CitationStatus", "VerifiedCitation", "find_citations", "verify"]

#: The longest text 依据核查 takes (a long review opinion is some 20,000 characters).
MAX_TEXT_CHARACTERS = 200_000

_ARTICLE = re.compile(rf"第[{FULL}]+条")


def check_length(text: str, limit: int = MAX_TEXT_CHARACTERS) -> None:
    """Refuse a text over ``limit`` characters before any work is done.

    :raises TextTooLong: with the length and the limit in the details.
    """
    if len(text) > limit:
        raise TextTooLong(
            f"文本共 {len(text):,} 个字符，超过依据核查的上限 {limit:,} 个字符，请分段核查",
            {"length": len(text), "limit": limit},
        )


# -- verifying -------------------------------------------------------------------------------


def verify(
    session: Session,
    text: str,
    *,
    on: dt.date | None = None,
    limit: int | None = MAX_TEXT_CHARACTERS,
) -> list[VerifiedCitation]:
    """Every citation in ``text``, matched to kb, with its status on ``on`` (default today).

    :raises TextTooLong: ``text`` is longer than ``limit`` (``None``: no limit, for the CLI).
    """
    if limit is not None:
        check_length(text, limit)
    day = on or dt.date.today()
    found = find_citations(text)
    by_name = _standard_names(session)
    found = sorted(
        found + _find_standard_names(by_name, text, found), key=lambda f: (f.start, f.end)
    )
    checker = _Checker(session, day, by_name)
    return [checker.check(citation) for citation in found]


def _standard_names(session: Session) -> dict[str, tuple[str, int | None]]:
    """Every standard name → its code, and the version it names when only one version of a
    code with several bears it (``…（上海市·部级，2014版）`` is RS-CL-007 第1版)."""
    rows = session.execute(
        select(StandardVersion.name, Standard.code, StandardVersion.version).join(Standard)
    ).all()
    versions: dict[str, int] = {}
    bearing: dict[tuple[str, str], list[int]] = {}
    for name, code, version in rows:
        versions[code] = versions.get(code, 0) + 1
        bearing.setdefault((name, code), []).append(version)
    by_name: dict[str, tuple[str, int | None]] = {}
    for (name, code), numbers in sorted(bearing.items(), key=lambda item: item[0][1]):
        one = numbers[0] if len(numbers) == 1 and versions[code] > 1 else None
        by_name[name] = (code, one)
    return by_name


def _find_standard_names(
    by_name: dict[str, tuple[str, int | None]], text: str, found: list[FoundCitation]
) -> list[FoundCitation]:
    """Standard names written out in running text (six characters or more), longest first."""
    taken = Spans()
    for f in found:
        taken.add(f.start, f.end)
    code_starts = {f.start for f in found if f.code}
    results = []
    for name in sorted(by_name, key=len, reverse=True):
        start = text.find(name) if len(name) >= 6 else -1
        while start >= 0:
            end = start + len(name)
            followed_by_code = any(end + gap in code_starts for gap in range(4))
            if not followed_by_code and not taken.overlaps(start, end):
                code, version = by_name[name]
                results.append(FoundCitation(name, start, end, code=code, version=version))
                taken.add(start, end)
            start = text.find(name, end)
    return results


_DOCUMENT_FACTS = (
    Document.id,
    Document.slug,
    Document.title,
    Document.measure_title,
    Document.doc_number,
    Document.issued_on,
    Document.effective_from,
    Document.effective_to,
    Document.status,
    Document.replaced_by,
)


class _Checker:
    """Checks citations on one day, loading each document and standard name once."""

    def __init__(
        self, session: Session, day: dt.date, by_name: dict[str, tuple[str, int | None]]
    ) -> None:
        self.session = session
        self.day = day
        self.by_name = by_name
        # Titles and dates only: a document's text is loaded when a citation names it.
        rows = session.scalars(
            select(Document).order_by(Document.id).options(load_only(*_DOCUMENT_FACTS))
        ).all()
        self.by_number = {d.doc_number: d.id for d in rows if d.doc_number}
        self.by_title: dict[str, list[Document]] = {}
        for document in rows:
            for name in {document.title, document.measure_title, measure_of(document.title)}:
                if name:
                    self.by_title.setdefault(title_key(name), []).append(document)
        self.loaded: dict[int, Document] = {}
        self.standards: dict[tuple[str, int | None], VerifiedCitation] = {}
        self.states: dict[int, DocumentState] = {}

    def check(self, found: FoundCitation) -> VerifiedCitation:
        if found.code:
            return self.standard(found, found.code)
        document = self.find(found.doc_number, found.title)
        if document is not None:
            if document.id not in self.states:
                self.states[document.id] = document_state(self.session, document, on=self.day)
            return _verify_document(document, found, self.day, self.states[document.id])
        if found.title and not found.doc_number and found.title.strip() in self.by_name:
            code, version = self.by_name[found.title.strip()]
            return self.standard(replace(found, version=version), code)
        named = f"《{found.title}》" if found.title else ""
        number = f"（{found.doc_number}）" if found.doc_number else ""
        return VerifiedCitation(
            found,
            CitationStatus.UNKNOWN_DOCUMENT,
            f"知识库未收录{named}{number}，无法核查",
            doc_number=found.doc_number,
        )

    def standard(self, found: FoundCitation, code: str) -> VerifiedCitation:
        """A standard's check, done once per code and version cited however often."""
        key = (code, found.version)
        if key not in self.standards:
            self.standards[key] = verify_standard(self.session, found, code, self.day)
        return replace(self.standards[key], found=found)

    def find(self, doc_number: str | None, title: str | None) -> Document | None:
        key = self.by_number.get(doc_number) if doc_number else None
        if key is None and doc_number:
            # Running text may run into the issuer's abbreviation (另据…青财督〔2024〕58号):
            # a known 文号 that the one read ends with is the one meant.
            key = next(
                (
                    self.by_number[doc_number[i:]]
                    for i in range(1, 8)
                    if doc_number[i:] in self.by_number
                ),
                None,
            )
        if key is None and title:
            candidates = self.by_title.get(_cited_title(title)) or self.by_title.get(
                title_key(title)
            )
            if candidates:
                key = _on_day(candidates, self.day).id
        if key is None:
            return None
        if key not in self.loaded:
            self.loaded[key] = documents.get(self.session, key)
        return self.loaded[key]


def _on_day(candidates: list[Document], day: dt.date) -> Document:
    """Of documents of one name (a measure's 2013 and 2016 versions), the one in force on ``day``;
    with none, the last to have started by then, or before any has started the first to come."""

    def start(document: Document) -> dt.date | None:
        return document.effective_from or document.issued_on

    def applies(document: Document) -> bool:
        end = document.effective_to
        return (start(document) is None or start(document) <= day) and (end is None or day <= end)

    def latest(document: Document) -> tuple[dt.date, int]:
        return (start(document) or dt.date.min, document.id)

    in_force = [d for d in candidates if applies(d)]
    if in_force:
        return max(in_force, key=latest)
    started = [d for d in candidates if start(d) is None or start(d) <= day]
    if started:
        return max(started, key=latest)
    return min(candidates, key=lambda d: (start(d), d.id))


def _cited_title(title: str) -> str:
    """The normalised title, or the issued measure's if ``title`` is its 印发 notice's."""
    return title_key(measure_of(title) or title)


def _verify_document(
    document: Document, found: FoundCitation, day: dt.date, state: DocumentState
) -> VerifiedCitation:
    cited = cite_clause(cited_name(document), document.doc_number)
    notes = _mismatches(document, found)
    held = document.text_held
    clause = _find_clause(document, found.clause_path) if found.clause_path and held else None
    path = clause.path if clause else None
    words = found.clause if found.clause_path and not held else None
    result = VerifiedCitation(
        found,
        CitationStatus.IN_FORCE,
        "",
        document.id,
        document.title,
        path,
        citation=cite_clause(cited_name(document), document.doc_number, path) + (words or ""),
        permalink=document_permalink(document, path),
        text_held=held,
        doc_number=document.doc_number,
    )
    if found.clause_path and held and clause is None:
        hint = _where_else(document, found.clause_path)
        message = f"已收录{cited}，但其中没有{found.clause}{hint}"
        return replace(result, status=CitationStatus.CLAUSE_NOT_FOUND, message=message + notes)
    where = f"，{clause_words(clause.path)}为“{clause.label}{clause.heading}”" if clause else ""
    if not held:
        where = "（未收录全文" + (f"，{found.clause}未核对）" if found.clause else "）")
    start = document.effective_from or document.issued_on
    if state.status is None and start and day < start:
        if document.effective_from:
            message = f"{cited}自{start.isoformat()}起施行，{day.isoformat()}尚未施行"
        else:
            message = f"{cited}于{start.isoformat()}印发，{day.isoformat()}尚未印发"
        return replace(result, status=CitationStatus.NOT_YET_IN_FORCE, message=message + notes)
    inferred = "（据库中标准推断）" if state.inferred else ""
    result = replace(result, status_inferred=state.inferred)
    if state.status is None:
        message = f"已收录{cited}{where}；文件未记录废止或修订，按现行有效处理{notes}"
        return replace(result, message=message)
    if state.status in (DocumentStatus.IN_FORCE, DocumentStatus.AMENDED):
        status = (
            CitationStatus.AMENDED
            if state.status is DocumentStatus.AMENDED
            else CitationStatus.IN_FORCE
        )
        period = effective_period(document.effective_from, None)
        tail = f"（{period}）" if period else ""
        message = f"{cited}{where}{state.status.label}{tail}{notes}"
        return replace(result, status=status, message=message)
    if state.status is DocumentStatus.NOT_YET:
        since = (
            f"自{document.effective_from.isoformat()}起施行，" if document.effective_from else ""
        )
        message = f"{cited}{where}{since}{day.isoformat()}尚未施行{notes}"
        return replace(result, status=CitationStatus.NOT_YET_IN_FORCE, message=message)
    ended = f"已于{document.effective_to.isoformat()}失效" if document.effective_to else "已失效"
    successor = ""
    if state.successor is not None:
        successor = "，现行文件为" + cite_clause(
            cited_name(state.successor), state.successor.doc_number
        )
        result = replace(
            result,
            successor_doc_number=state.successor.doc_number,
            successor_title=state.successor.title,
        )
    elif state.successor_number:
        successor = f"，由{state.successor_number}替代"
        result = replace(result, successor_doc_number=state.successor_number)
    if (
        state.status is DocumentStatus.REPEALED
        and not state.successor_number
        and not (state.successor)
    ):
        message = f"{cited}{where}{ended}（已废止{inferred}）{notes}"
        return replace(result, status=CitationStatus.REPEALED, message=message)
    label = state.status.label
    message = f"{cited}{where}{ended}（{label}{inferred}）{successor}{notes}"
    status = (
        CitationStatus.REPEALED
        if state.status is DocumentStatus.REPEALED
        else CitationStatus.SUPERSEDED
    )
    return replace(result, status=status, message=message)


def _mismatches(document: Document, found: FoundCitation) -> str:
    notes = ""
    if found.doc_number and document.doc_number and found.doc_number != document.doc_number:
        notes += f"；注意：引用文号{found.doc_number}与库中文号{document.doc_number}不符"
    known = {title_key(n) for n in (document.title, document.measure_title) if n}
    if (
        found.title
        and _cited_title(found.title) not in known
        and title_key(found.title) not in known
    ):
        notes += f"；注意：引用标题与库中标题《{cited_name(document)}》不同"
    return notes


def _find_clause(document: Document, path: str) -> Clause | None:
    """The clause at ``path``, also an item cited without its part, or 第八条 meaning item 8."""
    clause = find_clause(document, path)
    if clause is not None:
        return clause
    if _ARTICLE.fullmatch(path) and not any("条" in c.path for c in document.clauses):
        return _find_clause(document, str(chinese_number(path[1:-1])))
    if path.isdigit():
        # 第15条 is an item (四.15) in plans numbered 1. 2. …, an article in 办法 numbered 第15条.
        matches = [c for c in document.clauses if c.path.split(".")[-1] in (path, f"第{path}条")]
        return matches[0] if len(matches) == 1 else None
    return None


def _where_else(document: Document, path: str) -> str:
    """Where an item cited under the wrong part is: ``（第8条位于第四部分）``."""
    last = path.split(".")[-1]
    elsewhere = [c for c in document.clauses if c.path != path and c.path.split(".")[-1] == last]
    if len(elsewhere) != 1 or "." not in elsewhere[0].path:
        return ""
    return f"（{clause_words(last)}位于{clause_words(elsewhere[0].path.rsplit('.', 1)[0])}）"
