"""The maintenance story in headless Chromium: an editor drafts, a reviewer publishes."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from werkzeug.serving import make_server

from kb import standards
from kb.db import atomic
from tests.conftest import PASSWORD
from tests.factories import make_standard
from tests.programs import needs
from tests.webapp.test_browser import CHROMIUM
from tests.webapp.test_browser import CHROMIUM_ARGS

pytestmark = needs("chromium", "chromium")


@pytest.fixture
def live_server(app, session, cast):
    with atomic(session):
        standards.write(
            session,
            make_standard(code="ZJJ-CQ-1", region="朱家角镇", effective_from=dt.date(2024, 1, 1)),
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []  # a CSP violation (an inline style or script) is a console error
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    # A form sent back with its field errors answers 400 on purpose; Chromium logs that.
    assert [e for e in errors if not e.endswith("status of 400 (BAD REQUEST)")] == [], errors


def log_in(page, name):
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")


def test_login_edit_review_and_publish(page, live_server):
    page.goto(f"{live_server}/standards/ZJJ-CQ-1/edit")
    page.wait_for_url("**/login?next=**")
    log_in(page, "朱编辑")
    page.wait_for_url("**/standards/ZJJ-CQ-1/edit")

    page.fill("#f-value", "二十")
    page.click("#save-draft")
    assert page.text_content("#error-value") == "“二十”不是有效的数值"
    page.fill("#f-value", "20.00")
    page.fill("#f-reason", "2025年成本分析")
    page.click("#save-draft")
    page.wait_for_url("**/drafts")
    assert "第2版" in page.text_content("#waiting tr[data-code=ZJJ-CQ-1]")

    page.click("form.logout button")
    page.click("#login-link")
    log_in(page, "审核员")
    page.click("header.site nav a:has-text('审核')")
    page.click("table.queue a:has-text('ZJJ-CQ-1')")
    assert page.text_content('#diff tr[data-field="value"] ins') == "20.00"
    page.fill("#effective_from", "2026-01-01")
    page.click("#publish-button")

    page.wait_for_url("**/standards/ZJJ-CQ-1")
    assert page.get_attribute("article.standard", "data-version") == "2"
    assert "自 2026-01-01 起施行" in page.text_content(".flash")
