"""indexer/budget_check.py on the four kinds of sheet a district reviewer gets (issue 14):
meetings and training (XLSX), city operations in 万元 (CSV), travel (CSV in UTF-8 and GBK) and
JSON lines — against the bundled corpus, whose real table holds the current (2016) 差旅 rates and
the 一类/二类/三类 training quotas beside the rates they replaced.

Each expected figure is worked out by hand from the standards' CSVs, written as literals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D

import openpyxl
import pytest

from indexer.budget_check import check_sheet
from kb.budget.lines import CheckContext
from kb.budget.report import headers
from kb.db import open_database
from kb.vocab import Verdict

ON = dt.date(2025, 6, 1)
OVER, WITHIN, NONE = Verdict.OVER, Verdict.WITHIN, Verdict.NO_STANDARD


@pytest.fixture
def corpus_session(corpus_instance) -> Iterator:
    factory = open_database(corpus_instance)
    with factory() as session:
        yield session
    factory.kw["bind"].dispose()


@pytest.fixture
def check(corpus_instance, corpus_session):
    def run(source, region=None):
        return check_sheet(corpus_instance, corpus_session, source, CheckContext(region, ON))

    return run


def outcome(report) -> list[tuple[object, ...]]:
    """Per line: row, verdict, matched code, unit price, difference, percent, over amount."""
    return [
        (
            c.line.row,
            c.verdict,
            c.matched.code if c.matched else None,
            c.unit_price,
            c.difference,
            c.percent,
            c.over_amount,
        )
        for c in report.lines
    ]


MEETINGS = [
    ["朱家角镇2025年度会议培训预算明细表"],
    ["编制单位：朱家角镇人民政府", None, None, None, None, None, None, "金额单位：元"],
    ["序号", "事项", "类别", "数量", "计量单位", "单价（元）", "金额（元）", "等级", "备注"],
    [None, "一、会议费"],
    [1, "会议费", "会议费", "60人×5天", None, 800, 240000, "一类会议", "全镇工作会议"],
    [2, "会议费", "会议费", 100, "人·天", 600, 60000, None, "未写会议类别"],
    [3, "会议住宿费", "会议费", 100, "人·天", 380, 38000, "二类会议", None],
    [None, "会议费小计", None, None, None, None, 338000],
    [None, "二、培训费"],
    [4, "二类培训", "培训费", 120, "人·天", 550, 66000, None, None],
    [5, "二类培训", "培训费", 120, "人·天", 700, 84000, None, None],
    [6, "讲课费", "培训费", 4, "学时", 1200, 4800, "正高级", None],
    [7, "讲课费（副高级）", "培训费", 6, "学时", 500, 3000, None, None],
    [8, "讲课费", "培训费", 2, "学时", 800, 1600, None, "职称未填"],
    [9, "专家咨询费", "专家咨询费", 2, "人·天", 2000, 4000, "高级专业技术职称", None],
    [10, "培训场地租赁费", "培训费", 1, "项", 20000, 20000, None, None],
    [None, "合计", None, None, None, None, 521400],
]


def test_meetings_and_training(check, tmp_path):
    path = tmp_path / "会议培训.xlsx"
    workbook = openpyxl.Workbook()
    for row in MEETINGS:
        workbook.active.append(row)
    workbook.save(path)

    report = check(path)

    assert report.context.region == "朱家角镇"  # from the title rows
    assert outcome(report) == [
        (5, OVER, "RS-HY-004", D("800"), D("40"), D("5.26"), D("12000.00")),
        # no class given: the strictest (三类 550), never 一类 760
        (6, OVER, "RS-HY-012", D("600"), D("50"), D("9.09"), D("5000.00")),
        (7, WITHIN, "RS-HY-005", D("380"), D("-20"), D("-5.00"), None),
        # 二类培训: its own quota, never the 讲课费 of the same category
        (10, WITHIN, "RS-PX-015", D("550"), D("-100"), D("-15.38"), None),
        (11, OVER, "RS-PX-015", D("700"), D("50"), D("7.69"), D("6000.00")),
        # 正高级 1000, not 副高级 500; 税后 in the unit is a note
        (12, OVER, "RS-PX-007", D("1200"), D("200"), D("20.00"), D("800.00")),
        (13, WITHIN, "RS-PX-006", D("500"), D("0"), D("0.00"), None),
        (14, OVER, "RS-PX-006", D("800"), D("300"), D("60.00"), D("600.00")),
        (15, WITHIN, "RS-ZJ-001", D("2000"), D("0"), D("0.00"), None),
        (16, NONE, None, None, None, None, None),
    ]
    totals = report.totals
    assert (totals.lines, totals.broken, totals.sheet_amount, totals.over_amount) == (
        10,
        0,
        D("521400.00"),
        D("24400.00"),
    )
    assert (totals.within_amount, totals.over_lines_amount, totals.unchecked_amount) == (
        D("111000.00"),
        D("390400.00"),
        D("20000.00"),
    )
    assert report.notes == (
        "项目地区取自预算表表头：朱家角镇",
        "第4行“一、会议费”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别",
        "第8行“会议费小计 338000”为合计行，未作为预算明细核查",
        "第9行“二、培训费”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别",
        "第17行“合计 521400”为合计行，未作为预算明细核查",
    )
    lines = {c.line.row: c for c in report.lines}
    assert "需确认等级" in lines[6].why and "需确认等级" in lines[14].why
    # a part of training has no standard: the lapsed 2014 training total is not offered as one
    assert lines[16].why.startswith(
        "在朱家角镇及其上级地区、中央和省级标准中，未找到与“培训场地租赁费”相符、"
        "2025-06-01现行有效的成本定额或支出标准"
    )
    assert lines[12].notes == (
        "标准计量单位“元/学时（税后）”注明“税后”，本行单价按同一口径比较，请核对",
    )
    assert headers(report) == (
        "原表行号",
        *("序号", "事项", "类别", "数量", "计量单位", "单价（元）", "金额（元）", "等级", "备注"),
        *("核查结论", "匹配标准编号", "匹配标准名称", "标准值", "标准计量单位", "折算单价"),
        *(
            "差额",
            "差额比例（%）",
            "金额（元）",
            "超标准金额（元）",
            "说明",
            "引用",
            "其他候选标准",
        ),
    )


OPERATIONS = """青浦区2025年度城市运维项目预算表,,,,,,,
地区：青浦区,,,,,,金额单位：万元,
序号,项目名称,费用类别,工作量,单位,单价（元）,预算金额（万元）,等级
,一、绿化养护,,,,,,
1,公共绿地养护,绿化养护,10000,平方米,,13.2,二级
2,道路附属绿地养护,绿化养护,5000,平方米,,6.5,二级
,二、环卫保洁,,,,,,
3,道路保洁,环卫保洁,20000,平方米,,50,一级
4,公厕保洁,环卫保洁,2,座,,20,
5,道路保洁,环卫保洁,20000,平方米,2,48,一级
,小计,,,,,118,
6,河道养护,水质生态维护,5,公里,,10,三级
7,景观灯光维护,景观灯光维护,100,平方米,,3,一级
8,垃圾清运,环卫保洁,1000,吨,,,
9,湖泊水面保洁,水质生态维护,一千,平方米,,1,一级
,合计,,,,,151.7,
"""


def test_operations_in_ten_thousand_yuan(check, tmp_path):
    path = tmp_path / "运维.csv"
    path.write_text(OPERATIONS, encoding="utf-8")

    report = check(path)

    assert report.context.region == "青浦区"
    assert outcome(report) == [
        (5, WITHIN, "QP-CQ-0002", D("13.20"), D("0.00"), D("0.00"), None),
        (6, OVER, "QP-CQ-0005", D("13.00"), D("1.60"), D("14.04"), D("8000.00")),
        (8, OVER, "QP-CQ-0011", D("25.00"), D("1.00"), D("4.17"), D("20000.00")),
        # no class: the strictest 三类 62000
        (9, OVER, "QP-CQ-0020", D("100000"), D("38000"), D("61.29"), D("76000.00")),
        # 2 元 a month × 12 = 24 元 a year: consistent
        (10, WITHIN, "QP-CQ-0011", D("24.00"), D("0.00"), D("0.00"), None),
        (12, WITHIN, "QP-CQ-0024", D("20000"), D("-1000"), D("-4.76"), None),
        (13, Verdict.INCOMPARABLE, "QP-CQ-0030", None, None, None, None),
    ]
    assert [(b.row, b.reason) for b in report.broken] == [
        (14, "缺少单价，且数量或金额不全，无法计算单价"),
        (15, "“数量”列的“一千”不是有效的数值"),
    ]
    lines = {c.line.row: c for c in report.lines}
    assert lines[10].notes[0] == "金额为数量×单价×12：单价按每月计（12个月），与金额相符"
    assert (report.totals.sheet_amount, report.totals.over_amount) == (
        D("1507000.00"),
        D("104000.00"),
    )


TRAVEL = """序号,事项,类别,地区,数量,计量单位,单价,金额,等级,备注
1,赴京差旅住宿费,差旅费,,10,人·天,400,4000,其他人员,赴京学习
2,差旅住宿费,差旅费,,5,人·天,450,2250,其余人员,
3,差旅住宿费,差旅费,上海市,3,人·天,700,2100,司局级,
4,住宿费,差旅费,,4,人·天,550,2200,,职级未填
5,伙食补助费,差旅费,,10,人·天,100,1000,,
6,市内交通费,差旅费,,10,人·天,100,1000,,
7,差旅住宿费,差旅费,火星,2,人·天,300,600,其余人员,
8,伙食补助费,差旅费,新疆,6,人·天,120,720,,
,合计,,,,,,13870,,
"""


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_travel_as_csv(check, tmp_path, encoding):
    path = tmp_path / "差旅.csv"
    path.write_bytes(TRAVEL.encode(encoding))

    report = check(path, region="青浦区")

    assert outcome(report) == [
        # 赴京: the destination's 2016 rate (北京市 其他人员 500), not the project's
        (2, WITHIN, "RS-CL-003", D("400"), D("-100"), D("-20.00"), None),
        # 其余人员 is 其他人员
        (3, WITHIN, "RS-CL-009", D("450"), D("-50"), D("-10.00"), None),
        (4, OVER, "RS-CL-008", D("700"), D("100"), D("16.67"), D("300.00")),
        # no grade: the strictest (其他人员 500)
        (5, OVER, "RS-CL-009", D("550"), D("50"), D("10.00"), D("200.00")),
        (6, WITHIN, "RS-CL-046", D("100"), D("0"), D("0.00"), None),
        (7, OVER, "RS-CL-048", D("100"), D("20"), D("25.00"), D("200.00")),
        # 新疆: the rate of 西藏、青海、新疆 (120), not the general one (100)
        (9, WITHIN, "RS-CL-047", D("120"), D("0"), D("0.00"), None),
    ]
    lines = {c.line.row: c for c in report.lines}
    assert lines[2].why.startswith(
        "对照中央和国家机关差旅住宿费标准（北京市·其他人员，2016版）"
        "（RS-CL-003，第2版，2016-01-01起施行）：500 元/人·天；"
    )
    assert "需确认等级" in lines[5].why
    assert "中央标准（地区“上海市”）约束中央单位；青浦区（区级）项目未见本地同类标准，参照执行" in (
        lines[3].why
    )
    assert [(b.row, b.reason) for b in report.broken] == [
        (8, "无法识别地区“火星”，请填写上海市、区或街镇名称，如 青浦区、朱家角镇")
    ]
    assert (report.totals.lines, report.totals.broken, report.totals.sheet_amount) == (
        7,
        1,
        D("13270.00"),
    )


def test_a_trip_whose_destination_has_only_lapsed_rates_is_told_so(lapsed_instance):
    """Against a knowledge base holding only the 2014 rates (every one lapsed): no verdict on a
    day after they lapsed, with the last version named; their verdict on a day they were in force."""
    lines = [
        {
            "事项": "赴京差旅住宿费",
            "数量": 10,
            "计量单位": "人·天",
            "金额": 4000,
            "等级": "其他人员",
        }
    ]
    factory = open_database(lapsed_instance)
    with factory() as session:
        today = check_sheet(lapsed_instance, session, lines, CheckContext("青浦区", ON))
        then = check_sheet(
            lapsed_instance, session, lines, CheckContext("青浦区", dt.date(2015, 6, 1))
        )
    factory.kw["bind"].dispose()

    assert outcome(today) == [(1, NONE, None, None, None, None, None)]
    assert today.lines[0].why == (
        "现行标准未收录（最近一版“中央和国家机关差旅住宿费标准（北京市·其他人员，2014版）”"
        "（RS-CL-003，第1版）已于2015-12-31失效）：2025-06-01没有现行有效的同类标准"
    )
    assert outcome(then) == [(1, OVER, "RS-CL-003", D("400"), D("50"), D("14.29"), D("500.00"))]


def test_json_lines(check):
    lines = [
        {
            "item": "会议费",
            "grade": "二类会议",
            "quantity": "50",
            "unit": "人·天",
            "amount": "30000",
        },
        {"事项": "讲课费", "等级": "正高级", "数量": "3", "计量单位": "学时", "单价": "1000"},
        {"item": "信息系统运维", "quantity": "1", "unit": "项", "amount": "300000"},
        {"item": "小计", "amount": "333000"},
        {"item": "公共绿地养护", "region": "朱家角", "quantity": "1", "amount": "13"},
    ]

    report = check(lines, region="青浦区")

    assert outcome(report) == [
        (1, WITHIN, "RS-HY-008", D("600"), D("-50"), D("-7.69"), None),
        (2, WITHIN, "RS-PX-007", D("1000"), D("0"), D("0.00"), None),
        (3, NONE, None, None, None, None, None),
    ]
    assert [(b.row, b.reason) for b in report.broken] == [
        (5, "无法识别地区“朱家角”，是否指：朱家角镇")
    ]
    assert report.notes == ("第4行“小计 333000”为合计行，未作为预算明细核查",)
