"""预算核查: check budget lines against the applicable standards, one verdict per line.

The rules, pure: the candidates for each line come from outside (``indexer.matching`` finds
them in the search index), so that the arithmetic can be tested with literal figures.

How a line's unit price is found and put into the standard's unit: :mod:`kb.budget.figures`.

Verdict, with ``lower`` = the standard's value and ``upper`` = its ``value_max`` or its value:

* ``over`` when the unit price exceeds ``upper``: difference = price − upper, percent of upper;
* ``under`` when a range's lower bound is not reached: difference = price − lower (negative);
* ``within`` otherwise: difference = price − value for a single value (zero or negative), 0
  inside a range;
* ``no_standard`` when no candidate was found, ``incomparable`` when the units do not convert
  or the standard has no figure.

The over amount is the part of the line's amount above the standard:
``amount × (price − upper) / price``, to the cent.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from quicktions import Fraction

from kb.budget.figures import Figures
from kb.budget.figures import cents
from kb.budget.figures import decimal_text
from kb.budget.figures import exact
from kb.budget.figures import line_figures
from kb.budget.figures import percent
from kb.budget.figures import places_of
from kb.budget.figures import shown
from kb.budget.figures import unit_conversion
from kb.budget.lines import CENT
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.budget.lines import Candidate
from kb.budget.lines import CheckContext
from kb.budget.lines import CheckLine
from kb.budget.lines import CheckReport
from kb.budget.lines import CheckTotals
from kb.budget.selection import no_standard_reason
from kb.budget.selection import select
from kb.units import Incomparable
from kb.vocab import Verdict


def check_lines(
    lines: Sequence[BudgetLine],
    candidates_for_line: Callable[[BudgetLine], Sequence[Candidate]],
    context: CheckContext,
    *,
    overrides: Mapping[int, str] | None = None,
    broken: Sequence[BrokenRow] = (),
    columns: Sequence[str] = (),
    source: str | None = None,
    notes: Sequence[str] = (),
) -> CheckReport:
    """Check every line against its best candidate (or the code ``overrides`` names for its row).

    ``candidates_for_line`` gives a line's candidates, best first; an override picks another of
    them by code (the caller makes sure it is among them).
    """
    overrides = overrides or {}
    checked = tuple(
        check_line(line, candidates_for_line(line), context, override=overrides.get(line.row))
        for line in lines
    )
    return CheckReport(
        lines=checked,
        broken=tuple(broken),
        totals=totals_of(checked, len(broken)),
        context=context,
        columns=tuple(columns),
        source=source,
        notes=tuple(notes),
    )


def check_line(
    line: BudgetLine,
    candidates: Sequence[Candidate],
    context: CheckContext,
    *,
    override: str | None = None,
) -> CheckLine:
    """The verdict on one line against its match: the first eligible candidate in force, or
    the one coded ``override``; the strictest grade when the line names none."""
    figures = line_figures(line)
    matched, runners_up, notes = select(line, candidates, override, context)
    if matched is None:
        why = no_standard_reason(line, candidates, context)
        amount = cents(figures.amount)
        return CheckLine(
            line,
            Verdict.NO_STANDARD,
            _join(why, *notes),
            runners_up=runners_up,
            amount=amount,
            notes=tuple(notes),
        )
    notes.extend(figures.notes)
    try:
        price = _normalised_price(line, figures, matched, notes)
    except Incomparable as error:
        notes.append(error.message)
        return _checked(line, Verdict.INCOMPARABLE, matched, runners_up, figures, notes)
    return _assess(line, price, figures, matched, runners_up, notes)


def _normalised_price(
    line: BudgetLine, figures: Figures, matched: Candidate, notes: list[str]
) -> Fraction:
    """The line's unit price in the standard's unit.

    A line whose amount is quantity × unit price × n (n = 2…12) is priced per month for n
    months when its unit per month converts to the standard's: its unit price is taken as
    given, per month, and the figures agree.

    :raises Incomparable: no unit price, no figure in the standard, or units that do not convert.
    """
    if figures.price is None:
        raise Incomparable("缺少数量或单价，无法计算单价")
    if matched.value is None or not matched.unit:
        raise Incomparable(f"标准 {matched.code} 没有数值或计量单位，无法比较")
    if figures.periods is not None and figures.given is not None:
        count, period = figures.periods
        per_period = _with_period(line.unit, period)
        factor, unit_notes, error = unit_conversion(per_period, matched.unit)
        if per_period and error is None:
            notes.append(
                f"金额为数量×单价×{count}：单价按每{period}计（{count}个{period}），与金额相符"
            )
            notes.extend(unit_notes)
            return figures.given * factor
    if figures.mismatch:
        notes.append(figures.mismatch)
    factor, unit_notes, error = unit_conversion(line.unit, matched.unit)
    if error is not None:
        raise Incomparable(error)
    notes.extend(unit_notes)
    return figures.price * factor


def _with_period(unit: str | None, period: str) -> str | None:
    """A line's unit per ``period``: 平方米 → 平方米·月 (``None`` without a unit)."""
    cleaned = "".join((unit or "").split())
    if not cleaned:
        return None
    return cleaned if period in cleaned else f"{cleaned}·{period}"


def _assess(
    line: BudgetLine,
    price: Fraction,
    figures: Figures,
    matched: Candidate,
    runners_up: tuple[Candidate, ...],
    notes: list[str],
) -> CheckLine:
    assert matched.value is not None
    lower = exact(matched.value)
    upper = exact(matched.value_max) if matched.value_max is not None else lower
    places = places_of(matched.value)
    if price > upper:
        verdict, difference, reference = Verdict.OVER, price - upper, upper
    elif matched.value_max is not None and price < lower:
        verdict, difference, reference = Verdict.UNDER, price - lower, lower
    elif matched.value_max is not None:
        verdict, difference, reference = Verdict.WITHIN, Fraction(0), lower
    else:
        verdict, difference, reference = Verdict.WITHIN, price - lower, lower
    over = None
    if verdict is Verdict.OVER and figures.amount is not None and price:
        over = cents(figures.amount * difference / price)
    shown_figures = _Shown(
        shown(price, places), shown(difference, places), percent(difference, reference), over
    )
    return _checked(line, verdict, matched, runners_up, figures, notes, shown_figures)


@dataclass(frozen=True)
class _Shown:
    """The figures of a compared line as shown: unit price, difference, percent, over amount."""

    unit_price: Decimal
    difference: Decimal
    percent: Decimal | None
    over_amount: Decimal | None


def _checked(
    line: BudgetLine,
    verdict: Verdict,
    matched: Candidate,
    runners_up: tuple[Candidate, ...],
    figures: Figures,
    notes: list[str],
    compared: _Shown | None = None,
) -> CheckLine:
    """The checked line against its match, its reason in Chinese ending with the notes."""
    words = _verdict_words(verdict, matched.unit, compared) if compared else ""
    return CheckLine(
        line,
        verdict,
        _join(f"对照{matched.citation}", words, f"匹配理由：{matched.reason}", *notes),
        matched=matched,
        runners_up=runners_up,
        unit_price=compared.unit_price if compared else None,
        standard_unit=matched.unit,
        standard_value=matched.value,
        standard_max=matched.value_max,
        difference=compared.difference if compared else None,
        percent=compared.percent if compared else None,
        amount=cents(figures.amount),
        over_amount=compared.over_amount if compared else None,
        notes=tuple(notes),
    )


def _verdict_words(verdict: Verdict, unit: str | None, compared: _Shown) -> str:
    price = f"折算单价{decimal_text(compared.unit_price)} {unit}"
    share = f"（{compared.percent}%）" if compared.percent is not None else ""
    if verdict is Verdict.OVER:
        return f"{price}，超过标准{decimal_text(compared.difference)}{share}"
    if verdict is Verdict.UNDER:
        return f"{price}，低于标准下限{decimal_text(abs(compared.difference))}{share}"
    return f"{price}，未超过标准"


def totals_of(lines: Sequence[CheckLine], broken: int = 0) -> CheckTotals:
    """The sums and counts of a checked sheet (see :class:`CheckTotals`)."""
    counts = {verdict: 0 for verdict in Verdict}
    sums = {"sheet": Decimal(0), "within": Decimal(0), "over_lines": Decimal(0)}
    sums |= {"over": Decimal(0), "unchecked": Decimal(0)}
    for checked in lines:
        counts[checked.verdict] += 1
        amount = checked.amount or Decimal(0)
        sums["sheet"] += amount
        if checked.verdict in (Verdict.WITHIN, Verdict.UNDER):
            sums["within"] += amount
        elif checked.verdict is Verdict.OVER:
            sums["over_lines"] += amount
            sums["over"] += checked.over_amount or Decimal(0)
        else:
            sums["unchecked"] += amount
    return CheckTotals(
        lines=len(lines),
        broken=broken,
        sheet_amount=sums["sheet"].quantize(CENT),
        within_amount=sums["within"].quantize(CENT),
        over_lines_amount=sums["over_lines"].quantize(CENT),
        over_amount=sums["over"].quantize(CENT),
        unchecked_amount=sums["unchecked"].quantize(CENT),
        counts=counts,
    )


def _join(*parts: str) -> str:
    return "；".join(p for p in parts if p)
