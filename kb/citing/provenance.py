"""A reviewer's confirmation that a standard's figure is as its issuer published it.

``verified`` (:func:`kb.standards.is_verified`) is true for a figure read from the issuing
authority's own site, or one a reviewer confirmed against it here: the confirmation names the
official address, is recorded on the version and in the audit log.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kb import standards
from kb.accounts import audit
from kb.accounts.permissions import Action
from kb.accounts.permissions import require_actor
from kb.documents.provenance import is_official
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.models import StandardVersion
from kb.models import User
from kb.models import utcnow


def confirm_source(
    session: Session,
    code: str,
    *,
    version: int | None = None,
    address: str,
    actor: User | str,
    client: str | None = None,
) -> StandardVersion:
    """Record that ``actor`` checked ``code`` (this version, default current) at ``address``.

    :raises InvalidInput: ``address`` is not on an official site (``*.gov.cn``), or the
        standard is illustrative (a 示例 figure is never verified).
    :raises Conflict: the version is already confirmed.
    :raises PermissionDenied: ``actor`` may not review this standard.
    :raises NotFound: no such standard or version.
    """
    target = standards.get(session, code, version=version)
    require_actor(actor, Action.REVIEW, target)
    address = (address or "").strip()
    if not is_official(address):
        raise InvalidInput(
            f"“{address}”不是发文机关自己的发布地址（须为 gov.cn 或 *.gov.cn 网址），转载页不能确认来源",
            {"address": address},
        )
    if target.illustrative:
        raise InvalidInput(f"{code} 是示例数据，不能确认为已核实", {"code": code})
    if target.source_confirmed_by:
        raise Conflict(
            f"{code} 第{target.version}版的来源已由 {target.source_confirmed_by} 确认",
            {"code": code, "version": target.version},
        )
    target.source_confirmed_by = audit.actor_name(actor)
    target.source_confirmed_at = utcnow()
    sources = [s for s in (target.source or "").split(" ; ") if s]
    if address not in sources:
        target.source = " ; ".join([*sources, address])
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.STANDARD_SOURCE_CONFIRM,
        target=f"{code}:v{target.version}",
        after={"source_confirmed_by": target.source_confirmed_by, "address": address},
        address=client,
    )
    session.flush()
    return target
