"""Pages for the reviewer's three questions: what applied then, how it compares, how to cite it."""

import datetime as dt
import io
from decimal import Decimal

from bs4 import BeautifulSoup

from kb import standards
from kb.vocab import Status
from tests.factories import make_standard


def form_token(client, url):
    """The CSRF token a real browser would send back with the form at ``url``."""
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return page.select_one('input[name="csrf_token"]')["value"]


def html(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_versions_page_shows_a_field_by_field_diff(session, client):
    standards.write(
        session,
        make_standard(effective_to=dt.date(2025, 12, 31), status=Status.SUPERSEDED),
        actor="张三",
    )
    standards.write(
        session,
        make_standard(value=Decimal("19.20"), effective_from=dt.date(2026, 1, 1)),
        actor="李四",
        reason="2026年成本分析结果",
    )
    session.commit()

    page = html(client.get("/standards/QP-CQ-0012/versions"))

    row = page.select_one('#v2 tr[data-field="value"]')
    assert (row.select_one("del").text, row.select_one("ins").text) == ("18.50", "19.20")
    assert (
        "李四" in page.select_one("#v2 h2").text
        and "2026年成本分析结果" in page.select_one("#v2 h2").text
    )


def test_standard_page_on_a_date_before_it_started_says_so(session, client):
    standards.write(session, make_standard(effective_from=dt.date(2024, 5, 9)))
    session.commit()

    page = html(client.get("/standards/QP-CQ-0012?on=2020-01-01"))

    assert "尚未生效" in page.select_one(".notice").text
    assert page.select_one(".badge-pending").text == "尚未生效"


def test_standard_page_offers_its_citation(corpus_client):
    page = html(corpus_client.get("/standards/QP-CQ-0011"))

    citation = page.select_one("#citation-text").text
    assert citation.startswith("青浦区道路一级保洁成本定额（QP-CQ-0011，第1版")
    assert citation.endswith("【示例数据，非正式标准】")
    assert "codes=QP-CQ-0011" in page.select_one("#compare-related")["href"]


def test_compare_page_shows_statistics_chart_and_outliers(corpus_client):
    page = html(corpus_client.get("/compare/?codes=QP-CQ-0011,QP-CQ-0012,QP-CQ-0017,RS-HY-004"))

    assert page.select_one("#stat-count").text == "3"
    assert page.select_one("#stat-median").text == "24.00"
    assert len(page.select(".chart rect")) == 3
    cells = page.select("tr.normalised td")
    assert "元/人·天" in cells[3].text
    assert page.select_one("#export-xlsx")["href"].startswith("/compare/export.xlsx?")


def test_verify_page_accepts_pasted_text(corpus_client):
    text = "依据《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第四部分第8条。"
    token = form_token(corpus_client, "/verify/")
    page = html(corpus_client.post("/verify/", data={"text": text, "csrf_token": token}))

    assert page.select_one("#verify-total").text == "1"
    assert page.select_one(".verify-results .badge").text == "现行有效"


def test_verify_page_accepts_a_docx_upload(corpus_client, tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("会议费按 RS-HY-004 执行；住宿费按 RS-CL-007 执行。")
    path = tmp_path / "opinion.docx"
    document.save(path)

    token = form_token(corpus_client, "/verify/")
    with path.open("rb") as handle:
        page = html(
            corpus_client.post(
                "/verify/", data={"file": (handle, "评审意见.docx"), "csrf_token": token}
            )
        )

    assert page.select_one("#verify-total").text == "2"


def test_verify_page_refuses_other_files(corpus_client):
    token = form_token(corpus_client, "/verify/")
    response = corpus_client.post(
        "/verify/", data={"file": (io.BytesIO(b"MZ"), "x.exe"), "csrf_token": token}
    )
    assert response.status_code == 415


def test_a_form_post_without_its_csrf_token_is_refused(corpus_client):
    response = corpus_client.post("/verify/", data={"text": "《某办法》第三条"})

    assert response.status_code == 400
    assert "安全令牌（CSRF）" in response.get_data(as_text=True)


def test_verify_page_refuses_a_text_over_the_limit_with_a_chinese_message(corpus_client):
    token = form_token(corpus_client, "/verify/")

    for size in (200_001, 2_000_000):
        response = corpus_client.post(
            "/verify/", data={"text": "《a》" * (size // 3 + 1), "csrf_token": token}
        )

        assert response.status_code == 413
        assert "个字符" in html(response, 413).get_text()


def test_the_verify_page_marks_examples_and_inferred_statuses(corpus_client):
    token = form_token(corpus_client, "/verify/")

    page = html(
        corpus_client.post(
            "/verify/",
            data={
                "text": "按QP-CQ-0001核定，依据财行〔2013〕531号附件。",
                "csrf_token": token,
            },
        )
    )

    rows = page.select(".verify-results tbody tr")
    assert "示例，不得作为依据" in rows[0].get_text()
    assert "未收录全文" in rows[1].get_text()


def test_a_document_without_its_text_shows_its_life(corpus_client):
    listing = corpus_client.get("/api/v1/documents").get_json()["results"]
    old = next(d for d in listing if d["doc_number"] == "财行〔2013〕523号")

    page = html(corpus_client.get(f"/documents/{old['slug']}"))

    assert page.select_one("#document-status").text == "已废止"
    assert "未收录全文" in page.select_one(".document-life").get_text()
    assert page.select_one("#successor").get_text(strip=True) == (
        "中央和国家机关培训费管理办法（财行〔2016〕540号）"
    )
    assert (
        page.select_one("#official-text").text
        == "《中央和国家机关培训费管理办法》（财行〔2013〕523号）（已废止）"
    )
    assert "未核实" in page.select_one(".document-life").get_text()
