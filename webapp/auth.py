"""Who is asking: an API token (``Authorization: Bearer …``) or a logged-in page session.

Rules about what a user may do live in :mod:`kb.accounts.permissions`; this module only finds the user
and refuses anonymous or too-small roles before a view runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import g
from flask import redirect
from flask import request
from flask import session as cookie
from flask import url_for

from kb import accounts
from kb.accounts import lookup_keys
from kb.accounts import permissions
from kb.accounts import tokens
from kb.errors import NotFound
from kb.errors import Unauthorized
from webapp.db import get_session
from webapp.db import get_settings


def init_app(app: Flask) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.before_request(load_user)
    app.before_request(require_login_to_read)
    app.context_processor(lambda: {"current_user": g.get("user")})


def client_address() -> str | None:
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
        g.user = user if user.active else None


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
    cookie.permanent = False
    return user


def log_out() -> None:
    cookie.clear()
