"""Which candidate a line is judged against, or why none: the reviewer's choice, else the first
eligible candidate in force; the strictest grade when the line names none; a lapsed standard or
near candidates of other sub-items reported for a line without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from quicktions import Fraction

from kb.budget.figures import decimal_text
from kb.budget.figures import exact
from kb.budget.figures import shown
from kb.budget.figures import unit_conversion
from kb.budget.lines import RUNNERS_UP
from kb.budget.lines import BudgetLine
from kb.budget.lines import Candidate
from kb.budget.lines import CheckContext
from kb.citing.citations import RANGE_DASH as RANGE


def select(
    line: BudgetLine,
    candidates: Sequence[Candidate],
    override: str | None,
    context: CheckContext,
) -> tuple[Candidate | None, tuple[Candidate, ...], list[str]]:
    """The match (or ``None``), the runners-up and the notes the choice gives, in Chinese."""
    notes: list[str] = []
    ordered = list(candidates)
    chosen = None
    if override:
        chosen = next((c for c in ordered if c.code == override and not c.lapsed_on), None)
        if chosen is None:
            notes.append(
                f"评审人员指定的标准 {override} 不适用或在{context.on.isoformat()}"
                "没有现行有效的版本，已按自动匹配"
            )
        else:
            notes.append(f"由评审人员指定标准 {override}")
    if chosen is None:
        chosen = next((c for c in ordered if c.eligible and not c.lapsed_on), None)
        if chosen is not None and chosen.grade_fit == 0:
            chosen = _strictest(line, chosen, ordered, notes)
    if chosen is None:
        return None, tuple(ordered[:RUNNERS_UP]), notes
    others = [c for c in ordered if (c.code, c.version) != (chosen.code, chosen.version)]
    return chosen, tuple(others[:RUNNERS_UP]), notes


def _strictest(
    line: BudgetLine, first: Candidate, ordered: list[Candidate], notes: list[str]
) -> Candidate:
    """A line that names no grade, and standards that differ by grade: judge against the
    strictest of them (the lowest upper bound whose unit converts), show the range, ask to
    confirm. Never the most lenient."""
    siblings = [
        c
        for c in ordered
        if c.eligible
        and not c.lapsed_on
        and c.grade_fit == 0
        and c.family == first.family
        and c.region == first.region
        and c.value is not None
    ]
    usable = [c for c in siblings if c.unit and unit_conversion(line.unit, c.unit)[2] is None]
    pool = usable or siblings or [first]
    strictest = min(pool, key=lambda c: (_upper(c), c.code))
    grades = "、".join(
        f"{c.grade_label or c.grade}{_figure_range(c)}"
        for c in sorted(pool, key=lambda c: (_upper(c), c.code))
    )
    lowest = min(exact(c.value) for c in pool if c.value is not None)
    highest = max(_upper(c) for c in pool)
    span = (
        f"（{decimal_text(shown(lowest))}{RANGE}{decimal_text(shown(highest))} {strictest.unit}）"
        if highest != lowest
        else ""
    )
    label = strictest.grade_label or strictest.grade
    notes.append(f"未指定等级：可能适用的等级为{grades}{span}，按最严格的“{label}”核查，需确认等级")
    # The strictest takes the place of the first ranked, and its score: the grade left open
    # ranks them alike.
    return replace(strictest, score=max(strictest.score, first.score))


def _upper(candidate: Candidate) -> Fraction:
    value = candidate.value_max if candidate.value_max is not None else candidate.value
    return exact(value) if value is not None else Fraction(10**18)


def _figure_range(candidate: Candidate) -> str:
    if candidate.value is None:
        return ""
    if candidate.value_max is None:
        return f" {decimal_text(candidate.value)}"
    return f" {decimal_text(candidate.value)}{RANGE}{decimal_text(candidate.value_max)}"


def no_standard_reason(
    line: BudgetLine, candidates: Sequence[Candidate], context: CheckContext
) -> str:
    """Why a line has no standard, in Chinese: none in force, the last one lapsed, or only
    standards of other sub-items or grades are near."""
    day = context.on.isoformat()
    lapsed = next((c for c in candidates if c.lapsed_on), None)
    if lapsed is not None:
        assert lapsed.lapsed_on is not None
        return (
            f"现行标准未收录（最近一版“{lapsed.name}”（{lapsed.code}，第{lapsed.version}版）"
            f"已于{lapsed.lapsed_on.isoformat()}失效）：{day}没有现行有效的同类标准"
        )
    region = context.region_of(line)
    why = (
        f"在{region}及其上级地区、中央和省级标准中，未找到与“{line.item}”相符、"
        f"{day}现行有效的成本定额或支出标准"
    )
    near = [c for c in candidates if not c.eligible][:3]
    if near:
        names = "、".join(f"{c.name}（{c.code}）" for c in near)
        why += f"；相近的{names}为其他子项或等级，未作比较"
    return why
