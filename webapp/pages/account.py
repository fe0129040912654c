"""Logging in and out, and a user's own API tokens (shown once when created)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from kb.accounts import tokens
from kb.db import atomic
from kb.errors import TooManyAttempts
from kb.errors import Unauthorized
from webapp.auth import client_address
from webapp.auth import log_in
from webapp.auth import log_out
from webapp.auth import requires
from webapp.db import get_session

bp = Blueprint("pages_account", __name__)

#: A page that shows a secret must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site, never another site (open redirect)."""
    fallback = url_for("pages_search.index")
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    if any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target):
        return fallback  # browsers read "/\evil.example" and "/\t/evil.example" as "//…"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in (url_for("pages_account.login"),):
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple:
    """The login form, and the password check it posts to."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("account/login.html", next=target, name="", error=None)
    name = request.form.get("name", "")
    try:
        user = log_in(name, request.form.get("password", ""))
    except TooManyAttempts as error:
        page = render_template(
            "account/login.html",
            next=target,
            name=name,
            error=error.message,
            retry_after=error.retry_after,
        )
        return page, 429, {"Retry-After": str(error.retry_after)}
    except Unauthorized as error:
        return render_template(
            "account/login.html", next=target, name=name, error=error.message
        ), 401
    flash(f"已登录：{user.name}（{user.organisation.name}）")
    return redirect(target)


@bp.post("/logout")
@requires("read")
def logout() -> Response:
    """End the session and return to search."""
    log_out()
    flash("已退出登录")
    return redirect(url_for("pages_search.index"))


@bp.get("/account")
@requires("read")
def account() -> str:
    """The user's own page and API tokens."""
    return _account_page()


@bp.post("/account/tokens")
@requires("read")
def create_token() -> tuple:
    """A new API token, its secret shown once."""
    with atomic(get_session()) as session:
        token, secret = tokens.create_token(
            session, g.user.name, actor=g.user, address=client_address()
        )
    return _account_page(created=token, secret=secret), 201, NO_STORE


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires("read")
def revoke_token(token_id: int) -> Response:
    """Revoke one of the user's own tokens."""
    with atomic(get_session()) as session:
        token = tokens.revoke_token(session, token_id, actor=g.user, address=client_address())
    flash(f"已吊销令牌 {token.prefix}…")
    return redirect(url_for("pages_account.account"))


def _account_page(**shown: object) -> str:
    owned = tokens.list_tokens(get_session(), user_name=g.user.name)
    return render_template("account/index.html", tokens=owned, **shown)
