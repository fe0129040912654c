"""The life of a standard: editors draft and revise, reviewers consult, publish, reject and end.

``draft`` → ``consultation`` (optional) → ``in_force`` → ``superseded`` / ``repealed``.

A version's content never changes once written: editing writes a new draft version based on the
latest one. Only lifecycle fields change afterwards (``status``, ``effective_to``; on publication
also ``effective_from``, the date the reviewer sets; on rejection the rejection fields), each
change with an audit entry holding who, when, why, before and after.

A rejection is not a status: the draft keeps ``status`` ``draft`` and gets ``rejected_at``,
``rejected_by`` and the reviewer's reason in ``review_note``. A rejected draft cannot be
published or sent to consultation; the editor revises it, which writes a new draft.

Concurrency: every change names the version it is based on (``base_version`` for edits,
``version`` for transitions) and a stale one raises :class:`~kb.errors.Conflict`. The standard's
row is locked (``SELECT … FOR UPDATE`` where the database has it), the unique version number
turns a race between two inserts into a Conflict, and lifecycle updates apply only if the row
still holds what was read (compare and set). A Conflict from the database rolls the session back.

The caller owns the transaction: ``with atomic(session): workflow.revise(...)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from kb import standards
from kb.accounts import audit
from kb.accounts.audit import AuditAction
from kb.accounts.permissions import Action
from kb.accounts.permissions import can_review
from kb.accounts.permissions import require
from kb.accounts.permissions import require_actor
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.models import Standard
from kb.models import StandardVersion
from kb.models import User
from kb.records import VERSION_FIELDS
from kb.records import StandardRecord
from kb.standards import WriteResult
from kb.standards import bulk
from kb.standards.drafts import changed_content
from kb.standards.drafts import revised_record
from kb.standards.drafts import validated
from kb.standards.history import changed_fields
from kb.standards.lifecycle import ONE_DAY
from kb.standards.lifecycle import OPEN
from kb.standards.lifecycle import Move
from kb.standards.lifecycle import check_version
from kb.vocab import Outcome
from kb.vocab import Status

#: The outcome of :func:`transition` that is not a status: a draft sent back with a reason.
REJECTED = "rejected"
_REJECT_WORDS = (REJECTED, "reject", "退回", "驳回")


# -- drafting ----------------------------------------------------------------------------------


def create_draft(
    session: Session,
    record: StandardRecord,
    *,
    actor: User,
    reason: str | None = None,
    address: str | None = None,
) -> StandardVersion:
    """A new standard whose first version is a draft; a code is assigned when absent.

    ``record.status`` is ignored: a new standard starts as a draft.

    :raises PermissionDenied: ``actor`` may not draft standards of that region and domain.
    :raises InvalidInput: a field breaks the interchange rules; ``details`` is {field: message}.
    :raises Conflict: a standard with that code exists.
    """
    record = validated(replace(record, status=Status.DRAFT))
    require(actor, Action.DRAFT, record)
    code = record.code or standards.assign_code(session, record)
    exists = Conflict(f"标准编号 {code} 已存在，请在该标准上修订", {"code": code})
    if session.scalar(select(Standard.id).where(Standard.code == code)) is not None:
        raise exists
    standard = Standard(code=code)
    version = _new_version(record, 1, actor, reason)
    standard.versions.append(version)
    session.add(standard)
    _flush(session, lambda: exists)
    before, after = _changes(None, version)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.STANDARD_CREATE,
        target=code,
        before=before,
        after=after,
        address=address,
        detail=reason,
    )
    return version


def revise(
    session: Session,
    code: str,
    changes: Mapping[str, Any] | StandardRecord,
    *,
    base_version: int,
    actor: User,
    reason: str | None = None,
    address: str | None = None,
) -> StandardVersion:
    """A new draft version of ``code``: the latest version with ``changes`` applied.

    ``changes`` maps field keys (or Chinese headers) to values, as text or typed; ``None`` or
    ``""`` empties a field. A :class:`StandardRecord` replaces every field instead. A revision
    of a published version starts without effective dates (set when it is published).

    :raises NotFound: no such standard.
    :raises Conflict: ``base_version`` is not the latest version any more.
    :raises PermissionDenied: ``actor`` may not draft this standard (before or after the change).
    :raises InvalidInput: a field breaks the interchange rules, or nothing changed.
    """
    standard = _locked(session, code)
    latest = standard.versions[-1]
    check_version(code, latest.version, base_version, "编辑")
    require(actor, Action.DRAFT, latest)
    record = revised_record(latest, changes)
    require(actor, Action.DRAFT, record)
    with_dates = not Status(latest.status).published
    if not changed_content(standards.to_record(latest), record, with_dates=with_dates):
        raise InvalidInput(f"标准 {code} 没有任何修改", {"code": code})
    new = _new_version(record, latest.version + 1, actor, reason)
    standard.versions.append(new)
    _flush(session, lambda: _stale(session, code, base_version, "编辑"))
    before, after = _changes(latest, new)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.STANDARD_REVISE,
        target=code,
        before=before,
        after=after,
        address=address,
        detail=reason,
    )
    return new


def _new_version(
    record: StandardRecord, number: int, actor: User, reason: str | None
) -> StandardVersion:
    fields = {name: getattr(record, name) for name in VERSION_FIELDS}
    fields["status"] = Status.DRAFT
    return StandardVersion(
        version=number,
        created_by=actor.name,
        change_reason=reason,
        organisation_id=actor.organisation_id,
        **fields,
    )


# -- transitions -------------------------------------------------------------------------------


def parse_target(text: Status | str) -> Status | str:
    """A transition's target: a :class:`Status` (key or label), or :data:`REJECTED`.

    :raises InvalidInput: neither.
    """
    if str(text).strip().lower() in _REJECT_WORDS:
        return REJECTED
    return Status.parse(text)


def transition(
    session: Session,
    code: str,
    *,
    to: Status | str,
    actor: User,
    effective_from: dt.date | None = None,
    effective_to: dt.date | None = None,
    reason: str | None = None,
    version: int | None = None,
    address: str | None = None,
) -> StandardVersion:
    """Move ``code`` along its life; the version acted on, after the change.

    - ``consultation``: the latest version, a draft, goes out for comments.
    - ``in_force`` (publish): the latest version, a draft or in consultation, applies from
      ``effective_from`` (default: its proposed date, else today); the versions in force until
      then become ``superseded``, ending the day before.
    - ``rejected``: the latest draft is sent back with ``reason`` (required).
    - ``superseded`` / ``repealed``: the versions in force end: on ``effective_to`` if given,
      else the day before ``effective_from`` (default today). A repeal needs a ``reason``.

    ``version`` is the version the reviewer looked at: the latest one, or for ``superseded`` and
    ``repealed`` the latest in force. Only a reviewer of the standard's region and domain may.

    :raises NotFound: no such standard.
    :raises Conflict: stale ``version``, or a move the standard's state does not allow.
    :raises InvalidInput: an unknown target, a missing reason, or dates that do not fit.
    :raises PermissionDenied: ``actor`` may not review this standard.
    """
    target = parse_target(to)
    standard = _locked(session, code)
    context = Move(session, standard, actor, reason, address)
    if target == REJECTED:
        return context.reject(version)
    if target is Status.CONSULTATION:
        return context.consult(version)
    if target is Status.IN_FORCE:
        return context.publish(version, effective_from)
    if target in (Status.SUPERSEDED, Status.REPEALED):
        end = effective_to or (effective_from or dt.date.today()) - ONE_DAY
        return context.end(target, version, end)
    raise Conflict(
        f"标准不能改回{Status.DRAFT.label}；如需修改，请在最新版本上修订", {"code": code}
    )


# -- imports -----------------------------------------------------------------------------------


def import_records(
    session: Session,
    records: Iterable[StandardRecord],
    *,
    actor: User | str,
    source: str,
    address: str | None = None,
) -> list[WriteResult]:
    """Write imported records in bulk (:func:`kb.standards.bulk.write_many`), auditing every
    added or changed one.

    The outcomes, versions, change-log rows and audit entries are those of writing the records
    one by one with :func:`kb.standards.write`. A user must be a reviewer whose scope holds every
    record; a name (``system``: the command line) is trusted. Records go in as the file says,
    published ones included.

    :raises PermissionDenied: a record outside the user's scope (nothing is written).
    :raises Conflict: another writer changed one of the standards at the same time.
    """
    records = list(records)
    for record in records:
        require_actor(actor, Action.IMPORT, record)
    organisation_id = actor.organisation_id if isinstance(actor, User) else None
    try:
        written = bulk.write_many(
            session,
            records,
            actor=audit.actor_name(actor),
            reason=f"导入 {source}",
            organisation_id=organisation_id,
        )
    except IntegrityError as error:
        session.rollback()
        codes = sorted({r.code for r in records if r.code})
        raise Conflict(
            f"导入 {source} 时有标准正被他人修改，请重试", {"codes": codes[:20]}
        ) from error
    audit.record_many(
        session,
        actor=actor,
        action=AuditAction.STANDARD_IMPORT,
        address=address,
        entries=(
            _import_entry(w, source) for w in written if w.result.outcome is not Outcome.UNCHANGED
        ),
    )
    return [w.result for w in written]


def _import_entry(written: bulk.Written, source: str) -> audit.Entry:
    before, after = _before_after(written.previous, (written.result.version, written.record))
    detail = f"导入 {source}（第{written.result.version}版）"
    return audit.Entry(target=written.result.code, before=before, after=after, detail=detail)


# -- queries and helpers -----------------------------------------------------------------------


def awaiting_review(session: Session, *, reviewer: User | None = None) -> list[StandardVersion]:
    """Latest versions that are drafts or in consultation and not rejected, by code.

    With ``reviewer``, only those the reviewer may act on.
    """
    latest = (
        select(StandardVersion.standard_id, func.max(StandardVersion.version).label("number"))
        .group_by(StandardVersion.standard_id)
        .subquery()
    )
    found = session.scalars(
        select(StandardVersion)
        .join(
            latest,
            (StandardVersion.standard_id == latest.c.standard_id)
            & (StandardVersion.version == latest.c.number),
        )
        .join(StandardVersion.standard)
        .where(StandardVersion.status.in_(OPEN), StandardVersion.rejected_at.is_(None))
        .order_by(Standard.code)
        .options(selectinload(StandardVersion.standard))
    )
    return [v for v in found if reviewer is None or can_review(reviewer, v)]


def _locked(session: Session, code: str) -> Standard:
    """The standard with its versions, freshly read, its row locked until the transaction ends."""
    standard = session.scalar(
        select(Standard)
        .where(Standard.code == code)
        .with_for_update()
        .options(selectinload(Standard.versions))
        .execution_options(populate_existing=True)
    )
    if standard is None:
        raise NotFound(f"没有编号为 {code} 的标准", {"code": code})
    return standard


def _stale(session: Session, code: str, base: int, verb: str) -> Conflict:
    """The Conflict for a version number another writer took first (read after the rollback)."""
    latest = session.scalar(
        select(func.max(StandardVersion.version)).join(Standard).where(Standard.code == code)
    )
    return Conflict(
        f"标准 {code} 已更新到第{latest}版，您{verb}的是第{base}版，请刷新后重试",
        {"code": code, "latest_version": latest, "base_version": base},
    )


def _flush(session: Session, conflict: Callable[[], Conflict]) -> None:
    """Flush; a unique constraint broken by a concurrent writer rolls back and raises a Conflict."""
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise conflict() from error


def _changes(
    old: StandardVersion | None, new: StandardVersion
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Before and after of the fields that differ, with the version numbers, for the audit."""
    return _before_after(None if old is None else (old.version, old), (new.version, new))


def _before_after(
    old: tuple[int, StandardVersion | StandardRecord] | None,
    new: tuple[int, StandardVersion | StandardRecord],
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """:func:`_changes` of (number, version or record) pairs: what a bulk import has in hand."""
    changed = list(changed_fields(old[1] if old else None, new[1]))
    after: dict[str, Any] = {"version": new[0], "status": Status(new[1].status).value}
    after.update({name: value for name, _, value in changed})
    if old is None:
        return None, after
    before: dict[str, Any] = {"version": old[0], "status": Status(old[1].status).value}
    before.update({name: value for name, value, _ in changed})
    return before, after
