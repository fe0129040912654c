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

import datetime as dt
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from fractions import Fraction

from kb.budget.figures import Figures
from kb.budget.figures import cents
from kb.budget.figures import decimal_text
from kb.budget.figures import exact
from kb.budget.figures import line_figures
from kb.budget.figures import percent
from kb.budget.figures import places_of
from kb.budget.figures import shown
from kb.budget.figures import unit_conversion
from kb.citing.citations import official_standard_text
from kb.citing.citations import standard_permalink
from kb.models import StandardVersion
from kb.units import Incomparable
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Verdict

#: Runner-up candidates kept per line, besides the match.
RUNNERS_UP = 4
CENT = Decimal("0.01")

Cells = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BudgetLine:
    """One line of a budget sheet; money in 元 (a sheet's 万元 columns are already scaled).

    ``row`` numbers the line as the sheet does; ``cells`` keeps the original columns as
    (header, text) pairs for the report.
    """

    row: int
    item: str
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    region: str | None = None
    grade: str | None = None
    category: str | None = None
    persons: Decimal | None = None
    days: Decimal | None = None
    cells: Cells = ()


@dataclass(frozen=True)
class BrokenRow:
    """A row that could not be read as a budget line, with the reason in Chinese."""

    row: int
    reason: str
    cells: Cells = ()


@dataclass(frozen=True)
class CheckContext:
    """The project checked: its region, the day (default today), optional level and grade.

    ``level`` is the project's level of government: standards of a more local level do not
    bind it (a district project in 朱家角镇 is not held to 朱家角镇's own quotas). A line's own
    地区 and 等级 override ``region`` and ``grade``.
    """

    region: str
    on: dt.date = field(default_factory=dt.date.today)
    level: Level | None = None
    grade: str | None = None

    def __post_init__(self) -> None:
        # Callers pass what a form or a command line gave: "district", "区级", None.
        if self.on is None:
            object.__setattr__(self, "on", dt.date.today())
        if self.level is not None and not isinstance(self.level, Level):
            object.__setattr__(self, "level", Level.parse(self.level))
        object.__setattr__(self, "grade", (self.grade or "").strip() or None)

    def region_of(self, line: BudgetLine) -> str:
        """The region a line is checked for: its own, else the project's."""
        return line.region or self.region

    def grade_of(self, line: BudgetLine) -> str | None:
        """The grade a line is checked for: its own, else the project's."""
        return line.grade or self.grade


@dataclass(frozen=True)
class Candidate:
    """A standard version that may apply to a line, with why it was proposed (Chinese)."""

    code: str
    version: int
    name: str
    kind: Kind
    level: Level
    region: str
    category: str | None
    item: str | None
    grade: str | None
    unit: str | None
    value: Decimal | None
    value_max: Decimal | None
    citation: str
    permalink: str
    reason: str
    score: float = 0.0
    illustrative: bool = False


@dataclass(frozen=True)
class CheckLine:
    """The verdict on one line: the match, the runners-up, the figures and why, in Chinese.

    ``unit_price``, ``difference`` and the standard's figures are in ``standard_unit``;
    ``amount`` and ``over_amount`` are in 元.
    """

    line: BudgetLine
    verdict: Verdict
    why: str
    matched: Candidate | None = None
    runners_up: tuple[Candidate, ...] = ()
    unit_price: Decimal | None = None
    standard_unit: str | None = None
    standard_value: Decimal | None = None
    standard_max: Decimal | None = None
    difference: Decimal | None = None
    percent: Decimal | None = None
    amount: Decimal | None = None
    over_amount: Decimal | None = None
    notes: tuple[str, ...] = ()

    @property
    def citation(self) -> str | None:
        """The citation text of the matched standard."""
        return self.matched.citation if self.matched else None


@dataclass(frozen=True)
class CheckTotals:
    """Sums over the checked lines, in 元, and the number of lines per verdict.

    ``sheet_amount`` sums every amount known (given, or unit price × quantity);
    ``within_amount`` the amounts of lines within the standard or below its range;
    ``over_lines_amount`` the amounts of lines over it, of which ``over_amount`` is above it;
    ``unchecked_amount`` the amounts of lines without a standard or not comparable.
    """

    lines: int
    broken: int
    sheet_amount: Decimal
    within_amount: Decimal
    over_lines_amount: Decimal
    over_amount: Decimal
    unchecked_amount: Decimal
    counts: dict[Verdict, int]


@dataclass(frozen=True)
class CheckReport:
    """A checked sheet: a verdict per line, the broken rows, the totals, and what was asked."""

    lines: tuple[CheckLine, ...]
    broken: tuple[BrokenRow, ...]
    totals: CheckTotals
    context: CheckContext
    columns: tuple[str, ...] = ()
    source: str | None = None
    notes: tuple[str, ...] = ()


def candidate_from_version(
    version: StandardVersion,
    *,
    reason: str,
    score: float = 0.0,
    cited: tuple[str, str] | None = None,
) -> Candidate:
    """A :class:`Candidate` for a standard version (or anything with its fields), with its
    official citation text and permalink, unless ``cited`` already holds the two."""
    citation, permalink = cited or (official_standard_text(version), standard_permalink(version))
    return Candidate(
        code=version.code,
        version=version.version,
        name=version.name,
        kind=Kind(version.kind),
        level=Level(version.level),
        region=version.region,
        category=version.category,
        item=version.item,
        grade=version.grade,
        unit=version.unit,
        value=version.value,
        value_max=version.value_max,
        citation=citation,
        permalink=permalink,
        reason=reason,
        score=score,
        illustrative=bool(version.illustrative),
    )


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
    """The verdict on one line against the first candidate, or the one coded ``override``."""
    matched, runners_up, notes = _select(candidates, override, context)
    figures = line_figures(line)
    if matched is None:
        region = context.region_of(line)
        why = (
            f"在{region}及其上级地区、中央和省级标准中，未找到与“{line.item}”相符、"
            f"{context.on.isoformat()}现行有效的成本定额或支出标准"
        )
        amount = cents(figures.amount)
        return CheckLine(
            line, Verdict.NO_STANDARD, _join(why, *notes), amount=amount, notes=tuple(notes)
        )
    notes.extend(figures.notes)
    try:
        price = _normalised_price(line, figures, matched, notes)
    except Incomparable as error:
        notes.append(error.message)
        return _checked(line, Verdict.INCOMPARABLE, matched, runners_up, figures, notes)
    return _assess(line, price, figures, matched, runners_up, notes)


def _select(
    candidates: Sequence[Candidate], override: str | None, context: CheckContext
) -> tuple[Candidate | None, tuple[Candidate, ...], list[str]]:
    notes: list[str] = []
    ordered = list(candidates)
    if override:
        chosen = next((c for c in ordered if c.code == override), None)
        if chosen is None:
            notes.append(
                f"评审人员指定的标准 {override} 不适用或在{context.on.isoformat()}"
                "没有现行有效的版本，已按自动匹配"
            )
        else:
            ordered.remove(chosen)
            ordered.insert(0, chosen)
            notes.append(f"由评审人员指定标准 {override}")
    if not ordered:
        return None, (), notes
    return ordered[0], tuple(ordered[1 : 1 + RUNNERS_UP]), notes


def _normalised_price(
    line: BudgetLine, figures: Figures, matched: Candidate, notes: list[str]
) -> Fraction:
    """The line's unit price in the standard's unit.

    :raises Incomparable: no unit price, no figure in the standard, or units that do not convert.
    """
    if figures.price is None:
        raise Incomparable("缺少数量或单价，无法计算单价")
    if matched.value is None or not matched.unit:
        raise Incomparable(f"标准 {matched.code} 没有数值或计量单位，无法比较")
    factor, unit_notes, error = unit_conversion(line.unit, matched.unit)
    if error is not None:
        raise Incomparable(error)
    notes.extend(unit_notes)
    return figures.price * factor


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
        _join(matched.reason, words, *notes),
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
