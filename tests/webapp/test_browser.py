"""End to end in headless Chromium (Debian's package), as a reviewer would use the pages."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.programs import needs

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = needs("chromium", "chromium")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]  # Playwright itself gives every launch a fresh, empty profile directory.


@pytest.fixture(scope="module")
def live_server(corpus_app):
    server = make_server("127.0.0.1", 0, corpus_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert errors == [], errors


def test_search_facet_standard_clause_and_permalink(page, live_server):
    page.goto(f"{live_server}/")
    page.fill("#q", "会议费")
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit")
    total_before = int(page.text_content("#total"))

    page.click('[data-facet="level"] a:has-text("中央")')
    page.wait_for_url("**level=central**")
    assert int(page.text_content("#total")) <= total_before

    page.click('[data-facet="grade"] a:has-text("一类会议")')
    page.wait_for_url("**grade=**")
    assert "level=central" in page.url
    first = page.locator("li.hit-standard a.hit-title").first
    title = first.text_content()
    assert "一类会议" in title
    first.click()
    page.wait_for_selector("article.standard")
    assert page.text_content("h1") == title

    page.click("button[data-copy-target=citation-text]")
    citation = page.evaluate("navigator.clipboard.readText()")
    assert citation.startswith(title) and "第1版" in citation and "元/人·天" in citation

    page.click("button[data-copy-target=permalink]")
    # A selector, not wait_for_function: the page's CSP forbids the eval that polling uses.
    page.wait_for_selector("button[data-copy-target=permalink]:has-text('已复制')")
    permalink = page.evaluate("navigator.clipboard.readText()")
    assert "/standards/RS-HY-" in permalink and "version=" in permalink
    page.goto(permalink)
    assert page.text_content("h1") == title


def test_basis_link_leads_to_the_clause(page, live_server):
    page.goto(f"{live_server}/?q=公共绿地一级养护&type=standard&region=青浦区")
    page.locator("li.hit-standard a.hit-title").first.click()
    page.wait_for_selector("article.standard")
    assert page.locator(".badge-illustrative").first.text_content() == "示例"

    page.locator("ul.basis a").first.click()
    page.wait_for_selector("article.document")
    target = page.evaluate("decodeURIComponent(location.hash)")
    assert target.startswith("#clause-")
    assert page.locator(f"[id='{target[1:]}']").is_visible()


def test_keyboard_slash_focuses_search(page, live_server):
    page.goto(f"{live_server}/browse/")
    page.goto(f"{live_server}/?q=保洁")
    page.locator("body").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_compare_from_a_standard_and_export(page, live_server):
    page.goto(f"{live_server}/standards/QP-CQ-0012")
    page.click("#compare-related")
    page.wait_for_selector("table.comparison")

    assert int(page.text_content("#stat-count")) >= 3
    assert page.locator(".chart rect").count() >= 3
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == "标准对比.xlsx"


def test_verify_pasted_opinion_and_copy_a_clause_citation(page, live_server):
    page.goto(f"{live_server}/verify/")
    page.fill(
        "#text",
        "依据《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督[2024]58号）第四部分第8条，"
        "住宿费按 RS-CL-007，第1版 执行。",  # the 2014 rate, replaced in 2016
    )
    page.click("form.verify button[type=submit]")
    page.wait_for_selector("table.verify-results")
    labels = page.locator(".verify-results .badge").all_text_contents()
    assert labels == ["现行有效", "已被修订"]

    page.locator(".verify-results a").first.click()
    page.wait_for_selector("article.document")
    page.click("button[data-copy-target='cite-四.8']")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert (
        copied
        == "《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第四部分第8条"
    )
