"""依据核查 of a standard: in force, superseded (by what), repealed, not yet, not published.

A standard is cited by code (``QP-CQ-0012``, ``QP-CQ-0012，第2版``) or by name; its status is
read on a day from its versions. A 示例 standard keeps its status and says, first of all, that it
may not be used as a basis.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import standards
from kb.citing.basis import document_state
from kb.citing.basis import find_document
from kb.citing.basis import parse_basis
from kb.citing.citations import cite_clause
from kb.citing.citations import effective_period
from kb.citing.citations import standard_permalink
from kb.citing.finding import FoundCitation
from kb.citing.outcomes import ILLUSTRATIVE_WARNING
from kb.citing.outcomes import CitationStatus
from kb.citing.outcomes import VerifiedCitation
from kb.documents.catalogue import cited_name
from kb.errors import NotFound
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.vocab import Status

_REPLACED_BY = re.compile(r"由\s*([A-Z]{2,4}(?:-[A-Z0-9]{2,6})+)[^。；;]{0,60}?(?:替代|取代|代替)")
_UNPUBLISHED = {Status.DRAFT: "草案", Status.CONSULTATION: "征求意见稿"}


def verify_standard(
    session: Session, found: FoundCitation, code: str, day: dt.date
) -> VerifiedCitation:
    """A standard's status; a 示例 one says it may not be used as a basis, first of all."""
    result = _standard_status(session, found, code, day)
    if result.version is None:
        return result
    standard = standards.find(session, code)
    cited = next(v for v in standard.versions if v.version == result.version)
    if not cited.illustrative:
        return result
    return replace(result, illustrative=True, message=f"{ILLUSTRATIVE_WARNING}：{result.message}")


def _standard_status(
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
        cited = in_force or _version_for_day(standard, day)
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


def _version_for_day(standard: Standard, day: dt.date) -> StandardVersion:
    """The version a citation on ``day`` means when none is in force that day.

    The last published version to start on or before ``day`` (it has lapsed since); before
    any has started, the first to come (a 2014 rate, not the 2016 one, on a day in 2013).
    """
    published = [v for v in standard.versions if Status(v.status).published]
    if not published:
        return standards.current_version(standard)
    started = [v for v in published if v.effective_from is None or v.effective_from <= day]
    if started:
        return max(started, key=lambda v: (v.effective_from or dt.date.min, v.version))
    return min(published, key=lambda v: (v.effective_from, v.version))


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
        tail = _upcoming(cited.standard, cited, day) or "；库中没有后续版本"
        replaced = _replaced_basis(session, cited, day)
        if replaced is not None and not tail.startswith("；第"):
            old, new = replaced
            tail += f"，其依据{cite_clause(cited_name(old), old.doc_number)}已被"
            tail += f"{cite_clause(cited_name(new), new.doc_number)}替代"
            result = replace(result, successor_doc_number=new.doc_number)
    message = f"{label}{ended}（{status.label}）{tail}"
    return replace(result, status=CitationStatus.SUPERSEDED, message=message)


def _replaced_basis(
    session: Session, cited: StandardVersion, day: dt.date
) -> tuple[Document, Document] | None:
    """The document the lapsed version rested on and the one that replaced it by ``day``."""
    for ref in parse_basis(cited.basis):
        document = find_document(session, ref, on=cited.effective_from)
        if document is None:
            continue
        state = document_state(session, document, on=day)
        if state.successor is not None and state.successor.id != document.id:
            return document, state.successor
    return None


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
