"""What an index has to apply from the database's change log (:mod:`kb.changes`).

The index remembers, in its metadata (:mod:`indexer.folder`), the last change id it applied
(``applied_change``) and the ids below it it has not seen yet (``change_gaps``, each with when it
was first missed). A gap is a write that took an id but had not committed when a later one had
(possible on PostgreSQL, whose ids are handed out before commit), or a write rolled back: it is
looked for again on every round until it appears or :data:`GAP_SECONDS` have passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy.orm import Session

from kb import changes

#: More changes than this to apply, and a round rebuilds (it bounds the work of a round).
MAX_CHANGES = 20_000
#: ... or more records to re-index than this share of the records the index holds (and at least
#: :data:`SHARE_FROM`): an update re-indexes a record through Whoosh's writer in ≈ 2.6 ms of CPU,
#: while a rebuild takes ≈ 1.2 ms a record of the whole database, on both cores (10k standards,
#: bench/README "When an update rebuilds"). A first load into an empty index rebuilds.
REBUILD_SHARE = 0.25
#: Records below which an update never rebuilds for their share: a few seconds at most.
SHARE_FROM = 500
#: How long an id missing below the last one applied is waited for (a rolled-back write never comes).
GAP_SECONDS = 600
#: How many ids below the newest a rebuild checks for writes not yet committed.
REBUILD_WINDOW = 200


@dataclass(frozen=True)
class Pending:
    """The changes an index has not applied, as records to re-index, and the state after them."""

    standard_codes: frozenset[str] = frozenset()
    document_ids: frozenset[int] = frozenset()
    #: The change id applied once these are.
    applied: int = 0
    #: Ids still missing below it, with when each was first missed (ISO time).
    gaps: dict[str, str] = field(default_factory=dict)
    #: How many change rows these are.
    count: int = 0
    #: Too many, or a change to every record of a kind: rebuild instead.
    rebuild: bool = False

    def metadata(self) -> dict[str, Any]:
        """What the index's metadata records once these are applied."""
        return {"applied_change": self.applied, "change_gaps": self.gaps}


def applied(meta: dict[str, Any] | None) -> tuple[int, dict[str, str]]:
    """The last change id an index applied and the gaps it waits for, from its metadata."""
    if not meta:
        return 0, {}
    return int(meta.get("applied_change", 0)), dict(meta.get("change_gaps", {}))


def behind(session: Session, meta: dict[str, Any] | None) -> bool:
    """Whether the log has something the index has not applied (one or two cheap queries)."""
    last, gaps = applied(meta)
    if changes.latest(session) > last:
        return True
    return bool(gaps) and (bool(changes.present(session, map(int, gaps))) or _expired(gaps))


def pending(
    session: Session, meta: dict[str, Any] | None, *, now: dt.datetime | None = None
) -> Pending:
    """What the index of ``meta`` has to apply now."""
    now = now or dt.datetime.now(dt.UTC)
    last, gaps = applied(meta)
    rows = changes.since(session, last, also=map(int, gaps), limit=MAX_CHANGES + 1)
    if len(rows) > MAX_CHANGES or any(row.key == changes.ALL for row in rows):
        return Pending(applied=last, gaps=gaps, count=len(rows), rebuild=True)
    codes = frozenset(r.key for r in rows if r.kind == changes.STANDARD)
    ids = frozenset(int(r.key) for r in rows if r.kind == changes.DOCUMENT)
    if _cheaper_to_rebuild(len(codes) + len(ids), meta):
        return Pending(applied=last, gaps=gaps, count=len(rows), rebuild=True)
    seen = {row.id for row in rows}
    top = max([last, *seen])
    still = {i: at for i, at in gaps.items() if int(i) not in seen and not _too_old(at, now)}
    for missing in range(last + 1, top):
        if missing not in seen:
            still[str(missing)] = now.isoformat(timespec="seconds")
    return Pending(
        standard_codes=codes,
        document_ids=ids,
        applied=top,
        gaps=still,
        count=len(rows),
    )


def rebuild_point(session: Session, *, now: dt.datetime | None = None) -> Pending:
    """Where a rebuild that starts now stands in the log: read this *before* reading records.

    Ids just below the newest that are missing may belong to writes not yet committed, whose
    records the rebuild might not see: they are kept as gaps.
    """
    now = now or dt.datetime.now(dt.UTC)
    top = changes.latest(session)
    window = range(max(1, top - REBUILD_WINDOW), top)
    found = changes.present(session, window)
    at = now.isoformat(timespec="seconds")
    return Pending(applied=top, gaps={str(i): at for i in window if i not in found})


def _cheaper_to_rebuild(records: int, meta: dict[str, Any] | None) -> bool:
    """Whether re-indexing ``records`` one by one costs more than rebuilding the index of
    ``meta`` (:data:`REBUILD_SHARE`). The index's records are counted as its standard versions
    and documents (a standard has one or more versions; a document's clauses go with it)."""
    if records < SHARE_FROM:
        return False
    counts = (meta or {}).get("counts", {})
    held = counts.get("standard", 0) + counts.get("document", 0)
    return records > REBUILD_SHARE * held


def _too_old(at: str, now: dt.datetime) -> bool:
    return (now - dt.datetime.fromisoformat(at)).total_seconds() > GAP_SECONDS


def _expired(gaps: dict[str, str]) -> bool:
    now = dt.datetime.now(dt.UTC)
    return any(_too_old(at, now) for at in gaps.values())
