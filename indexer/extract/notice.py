"""What a notice says about itself: title, 文号, issuer, dates, and the level and place it covers.

Read with the document parser of :mod:`indexer.structure` from the notice's text lines, plus
the date from which its standards apply (``自2016年7月1日起施行``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from indexer.structure import parse_date
from indexer.structure import parse_document
from kb.documents.doc_numbers import find_doc_numbers
from kb.regions import DISTRICT_TOWNS
from kb.regions import PROVINCES
from kb.vocab import Level

_EFFECTIVE = re.compile(
    r"(?:自|从|于)?\s*(?P<date>(?:[0-9]{4}|[〇零一二三四五六七八九]{4})\s*年[^，。；,;]{1,8}?日)\s*"
    r"(?:起|开始)?\s*(?:施行|执行|实施|生效)"
)
_MEASURE = re.compile(r"(?:印发|发布|转发)?《(?P<title>[^》]{2,80})》")
_CENTRAL = re.compile(r"财政部|国务院|中共中央|中央和国家机关|国家机关事务管理局|中直管理局|国管局")


@dataclass(frozen=True)
class Notice:
    """The facts of a notice the rows of its tables carry."""

    title: str
    measure: str
    doc_number: str | None = None
    issuer: str | None = None
    issued_on: dt.date | None = None
    effective_from: dt.date | None = None
    level: Level | None = None
    region: str | None = None
    address: str | None = None


def read_notice(lines: list[str], *, slug: str, address: str | None = None) -> Notice:
    """The notice's facts from its text lines (tables left out)."""
    text = "\n".join(lines)
    record = parse_document(text, slug=slug)
    title = record.title
    measure = _measure(title)
    doc_number = record.doc_number or _first_doc_number(text[:2000])
    issuer = record.issuer
    # the issuer decides, then the title, then the opening lines (which may cite other notices)
    level, region = next(
        (found for found in map(_scope, filter(None, (issuer, title, text[:300]))) if found[0]),
        (None, None),
    )
    return Notice(
        title=title,
        measure=measure,
        doc_number=doc_number,
        issuer=issuer,
        issued_on=record.issued_on,
        effective_from=_effective_from(text),
        level=level,
        region=region,
        address=address,
    )


def _measure(title: str) -> str:
    """The measure a notice issues (印发《…》的通知 → …), else the notice's own title."""
    match = _MEASURE.search(title)
    if match:
        return match["title"]
    # 财政部关于调整…的通知: the issuer is not part of the measure's name
    at = title.find("关于")
    return title[at:] if at > 0 else title


def _first_doc_number(text: str) -> str | None:
    found = find_doc_numbers(text)
    return found[0][0] if found else None


def _effective_from(text: str) -> dt.date | None:
    for match in _EFFECTIVE.finditer(text):
        day = parse_date(match["date"])
        if day:
            return day
    return None


def _scope(text: str) -> tuple[Level | None, str | None]:
    """The level and place a notice's issuer or title names; (None, None) when it names none."""
    if _CENTRAL.search(text):
        return Level.CENTRAL, "全国"
    for district in DISTRICT_TOWNS:
        if district in text:
            return Level.DISTRICT, district
    if "上海市" in text:
        return Level.CITY, "上海市"
    for province in PROVINCES:
        if province in text:
            return Level.PROVINCE, province
    return None, None
