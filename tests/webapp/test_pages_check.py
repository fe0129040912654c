"""The 预算表核查 page over the bundled corpus: groups by verdict, every line once, overrides."""

from __future__ import annotations

import csv
import io
import shutil
import threading

import openpyxl
import pytest
from bs4 import BeautifulSoup
from werkzeug.serving import make_server

from tests.conftest import CORPUS
from webapp.pages.check import CHUNK_ROWS
from webapp.pages.check import GROUP_ORDER

SHEET = CORPUS / "budgets" / "sample-budget-qingpu.xlsx"
PROJECT = {"region": "朱家角镇", "on": "2025-06-01"}


def parsed(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def token(corpus_client) -> str:
    page = parsed(corpus_client.get("/check/"))
    return page.select_one('input[name="csrf_token"]')["value"]


def check(corpus_client, token: str, name: str, data: bytes, **fields) -> BeautifulSoup:
    return parsed(
        corpus_client.post(
            "/check/",
            data={"file": (io.BytesIO(data), name), "csrf_token": token, **PROJECT, **fields},
        )
    )


def carried(page: BeautifulSoup) -> dict[str, str]:
    """What the page's form sends back when the reviewer re-runs the check."""
    fields = {i["name"]: i["value"] for i in page.select("form.check input[type=hidden]")}
    return fields | {**PROJECT}


def test_every_line_is_shown_once_grouped_by_verdict_problems_first(corpus_client, token):
    page = check(corpus_client, token, "预算.xlsx", SHEET.read_bytes())

    groups = [
        section["id"].removeprefix("verdict-") for section in page.select("section.verdict-group")
    ]
    assert groups == [key for key in GROUP_ORDER if key in groups]
    assert groups[0] == "over" and groups[-1] == "within"
    rows = [int(tr["data-row"]) for tr in page.select("table.check-lines tbody tr")]
    assert sorted(rows) == [6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    for section in page.select("section.verdict-group"):
        numbers = [int(tr["data-row"]) for tr in section.select("tbody tr")]
        assert numbers == sorted(numbers)  # sheet order within a group
        key = section["id"].removeprefix("verdict-")
        assert {tuple(tr["class"]) for tr in section.select("tbody tr")} == {(f"verdict-{key}",)}
        shown = section.select_one("h3").text
        assert f"{len(numbers)} 行" in shown
    summary = {a["href"]: a.text for a in page.select(".check-summary dl a")}
    assert summary["#verdict-over"] == "3"
    assert summary["#verdict-broken"] == "1"


def test_a_line_shows_its_figures_match_citation_and_reason(corpus_client, token):
    page = check(corpus_client, token, "预算.xlsx", SHEET.read_bytes())

    meeting = page.select_one('tr[data-row="6"]')
    cells = [td.text.strip() for td in meeting.select("td")]
    assert cells[1:6] == ["会议费", "超标准", "800 元/人·天", "760", "40（5.26%）"]
    assert meeting.select_one("a")["href"] == "/standards/RS-HY-004?version=2"
    assert "RS-HY-004" in meeting.select_one(".citation-text").text
    why = meeting.select_one(".why").text
    assert why.startswith("理由：折算单价800 元/人·天，超过标准40（5.26%）；匹配理由：")
    assert "RS-HY-004" not in why  # the citation above says it once
    assert meeting.select_one('input[name="override-6"]')["value"] == ""
    broken = page.select_one("tr.verdict-broken")
    assert (broken["data-row"], "一百" in broken.text) == ("17", True)


def test_a_reviewer_picks_a_runner_up_and_re_runs_the_check(corpus_client, token):
    page = check(corpus_client, token, "预算.xlsx", SHEET.read_bytes())
    listed = page.select_one('tr[data-row="6"] .others').text.removeprefix("其他候选：")
    other = listed.split("；")[0].split()[0]

    again = parsed(corpus_client.post("/check/", data={**carried(page), "override-6": other}))

    meeting = again.select_one('tr[data-row="6"]')
    assert meeting.select_one("a")["href"].startswith(f"/standards/{other}?")
    assert f"由评审人员指定标准 {other}" in meeting.select_one(".why").text
    assert meeting.select_one('input[name="override-6"]')["value"] == other


def test_sheet_text_is_escaped_on_the_page(corpus_client, token):
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["事项", "数量", "计量单位", "金额", "备注"])
    writer.writerow(["<script>alert(1)</script>会议费", "1", "人·天", "500", "x"])
    writer.writerow(['<img src=x onerror="alert(2)">', "一", "人·天", "500", "x"])

    response = corpus_client.post(
        "/check/",
        data={
            "file": (io.BytesIO(stream.getvalue().encode("utf-8")), "预算.csv"),
            "csrf_token": token,
            **PROJECT,
        },
    )

    text = response.get_data(as_text=True)
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;会议费" in text
    assert "<img src=x" not in text
    page = parsed(response)
    assert page.select("script[src]") and not [s for s in page.select("script") if s.string]


def test_long_groups_are_cut_into_tables_the_browser_can_skip(corpus_client, token):
    lines = CHUNK_ROWS + 5
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["事项", "数量", "计量单位", "金额", "等级"])
    writer.writerows(["会议费", "1", "人·天", "900", "一类会议"] for _ in range(lines))

    page = check(corpus_client, token, "预算.csv", stream.getvalue().encode("utf-8"))

    group = page.select_one("#verdict-over")
    assert [len(c.select("tbody tr")) for c in group.select(".check-chunk")] == [CHUNK_ROWS, 5]
    # only a full table defers its layout: a short one is laid out at once
    deferred = ["check-chunk-deferred" in c["class"] for c in group.select(".check-chunk")]
    assert deferred == [True, False]
    assert group.select_one("h3").text.strip().endswith(f"{lines} 行")
    assert page.select('link[href$="check.css"]')


def test_the_downloaded_report_has_every_row_of_the_sheet(corpus_client, token):
    page = check(corpus_client, token, "预算.xlsx", SHEET.read_bytes())

    download = corpus_client.post("/check/", data={**carried(page), "download": "xlsx"})

    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data))["核查结果"]
    rows = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    assert sheet.freeze_panes == "A2"


# -- in a browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium package is not installed"
)


@pytest.fixture(scope="module")
def live_server(corpus_app):
    server = make_server("127.0.0.1", 0, corpus_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        yield page
        browser.close()
    assert errors == [], errors


@needs_chromium
def test_a_reviewer_uploads_reads_the_groups_and_picks_another_standard(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server}/check/")
    page.set_input_files('input[name="file"]', str(SHEET))
    page.fill('input[name="region"]', "朱家角镇")
    page.fill('input[name="on"]', "2025-06-01")
    page.click('form.check button[type="submit"]:has-text("核查")')
    page.wait_for_selector("section.verdict-group")

    page.click('.check-summary a[href="#verdict-within"]')
    assert page.url.endswith("#verdict-within")
    assert page.locator("#verdict-within tbody tr").first.is_visible()
    meeting = page.locator('tr[data-row="6"]')
    # text_content, not inner_text: a table out of view is not laid out (content-visibility).
    other = meeting.locator(".others").text_content().removeprefix("其他候选：").split()[0]
    meeting.locator('input[name="override-6"]').fill(other)
    page.click('button:has-text("按所选标准重新核查")')
    page.wait_for_selector(f'tr[data-row="6"] a[href^="/standards/{other}?"]')

    assert f"由评审人员指定标准 {other}" in page.locator('tr[data-row="6"] .why').text_content()


def test_the_page_explains_the_columns_and_offers_templates(corpus_client):
    page = parsed(corpus_client.get("/check/"))

    guide = [
        [cell.text for cell in row.select("td")] for row in page.select("#column-guide tbody tr")
    ]
    assert [row[:2] for row in guide][:3] == [["事项", "必填"], ["类别", "可选"], ["数量", "可选"]]
    assert "合计、小计、总计行不作为明细核查" in page.select_one("#column-guide").text
    assert page.select_one("#template-xlsx")["href"] == "/check/template.xlsx"
    assert page.select_one("#template-csv")["href"] == "/check/template.csv"
    region = page.select_one('input[name="region"]')
    assert region.get("required") is None and region["list"] == "region-options"
    options = [o["value"] for o in page.select("#region-options option")]
    assert {"上海市", "青浦区", "朱家角镇", "夏阳街道"} <= set(options)
    assert "primary" in page.select_one("#check-submit")["class"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_reads_back_as_a_sheet_of_its_own_columns(corpus_client, fmt):
    from kb.budget.sheet import read_sheet
    from kb.budget.template import TEMPLATE_COLUMNS

    response = corpus_client.get(f"/check/template.{fmt}")

    assert response.status_code == 200
    sheet = read_sheet(f"模板.{fmt}", data=response.data)
    assert sheet.columns == tuple(column.header for column in TEMPLATE_COLUMNS)
    assert [line.item for line in sheet.lines] == ["会议费", "讲课费", "公共绿地养护"]
    assert (sheet.broken, sheet.region) == ((), None)


def test_notes_on_title_and_total_rows_are_shown_on_the_page(corpus_client, token):
    page = check(corpus_client, token, "预算.xlsx", SHEET.read_bytes())

    notes = [li.text for li in page.select("#check-notes li")]
    assert "第18行“合计 2098000”为合计行，未作为预算明细核查" in notes
    assert (
        "第5行“一、会议培训费”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别" in notes
    )
    assert page.select_one("#check-context").text == "项目地区：朱家角镇；核查日期：2025-06-01"
    # a short table is laid out at once: the page is as tall as its rows
    assert not page.select(".check-chunk-deferred")


@needs_chromium
def test_the_result_page_is_as_tall_as_its_rows_before_any_scrolling(browser_page, live_server):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/check/")
    page.set_input_files('input[name="file"]', str(SHEET))
    page.fill('input[name="on"]', "2025-06-01")
    page.click("#check-submit")
    page.wait_for_selector("section.verdict-group")

    # eleven rows: a few screens at most, not a 24,000-pixel placeholder per table out of view
    assert page.evaluate("document.documentElement.scrollHeight") < 6000
    assert (
        page.locator("#check-context").text_content() == "项目地区：朱家角镇；核查日期：2025-06-01"
    )
