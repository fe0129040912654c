"""Logging in and out through the pages, throttled logins, safe redirects and one's own tokens."""

import time
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from kb import accounts
from kb.accounts import audit
from kb.accounts import tokens
from kb.db import atomic
from tests.conftest import PASSWORD
from webapp import auth
from webapp import create_app
from webapp.db import close


def html(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def form_token(client, url):
    """The CSRF token a real browser would send back with the form at ``url``."""
    return html(client.get(url)).select_one('input[name="csrf_token"]')["value"]


def log_in(client, name, password=PASSWORD, next_url=None):
    """Log in through the login form; the response (a redirect when it worked)."""
    data = {"name": name, "password": password, "csrf_token": form_token(client, "/login")}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def post_form(client, page_url, data, action=None):
    """Submit a form of ``page_url`` with its CSRF token (to ``action``, default the page)."""
    token = form_token(client, page_url)
    return client.post(action or page_url, data={**data, "csrf_token": token})


def test_logging_in_and_out(client, cast):
    anonymous = html(client.get("/"))
    assert anonymous.select_one("#login-link").text == "登录"

    response = log_in(client, "朱编辑")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

    page = html(client.get("/"))
    assert page.select_one("#current-user").text == "朱编辑"
    nav = [a.text for a in page.select("header.site nav a")]
    assert "我的草案" in nav and "审核" not in nav and "管理" not in nav

    token = page.select_one("form.logout input[name=csrf_token]")["value"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert html(client.get("/")).select_one("#current-user") is None


@pytest.mark.parametrize(
    ("account", "shown", "hidden"),
    [("审核员", "审核", "我的草案"), ("管理员", "管理", "审核"), ("查看员", None, "我的草案")],
)
def test_the_menu_follows_the_role(client, cast, account, shown, hidden):
    log_in(client, account)
    nav = [a.text for a in html(client.get("/")).select("header.site nav a")]
    assert shown is None or shown in nav
    assert hidden not in nav


def test_a_wrong_password_is_shown_on_the_form(client, cast):
    page = html(log_in(client, "朱编辑", "wrong-password"), 401)

    assert page.select_one("#login-error").text == "用户名或密码不正确"
    assert page.select_one("#name")["value"] == "朱编辑"
    assert page.select_one("#password").get("value") is None


def test_repeated_failures_are_slowed_down(client, cast):
    for _ in range(5):
        assert log_in(client, "朱编辑", "wrong-password").status_code == 401

    response = log_in(client, "朱编辑")  # even the right password waits
    page = html(response, 429)

    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 30
    assert page.select_one("#retry-after").text == str(wait)
    assert "登录失败次数过多" in page.select_one("#login-error").text


def test_after_login_the_user_goes_where_they_were_going(client, cast):
    response = client.get("/drafts?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/drafts?x%3D1"

    login_page = html(client.get(response.headers["Location"]))
    assert login_page.select_one('input[name="next"]')["value"] == "/drafts?x=1"
    assert log_in(client, "朱编辑", next_url="/drafts?x=1").headers["Location"] == "/drafts?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/login",
    ],
)
def test_next_never_leads_off_the_site(client, cast, target):
    assert log_in(client, "朱编辑", next_url=target).headers["Location"] == "/"


def test_anonymous_page_posts_go_to_the_login_page(client, cast):
    token = form_token(client, "/login")
    response = client.post("/account/tokens", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_form_without_its_csrf_token_is_refused(client, cast):
    response = client.post("/login", data={"name": "朱编辑", "password": PASSWORD})

    assert response.status_code == 400
    assert "安全令牌（CSRF）" in response.get_data(as_text=True)


def test_my_tokens_created_once_and_revoked(client, session, cast):
    log_in(client, "朱编辑")
    assert html(client.get("/account")).select_one(".empty") is not None

    created = html(post_form(client, "/account", {}, "/account/tokens"), 201)
    secret = created.select_one("#secret").text
    assert secret.startswith("kb_")
    assert tokens.user_for_token(session, secret).name == "朱编辑"
    session.commit()

    again = html(client.get("/account"))
    assert again.select_one("#secret") is None  # shown once
    (row,) = again.select("table.tokens tbody tr")
    assert row.select_one("code").text == secret[:8] + "…"

    revoke = row.select_one("form")["action"]
    assert post_form(client, "/account", {}, revoke).status_code == 302
    assert "吊销" in html(client.get("/account")).select_one("table.tokens .badge").text


def test_nobody_revokes_another_users_token(client, session, cast):
    with atomic(session):
        theirs, _ = tokens.create_token(session, "练编辑")
    log_in(client, "朱编辑")

    response = post_form(client, "/account", {}, f"/account/tokens/{theirs.id}/revoke")

    assert response.status_code == 403


def test_reading_can_require_an_account(settings, session, cast):
    from dataclasses import replace

    from kb.accounts import tokens
    from kb.db import atomic
    from webapp import create_app
    from webapp.db import close

    app = create_app(replace(settings, read_requires_login=True))
    client = app.test_client()
    try:
        assert client.get("/api/v1/search?q=x").status_code == 401
        page = client.get("/?q=x")
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        assert client.get("/login").status_code == 200
        with atomic(session):
            _, secret = tokens.create_token(session, "查看员")
        ok = client.get("/api/v1/search?q=x", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200
    finally:
        close(app)


# -- sessions end on log out and new password, expire, and are Secure over HTTPS ---------------


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def opens_drafts(app, cookie_value) -> bool:
    """Whether a browser holding only this session cookie is let into /drafts."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other.get("/drafts").status_code == 200


def test_logging_out_ends_every_session_of_the_account(app, client, cast):
    log_in(client, "朱编辑")
    elsewhere = app.test_client()
    log_in(elsewhere, "朱编辑")
    kept = session_cookie(client)
    assert opens_drafts(app, kept)

    token = html(client.get("/")).select_one("form.logout input[name=csrf_token]")["value"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    assert not opens_drafts(app, kept)  # the cookie copied before logging out
    assert elsewhere.get("/drafts").status_code == 302  # the session on another computer


def test_a_new_password_ends_every_session(app, client, session, cast):
    log_in(client, "朱编辑")
    kept = session_cookie(client)
    with atomic(session):
        accounts.set_password(session, "朱编辑", "another-password-1")

    assert not opens_drafts(app, kept)
    assert log_in(client, "朱编辑", "another-password-1").status_code == 302
    assert client.get("/drafts").status_code == 200


def test_a_session_ends_after_its_lifetime(settings, cast, monkeypatch):
    app = create_app(replace(settings, session_hours=2))
    try:
        client = app.test_client()
        log_in(client, "朱编辑")
        assert client.get("/drafts").status_code == 200
        now = time.time()
        monkeypatch.setattr(auth.time, "time", lambda: now + 2 * 3600 - 60)
        assert client.get("/drafts").status_code == 200
        monkeypatch.setattr(auth.time, "time", lambda: now + 2 * 3600 + 60)
        assert client.get("/drafts").status_code == 302
    finally:
        close(app)


def test_the_session_cookie_is_secure_over_https_only(app, cast):
    plain = app.test_client()
    assert "Secure" not in log_in(plain, "朱编辑").headers["Set-Cookie"]
    secure = app.test_client()
    data = {"name": "朱编辑", "password": PASSWORD}
    token = secure.get("/login", base_url="https://kb.example")
    csrf = BeautifulSoup(token.get_data(as_text=True), "html.parser").select_one(
        'input[name="csrf_token"]'
    )["value"]
    response = secure.post(
        "/login",
        data={**data, "csrf_token": csrf},
        base_url="https://kb.example",
        headers={"Referer": "https://kb.example/login"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "Secure" in response.headers["Set-Cookie"]


def proxied_login(client, address: str, password: str, proto: str = "http"):
    headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": proto}
    if proto == "https":
        headers["Referer"] = "https://localhost/login"  # CSRF checks the referrer over HTTPS
    csrf = html(client.get("/login", headers=headers)).select_one('input[name="csrf_token"]')
    return client.post(
        "/login",
        data={"name": "朱编辑", "password": password, "csrf_token": csrf["value"]},
        headers=headers,
    )


def test_behind_a_trusted_proxy_throttling_counts_each_client_address(settings, cast):
    app = create_app(replace(settings, trusted_proxies=1))
    try:
        attacker, colleague = app.test_client(), app.test_client()
        for _ in range(6):
            proxied_login(attacker, "10.0.0.66", "wrong-password")
        assert proxied_login(attacker, "10.0.0.66", PASSWORD).status_code == 429
        assert proxied_login(colleague, "10.0.0.7", PASSWORD).status_code == 302
        https = app.test_client()
        assert "Secure" in proxied_login(https, "10.0.0.8", PASSWORD, "https").headers["Set-Cookie"]
    finally:
        close(app)


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, cast):
    for _ in range(6):
        proxied_login(client, "10.0.0.66", "wrong-password")
    other = client.application.test_client()
    assert proxied_login(other, "10.0.0.7", PASSWORD).status_code == 429


def test_a_huge_login_name_is_refused_and_never_stored_whole(client, session, cast):
    name = "张" * 200_000
    assert log_in(client, name, "whatever-password").status_code == 401
    (entry,) = audit.entries(session, action="login.failed").entries
    assert entry.target == "张" * 100
    assert "200000" in entry.detail
