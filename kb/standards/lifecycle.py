"""Lifecycle changes of one standard: the checks and the compare-and-set updates behind
:func:`kb.standards.workflow.transition`, each change with its audit entry.

Only lifecycle fields change here (``status``, ``effective_from`` on publication,
``effective_to``, the rejection fields), and only if the row still holds what was read: a
concurrent change makes the update miss, which rolls the session back and raises a Conflict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from kb.accounts import audit
from kb.accounts.audit import AuditAction
from kb.accounts.permissions import Action
from kb.accounts.permissions import require
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.models import Standard
from kb.models import StandardVersion
from kb.models import User
from kb.models import utcnow
from kb.vocab import Status

#: Statuses of a version awaiting review.
OPEN = (Status.DRAFT, Status.CONSULTATION)
ONE_DAY = dt.timedelta(days=1)


class Move:
    """One transition of one locked standard: checks, compare-and-set updates, audit entries."""

    def __init__(
        self,
        session: Session,
        standard: Standard,
        actor: User,
        reason: str | None,
        address: str | None,
    ) -> None:
        self.session = session
        self.standard = standard
        self.code = standard.code
        self.actor = actor
        self.reason = (reason or "").strip() or None
        self.address = address

    def open_latest(self, version: int | None) -> StandardVersion:
        """The latest version, which must be a draft or in consultation and not rejected."""
        latest = self.standard.versions[-1]
        check_version(self.code, latest.version, version, "审核")
        require(self.actor, Action.REVIEW, latest)
        status = Status(latest.status)
        if status not in OPEN:
            raise Conflict(
                f"标准 {self.code} 的最新版本（第{latest.version}版）为“{status.label}”，"
                "没有待审核的草案",
                {"code": self.code, "version": latest.version, "status": status.value},
            )
        if latest.rejected_at is not None:
            raise Conflict(
                f"标准 {self.code} 第{latest.version}版已被退回（{latest.review_note}），"
                "请修订后重新提交",
                {"code": self.code, "version": latest.version},
            )
        return latest

    def consult(self, version: int | None) -> StandardVersion:
        latest = self.open_latest(version)
        if latest.status != Status.DRAFT:
            raise Conflict(
                f"标准 {self.code} 第{latest.version}版已在征求意见", {"code": self.code}
            )
        self.change(latest, self.why("提交征求意见"), status=Status.CONSULTATION)
        return latest

    def reject(self, version: int | None) -> StandardVersion:
        latest = self.open_latest(version)
        if not self.reason:
            raise InvalidInput("退回草案时必须说明理由", {"reason": "必填"})
        self.change(
            latest,
            f"退回：{self.reason}",
            action=AuditAction.STANDARD_REJECT,
            status=Status.DRAFT,
            rejected_at=utcnow(),
            rejected_by=self.actor.name,
            review_note=self.reason,
        )
        return latest

    def publish(self, version: int | None, effective_from: dt.date | None) -> StandardVersion:
        latest = self.open_latest(version)
        start = effective_from or latest.effective_from or dt.date.today()
        if latest.effective_to and latest.effective_to < start:
            raise InvalidInput(
                f"生效日期 {start} 晚于该版本的失效日期 {latest.effective_to}",
                {"effective_from": "晚于失效日期"},
            )
        in_force = self.in_force()
        for old in in_force:
            if old.effective_from and old.effective_from >= start:
                raise InvalidInput(
                    f"生效日期 {start} 须晚于现行第{old.version}版的生效日期 {old.effective_from}",
                    {"effective_from": f"须晚于 {old.effective_from}"},
                )
        self.change(
            latest,
            self.why(f"发布第{latest.version}版，自 {start} 起施行"),
            status=Status.IN_FORCE,
            effective_from=start,
        )
        for old in in_force:
            self.change(
                old,
                self.why(f"被第{latest.version}版修订，自 {start} 起不再适用"),
                status=Status.SUPERSEDED,
                effective_to=_earlier(old.effective_to, start - ONE_DAY),
            )
        return latest

    def end(self, to: Status, version: int | None, end: dt.date) -> StandardVersion:
        in_force = self.in_force()
        if not in_force:
            raise Conflict(
                f"标准 {self.code} 没有现行有效的版本，不能改为“{to.label}”", {"code": self.code}
            )
        acted = in_force[-1]
        check_version(self.code, acted.version, version, "审核", latest_word="现行有效的是")
        require(self.actor, Action.REVIEW, acted)
        if to is Status.REPEALED and not self.reason:
            raise InvalidInput("废止标准时必须说明理由", {"reason": "必填"})
        for old in in_force:
            if old.effective_from and end < old.effective_from:
                raise InvalidInput(
                    f"失效日期 {end} 早于第{old.version}版的生效日期 {old.effective_from}",
                    {"effective_to": f"不得早于 {old.effective_from}"},
                )
        for old in in_force:
            self.change(
                old,
                self.why(f"{to.label}，{_earlier(old.effective_to, end)} 后不再适用"),
                status=to,
                effective_to=_earlier(old.effective_to, end),
            )
        return acted

    def why(self, what: str) -> str:
        return f"{what}；理由：{self.reason}" if self.reason else what

    def in_force(self) -> list[StandardVersion]:
        return [v for v in self.standard.versions if v.status == Status.IN_FORCE]

    def change(
        self,
        version: StandardVersion,
        what: str,
        *,
        action: AuditAction = AuditAction.STANDARD_TRANSITION,
        **values: Any,
    ) -> None:
        """Set lifecycle fields if the row still holds what was read; audit the change."""
        before = _lifecycle(version, values)
        result = self.session.execute(
            update(StandardVersion)
            .where(
                StandardVersion.id == version.id,
                StandardVersion.status == version.status,
                _same_date(StandardVersion.effective_from, version.effective_from),
                _same_date(StandardVersion.effective_to, version.effective_to),
                StandardVersion.rejected_at.is_(None),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            self.session.rollback()
            raise Conflict(
                f"标准 {self.code} 第{version.version}版刚被他人修改，请刷新后重试",
                {"code": self.code, "version": version.version},
            )
        for name, value in values.items():
            set_committed_value(version, name, value)
        audit.record(
            self.session,
            actor=self.actor,
            action=action,
            target=self.code,
            before=before,
            after=_lifecycle(version, values),
            address=self.address,
            detail=what,
        )


def _same_date(column: Any, value: dt.date | None) -> Any:
    return column.is_(None) if value is None else column == value


def _earlier(current: dt.date | None, end: dt.date) -> dt.date:
    return min(current, end) if current else end


def _lifecycle(version: StandardVersion, values: Mapping[str, Any]) -> dict[str, Any]:
    """The version number and the lifecycle fields about to change, as the audit shows them."""
    shown = {"version": version.version, "status": Status(version.status).value}
    for name in values:
        value = getattr(version, name)
        shown[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return shown


def check_version(
    code: str, current: int, given: int | None, verb: str, *, latest_word: str = "已更新到"
) -> None:
    """Refuse a change based on version ``given`` when the version to act on is ``current``."""
    if given is not None and given != current:
        raise Conflict(
            f"标准 {code} {latest_word}第{current}版，您{verb}的是第{given}版，请刷新后重试",
            {"code": code, "latest_version": current, "base_version": given},
        )
