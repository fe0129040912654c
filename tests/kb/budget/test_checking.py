"""kb/budget/checking.py: verdicts, differences, percents, over amounts, overrides and totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from kb import standards
from kb.budget.checking import check_line
from kb.budget.checking import check_lines
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.budget.lines import Candidate
from kb.budget.lines import CheckContext
from kb.budget.lines import candidate_from_version
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Verdict
from tests.factories import make_standard

CONTEXT = CheckContext(region="青浦区", on=dt.date(2025, 6, 1))


def candidate(**overrides: Any) -> Candidate:
    """The central 一类会议 综合定额, unless told otherwise."""
    values: dict[str, Any] = {
        "code": "RS-HY-004",
        "version": 1,
        "name": "中央和国家机关会议费综合定额（一类会议·综合定额合计）",
        "kind": Kind.EXPENDITURE,
        "level": Level.CENTRAL,
        "region": "全国（中央和国家机关）",
        "category": "会议费",
        "item": "一类会议·综合定额合计",
        "grade": "一类会议",
        "unit": "元/人·天",
        "value": D("760"),
        "value_max": None,
        "citation": "中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第1版）：760 元/人·天",
        "permalink": "/standards/RS-HY-004?version=1",
        "reason": "事项“会议费”与标准类别“会议费”相同",
    }
    values.update(overrides)
    return Candidate(**values)


def line(**overrides: Any) -> BudgetLine:
    values: dict[str, Any] = {"row": 5, "item": "会议费"}
    values.update(overrides)
    return BudgetLine(**values)


def check(budget_line: BudgetLine, *candidates: Candidate, override: str | None = None):
    return check_line(budget_line, candidates or (candidate(),), CONTEXT, override=override)


def figures(checked) -> tuple[Any, ...]:
    return (
        checked.verdict,
        checked.unit_price,
        checked.difference,
        checked.percent,
        checked.amount,
        checked.over_amount,
    )


def test_a_meeting_over_the_quota_by_40_yuan_a_person_day():
    checked = check(line(quantity=D("300"), unit="人·天", amount=D("240000")))

    assert figures(checked) == (
        Verdict.OVER,
        D("800"),
        D("40"),
        D("5.26"),
        D("240000.00"),
        D("12000.00"),
    )
    assert checked.standard_unit == "元/人·天"
    assert (checked.standard_value, checked.standard_max) == (D("760"), None)
    assert checked.matched == candidate()
    assert checked.citation == candidate().citation
    assert checked.why == (
        "对照中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第1版）：760 元/人·天；"
        "折算单价800 元/人·天，超过标准40（5.26%）；匹配理由：事项“会议费”与标准类别“会议费”相同"
    )


def test_persons_times_days_make_the_quantity():
    checked = check(line(persons=D("60"), days=D("5"), unit="人·天", amount=D("228000")))

    assert figures(checked) == (Verdict.WITHIN, D("760"), D("0"), D("0.00"), D("228000.00"), None)


def test_a_quantity_that_disagrees_with_persons_times_days_is_reported_and_wins():
    checked = check(
        line(quantity=D("250"), persons=D("60"), days=D("5"), unit="人·天", amount=D("190000"))
    )

    assert checked.unit_price == D("760")
    assert checked.notes == ("数量250与人数×天数（60×5=300）不符，按数量计算",)


def test_a_unit_price_without_amount_is_used_and_the_amount_computed():
    checked = check(line(quantity=D("100"), unit="人·天", unit_price=D("700")))

    assert figures(checked) == (Verdict.WITHIN, D("700"), D("-60"), D("-7.89"), D("70000.00"), None)


def test_a_unit_price_alone_is_checked_and_has_no_amount():
    checked = check(line(unit="人·天", unit_price=D("780")))

    assert figures(checked) == (Verdict.OVER, D("780"), D("20"), D("2.63"), None, None)


def test_amount_and_unit_price_that_disagree_take_the_amount_and_say_so():
    checked = check(line(quantity=D("300"), unit="人·天", unit_price=D("700"), amount=D("240000")))

    assert checked.unit_price == D("800")
    assert checked.notes == (
        "金额240000元与数量×单价（300×700=210000元）不符，按金额÷数量计算单价",
    )


def test_rounding_of_the_written_figures_is_not_a_mismatch():
    # 3 × 253.33 = 759.99: the amount 760 was rounded from 3 × 253.333…
    checked = check(line(quantity=D("3"), unit="人·天", unit_price=D("253.33"), amount=D("760")))

    assert checked.notes == ()
    assert checked.unit_price == D("253.33")


def test_a_monthly_quota_is_compared_with_an_annual_budget_line():
    monthly = candidate(code="QP-CQ-0017", unit="元/平方米·月", value=D("2.10"), grade="一级")

    checked = check(
        line(item="道路保洁", quantity=D("20000"), unit="平方米", amount=D("480000")), monthly
    )

    assert figures(checked) == (
        Verdict.WITHIN,
        D("2.00"),
        D("-0.10"),
        D("-4.76"),
        D("480000.00"),
        None,
    )
    assert checked.notes == ("计量单位未含期间，按预算年度（1年）计",)


def test_units_in_wan_yuan_and_months_convert_exactly():
    quota = candidate(unit="元/公里·年", value=D("68000"))

    checked = check(
        line(item="河道养护", quantity=D("2"), unit="万元/公里·月", unit_price=D("0.6")), quota
    )

    assert figures(checked)[:4] == (Verdict.OVER, D("72000"), D("4000"), D("5.88"))


@pytest.mark.parametrize(
    ("price", "verdict", "difference", "percent"),
    [
        ("18.00", Verdict.WITHIN, D("0.00"), D("0.00")),
        ("19.50", Verdict.WITHIN, D("0.00"), D("0.00")),
        ("20.00", Verdict.OVER, D("0.50"), D("2.56")),
        ("16.00", Verdict.UNDER, D("-1.00"), D("-5.88")),
    ],
)
def test_a_range_gives_within_over_and_under(price, verdict, difference, percent):
    ranged = candidate(unit="元/平方米·年", value=D("17.00"), value_max=D("19.50"))

    checked = check(
        line(item="道路保洁", quantity=D("100"), unit="平方米", unit_price=D(price)), ranged
    )

    assert (checked.verdict, checked.difference, checked.percent) == (verdict, difference, percent)


def test_units_that_do_not_convert_are_incomparable_with_the_reason():
    lamps = candidate(code="QP-CQ-0030", unit="元/盏·年", value=D("320"))

    checked = check(
        line(item="景观灯光维护", quantity=D("100"), unit="平方米", amount=D("30000")), lamps
    )

    assert figures(checked) == (Verdict.INCOMPARABLE, None, None, None, D("30000.00"), None)
    assert checked.notes == ("计量单位“元/平方米”与“元/盏·年”无法换算：平方米 与 盏·年 量纲不同",)


def test_a_qualifier_in_a_unit_is_a_note_not_a_reason_to_refuse():
    lecture = candidate(code="RS-PX-006", unit="元/学时（税后）", value=D("500"))

    plain = check(line(item="讲课费", quantity=D("4"), unit="学时", amount=D("2400")), lecture)
    after_tax = check(
        line(item="讲课费", quantity=D("4"), unit="学时（税后）", amount=D("2400")), lecture
    )
    with_tax = check(
        line(item="讲课费", quantity=D("4"), unit="学时（含税）", amount=D("2400")), lecture
    )

    assert (plain.verdict, plain.difference, plain.percent) == (Verdict.OVER, D("100"), D("20.00"))
    assert plain.notes == (
        "标准计量单位“元/学时（税后）”注明“税后”，本行单价按同一口径比较，请核对",
    )
    assert (after_tax.verdict, after_tax.difference, after_tax.notes) == (
        Verdict.OVER,
        D("100"),
        (),
    )
    assert with_tax.notes == ("本行单价注明“含税”，标准为“税后”，口径不同，请核对",)


def test_a_line_without_unit_is_read_in_the_standards_unit():
    checked = check(line(quantity=D("10"), amount=D("7000")))

    assert (checked.verdict, checked.unit_price) == (Verdict.WITHIN, D("700"))
    assert checked.notes == ("未填计量单位，按标准的计量单位“元/人·天”计",)


def test_no_candidate_means_no_standard():
    checked = check_line(line(quantity=D("1"), unit="项", amount=D("300000")), (), CONTEXT)

    assert (checked.verdict, checked.matched, checked.amount) == (
        Verdict.NO_STANDARD,
        None,
        D("300000.00"),
    )
    assert checked.why == (
        "在青浦区及其上级地区、中央和省级标准中，未找到与“会议费”相符、"
        "2025-06-01现行有效的成本定额或支出标准"
    )


def test_non_terminating_prices_are_shown_rounded_and_judged_exactly():
    checked = check(line(quantity=D("3"), unit="人·天", amount=D("2280.01")))

    assert figures(checked) == (
        Verdict.OVER,
        D("760.0033"),
        D("0.0033"),
        D("0.00"),
        D("2280.01"),
        D("0.01"),
    )


def test_an_override_picks_another_candidate_and_keeps_the_others_as_runners_up():
    first, second = candidate(), candidate(code="RS-HY-008", grade="二类会议", value=D("650"))
    budget_line = line(quantity=D("300"), unit="人·天", amount=D("210000"))

    automatic = check(budget_line, first, second)
    chosen = check(budget_line, first, second, override="RS-HY-008")

    assert (automatic.matched.code, automatic.verdict) == ("RS-HY-004", Verdict.WITHIN)
    assert (chosen.matched.code, chosen.verdict, chosen.difference) == (
        "RS-HY-008",
        Verdict.OVER,
        D("50"),
    )
    assert [c.code for c in chosen.runners_up] == ["RS-HY-004"]
    assert chosen.notes[0] == "由评审人员指定标准 RS-HY-008"


def test_an_override_that_is_not_a_candidate_falls_back_and_says_so():
    checked = check(line(quantity=D("1"), unit="人·天", amount=D("760")), override="XX-1")

    assert checked.matched.code == "RS-HY-004"
    assert (
        checked.notes[0]
        == "评审人员指定的标准 XX-1 不适用或在2025-06-01没有现行有效的版本，已按自动匹配"
    )


def test_check_lines_totals_the_sheet():
    lines = [
        line(row=2, quantity=D("300"), unit="人·天", amount=D("240000")),
        line(row=3, quantity=D("100"), unit="人·天", amount=D("70000")),
        line(row=4, item="信息系统运维", quantity=D("1"), unit="项", amount=D("300000")),
        line(row=6, quantity=D("10"), unit="平方米", amount=D("1000")),
    ]
    broken = [BrokenRow(5, "缺少事项（项目名称）")]

    def candidates(budget_line: BudgetLine) -> tuple[Candidate, ...]:
        return () if budget_line.item == "信息系统运维" else (candidate(),)

    report = check_lines(lines, candidates, CONTEXT, broken=broken, columns=("事项",))

    assert [c.verdict for c in report.lines] == [
        Verdict.OVER,
        Verdict.WITHIN,
        Verdict.NO_STANDARD,
        Verdict.INCOMPARABLE,
    ]
    totals = report.totals
    assert (totals.lines, totals.broken) == (4, 1)
    assert (
        totals.sheet_amount,
        totals.within_amount,
        totals.over_lines_amount,
        totals.over_amount,
        totals.unchecked_amount,
    ) == (D("611000.00"), D("70000.00"), D("240000.00"), D("12000.00"), D("301000.00"))
    assert totals.counts == {
        Verdict.WITHIN: 1,
        Verdict.OVER: 1,
        Verdict.UNDER: 0,
        Verdict.NO_STANDARD: 1,
        Verdict.INCOMPARABLE: 1,
    }
    assert (report.broken, report.columns, report.context) == (tuple(broken), ("事项",), CONTEXT)


def test_the_context_gives_region_and_grade_to_lines_without_their_own():
    context = CheckContext(region="青浦区", grade="二级")

    assert context.on == dt.date.today()
    assert (context.region_of(line()), context.grade_of(line())) == ("青浦区", "二级")
    assert (context.region_of(line(region="朱家角镇")), context.grade_of(line(grade="一级"))) == (
        "朱家角镇",
        "一级",
    )


def test_a_candidate_from_a_stored_version_carries_its_official_citation(session):
    standards.write(session, make_standard())
    version = standards.get(session, "QP-CQ-0012")

    found = candidate_from_version(version, reason="指定")

    assert (found.code, found.version, found.kind, found.level, found.value) == (
        "QP-CQ-0012",
        1,
        Kind.COST_QUOTA,
        Level.DISTRICT,
        D("18.50"),
    )
    assert (
        found.citation
        == "公共绿地一级养护成本定额（QP-CQ-0012，第1版，2024-05-09起施行）：18.50 元/平方米·年"
    )
    assert found.permalink == "/standards/QP-CQ-0012?version=1"


@pytest.mark.parametrize("text", ["over", "超标准"])
def test_verdicts_parse_key_or_label(text):
    assert Verdict.parse(text) is Verdict.OVER
    assert {v.value: v.label for v in Verdict} == {
        "within": "符合标准",
        "over": "超标准",
        "under": "低于下限",
        "no_standard": "无适用标准",
        "incomparable": "无法比较",
    }


def test_a_line_without_quantity_or_unit_price_cannot_be_compared():
    checked = check(line(amount=D("5000")))

    assert figures(checked) == (Verdict.INCOMPARABLE, None, None, None, D("5000.00"), None)
    assert checked.notes == ("缺少数量或单价，无法计算单价",)


def test_the_context_reads_what_a_form_gives():
    context = CheckContext(region="朱家角镇", on=None, level="区级", grade=" ")  # type: ignore[arg-type]

    assert (context.on, context.level, context.grade) == (dt.date.today(), Level.DISTRICT, None)


# -- issue 14: verdicts a reviewer can sign ------------------------------------------------------

MEETING_GRADES = {"一类会议": "760", "二类会议": "650", "三类会议": "550", "四类会议": "550"}


def meeting_totals(**policy: Any) -> list[Candidate]:
    """The four 综合定额合计 as matching proposes them to a line naming no class."""
    return [
        candidate(
            code=f"RS-HY-{n:03d}",
            grade=grade,
            grade_label=grade,
            item=f"{grade}·综合定额合计",
            value=D(value),
            grade_fit=0,
            family=("会议费", "综合定额合计", "元/人·天"),
            score=85.0,
            **policy,
        )
        for n, (grade, value) in zip((4, 8, 12, 16), MEETING_GRADES.items(), strict=True)
    ]


def test_a_missing_grade_is_judged_against_the_strictest_never_the_most_lenient():
    checked = check(line(quantity=D("100"), unit="人·天", amount=D("60000")), *meeting_totals())

    assert checked.matched is not None and checked.matched.code == "RS-HY-012"
    assert figures(checked) == (
        Verdict.OVER,
        D("600"),
        D("50"),
        D("9.09"),
        D("60000.00"),
        D("5000.00"),
    )
    assert checked.notes[0] == (
        "未指定等级：可能适用的等级为三类会议 550、四类会议 550、二类会议 650、一类会议 760"
        "（550–760 元/人·天），按最严格的“三类会议”核查，需确认等级"
    )
    assert [c.code for c in checked.runners_up] == ["RS-HY-004", "RS-HY-008", "RS-HY-016"]
    assert all(c.score <= checked.matched.score for c in checked.runners_up)


def test_a_line_within_the_strictest_grade_is_within_whatever_its_grade():
    checked = check(line(quantity=D("10"), unit="人·天", amount=D("5000")), *meeting_totals())

    assert (checked.verdict, checked.difference) == (Verdict.WITHIN, D("-50"))
    assert "需确认等级" in checked.why


def test_another_sub_item_or_grade_is_shown_but_never_judged_against():
    lecture = candidate(
        code="RS-PX-006",
        name="中央和国家机关培训讲课费（副高级技术职称专业人员）",
        unit="元/学时（税后）",
        value=D("500"),
        eligible=False,
    )

    checked = check(
        line(item="二类培训", quantity=D("120"), unit="人·天", amount=D("84000")), lecture
    )

    assert (checked.verdict, checked.matched, checked.runners_up) == (
        Verdict.NO_STANDARD,
        None,
        (lecture,),
    )
    assert checked.why == (
        "在青浦区及其上级地区、中央和省级标准中，未找到与“二类培训”相符、2025-06-01现行有效的成本定额"
        "或支出标准；相近的中央和国家机关培训讲课费（副高级技术职称专业人员）（RS-PX-006）为其他子项或"
        "等级，未作比较"
    )


def test_a_standard_that_lapsed_is_reported_as_not_in_the_knowledge_base_today():
    lapsed = candidate(
        code="RS-CL-003",
        name="中央和国家机关差旅住宿费标准（北京市·其他人员，2014版）",
        lapsed_on=dt.date(2015, 12, 31),
    )

    checked = check(line(item="赴京差旅住宿费", quantity=D("10"), amount=D("4000")), lapsed)

    assert (checked.verdict, checked.matched) == (Verdict.NO_STANDARD, None)
    assert checked.why == (
        "现行标准未收录（最近一版“中央和国家机关差旅住宿费标准（北京市·其他人员，2014版）”"
        "（RS-CL-003，第1版）已于2015-12-31失效）：2025-06-01没有现行有效的同类标准"
    )


@pytest.mark.parametrize(
    ("unit", "standard_unit", "value", "expected"),
    [
        # 20000 平方米 × 2 元 × 12 months = 480000: consistent, per month
        ("平方米", "元/平方米·月", "2.10", (Verdict.WITHIN, D("2.00"), D("-0.10"))),
        ("平方米", "元/平方米·年", "24.00", (Verdict.WITHIN, D("24.00"), D("0.00"))),
        ("元/平方米·月", "元/平方米·月", "1.85", (Verdict.OVER, D("2.00"), D("0.15"))),
    ],
)
def test_a_line_priced_per_month_is_not_flagged_as_inconsistent(
    unit, standard_unit, value, expected
):
    roads = candidate(code="QP-CQ-0017", unit=standard_unit, value=D(value))
    budget_line = line(
        item="道路保洁", quantity=D("20000"), unit=unit, unit_price=D("2"), amount=D("480000")
    )

    checked = check(budget_line, roads)

    assert (checked.verdict, checked.unit_price, checked.difference) == expected
    assert checked.notes[0] == "金额为数量×单价×12：单价按每月计（12个月），与金额相符"
    assert not [note for note in checked.notes if "不符" in note]


def test_amounts_that_disagree_otherwise_are_still_reported():
    per_day = candidate(unit="元/人·天", value=D("760"))
    budget_line = line(quantity=D("10"), unit="人·天", unit_price=D("700"), amount=D("84000"))

    checked = check(budget_line, per_day)

    assert checked.notes[0] == ("金额84000元与数量×单价（10×700=7000元）不符，按金额÷数量计算单价")
    assert (checked.verdict, checked.unit_price) == (Verdict.OVER, D("8400"))


def test_every_verdict_names_the_standard_and_its_citation():
    checked = check(line(quantity=D("10"), unit="人·天", amount=D("7000")))

    assert checked.why.startswith(f"对照{candidate().citation}；")
    assert "RS-HY-004" in checked.why


def test_a_line_priced_per_month_for_part_of_the_year():
    roads = candidate(code="QP-CQ-0017", unit="元/平方米·年", value=D("24.00"))
    budget_line = line(
        item="道路保洁", quantity=D("20000"), unit="平方米", unit_price=D("2.5"), amount=D("300000")
    )

    checked = check(budget_line, roads)

    # 2.5 元 a month for 6 months: 30 元 a year as a rate, over the yearly 24
    assert (checked.verdict, checked.unit_price, checked.difference) == (
        Verdict.OVER,
        D("30.00"),
        D("6.00"),
    )
    assert checked.notes[0] == "金额为数量×单价×6：单价按每月计（6个月），与金额相符"
