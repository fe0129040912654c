"""Search: the filters shared with the standards list, the query arguments, one page of hits."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb.fields import INDEXED_FIELDS
from kb.vocab import DocumentStatus
from kb.vocab import Status
from webapp.api.schemas.base import enum_keys
from webapp.api.schemas.standard_fields import StandardFieldsSchema
from webapp.api.schemas.standard_fields import filter_field

RESULT_TYPES = ("standard", "clause", "document")


class FilterArgs(Schema):
    """Filters shared by search and the standards list."""

    kind = filter_field("kind")
    level = filter_field("level")
    region = filter_field("region")
    domain = filter_field("domain")
    category = filter_field("category")
    grade = filter_field("grade")
    year = fields.String(validate=validate.Regexp(r"^[0-9]{4}$"), metadata={"description": "年份"})
    status = fields.String(
        validate=validate.OneOf(sorted({*enum_keys(Status), *enum_keys(DocumentStatus)})),
        metadata={"description": "状态（标准或文件的）"},
    )
    on = fields.Date(metadata={"description": "在该日期现行有效（YYYY-MM-DD）"})
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "页码，从 1 开始；超过末页时返回末页"},
    )
    per_page = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "每页条数，1–100，默认 10"},
    )


class SearchArgs(FilterArgs):
    """The query, the result type and the sort, on top of the filters."""

    q = fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"description": "检索词"}
    )
    type = fields.String(
        validate=validate.OneOf(RESULT_TYPES), metadata={"description": "结果类型"}
    )
    sort = fields.String(
        load_default="relevance",
        validate=validate.OneOf(["relevance", "date", "value"]),
        metadata={"description": "排序：相关度、日期或标准值"},
    )


class SearchHitSchema(StandardFieldsSchema.of((f.name for f in INDEXED_FIELDS), nullable=True)):
    """One hit: a standard, a clause or a document; a standard's fields are those the index
    keeps (:data:`kb.fields.INDEXED_FIELDS`), null for a clause or a document."""

    type = fields.String(required=True, validate=validate.OneOf(RESULT_TYPES))
    id = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "纯文本标题"})
    snippet = fields.String(
        required=True, metadata={"description": "已转义的 HTML，命中词以 <mark> 标出"}
    )
    url = fields.String(required=True)
    score = fields.Float(allow_none=True)
    # A hit holds the figures as the index stores them: exact decimal text.
    value = fields.String(allow_none=True, metadata={"description": "精确小数（字符串）"})
    value_max = fields.String(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    document_title = fields.String(allow_none=True)
    clause_path = fields.String(allow_none=True)


class SearchPageSchema(Schema):
    """One page of hits with the facet counts."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
        metadata={
            "description": "各分面取值的计数：kind、level、region、domain、category、status、year"
        },
    )
