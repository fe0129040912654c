"""What every request and answer goes through: bounded work (file limits, JSON depth), and the
response headers every page and API answer carries: no sniffing, no framing, strict CSP."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.http import http_date
from werkzeug.middleware.proxy_fix import ProxyFix

from kb.errors import InvalidInput
from kb.files import limits as files_limits

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

#: Added to every response that does not set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)

#: Request headers (WSGI keys) that can make a GET conditional or partial.
CONDITIONAL_REQUEST_KEYS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)


def init_app(app: Flask) -> None:
    """Bind the request limits, the session interface and the security headers."""
    app.session_interface = SessionInterface()
    app.before_request(bound_request)
    app.before_request(refuse_deep_json)
    app.teardown_request(release_bounds)
    app.after_request(add_security_headers)
    app.after_request(add_conditional_caching)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signing serializer built once per secret key
    (Flask builds one per request, and every request opens the session), and the Secure flag
    on the cookie of every request made over HTTPS.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], Any] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured so, and whenever the request came over HTTPS (directly, or
        through a trusted proxy saying so: ``KB_TRUSTED_PROXIES``)."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_signing_serializer(self, app: Flask) -> Any:
        """One serializer per secret key (and fallbacks), made once rather than per request."""
        if not app.secret_key:
            return None
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(key)
        if found is None:
            if len(self._serializers) >= 8:
                self._serializers.clear()
            found = self._serializers[key] = super().get_signing_serializer(app)
        return found


def trust_proxies(app: Flask, count: int) -> None:
    """Read the client's address and scheme from the ``X-Forwarded-For``/``-Proto``/``-Host``
    headers set by the ``count`` reverse proxies in front of the app (none by default: anyone
    can send those headers). Behind a proxy, without it every user has the proxy's address, and
    login throttling by name and address would lock an account for everyone."""
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def bound_request() -> None:
    """Every table read while answering a request obeys the web limits (:mod:`kb.files.limits`)."""
    g.kb_file_limits = files_limits.enter(files_limits.REQUEST_LIMITS)


def release_bounds(_exception: BaseException | None = None) -> None:
    """Leave the request's file limits."""
    token = g.pop("kb_file_limits", None)
    if token is not None:
        files_limits.leave(token)


def refuse_deep_json() -> None:
    """A JSON body nested too deeply for the parser is a 400, whichever view would parse it.

    Python's parser raises RecursionError at about a thousand levels (``'[' * 1000``), which
    neither Flask nor webargs catch. Parsing once here, with the same parser, finds it before
    any view does; a body that parses here parses there too.
    """
    if not request.is_json or not request.content_length:
        return
    try:
        json.loads(request.get_data(cache=True))
    except RecursionError as exc:
        raise InvalidInput("请求中的 JSON 数组或对象嵌套过深，无法解析") from exc
    except ValueError:
        return  # malformed JSON: the view's parser reports it as it always has


def add_security_headers(response: Response) -> Response:
    """Add the security headers a response does not set itself."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def add_conditional_caching(response: Response) -> Response:
    """An ETag on every successful read, so pollers get 304 when nothing changed."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
    ):
        response.add_etag()
        headers = response.headers
        if "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-cache"
        environ = request.environ
        if any(key in environ for key in CONDITIONAL_REQUEST_KEYS):
            response.make_conditional(request)
        else:
            # All that make_conditional does for a request without those headers.
            if "Date" not in headers:
                headers["Date"] = http_date()
            if response.automatically_set_content_length and "Content-Length" not in headers:
                length = response.calculate_content_length()
                if length is not None:
                    headers["Content-Length"] = str(length)
    return response
