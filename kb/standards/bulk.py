"""A whole file of standards written at once, with the outcomes of :func:`kb.standards.write`.

``kb ingest`` and ``POST /standards/import`` bring tens of thousands of records. Writing them
one by one costs a query and a flush each (26 minutes for 100,000, issue 16); here the stored
versions of every code in the file are read in a few chunked queries, each record is decided in
memory by the same rule as :func:`~kb.standards.write` (:func:`~kb.standards.repeated_version`,
the same version numbers, the same assigned codes), and the new standards and versions are
inserted with one multi-row statement each. The change log gets one row per record written,
as one flush per record gave it (:func:`kb.changes.log`).

The caller owns the transaction; a unique constraint broken by a concurrent writer raises
:class:`~sqlalchemy.exc.IntegrityError` (the caller rolls back).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import changes
from kb.models import Standard
from kb.models import StandardVersion
from kb.records import VERSION_FIELDS
from kb.records import StandardRecord
from kb.standards import WriteResult
from kb.standards import code_number
from kb.standards import code_prefix
from kb.standards import highest_code_number
from kb.standards import repeated_version
from kb.vocab import Outcome

#: Codes per ``IN (…)`` list: well below every database's limit on bound parameters.
CHUNK = 500
_COLUMNS = tuple(getattr(StandardVersion, name) for name in VERSION_FIELDS)


@dataclass(frozen=True)
class Written:
    """One record's outcome; for a record written, the version before it and what it wrote.

    ``previous`` and ``record`` are (version number, record with its code): what an audit entry
    compares. ``previous`` is ``None`` for a new standard and for an unchanged record.
    """

    result: WriteResult
    record: StandardRecord
    previous: tuple[int, StandardRecord] | None = None


@dataclass
class _Stored:
    """A standard's versions as (number, record), oldest first; ``id`` None until inserted."""

    id: int | None
    versions: list[tuple[int, StandardRecord]] = field(default_factory=list)


def write_many(
    session: Session,
    records: Iterable[StandardRecord],
    *,
    actor: str = "system",
    reason: str | None = None,
    organisation_id: int | None = None,
) -> list[Written]:
    """Store ``records`` in order, exactly as :func:`kb.standards.write` would one by one.

    ``organisation_id`` is recorded on every version written (the importing user's).
    """
    records = list(records)
    stored = _load(session, {r.code for r in records if r.code is not None})
    codes = _CodeAssigner(session)
    written: list[Written] = []
    new_codes: list[str] = []
    for record in records:
        code = record.code or codes.assign(record)
        if record.code is None:
            record = replace(record, code=code)
        standard = stored.get(code)
        if standard is None:
            standard = stored[code] = _Stored(None)
            new_codes.append(code)
            codes.taken(code)
            outcome = Outcome.ADDED
        else:
            repeated = repeated_version(standard.versions, record)
            if repeated is not None:
                written.append(Written(WriteResult(code, repeated, Outcome.UNCHANGED), record))
                continue
            outcome = Outcome.UPDATED
        number = len(standard.versions) + 1
        previous = standard.versions[-1] if standard.versions else None
        standard.versions.append((number, record))
        written.append(Written(WriteResult(code, number, outcome), record, previous))
    _insert(session, stored, new_codes, written, actor, reason, organisation_id)
    return written


def _load(session: Session, codes: set[str]) -> dict[str, _Stored]:
    """The stored versions of ``codes`` (those that exist), read ``CHUNK`` codes at a time."""
    found: dict[str, _Stored] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), CHUNK):
        query = (
            select(Standard.id, Standard.code, StandardVersion.version, *_COLUMNS)
            .join(StandardVersion, StandardVersion.standard_id == Standard.id, isouter=True)
            .where(Standard.code.in_(ordered[start : start + CHUNK]))
            .order_by(Standard.code, StandardVersion.version)
        )
        for row in session.execute(query):
            standard = found.setdefault(row.code, _Stored(row.id))
            if row.version is not None:
                values = {name: getattr(row, name) for name in VERSION_FIELDS}
                standard.versions.append((row.version, StandardRecord(code=row.code, **values)))
    return found


def _insert(
    session: Session,
    stored: dict[str, _Stored],
    new_codes: list[str],
    written: list[Written],
    actor: str,
    reason: str | None,
    organisation_id: int | None,
) -> None:
    """Insert the new standards, then every version written, then their change rows."""
    for chunk in _chunks(new_codes):
        rows = session.execute(
            insert(Standard).returning(Standard.id, Standard.code), [{"code": c} for c in chunk]
        )
        for standard_id, code in rows:
            stored[code].id = standard_id
    versions = [
        {
            "standard_id": stored[w.result.code].id,
            "version": w.result.version,
            "created_by": actor,
            "change_reason": reason,
            "organisation_id": organisation_id,
            **{name: getattr(w.record, name) for name in VERSION_FIELDS},
        }
        for w in written
        if w.result.outcome is not Outcome.UNCHANGED
    ]
    if not versions:
        return
    # Core, not the ORM's bulk insert: that leaves out None values, so rows with empty cells in
    # different columns would not share a statement.
    session.connection().execute(insert(StandardVersion.__table__), versions)
    touched = [w.result.code for w in written if w.result.outcome is not Outcome.UNCHANGED]
    changes.log(session, ((changes.STANDARD, code) for code in touched))
    _forget_versions(session, set(touched))


def _forget_versions(session: Session, codes: set[str]) -> None:
    """Expire the version lists of these standards if the session holds them: they grew."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Standard) and obj.code in codes:
            session.expire(obj, ["versions"])


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class _CodeAssigner:
    """Fresh codes as :func:`kb.standards.assign_code` gives them, counting this file's too."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.highest: dict[str, int] = {}
        self.created: list[str] = []

    def assign(self, record: StandardRecord) -> str:
        """The next code of the record's kind after every stored or created one."""
        prefix = code_prefix(record)
        if prefix not in self.highest:
            numbers = (code_number(c, prefix) for c in self.created)
            self.highest[prefix] = max(
                highest_code_number(self.session, prefix), *(n for n in numbers if n), 0
            )
        return f"{prefix}-{self.highest[prefix] + 1:06d}"

    def taken(self, code: str) -> None:
        """A standard with ``code`` is created in this file."""
        self.created.append(code)
        for prefix, highest in self.highest.items():
            number = code_number(code, prefix)
            if number is not None and number > highest:
                self.highest[prefix] = number
