"""Clean records: what loaders and import files produce, and what ``kb`` stores.

They are plain frozen dataclasses so that ``indexer`` can build them without touching the
database, and tests can write expected values literally. :class:`StandardRecord` is written out
for type checkers; its fields are those of the interchange file in :mod:`kb.fields`, which a test
holds it to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kb.fields import VERSION_FIELDS
from kb.vocab import DocumentStatus
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status


@dataclass(frozen=True)
class StandardRecord:
    """One row of the standards interchange file, validated and typed."""

    name: str
    kind: Kind
    level: Level
    region: str
    domain: str
    code: str | None = None
    category: str | None = None
    item: str | None = None
    grade: str | None = None
    unit: str | None = None
    value: Decimal | None = None
    value_max: Decimal | None = None
    components: str | None = None
    conditions: str | None = None
    service_level: str | None = None
    issuer: str | None = None
    basis: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    status: Status = Status.IN_FORCE
    notes: str | None = None
    source: str | None = None
    verified: bool | None = None
    illustrative: bool = False


#: Re-exported: the fields a version carries, in interchange order (:data:`kb.fields.VERSION_FIELDS`).
__all__ = ["VERSION_FIELDS", "ClauseRecord", "DocumentEntry", "DocumentRecord", "StandardRecord"]


@dataclass(frozen=True)
class ClauseRecord:
    """A clause as found by structure parsing; ``path`` is like ``四.8`` and ``parent_path`` ``四``."""

    path: str
    label: str
    heading: str
    text: str
    depth: int
    parent_path: str | None = None


@dataclass(frozen=True)
class DocumentRecord:
    """A policy document after loading, repair and structure parsing."""

    slug: str
    title: str
    original_text: str
    text: str
    clauses: tuple[ClauseRecord, ...] = ()
    doc_number: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    issued_on: dt.date | None = None
    source_path: str | None = None


@dataclass(frozen=True)
class DocumentEntry:
    """One row of the documents interchange file: what kb knows of a document besides its text.

    ``title`` is the document's full title (for a 印发 notice, the notice's);
    ``measure_title`` the title of the measure it issues, the name it is cited by.
    ``replaced_by`` is the replacing document's canonical 文号; ``replaces`` free text.
    """

    title: str
    doc_number: str | None = None
    measure_title: str | None = None
    issuer: str | None = None
    issued_on: dt.date | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    status: DocumentStatus | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    source: str | None = None
    verified: bool = False
    notes: str | None = None
