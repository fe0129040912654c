"""Walk the URL map: every route that writes refuses anonymous requests and too-small roles."""

import pytest

from kb.accounts import tokens
from kb.db import atomic

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Page routes that take a POST but change nothing, each with its reason.
READ_ONLY_POSTS = {
    "pages_verify.index": "依据核查 reads a pasted text; nothing is stored",
    "api_verify.Verify": "the same check over the API",
    "pages_check.index": "a budget check reads the sheet; nothing is stored",
    "api_check.Check": "the same check over the API",
    "pages_account.login": "logging in is how a user becomes known",
}


def write_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            if rule.endpoint not in READ_ONLY_POSTS:
                yield rule, method


def concrete(rule) -> str:
    return (
        rule.rule.replace("<code>", "QP-CQ-0001")
        .replace("<key>", "1")
        .replace("<int:", "<")
        .replace("<token_id>", "1")
        .replace("<name>", "x")
    )


def test_there_are_write_routes_to_check(app):
    assert {rule.rule for rule, _ in write_routes(app)} >= {
        "/api/v1/standards",
        "/api/v1/standards/<code>",
        "/api/v1/standards/<code>/status",
        "/api/v1/standards/import",
    }


def test_anonymous_writes_are_refused(app, client):
    for rule, method in write_routes(app):
        response = client.open(concrete(rule), method=method, json={})
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, method, response.status_code)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code in (302, 400, 401), (
                rule.rule,
                method,
                response.status_code,
            )


@pytest.mark.parametrize("account", ["查看员"])
def test_a_viewer_token_cannot_write(app, client, session, cast, account):
    with atomic(session):
        _, secret = tokens.create_token(session, account)
    headers = {"Authorization": f"Bearer {secret}"}
    for rule, method in write_routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        response = client.open(concrete(rule), method=method, json={}, headers=headers)
        assert response.status_code == 403, (rule.rule, method, response.status_code)
        assert response.get_json()["error"]["code"] == "forbidden"


def test_an_editor_token_cannot_review_import_or_read_the_audit(client, session, cast):
    with atomic(session):
        _, secret = tokens.create_token(session, "朱编辑")
    headers = {"Authorization": f"Bearer {secret}"}

    assert (
        client.post(
            "/api/v1/standards/X/status", json={"status": "repealed"}, headers=headers
        ).status_code
        == 403
    )
    assert client.post("/api/v1/standards/import", headers=headers).status_code == 403
    assert client.get("/api/v1/audit", headers=headers).status_code == 403
