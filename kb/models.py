"""SQLAlchemy 2.0 typed mappings: documents, clauses, standards and their versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import TypeDecorator
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from kb.vocab import Kind
from kb.vocab import Level
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
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    change_reason: Mapped[str | None] = mapped_column(Text)

    standard: Mapped[Standard] = relationship(back_populates="versions")

    @property
    def code(self) -> str:
        return self.standard.code
