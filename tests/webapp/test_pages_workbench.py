"""Drafts, the edit form, the review queue and the diff preview, through the pages."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest

from kb import standards
from kb.db import atomic
from kb.files.tables import read_table
from kb.standards.interchange import COLUMNS
from tests.factories import make_standard
from tests.webapp.test_pages_account import form_token
from tests.webapp.test_pages_account import html
from tests.webapp.test_pages_account import log_in
from tests.webapp.test_pages_account import post_form

EDIT = "/standards/ZJJ-CQ-1/edit"


@pytest.fixture
def zhujiajiao_quota(session, cast):
    with atomic(session):
        standards.write(
            session,
            make_standard(code="ZJJ-CQ-1", region="朱家角镇", effective_from=dt.date(2024, 1, 1)),
        )
    return "ZJJ-CQ-1"


def edit_form(client, url=EDIT):
    """The edit form's fields as a browser would send them back, CSRF token included."""
    page = html(client.get(url))
    form = page.select_one("form.standard-form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    data.update({t["name"]: t.text for t in form.select("textarea")})
    for select in form.select("select"):
        chosen = select.select_one("option[selected]")
        data[select["name"]] = chosen["value"] if chosen else ""
    return data


def read_xlsx(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.xlsx"
        path.write_bytes(data)
        return read_table(path)


def test_the_acceptance_story(client, zhujiajiao_quota):
    # The editor of 朱家角镇 edits the quota: a draft, waiting for review.
    log_in(client, "朱编辑")
    data = edit_form(client)
    assert (data["value"], data["base_version"], data["effective_from"]) == ("18.50", "1", "")
    saved = client.post(EDIT, data={**data, "value": "20.00", "reason": "2025年成本分析"})
    assert saved.headers["Location"] == "/drafts"
    drafts = html(client.get("/drafts"))
    assert drafts.select_one("#waiting tr[data-code=ZJJ-CQ-1] td:nth-of-type(2)").text == "第2版"

    # The editor of 练塘镇 may not open the edit page of 朱家角镇's quota.
    log_in(client, "练编辑")
    refused = client.get(EDIT)
    assert refused.status_code == 403
    assert "练塘镇" in html(refused, 403).select_one(".error-message").text
    token = form_token(client, "/drafts")
    sneaked = client.post(EDIT, data={**data, "value": "1.00", "csrf_token": token})
    assert sneaked.status_code == 403

    # The reviewer sees it in the queue, previews the diff and publishes it.
    log_in(client, "审核员")
    queue = html(client.get("/review"))
    assert [r["data-code"] for r in queue.select("table.queue tbody tr")] == ["ZJJ-CQ-1"]
    preview = html(client.get("/review/ZJJ-CQ-1"))
    row = preview.select_one('#diff tr[data-field="value"]')
    assert (row.select_one("del").text, row.select_one("ins").text) == ("18.50", "20.00")
    assert [r["data-field"] for r in preview.select("#diff tbody tr")] == ["value"]
    published = post_form(
        client,
        "/review/ZJJ-CQ-1",
        {"to": "in_force", "version": "2", "effective_from": "2026-01-01"},
    )
    assert published.headers["Location"] == "/standards/ZJJ-CQ-1"

    # The standard's page shows the new version; the index follows.
    page = html(client.get("/standards/ZJJ-CQ-1"))
    assert page.select_one("article.standard")["data-version"] == "2"
    assert "20.00" in page.select_one(".figure-big").text
    hits = client.get("/api/v1/search?q=公共绿地&on=2026-06-01").get_json()["results"]
    assert [h["value"] for h in hits if h["code"] == "ZJJ-CQ-1"] == ["20.00"]

    # The audit page lists every step, and its export reads back.
    log_in(client, "管理员")
    audit = html(client.get("/admin/audit?target=ZJJ-CQ-1"))
    steps = [r["data-action"] for r in reversed(audit.select("table.audit tbody tr"))]
    assert steps == ["standard.revise", "standard.transition", "standard.transition"]
    export = client.get("/admin/audit/export.xlsx?target=ZJJ-CQ-1")
    assert export.status_code == 200
    table = read_xlsx(export.data)
    assert [cells["操作"] for _, cells in reversed(table.rows)] == [
        "修订标准",
        "变更标准状态",
        "变更标准状态",
    ]


def test_every_interchange_field_has_its_chinese_label_and_note(client, zhujiajiao_quota):
    log_in(client, "朱编辑")
    form = html(client.get(EDIT)).select_one("form.standard-form")

    for column in COLUMNS:
        if column.key in ("code", "status"):
            continue
        field = form.select_one(f'.field[data-field="{column.key}"]')
        assert field.select_one("label").text.startswith(column.header), column.key
        if column.note:
            assert field.select_one(".note").text == column.note
    assert form.select_one("#code").text == "ZJJ-CQ-1"
    assert form.select_one('[name="status"]') is None


def test_field_errors_are_shown_next_to_each_field(client, zhujiajiao_quota):
    log_in(client, "朱编辑")
    data = edit_form(client)

    response = client.post(
        EDIT, data={**data, "value": "abc", "value_max": "1", "effective_to": "2024-02-30"}
    )

    page = html(response, 400)
    assert set(e["id"] for e in page.select(".field-error")) == {
        "error-value",
        "error-effective_to",
    }
    assert page.select_one("#error-value").text == "“abc”不是有效的数值"
    assert page.select_one("#f-value")["aria-invalid"] == "true"
    assert page.select_one("#f-value")["value"] == "abc"  # what was typed is kept
    assert "有 2 处需要修改" in page.select_one("#error-summary").text


def test_an_edit_of_a_stale_version_is_a_conflict(client, zhujiajiao_quota):
    log_in(client, "朱编辑")
    data = edit_form(client)
    assert client.post(EDIT, data={**data, "value": "19.00"}).status_code == 302

    stale = client.post(EDIT, data={**data, "value": "19.50"})

    page = html(stale, 409)
    assert "第2版" in page.select_one("#error-summary").text


def test_an_edit_that_changes_nothing_says_so(client, zhujiajiao_quota):
    log_in(client, "朱编辑")

    page = html(client.post(EDIT, data=edit_form(client)), 400)

    assert "没有任何修改" in page.select_one("#error-summary").text


def test_a_new_standard_within_and_outside_the_editors_scope(client, cast):
    log_in(client, "朱编辑")
    data = edit_form(client, "/standards/new")
    assert (data["region"], data["domain"], data["code"]) == ("朱家角镇", "", "")
    fields = {
        **data,
        "name": "朱家角镇公厕保洁成本定额",
        "kind": "cost_quota",
        "level": "town",
        "domain": "城市运维",
        "unit": "元/座·年",
        "value": "36000",
    }

    outside = html(client.post("/standards/new", data={**fields, "region": "练塘镇"}), 403)
    assert "练塘镇" in outside.select_one("#error-summary").text

    created = client.post("/standards/new", data=fields)
    assert created.status_code == 302
    drafts = html(client.get("/drafts"))
    (row,) = drafts.select("#waiting tbody tr")
    assert "朱家角镇公厕保洁成本定额" in row.text


def test_rejecting_needs_a_reason_and_the_editor_sees_it(client, zhujiajiao_quota):
    log_in(client, "朱编辑")
    client.post(EDIT, data={**edit_form(client), "value": "25.00"})
    log_in(client, "审核员")

    no_reason = post_form(client, "/review/ZJJ-CQ-1", {"to": "rejected", "version": "2"})
    assert "理由" in html(no_reason, 400).select_one("#error-summary").text

    rejected = post_form(
        client, "/review/ZJJ-CQ-1", {"to": "rejected", "version": "2", "reason": "涨幅过大"}
    )
    assert rejected.headers["Location"] == "/review"
    assert html(client.get("/review")).select("table.queue") == []
    assert "已被" in html(client.get("/review/ZJJ-CQ-1")).select_one(".warning").text

    log_in(client, "朱编辑")
    row = html(client.get("/drafts")).select_one("#rejected tr[data-code=ZJJ-CQ-1]")
    assert row.select_one(".review-note").text == "涨幅过大"
    assert "涨幅过大" in html(client.get(EDIT)).select_one("#rejection").text


def test_consultation_then_publishing_on_a_bad_date(client, zhujiajiao_quota):
    log_in(client, "朱编辑")
    client.post(EDIT, data={**edit_form(client), "value": "25.00"})
    log_in(client, "审核员")

    consulted = post_form(client, "/review/ZJJ-CQ-1", {"to": "consultation", "version": "2"})
    assert consulted.status_code == 302
    preview = html(client.get("/review/ZJJ-CQ-1"))
    assert preview.select_one("#consult") is None and preview.select_one("#publish") is not None

    too_early = post_form(
        client,
        "/review/ZJJ-CQ-1",
        {"to": "in_force", "version": "2", "effective_from": "2023-01-01"},
    )
    page = html(too_early, 400)
    assert "须晚于" in page.select_one("#error-summary").text
    assert page.select_one("#effective_from")["value"] == "2023-01-01"


@pytest.mark.parametrize(
    ("account", "url", "status"),
    [("查看员", "/drafts", 403), ("朱编辑", "/review", 403), ("朱编辑", "/review/ZJJ-CQ-1", 403)],
)
def test_pages_refuse_the_wrong_roles(client, zhujiajiao_quota, account, url, status):
    log_in(client, account)
    assert client.get(url).status_code == status


def test_an_anonymous_edit_goes_to_the_login_page(client, zhujiajiao_quota):
    response = client.get(EDIT)
    assert response.headers["Location"] == "/login?next=/standards/ZJJ-CQ-1/edit"
    token = form_token(client, "/login")
    assert client.post(EDIT, data={"csrf_token": token}).status_code == 302
