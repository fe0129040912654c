"""Budget lines and the check's results, as frozen dataclasses: what the sheet reader gives,
what matching proposes and what the rules decide (:mod:`kb.budget.checking`).

Kept apart from the rules and the figures so that every module of the group can import them
without a circle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from decimal import Decimal
from functools import lru_cache
from typing import Any

from kb.citing.citations import official_standard_text
from kb.citing.citations import standard_permalink
from kb.citing.marks import marks
from kb.fields import described
from kb.fields import reader
from kb.models import StandardVersion
from kb.regions import place_named_in
from kb.regions import region_chain
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Verdict

#: The project's region when neither the request nor the sheet names one.
DEFAULT_REGION = "上海市"
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

    ``region`` is the project's region; ``None`` until the sheet is read: then the region its
    title rows name, else :data:`DEFAULT_REGION` (:func:`kb.budget.project.resolve_context`).
    ``level`` is the project's level of government (default: its region's): standards of a more
    local level do not bind it (a district project in 朱家角镇 is not held to 朱家角镇's own
    quotas), and a central rule binds only a central project. A line's own 地区 (or a
    destination its 事项 names: 赴京 → 北京市) and 等级 override ``region`` and ``grade``.
    """

    region: str | None = None
    on: dt.date = field(default_factory=dt.date.today)
    level: Level | None = None
    grade: str | None = None

    def __post_init__(self) -> None:
        # Callers pass what a form or a command line gave: "district", "区级", None, "".
        if self.on is None:
            object.__setattr__(self, "on", dt.date.today())
        if self.level is not None and not isinstance(self.level, Level):
            object.__setattr__(self, "level", Level.parse(self.level))
        object.__setattr__(self, "grade", (self.grade or "").strip() or None)
        object.__setattr__(self, "region", (self.region or "").strip() or None)

    @property
    def project_region(self) -> str:
        """The project's region (:data:`DEFAULT_REGION` until one is known)."""
        return self.region or DEFAULT_REGION

    @property
    def project_level(self) -> Level:
        """The project's level of government: as given, else its region's."""
        return self.level or region_chain(self.project_region)[0].level

    def region_of(self, line: BudgetLine) -> str:
        """The region a line is checked for: its own, a destination its 事项 names outside the
        project's region, else the project's."""
        if line.region:
            return line.region
        named = place_named_in(line.item)
        if named and named not in _chain_names(self.project_region):
            return named
        return self.project_region

    def grade_of(self, line: BudgetLine) -> str | None:
        """The grade a line's 等级 column or the project gives (matching reads one its 事项
        names before the project's)."""
        return line.grade or self.grade


@lru_cache(maxsize=1024)
def _chain_names(region: str) -> frozenset[str]:
    return frozenset(place.name for place in region_chain(region))


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
    #: False for another sub-item or another grade: shown beside, never judged against.
    eligible: bool = True
    #: How its grade fits the line's (:func:`kb.budget.policy.grade_fit`).
    grade_fit: int = 1
    #: What standards alike but for their grade share: (类别, 事项 without the grade, unit).
    family: tuple[str, str, str] | None = None
    #: The day its last version lapsed, when no version is in force on the day checked.
    lapsed_on: dt.date | None = None
    #: Its grade as matching reads it: its 等级, else the title/spec its 事项 names.
    grade_label: str | None = None


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

    @property
    def verdict_text(self) -> str:
        """The verdict as a reviewer copies it: ``超标准【示例，不得作为依据】`` when the
        standard it rests on is an example, so the mark travels with the verdict itself."""
        illustrative = bool(self.matched and self.matched.illustrative)
        return f"{self.verdict.label}{marks(None, illustrative)}"


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
    **policy: Any,
) -> Candidate:
    """A :class:`Candidate` for a standard version (or anything with its fields), with its
    official citation text and permalink, unless ``cited`` already holds the two; ``policy``
    sets the fields matching decides (``eligible``, ``grade_fit``, ``family``, ``lapsed_on``)."""
    citation, permalink = cited or (official_standard_text(version), standard_permalink(version))
    return Candidate(
        **_read_candidate_fields(version),
        citation=citation,
        permalink=permalink,
        reason=reason,
        score=score,
        **policy,
    )


#: The standard fields a candidate carries, read from the version as :mod:`kb.fields` holds them.
_read_candidate_fields = reader(described(Candidate))
_CANDIDATE_FIELD_COUNT = len(fields(Candidate))


def candidate_like(template: Candidate, **changes: Any) -> Candidate:
    """``template`` with ``changes``: equal to :func:`dataclasses.replace`, made without the
    frozen dataclass's field-by-field ``__init__`` (which checks nothing). Matching makes one
    for each of a sheet's distinct lines and candidates (46,000 for a 10,000-line sheet), from
    a template made once per standard version. The fields go into the new object's own
    attribute dictionary in the class's field order, so that it keeps the keys it shares with
    every other candidate (a dictionary of its own would take three times the memory).

    :raises TypeError: a name in ``changes`` that is no field of a candidate.
    """
    made = object.__new__(Candidate)
    values = made.__dict__
    values.update(vars(template))
    values.update(changes)
    if len(values) != _CANDIDATE_FIELD_COUNT:
        unknown = sorted(set(changes) - {f.name for f in fields(Candidate)})
        raise TypeError(f"no such candidate field: {', '.join(unknown)}")
    return made
