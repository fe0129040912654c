"""The one Whoosh schema: every index field and facet is named here, and records become index docs here.

One index holds three record types, told apart by ``type``:

* ``standard``: one index doc per *published* version of a standard, plus the current version
  even when it is a draft; ``is_current`` marks the version :func:`kb.standards.current_version`
  picks. ``effective_from``/``effective_to`` are day numbers (``date.toordinal()``, 0 = none), read
  from columns by :func:`in_force_window`, which mirrors :func:`kb.standards.in_force_on`.
* ``clause``: one index doc per clause, carrying its document's id and title.
* ``document``: one index doc per policy document (its whole text).

Facet fields are ``ID`` fields with a column (``sortable``), so facet counts and filter sets are
read from columns and posting lists, never from stored fields. What a hit shows is stored. The
scored text lives in one field, ``content``, where the title is written :data:`TITLE_WEIGHT`
times so that title words outweigh body words without a second scored field; ``body`` is the
stored text snippets are cut from. ``tiebreak`` (:func:`tiebreak_key`, a column only) orders
records that rank equal the same way on every node, never by Whoosh's document numbers, which
depend on an index's write history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from whoosh.columns import NumericColumn
from whoosh.columns import RefBytesColumn
from whoosh.fields import BOOLEAN
from whoosh.fields import COLUMN
from whoosh.fields import ID
from whoosh.fields import NUMERIC
from whoosh.fields import STORED
from whoosh.fields import TEXT
from whoosh.fields import Schema

from indexer.analysis import chinese_analyzer
from indexer.dictionary import Lexicon
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.standards import current_version
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status

#: Bump when fields change; stored with the index so that an old index is rebuilt.
SCHEMA_VERSION = 3

#: Record types, the values of the ``type`` field.
TYPES = ("standard", "clause", "document")
#: Facets counted for every search (``type`` too, for the result-type tabs).
FACETS = ("type", "kind", "level", "region", "domain", "category", "grade", "status", "year")
#: Fields a search can filter on with exact values.
FILTERS = FACETS
#: How many times a title is written into ``content``.
TITLE_WEIGHT = 2
#: ``value_order`` is the value in units of 1/VALUE_SCALE, an integer that sorts like the value.
VALUE_SCALE = 10_000
#: The day number of "no date".
NO_DAY = 0
#: The last day number; an open-ended window ends here.
OPEN_END = dt.date.max.toordinal()


def build_schema(lexicon: Lexicon) -> Schema:
    """The index schema, with the Chinese analyzer built from ``lexicon``."""
    return Schema(
        uid=ID(unique=True, stored=True),
        type=_facet(),
        code=ID(stored=True, sortable=True),
        version=_number(stored=True),
        is_current=BOOLEAN(),
        title=STORED(),
        body=STORED(),
        content=TEXT(analyzer=chinese_analyzer(lexicon), phrase=True),
        kind=_facet(),
        level=_facet(),
        region=_facet(),
        domain=_facet(),
        category=_facet(),
        status=_facet(),
        grade=_facet(),
        year=_facet(),
        unit=STORED(),
        value=STORED(),
        value_max=STORED(),
        value_order=_number(bits=64),
        effective_from=_number(stored=True),
        effective_to=_number(stored=True),
        date=_number(),
        illustrative=BOOLEAN(stored=True),
        real=_number(bits=8),
        document_id=ID(stored=True),
        document_title=STORED(),
        clause_path=STORED(),
        url=STORED(),
        tiebreak=COLUMN(NumericColumn("q")),
    )


def _facet() -> ID:
    return ID(stored=True, sortable=RefBytesColumn())


def _number(*, bits: int = 32, stored: bool = False) -> NUMERIC:
    # Read from columns only, never range-queried: one term per value instead of a trie of
    # bits/4 terms keeps indexing fast.
    return NUMERIC(int, bits=bits, stored=stored, sortable=True, shift_step=0)


def tiebreak_key(
    kind: str, record_id: int, *, version: int = 0, clause_position: int | None = None
) -> int:
    """Where a record goes among records that rank equal: standards before documents, by the
    database id of the standard and then version, a document before its clauses, clauses in
    document order — the order a rebuild writes them in (:func:`indexer.sync.rebuild`), so a
    freshly built index orders ties as before. Database ids are the same on every node.

    :raises ValueError: for a version or clause position beyond the key's room.
    """
    below = 0 if clause_position is None else clause_position + 1
    fits = 0 <= record_id < 1 << 42 and 0 <= version < 1 << 16 and 0 <= below < 1 << 20
    if not fits:
        raise ValueError(f"记录编号超出排序键的范围：{kind} {record_id}")
    if kind == "standard":
        return record_id << 16 | version
    return 1 << 62 | record_id << 20 | below


def day_number(day: dt.date | None) -> int:
    """A date as a day number for numeric fields; ``None`` is :data:`NO_DAY`."""
    return day.toordinal() if day else NO_DAY


def day_from_number(number: int | None) -> dt.date | None:
    """The inverse of :func:`day_number`."""
    return dt.date.fromordinal(number) if number else None


def value_order(value: Decimal) -> int:
    """A standard's value as an integer sort key (Whoosh's float columns cannot be sortable)."""
    return int((value * VALUE_SCALE).to_integral_value())


def in_force_window(status: str, effective_from: int, effective_to: int) -> tuple[int, int] | None:
    """The day numbers between which a version is in force, both inclusive; ``None`` for never.

    The same rule as :func:`kb.standards.in_force_on`: only published versions; no start means
    since always; no end means until further notice for a version in force, and never for a
    superseded or repealed one (it cannot be placed in time).
    """
    if status not in Status.__members__.values():
        return None  # a document's status (amended, replaced …): documents have no window
    parsed = Status(status)
    if not parsed.published:
        return None
    if effective_to:
        return effective_from, effective_to
    if parsed is Status.IN_FORCE:
        return effective_from, OPEN_END
    return None


def standard_url(code: str, version: int | None = None) -> str:
    """The page of a standard (its current version) or of one version."""
    base = f"/standards/{code}"
    return f"{base}?version={version}" if version else base


def document_url(slug: str, clause_path: str | None = None) -> str:
    """The page of a document, or the anchor of one of its clauses."""
    base = f"/documents/{slug}"
    return f"{base}#clause-{clause_path}" if clause_path else base


def standard_docs(standard: Standard) -> list[dict[str, Any]]:
    """Index docs of a standard: each published version, and the current one even if a draft."""
    current = current_version(standard)
    return [
        standard_doc(version, is_current=version is current)
        for version in standard.versions
        if version is current or Status(version.status).published
    ]


def standard_doc(version: StandardVersion, *, is_current: bool) -> dict[str, Any]:
    """The index doc of one standard version."""
    kind, level = Kind(version.kind), Level(version.level)
    body = _join(
        version.item,
        version.service_level,
        version.conditions,
        version.components,
        version.basis,
        version.notes,
    )
    extra = _join(
        version.code,
        version.category,
        version.grade,
        version.region,
        version.domain,
        kind.label,
        level.label,
        _decimal_text(version.value),
        _decimal_text(version.value_max),
        version.unit,
        version.issuer,
    )
    doc: dict[str, Any] = {
        "uid": f"standard:{version.code}:{version.version}",
        "type": "standard",
        "code": version.code,
        "version": version.version,
        "is_current": is_current,
        "title": version.name,
        "body": body,
        "content": _content(version.name, extra, body),
        "kind": kind.value,
        "level": level.value,
        "region": version.region,
        "domain": version.domain,
        "status": Status(version.status).value,
        "effective_from": day_number(version.effective_from),
        "effective_to": day_number(version.effective_to),
        "date": day_number(version.effective_from),
        "illustrative": bool(version.illustrative),
        "real": 0 if version.illustrative else 1,
        "url": standard_url(version.code, None if is_current else version.version),
        "tiebreak": tiebreak_key("standard", version.standard_id, version=version.version),
    }
    _put(doc, "category", version.category)
    _put(doc, "grade", version.grade)
    _put(doc, "unit", version.unit)
    _put(doc, "value", _decimal_text(version.value))
    _put(doc, "value_max", _decimal_text(version.value_max))
    _put(doc, "year", version.effective_from and str(version.effective_from.year))
    if version.value is not None:
        doc["value_order"] = value_order(version.value)
    return doc


def document_docs(document: Document) -> list[dict[str, Any]]:
    """Index docs of a document: the document itself and each of its clauses."""
    return [document_doc(document), *(clause_doc(document, c) for c in document.clauses)]


def document_doc(document: Document) -> dict[str, Any]:
    """The index doc of a whole policy document."""
    extra = _join(document.doc_number, document.issuer, document.measure_title)
    doc = {
        "uid": f"document:{document.id}",
        "type": "document",
        "title": document.title,
        "body": document.text,
        "content": _content(document.title, extra, document.text),
        "document_id": str(document.id),
        "document_title": document.title,
        "date": day_number(document.issued_on),
        "real": 1,
        "url": document_url(document.slug),
        "tiebreak": tiebreak_key("document", document.id),
    }
    _put(doc, "year", document.issued_on and str(document.issued_on.year))
    _put(doc, "status", document.status)
    return doc


def clause_doc(document: Document, clause: Clause) -> dict[str, Any]:
    """The index doc of one clause, with its document's identity for citation."""
    title = f"{clause.label}{clause.heading}".strip() or clause.text[:40]
    # The document's number, not its title: every clause would match every title word.
    extra = _join(document.doc_number)
    doc = {
        "uid": f"clause:{clause.id}",
        "type": "clause",
        "title": title,
        "body": clause.text,
        "content": _content(title, extra, clause.text),
        "document_id": str(document.id),
        "document_title": document.title,
        "clause_path": clause.path,
        "date": day_number(document.issued_on),
        "real": 1,
        "url": document_url(document.slug, clause.path),
        "tiebreak": tiebreak_key("document", document.id, clause_position=clause.position),
    }
    _put(doc, "year", document.issued_on and str(document.issued_on.year))
    _put(doc, "status", document.status)
    return doc


def _content(title: str, extra: str, body: str) -> str:
    return "\n".join([title] * TITLE_WEIGHT + [extra, body])


def _join(*parts: str | None) -> str:
    return "；".join(p for p in parts if p)


def _put(doc: dict[str, Any], name: str, value: str | None) -> None:
    if value:
        doc[name] = value


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")
