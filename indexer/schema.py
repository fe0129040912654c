"""The one Whoosh schema: every index field and facet is named here, and records become index docs here.

One index holds three record types, told apart by ``type``:

* ``standard``: one index doc per *published* version of a standard, plus the current version
  even when it is a draft; ``is_current`` marks the version :func:`kb.standards.current_version`
  picks. ``effective_from``/``effective_to`` are day numbers (``date.toordinal()``, 0 = none), read
  from columns by :func:`in_force_window`, which mirrors :func:`kb.standards.in_force_on`.
* ``clause``: one index doc per clause, carrying its document's id and title.
* ``document``: one index doc per policy document (its whole text).

The fields a standard's hit shows come from the description of a standard's fields
(:data:`kb.fields.INDEXED_FIELDS`): its facets, its columns and its stored figures; the text
searched beside the name is :data:`kb.fields.KEYWORD_FIELDS`, the stored body
:data:`kb.fields.BODY_FIELDS`.

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
import hashlib
import json
from collections.abc import Callable
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
from kb.fields import BODY_FIELDS
from kb.fields import FACET_FIELDS
from kb.fields import INDEXED_FIELDS
from kb.fields import KEYWORD_FIELDS
from kb.fields import Field
from kb.fields import Indexed
from kb.fields import Type
from kb.fields import reader
from kb.files.cells import field_text
from kb.models import Clause
from kb.models import Document
from kb.models import Standard
from kb.models import StandardVersion
from kb.standards import StandardRows
from kb.standards import current_version
from kb.vocab import Status

#: Bump when fields change (here or in :data:`kb.fields.FIELDS`); stored with the index so that
#: an old index is rebuilt.
SCHEMA_VERSION = 3
#: :func:`fields_digest` when :data:`SCHEMA_VERSION` was set: a test fails when the description's
#: part of the index changes, until the version is bumped and this is set to the new digest.
FIELDS_DIGEST = "a2b29a0c4530267e"

#: Record types, the values of the ``type`` field.
TYPES = ("standard", "clause", "document")
#: Facets counted for every search (``type`` too, for the result-type tabs).
FACETS = ("type", *FACET_FIELDS, "year")
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
#: A standard's :func:`tiebreak_key` is its database id shifted left by this, then its version.
STANDARD_ID_SHIFT = 16


def build_schema(lexicon: Lexicon) -> Schema:
    """The index schema, with the Chinese analyzer built from ``lexicon``."""
    return Schema(
        uid=ID(unique=True, stored=True),
        type=_facet(),
        is_current=BOOLEAN(),
        title=STORED(),
        body=STORED(),
        content=TEXT(analyzer=chinese_analyzer(lexicon), phrase=True),
        **{field.name: _index_field(field) for field in INDEXED_FIELDS},
        year=_facet(),
        value_order=_number(bits=64),
        date=_number(),
        real=_number(bits=8),
        document_id=ID(stored=True),
        document_title=STORED(),
        clause_path=STORED(),
        url=STORED(),
        tiebreak=COLUMN(NumericColumn("q")),
    )


def fields_digest() -> str:
    """A digest of what the index takes from :mod:`kb.fields`: the fields it keeps and how, and
    the searched text."""
    kept = [(f.name, f.type.value, f.indexed and f.indexed.value) for f in INDEXED_FIELDS]
    text = json.dumps([kept, KEYWORD_FIELDS, BODY_FIELDS], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _index_field(field: Field) -> Any:
    """The index field that keeps a standard field as :attr:`kb.fields.Field.indexed` says."""
    if field.indexed is Indexed.FACET:
        return _facet()
    if field.type in (Type.NUMBER, Type.DATE):
        return _number(stored=True)  # dates as day numbers
    if field.type is Type.FLAG:
        return BOOLEAN(stored=True)
    if field.indexed is Indexed.COLUMN:
        return ID(stored=True, sortable=True)
    return STORED()


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
    fits = (
        0 <= record_id < 1 << 42 and 0 <= version < 1 << STANDARD_ID_SHIFT and 0 <= below < 1 << 20
    )
    if not fits:
        raise ValueError(f"记录编号超出排序键的范围：{kind} {record_id}")
    if kind == "standard":
        return record_id << STANDARD_ID_SHIFT | version
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


def standard_docs(standard: Standard | StandardRows) -> list[dict[str, Any]]:
    """Index docs of a standard: each published version, and the current one even if a draft.

    ``standard`` is the ORM's, or the plain rows of :data:`VERSION_COLUMNS` a rebuild reads
    (:func:`kb.standards.iter_standard_rows`): the docs are the same.
    """
    current = current_version(standard)
    return [
        standard_doc(version, is_current=version is current)
        for version in standard.versions
        if version is current or Status(version.status).published
    ]


def standard_doc(version: StandardVersion, *, is_current: bool) -> dict[str, Any]:
    """The index doc of one standard version."""
    values = _read_doc_fields(version)
    body = _text_of(values, BODY_FIELDS)
    doc: dict[str, Any] = {
        "uid": f"standard:{version.code}:{version.version}",
        "type": "standard",
        "is_current": is_current,
        "title": version.name,
        "body": body,
        "content": _content(version.name, _text_of(values, KEYWORD_FIELDS), body),
        "date": day_number(version.effective_from),
        "real": 0 if version.illustrative else 1,
        "url": standard_url(version.code, None if is_current else version.version),
        "tiebreak": tiebreak_key("standard", version.standard_id, version=version.version),
    }
    for name, keep in _KEEP:
        value = values[name]
        _put(doc, name, value if keep is None else keep(value))
    _put(doc, "year", version.effective_from and str(version.effective_from.year))
    if version.value is not None:
        doc["value_order"] = value_order(version.value)
    return doc


def _index_value(field: Field) -> Callable[[Any], Any] | None:
    """How the index keeps a typed standard field's value: keys for choices, exact decimal text,
    day numbers (0 for none); None: as it is (text, numbers, flags; empty text is left out)."""
    if field.type is Type.DATE:
        return day_number
    if field.type is Type.CHOICE:
        return lambda member: member.value
    if field.type is Type.DECIMAL:
        return _decimal_text
    return None


def standard_hit_values(stored: dict[str, Any]) -> dict[str, Any]:
    """The standard fields of a hit from its stored fields (the inverse of :func:`standard_doc`)."""
    values = {name: stored.get(name) for name in _KEPT}
    for name in _DAYS:
        values[name] = day_from_number(values[name])
    for name in _FLAGS:
        values[name] = bool(values[name])
    return values


_KEPT = tuple(field.name for field in INDEXED_FIELDS)
_DAYS = tuple(field.name for field in INDEXED_FIELDS if field.type is Type.DATE)
_FLAGS = tuple(field.name for field in INDEXED_FIELDS if field.type is Type.FLAG)


def _text_of(values: dict[str, Any], names: tuple[str, ...]) -> str:
    """The named fields' text joined: labels for choices, exact decimals."""
    return _join(*(field_text(values[name]) for name in names))


#: Every standard field an index doc is made of, read once per version.
_read_doc_fields = reader(
    tuple(dict.fromkeys((*(f.name for f in INDEXED_FIELDS), *KEYWORD_FIELDS, *BODY_FIELDS)))
)


def document_docs(document: Document | Any) -> list[dict[str, Any]]:
    """Index docs of a document: the document itself and each of its clauses.

    ``document`` is the ORM's, or the plain row of :data:`DOCUMENT_COLUMNS` and
    :data:`CLAUSE_COLUMNS` a rebuild reads (:func:`kb.documents.iter_document_rows`).
    """
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


def _put(doc: dict[str, Any], name: str, value: Any) -> None:
    # Numbers and flags are always kept (0 is "no day"); text only when there is some.
    if value or isinstance(value, int | bool):
        doc[name] = value


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


#: Each kept field with how its value is kept, prepared once: a rebuild makes every doc.
_KEEP = tuple((field.name, _index_value(field)) for field in INDEXED_FIELDS)

#: The columns of a standard version :func:`standard_docs` reads (``code`` is the standard's).
VERSION_COLUMNS = tuple(
    name
    for name in dict.fromkeys(
        (
            "standard_id",
            "version",
            "name",
            "status",
            "effective_from",
            "illustrative",
            "value",
            *(f.name for f in INDEXED_FIELDS),
            *KEYWORD_FIELDS,
            *BODY_FIELDS,
        )
    )
    if name in StandardVersion.__table__.c
)
#: The columns of a document :func:`document_doc` reads.
DOCUMENT_COLUMNS = (
    "id",
    "title",
    "text",
    "doc_number",
    "issuer",
    "measure_title",
    "issued_on",
    "slug",
    "status",
)
#: The columns of a clause :func:`clause_doc` reads.
CLAUSE_COLUMNS = ("id", "label", "heading", "text", "path", "position")
