"""SQLAlchemy 2.0 typed mappings: documents, standards and versions, accounts, tokens, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import TypeDecorator
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from kb.text import title_key
from kb.vocab import DocumentStatus
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Role
from kb.vocab import Status


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal stored as its exact text, so no database turns 18.50 into a float.

    SQLite has no exact decimal type; storing text keeps every backend identical.
    """

    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    pass


class Document(Base):
    """A policy text (通知, 方案, 办法 …) with its repaired text and its clause tree."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    doc_number: Mapped[str | None] = mapped_column(String(100), index=True)
    issuer: Mapped[str | None] = mapped_column(String(200))
    doc_type: Mapped[str | None] = mapped_column(String(20))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    source_path: Mapped[str | None] = mapped_column(String(1000))
    # The document's life (issue 13): what it is called when cited, when it applies, whether it
    # was replaced and by what (a 文号), and where its metadata was read.
    measure_title: Mapped[str | None] = mapped_column(String(500))
    #: :func:`kb.text.title_key` of the title and of the measure's title (else the title), kept
    #: by :func:`_keep_title_keys` so that a document is found by title with one indexed query.
    title_key: Mapped[str] = mapped_column(String(500), index=True, default="")
    measure_key: Mapped[str] = mapped_column(String(500), index=True, default="")
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[DocumentStatus | None] = mapped_column(String(20))
    replaced_by: Mapped[str | None] = mapped_column(String(100))
    replaces: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    original_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    clauses: Mapped[list[Clause]] = relationship(
        back_populates="document",
        order_by="Clause.position",
        cascade="all, delete-orphan",
    )

    @property
    def text_held(self) -> bool:
        """Whether kb holds the document's text (a basis or a listed notice may have none)."""
        return bool(self.text)


@event.listens_for(Document, "before_insert")
@event.listens_for(Document, "before_update")
def _keep_title_keys(_mapper: Any, _connection: Any, document: Document) -> None:
    document.title_key = title_key(document.title)
    document.measure_key = title_key(document.measure_title or document.title)


class Clause(Base):
    """A numbered part of a document, addressed by a path such as ``四.8``: the unit of citation."""

    __tablename__ = "clause"
    __table_args__ = (UniqueConstraint("document_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(50))
    heading: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)

    document: Mapped[Document] = relationship(back_populates="clauses")
    parent: Mapped[Clause | None] = relationship(remote_side=[id])


class Standard(Base):
    """A standard's stable identity; everything it says lives in its versions."""

    __tablename__ = "standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[StandardVersion]] = relationship(
        back_populates="standard",
        order_by="StandardVersion.version",
        cascade="all, delete-orphan",
    )


class StandardVersion(Base):
    """One immutable version of a standard; a change writes a new row, never edits this one."""

    __tablename__ = "standard_version"
    __table_args__ = (UniqueConstraint("standard_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)

    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[Kind] = mapped_column(String(20))
    level: Mapped[Level] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(100), index=True)
    domain: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(100))
    item: Mapped[str | None] = mapped_column(String(300))
    grade: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    value_max: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    components: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    service_level: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[Status] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    # 是: checked against the issuer's own publication; 否: read from a copy (未核实); None: not said.
    verified: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    change_reason: Mapped[str | None] = mapped_column(Text)

    # Workflow: who drafted it, and a reviewer's rejection (the draft row is kept).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "organisation.id", ondelete="SET NULL", name="fk_standard_version_organisation_id"
        )
    )
    review_note: Mapped[str | None] = mapped_column(Text)
    rejected_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejected_by: Mapped[str | None] = mapped_column(String(100))
    # Provenance (issue 13): a reviewer who checked the figure against the issuer's publication.
    source_confirmed_by: Mapped[str | None] = mapped_column(String(100))
    source_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    standard: Mapped[Standard] = relationship(back_populates="versions")
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def code(self) -> str:
        return self.standard.code


class Organisation(Base):
    """A department or a town/street, with the region (and optional domain) it answers for."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(100))
    domain: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """An account: a role within one organisation; the password is kept only as an argon2 hash."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Bumped to end every page session of the account (log out, new password): a session
    #: cookie carries the value it was issued with and is refused once it differs.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class ApiToken(Base):
    """An API token of a user: only its SHA-256 is stored; ``prefix`` identifies it to people."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class AuditEntry(Base):
    """One append-only line of the audit log: who did what to which target, when and from where.

    ``before`` and ``after`` hold JSON text of the values a write changed.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    target: Mapped[str | None] = mapped_column(String(200), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class LoginAttempt(Base):
    """A password login tried by a name from an address, kept so every worker sees the same count."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_name_address_at", "user_name", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class LookupKey(Base):
    """A user's read-only key for spreadsheet look-ups, sent in the URL (``?key=…``).

    Only its SHA-256 is stored. It opens ``/api/v1/lookup`` and ``/api/v1/search.csv`` and
    nothing else: a spreadsheet cell cannot send an ``Authorization`` header.
    """

    __tablename__ = "lookup_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class Change(Base):
    """One write to a standard or a document, in the order the writes were made.

    Written in the same transaction as the write itself (:mod:`kb.changes`), so it is exactly as
    durable; search indexes on every node apply the log in ``id`` order (:mod:`indexer.follow`).
    """

    __tablename__ = "change"
    # Never reuse an id, even of a last row deleted: followers remember the last id applied.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: ``standard`` or ``document``.
    kind: Mapped[str] = mapped_column(String(20))
    #: The standard's code or the document's id.
    key: Mapped[str] = mapped_column(String(100))
