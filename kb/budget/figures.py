"""Figures of a budget line: quantity, unit price and amount, the unit price in a standard's
unit, and exact numbers shown as decimals.

Unit price. A line's unit price is its amount over its quantity; a line with a unit price and
no amount uses the unit price. With both, ``quantity × unit price`` must equal the amount up to
the rounding of the figures written (half a cent of the amount plus half the last written digit
of the unit price, per unit); otherwise the amount is taken, as the figure actually budgeted,
and the mismatch is reported. A quantity may be written as 人数 × 天数 (two columns, or
``60人×5天`` in the quantity cell): meeting and training fees are quoted per person-day.

Units. The unit price is in 元 per the line's unit (``人·天`` → 元/人·天); a line whose unit is
itself a price unit (``元/平方米·年``) keeps it. It is converted exactly into the standard's unit
with :mod:`kb.units` (万元 ↔ 元, 月 ↔ 年 …). A budget is annual: a line whose unit names no
period (``平方米``), checked against a standard per period (``元/平方米·月``), is taken as one
year (and said so). A line without a unit is read in the standard's unit (and said so). Units
that still do not convert cannot be compared.

Figures as written in sheets are read exactly: ``1,200``, ``¥760.00``, ``76万元``, ``-`` for
none, ``60人×5天`` for a product; a column's 万元 scales its money.

Numbers are exact fractions throughout. Shown, they are exact decimals when they have at most
:data:`EXACT_PLACES` places (and keep at least the places asked for: 2.10 → 2.00), else
rounded half up to :data:`SHOWN_PLACES`; percents are rounded half up to two places, money to
the cent (分).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import replace
from decimal import Decimal
from decimal import InvalidOperation
from functools import lru_cache

from quicktions import Fraction

from kb.budget.lines import BudgetLine
from kb.errors import InvalidInput
from kb.units import Incomparable
from kb.units import Unit
from kb.units import conversion_factor
from kb.units import parse_unit

EXACT_PLACES = 6
SHOWN_PLACES = 4
_PERIOD_FAMILY = "月数"
_MONEY_FAMILY = "金额"
#: Money units a sheet's header or cell may state, with their factor to 元.
MONEY_SCALES = {"万元": Decimal(10_000), "千元": Decimal(1000), "元": Decimal(1)}
_PLACEHOLDERS = frozenset({"-", "—", "--", "/", "／", "无", "—-"})
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_PRODUCT = re.compile(r"[×xX*＊]")
#: A line priced per month: amount = quantity × unit price × months, for any whole number of
#: months up to a year (a year's budget, or six months of cleaning).
PERIODS_IN_YEAR: dict[Fraction, tuple[int, str]] = {Fraction(n): (n, "月") for n in range(2, 13)}
_PERSON_DAY_SPELLINGS = {"人天": "人·天", "人日": "人·天", "人/天": "人·天", "人/日": "人·天"}


@dataclass(frozen=True)
class Figures:
    """A line's quantity, unit price (元 per its unit) and amount (元), exact, with notes."""

    quantity: Fraction | None
    price: Fraction | None
    amount: Fraction | None
    notes: tuple[str, ...] = ()
    #: When the amount is quantity × unit price × 12 (or × 4): the periods in a year and
    #: their name, the unit price as given, and the note that the figures disagree otherwise.
    periods: tuple[int, str] | None = None
    given: Fraction | None = None
    mismatch: str | None = None


def line_figures(line: BudgetLine) -> Figures:
    """The quantity, unit price and amount of a line, reconciled (see the module docstring)."""
    notes: list[str] = []
    quantity = _quantity(line, notes)
    amount = fraction(line.amount)
    given_price = fraction(line.unit_price)
    if amount is not None and quantity:
        implied = amount / quantity
        if given_price is None:
            return Figures(quantity, implied, amount, tuple(notes))
        expected = given_price * quantity
        if abs(expected - amount) <= _tolerance(line.unit_price, quantity):
            return Figures(quantity, given_price, amount, tuple(notes))
        mismatch = (
            f"金额{fraction_text(amount)}元与数量×单价（{fraction_text(quantity)}×{fraction_text(given_price)}="
            f"{fraction_text(expected)}元）不符，按金额÷数量计算单价"
        )
        periods = PERIODS_IN_YEAR.get(amount / expected) if expected else None
        if periods is not None:
            return Figures(quantity, implied, amount, tuple(notes), periods, given_price, mismatch)
        notes.append(mismatch)
        return Figures(quantity, implied, amount, tuple(notes))
    if given_price is not None:
        computed = given_price * quantity if quantity else None
        return Figures(quantity, given_price, amount or computed, tuple(notes))
    return Figures(quantity, None, amount, tuple(notes))


def _quantity(line: BudgetLine, notes: list[str]) -> Fraction | None:
    quantity = fraction(line.quantity)
    if line.persons is None or line.days is None:
        return quantity
    person_days = Fraction(line.persons) * Fraction(line.days)
    if quantity is None:
        return person_days
    if _person_day_unit(line.unit) and quantity != person_days:
        notes.append(
            f"数量{fraction_text(quantity)}与人数×天数（{fraction_text(Fraction(line.persons))}×"
            f"{fraction_text(Fraction(line.days))}={fraction_text(person_days)}）不符，按数量计算"
        )
    return quantity


def _person_day_unit(unit: str | None) -> bool:
    cleaned = "".join((unit or "").split())
    return _PERSON_DAY_SPELLINGS.get(cleaned, cleaned) in ("人·天", "人*天", "人×天")


def _tolerance(unit_price: Decimal | None, quantity: Fraction) -> Fraction:
    """How far quantity × unit price may be from the amount because of the digits written."""
    exponent = unit_price.as_tuple().exponent if unit_price is not None else 0
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _HALF_CENT + abs(quantity) * _half_digit(places)


_HALF_CENT = Fraction(1, 200)


@lru_cache(maxsize=64)
def _half_digit(places: int) -> Fraction:
    """Half a unit of the last of ``places`` decimal places."""
    return Fraction(1, 2 * 10**places)


@lru_cache(maxsize=4096)
def unit_conversion(
    unit: str | None, standard_unit: str
) -> tuple[Fraction, tuple[str, ...], str | None]:
    """The factor taking a line's unit price into the standard's unit, notes on assumptions
    made, or the reason in Chinese why there is none (remembered: sheets repeat their units).

    A qualifier in brackets (税后, 含税) is a note to show, not a reason to refuse: the figures
    are compared as written and the note says on which basis.
    """
    notes: list[str] = []
    try:
        target, qualifier = bare_unit(standard_unit)
        source = price_unit(unit, target, notes)
        line_qualifier = _qualifier_of(unit)
        notes.extend(_qualifier_notes(line_qualifier, qualifier, standard_unit))
        return conversion_factor(source, target), tuple(notes), None
    except (Incomparable, InvalidInput) as error:
        return Fraction(0), (), error.message


def bare_unit(text: str) -> tuple[Unit, str | None]:
    """A unit without its bracketed qualifier, and the qualifier: 元/学时（税后） → 元/学时, 税后.

    :raises InvalidInput: the unit cannot be read.
    """
    parsed = parse_unit(text)
    return replace(parsed, qualifier=None), parsed.qualifier


def _qualifier_of(unit: str | None) -> str | None:
    try:
        return bare_unit(unit)[1] if unit and unit.strip() else None
    except InvalidInput:
        return None


def _qualifier_notes(line: str | None, standard: str | None, standard_unit: str) -> list[str]:
    if standard and not line:
        return [f"标准计量单位“{standard_unit}”注明“{standard}”，本行单价按同一口径比较，请核对"]
    if standard and line and line != standard:
        return [f"本行单价注明“{line}”，标准为“{standard}”，口径不同，请核对"]
    if line and not standard:
        return [f"本行计量单位注明“{line}”，标准未注明，请核对口径"]
    return []


def price_unit(unit: str | None, target: Unit, notes: list[str] | None = None) -> Unit:
    """The unit a line's unit price is in, given its 计量单位 and the standard's unit ``target``.

    :raises Incomparable: the units do not convert, even taking the line as one year.
    :raises InvalidInput: the line's unit cannot be read.
    """
    notes = notes if notes is not None else []
    cleaned = "".join((unit or "").split())
    if not cleaned:
        notes.append(f"未填计量单位，按标准的计量单位“{target}”计")
        return target
    cleaned = _PERSON_DAY_SPELLINGS.get(cleaned, cleaned)
    parsed = replace(parse_unit(cleaned), qualifier=None)
    if not any(q.family == _MONEY_FAMILY for q in parsed.numerator):
        parsed = replace(parse_unit(f"元/{cleaned}"), qualifier=None)
    if parsed.dimension == target.dimension:
        return parsed
    if _has_period(target) and not _has_period(parsed):
        yearly = parse_unit(f"{parsed.text}·年" if parsed.denominator else f"{parsed.text}/年")
        if yearly.dimension == target.dimension:
            notes.append("计量单位未含期间，按预算年度（1年）计")
            return yearly
    conversion_factor(parsed, target)  # raises Incomparable with the reason
    return parsed  # pragma: no cover - conversion_factor raised above


def _has_period(unit: Unit) -> bool:
    return any(q.family == _PERIOD_FAMILY for q in unit.denominator)


# -- figures as written in a sheet -----------------------------------------------------


def parse_figure(
    text: str, scale: Decimal | None = None, *, column: str = "数值"
) -> Decimal | None:
    """A figure as written in a sheet: ``1,200``, ``¥760.00``, ``76万元``, ``-`` (none).

    ``scale`` multiplies money (a ``万元`` column); a 元/万元 written in the cell wins over it.

    :raises InvalidInput: not a number; the message names the column.
    """
    if not text:
        return None
    if _PLAIN_NUMBER.fullmatch(text):  # the usual cell: read as the full path would
        number = Decimal(text)
        return number * scale if scale is not None and scale != 1 else number
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = cleaned.replace(" ", "").lstrip("¥￥")
    if not cleaned or cleaned in _PLACEHOLDERS:
        return None
    for name, cell_scale in MONEY_SCALES.items():
        if cleaned.endswith(name):
            cleaned, scale = cleaned.removesuffix(name), cell_scale
            break
    else:
        if cleaned.endswith("万") and scale is not None:
            cleaned, scale = cleaned.removesuffix("万"), MONEY_SCALES["万元"]
    if not _NUMBER.fullmatch(cleaned):
        raise InvalidInput(f"“{column}”列的“{text.strip()}”不是有效的数值")
    try:
        number = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise InvalidInput(f"“{column}”列的“{text.strip()}”不是有效的数值") from exc
    return number * scale if scale is not None and scale != 1 else number


def parse_product(text: str) -> tuple[Decimal, str | None]:
    """A quantity written as a product: ``60人×5天`` → (300, ``人·天``), ``60×5`` → (300, None).

    :raises InvalidInput: a factor that is not a number.
    """
    total = Decimal(1)
    units = []
    parts = _PRODUCT.split(unicodedata.normalize("NFKC", text))
    for part in parts:
        part = part.strip()
        match = re.fullmatch(r"([0-9.,]+)\s*([\u4e00-\u9fff]{0,3})", part)
        if not match:
            raise InvalidInput(f"“数量”列的“{text.strip()}”不是有效的数值或乘式（如 60人×5天）")
        factor = parse_figure(match.group(1), column="数量")
        total *= factor if factor is not None else Decimal(0)
        if match.group(2):
            units.append(match.group(2))
    return total, ("·".join(units) if len(units) == len(parts) else None)


def is_product(text: str) -> bool:
    """Whether a quantity is written as a product (``60人×5天``)."""
    return _PRODUCT.search(text) is not None


# -- exact numbers ---------------------------------------------------------------------


def shown(number: Fraction, min_places: int = 0) -> Decimal:
    """``number`` as a decimal: exact up to EXACT_PLACES places (at least ``min_places``),
    else rounded half up to SHOWN_PLACES (or ``min_places`` if more)."""
    places = _terminating_places(number.denominator)
    if places is not None and places <= EXACT_PLACES:
        return _scaled(number, max(places, min_places))
    return _scaled(number, max(SHOWN_PLACES, min_places))


def _terminating_places(denominator: int) -> int | None:
    """How many decimal places 1/denominator needs, or None if it never terminates."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def _scaled(number: Fraction, places: int) -> Decimal:
    """``number`` rounded half up (away from zero) to ``places`` places, in integers only."""
    quotient, remainder = divmod(abs(number.numerator) * 10**places, number.denominator)
    if 2 * remainder >= number.denominator:
        quotient += 1
    # Read from text, a Decimal is exact whatever its length (no context rounding).
    return Decimal(f"{'-' if number < 0 and quotient else ''}{quotient}E-{places}")


def percent(difference: Fraction, reference: Fraction) -> Decimal | None:
    if reference == 0:
        return None
    return _scaled(difference * 100 / reference, 2)


def cents(number: Fraction | None) -> Decimal | None:
    return None if number is None else _scaled(number, 2)


def fraction(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


@lru_cache(maxsize=8192)
def exact(value: Decimal) -> Fraction:
    """``value`` as a fraction, remembered: a sheet compares its lines with few standard values."""
    return Fraction(value)


def places_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def fraction_text(number: Fraction) -> str:
    return decimal_text(shown(number))


def decimal_text(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")
