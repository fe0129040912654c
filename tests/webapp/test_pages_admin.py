"""Administration pages: organisations, accounts, tokens, and the audit log with its export."""

import tempfile
from pathlib import Path

import pytest

from kb import accounts
from kb.accounts import tokens
from kb.db import atomic
from kb.files.tables import read_table
from tests.webapp.test_pages_account import html
from tests.webapp.test_pages_account import log_in
from tests.webapp.test_pages_account import post_form


@pytest.fixture
def admin(client, cast):
    assert log_in(client, "管理员").status_code == 302
    return client


@pytest.mark.parametrize(
    "url", ["/admin/organisations", "/admin/users", "/admin/tokens", "/admin/audit"]
)
def test_only_admins_see_the_admin_pages(client, cast, url):
    assert client.get(url).headers["Location"] == f"/login?next={url}"
    log_in(client, "审核员")
    assert client.get(url).status_code == 403
    log_in(client, "管理员")
    assert client.get(url).status_code == 200


def test_add_an_organisation(admin, session):
    added = post_form(
        admin, "/admin/organisations", {"name": "金泽镇人民政府", "region": "金泽镇", "domain": ""}
    )
    assert added.status_code == 302
    assert "金泽镇人民政府" in html(admin.get("/admin/organisations")).select_one("table").text

    again = post_form(admin, "/admin/organisations", {"name": "金泽镇人民政府", "region": "金泽镇"})
    page = html(again, 409)
    assert page.select_one("#error-summary").text == "机构“金泽镇人民政府”已存在"
    assert page.select_one("#org-region")["value"] == "金泽镇"


def test_a_new_account_gets_a_password_shown_once(admin, client, session):
    response = post_form(
        admin,
        "/admin/users",
        {"name": "新编辑", "role": "editor", "organisation": "朱家角镇人民政府"},
    )

    page = html(response, 201)
    assert response.headers["Cache-Control"] == "no-store"
    password = page.select_one("#secret").text
    assert len(password) >= 12
    assert html(admin.get("/admin/users")).select_one("#secret") is None
    assert log_in(client, "新编辑", password).status_code == 302


def test_adding_an_account_with_a_bad_name_is_explained(admin):
    response = post_form(
        admin, "/admin/users", {"name": " ", "role": "editor", "organisation": "朱家角镇人民政府"}
    )

    assert html(response, 400).select_one("#error-summary").text == "用户名不能为空"


def test_a_deactivated_account_can_no_longer_log_in(admin, client, session):
    row = html(admin.get("/admin/users")).select_one('tr[data-user="练编辑"]')
    action = row.select_one("form")["action"]

    assert post_form(admin, "/admin/users", {}, action).status_code == 302
    row = html(admin.get("/admin/users")).select_one('tr[data-user="练编辑"]')
    assert row.select_one(".badge").text == "已停用" and row.select_one("form") is None
    assert html(log_in(client, "练编辑"), 401).select_one("#login-error").text == "账号已停用"


def test_an_admin_creates_and_revokes_a_users_token(admin, session):
    created = html(post_form(admin, "/admin/tokens", {"user": "朱编辑"}), 201)
    secret = created.select_one("#secret").text
    assert tokens.user_for_token(session, secret).name == "朱编辑"
    session.commit()

    row = html(admin.get("/admin/tokens")).select_one("table.tokens tbody tr")
    assert (
        post_form(admin, "/admin/tokens", {}, row.select_one("form")["action"]).status_code == 302
    )
    assert tokens.list_tokens(session, user_name="朱编辑")[0].revoked_at is not None


@pytest.fixture
def history(session, cast):
    """Audit entries beyond the cast's: three more accounts and a token."""
    with atomic(session):
        for n in range(3):
            accounts.add_user(session, f"用户{n}", role="viewer", organisation="练塘镇人民政府")
        tokens.create_token(session, "用户1")


def test_the_audit_page_filters_and_pages(admin, history):
    everything = html(admin.get("/admin/audit"))
    total = int(everything.select_one("#audit-total").text)
    assert total >= 12  # the cast (3 + 5), 3 users, 1 token, the admin's login leaves none

    users = html(admin.get("/admin/audit?action=user.create&per_page=2"))
    assert users.select_one("#audit-total").text == "8"
    assert len(users.select("table.audit tbody tr")) == 2
    assert users.select_one(".pagination a[rel=next]")["href"].endswith("page=2")
    assert users.select_one("select[name=action] option[selected]")["value"] == "user.create"
    values = users.select_one("table.audit tbody tr dl.changes")
    assert [d.text for d in values.select("dt")] == ["名称", "角色", "机构"]
    assert values.select("dd")[1].text == "查看者"

    tokens_only = html(admin.get("/admin/audit?action=token.&target=用户1&since=2000-01-01"))
    rows = tokens_only.select("table.audit tbody tr")
    assert [r["data-action"] for r in rows] == ["token.create"]
    assert tokens_only.select_one("#export-csv")["href"].startswith("/admin/audit/export.csv?")

    assert html(admin.get("/admin/audit?until=2000-01-01")).select_one("#audit-total").text == "0"
    assert admin.get("/admin/audit?since=yesterday").status_code == 400


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_audit_export_reads_back(admin, history, fmt):
    response = admin.get(f"/admin/audit/export.{fmt}?action=user.create&actor=system")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"audit.{fmt}"
        path.write_bytes(response.data)
        table = read_table(path)
    assert table.headers[:4] == ("时间（北京时间）", "操作人", "操作", "对象")
    assert sorted(cells["对象"] for _, cells in table.rows) == sorted(
        ["管理员", "审核员", "朱编辑", "练编辑", "查看员", "用户0", "用户1", "用户2"]
    )
    assert {cells["操作"] for _, cells in table.rows} == {"新建账号"}


def test_an_unknown_export_format_is_refused(admin):
    assert admin.get("/admin/audit/export.pdf").status_code == 415
