"""kb/budget_figures.py: a line's figures reconciled, units of price, exact numbers shown."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.budget.figures import line_figures
from kb.budget.figures import parse_figure
from kb.budget.figures import parse_product
from kb.budget.figures import price_unit
from kb.budget.figures import shown
from kb.budget.figures import unit_conversion
from kb.budget.lines import BudgetLine
from kb.errors import InvalidInput
from kb.units import Incomparable
from kb.units import parse_unit


@pytest.mark.parametrize(
    ("number", "places", "expected"),
    [
        (F(800), 0, "800"),
        (F(13), 2, "13.00"),
        (F(21, 10), 0, "2.1"),
        (F(1, 3), 0, "0.3333"),
        (F(2, 3), 0, "0.6667"),
        (F(-1, 8), 0, "-0.125"),
        (F(1, 2**7), 0, "0.0078"),  # 0.0078125 needs 7 places: rounded to 4
        (F(-5, 1000), 2, "-0.005"),
    ],
)
def test_shown_is_exact_when_short_else_rounded_half_up(number, places, expected):
    assert format(shown(number, places), "f") == expected


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_a_decimal_with_four_places_is_shown_as_itself(value):
    assert shown(F(value)) == value


def test_line_figures_reconcile_quantity_price_and_amount():
    line = BudgetLine(row=2, item="会议费", persons=D("60"), days=D("5"), amount=D("228000"))

    figures = line_figures(line)
    assert (figures.quantity, figures.price, figures.amount, figures.notes) == (
        F(300),
        F(760),
        F(228000),
        (),
    )


@pytest.mark.parametrize(
    ("unit", "standard", "expected", "notes"),
    [
        ("人·天", "元/人·天", "元/人·天", ()),
        ("人天", "元/人·天", "元/人·天", ()),
        ("元/平方米·年", "元/平方米·年", "元/平方米·年", ()),
        ("平方米", "元/平方米·月", "元/平方米·年", ("计量单位未含期间，按预算年度（1年）计",)),
        ("座", "元/座·年", "元/座·年", ("计量单位未含期间，按预算年度（1年）计",)),
        ("", "元/盏·年", "元/盏·年", ("未填计量单位，按标准的计量单位“元/盏·年”计",)),
        ("万元/公里·年", "元/公里·年", "万元/公里·年", ()),
    ],
)
def test_price_unit_of_a_line(unit, standard, expected, notes):
    found: list[str] = []

    assert price_unit(unit, parse_unit(standard), found).text == expected
    assert tuple(found) == notes


def test_price_units_that_cannot_convert():
    with pytest.raises(Incomparable):
        price_unit("平方米", parse_unit("元/盏·年"))
    with pytest.raises(InvalidInput):
        price_unit("平方米/", parse_unit("元/盏·年"))


def test_unit_conversion_is_remembered_and_reports_why_not():
    assert unit_conversion("平方米·月", "元/平方米·年") == (F(12), (), None)
    assert unit_conversion("人·天", "%（占综合定额标准）")[2] == (
        "计量单位“元/人·天”与“%”无法换算：元 与 % 计量的不是同一种量"
    )


@pytest.mark.parametrize(
    ("text", "scale", "expected"),
    [
        ("1,200", None, D("1200")),
        (" ¥760.00 ", None, D("760.00")),
        ("76万元", None, D("760000")),
        ("7.6万", D(1), D("76000.0")),
        ("5000元", D(10000), D("5000")),
        ("38", D(10000), D("380000")),
        ("－", None, None),
        ("", None, None),
    ],
)
def test_parse_figure(text, scale, expected):
    assert parse_figure(text, scale) == expected


def test_parse_figure_refuses_words_naming_the_column():
    with pytest.raises(InvalidInput, match="“单价”列的“约八百”不是有效的数值"):
        parse_figure("约八百", column="单价")


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_parse_figure_reads_back_any_written_amount(value):
    assert parse_figure(format(value, "f")) == value
    assert parse_figure(f"{value:,}") == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [("60人×5天", (D("300"), "人·天")), ("60*5", (D("300"), None)), ("2×3×4", (D("24"), None))],
)
def test_parse_product(text, expected):
    assert parse_product(text) == expected
