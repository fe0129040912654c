"""The audit log: its filters and one page of entries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from webapp.api.schemas.base import UtcDateTime

#: Text a database can hold: PostgreSQL refuses NUL characters in strings.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="不能包含 NUL 字符")


#: Dates a timestamp column can compare with on every backend.
SANE_DATE = validate.Range(min=dt.date(1900, 1, 1), max=dt.date(2999, 12, 31))


class AuditArgs(Schema):
    """Filters of the audit log, and its paging."""

    actor = fields.String(
        validate=[validate.Length(max=100), NO_NUL], metadata={"description": "操作人"}
    )
    action = fields.String(
        validate=[validate.Length(max=50), NO_NUL],
        metadata={"description": "操作，如 standard.revise、token.create"},
    )
    target = fields.String(
        validate=[validate.Length(max=200), NO_NUL], metadata={"description": "对象，如标准编号"}
    )
    since = fields.Date(validate=SANE_DATE, metadata={"description": "起始日期（YYYY-MM-DD）"})
    until = fields.Date(validate=SANE_DATE, metadata={"description": "截止日期（YYYY-MM-DD）"})
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "页码，从 1 开始"},
    )
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=500),
        metadata={"description": "每页条数，1–500，默认 50"},
    )


class AuditEntrySchema(Schema):
    """One audit entry, its before/after states as JSON."""

    id = fields.Integer()
    at = UtcDateTime()
    actor = fields.String()
    action = fields.String()
    target = fields.String(allow_none=True)
    before = fields.Function(lambda e: json_or_none(e.before))
    after = fields.Function(lambda e: json_or_none(e.after))
    address = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    """One page of audit entries."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)


def json_or_none(text: str | None) -> Any:
    """The JSON stored in an audit entry, or None."""
    return json.loads(text) if text else None
