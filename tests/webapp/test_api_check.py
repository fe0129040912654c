"""POST /api/v1/check and the 预算表核查 page over the bundled corpus and the sample sheet."""

import pytest
from bs4 import BeautifulSoup

from kb.files.tables import read_table
from tests.conftest import CORPUS
from tests.webapp.test_error_shape import assert_error

SHEET = CORPUS / "budgets" / "sample-budget-qingpu.xlsx"


def test_json_lines_get_a_verdict_each(corpus_client):
    body = corpus_client.post(
        "/api/v1/check",
        json={
            "region": "朱家角镇",
            "on": "2025-06-01",
            "lines": [
                {
                    "item": "会议费",
                    "quantity": "300",
                    "unit": "人·天",
                    "amount": "240000",
                    "grade": "一类会议",
                },
                {"事项": "信息系统运维", "数量": "12", "计量单位": "月", "金额": "50000"},
                {
                    "item": "道路保洁",
                    "quantity": "10000",
                    "unit": "平方米",
                    "amount": "180000",
                    "grade": "二级",
                },
            ],
        },
    ).get_json()

    verdicts = [(line["row"], line["verdict"]) for line in body["lines"]]
    assert verdicts == [(1, "over"), (2, "no_standard"), (3, "within")]
    meeting = body["lines"][0]
    assert (
        meeting["unit_price"],
        meeting["standard_value"],
        meeting["difference"],
        meeting["percent"],
    ) == (
        "800",
        "760",
        "40",
        "5.26",
    )
    assert meeting["matched"]["code"] == "RS-HY-004"
    assert body["totals"]["over_amount"] == "12000.00"


def test_a_reviewer_can_pick_another_match(corpus_client):
    lines = [
        {
            "item": "会议费",
            "quantity": "300",
            "unit": "人·天",
            "amount": "240000",
            "grade": "一类会议",
        }
    ]
    first = corpus_client.post(
        "/api/v1/check", json={"region": "朱家角镇", "lines": lines}
    ).get_json()
    other = first["lines"][0]["runners_up"][0]["code"]

    again = corpus_client.post(
        "/api/v1/check", json={"region": "朱家角镇", "lines": lines, "overrides": {"1": other}}
    ).get_json()

    assert again["lines"][0]["matched"]["code"] == other


def test_uploaded_sheet_with_a_broken_row_is_still_checked(corpus_client):
    with SHEET.open("rb") as handle:
        body = corpus_client.post(
            "/api/v1/check",
            data={"file": (handle, "预算.xlsx"), "region": "朱家角镇", "on": "2025-06-01"},
        ).get_json()

    assert body["totals"]["lines"] == 10
    assert body["broken"] == [{"row": 17, "reason": body["broken"][0]["reason"]}]
    assert "一百" in body["broken"][0]["reason"]
    assert body["totals"]["counts"] == {
        "over": 3,
        "within": 4,  # 差旅住宿费: the 2016 rate for 上海市 applies in 朱家角镇
        "under": 1,
        "no_standard": 1,
        "incomparable": 1,
    }


def test_check_errors_are_json_4xx(corpus_client):
    assert corpus_client.post("/api/v1/check", json={"lines": []}).status_code == 400
    assert corpus_client.post("/api/v1/check", data={"region": "x"}).status_code == 400


def test_check_page_colours_lines_and_downloads_the_report(corpus_client, tmp_path):
    page = BeautifulSoup(corpus_client.get("/check/").get_data(as_text=True), "html.parser")
    token = page.select_one('input[name="csrf_token"]')["value"]
    with SHEET.open("rb") as handle:
        response = corpus_client.post(
            "/check/",
            data={
                "file": (handle, "预算.xlsx"),
                "region": "朱家角镇",
                "on": "2025-06-01",
                "csrf_token": token,
            },
        )
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert len(page.select("tr.verdict-over")) == 3
    assert page.select_one("tr.verdict-broken") is not None
    assert page.select_one("#over-amount").text == "38000.00"

    carried = {i["name"]: i["value"] for i in page.select("form.check input[type=hidden]")}
    download = corpus_client.post(
        "/check/", data={**carried, "region": "朱家角镇", "on": "2025-06-01", "download": "xlsx"}
    )
    assert download.status_code == 200
    report = tmp_path / "r.xlsx"
    report.write_bytes(download.data)
    table = read_table(report)
    assert any("超标准" in cells.values() for _, cells in table.rows)


def test_an_upload_without_a_region_takes_the_sheets_own(corpus_client):
    with SHEET.open("rb") as handle:
        response = corpus_client.post(
            "/api/v1/check", data={"file": (handle, "预算.xlsx"), "on": "2025-06-01"}
        )

    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["region"], body["on"]) == ("朱家角镇", "2025-06-01")
    assert body["notes"][0] == "项目地区取自预算表表头：朱家角镇"
    assert [line["matched"]["code"] if line["matched"] else None for line in body["lines"]][:3] == [
        "RS-HY-004",
        "RS-PX-005",
        "QP-CQ-0006",
    ]


def test_json_lines_without_a_region_are_checked_for_shanghai(corpus_client):
    lines = [
        {"item": "会议费", "grade": "二类会议", "quantity": "10", "unit": "人·天", "amount": "6000"}
    ]

    body = corpus_client.post("/api/v1/check", json={"lines": lines, "on": "2025-06-01"}).get_json()

    assert body["region"] == "上海市"
    assert body["notes"] == ["未指定项目地区，预算表表头也未写明，按上海市核查（可指定地区）"]
    assert body["lines"][0]["matched"]["code"] == "RS-HY-008"
    assert body["lines"][0]["why"].startswith(
        "对照中央和国家机关会议费综合定额（二类会议·综合定额合计）（RS-HY-008，第1版，2016-07-01起施行）"
    )


@pytest.mark.parametrize(("region", "suggestions"), [("火星", []), ("朱家角", ["朱家角镇"])])
def test_an_unknown_region_is_refused_with_suggestions(corpus_client, region, suggestions):
    lines = [{"item": "会议费", "quantity": "1", "amount": "500"}]

    error = assert_error(
        corpus_client.post("/api/v1/check", json={"region": region, "lines": lines}),
        400,
        "invalid_input",
    )

    assert error["message"].startswith(f"无法识别地区“{region}”")
    assert error["details"] == {"region": region, "suggestions": suggestions}


def test_the_answer_is_what_the_check_report_schema_dumps(corpus_client, corpus_instance):
    """The API answers through the compiled dump: the same JSON as marshmallow's own dump of
    the same check (every line, candidate, reason, figure and total)."""
    import datetime as dt

    from indexer.budget_check import check_sheet
    from kb.budget.lines import CheckContext
    from kb.db import open_database
    from webapp.api.schemas.check import CheckReportSchema

    with SHEET.open("rb") as handle:
        answer = corpus_client.post(
            "/api/v1/check",
            data={"file": (handle, SHEET.name), "region": "朱家角镇", "on": "2025-06-01"},
        )
    factory = open_database(corpus_instance)
    with factory() as session:
        report = check_sheet(
            corpus_instance, session, SHEET, CheckContext("朱家角镇", dt.date(2025, 6, 1))
        )
    factory.kw["bind"].dispose()

    assert answer.status_code == 200
    body = answer.get_json()
    assert body == CheckReportSchema().dump(report)
    assert body["lines"][0]["matched"]["value"] == "760"  # an exact decimal, as a string
    assert body["on"] == "2025-06-01" and body["totals"]["counts"]["over"] == 3
