"""Field types and the error envelope that every area's schemas share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema
from marshmallow import fields


class UtcDateTime(fields.DateTime):
    """A moment with its offset; SQLite hands back stored UTC times without one."""

    def _serialize(self, value: dt.datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ExactDecimal(fields.Decimal):
    """A decimal sent as its exact digits in a string ("18.50"), and documented as such."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "decimal", **kwargs.pop("metadata", {})}
        super().__init__(as_string=True, metadata=metadata, **kwargs)


def enum_keys(enum: Any) -> list[str]:
    """The stored values of a vocabulary enum, for `OneOf` validators."""
    return [member.value for member in enum]


class ErrorSchema(Schema):
    """The body of every API error."""

    code = fields.String(required=True, metadata={"description": "机器可读的错误代码"})
    message = fields.String(required=True, metadata={"description": "中文错误说明"})
    details = fields.Raw(allow_none=True, metadata={"description": "细节，如逐行逐列的问题"})


class ErrorEnvelopeSchema(Schema):
    """``{"error": {...}}``, the one shape of every API error."""

    error = fields.Nested(ErrorSchema, required=True)
