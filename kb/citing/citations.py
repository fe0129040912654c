"""Citation text for clauses, documents and standards, with a permalink for each.

It stays whole (a little over 400 lines): three styles of one citation, and a standard's basis
written in the official form, share their pieces; clause words live in :mod:`kb.citing.clauses`.

Three styles sit behind one interface (:class:`Style`):

``official``
    The form used in Chinese review opinions (DESIGN §6):
    ``《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第四部分第8条``;
    for a standard ``名称（编号，第N版，YYYY-MM-DD起施行）：数值 单位；依据…``.

``gbt7714-2025`` (the default for documents) and ``gbt7714-2015``
    A reference to a document as a whole, in GB/T 7714—2025 (in force from 2026-07-01) or the
    replaced GB/T 7714—2015. Neither edition has a type for policy documents, so:

    * 2025: cited in the form of §8.12 档案 [A], whose own example is a government notice
      (湖北省建设厅…的布告：LS031-001-0001-001[A/OL]. 武汉：湖北省档案馆，1931-11-07. URL.):
      the 文号 takes the place of the 档号, the issue date that of the 形成日期, and no 引用日期
      is given for an online copy (the 2025 examples for [A/OL] and [R/OL] carry none).
      Colons and commas are fullwidth in Chinese references, full stops and brackets halfwidth,
      as in the edition's examples.
    * 2015: [Z] (其他), the usual choice for government documents under that edition, with
      halfwidth punctuation; an online copy is ``[Z/OL]. (发布日期)[引用日期]. URL.``

    Uncertain: whether [A] is meant for current policy documents (rather than archive records)
    under 2025, and the width of 2025's colon, are read from the edition's examples as published
    by third parties, not from the standard's text. Both are constants here, easy to change.

    A standard (标准库 record) in GB/T style follows the standards format (§8.9 of 2025:
    ``编号 名称[S].``; 2015: ``责任者. 名称: 编号[S]. 年.``); these are not standardisation
    documents in the GB sense, so prefer the official form for them.

Clause paths become words: ``四`` → 第四部分, ``四.8`` → 第四部分第8条, ``二.（三）`` →
第二部分第（三）项, ``一.一是`` → 第一部分“一是”, ``第二章.第十五条`` → 第十五条 (articles are
cited alone), ``四.8.（1）`` → 第四部分第8条第（1）项.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm import object_session

from kb import standards
from kb.citing.basis import document_state
from kb.citing.basis import find_clause
from kb.citing.basis import find_document
from kb.citing.basis import parse_basis
from kb.citing.clauses import ClauseReference  # noqa: F401 - part of this module's surface
from kb.citing.clauses import clause_words
from kb.citing.clauses import read_clause
from kb.documents.catalogue import cited_name
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.models import Document
from kb.models import StandardVersion
from kb.numerals import FULL
from kb.regions import CITY
from kb.regions import DISTRICT_TOWNS
from kb.vocab import DocumentStatus
from kb.vocab import Status

ILLUSTRATIVE_MARK = "【示例数据，非正式标准】"
RANGE_DASH = "–"
TYPE_2025 = "A"
TYPE_2015 = "Z"

_NUMERAL = FULL
_DISTRICT_IN_TITLE = re.compile("|".join(map(re.escape, DISTRICT_TOWNS)))
_DISTRICT_SHORT = re.compile("|".join(re.escape(d[:2]) + r"区" for d in DISTRICT_TOWNS))
_CENTRAL_ISSUER = re.compile(r"财政部|国务院|中共中央|国家|全国|中央")
_QUOTED_ARTICLE = re.compile(rf"\s*(第[{_NUMERAL}]+条)\s*[：:]")
_ANNEX_WORD = re.compile(r"附[表件]")
_TITLE_REMARK = re.compile(r"》\s*[（(]([^（）()]+)[）)]")
# 财政部关于印发《X》的通知（文号）: a notice's title written outside 书名号.
_BARE_NOTICE = re.compile(r"([^《》]*关于(?:印发|转发|发布|下发|颁发)?)《([^《》]+)》的通知(.*)")
#: Numbered standards (GB, GB/T, DB31/T, 行业标准 JGJ …): code, number, a dash and the year.
NUMBERED_STANDARD = re.compile(
    r"(?:GB|DB[0-9]{2}|[A-Z]{2,4})(?:/[TZ])?\s?[0-9]+(?:\.[0-9]+)*\s?[-—–]\s?[0-9]{4}"
)


class Style(StrEnum):
    """Citation styles; ``gbt7714`` alone means the edition in force, 2025."""

    OFFICIAL = "official"
    GBT7714_2025 = "gbt7714-2025"
    GBT7714_2015 = "gbt7714-2015"

    @classmethod
    def parse(cls, text: str | Style) -> Style:
        """The style named ``text``: official, gbt7714 (= gbt7714-2025) or gbt7714-2015.

        :raises InvalidInput: an unknown style.
        """
        wanted = str(text).strip().lower().replace("_", "-").replace("/", "")
        if wanted in ("gbt7714", "gbt-7714", "gb7714"):
            return cls.GBT7714_2025
        for style in cls:
            if wanted == style.value:
                return style
        raise InvalidInput(
            f"不支持的引用格式“{text}”，可选：official、gbt7714-2025、gbt7714-2015",
            {"style": str(text)},
        )


@dataclass(frozen=True)
class Citation:
    """Citation text, the style it is in, what it cites, and the permalink of that target.

    ``kind`` is ``"document"`` (``target`` is the slug, ``clause_path`` the clause if any) or
    ``"standard"`` (``target`` is the code, ``version`` the version number).
    """

    text: str
    style: Style
    kind: str
    target: str
    permalink: str
    version: int | None = None
    clause_path: str | None = None


def cite_clause(title: str, doc_number: str | None = None, path: str | None = None) -> str:
    """The official form: ``《title》（文号）`` followed by the clause words, if any.

    A title that holds a title (a 印发 notice's) nests it in 〈〉: ``《…关于印发〈…〉的通知》``.
    """
    title = title.replace("《", "〈").replace("》", "〉")
    number = f"（{doc_number}）" if doc_number else ""
    return f"《{title}》{number}{clause_words(path) if path else ''}"


# -- documents -------------------------------------------------------------------------------


def document_permalink(document: Document, clause_path: str | None = None) -> str:
    """``/documents/<slug>``, with ``#clause-<path>`` for a clause."""
    anchor = f"#clause-{clause_path}" if clause_path else ""
    return f"/documents/{document.slug}{anchor}"


def cite_document(
    document: Document,
    *,
    style: Style | str = Style.GBT7714_2025,
    clause_path: str | None = None,
    url: str | None = None,
    accessed: dt.date | None = None,
) -> Citation:
    """Cite ``document``, or one of its clauses, in ``style``.

    GB/T 7714 references are to the document as a whole: a clause only shapes the target and
    the permalink. ``url`` makes the reference one to an online copy; ``accessed`` is its
    引用日期 (GB/T 7714—2015 only; today when not given).

    :raises NotFound: ``clause_path`` is not a clause of the document.
    :raises InvalidInput: an unknown style.
    """
    style = Style.parse(style)
    path = None
    if clause_path and not document.text_held:
        # kb lists the document without its text: the clause is cited as given, not checked.
        read = read_clause(clause_path)
        path = read.path if read is not None and read.end == len(clause_path) else clause_path
    elif clause_path:
        clause = find_clause(document, clause_path)
        if clause is None:
            raise NotFound(
                f"《{document.title}》没有条款 {clause_path}",
                {"document": document.slug, "clause": clause_path},
            )
        path = clause.path
    if style is Style.OFFICIAL:
        text = cite_clause(cited_name(document), document.doc_number, path)
    elif style is Style.GBT7714_2025:
        text = _gbt_2025(document, url, path)
    else:
        text = _gbt_2015(document, url, accessed or dt.date.today(), path)
    if document.status and not DocumentStatus(document.status).current:
        text += f"（{DocumentStatus(document.status).label}）"
    return Citation(
        text, style, "document", document.slug, document_permalink(document, path), None, path
    )


def _gbt_2025(document: Document, url: str | None, path: str | None = None) -> str:
    author = _author(document)
    head = f"{author}. " if author else ""
    number = f"：{document.doc_number}" if document.doc_number else ""
    marker = f"[{TYPE_2025}/OL]" if url else f"[{TYPE_2025}]"
    place = _place(document)
    date = document.issued_on.isoformat() if document.issued_on else ""
    publication = "，".join(
        p for p in (f"{place}：{author}" if place and author else "", date) if p
    )
    tail = f" {publication}" if publication else ""
    where = f"：{clause_words(path)}" if path else ""
    link = f" {url}." if url else ""
    return (
        f"{head}{document.title}{number}{marker}.{tail}{where}{'.' if tail or where else ''}{link}"
    )


def _gbt_2015(
    document: Document, url: str | None, accessed: dt.date, path: str | None = None
) -> str:
    author = _author(document)
    head = f"{author}. " if author else ""
    number = f": {document.doc_number}" if document.doc_number else ""
    where = f": {clause_words(path)}" if path else ""
    if url:
        issued = f"({document.issued_on.isoformat()})" if document.issued_on else ""
        tail = f"[{TYPE_2015}/OL]. {issued}[{accessed.isoformat()}]{where}. {url}."
    else:
        place = _place(document)
        publication = ", ".join(
            p
            for p in (
                f"{place}: {author}" if place and author else "",
                document.issued_on.isoformat() if document.issued_on else "",
            )
            if p
        )
        tail = f"[{TYPE_2015}]." + (f" {publication}{where}." if publication or where else "")
    return f"{head}{document.title}{number}{tail}"


def _author(document: Document) -> str | None:
    """The 责任者: the issuer, else the government a report names as its own (上海市普陀区)."""
    if document.issuer:
        return document.issuer.replace("、", ", ")
    found = _DISTRICT_IN_TITLE.search(document.title)
    return f"{CITY}{found.group(0)}" if found else None


def _place(document: Document) -> str | None:
    """The 出版地: 北京 for central issuers, 上海 for the city's and its districts'."""
    text = f"{document.issuer or ''}{document.title}"
    if _CENTRAL_ISSUER.match(document.issuer or ""):
        return "北京"
    if CITY[:2] in text or _DISTRICT_IN_TITLE.search(text) or _DISTRICT_SHORT.search(text):
        return CITY[:2]
    return None


# -- standards -------------------------------------------------------------------------------


def standard_permalink(version: StandardVersion) -> str:
    """``/standards/<code>?version=N``: this version, whatever is current later."""
    return f"/standards/{version.code}?version={version.version}"


def cite_standard(
    version: StandardVersion | str,
    session: Session | None = None,
    *,
    style: Style | str = Style.OFFICIAL,
    on: dt.date | None = None,
) -> Citation:
    """Cite a standard version: given, or by code (needs ``session``); ``on`` picks the
    version in force that day.

    :raises NotFound: no such code, or nothing in force ``on`` that day.
    :raises InvalidInput: a code without a session, or an unknown style.
    """
    style = Style.parse(style)
    version = _version_to_cite(version, session, on)
    if style is Style.OFFICIAL:
        text = official_standard_text(version, session)
    else:
        text = _gbt_standard(version, session or _session_of(version), style)
    return Citation(
        text, style, "standard", version.code, standard_permalink(version), version.version
    )


def _gbt_standard(version: StandardVersion, session: Session | None, style: Style) -> str:
    """A standard in GB/T 7714: [S] only for a numbered standard (GB/T 7714—2015, DB31/T …).

    A figure kb records from a policy document (a 管理办法, a 通知, a 方案) is not a standard in
    the GB sense: the reference is to that document, as [A] (2025) or [Z] (2015), like any
    policy document, after the figure's name and code. With no document known it is [Z] (其他).
    The 示例 mark and a non-current status follow, as in every citation.
    """
    name = f"{version.name}（{version.code}，第{version.version}版）"
    if NUMBERED_STANDARD.fullmatch(version.code):
        if style is Style.GBT7714_2025:
            text = f"{version.code} {version.name}[S]."
        else:
            head = f"{version.issuer}. " if version.issuer else ""
            year = f" {version.effective_from.year}." if version.effective_from else ""
            text = f"{head}{version.name}: {version.code}[S].{year}"
    else:
        references = basis_references(session, version) if session is not None else []
        document = next((r.document for r in references if r.document is not None), None)
        if document is not None:
            cited = cite_document(document, style=style, clause_path=None).text
            where = references[0].clause_path if references[0].document is document else None
            text = f"{name}. 见：{cited}" + (f"（{clause_words(where)}）" if where else "")
        else:
            head = f"{version.issuer}. " if version.issuer else ""
            year = f" {version.effective_from.year}." if version.effective_from else ""
            text = f"{head}{name}[Z].{year}"
    status = Status(version.status)
    if status is not Status.IN_FORCE:
        text += f"（{status.label}）"
    return text + (ILLUSTRATIVE_MARK if version.illustrative else "")


def _version_to_cite(
    version: StandardVersion | str, session: Session | None, on: dt.date | None
) -> StandardVersion:
    if isinstance(version, str):
        if session is None:
            raise InvalidInput("按编号引用标准需要数据库会话")
        return standards.get(session, version, on=on)
    if on is None:
        return version
    found = standards.version_on(version.standard, on)
    if found is None:
        raise NotFound(
            f"标准 {version.code} 在 {on.isoformat()} 没有现行有效的版本",
            {"code": version.code, "on": on.isoformat()},
        )
    return found


def official_standard_text(version: StandardVersion, session: Session | None = None) -> str:
    """``名称（编号，第N版，日期施行[，状态]）：数值 单位；依据《办法》（文号）第X条[【示例数据…】]``.

    The basis is written in the official form when kb knows the documents it names
    (:func:`basis_references`); without a date of its own the version shows its basis's 施行日期.
    """
    session = session or _session_of(version)
    references = basis_references(session, version) if session is not None else []
    facts = [version.code, f"第{version.version}版"]
    period = effective_period(version.effective_from, version.effective_to)
    if not period and references and references[0].effective_from:
        period = f"{references[0].effective_from.isoformat()}起施行"
    if period:
        facts.append(period)
    status = Status(version.status)
    if status is not Status.IN_FORCE:
        facts.append(status.label)
    text = f"{version.name}（{'，'.join(facts)}）"
    figure = figure_text(version.value, version.value_max, version.unit)
    if figure:
        text += f"：{figure}"
    if references:
        text += f"；依据{'；'.join(r.text for r in references)}"
    elif version.basis:
        raw = [r.strip() for r in re.split(r"[；;]", version.basis) if r.strip()]
        text += f"；依据{'；'.join(raw)}"
    return text + (ILLUSTRATIVE_MARK if version.illustrative else "")


def _session_of(version: object) -> Session | None:
    """The session a mapped version belongs to; ``None`` for facts copied out of the database."""
    state = inspect(version, raiseerr=False)
    return object_session(version) if state is not None else None


@dataclass(frozen=True)
class BasisReference:
    """One reference of a standard's basis in the official form, with what it resolved to."""

    text: str
    document: Document | None
    clause_path: str | None
    effective_from: dt.date | None = None


def basis_references(session: Session, version: StandardVersion) -> list[BasisReference]:
    """The basis of ``version``, each reference written ``《办法名称》（文号）第X条``.

    The name is the measure a notice issues (or the document's own title, a notice's nested as
    ``《…关于印发〈…〉的通知》``); the 文号 comes from kb when the basis leaves it out; an annex
    named inside the title (``（附表：…）``) moves after the 文号; an article quoted at the head of
    the version's conditions (``第十五条：…``) is taken when the basis names none; a document no
    longer current says so (``，已废止``).
    """
    refs = parse_basis(version.basis)
    results = []
    for ref in refs:
        document = find_document(session, ref, on=version.effective_from)
        if document is None:
            results.append(BasisReference(_nested(ref.raw), None, ref.clause_path))
            continue
        path = ref.clause_path
        if path is None and len(refs) == 1:
            quoted = _QUOTED_ARTICLE.match(version.conditions or "")
            path = quoted.group(1) if quoted else None
        where = clause_words(path) if path else ""
        annex = _annex(ref.raw)
        number = document.doc_number
        text = cite_clause(cited_name(document), number) + ("" if number else _remark(ref.raw))
        text += where + annex
        state = document_state(session, document, on=version.effective_from)
        if state.status is not None and not state.status.current:
            text += f"（{state.label}）"
        start = document.effective_from
        results.append(BasisReference(text, document, path, start))
    return results


def _remark(raw: str) -> str:
    """What a reference says in brackets after the title of a document without a 文号
    (``（2013年版，文号未核实）``): the only thing telling that edition from a later one."""
    found = _TITLE_REMARK.search(raw)
    if found is None or _ANNEX_WORD.fullmatch(found.group(1).strip()):
        return ""
    return f"（{found.group(1).strip()}）"


def _annex(raw: str) -> str:
    """``附表`` or ``附件`` when a reference names an annex, inside its title or after it."""
    found = _ANNEX_WORD.search(raw)
    return found.group(0) if found else ""


def _nested(raw: str) -> str:
    """A reference kb cannot resolve, with a notice's title nested: 《…关于印发〈…〉的通知》."""
    match = _BARE_NOTICE.match(raw)
    if match is None:
        return raw
    inner = match.group(2)
    return f"《{match.group(1)}〈{inner}〉的通知》{match.group(3)}"


def effective_period(start: dt.date | None, end: dt.date | None) -> str:
    """``2024-05-09起施行``, ``2014-01-01至2015-12-31施行``, ``至2015-12-31施行`` or ``""``."""
    if start and end:
        return f"{start.isoformat()}至{end.isoformat()}施行"
    if start:
        return f"{start.isoformat()}起施行"
    if end:
        return f"至{end.isoformat()}施行"
    return ""


def figure_text(value: Decimal | None, value_max: Decimal | None, unit: str | None) -> str:
    """``18.50 元/平方米·年``, a range as ``760–800 元/人·天``; ``""`` without a value."""
    if value is None:
        return ""
    figure = format(value, "f")
    if value_max is not None:
        figure += f"{RANGE_DASH}{format(value_max, 'f')}"
    return f"{figure} {unit}" if unit else figure
