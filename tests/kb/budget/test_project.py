"""kb/budget/project.py: the project's region, the same default everywhere, unknown places refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kb.budget.lines import BudgetLine
from kb.budget.lines import CheckContext
from kb.budget.project import resolve_context
from kb.budget.project import screen_regions
from kb.errors import InvalidInput


def line(**overrides: Any) -> BudgetLine:
    values: dict[str, Any] = {"row": 5, "item": "会议费"}
    values.update(overrides)
    return BudgetLine(**values)


def test_the_region_asked_for_wins_then_the_sheets_then_shanghai():
    asked, asked_notes = resolve_context(CheckContext("青浦", dt.date(2025, 6, 1)), "朱家角镇")
    from_sheet, sheet_notes = resolve_context(CheckContext(None, dt.date(2025, 6, 1)), "朱家角镇")
    default, default_notes = resolve_context(CheckContext(on=dt.date(2025, 6, 1)))

    assert (asked.region, asked_notes) == ("青浦区", ())
    assert (from_sheet.region, sheet_notes) == ("朱家角镇", ("项目地区取自预算表表头：朱家角镇",))
    assert (default.region, default_notes) == (
        "上海市",
        ("未指定项目地区，预算表表头也未写明，按上海市核查（可指定地区）",),
    )


@pytest.mark.parametrize(
    ("text", "message", "suggestions"),
    [
        ("朱家角", "无法识别地区“朱家角”，是否指：朱家角镇", ["朱家角镇"]),
        ("火星", "无法识别地区“火星”，请填写上海市、区或街镇名称，如 青浦区、朱家角镇", []),
    ],
)
def test_an_unknown_region_is_refused_with_suggestions(text, message, suggestions):
    with pytest.raises(InvalidInput) as raised:
        resolve_context(CheckContext(text, dt.date(2025, 6, 1)))

    assert raised.value.message == message
    assert raised.value.details == {"region": text, "suggestions": suggestions}


def test_a_line_of_an_unknown_region_is_a_broken_row():
    lines = [line(row=2, region="火星"), line(row=3, region="青浦"), line(row=4)]

    kept, broken = screen_regions(lines)

    assert [(k.row, k.region) for k in kept] == [(3, "青浦区"), (4, None)]
    assert [(b.row, b.reason) for b in broken] == [
        (2, "无法识别地区“火星”，请填写上海市、区或街镇名称，如 青浦区、朱家角镇")
    ]


def test_a_destination_named_in_the_item_is_the_lines_region():
    context = CheckContext("青浦区", dt.date(2025, 6, 1))

    assert context.region_of(line(item="赴京差旅住宿费")) == "北京市"
    assert context.region_of(line(item="深圳出差住宿费")) == "深圳市"
    assert context.region_of(line(item="上海市内交通费")) == "青浦区"
    assert context.region_of(line(item="差旅住宿费", region="天津市")) == "天津市"
