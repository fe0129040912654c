"""webapp.security: the headers every response carries, conditional GETs, the session cookie."""

from __future__ import annotations

import pytest
from flask import Response

from webapp import security


@pytest.mark.parametrize("path", ["/", "/api/v1/search?q=x", "/no-such-page", "/api/v1/nothing"])
def test_every_response_carries_each_security_header_once(client, path):
    response = client.get(path)

    for name, value in security.SECURITY_HEADERS:
        assert response.headers.getlist(name) == [value]


def test_a_header_a_view_set_itself_is_kept(app):
    with app.test_request_context("/"):
        own = Response("x", headers={"content-security-policy": "default-src 'none'"})
        headers = security.add_security_headers(own).headers

    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert headers["X-Frame-Options"] == "DENY"


def _headers_of(app, path, conditional, *, request_headers=None):
    with app.test_request_context(path, headers=request_headers or {}):
        response = Response('{"a": 1}', mimetype="application/json")
        if conditional:
            response.add_etag()
            response.headers.setdefault("Cache-Control", "no-cache")
            response.make_conditional(security.request)
        else:
            security.add_conditional_caching(response)
        return response.status_code, {k: v for k, v in response.headers.items() if k != "Date"}


def test_a_plain_get_gets_what_make_conditional_would_give(app):
    ours = _headers_of(app, "/api/v1/search?q=x", conditional=False)
    werkzeug = _headers_of(app, "/api/v1/search?q=x", conditional=True)

    assert ours == werkzeug
    assert set(ours[1]) >= {"ETag", "Cache-Control", "Content-Length"}


@pytest.mark.parametrize(
    "request_headers",
    [
        {"If-None-Match": "*"},
        {"If-Match": '"nope"'},
        {"If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"},
        {"Range": "bytes=0-1"},
    ],
)
def test_conditional_requests_are_left_to_make_conditional(app, request_headers):
    ours = _headers_of(app, "/x", conditional=False, request_headers=request_headers)
    werkzeug = _headers_of(app, "/x", conditional=True, request_headers=request_headers)

    assert ours == werkzeug


def test_search_answers_304_to_its_own_etag(corpus_client):
    first = corpus_client.get("/api/v1/search?q=会议费")
    again = corpus_client.get(
        "/api/v1/search?q=会议费", headers={"If-None-Match": first.headers["ETag"]}
    )
    page = corpus_client.get("/?q=会议费")
    page_again = corpus_client.get("/?q=会议费", headers={"If-None-Match": page.headers["ETag"]})

    assert first.status_code == 200 and first.headers["Date"]
    assert again.status_code == 304
    assert page_again.status_code == 304


def test_the_session_serializer_is_built_once_per_secret_key(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)

    assert interface.get_signing_serializer(app) is first
    app.config["SECRET_KEY_FALLBACKS"] = ["older"]
    rotated = interface.get_signing_serializer(app)
    assert rotated is not first
    app.secret_key = "another"
    assert interface.get_signing_serializer(app) not in (first, rotated)


def test_a_session_cookie_signed_with_a_fallback_key_is_still_read(app, client):
    @app.get("/_whoami")
    def whoami():
        from flask import session

        return session.get("probe") or "-"

    @app.get("/_login")
    def login():
        from flask import session

        session["probe"] = "alice"
        return "ok"

    client.get("/_login")
    assert client.get("/_whoami").get_data(as_text=True) == "alice"
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "rotated"
    assert client.get("/_whoami").get_data(as_text=True) == "alice"
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/_whoami").get_data(as_text=True) == "-"
