"""Choosing the standards to compare: named by code, found by filters, or like for like.

A comparison (:mod:`kb.standards.compare`) takes whatever versions it is given; this module
decides which. Each standard contributes one version, the current one or the one in force on a
day, and standards since superseded or repealed are left out unless asked for by code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import standards
from kb.errors import NotFound
from kb.models import Standard
from kb.models import StandardVersion
from kb.numerals import SMALL
from kb.numerals import chinese_number
from kb.regions import region_scope
from kb.standards.compare import item_without_grade
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status

_REPLACED = (Status.SUPERSEDED, Status.REPEALED)


def select_for_comparison(
    session: Session,
    *,
    codes: Sequence[str] | None = None,
    category: str | None = None,
    item: str | None = None,
    region: str | None = None,
    kind: Kind | str | None = None,
    level: Level | str | None = None,
    on: dt.date | None = None,
) -> list[StandardVersion]:
    """The versions to compare: named by ``codes`` (kept in that order), or found by filters.

    Each standard contributes its current version, or with ``on`` the version in force that
    day (standards with none are left out). Found by filters, a standard whose current version
    is superseded or repealed is left out (named by code it is kept: it was asked for).
    ``region`` follows :func:`region_scope`. Filters apply to the chosen version. Found
    standards are ordered by level, region, grade (一级 before 二级) and code.

    :raises NotFound: a code given is unknown, or has no version in force ``on`` that day.
    :raises InvalidInput: ``kind`` or ``level`` is not a known value.
    """
    wanted = {
        "category": category,
        "item": item,
        "kind": Kind.parse(kind).value if kind else None,
        "level": Level.parse(level).value if level else None,
    }
    # “青浦区（含街镇）”: a note in brackets, as the form's own hint was written, is not a name.
    region = re.sub(r"[（(][^（）()]*[）)]", "", region or "").strip() or None
    scope = region_scope(region) if region else None
    if codes:
        chosen = [standards.get(session, code, on=on) for code in _known(session, codes)]
    else:
        chosen = [
            _pick(s, on) for s in standards.by_codes(session, _candidates(session, wanted, scope))
        ]
    matching = [v for v in chosen if v is not None and _matches(v, wanted, scope)]
    if codes:
        return matching
    order = {level.value: index for index, level in enumerate(Level)}
    return sorted(matching, key=lambda v: (order[v.level], v.region, _grade_key(v.grade), v.code))


def _grade_key(grade: str | None) -> tuple[int, str]:
    """一级 < 二级 < 三级 (and 一类 < 二类), then other grades by name."""
    match = re.match(rf"([{SMALL}]+)[级类档等]", grade or "")
    return (chinese_number(match.group(1)), "") if match else (99, grade or "")


def _known(session: Session, codes: Sequence[str]) -> list[str]:
    found = {s.code for s in standards.by_codes(session, list(codes))}
    missing = [code for code in codes if code not in found]
    if missing:
        raise NotFound(f"没有编号为 {'、'.join(missing)} 的标准", {"codes": missing})
    return list(dict.fromkeys(codes))


def _candidates(
    session: Session, wanted: dict[str, str | None], scope: frozenset[str] | None
) -> list[str]:
    """Codes of standards with any version matching the filters (the chosen one is checked later)."""
    query = select(Standard.code).join(StandardVersion).distinct()
    for name, value in wanted.items():
        if value is not None:
            query = query.where(getattr(StandardVersion, name) == value)
    if scope is not None:
        query = query.where(StandardVersion.region.in_(sorted(scope)))
    return list(session.scalars(query))


def _pick(standard: Standard, on: dt.date | None) -> StandardVersion | None:
    if on is not None:
        return standards.version_on(standard, on)
    current = standards.current_version(standard)
    return None if Status(current.status) in _REPLACED else current


def _matches(
    version: StandardVersion, wanted: dict[str, str | None], scope: frozenset[str] | None
) -> bool:
    if scope is not None and version.region not in scope:
        return False
    return all(value is None or getattr(version, name) == value for name, value in wanted.items())


def like_for_like(
    session: Session, version: StandardVersion, *, limit: int = 30
) -> list[StandardVersion]:
    """Current versions of other standards for the same 事项 (its grade aside) and unit.

    ``一类会议·住宿费`` finds ``二类会议·住宿费`` and the rest of the grades, and the same item in
    other regions; standards since superseded or repealed are left out. Sorted by level,
    region, grade and code, as a comparison lists them.
    """
    own = item_without_grade(version.item, version.grade, version.name)
    query = (
        select(Standard.code)
        .join(StandardVersion)
        .where(Standard.id != version.standard_id, StandardVersion.kind == version.kind)
        .distinct()
    )
    if version.category:
        query = query.where(StandardVersion.category == version.category)
    elif version.item:
        query = query.where(StandardVersion.item.contains(own))
    else:
        return []
    found = []
    for standard in standards.by_codes(session, list(session.scalars(query))):
        current = standards.current_version(standard)
        if Status(current.status) in _REPLACED or current.unit != version.unit:
            continue
        if item_without_grade(current.item, current.grade, current.name) == own:
            found.append(current)
    order = {level.value: index for index, level in enumerate(Level)}
    found.sort(key=lambda v: (order[v.level], v.region, _grade_key(v.grade), v.code))
    return found[:limit]
