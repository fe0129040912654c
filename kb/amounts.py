"""The one range and precision rule for every figure we store or compute with.

A standard's value and upper bound, a cost component, and a budget line's quantity, unit price
and amount all obey it: at most :data:`MAX_INTEGER_DIGITS` digits before the decimal point and
:data:`MAX_DECIMAL_PLACES` significant places after it, finite. The largest figure accepted is
999,999,999,999.999999: a trillion 元 is above any district budget, six places hold any unit
price or share written in practice, and products and quotients of two such figures stay inside
the decimal context (28 digits) and the search index's numeric columns (exact below 2**53).
A figure outside it is refused with a Chinese message before anything is committed.
"""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation

from kb.errors import InvalidInput

#: Most digits before the decimal point (999,999,999,999 is the largest whole figure).
MAX_INTEGER_DIGITS = 12
#: Most significant places after the decimal point (trailing zeros do not count).
MAX_DECIMAL_PLACES = 6
#: The rule in words, for messages and documentation.
FIGURE_RULE = f"数值最多 {MAX_INTEGER_DIGITS} 位整数、{MAX_DECIMAL_PLACES} 位小数"


def figure_problem(number: Decimal | int | float) -> str | None:
    """Why ``number`` breaks the figure rule, in Chinese; ``None`` when it obeys it."""
    if isinstance(number, bool):
        return "不是数值"
    try:
        decimal = number if isinstance(number, Decimal) else Decimal(str(number))
    except (InvalidOperation, ValueError):
        return "不是数值"
    if not decimal.is_finite():
        return f"不是有限的数值（{FIGURE_RULE}）"
    if decimal.is_zero():
        return None
    integer_digits = decimal.adjusted() + 1
    if integer_digits > MAX_INTEGER_DIGITS:
        return f"超出范围：整数部分超过 {MAX_INTEGER_DIGITS} 位（{FIGURE_RULE}）"
    if decimal == round(decimal, MAX_DECIMAL_PLACES):
        return None  # at most that many places: the common figure, decided without its digits
    # Places without trailing zeros, read from the digits (normalize() would round under the
    # context and turn 1E-999999999 into zero).
    _, digits, exponent = decimal.as_tuple()
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    places = max(0, -(int(exponent) + trailing_zeros))
    if places > MAX_DECIMAL_PLACES:
        return f"小数位数为 {places} 位，超过 {MAX_DECIMAL_PLACES} 位（{FIGURE_RULE}）"
    return None


def is_within_rule(number: Decimal | int | float) -> bool:
    """Whether ``number`` obeys the figure rule."""
    return figure_problem(number) is None


def check_figure(number: Decimal, *, label: str = "数值") -> Decimal:
    """``number`` when it obeys the figure rule.

    :raises InvalidInput: it does not; the message names ``label`` (a column or field).
    """
    problem = figure_problem(number)
    if problem is not None:
        raise InvalidInput(f"“{label}”{problem}", {"value": _shown(number), "rule": FIGURE_RULE})
    return number


def _shown(number: object) -> str:
    """At most 40 characters of a refused figure, so a huge one is not echoed whole."""
    text = str(number)
    return text if len(text) <= 40 else f"{text[:20]}…（共 {len(text)} 位）"
