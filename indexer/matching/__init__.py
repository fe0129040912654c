"""Candidates for budget lines: the standards that may apply to each, found in the index, ranked.

The search side of the budget check. What it does with the index is in :mod:`.ranking` (related
words, text fit with numpy over thousands of standards, ranking per distinct line) and
:mod:`.text_fit`; what it keeps between checks is in :mod:`.shared`; the only module that
talks to the search engine is :mod:`.view`. Which standard *applies* — sub-item, grade, region
and level, the ranking key and the score — is policy, in :mod:`kb.budget.policy`; the facts
are kept with each commit of the index (:mod:`indexer.budget_facts`), else read by
:mod:`kb.budget.facts`; the verdicts are :mod:`kb.budget.checking`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

from sqlalchemy.orm import Session

from indexer.matching.ranking import Matcher
from indexer.matching.view import opened
from kb import standards
from kb.budget.lines import BudgetLine
from kb.budget.lines import Candidate
from kb.budget.lines import CheckContext
from kb.budget.lines import candidate_from_version
from kb.config import Settings
from kb.errors import NotFound
from kb.regions import applies_at
from kb.regions import region_chain


def match_lines(
    settings: Settings,
    session: Session,
    lines: Sequence[BudgetLine],
    context: CheckContext,
    *,
    overrides: Mapping[int, str] | None = None,
) -> dict[int, tuple[Candidate, ...]]:
    """Ranked candidates for each line, by row: the best first, then up to RUNNERS_UP others.

    A line none of whose candidates in force may be its match gets, after them, the standard
    of its sub-item whose last version lapsed before the day (``lapsed_on`` set), if any. A row
    in ``overrides`` also gets the standard it names (its version in force on the day), if it
    is not among them. Without a search index every line gets no candidate.
    """
    with opened(settings) as view:
        if view is None:
            return {line.row: () for line in lines}
        found = Matcher(view, session, context, context.on).rank_all(lines)
        unmatched = [line for line in lines if not any(c.eligible for c in found[line.row])]
        if unmatched:
            current = Matcher(view, session, context, None).rank_all(unmatched)
            for line in unmatched:
                lapsed = [c for c in current[line.row] if c.eligible and c.lapsed_on]
                found[line.row] = found[line.row] + tuple(lapsed[:1])
    for row, code in (overrides or {}).items():
        line = next((line for line in lines if line.row == row), None)
        if line is not None and all(c.code != code for c in found.get(row, ())):
            forced = forced_candidate(session, line, code, context)
            found[row] = found.get(row, ()) + ((forced,) if forced else ())
    return found


def forced_candidate(
    session: Session, line: BudgetLine, code: str, context: CheckContext
) -> Candidate | None:
    """The version of ``code`` in force on the day, as a candidate the reviewer chose."""
    try:
        version = standards.get(session, code, on=context.on)
    except NotFound:
        return None
    place = applies_at(version.region, version.level, region_chain(context.region_of(line)))
    where = f"地区“{version.region}”" + ("适用" if place else "不在本行地区范围内")
    return candidate_from_version(version, reason=f"评审人员指定；{where}")
