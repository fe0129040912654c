"""API tokens: issued once, stored as a SHA-256 hash, carrying their user's role and organisation.

A token is ``kb_`` followed by 43 URL-safe characters (256 random bits). Only its hash and its
first characters (to tell tokens apart in a list) are kept, so a lost token cannot be shown
again: it is revoked and a new one created. Looking a token up by its hash needs no
constant-time comparison: the hash of a guess reveals nothing about the stored ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Callable
from typing import NoReturn
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.accounts import FAILURE_WINDOW
from kb.accounts import MAX_ADDRESS_LENGTH
from kb.accounts import TOKEN_ATTEMPTS
from kb.accounts import audit
from kb.accounts import get_user
from kb.accounts import utc
from kb.accounts.audit import ANONYMOUS
from kb.accounts.audit import SYSTEM
from kb.accounts.audit import AuditAction
from kb.accounts.audit import local_time
from kb.accounts.permissions import Action
from kb.accounts.permissions import require_actor
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import NotFound
from kb.errors import TooManyAttempts
from kb.errors import Unauthorized
from kb.models import ApiToken
from kb.models import LoginAttempt
from kb.models import LookupKey
from kb.models import User
from kb.models import utcnow

SECRET_PREFIX = "kb_"
PREFIX_LENGTH = 8
#: Bad tokens an address may present within FAILURE_WINDOW before it must wait.
MAX_TOKEN_FAILURES = 10
#: ``last_used_at`` is refreshed at most this often, to spare the database a write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
#: A credential: an API token or a lookup key (:func:`issue_secret`).
C = TypeVar("C", ApiToken, LookupKey)


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def create_token(
    session: Session, user_name: str, *, actor: User | str = SYSTEM, address: str | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user_name`` and its secret, which is never available again.

    :raises NotFound: no such user.
    :raises Conflict: the account is deactivated.
    :raises PermissionDenied: ``actor`` is neither an admin nor the user itself.
    """
    user = user_who_may_hold(session, user_name, actor, "令牌")
    return issue_secret(
        session,
        user,
        lambda digest, prefix: ApiToken(user=user, token_hash=digest, prefix=prefix),
        secret_prefix=SECRET_PREFIX,
        action=AuditAction.TOKEN_CREATE,
        actor=actor,
        address=address,
    )


def user_who_may_hold(session: Session, user_name: str, actor: User | str, what: str) -> User:
    """The active user ``user_name``, for whom ``actor`` may create a ``what`` (令牌, 查询密钥).

    :raises NotFound: no such user.
    :raises Conflict: the account is deactivated.
    :raises PermissionDenied: ``actor`` is neither an admin nor the user itself.
    """
    user = get_user(session, user_name)
    require_owner_or_admin(actor, user)
    if not user.active:
        raise Conflict(f"账号“{user.name}”已停用，不能创建{what}", {"user": user.name})
    return user


def issue_secret(
    session: Session,
    user: User,
    make: Callable[[str, str], C],
    *,
    secret_prefix: str,
    random_bytes: int = 32,
    action: AuditAction,
    actor: User | str,
    address: str | None,
) -> tuple[C, str]:
    """A new credential of ``user`` made by ``make(hash, prefix)``, with its secret
    (``random_bytes`` random bytes after ``secret_prefix``), which is never available again; its
    creation is audited."""
    secret = secret_prefix + secrets.token_urlsafe(random_bytes)
    credential = make(hash_secret(secret), secret[:PREFIX_LENGTH])
    session.add(credential)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        target=user.name,
        after={"id": credential.id, "user": user.name, "prefix": credential.prefix},
        address=address,
    )
    return credential, secret


def revoke_token(
    session: Session, token_id: int, *, actor: User | str = SYSTEM, address: str | None = None
) -> ApiToken:
    """Revoke token ``token_id``; it stops working at once.

    :raises NotFound: no such token.
    :raises Conflict: it was already revoked.
    :raises PermissionDenied: ``actor`` is neither an admin nor the token's user.
    """
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"没有编号为 {token_id} 的令牌", {"id": token_id})
    require_owner_or_admin(actor, token.user)
    if token.revoked_at is not None:
        when = local_time(token.revoked_at).strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"令牌 {token_id} 已于 {when} 吊销", {"id": token_id})
    token.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.TOKEN_REVOKE,
        target=token.user.name,
        before={"id": token.id, "prefix": token.prefix, "revoked": False},
        after={"id": token.id, "prefix": token.prefix, "revoked": True},
        address=address,
    )
    return token


def list_tokens(session: Session, *, user_name: str | None = None) -> list[ApiToken]:
    """Every token (of one user, if named), newest first, revoked ones included."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user_name:
        query = query.join(ApiToken.user).where(User.name == user_name)
    return list(session.scalars(query))


def user_for_token(
    session: Session,
    secret: str,
    *,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """The user a token belongs to, with its role and organisation.

    Commits its own writes (``last_used_at``, an audit entry for a refused token): call it
    outside ``atomic``.

    :raises Unauthorized: no token, an unknown or revoked one, or a deactivated account.
    """
    now = now or utcnow()
    if not secret or not secret.strip():
        raise Unauthorized("缺少 API 令牌")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    problem = credential_problem(token, "API 令牌")
    if problem or token is None:
        _refuse(session, secret, token, problem or "API 令牌无效", address or "", now)
    if token.last_used_at is None or is_stale(token.last_used_at, now):
        with atomic(session):
            token.last_used_at = now
    return token.user


def _refuse(
    session: Session,
    secret: str,
    token: ApiToken | None,
    problem: str,
    address: str,
    now: dt.datetime,
) -> NoReturn:
    """Count a refused token against its address, throttled and audited in aggregate.

    Each address may present :data:`MAX_TOKEN_FAILURES` bad tokens within
    :data:`~kb.accounts.FAILURE_WINDOW`; the first is audited, and so is the one that reaches
    the limit; later ones are refused (429) without writing anything, so anonymous requests
    cannot fill the database.

    :raises TooManyAttempts: the address is over the limit.
    :raises Unauthorized: otherwise.
    """
    address = address[:MAX_ADDRESS_LENGTH]
    failures = session.scalars(
        select(LoginAttempt.at)
        .where(
            LoginAttempt.user_name == TOKEN_ATTEMPTS,
            LoginAttempt.address == address,
            LoginAttempt.at >= now - FAILURE_WINDOW,
        )
        .order_by(LoginAttempt.at)
    ).all()
    if len(failures) >= MAX_TOKEN_FAILURES:
        wait = math.ceil((utc(failures[0]) + FAILURE_WINDOW - now).total_seconds())
        raise TooManyAttempts(f"无效 API 令牌过多，请 {max(wait, 1)} 秒后再试", max(wait, 1))
    with atomic(session):
        session.add(
            LoginAttempt(user_name=TOKEN_ATTEMPTS, address=address, at=now, succeeded=False)
        )
        shown = secret.strip()[:PREFIX_LENGTH]
        if not failures:
            detail = f"{problem}（{shown}…）"
        elif len(failures) + 1 == MAX_TOKEN_FAILURES:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            detail = (
                f"{minutes} 分钟内第 {MAX_TOKEN_FAILURES} 次无效 API 令牌（{shown}…），"
                "此后暂停受理该地址的令牌，不再逐次记录"
            )
        else:
            detail = None
        if detail:
            audit.record(
                session,
                actor=ANONYMOUS,
                action=AuditAction.LOGIN_FAILED if not failures else AuditAction.LOGIN_BLOCKED,
                target=token.user.name if token else None,
                address=address,
                detail=detail,
            )
    raise Unauthorized(problem)


def credential_problem(credential: ApiToken | LookupKey | None, name: str) -> str | None:
    """Why a presented credential (an API token, a lookup key) opens nothing, or ``None``."""
    if credential is None:
        return f"{name}无效"
    if credential.revoked_at is not None:
        return f"{name}已吊销"
    if not credential.user.active:
        return "账号已停用"
    return None


def is_stale(last_used: dt.datetime, now: dt.datetime) -> bool:
    """Whether a credential's ``last_used_at`` is old enough to be written again (not on every
    request: one write a minute is enough to tell when it was last used)."""
    if last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=dt.UTC)
    return now - last_used >= LAST_USED_RESOLUTION


def require_owner_or_admin(actor: User | str, user: User) -> None:
    """Only the credential's owner or an admin may create or revoke it."""
    if not (isinstance(actor, User) and actor.id == user.id):
        require_actor(actor, Action.ADMIN)
