"""The marshmallow fields of a standard, made from the one description of its fields (kb.fields).

Every API schema that shows a standard's fields (a version, a search hit, a budget candidate, a
compared column) extends :class:`StandardFieldsSchema`, built with :meth:`StandardFieldsSchema.of`
from the fields it shows; the writes take the interchange cells (:func:`input_cells`). A schema
declares a field itself only where the API says something of its own about it (a description, a
computed value).
"""

from __future__ import annotations

from collections.abc import Iterable

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb.fields import FIELD
from kb.fields import Field
from kb.fields import Type
from webapp.api.schemas.base import ExactDecimal

_FIELD_CLASSES: dict[Type, type[fields.Field]] = {
    Type.TEXT: fields.String,
    Type.CHOICE: fields.String,
    Type.DECIMAL: ExactDecimal,
    Type.DATE: fields.Date,
    Type.FLAG: fields.Boolean,
    Type.NUMBER: fields.Integer,
}


def standard_field(field: Field, *, required: bool = False, nullable: bool = False) -> fields.Field:
    """The marshmallow field of a standard field: a choice as its key, a decimal as exact text.

    :param required: mark the fields every version has as required (a whole version).
    :param nullable: let every field be null (a hit that may be a clause or a document).
    """
    options = {"required": True} if required and field.always else {}
    if nullable or not field.always:
        options["allow_none"] = True
    return _FIELD_CLASSES[field.type](**options)


class StandardFieldsSchema(Schema):
    """The base of every API schema showing a standard's fields; :meth:`of` picks the fields."""

    @classmethod
    def of(
        cls, names: Iterable[str], *, required: bool = False, nullable: bool = False
    ) -> type[Schema]:
        """A subclass with the marshmallow field of each named standard field, in that order."""
        made = {
            name: standard_field(FIELD[name], required=required, nullable=nullable)
            for name in names
        }
        return cls.from_dict(made, name=cls.__name__)


#: What the API adds to a field's label when describing the cell a write sends.
_INPUT_HINTS = {
    "code": "（不填则自动编号）",
    "value": "（十进制，按字符串原样保存）",
    "verified": "：是/否（否：仅读自转载，显示“未核实”）",
    "illustrative": "：是/否",
}


def input_cells(names: Iterable[str]) -> type[Schema]:
    """A schema of interchange cells for a write: any value, checked by the import rules."""
    return Schema.from_dict({name: _cell(FIELD[name]) for name in names}, name="StandardCells")


def _cell(field: Field) -> fields.Raw:
    if field.choices is not None:
        keys = " / ".join(member.value for member in field.choices)
        description = f"{field.label}：{keys} 或中文"
    else:
        description = field.label + _INPUT_HINTS.get(field.name, "")
    return fields.Raw(allow_none=True, metadata={"description": description, "type": "string"})


def filter_field(name: str, description: str | None = None) -> fields.String:
    """A query argument filtering on a standard field: a choice's keys, or text no longer than
    the field holds; described by the field's label unless ``description`` says more."""
    field = FIELD[name]
    if field.choices is not None:
        check = validate.OneOf([member.value for member in field.choices])
    else:
        check = validate.Length(max=field.max_length)
    return fields.String(validate=check, metadata={"description": description or field.label})
