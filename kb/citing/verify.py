"""依据核查: find the documents, clauses and standards a text cites and check each against kb.

:func:`find_citations` reads ``《title》（文号）第X部分第Y条``, ``《title》第十五条``,
``《title》（文号）``, a bare 文号 (``青财督〔2024〕58号第8条``) and standard codes
(``QP-CQ-0012``, ``QP-CQ-0012，第2版``), with 文号 in any bracket style and spaces anywhere.
A list of clauses (``第四部分第8条、第9条``) gives one citation per clause, each spanning its
own words; later ones inherit the higher levels (第四部分) of the first. A range
(``第8条至第10条``) gives its two ends.
``（以下简称《实施方案》）`` defines an abbreviation that later ``《实施方案》`` citations resolve to.

:func:`verify` matches every citation: documents by canonical 文号 first, then by title with
spaces and character widths ignored, also when the cited title is the 印发 notice's; standards by
code or by name (also bare names in running text). Statuses are on a day (default today):

* documents: ``in_force`` (found, and the clause if one is cited), ``clause_not_found``,
  ``unknown_document``, ``not_yet_in_force`` (the day is before its issue date). Documents have
  no status field yet: one that is found is treated as in force from its issue date. A status
  (现行有效/已修订/已废止/失效, with the successor and the dates) would let this report documents
  that were replaced or repealed, and annual plans whose year has passed.
* standards: ``in_force``, ``superseded`` (by the version in force that day, or — with no later
  version in kb — expired on its end date, naming current standards for the same item, region
  and grade), ``repealed``, ``not_yet_in_force``, ``not_published`` (draft or consultation),
  ``unknown_standard``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import documents
from kb import standards
from kb.citing.basis import find_clause
from kb.citing.citations import cite_clause
from kb.citing.citations import clause_words
from kb.citing.citations import document_permalink
from kb.citing.citations import effective_period
from kb.citing.citations import read_clause
from kb.citing.citations import standard_permalink
from kb.documents.doc_numbers import CLOSING_BRACKETS
from kb.documents.doc_numbers import OPENING_BRACKETS
from kb.documents.doc_numbers import canonical_doc_number
from kb.documents.doc_numbers import find_doc_numbers
from kb.errors import NotFound
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.numerals import FULL
from kb.numerals import chinese_number
from kb.vocab import LabelledEnum
from kb.vocab import Status

_ARTICLE = re.compile(rf"第[{FULL}]+条")
_TITLE = re.compile(r"《([^《》\n]{1,120})》")
_NOTICE_TAIL = re.compile(r"\s{0,2}的通知")
_ALIAS = re.compile(r"\s{0,2}[（(]\s*(?:以下)?简称\s*《([^《》]{1,40})》\s*[）)]")
_AFTER_NUMBER = re.compile(r"\s{0,2}(?:文件|文)?")
_CODE = re.compile(
    r"(?<![A-Za-z0-9-])([A-Z]{2,4}(?:-[A-Z]{2,4})?-[0-9]{3,6})(?![A-Za-z0-9-])"
    r"(?:\s*[，,]\s*第\s*([0-9]+)\s*版)?"
)
# A list or a range of clauses: a range is checked at its two ends.
_JOIN = re.compile(r"\s{0,2}(?:、|以及|和|及|与|或|至|到|～|~|—)\s{0,2}")
_REPLACED_BY = re.compile(r"由\s*([A-Z]{2,4}(?:-[A-Z0-9]{2,6})+)[^。；;]{0,60}?(?:替代|取代|代替)")
_UNPUBLISHED = {Status.DRAFT: "草案", Status.CONSULTATION: "征求意见稿"}
_NOTICE_TITLE = re.compile(r"关于(?:印发|转发|发布|下发|颁发|修订)(.+)的通知")


class CitationStatus(LabelledEnum):
    IN_FORCE = ("in_force", "现行有效")
    SUPERSEDED = ("superseded", "已被修订")
    REPEALED = ("repealed", "已废止")
    NOT_YET_IN_FORCE = ("not_yet_in_force", "尚未施行")
    NOT_PUBLISHED = ("not_published", "未发布")
    CLAUSE_NOT_FOUND = ("clause_not_found", "条款未找到")
    UNKNOWN_DOCUMENT = ("unknown_document", "未收录的文件")
    UNKNOWN_STANDARD = ("unknown_standard", "未收录的标准")

    @classmethod
    def title(cls) -> str:
        return "核查结果"


@dataclass(frozen=True)
class FoundCitation:
    """One citation in a text: its words, offsets, and what it names.

    ``clause`` is the clause in canonical words (``第四部分第9条``, also for ``、第9条``),
    ``clause_path`` its path (``四.9``); ``code``/``version`` are set for standards.
    """

    raw: str
    start: int
    end: int
    title: str | None = None
    doc_number: str | None = None
    clause: str | None = None
    clause_path: str | None = None
    code: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class VerifiedCitation:
    """A found citation with its match in kb, its status and a message in Chinese."""

    found: FoundCitation
    status: CitationStatus
    message: str
    document_id: int | None = None
    document_title: str | None = None
    clause_path: str | None = None
    code: str | None = None
    version: int | None = None
    successor_code: str | None = None
    successor_version: int | None = None
    citation: str | None = None
    permalink: str | None = None


# -- finding ---------------------------------------------------------------------------------


def find_citations(text: str) -> list[FoundCitation]:
    """Every citation of a document, clause or standard code in ``text``, in text order."""
    found: list[FoundCitation] = []
    taken: list[tuple[int, int]] = []
    aliases: dict[str, tuple[str, str | None]] = {}
    for match in _TITLE.finditer(text):
        if _inside(taken, match.start()):
            continue
        title, number = aliases.get(_normal(match.group(1)), (match.group(1), None))
        number, pos = _bracketed_number(text, match.end(), number)
        alias = _ALIAS.match(text, pos)
        if alias:
            aliases[_normal(alias.group(1))] = (title, number)
            taken.append((alias.start(), alias.end()))
        cited = FoundCitation("", match.start(), pos, title, number)
        found += _with_clauses(text, cited, pos, taken)
    for match in _CODE.finditer(text):
        if not _inside(taken, match.start()):
            version = int(match.group(2)) if match.group(2) else None
            found.append(
                FoundCitation(match.group(0), *match.span(), code=match.group(1), version=version)
            )
            taken.append(match.span())
    for number, start, end in find_doc_numbers(text):
        if not _inside(taken, start):
            pos = _AFTER_NUMBER.match(text, end).end()
            found += _with_clauses(text, FoundCitation("", start, end, None, number), pos, taken)
    return sorted(found, key=lambda f: (f.start, f.end))


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    return any(start <= position < end for start, end in spans)


def _normal(title: str) -> str:
    """A title with spaces, 〈〉 marks and character-width differences taken out."""
    text = unicodedata.normalize("NFKC", title)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "〈〉<>《》")


def _bracketed_number(text: str, pos: int, number: str | None) -> tuple[str | None, int]:
    """A 文号 in brackets right after a title (also after 的通知), and where it ends."""
    notice = _NOTICE_TAIL.match(text, pos)
    start = notice.end() if notice else pos
    while start < len(text) and text[start] in " \t\u3000":
        start += 1
    if start < len(text) and text[start] in OPENING_BRACKETS:
        for close in range(start + 2, min(len(text), start + 48)):
            if text[close] in CLOSING_BRACKETS:
                canonical = canonical_doc_number(text[start + 1 : close])
                if canonical:
                    return canonical, close + 1
    return number, pos


def _with_clauses(
    text: str, cited: FoundCitation, pos: int, taken: list[tuple[int, int]]
) -> list[FoundCitation]:
    """``cited`` once per clause that follows it (or once, alone), marking the spans taken."""
    clauses = _read_clauses(text, pos)
    if not clauses:
        taken.append((cited.start, cited.end))
        return [replace(cited, raw=text[cited.start : cited.end])]
    results = []
    for index, (path, start, end) in enumerate(clauses):
        start = cited.start if index == 0 else start
        results.append(
            replace(
                cited,
                raw=text[start:end],
                start=start,
                end=end,
                clause=clause_words(path),
                clause_path=path,
            )
        )
    taken.append((cited.start, clauses[-1][2]))
    return results


def _read_clauses(text: str, pos: int) -> list[tuple[str, int, int]]:
    """Clause references from ``pos``: ``(path, start, end)`` for each clause listed."""
    clauses: list[tuple[str, int, int]] = []
    above: tuple[tuple[int, str], ...] = ()
    while True:
        clause = read_clause(text, pos, above=above, bare_point=bool(clauses))
        if clause is None:
            return clauses
        clauses.append((clause.path, clause.start, clause.end))
        above = clause.segments
        join = _JOIN.match(text, clause.end)
        if join is None:
            return clauses
        pos = join.end()


# -- verifying -------------------------------------------------------------------------------


def verify(session: Session, text: str, *, on: dt.date | None = None) -> list[VerifiedCitation]:
    """Every citation in ``text``, matched to kb, with its status on ``on`` (default today)."""
    day = on or dt.date.today()
    found = find_citations(text)
    found = sorted(
        found + _find_standard_names(session, text, found), key=lambda f: (f.start, f.end)
    )
    index = _DocumentIndex(session)
    return [_verify_one(session, index, citation, day) for citation in found]


def _find_standard_names(
    session: Session, text: str, found: list[FoundCitation]
) -> list[FoundCitation]:
    """Standard names written out in running text (six characters or more), longest first."""
    names = session.execute(select(StandardVersion.name, Standard.code).join(Standard)).all()
    by_name = {name: code for name, code in sorted(names, key=lambda r: r.code)}
    taken = [(f.start, f.end) for f in found]
    codes = {f.start: f.code for f in found if f.code}
    results = []
    for name in sorted(by_name, key=len, reverse=True):
        start = text.find(name) if len(name) >= 6 else -1
        while start >= 0:
            end = start + len(name)
            followed_by_code = any(end <= s <= end + 3 for s in codes)
            if not followed_by_code and not any(s < end and start < e for s, e in taken):
                results.append(FoundCitation(name, start, end, code=by_name[name]))
                taken.append((start, end))
            start = text.find(name, end)
    return results


class _DocumentIndex:
    """Documents by canonical 文号 and by normalised title, loaded once per :func:`verify`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = session.execute(select(Document.id, Document.title, Document.doc_number)).all()
        self.by_number = {r.doc_number: r.id for r in rows if r.doc_number}
        self.by_title = {_normal(r.title): r.id for r in rows}

    def find(self, doc_number: str | None, title: str | None) -> Document | None:
        key = self.by_number.get(doc_number) if doc_number else None
        if key is None and title:
            key = self.by_title.get(_cited_title(title))
        return documents.get(self.session, key) if key is not None else None


def _cited_title(title: str) -> str:
    """The normalised title, or the issued document's if ``title`` is its 印发 notice's."""
    normal = _normal(title)
    notice = _NOTICE_TITLE.search(normal)
    return notice.group(1) if notice else normal


def _verify_one(
    session: Session, index: _DocumentIndex, found: FoundCitation, day: dt.date
) -> VerifiedCitation:
    if found.code:
        return _verify_standard(session, found, found.code, day)
    document = index.find(found.doc_number, found.title)
    if document is not None:
        return _verify_document(document, found, day)
    if found.title and not found.doc_number:
        code = session.scalar(
            select(Standard.code)
            .join(StandardVersion)
            .where(StandardVersion.name == found.title.strip())
        )
        if code:
            return _verify_standard(session, found, code, day)
    named = f"《{found.title}》" if found.title else ""
    number = f"（{found.doc_number}）" if found.doc_number else ""
    return VerifiedCitation(
        found, CitationStatus.UNKNOWN_DOCUMENT, f"知识库未收录{named}{number}，无法核查"
    )


def _verify_document(document: Document, found: FoundCitation, day: dt.date) -> VerifiedCitation:
    cited = cite_clause(document.title, document.doc_number)
    notes = _mismatches(document, found)
    clause = _find_clause(document, found.clause_path) if found.clause_path else None
    path = clause.path if clause else None
    result = VerifiedCitation(
        found,
        CitationStatus.IN_FORCE,
        "",
        document.id,
        document.title,
        path,
        citation=cite_clause(document.title, document.doc_number, path),
        permalink=document_permalink(document, path),
    )
    if found.clause_path and clause is None:
        hint = _where_else(document, found.clause_path)
        message = f"已收录{cited}，但其中没有{found.clause}{hint}"
        return replace(result, status=CitationStatus.CLAUSE_NOT_FOUND, message=message + notes)
    if document.issued_on and day < document.issued_on:
        message = f"{cited}于{document.issued_on.isoformat()}印发，{day.isoformat()}尚未印发"
        return replace(result, status=CitationStatus.NOT_YET_IN_FORCE, message=message + notes)
    where = f"，{clause_words(clause.path)}为“{clause.label}{clause.heading}”" if clause else ""
    return replace(
        result, message=f"已收录{cited}{where}；文件未记录废止或修订，按现行有效处理{notes}"
    )


def _mismatches(document: Document, found: FoundCitation) -> str:
    notes = ""
    if found.doc_number and document.doc_number and found.doc_number != document.doc_number:
        notes += f"；注意：引用文号{found.doc_number}与库中文号{document.doc_number}不符"
    if found.title and _cited_title(found.title) != _normal(document.title):
        notes += f"；注意：引用标题与库中标题《{document.title}》不同"
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


def _verify_standard(
    session: Session, found: FoundCitation, code: str, day: dt.date
) -> VerifiedCitation:
    try:
        standard = standards.find(session, code)
    except NotFound:
        return VerifiedCitation(
            found, CitationStatus.UNKNOWN_STANDARD, f"知识库未收录编号为 {code} 的标准", code=code
        )
    in_force = standards.version_on(standard, day)
    if found.version is not None:
        cited = next((v for v in standard.versions if v.version == found.version), None)
        if cited is None:
            message = f"标准 {code} 没有第{found.version}版"
            return VerifiedCitation(found, CitationStatus.UNKNOWN_STANDARD, message, code=code)
    else:
        cited = in_force or standards.current_version(standard)
    result = VerifiedCitation(
        found,
        CitationStatus.IN_FORCE,
        "",
        code=code,
        version=cited.version,
        permalink=standard_permalink(cited),
    )
    label = f"{cited.name}（{code}，第{cited.version}版）"
    if standards.in_force_on(cited, day):
        return replace(
            result, message=f"{label}在{day.isoformat()}现行有效{_upcoming(standard, cited, day)}"
        )
    if in_force is not None:
        period = effective_period(in_force.effective_from, in_force.effective_to)
        message = f"{label}已被第{in_force.version}版取代" + (f"（{period}）" if period else "")
        return replace(
            result,
            status=CitationStatus.SUPERSEDED,
            message=message,
            successor_code=code,
            successor_version=in_force.version,
        )
    return _not_in_force(session, result, cited, label, day)


def _upcoming(standard: Standard, cited: StandardVersion, day: dt.date) -> str:
    later = [
        v
        for v in standard.versions
        if v.version > cited.version
        and Status(v.status).published
        and v.effective_from
        and v.effective_from > day
    ]
    return (
        f"；第{later[0].version}版将于{later[0].effective_from.isoformat()}起施行" if later else ""
    )


def _not_in_force(
    session: Session, result: VerifiedCitation, cited: StandardVersion, label: str, day: dt.date
) -> VerifiedCitation:
    status = Status(cited.status)
    if not status.published:
        return replace(
            result,
            status=CitationStatus.NOT_PUBLISHED,
            message=f"{label}为{_UNPUBLISHED[status]}，尚未发布施行",
        )
    if cited.effective_from and day < cited.effective_from:
        message = f"{label}自{cited.effective_from.isoformat()}起施行，{day.isoformat()}尚未施行"
        return replace(result, status=CitationStatus.NOT_YET_IN_FORCE, message=message)
    ended = f"已于{cited.effective_to.isoformat()}失效" if cited.effective_to else "已失效"
    if status is Status.REPEALED:
        return replace(result, status=CitationStatus.REPEALED, message=f"{label}{ended}（已废止）")
    named = _named_successor(session, cited, day)
    others = [named] if named else _current_alternatives(session, cited, day)
    if others:
        listed = "、".join(f"{v.code}（第{v.version}版）" for v in others)
        source = "备注所载替代标准" if named else "库中同地区、同事项、同等级的现行标准"
        tail = f"；{source}：{listed}"
        result = replace(result, successor_code=others[0].code, successor_version=others[0].version)
    else:
        tail = "；库中没有后续版本"
    message = f"{label}{ended}（{status.label}）{tail}"
    return replace(result, status=CitationStatus.SUPERSEDED, message=message)


def _named_successor(
    session: Session, cited: StandardVersion, day: dt.date
) -> StandardVersion | None:
    """The standard the notes say replaced this one (``已由QP-CQ-0011…替代``), if in kb."""
    match = _REPLACED_BY.search(cited.notes or "")
    if match is None:
        return None
    found = standards.by_codes(session, [match.group(1)])
    return (
        (standards.version_on(found[0], day) or standards.current_version(found[0]))
        if found
        else None
    )


def _current_alternatives(
    session: Session, cited: StandardVersion, day: dt.date
) -> list[StandardVersion]:
    """Other standards for the same item, region, grade and kind that are in force on ``day``."""
    if not cited.item:
        return []
    codes = session.scalars(
        select(Standard.code)
        .join(StandardVersion)
        .distinct()
        .where(
            StandardVersion.item == cited.item,
            StandardVersion.region == cited.region,
            StandardVersion.kind == cited.kind,
            Standard.id != cited.standard_id,
        )
    ).all()
    found = [standards.version_on(s, day) for s in standards.by_codes(session, list(codes))]
    return sorted(
        (v for v in found if v is not None and v.grade == cited.grade), key=lambda v: v.code
    )
