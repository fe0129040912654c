"""The facts of candidate standard versions, read from the database for budget matching.

Matching reads tens of thousands of versions for one 10,000-line sheet, so they are read as
plain named tuples, without ORM objects, with one statement compiled once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from typing import NamedTuple

from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Standard
from kb.models import StandardVersion

#: Codes per statement: SQLite and PostgreSQL both take this many bound values at ease.
CODE_BATCH = 2000


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
    # The code is the standard's; every other fact is a column of the version.
    columns = [
        Standard.code if name == "code" else getattr(v, name) for name in StandardFacts._fields
    ]
    return (
        select(*columns)
        .join(v, v.standard_id == Standard.id)
        .where(Standard.code.in_(bindparam("codes", expanding=True)))
    )


_FACTS = _facts_statement()


def read_facts(session: Session, codes: list[str]) -> list[StandardFacts]:
    """The facts of every version of these standards (in batches of :data:`CODE_BATCH`)."""
    found: list[StandardFacts] = []
    connection = session.connection()
    for start in range(0, len(codes), CODE_BATCH):
        rows = connection.execute(_FACTS, {"codes": codes[start : start + CODE_BATCH]}).all()
        found.extend(map(StandardFacts._make, rows))
    return found
