"""Organisations and user accounts: creation, password login with throttling, deactivation.

Passwords are kept as argon2id hashes. Failed logins are stored per name and address, so that
every app process sees the same count: after :data:`MAX_FAILURES` failures within
:data:`FAILURE_WINDOW`, further tries are refused for a delay that doubles with each failure.

Functions that take an ``actor`` check it when it is a :class:`~kb.models.User` (the web app)
and trust a plain name such as ``system`` (the command line, which holds the database anyway).
Except for :func:`authenticate`, the caller owns the transaction.

It stays whole (about 450 lines): organisations, users and login share the name rules, the
password hashing and the audit of each change; tokens, lookup keys, permissions and the audit
log are modules of their own.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.accounts import audit
from kb.accounts.audit import ANONYMOUS
from kb.accounts.audit import SYSTEM
from kb.accounts.audit import AuditAction
from kb.accounts.permissions import Action
from kb.accounts.permissions import require_actor
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.errors import TooManyAttempts
from kb.errors import Unauthorized
from kb.models import AuditEntry
from kb.models import LoginAttempt
from kb.models import Organisation
from kb.models import User
from kb.models import utcnow
from kb.regions import canonical_region
from kb.text import visible_text
from kb.vocab import Role

#: argon2id with the library's current defaults; tests may swap in a cheaper one.
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
#: Failed logins one address may make within FAILURE_WINDOW, over all names, before it waits.
MAX_ADDRESS_FAILURES = 100
#: The name refused API tokens are counted under in ``login_attempt``: it starts with a space,
#: which no account or login name keeps (both are stripped).
TOKEN_ATTEMPTS = " api-token"
_WINDOW_MINUTES = int(FAILURE_WINDOW.total_seconds() // 60)
#: Longest account name (the column's size); a login with a longer one is stored cut to it.
MAX_NAME_LENGTH = 100
#: Longest client address stored with a login attempt (the column's size).
MAX_ADDRESS_LENGTH = 64
WRONG_LOGIN = "用户名或密码不正确"
INACTIVE = "账号已停用"


# -- organisations -----------------------------------------------------------------------------


def add_organisation(
    session: Session,
    name: str,
    *,
    region: str,
    domain: str | None = None,
    actor: User | str = SYSTEM,
    address: str | None = None,
) -> Organisation:
    """A new organisation (a department or a town/street) answering for ``region``.

    :raises Conflict: an organisation of that name exists.
    :raises InvalidInput: an empty or over-long name, region or domain.
    :raises PermissionDenied: ``actor`` is a user who is not an admin.
    """
    require_actor(actor, Action.ADMIN)
    name = clean_name(name, "机构名称", 200)
    region = canonical_region(clean_name(region, "地区", 100))
    domain = clean_name(domain, "领域", 100) if domain and domain.strip() else None
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise Conflict(f"机构“{name}”已存在", {"name": name})
    organisation = Organisation(name=name, region=region, domain=domain)
    session.add(organisation)
    _flush_unique(session, Conflict(f"机构“{name}”已存在", {"name": name}))
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ORGANISATION_CREATE,
        target=name,
        after={"name": name, "region": region, "domain": domain},
        address=address,
    )
    return organisation


def get_organisation(session: Session, name: str) -> Organisation:
    """The organisation called ``name``.

    :raises NotFound: there is none.
    """
    organisation = session.scalar(select(Organisation).where(Organisation.name == name.strip()))
    if organisation is None:
        raise NotFound(f"没有名为“{name}”的机构", {"name": name})
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by region then name."""
    return list(
        session.scalars(select(Organisation).order_by(Organisation.region, Organisation.name))
    )


# -- users -------------------------------------------------------------------------------------


def add_user(
    session: Session,
    name: str,
    *,
    role: Role | str,
    organisation: Organisation | str,
    password: str | None = None,
    actor: User | str = SYSTEM,
    address: str | None = None,
) -> tuple[User, str | None]:
    """A new account, and the password generated for it when none was given (shown once).

    :raises Conflict: an account of that name exists.
    :raises NotFound: no such organisation.
    :raises InvalidInput: a bad name, role or password (at least 8 characters).
    :raises PermissionDenied: ``actor`` is a user who is not an admin.
    """
    require_actor(actor, Action.ADMIN)
    name = clean_name(name, "用户名", 100)
    role = Role.parse(role)
    if isinstance(organisation, str):
        organisation = get_organisation(session, organisation)
    generated = secrets.token_urlsafe(12) if password is None else None
    password_hash = hash_password(generated or password or "")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"用户“{name}”已存在", {"name": name})
    user = User(name=name, role=role, organisation=organisation, password_hash=password_hash)
    session.add(user)
    _flush_unique(session, Conflict(f"用户“{name}”已存在", {"name": name}))
    audit.record(
        session,
        actor=actor,
        action=AuditAction.USER_CREATE,
        target=name,
        after={"name": name, "role": role.value, "organisation": organisation.name},
        address=address,
    )
    return user, generated


def get_user(session: Session, name: str) -> User:
    """The account called ``name``, with its organisation.

    :raises NotFound: there is none.
    """
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        raise NotFound(f"没有名为“{name}”的用户", {"name": name})
    return user


def list_users(session: Session, *, organisation: str | None = None) -> list[User]:
    """Every account (of one organisation, if named), by name."""
    query = select(User).order_by(User.name)
    if organisation:
        query = query.join(User.organisation).where(Organisation.name == organisation)
    return list(session.scalars(query))


def deactivate(
    session: Session, name: str, *, actor: User | str = SYSTEM, address: str | None = None
) -> User:
    """Switch an account off: it can no longer log in, and its tokens stop working.

    :raises NotFound: no such account.
    :raises PermissionDenied: ``actor`` is a user who is not an admin.
    """
    require_actor(actor, Action.ADMIN)
    user = get_user(session, name)
    if user.active:
        user.active = False
        session.flush()
        audit.record(
            session,
            actor=actor,
            action=AuditAction.USER_DEACTIVATE,
            target=user.name,
            before={"active": True},
            after={"active": False},
            address=address,
        )
    return user


def set_password(
    session: Session,
    name: str,
    password: str | None = None,
    *,
    actor: User | str = SYSTEM,
    address: str | None = None,
) -> str | None:
    """Set a new password (an admin, or the user for itself); the generated one if none given.

    Every page session of the account ends (:func:`end_sessions`).

    :raises NotFound: no such account.
    :raises InvalidInput: a password shorter than 8 characters.
    :raises PermissionDenied: ``actor`` is another user who is not an admin.
    """
    user = get_user(session, name)
    if not (isinstance(actor, User) and actor.id == user.id):
        require_actor(actor, Action.ADMIN)
    generated = secrets.token_urlsafe(12) if password is None else None
    user.password_hash = hash_password(generated or password or "")
    end_sessions(session, user)
    audit.record(
        session, actor=actor, action=AuditAction.USER_PASSWORD, target=user.name, address=address
    )
    return generated


# -- passwords and login -----------------------------------------------------------------------


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password.

    :raises InvalidInput: shorter than 8 or longer than 256 characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符", {"password": "太短"})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符", {"password": "太长"})
    return HASHER.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hash: list[str] = []


def _unknown_user_hash() -> str:
    """A hash to check against when the name is unknown, so both cases take as long."""
    if not _dummy_hash:
        _dummy_hash.append(HASHER.hash(secrets.token_urlsafe(16)))
    return _dummy_hash[0]


def authenticate(
    session: Session,
    name: str,
    password: str,
    *,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """The active account whose name and password these are.

    This function commits its own records (the attempt, and an audit entry for a failure),
    because a failed login must be stored although the call raises: call it outside ``atomic``.

    :raises TooManyAttempts: too many recent failures for this name and address; nothing checked.
    :raises Unauthorized: unknown name, wrong password, or a deactivated account.
    """
    now = now or utcnow()
    name, overlong = _login_name(name)
    address = (address or "")[:MAX_ADDRESS_LENGTH]
    wait = retry_after(session, name, address, now=now)
    if wait is not None:
        if not _blocked_recently(session, name, address, now):
            with atomic(session):
                detail = f"需等待 {wait} 秒；此后 {_WINDOW_MINUTES} 分钟内不再逐次记录"
                _audit_login(session, AuditAction.LOGIN_BLOCKED, name, address, detail)
        raise TooManyAttempts(f"登录失败次数过多，请 {wait} 秒后再试", wait)
    spray = _address_wait(session, address, now)
    if spray is not None:
        raise TooManyAttempts(f"该地址登录失败次数过多，请 {spray} 秒后再试", spray)
    user = None if overlong else session.scalar(select(User).where(User.name == name))
    if len(password) > MAX_PASSWORD_LENGTH:
        matches = False  # no password that long was ever accepted: nothing to hash
    else:
        matches = _password_matches(user.password_hash if user else _unknown_user_hash(), password)
    problem = _login_problem(user, matches)
    if overlong:
        problem = f"用户名过长（{overlong} 个字符），只记录前 {MAX_NAME_LENGTH} 个字符"
    with atomic(session):
        session.add(LoginAttempt(user_name=name, address=address, at=now, succeeded=not problem))
        if problem:
            _audit_login(session, AuditAction.LOGIN_FAILED, name, address, problem)
        elif HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
    if problem or user is None:
        raise Unauthorized(INACTIVE if problem == INACTIVE else WRONG_LOGIN)
    return user


def _blocked_recently(session: Session, name: str, address: str, now: dt.datetime) -> bool:
    """Whether a refused login of ``name`` from ``address`` was audited within the window:
    a locked account hammered by one client adds one audit entry, not one per request."""
    return (
        session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.action == AuditAction.LOGIN_BLOCKED.value,
                AuditEntry.target == name,
                AuditEntry.address == address,
                AuditEntry.at >= now - FAILURE_WINDOW,
            )
            .limit(1)
        )
        is not None
    )


def _address_wait(session: Session, address: str, now: dt.datetime) -> int | None:
    """Seconds before ``address`` may try again after :data:`MAX_ADDRESS_FAILURES` failed
    logins within the window, whatever names they tried (``None``: now). Refusing then writes
    nothing, so trying name after name cannot fill the database. Behind a reverse proxy the
    address is the client's only with ``KB_TRUSTED_PROXIES`` set."""
    failures = session.scalars(
        select(LoginAttempt.at)
        .where(
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.user_name != TOKEN_ATTEMPTS,
            LoginAttempt.at >= now - FAILURE_WINDOW,
        )
        .order_by(LoginAttempt.at.desc())
        .limit(MAX_ADDRESS_FAILURES)
    ).all()
    if len(failures) < MAX_ADDRESS_FAILURES:
        return None
    remaining = (utc(failures[-1]) + FAILURE_WINDOW - now).total_seconds()
    return max(1, math.ceil(remaining))


def _login_name(text: str) -> tuple[str, int]:
    """The name a login is counted and audited under, and its length when it is too long for
    any account (0 otherwise): what an anonymous client sends is never stored whole."""
    name = text.strip()
    if len(name) > MAX_NAME_LENGTH:
        return name[:MAX_NAME_LENGTH], len(name)
    return name, 0


def end_sessions(session: Session, user: User) -> None:
    """End every page session of ``user`` (each cookie carries the epoch it was issued with)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


def _login_problem(user: User | None, matches: bool) -> str | None:
    if user is None:
        return "用户不存在"
    if not matches:
        return "密码错误"
    if not user.active:
        return INACTIVE
    return None


def _audit_login(
    session: Session, action: AuditAction, name: str, address: str, detail: str
) -> None:
    audit.record(
        session, actor=ANONYMOUS, action=action, target=name, address=address, detail=detail
    )


def retry_after(
    session: Session, name: str, address: str | None, *, now: dt.datetime | None = None
) -> int | None:
    """Seconds before ``name`` may try to log in again from ``address``; ``None`` if now.

    Counts the failures within :data:`FAILURE_WINDOW` since the last success. From the
    :data:`MAX_FAILURES`-th on, each failure locks for :data:`FIRST_DELAY`, doubled per further
    failure, up to :data:`MAX_DELAY`, counted from the latest failure.
    """
    now = now or utcnow()
    attempts = session.scalars(
        select(LoginAttempt)
        .where(
            LoginAttempt.user_name == name.strip(),
            LoginAttempt.address == (address or ""),
            LoginAttempt.at >= now - FAILURE_WINDOW,
        )
        .order_by(LoginAttempt.at, LoginAttempt.id)
    ).all()
    failures: list[LoginAttempt] = []
    for attempt in attempts:
        failures = [] if attempt.succeeded else [*failures, attempt]
    if len(failures) < MAX_FAILURES:
        return None
    delay = min(FIRST_DELAY * 2 ** (len(failures) - MAX_FAILURES), MAX_DELAY)
    remaining = (utc(failures[-1].at) + delay - now).total_seconds()
    return math.ceil(remaining) if remaining > 0 else None


def utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as aware UTC (SQLite hands times back without their zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- helpers -----------------------------------------------------------------------------------


def clean_name(text: str | None, what: str, limit: int) -> str:
    """A name as stored: NFC, stripped, not empty, at most ``limit`` characters, no controls.

    :raises InvalidInput: otherwise; the message names ``what``.
    """
    name = unicodedata.normalize("NFC", text or "").strip()
    if not name:
        raise InvalidInput(f"{what}不能为空")
    if len(name) > limit:
        raise InvalidInput(f"{what}不能超过 {limit} 个字符")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(f"{what}不能包含控制字符")
    return visible_text(name, what)


def _flush_unique(session: Session, conflict: Conflict) -> None:
    """Flush; a unique constraint broken by a concurrent writer rolls back and raises ``conflict``."""
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise conflict from error
