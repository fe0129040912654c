"""标准表提取 page: upload a notice, preview its rows and problems, import them as drafts."""

from __future__ import annotations

import io

import pytest

from kb import accounts
from kb import standards
from kb.db import atomic
from kb.standards import workflow
from tests.conftest import PASSWORD
from tests.indexer.extract import notices
from tests.webapp.test_pages_account import form_token
from tests.webapp.test_pages_account import html
from tests.webapp.test_pages_account import log_in


@pytest.fixture
def central_editor(session, cast):
    """An editor whose organisation answers for the whole country (the central notices)."""
    with atomic(session):
        accounts.add_organisation(session, "财政部行政政法司", region="全国")
        accounts.add_user(
            session, "部编辑", role="editor", organisation="财政部行政政法司", password=PASSWORD
        )
    return "部编辑"


def upload(client, path, **fields):
    data = {"csrf_token": form_token(client, "/extract/"), **fields}
    data["file"] = (io.BytesIO(path.read_bytes()), path.name)
    return client.post("/extract/", data=data, content_type="multipart/form-data")


def test_upload_preview_then_import_as_drafts_for_review(client, session, central_editor, tmp_path):
    log_in(client, central_editor)

    preview = html(upload(client, notices.expert_txt(tmp_path)))

    assert preview.select_one("#summary").text.startswith(
        "找到 1 个表格，其中 1 个标准表；提取 2 条。"
    )
    assert [li.text for li in preview.select("#problems li")] == [
        "表1第4行第2列：“可按上述标准上浮50%”不是可读取的数值（会议、现场访谈（元/人天）），"
        "未提取，请人工核对"
    ]
    cells = [[td.text for td in tr.select("td")] for tr in preview.select("#rows tbody tr")]
    assert [(c[0], c[3], c[5], c[6]) for c in cells] == [
        ("表1第2行第2列", "高级专业技术职称人员", "1500—2400", "元/人·天"),
        ("表1第3行第2列", "其他专业人员", "900—1500", "元/人·天"),
    ]
    form = preview.select_one("form.extract-import")
    data = {i["name"]: i["value"] for i in form.select("input[name]")}

    imported = client.post("/extract/import", data=data)

    assert imported.headers["Location"] == "/drafts"
    drafted = workflow.awaiting_review(session)
    assert [(v.grade, v.value, v.value_max, v.status) for v in drafted] == [
        ("高级专业技术职称人员", 1500, 2400, "draft"),
        ("其他专业人员", 900, 1500, "draft"),
    ]
    assert drafted[0].basis == "《中央财政科研项目专家咨询费管理办法》（财科教〔2017〕128号）第六条"
    assert standards.count(session) == 2


def test_an_editor_outside_the_notices_scope_imports_nothing(client, session, cast, tmp_path):
    log_in(client, "朱编辑")
    preview = html(upload(client, notices.meeting_docx(tmp_path)))
    data = {i["name"]: i["value"] for i in preview.select("form.extract-import input[name]")}

    refused = client.post("/extract/import", data=data)

    message = html(refused, 403).select_one(".error-message").text
    assert "朱家角镇" in message and "全国" in message
    assert standards.count(session) == 0


def test_the_region_given_on_the_form_applies_when_the_table_has_none(
    client, session, cast, tmp_path
):
    log_in(client, "朱编辑")

    preview = html(upload(client, notices.expert_txt(tmp_path), region="朱家角镇", level="town"))

    regions = {tr.select("td")[2].text for tr in preview.select("#rows tbody tr")}
    assert regions == {"朱家角镇"}


def test_a_notice_without_a_table_and_another_file_type_are_refused_on_the_page(
    client, cast, tmp_path
):
    log_in(client, "朱编辑")

    empty = upload(client, notices.no_table_txt(tmp_path))
    other = tmp_path / "rows.csv"
    other.write_text("a,b\n", encoding="utf-8")
    wrong = upload(client, other)

    assert "没有找到标准表" in html(empty, 400).select_one(".error-message").text
    assert ".csv" in html(wrong, 415).select_one(".error-message").text


def test_tampered_rows_are_refused_whole(client, session, central_editor):
    log_in(client, central_editor)
    token = form_token(client, "/extract/")

    broken = client.post("/extract/import", data={"csrf_token": token, "rows": "[{]"})
    bad_value = client.post(
        "/extract/import",
        data={
            "csrf_token": token,
            "rows": '[{"name": "会议费", "kind": "财政支出标准", "level": "中央", "region": "全国",'
            ' "domain": "机关运行", "unit": "元/人·天", "value": "abc"}]',
        },
    )

    assert "已损坏" in html(broken, 400).select_one(".error-message").text
    assert "“abc”不是有效的数值" in html(bad_value, 400).select_one(".error-message").text
    assert standards.count(session) == 0


def test_viewers_and_visitors_cannot_extract(client, cast):
    assert client.get("/extract/").status_code == 302
    log_in(client, "查看员")
    assert client.get("/extract/").status_code == 403
