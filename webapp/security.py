"""Response headers every page and API answer carries: no sniffing, no framing, strict CSP."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.after_request(add_conditional_caching)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def add_conditional_caching(response: Response) -> Response:
    """An ETag on every successful read, so pollers get 304 when nothing changed."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
    ):
        response.add_etag()
        response.headers.setdefault("Cache-Control", "no-cache")
        response.make_conditional(request)
    return response
