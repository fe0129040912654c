"""Who is asking: an API token (``Authorization: Bearer …``) or a logged-in page session.

Rules about what a user may do live in :mod:`kb.accounts.permissions`; this module only finds the user
and refuses anonymous or too-small roles before a view runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import g
from flask import redirect
from flask import request
from flask import session as cookie
from flask import url_for

from kb import accounts
from kb import standards
from kb.accounts import lookup_keys
from kb.accounts import permissions
from kb.accounts import tokens
from kb.db import atomic
from kb.errors import NotFound
from kb.errors import PermissionDenied
from kb.errors import Unauthorized
from kb.standards import history
from kb.vocab import DocumentStatus
from kb.vocab import Status
from webapp.db import get_session
from webapp.db import get_settings
from webapp.db import get_settings_of


def init_app(app: Flask) -> None:
    """Set the session cookie's safety and lifetime, and load the current user per request."""
    hours = get_settings_of(app).session_hours
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Flask refuses a cookie signed longer ago than this, whatever it holds.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=hours),
    )
    app.before_request(load_user)
    app.before_request(require_login_to_read)
    app.context_processor(lambda: {"current_user": g.get("user")})


def client_address() -> str | None:
    """The client's address as recorded in the audit log."""
    return request.remote_addr


#: The read-only routes a lookup key (``?key=…``) opens: spreadsheet cells send no headers.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOKUP_KEY_ENDPOINTS = frozenset({"api_spreadsheet.Lookup", "api_spreadsheet.SearchCsv"})


def load_user() -> None:
    """Put the requesting user (or ``None``) in ``g.user``; a bad token or key is a 401 at once.

    A lookup key counts only on a GET (HEAD, OPTIONS) of :data:`LOOKUP_KEY_ENDPOINTS`; anywhere else it is
    ignored, so it cannot be used to write.
    """
    g.user = None
    key = request.args.get("key")
    if key and request.method in SAFE_METHODS and request.endpoint in LOOKUP_KEY_ENDPOINTS:
        g.user = lookup_keys.user_for_key(get_session(), key, address=client_address())
        return
    header = request.headers.get("Authorization", "")
    if request.path.startswith("/api/") and header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization 头应为 “Bearer 令牌”")
        g.user = tokens.user_for_token(get_session(), secret.strip(), address=client_address())
        return
    name = cookie.get("user")
    if name and not request.path.startswith("/api/"):
        try:
            user = accounts.get_user(get_session(), name)
        except NotFound:
            cookie.clear()
            return
        if not user.active or not _session_current(user):
            cookie.clear()
            return
        g.user = user


def _session_current(user: Any) -> bool:
    """Whether the page session was issued for the account's present epoch (no log out or new
    password since) and is younger than the session lifetime (``KB_SESSION_HOURS``)."""
    if cookie.get("epoch") != (user.session_epoch or 0):
        return False
    since = cookie.get("since")
    if not isinstance(since, int | float):
        return False
    age = time.time() - since
    return 0 <= age <= get_settings().session_hours * 3600


def requires(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse the view to anonymous requests and to roles that may not ``action`` (403).

    Anonymous API requests get a 401; anonymous page requests are sent to the login page,
    which brings a GET back to where it was going.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = g.get("user")
            if user is None:
                if not request.path.startswith("/api/"):
                    return redirect(login_url())
                raise Unauthorized("需要登录或提供 API 令牌")
            permissions.require(user, action)
            return view(*args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorate


#: What stays open when reading requires an account: logging in, and the files pages need.
OPEN_ENDPOINTS = frozenset({"pages_account.login", "static"})


def require_login_to_read() -> Any:
    """With ``KB_READ_REQUIRES_LOGIN``, every page and API read needs an account or a token."""
    if not get_settings().read_requires_login or g.get("user") is not None:
        return None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        raise Unauthorized("本系统需要登录或提供 API 令牌才能查看")
    return redirect(login_url())


def login_url() -> str:
    """The login page, coming back to this page afterwards when it is one to come back to."""
    if request.method in ("GET", "HEAD"):
        return url_for("pages_account.login", next=request.full_path.rstrip("?"))
    return url_for("pages_account.login")


def log_in(name: str, password: str) -> Any:
    """Check a password (throttled, audited in kb) and start a page session."""
    user = accounts.authenticate(get_session(), name, password, address=client_address())
    cookie.clear()
    cookie["user"] = user.name
    cookie["epoch"] = user.session_epoch or 0
    cookie["since"] = int(time.time())
    cookie.permanent = False
    return user


def log_out() -> None:
    """End the session here and every other session of the same account."""
    user = g.get("user")
    if user is not None:
        with atomic(get_session()) as session:
            accounts.end_sessions(session, user)
    cookie.clear()


# -- what the requester may see: drafts only within their scope --------------------------------

#: The status the index holds for a document or clause whose document has no status recorded.
NO_STATUS = ""

#: What a status filter lists beside the statuses of standards so that documents and clauses
#: stay in the default search: every document status (none is a draft) and the empty one.
DOCUMENT_STATUSES = (*(s.value for s in DocumentStatus), NO_STATUS)


def visible_version(session: Any, code: str, *, on: Any = None, version: int | None = None) -> Any:
    """:func:`kb.standards.get`, for what the requester may see (:func:`permissions.may_see`):
    asked for no particular version, the latest visible one; a draft they may not see is as
    if it did not exist.

    :raises NotFound: no such standard, or no version the requester may see.
    """
    found = standards.get(session, code, on=on, version=version)
    user = g.get("user")
    if permissions.may_see(user, found):
        return found
    if on is None and version is None:
        for candidate in reversed(found.standard.versions):
            if permissions.may_see(user, candidate):
                return candidate
        raise NotFound(f"没有编号为 {code} 的标准", {"code": code})
    raise NotFound(f"标准 {code} 没有第{version}版", {"code": code, "version": version})


def visible_only(versions: list[Any]) -> list[Any]:
    """The versions the requester may see, in their order."""
    user = g.get("user")
    return [version for version in versions if permissions.may_see(user, version)]


def visible_history(standard: Any) -> list[Any]:
    """The standard's versions the requester may see, each with its changes since the one
    before it that they may see (so a hidden draft's content shows nowhere).

    :raises NotFound: none of them.
    """
    user = g.get("user")
    entries, previous = [], None
    for version in standard.versions:
        if permissions.may_see(user, version):
            changes = history.diff(previous, version)
            entries.append(history.VersionEntry(version.version, version, changes))
            previous = version
    if not entries:
        raise NotFound(f"没有编号为 {standard.code} 的标准", {"code": standard.code})
    return entries


def restrict_search(args: dict[str, Any]) -> dict[str, Any]:
    """Search arguments limited to what the requester may see.

    Without a status, drafts are left out for everyone (documents and clauses stay); asking for
    drafts needs an account and keeps to its organisation's regions and domain (an admin: all).

    :raises Unauthorized: an anonymous request for drafts.
    :raises PermissionDenied: drafts of a region or domain outside the account's scope.
    """
    status = args.get("status")
    wanted = (status,) if isinstance(status, str) else tuple(status or ())
    public = tuple(s.value for s in permissions.PUBLIC_STATUSES)
    if not wanted:
        if args.get("type") == "standard":
            shown = public
        else:
            shown = tuple(dict.fromkeys((*public, *DOCUMENT_STATUSES)))
        return {**args, "status": shown}
    if Status.DRAFT.value not in wanted:
        return args
    user = g.get("user")
    if user is None:
        raise Unauthorized("草案仅对登录的本单位、审核人和管理员可见，请先登录")
    scope = permissions.draft_scope(user)
    if scope is None:
        return args
    regions, domain = scope
    asked = args.get("region")
    asked = (asked,) if isinstance(asked, str) else tuple(asked or ())
    allowed = tuple(sorted(r for r in asked if r in regions)) if asked else tuple(sorted(regions))
    if not allowed or (domain and args.get("domain") not in (None, "", domain)):
        raise PermissionDenied(
            f"只能查看{permissions.scope_text(user.organisation)}的草案", {"status": "draft"}
        )
    return {**args, "region": allowed, **({"domain": domain} if domain else {})}
