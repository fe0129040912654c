"""kb/budget_report.py: the check report as XLSX (read back with openpyxl), CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal as D

import openpyxl
import pytest

from kb.budget.checking import check_lines
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.budget.lines import CheckContext
from kb.budget.report import RESULT_COLUMNS
from kb.budget.report import report_bytes
from kb.budget.report import report_to_json
from kb.budget.report import write_report
from kb.errors import UnsupportedFile
from tests.kb.budget.test_checking import candidate

CONTEXT = CheckContext(region="青浦区", on=dt.date(2025, 6, 1), grade="一类会议")


@pytest.fixture
def report():
    lines = [
        BudgetLine(
            row=3,
            item="会议费",
            quantity=D("300"),
            unit="人·天",
            amount=D("240000"),
            cells=(("事项", "会议费"), ("数量", "300"), ("金额", "240000"), ("备注", "=1+1")),
        ),
        BudgetLine(
            row=5,
            item="信息系统运维",
            quantity=D("1"),
            unit="项",
            amount=D("300000"),
            cells=(("事项", "信息系统运维"), ("数量", "1"), ("金额", "300000"), ("备注", "")),
        ),
    ]
    broken = [
        BrokenRow(4, "“数量”列的“一百”不是有效的数值", (("事项", "行道树修剪"), ("数量", "一百")))
    ]
    return check_lines(
        lines,
        lambda line: (candidate(),) if line.item == "会议费" else (),
        CONTEXT,
        broken=broken,
        columns=("事项", "数量", "金额", "备注"),
        source="预算表.xlsx",
        notes=("第6行为合计行，未作为预算明细核查",),
    )


def test_the_xlsx_report_keeps_the_sheet_and_adds_the_verdicts(tmp_path, report):
    path = tmp_path / "报告.xlsx"
    write_report(path, report)

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["核查结果", "汇总"]
    sheet = workbook["核查结果"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["原表行号", "事项", "数量", "金额", "备注", *RESULT_COLUMNS]
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:R4")
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0][:14] == [
        3, "会议费", 300, 240000, "=1+1", "超标准", "RS-HY-004",
        "中央和国家机关会议费综合定额（一类会议·综合定额合计）",
        760, "元/人·天", 800, 40, 5.26, 240000,
    ]  # fmt: skip
    assert rows[0][14] == 12000
    assert rows[0][15].startswith(
        "对照中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第1版）：760 元/人·天；"
        "折算单价800 元/人·天"
    )
    assert rows[1][:6] == [4, "行道树修剪", "一百", None, None, "无法读取"]
    assert rows[1][15] == "“数量”列的“一百”不是有效的数值"
    assert rows[2][5:7] == ["无适用标准", None]
    verdicts = [sheet.cell(row=r, column=6) for r in (2, 3, 4)]
    assert [c.fill.fgColor.rgb[-6:] for c in verdicts] == ["FFC7CE", "F8CBAD", "EDEDED"]
    assert [(c.font.b, c.font.color.rgb[-6:]) for c in verdicts] == [
        (True, "9C0006"),
        (True, "833C0B"),
        (True, "3A3A3A"),
    ]
    assert {(c.font.b, c.fill.fgColor.rgb[-6:]) for c in sheet[1]} == {(True, "D9E1F2")}
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABP"}
    assert widths["A"] < widths["B"] < widths["P"] <= 61  # as wide as the text, at most 60
    assert sheet["E2"].data_type == "s"  # text that looks like a formula stays text
    assert (sheet["M2"].number_format, sheet["N2"].number_format) == ("#,##0.00", "#,##0.00")


def test_the_summary_sheet_has_the_totals(tmp_path, report):
    path = tmp_path / "报告.xlsx"
    write_report(path, report)

    rows = list(openpyxl.load_workbook(path)["汇总"].iter_rows(values_only=True))

    assert rows == [
        ("项目", "内容"),
        ("来源文件", "预算表.xlsx"),
        ("项目地区", "青浦区"),
        ("核查日期", "2025-06-01"),
        ("项目层级", "（未指定）"),
        ("项目等级", "一类会议"),
        ("核查明细行数", 2),
        ("无法读取行数", 1),
        ("预算金额合计（元）", 540000),
        ("符合标准金额（元）", 0),
        ("超标准明细金额（元）", 240000),
        ("其中超出标准金额（元）", 12000),
        ("未能核查金额（元）", 300000),
        ("符合标准（行）", 0),
        ("超标准（行）", 1),
        ("低于下限（行）", 0),
        ("无适用标准（行）", 1),
        ("无法比较（行）", 0),
        ("说明", "第6行为合计行，未作为预算明细核查"),
    ]


def test_the_csv_report_is_utf8_with_a_bom_and_exact_text(tmp_path, report):
    path = tmp_path / "报告.csv"
    write_report(path, report)

    data = path.read_bytes()
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))

    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0][:7] == ["原表行号", "事项", "数量", "金额", "备注", "核查结论", "匹配标准编号"]
    assert rows[1][5:15] == [
        "超标准", "RS-HY-004", "中央和国家机关会议费综合定额（一类会议·综合定额合计）",
        "760", "元/人·天", "800", "40", "5.26", "240000.00", "12000.00",
    ]  # fmt: skip
    assert [row[:1] + row[5:6] for row in rows[1:]] == [
        ["3", "超标准"],
        ["4", "无法读取"],
        ["5", "无适用标准"],
    ]


def test_the_json_report(report):
    data = report_to_json(report)

    assert json.loads(report_bytes(report, ".json")) == data
    assert data["context"] == {
        "region": "青浦区",
        "on": "2025-06-01",
        "level": None,
        "grade": "一类会议",
    }
    assert data["totals"]["counts"] == {
        "within": 0,
        "over": 1,
        "under": 0,
        "no_standard": 1,
        "incomparable": 0,
    }
    line = data["lines"][0]
    assert {k: line[k] for k in ("row", "verdict", "unit_price", "difference", "percent")} == {
        "row": 3,
        "verdict": "over",
        "unit_price": "800",
        "difference": "40",
        "percent": "5.26",
    }
    assert line["matched"]["code"] == "RS-HY-004"
    assert line["matched"]["url"] == "/standards/RS-HY-004?version=1"
    assert data["broken"] == [
        {
            "row": 4,
            "reason": "“数量”列的“一百”不是有效的数值",
            "cells": {"事项": "行道树修剪", "数量": "一百"},
        }
    ]


def test_other_report_formats_are_refused(report):
    with pytest.raises(UnsupportedFile):
        report_bytes(report, ".pdf")


def test_the_verdict_column_marks_a_verdict_against_an_example(tmp_path):
    line = BudgetLine(row=3, item="会议费", quantity=D("300"), unit="人·天", amount=D("240000"))
    example = candidate(illustrative=True)
    checked = check_lines([line], lambda _line: (example,), CONTEXT, columns=("事项",))
    path = tmp_path / "报告.csv"
    write_report(path, checked)

    rows = list(csv.reader(path.read_bytes().decode("utf-8-sig").splitlines()))
    assert rows[1][2] == "超标准【示例，不得作为依据】"
    assert report_to_json(checked)["lines"][0]["verdict_label"] == "超标准【示例，不得作为依据】"
