"""indexer/budget_check.py: the sample budget sheets checked end to end against the real corpus."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from decimal import Decimal as D

import openpyxl
import pytest

from indexer import collector
from indexer.budget_check import check_sheet
from kb.budget.lines import CheckContext
from kb.budget.report import write_report
from kb.db import open_database
from kb.errors import InvalidInput
from kb.vocab import Verdict
from tests.conftest import REPO

SAMPLE = REPO / "corpus" / "budgets" / "sample-budget-qingpu"
CONTEXT = CheckContext(region="朱家角镇", on=dt.date(2025, 6, 1))

#: Per line of the sample: item, verdict, matched code, unit price, difference, percent, over amount.
EXPECTED = [
    ("会议费", Verdict.OVER, "RS-HY-004", D("800"), D("40"), D("5.26"), D("12000.00")),
    ("培训费", Verdict.WITHIN, "RS-PX-005", D("500"), D("-50"), D("-9.09"), None),
    ("公共绿地养护", Verdict.OVER, "QP-CQ-0006", D("13.00"), D("0.20"), D("1.56"), D("2000.00")),
    ("道路保洁", Verdict.WITHIN, "QP-CQ-0014", D("18.00"), D("0.00"), D("0.00"), None),
    ("河道养护", Verdict.UNDER, "QP-CQ-0027", D("33000"), D("-3000"), D("-8.33"), None),
    ("公厕保洁", Verdict.OVER, "QP-CQ-0018", D("150000"), D("12000"), D("8.70"), D("24000.00")),
    ("道路保洁", Verdict.WITHIN, "QP-CQ-0017", D("2.00"), D("-0.10"), D("-4.76"), None),
    ("景观灯光维护", Verdict.INCOMPARABLE, "QP-CQ-0032", None, None, None, None),
    ("信息系统运维", Verdict.NO_STANDARD, None, None, None, None, None),
    # the central 2016 rate for 上海市 (其他人员 500) applies in 朱家角镇 since 2016-01-01
    ("差旅住宿费", Verdict.WITHIN, "RS-CL-009", D("400"), D("-100"), D("-20.00"), None),
]


@pytest.fixture
def corpus_session(corpus_instance) -> Iterator:
    factory = open_database(corpus_instance)
    with factory() as session:
        yield session
    factory.kw["bind"].dispose()


@pytest.fixture
def check(corpus_instance, corpus_session):
    def run(source, context=CONTEXT, overrides=None):
        return check_sheet(corpus_instance, corpus_session, source, context, overrides)

    return run


def outcome(report) -> list[tuple[object, ...]]:
    return [
        (
            c.line.item,
            c.verdict,
            c.matched.code if c.matched else None,
            c.unit_price,
            c.difference,
            c.percent,
            c.over_amount,
        )
        for c in report.lines
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_sample_sheet_gets_a_verdict_per_line(check, suffix):
    report = check(SAMPLE.with_suffix(suffix))

    assert outcome(report) == EXPECTED
    totals = report.totals
    assert (totals.lines, totals.broken) == (10, 1)
    assert (
        totals.sheet_amount,
        totals.within_amount,
        totals.over_lines_amount,
        totals.over_amount,
        totals.unchecked_amount,
    ) == (D("2093000.00"), D("1093000.00"), D("670000.00"), D("38000.00"), D("330000.00"))
    assert [(v.value, n) for v, n in totals.counts.items()] == [
        ("within", 4),
        ("over", 3),
        ("under", 1),
        ("no_standard", 1),
        ("incomparable", 1),
    ]
    assert [b.reason for b in report.broken] == ["“数量”列的“一百”不是有效的数值"]
    assert report.source == f"sample-budget-qingpu{suffix}"


def test_why_each_line_got_its_verdict(check):
    lines = check(SAMPLE.with_suffix(".xlsx")).lines

    assert lines[0].why == (
        # the 2016 rate (第2版, 760) in force on the day, not the 2014 one (第1版, 660)
        "对照中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第2版，2016-07-01起施行）"
        "：760 元/人·天；"
        "依据《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条；"
        "折算单价800 元/人·天，超过标准40（5.26%）；"
        "匹配理由：事项“会议费”与标准类别“会议费”相同；"
        "中央标准（地区“全国（中央和国家机关）”）约束中央单位；朱家角镇（镇级）项目未见本地同类标准，参照执行；"
        "等级“一类会议”相符；2025-06-01现行有效（第2版）"
    )
    # priced per month, budgeted for a year: consistent, and no mismatch is reported
    assert lines[6].notes == ("金额为数量×单价×12：单价按每月计（12个月），与金额相符",)
    assert lines[7].notes[-1] == "计量单位“元/平方米”与“元/盏·年”无法换算：平方米 与 盏·年 量纲不同"
    assert lines[8].why == (
        "在朱家角镇及其上级地区、中央和省级标准中，未找到与“信息系统运维”相符、"
        "2025-06-01现行有效的成本定额或支出标准"
    )
    assert [c.code for c in lines[2].runners_up][:1] == ["QP-CQ-0002"]


def test_the_reviewer_picks_another_match_and_re_runs(check):
    first = check(SAMPLE.with_suffix(".xlsx"))
    row = first.lines[2].line.row
    again = check(SAMPLE.with_suffix(".xlsx"), overrides={row: "QP-CQ-0002"})

    chosen = again.lines[2]
    assert (chosen.matched.code, chosen.verdict, chosen.difference, chosen.percent) == (
        "QP-CQ-0002",
        Verdict.WITHIN,
        D("-0.20"),
        D("-1.52"),
    )
    assert chosen.notes[0] == "由评审人员指定标准 QP-CQ-0002"
    assert [c.code for c in chosen.runners_up][:1] == ["QP-CQ-0006"]
    assert outcome(again)[:2] + outcome(again)[3:] == EXPECTED[:2] + EXPECTED[3:]
    assert (again.totals.over_amount, again.totals.within_amount) == (
        D("36000.00"),
        D("1223000.00"),
    )


def test_an_override_with_a_standard_from_elsewhere_is_applied_as_chosen(check):
    report = check(SAMPLE.with_suffix(".csv"), overrides={8: "PT-CQ-0002"})

    chosen = report.lines[2]
    assert (chosen.matched.code, chosen.verdict, chosen.difference) == (
        "PT-CQ-0002",
        Verdict.WITHIN,
        D("-2.60"),
    )
    assert chosen.matched.reason == "评审人员指定；地区“普陀区”不在本行地区范围内"


def test_json_lines_and_the_day_decide_the_standard(check):
    lines = [
        {"事项": "差旅住宿费", "数量": 10, "计量单位": "人·天", "金额": 4000, "等级": "其他人员"},
        {"item": "会议费", "persons": 60, "days": 5, "amount": "228000", "grade": "一类会议"},
    ]

    in_2015 = check(lines, CheckContext(region="青浦区", on=dt.date(2015, 6, 1)))
    in_2025 = check(lines, CheckContext(region="青浦区", on=dt.date(2025, 6, 1)))

    assert outcome(in_2015)[0] == (
        "差旅住宿费",
        Verdict.OVER,
        "RS-CL-009",
        D("400"),
        D("50"),
        D("14.29"),
        D("500.00"),
    )
    assert outcome(in_2025) == [
        ("差旅住宿费", Verdict.WITHIN, "RS-CL-009", D("400"), D("-100"), D("-20.00"), None),
        ("会议费", Verdict.WITHIN, "RS-HY-004", D("760"), D("0"), D("0.00"), None),
    ]


def test_the_xlsx_report_of_the_sample_reads_back(check, tmp_path):
    path = tmp_path / "核查报告.xlsx"
    write_report(path, check(SAMPLE.with_suffix(".xlsx")))

    sheet = openpyxl.load_workbook(path)["核查结果"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}

    assert header[:12] == ["原表行号", "序号", "事项", "类别", "数量", "计量单位"] + [
        "金额（元）-单价",
        "金额（元）-合计",
        "地区",
        "等级",
        "备注",
        "核查结论",
    ]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [6, 7, *range(9, 18)]
    meeting = dict(zip(header, rows["会议费"], strict=True))
    assert {k: meeting[k] for k in ("核查结论", "匹配标准编号", "标准值", "折算单价")} == {
        "核查结论": "超标准",
        "匹配标准编号": "RS-HY-004",
        "标准值": 760,
        "折算单价": 800,
    }
    assert (meeting["差额"], meeting["差额比例（%）"], meeting["超标准金额（元）"]) == (
        40,
        5.26,
        12000,
    )
    assert meeting["引用"].startswith(
        "中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第2版，2016-07-01起施行）："
        "760 元/人·天；依据《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条"
    )
    river = dict(zip(header, rows["河道养护"], strict=True))
    # the river quota is an example: the verdict cell itself says so
    assert (river["核查结论"], river["标准值"], river["差额"]) == (
        "低于下限【示例，不得作为依据】",
        "36000–41000",
        -3000,
    )
    broken = dict(zip(header, rows["行道树修剪"], strict=True))
    assert (broken["核查结论"], broken["说明"]) == ("无法读取", "“数量”列的“一百”不是有效的数值")
    assert sheet.max_row == 12


def test_a_sheet_that_cannot_be_read_is_refused(check, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("说明\n本表无内容\n", encoding="utf-8")

    with pytest.raises(InvalidInput):
        check(path)


def test_the_cycle_collector_is_held_during_a_check_and_resumes_after(check):
    seen = []
    with collector.paused():
        seen.append(gc.isenabled())
        with collector.paused():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    with pytest.raises(InvalidInput), collector.paused():
        check([{"数量": 1}])
    assert seen == [False, False, False]
    assert gc.isenabled()


# -- an upload checked again (the page's download) ---------------------------------------------

QUOTA_HEADER = "code,name,kind,level,region,domain,category,item,grade,unit,value,effective_from\n"
UPLOAD = "事项,数量,计量单位,单价,地区,等级\n公共绿地养护,1000,平方米,19.00,青浦区,一级\n".encode()


def write_quota(folder, value: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "quota.csv").write_text(
        QUOTA_HEADER + "QP-CQ-0900,公共绿地一级养护成本定额,成本定额标准,区级,青浦区,城市运维,"
        f"绿化养护,公共绿地养护,一级,元/平方米·年,{value},2024-05-09\n",
        encoding="utf-8",
    )


def verdicts(report) -> list[tuple[object, ...]]:
    return [
        (c.verdict, c.matched.code, c.matched.version, c.standard_value, c.difference)
        for c in report.lines
    ]


def test_an_upload_checked_again_is_the_report_already_made_until_the_index_changes(
    settings, session, tmp_path
):
    from indexer import search as search_module
    from indexer.budget_check import check_upload
    from indexer.ingest import ingest

    folder = tmp_path / "standards"
    write_quota(folder, "18.50")
    assert ingest(settings, session, [folder]).ok
    context = CheckContext(region="青浦区", on=dt.date(2025, 6, 1))
    try:
        first = check_upload(settings, session, "预算.csv", UPLOAD, context)
        again = check_upload(settings, session, "预算.csv", UPLOAD, context)
        # anything else that decides the check is checked afresh
        other_day = check_upload(
            settings, session, "预算.csv", UPLOAD, CheckContext("青浦区", dt.date(2024, 1, 1))
        )
        picked = check_upload(settings, session, "预算.csv", UPLOAD, context, {2: "QP-CQ-0900"})
        renamed = check_upload(settings, session, "预算表.csv", UPLOAD, context)
        cheaper = UPLOAD.replace(b"19.00", b"18.00")
        changed = check_upload(settings, session, "预算.csv", cheaper, context)
        with pytest.raises(InvalidInput):
            check_upload(settings, session, "预算.csv", b"\xff\xfe not a sheet", context)

        write_quota(folder, "20.00")  # a new version: the index commits, the searcher is new
        assert ingest(settings, session, [folder]).ok
        after = check_upload(settings, session, "预算.csv", UPLOAD, context)
    finally:
        search_module.release(settings)

    assert again is first
    assert verdicts(first) == [(Verdict.OVER, "QP-CQ-0900", 1, D("18.50"), D("0.50"))]
    # before the quota took effect, the line has no standard
    assert [c.verdict for c in other_day.lines] == [Verdict.NO_STANDARD]
    assert all(r is not first for r in (other_day, picked, renamed, changed))
    assert picked.lines[0].notes[0] == "由评审人员指定标准 QP-CQ-0900"
    assert (renamed.source, first.source) == ("预算表.csv", "预算.csv")
    assert verdicts(changed) == [(Verdict.WITHIN, "QP-CQ-0900", 1, D("18.50"), D("-0.50"))]
    assert verdicts(after) == [(Verdict.WITHIN, "QP-CQ-0900", 2, D("20.00"), D("-1.00"))]
