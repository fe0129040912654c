"""webapp/api/schemas/standard_fields.py: the API's standard fields come from kb.fields.

Every schema showing a standard's fields extends StandardFieldsSchema; these tests show that each
takes its fields from the description (or from the kb shape it dumps), and pin the OpenAPI shapes
the derivation must keep.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import fields

from kb.budget.lines import Candidate
from kb.fields import FIELD
from kb.fields import FIELDS
from kb.fields import FILE_FIELDS
from kb.fields import INDEXED_FIELDS
from kb.fields import Field
from kb.fields import Type
from kb.fields import described
from kb.standards.compare import Column
from webapp.api.schemas.base import ExactDecimal
from webapp.api.schemas.check import CandidateSchema
from webapp.api.schemas.compare import CompareArgs
from webapp.api.schemas.compare import CompareColumnSchema
from webapp.api.schemas.lookup import LookupArgs
from webapp.api.schemas.search import FilterArgs
from webapp.api.schemas.search import SearchHitSchema
from webapp.api.schemas.standard_fields import StandardFieldsSchema
from webapp.api.schemas.standard_fields import standard_field
from webapp.api.schemas.standards import StandardInputSchema
from webapp.api.schemas.standards import StandardSchema


@pytest.mark.parametrize(
    "schema", [StandardSchema, SearchHitSchema, CandidateSchema, CompareColumnSchema]
)
def test_every_schema_showing_a_standard_extends_the_one_base(schema):
    assert issubclass(schema, StandardFieldsSchema)


def test_a_version_shows_every_described_field():
    assert set(StandardSchema().fields) >= {field.name for field in FIELDS}


def test_a_hit_shows_what_the_index_keeps_each_nullable():
    hit = SearchHitSchema().fields
    for field in INDEXED_FIELDS:
        assert hit[field.name].allow_none, field.name


def test_a_compared_column_shows_the_fields_of_the_kb_column():
    assert set(CompareColumnSchema().fields) == set(described(Column))


def test_a_candidate_shows_only_fields_the_candidate_carries():
    shown = {name for name in CandidateSchema().fields if name in described(Candidate)}
    assert shown == {"code", "version", "name", "region", "level", "grade", "unit", "value"} | {
        "value_max",
        "illustrative",
    }


def test_the_input_takes_every_file_column_but_the_status():
    names = set(StandardInputSchema().fields) - {"reason"}
    assert names == {field.name for field in FILE_FIELDS} - {"status"}


def test_a_field_is_made_by_its_type_and_need():
    made = standard_field(Field("extra", "附加", Type.DECIMAL), required=True)
    assert isinstance(made, ExactDecimal) and made.allow_none and not made.required
    assert made.serialize("extra", {"extra": Decimal("18.50")}) == "18.50"
    named = standard_field(Field("title", "题名"))
    assert isinstance(named, fields.String)


def test_openapi_shapes_of_the_derived_schemas(corpus_client):
    schemas = corpus_client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    assert schemas["Standard"]["required"] == [
        *("code", "domain", "kind", "level", "name", "region", "status", "version"),
    ]
    assert schemas["Standard"]["properties"]["value"] == {
        "type": "string",
        "format": "decimal",
        "description": "精确小数",
        "nullable": True,
    }
    assert "required" not in schemas["Candidate"]
    assert schemas["Candidate"]["properties"]["code"] == {"type": "string"}
    assert schemas["Candidate"]["properties"]["grade"] == {"type": "string", "nullable": True}
    assert schemas["SearchHit"]["properties"]["version"] == {"type": "integer", "nullable": True}
    assert schemas["SearchHit"]["properties"]["value"] == {
        "type": "string",
        "description": "精确小数（字符串）",
        "nullable": True,
    }
    assert schemas["CompareColumn"]["properties"]["effective_from"] == {
        "type": "string",
        "format": "date",
        "nullable": True,
    }
    assert schemas["StandardInput"]["properties"]["kind"]["description"] == (
        "标准类型：public_service / cost_quota / expenditure 或中文"
    )
    assert "status" not in schemas["StandardInput"]["properties"]


@pytest.mark.parametrize("schema", [FilterArgs, LookupArgs, CompareArgs])
def test_filters_on_standard_fields_take_their_bounds_from_the_description(schema):
    filters = schema().fields
    checked = [name for name in ("kind", "level", "region", "category") if name in filters]
    assert checked == ["kind", "level", "region", "category"]
    for name in checked:
        field = FIELD[name]
        [check] = filters[name].validators
        if field.choices is not None:
            assert list(check.choices) == [member.value for member in field.choices], name
        else:
            assert check.max == field.max_length, name


def test_a_filter_longer_than_its_field_is_refused(corpus_client):
    response = corpus_client.get("/api/v1/compare", query_string={"item": "道" * 301})

    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["item"]
