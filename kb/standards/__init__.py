"""Standards and their versions: look-ups, "in force on date D", and recording changes."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache
from typing import Any
from typing import NamedTuple

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from kb.documents.provenance import official_sources
from kb.errors import NotFound
from kb.fields import values_of
from kb.models import Standard
from kb.models import StandardVersion
from kb.records import VERSION_FIELDS
from kb.records import StandardRecord
from kb.vocab import Kind
from kb.vocab import Outcome
from kb.vocab import Status

CODE_PREFIXES = {Kind.PUBLIC_SERVICE: "PS", Kind.COST_QUOTA: "CQ", Kind.EXPENDITURE: "EX"}


@dataclass(frozen=True)
class WriteResult:
    code: str
    version: int
    outcome: Outcome


def in_force_on(version: StandardVersion, day: dt.date) -> bool:
    """Whether ``version`` applied on ``day``.

    Only published versions can be in force. A missing start means "since always"; a missing
    end means "until further notice" for a version still in force, but a superseded or repealed
    version without an end date cannot be placed in time, so it is never reported in force.
    """
    status = Status(version.status)
    if not status.published:
        return False
    if version.effective_from and day < version.effective_from:
        return False
    if version.effective_to:
        return day <= version.effective_to
    return status is Status.IN_FORCE


def current_version(standard: Standard) -> StandardVersion:
    """The latest published version, or the latest draft when nothing is published yet.

    "Latest" is by start date, then by number: a history imported after the current version
    (the 2014 rates after the 2016 ones) does not take its place.
    """
    published = [v for v in standard.versions if Status(v.status).published]
    if not published:
        return standard.versions[-1]
    return max(published, key=lambda v: (v.effective_from or dt.date.min, v.version))


def version_on(standard: Standard, day: dt.date) -> StandardVersion | None:
    """The latest version of ``standard`` in force on ``day``, if any."""
    matching = [v for v in standard.versions if in_force_on(v, day)]
    return matching[-1] if matching else None


def find(session: Session, code: str) -> Standard:
    """The standard with ``code`` and its versions.

    :raises NotFound: when no standard has that code.
    """
    standard = session.scalar(
        select(Standard).where(Standard.code == code).options(selectinload(Standard.versions))
    )
    if standard is None:
        raise NotFound(f"没有编号为 {code} 的标准", {"code": code})
    return standard


def get(
    session: Session, code: str, *, on: dt.date | None = None, version: int | None = None
) -> StandardVersion:
    """One version of a standard: the current one, the one in force ``on`` a date, or number ``version``.

    :raises NotFound: no such standard, no such version, or nothing in force on that date.
    """
    standard = find(session, code)
    if version is not None:
        for candidate in standard.versions:
            if candidate.version == version:
                return candidate
        raise NotFound(f"标准 {code} 没有第{version}版", {"code": code, "version": version})
    if on is not None:
        found = version_on(standard, on)
        if found is None:
            raise NotFound(not_in_force_reason(standard, on), {"code": code, "on": on.isoformat()})
        return found
    return current_version(standard)


def not_in_force_reason(standard: Standard, day: dt.date) -> str:
    """Why no version of ``standard`` applies on ``day``: 尚未生效, 已失效, or not published."""
    published = [v for v in standard.versions if Status(v.status).published]
    head = f"标准 {standard.code} 在 {day.isoformat()} "
    if not published:
        return head + "没有已发布的版本（仅有草案或征求意见稿）"
    starts = [v.effective_from for v in published if v.effective_from]
    if starts and day < min(starts):
        return head + f"尚未生效（最早的版本自 {min(starts).isoformat()} 起施行）"
    ends = [v.effective_to for v in published if v.effective_to]
    if ends and day > max(ends):
        return head + f"已失效（最后的版本于 {max(ends).isoformat()} 失效）"
    return head + "没有现行有效的版本"


def iter_standards(session: Session, *, batch_size: int = 2000) -> Iterator[Standard]:
    """Every standard with its versions loaded, in code order, batch by batch."""
    last_id = 0
    while True:
        batch = session.scalars(
            select(Standard)
            .where(Standard.id > last_id)
            .order_by(Standard.id)
            .limit(batch_size)
            .options(selectinload(Standard.versions))
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


class StandardRows(NamedTuple):
    """A standard read as plain rows (:func:`iter_standard_rows`): what a rebuild of the search
    index reads, without the ORM's per-object cost."""

    id: int
    code: str
    #: Each version's chosen columns and ``code``, by version number: read like a
    #: :class:`StandardVersion` (attributes of the same names and values).
    versions: tuple[Any, ...]


def iter_standard_rows(
    session: Session, columns: tuple[str, ...], *, batch_size: int = 2000
) -> Iterator[StandardRows]:
    """Every standard with the named columns of its versions, in :func:`iter_standards`' order.

    Values are read through the columns' types, as the ORM reads them (dates, exact decimals);
    a standard without versions comes with none.
    """
    row = _version_row(columns)
    selected = [getattr(StandardVersion, name) for name in columns]
    last_id = 0
    while True:
        batch = session.execute(
            select(Standard.id, Standard.code)
            .where(Standard.id > last_id)
            .order_by(Standard.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        first_id, last_id = batch[0][0], batch[-1][0]
        versions: dict[int, list[Any]] = {}
        found = session.execute(
            select(StandardVersion.standard_id, *selected)
            .where(StandardVersion.standard_id.between(first_id, last_id))
            .order_by(StandardVersion.standard_id, StandardVersion.version)
        )
        for standard_id, *values in found:
            versions.setdefault(standard_id, []).append(values)
        for standard_id, code in batch:
            yield StandardRows(
                standard_id,
                code,
                tuple(row(*values, code) for values in versions.get(standard_id, ())),
            )


@lru_cache
def _version_row(columns: tuple[str, ...]) -> type:
    return namedtuple("VersionRow", (*columns, "code"))  # noqa: PYI024 - fields chosen at run time


def by_codes(session: Session, codes: list[str]) -> list[Standard]:
    """The standards with these codes (unknown codes are skipped), versions loaded."""
    return list(
        session.scalars(
            select(Standard)
            .where(Standard.code.in_(codes))
            .options(selectinload(Standard.versions))
        )
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count(Standard.id))) or 0


def to_record(version: StandardVersion) -> StandardRecord:
    """The interchange record of a version (inverse of :func:`write`)."""
    return StandardRecord(code=version.code, **values_of(version, VERSION_FIELDS))


def write(
    session: Session, record: StandardRecord, *, actor: str = "system", reason: str | None = None
) -> WriteResult:
    """Store ``record``: a new standard, a new version if anything changed, or nothing.

    A record is compared with the latest version that starts on the same day: a history file
    holding several versions of one code (each with its ``effective_from``) imports again without
    change, and a corrected row of one version writes one new version of it. A record without a
    code gets one assigned. The caller owns the transaction.
    """
    code = record.code or assign_code(session, record)
    standard = session.scalar(
        select(Standard).where(Standard.code == code).options(selectinload(Standard.versions))
    )
    if standard is None:
        standard = Standard(code=code)
        session.add(standard)
        outcome = Outcome.ADDED
    else:
        stored = (
            (v.version, to_record(v))
            for v in standard.versions
            if v.effective_from == record.effective_from
        )
        repeated = repeated_version(stored, replace(record, code=code))
        if repeated is not None:
            return WriteResult(code, repeated, Outcome.UNCHANGED)
        outcome = Outcome.UPDATED
    number = len(standard.versions) + 1
    fields = {name: getattr(record, name) for name in VERSION_FIELDS}
    new = StandardVersion(version=number, created_by=actor, change_reason=reason, **fields)
    standard.versions.append(new)
    session.flush()
    return WriteResult(code, number, outcome)


def repeated_version(
    stored: Iterable[tuple[int, StandardRecord]], record: StandardRecord
) -> int | None:
    """The number of the stored version ``record`` repeats, if any.

    ``stored`` holds a standard's versions in number order, each as (number, record with its
    code). A record repeats the latest version that starts on the same day when it says exactly
    the same; any other record is new content.
    """
    same_start = [(n, r) for n, r in stored if r.effective_from == record.effective_from]
    if same_start and same_start[-1][1] == record:
        return same_start[-1][0]
    return None


def assign_code(session: Session, record: StandardRecord) -> str:
    """A fresh code such as ``CQ-000042`` for a record imported without one."""
    prefix = code_prefix(record)
    return f"{prefix}-{highest_code_number(session, prefix) + 1:06d}"


def code_prefix(record: StandardRecord) -> str:
    """The prefix of the codes assigned to records of this kind (``CQ`` for quotas)."""
    return CODE_PREFIXES[Kind(record.kind)]


def highest_code_number(session: Session, prefix: str) -> int:
    """The highest number among the stored codes ``PREFIX-NNNNNN``; 0 when there is none."""
    existing = session.scalars(select(Standard.code).where(Standard.code.like(f"{prefix}-%")))
    return max((n for c in existing if (n := code_number(c, prefix)) is not None), default=0)


def code_number(code: str, prefix: str) -> int | None:
    """``42`` for ``CQ-000042`` with prefix ``CQ``; ``None`` for a code not of that form."""
    head, _, tail = code.partition("-")
    return int(tail) if head.upper() == prefix and tail.isascii() and tail.isdigit() else None


def sources(version: StandardVersion) -> list[str]:
    """The places the figure was read from, as listed in ``source`` (separated by `` ; ``)."""
    return [s.strip() for s in (version.source or "").replace("；", ";").split(";") if s.strip()]


def is_verified(version: StandardVersion) -> bool:
    """Whether the figure was read from the issuing authority's own publication.

    A reviewer confirmed it against one, or — unless the record says 未核实 (否) — a source is
    on an official site (:mod:`kb.documents.provenance`); a repost alone (a university, a news
    or sharing site) is not. An example never is.
    """
    if version.illustrative:
        return False
    if version.source_confirmed_by:
        return True
    if version.verified is False:
        return False
    return bool(official_sources(version.source))


def related(
    session: Session, version: StandardVersion, *, limit: int = 30
) -> list[StandardVersion]:
    """Current versions of other standards for the same item (or category and kind), anywhere.

    These are the "same item in other regions or grades" a reviewer compares against.
    """
    if not (version.item or version.category):
        return []
    same = (
        StandardVersion.item == version.item
        if version.item
        else (StandardVersion.category == version.category) & (StandardVersion.kind == version.kind)
    )
    codes = session.scalars(
        select(Standard.code)
        .join(StandardVersion)
        .where(same, Standard.id != version.standard_id)
        .distinct()
        .order_by(Standard.code)
        .limit(limit)
    ).all()
    found = [current_version(s) for s in by_codes(session, list(codes))]
    return sorted(found, key=lambda v: (v.region, v.grade or "", v.code))
