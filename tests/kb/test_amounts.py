"""The one range and precision rule for figures (kb.amounts)."""

from decimal import Decimal

import pytest

from kb.amounts import MAX_DECIMAL_PLACES
from kb.amounts import MAX_INTEGER_DIGITS
from kb.amounts import check_figure
from kb.amounts import figure_problem
from kb.errors import InvalidInput


@pytest.mark.parametrize(
    "number",
    [
        Decimal("0"),
        Decimal("18.50"),
        Decimal("999999999999.999999"),
        Decimal("0.000001"),
        Decimal("760.0000000000"),  # trailing zeros are not places
        Decimal("1E+3"),
        12,
        -5,
    ],
)
def test_figures_within_the_rule_pass(number):
    assert figure_problem(number) is None


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (Decimal("1000000000000"), f"超过 {MAX_INTEGER_DIGITS} 位"),
        (10**400, f"超过 {MAX_INTEGER_DIGITS} 位"),
        (Decimal("9" * 300), f"超过 {MAX_INTEGER_DIGITS} 位"),
        (Decimal("1E+999999999"), f"超过 {MAX_INTEGER_DIGITS} 位"),
        (Decimal("0.0000001"), f"超过 {MAX_DECIMAL_PLACES} 位"),
        (Decimal("1E-999999999"), f"超过 {MAX_DECIMAL_PLACES} 位"),
        (float("inf"), "不是有限的数值"),
        (Decimal("NaN"), "不是有限的数值"),
    ],
)
def test_figures_outside_the_rule_are_explained(number, words):
    assert words in figure_problem(number)


def test_check_figure_names_the_field_and_does_not_echo_a_huge_figure():
    with pytest.raises(InvalidInput) as refused:
        check_figure(Decimal("9" * 300), label="单价")
    assert refused.value.message.startswith("“单价”超出范围")
    assert len(refused.value.details["value"]) < 60
