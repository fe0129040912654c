"""The audit log: every write leaves an entry of who, when, what, before and after, from where.

The log is append-only: this module records and reads entries and has no function that edits or
deletes one, and the ORM refuses to flush a change to an existing entry. Times are stored in UTC
and shown (export, date filters) in Beijing time, as the people reading the log live by it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Select
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.errors import InvalidInput
from kb.files.tables import write_table
from kb.models import AuditEntry
from kb.models import User
from kb.models import utcnow
from kb.vocab import LabelledEnum

SYSTEM = "system"
ANONYMOUS = "anonymous"
#: The time zone the log is read in (China has one, without daylight saving).
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")
MAX_PER_PAGE = 500


class AuditAction(LabelledEnum):
    """What an audit entry records."""

    STANDARD_CREATE = ("standard.create", "新建标准草案")
    STANDARD_REVISE = ("standard.revise", "修订标准")
    STANDARD_TRANSITION = ("standard.transition", "变更标准状态")
    STANDARD_REJECT = ("standard.reject", "退回草案")
    STANDARD_IMPORT = ("standard.import", "导入标准")
    STANDARD_SOURCE_CONFIRM = ("standard.source_confirm", "确认标准来源")
    DOCUMENT_IMPORT = ("document.import", "导入文件信息")
    DOCUMENT_EDIT = ("document.edit", "修改文件信息")
    DOCUMENT_TRANSITION = ("document.transition", "变更文件状态")
    ORGANISATION_CREATE = ("organisation.create", "新建机构")
    USER_CREATE = ("user.create", "新建账号")
    USER_DEACTIVATE = ("user.deactivate", "停用账号")
    USER_PASSWORD = ("user.password", "重设密码")
    TOKEN_CREATE = ("token.create", "创建 API 令牌")
    TOKEN_REVOKE = ("token.revoke", "吊销 API 令牌")
    LOOKUP_KEY_CREATE = ("lookup_key.create", "创建表格查询密钥")
    LOOKUP_KEY_REVOKE = ("lookup_key.revoke", "吊销表格查询密钥")
    LOOKUP_KEY_REFUSED = ("lookup_key.refused", "表格查询密钥被拒")
    LOGIN_FAILED = ("login.failed", "登录失败")
    LOGIN_BLOCKED = ("login.blocked", "登录受限")

    @classmethod
    def title(cls) -> str:
        return "审计操作"


@dataclass(frozen=True)
class AuditPage:
    """One page of audit entries, newest first, and how many entries match in all."""

    total: int
    page: int
    per_page: int
    entries: tuple[AuditEntry, ...]


def actor_name(actor: User | str) -> str:
    """The name an audit entry gives an actor: a user's name, or ``system``/``anonymous``."""
    return actor.name if isinstance(actor, User) else actor


def record(
    session: Session,
    *,
    actor: User | str,
    action: AuditAction | str,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Append an entry; it is written with the caller's transaction.

    :raises ValueError: ``action`` is not an :class:`AuditAction` (a programming error).
    """
    entry = AuditEntry(
        at=utcnow(),
        actor=actor_name(actor),
        action=AuditAction(action).value,
        target=target,
        before=_dump(before),
        after=_dump(after),
        address=address or None,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Entry:
    """What one of many entries of the same action says (:func:`record_many`)."""

    target: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: str | None = None


def record_many(
    session: Session,
    *,
    actor: User | str,
    action: AuditAction | str,
    entries: Iterable[Entry],
    address: str | None = None,
) -> int:
    """Append an entry per item of ``entries``, in order, with one multi-row insert; their count.

    The same entries as :func:`record` called for each, for writes of thousands of records
    (an import). They are written with the caller's transaction.

    :raises ValueError: ``action`` is not an :class:`AuditAction` (a programming error).
    """
    name, action, address = actor_name(actor), AuditAction(action).value, address or None
    rows = [
        {
            "at": utcnow(),
            "actor": name,
            "action": action,
            "target": entry.target,
            "before": _dump(entry.before),
            "after": _dump(entry.after),
            "address": address,
            "detail": entry.detail,
        }
        for entry in entries
    ]
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
    return len(rows)


def _dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def before_after(entry: AuditEntry) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The entry's ``before`` and ``after`` values, decoded."""
    return (
        json.loads(entry.before) if entry.before else None,
        json.loads(entry.after) if entry.after else None,
    )


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """A page of the entries matching every filter given, newest first.

    ``action`` is one action (``standard.revise``) or a family ending in a dot (``standard.``).
    A date for ``since``/``until`` is a whole Beijing day, ``until`` included.

    :raises InvalidInput: ``page`` below 1 or ``per_page`` outside 1..500.
    """
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"页码须从 1 起，每页条数须在 1 到 {MAX_PER_PAGE} 之间")
    query = _filtered(select(AuditEntry), actor, action, target, since, until)
    total = session.scalar(query.with_only_columns(func.count(AuditEntry.id))) or 0
    rows = session.scalars(_newest_first(query).offset((page - 1) * per_page).limit(per_page))
    return AuditPage(total, page, per_page, tuple(rows))


def iter_entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
) -> Iterator[AuditEntry]:
    """Every entry matching the filters (as in :func:`entries`), newest first, streamed."""
    query = _filtered(select(AuditEntry), actor, action, target, since, until)
    yield from session.scalars(_newest_first(query).execution_options(yield_per=1000))


def _filtered(
    query: Select[tuple[AuditEntry]],
    actor: str | None,
    action: str | None,
    target: str | None,
    since: dt.date | dt.datetime | None,
    until: dt.date | dt.datetime | None,
) -> Select[tuple[AuditEntry]]:
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action and action.endswith("."):
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    elif action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target == target)
    if since is not None:
        query = query.where(AuditEntry.at >= _moment(since))
    if until is not None:
        end = _moment(until)
        if isinstance(until, dt.datetime):
            query = query.where(AuditEntry.at <= end)
        else:
            query = query.where(AuditEntry.at < end + dt.timedelta(days=1))
    return query


def _moment(value: dt.date | dt.datetime) -> dt.datetime:
    """A filter bound in UTC: a date is the start of that Beijing day; a naive time is UTC."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), BEIJING)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _newest_first(query: Select[tuple[AuditEntry]]) -> Select[tuple[AuditEntry]]:
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


# -- export ------------------------------------------------------------------------------------

EXPORT_HEADERS: tuple[str, ...] = (
    "时间（北京时间）",
    "操作人",
    "操作",
    "对象",
    "修改前",
    "修改后",
    "来源地址",
    "说明",
)


def export_rows(entries: Iterable[AuditEntry]) -> tuple[list[str], list[dict[str, str]]]:
    """Headers and rows of text for :func:`kb.files.tables.write_table` (XLSX, CSV or JSON)."""
    rows = [dict(zip(EXPORT_HEADERS, _export_cells(entry), strict=True)) for entry in entries]
    return list(EXPORT_HEADERS), rows


def _export_cells(entry: AuditEntry) -> tuple[str, ...]:
    return (
        local_time(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
        entry.actor,
        action_label(entry.action),
        entry.target or "",
        entry.before or "",
        entry.after or "",
        entry.address or "",
        entry.detail or "",
    )


def export(session: Session, path: Path, **filters: Any) -> int:
    """Write the entries matching ``filters`` (see :func:`iter_entries`) to ``path``; their count.

    :raises UnsupportedFile: the extension is none of .xlsx, .csv, .json.
    """
    headers, rows = export_rows(iter_entries(session, **filters))
    write_table(Path(path), headers, rows)
    return len(rows)


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored time in Beijing time (SQLite hands times back without their UTC zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)


def action_label(action: str) -> str:
    """The Chinese name of an action, or the action itself if it is not (or no longer) known."""
    try:
        return AuditAction(action).label
    except ValueError:
        return action


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper: object, _connection: object, entry: AuditEntry) -> None:
    raise RuntimeError(f"审计记录只能追加，不能修改或删除（第{entry.id}条）")
