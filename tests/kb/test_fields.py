"""kb/fields.py: one description of a standard's fields, and the typed shapes held to it.

The record, the model and the named tuples stay written out for type checkers; these tests fail
as soon as one of them drifts from the description (a field missing, renamed, or of another type).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import MISSING
from dataclasses import fields
from decimal import Decimal

import pytest
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text

from kb.budget.facts import StandardFacts
from kb.budget.lines import Candidate
from kb.budget.lines import candidate_from_version
from kb.fields import BODY_FIELDS
from kb.fields import FIELD
from kb.fields import FIELDS
from kb.fields import FILE_FIELDS
from kb.fields import KEYWORD_FIELDS
from kb.fields import LABELS
from kb.fields import LIFECYCLE_FIELDS
from kb.fields import VERSION_FIELDS
from kb.fields import Field
from kb.fields import Need
from kb.fields import Type
from kb.fields import described
from kb.fields import values_of
from kb.models import ExactDecimal
from kb.models import Standard
from kb.models import StandardVersion
from kb.records import StandardRecord
from kb.standards.compare import Column
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from tests.factories import make_standard


def _base_types(hint: object) -> set[object]:
    """The types a hint allows, ``None`` left out: ``str | None`` → {str}."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return {arg for arg in typing.get_args(hint) if arg is not type(None)}
    return {hint}


def _allows_none(hint: object) -> bool:
    return type(None) in typing.get_args(hint)


def test_every_field_has_a_chinese_label_and_a_unique_name():
    assert len(FIELD) == len(FIELDS)
    for field in FIELDS:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in field.label), field.name
    assert len(set(LABELS.values())) == len(FIELDS)


def test_derived_field_lists():
    assert [f.name for f in FILE_FIELDS] == [f.name for f in FIELDS if f.name != "version"]
    assert VERSION_FIELDS[:5] == ("name", "kind", "level", "region", "domain")
    assert "code" not in VERSION_FIELDS and "version" not in VERSION_FIELDS
    assert set(LIFECYCLE_FIELDS) == {"status", "effective_from", "effective_to"}


def test_searched_text_names_fields_once():
    searched = [*KEYWORD_FIELDS, *BODY_FIELDS]
    assert len(searched) == len(set(searched))
    assert set(searched) <= set(FIELD)
    assert "name" not in searched  # the name is the title, written on its own


def test_the_record_has_exactly_the_file_fields_with_their_types_and_defaults():
    hints = typing.get_type_hints(StandardRecord)
    assert set(hints) == {f.name for f in FILE_FIELDS}
    for item in fields(StandardRecord):
        field = FIELD[item.name]
        assert _base_types(hints[item.name]) == {field.python_type}, item.name
        if field.need is Need.REQUIRED:
            assert item.default is MISSING and not _allows_none(hints[item.name]), item.name
        else:
            assert item.default == field.default, item.name
            assert _allows_none(hints[item.name]) == (field.default is None), item.name


def test_the_model_holds_every_field_as_described():
    table = StandardVersion.__table__
    for name in VERSION_FIELDS:
        field, column = FIELD[name], table.c[name]
        assert column.nullable == (not field.always), name
        if field.type is Type.DECIMAL:
            assert isinstance(column.type, ExactDecimal), name
        elif field.type is Type.DATE:
            assert isinstance(column.type, Date), name
        elif field.type is Type.FLAG:
            assert isinstance(column.type, Boolean), name
        elif field.long_text:
            assert isinstance(column.type, Text), name
        else:
            assert isinstance(column.type, String), name
            if field.type is Type.TEXT:
                assert column.type.length == field.max_length, name
    assert Standard.__table__.c["code"].type.length == FIELD["code"].max_length
    assert isinstance(table.c["version"].type, Integer)


@pytest.mark.parametrize("shape", [StandardFacts, Candidate, Column])
def test_typed_shapes_agree_with_the_description(shape):
    """Each standard field a shape carries has the field's type (a choice may be held as its key)."""
    hints = typing.get_type_hints(shape)
    names = described(shape)
    assert {"code", "version"} <= set(names)
    for name in names:
        field = FIELD[name]
        allowed = {field.python_type, str} if field.type is Type.CHOICE else {field.python_type}
        assert _base_types(hints[name]) <= allowed, name


def test_typed_holds_values_as_the_field_does():
    assert FIELD["kind"].typed("cost_quota") is Kind.COST_QUOTA
    assert FIELD["illustrative"].typed(None) is False
    assert FIELD["illustrative"].typed(1) is True
    assert FIELD["verified"].typed(None) is None
    assert FIELD["status"].typed(None) is Status.IN_FORCE
    assert FIELD["value"].typed(Decimal("18.50")) == Decimal("18.50")


def test_values_of_reads_a_stored_version_as_typed_values(session):
    from kb import standards

    standards.write(session, make_standard(value_max=Decimal("20"), illustrative=True))
    version = standards.find(session, "QP-CQ-0012").versions[0]

    assert values_of(version, ("code", "version", "level", "value_max", "illustrative")) == {
        "code": "QP-CQ-0012",
        "version": 1,
        "level": Level.DISTRICT,
        "value_max": Decimal("20"),
        "illustrative": True,
    }
    assert values_of(version, ("level",)) == {"level": Level.DISTRICT}


def test_a_candidate_carries_every_standard_field_it_declares(session):
    from kb import standards

    standards.write(session, make_standard(effective_from=dt.date(2024, 5, 9)))
    version = standards.find(session, "QP-CQ-0012").versions[0]

    candidate = candidate_from_version(version, reason="测试", cited=("引用", "/standards/x"))

    for name in described(Candidate):
        assert getattr(candidate, name) == FIELD[name].typed(getattr(version, name)), name
    assert candidate.kind is Kind.COST_QUOTA


def test_a_field_added_to_the_description_is_read_by_its_type():
    extra = Field("extra", "附加", Type.DECIMAL)
    assert extra.python_type is Decimal
    assert extra.key == "extra" and extra.header == "附加"
    assert not extra.always and not extra.long_text
    assert Field("note", "说明").long_text and not Field("n", "名", max_length=10).long_text


def test_json_value_gives_keys_exact_digits_and_iso_dates():
    assert FIELD["kind"].json_value("cost_quota") == "cost_quota"
    assert FIELD["level"].json_value(Level.CENTRAL) == "central"
    assert FIELD["value"].json_value(Decimal("18.50")) == "18.50"
    assert FIELD["effective_from"].json_value(dt.date(2024, 5, 9)) == "2024-05-09"
    assert FIELD["grade"].json_value(None) is None
    assert FIELD["illustrative"].json_value(1) is True
