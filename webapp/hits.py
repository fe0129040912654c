"""What the search page and ``kb search`` show beside a hit: its citation, its dates, grade order.

Shared by :mod:`webapp.pages.search` and :mod:`webapp.cli.reading`, so the page and the terminal
cite, date and order alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from kb import documents
from kb import standards
from kb.citing.citations import cite_clause
from kb.citing.citations import official_standard_text
from kb.numerals import FULL
from kb.numerals import chinese_number
from kb.vocab import Status

UNKNOWN_DATE = "未载明"


def hit_citations(session: Any, hits: Iterable[Any]) -> dict[str, str]:
    """The official citation of each standard and clause hit, by hit id (what /cite returns)."""
    hits = list(hits)
    codes = [h.code for h in hits if h.type == "standard" and h.code]
    by_code = {s.code: s for s in standards.by_codes(session, codes)} if codes else {}
    ids = sorted({h.document_id for h in hits if h.type == "clause" and h.document_id})
    by_id = {d.id: d for d in documents.by_ids(session, ids)} if ids else {}
    found = {}
    for hit in hits:
        if hit.type == "standard" and hit.code in by_code:
            version = next(
                (v for v in by_code[hit.code].versions if v.version == hit.version), None
            )
            if version is not None:
                found[hit.id] = official_standard_text(version, session)
        elif hit.type == "clause" and hit.document_id in by_id:
            document = by_id[hit.document_id]
            found[hit.id] = cite_clause(document.title, document.doc_number, hit.clause_path)
    return found


def period_text(start: dt.date | None, end: dt.date | None, status: str | None = None) -> str:
    """``2014-01-01 至 2015-12-31``, ``2024-05-09 起`` or ``未载明``: never a bare dash.

    A standard in force without an end date applies until further notice (``起``); any other
    missing date is one its source does not state.
    """
    if start is None and end is None:
        return UNKNOWN_DATE
    if end is None:
        if status in (None, Status.IN_FORCE.value):
            return f"{start.isoformat()} 起"
        return f"{start.isoformat()} 至 {UNKNOWN_DATE}"
    return f"{start.isoformat() if start else UNKNOWN_DATE} 至 {end.isoformat()}"


_NUMBERED = re.compile(rf"^(.*?)([{FULL}]+|[0-9]+)(.*)$")


def grade_key(grade: str) -> tuple[str, int, str]:
    """Where a grade goes in a list: by its family (一级/二级 …, 一类会议/二类会议 …), then its number.

    The family is the grade with its numeral taken out (``级``, ``类会议``), so that 一类会议 and
    三类培训 never interleave and 二级 comes after 一级, not after 三级 as a plain sort puts it.
    """
    match = _NUMBERED.match(grade)
    if not match:
        return ("", 0, grade)  # 部级, 司局级, 院士: one group of named grades, by name
    head, number, tail = match.groups()
    value = int(number) if number.isdigit() else chinese_number(number)
    return (head + "#" + tail, value, grade)


def natural_grades(counts: Mapping[str, int]) -> list[tuple[str, int, bool]]:
    """Grade facet values in natural order, grouped by family: (grade, count, starts a group).

    Families come in the order of their largest count, so the common ones are seen first.
    """
    families: dict[str, list[tuple[int, str]]] = {}
    for grade in counts:
        family, number, _ = grade_key(grade)
        families.setdefault(family, []).append((number, grade))
    order = sorted(families, key=lambda f: (-max(counts[g] for _, g in families[f]), f))
    found = []
    for family in order:
        for position, (_, grade) in enumerate(sorted(families[family])):
            found.append((grade, counts[grade], position == 0))
    return found


def status_on(hit: Any, on: dt.date | None) -> tuple[str, str | None]:
    """(the status label on ``on``, today's label when it differs) for a standard hit.

    An as-of search keeps only standards in force that day, so the first is 现行有效 then.
    """
    today = Status(hit.status).label if hit.status else ""
    if on is None:
        return today, None
    start, end = hit.effective_from, hit.effective_to
    applied = (start is None or start <= on) and (end is None or on <= end)
    if applied and Status(hit.status).published:
        label = Status.IN_FORCE.label
        return label, (today if today != label else None)
    return today, None
