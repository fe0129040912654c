"""The facts of candidate standard versions, read from the database for budget matching.

Matching reads tens of thousands of versions for one 10,000-line sheet, so they are read as
plain named tuples, without ORM objects, with one statement compiled once, by the standards'
database ids (which the search index holds with their codes): the versions' own table alone,
without joining the standards' to look each code up (2026-12-07, 61,513 versions at 100k
standards: 0.55–0.85 s against 0.85–1.08 s by code).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from typing import NamedTuple

from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Standard
from kb.models import StandardVersion
from kb.vocab import Kind

#: The kinds of standard a budget line is checked against (they carry a figure).
CHECKED_KINDS = (Kind.COST_QUOTA.value, Kind.EXPENDITURE.value)
#: Standards per statement: SQLite and PostgreSQL both take this many bound values at ease.
ID_BATCH = 2000


class StandardFacts(NamedTuple):
    """The fields of a standard version that matching and citing read (as :mod:`kb.fields`
    describes them; the statement selects exactly these)."""

    code: str
    version: int
    name: str
    kind: str
    level: str
    region: str
    category: str | None
    item: str | None
    grade: str | None
    unit: str | None
    value: Decimal | None
    value_max: Decimal | None
    basis: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    status: str
    illustrative: bool


def _facts_statement() -> Select[Any]:
    v = StandardVersion
    # The code is the standard's, known to the caller; every other fact is a column of the
    # version.
    columns = [getattr(v, name) for name in StandardFacts._fields if name != "code"]
    return select(v.standard_id, *columns).where(
        v.standard_id.in_(bindparam("ids", expanding=True))
    )


_FACTS = _facts_statement()


def read_facts(session: Session, codes: Mapping[int, str]) -> list[StandardFacts]:
    """The facts of every version of these standards, given as database id → code (in
    batches of :data:`ID_BATCH`)."""
    found: list[StandardFacts] = []
    connection = session.connection()
    ids = sorted(codes)
    for start in range(0, len(ids), ID_BATCH):
        rows = connection.execute(_FACTS, {"ids": ids[start : start + ID_BATCH]}).all()
        found.extend(StandardFacts(codes[row[0]], *row[1:]) for row in rows)
    return found


def read_all_facts(session: Session) -> list[tuple[int, StandardFacts]]:
    """Every version of the :data:`CHECKED_KINDS` as (its standard's database id, its facts),
    in no particular order: what a commit of the index keeps for matching
    (:mod:`indexer.budget_facts`)."""
    v = StandardVersion
    columns = [
        Standard.code if name == "code" else getattr(v, name) for name in StandardFacts._fields
    ]
    statement = (
        select(v.standard_id, *columns)
        .join(Standard, Standard.id == v.standard_id)
        .where(v.kind.in_(CHECKED_KINDS))
    )
    return [(row[0], StandardFacts(*row[1:])) for row in session.execute(statement)]
