"""Lookup keys: a user's read-only key for spreadsheet cells, which cannot send headers.

Where reading needs an account (``KB_READ_REQUIRES_LOGIN``), Excel's and WPS's ``WEBSERVICE``
can only put the credential in the URL (``…/api/v1/lookup?code=…&key=kbl_…``). A URL ends up in
workbooks, proxies' logs and e-mails, so this key is not an API token: it opens the two
spreadsheet routes for reading and nothing else (the web layer checks the route), a user has at
most one live key (a new one revokes the old), it is stored as a SHA-256 hash, and creating,
revoking and refusing one are written to the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.accounts import audit
from kb.accounts import get_user
from kb.accounts.audit import ANONYMOUS
from kb.accounts.audit import SYSTEM
from kb.accounts.audit import AuditAction
from kb.accounts.tokens import credential_problem
from kb.accounts.tokens import hash_secret
from kb.accounts.tokens import is_stale
from kb.accounts.tokens import issue_secret
from kb.accounts.tokens import require_owner_or_admin
from kb.accounts.tokens import user_who_may_hold
from kb.db import atomic
from kb.errors import NotFound
from kb.errors import Unauthorized
from kb.models import LookupKey
from kb.models import User
from kb.models import utcnow

SECRET_PREFIX = "kbl_"
PREFIX_LENGTH = 8


def create_key(
    session: Session, user_name: str, *, actor: User | str = SYSTEM, address: str | None = None
) -> tuple[LookupKey, str]:
    """A new lookup key for ``user_name`` and its secret, shown once; the user's old key is revoked.

    :raises NotFound: no such user.
    :raises Conflict: the account is deactivated.
    :raises PermissionDenied: ``actor`` is neither an admin nor the user itself.
    """
    user = user_who_may_hold(session, user_name, actor, "查询密钥")
    for old in live_keys(session, user):
        _revoke(session, old, actor=actor, address=address)
    return issue_secret(
        session,
        user,
        lambda digest, prefix: LookupKey(user=user, key_hash=digest, prefix=prefix),
        secret_prefix=SECRET_PREFIX,
        random_bytes=24,  # a shorter URL in a spreadsheet cell; 192 bits are ample
        action=AuditAction.LOOKUP_KEY_CREATE,
        actor=actor,
        address=address,
    )


def revoke_key(
    session: Session, user_name: str, *, actor: User | str = SYSTEM, address: str | None = None
) -> LookupKey:
    """Revoke the live lookup key of ``user_name``; it stops working at once.

    :raises NotFound: no such user, or the user has no live key.
    :raises PermissionDenied: ``actor`` is neither an admin nor the user itself.
    """
    user = get_user(session, user_name)
    require_owner_or_admin(actor, user)
    live = live_keys(session, user)
    if not live:
        raise NotFound(f"账号“{user.name}”没有有效的查询密钥", {"user": user.name})
    for key in live:
        _revoke(session, key, actor=actor, address=address)
    return live[-1]


def live_keys(session: Session, user: User) -> list[LookupKey]:
    """The user's keys that still work (at most one, unless written around this module)."""
    return list(
        session.scalars(
            select(LookupKey)
            .where(LookupKey.user_id == user.id, LookupKey.revoked_at.is_(None))
            .order_by(LookupKey.id)
        )
    )


def current_key(session: Session, user: User) -> LookupKey | None:
    """The user's live key, if any (its prefix and dates; the secret is never kept)."""
    live = live_keys(session, user)
    return live[-1] if live else None


def user_for_key(
    session: Session, secret: str, *, address: str | None = None, now: dt.datetime | None = None
) -> User:
    """The user whose live key ``secret`` is.

    Commits its own writes (``last_used_at``, an audit entry for a refused key): call it
    outside ``atomic``.

    :raises Unauthorized: an unknown or revoked key, or a deactivated account.
    """
    now = now or utcnow()
    secret = (secret or "").strip()
    key = session.scalar(select(LookupKey).where(LookupKey.key_hash == hash_secret(secret)))
    problem = credential_problem(key, "查询密钥")
    with atomic(session):
        if problem:
            audit.record(
                session,
                actor=ANONYMOUS,
                action=AuditAction.LOOKUP_KEY_REFUSED,
                target=key.user.name if key else None,
                address=address,
                detail=f"{problem}（{secret[:PREFIX_LENGTH]}…）",
            )
        elif key.last_used_at is None or is_stale(key.last_used_at, now):
            key.last_used_at = now
    if problem or key is None:
        raise Unauthorized(problem or "查询密钥无效")
    return key.user


def _revoke(session: Session, key: LookupKey, *, actor: User | str, address: str | None) -> None:
    key.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.LOOKUP_KEY_REVOKE,
        target=key.user.name,
        before={"id": key.id, "prefix": key.prefix, "revoked": False},
        after={"id": key.id, "prefix": key.prefix, "revoked": True},
        address=address,
    )
