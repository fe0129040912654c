"""marshmallow schemas for every API request and response; the OpenAPI document comes from them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb import standards as kb_standards
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status

RESULT_TYPES = ("standard", "clause", "document")


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


def _keys(enum: Any) -> list[str]:
    return [member.value for member in enum]


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "机器可读的错误代码"})
    message = fields.String(required=True, metadata={"description": "中文错误说明"})
    details = fields.Raw(allow_none=True, metadata={"description": "细节，如逐行逐列的问题"})


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorSchema, required=True)


class FilterArgs(Schema):
    """Filters shared by search and the standards list."""

    kind = fields.String(validate=validate.OneOf(_keys(Kind)), metadata={"description": "标准类型"})
    level = fields.String(validate=validate.OneOf(_keys(Level)), metadata={"description": "层级"})
    region = fields.String(validate=validate.Length(max=100), metadata={"description": "地区"})
    domain = fields.String(validate=validate.Length(max=100), metadata={"description": "领域"})
    category = fields.String(validate=validate.Length(max=100), metadata={"description": "类别"})
    grade = fields.String(validate=validate.Length(max=100), metadata={"description": "等级"})
    year = fields.String(validate=validate.Regexp(r"^[0-9]{4}$"), metadata={"description": "年份"})
    status = fields.String(validate=validate.OneOf(_keys(Status)), metadata={"description": "状态"})
    on = fields.Date(metadata={"description": "在该日期现行有效（YYYY-MM-DD）"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class StandardSchema(Schema):
    """One version of a standard with every field of the interchange format."""

    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.Function(lambda v: Kind(v.kind).label)
    level = fields.String(required=True)
    level_label = fields.Function(lambda v: Level(v.level).label)
    region = fields.String(required=True)
    domain = fields.String(required=True)
    category = fields.String(allow_none=True)
    item = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    value = ExactDecimal(allow_none=True, metadata={"description": "精确小数"})
    value_max = ExactDecimal(allow_none=True)
    components = fields.String(allow_none=True)
    conditions = fields.String(allow_none=True)
    service_level = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    status = fields.String(required=True)
    status_label = fields.Function(lambda v: Status(v.status).label)
    notes = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    sources = fields.Function(kb_standards.sources, metadata={"description": "来源地址列表"})
    illustrative = fields.Boolean(metadata={"description": "示例数据，非正式标准"})
    verified = fields.Function(kb_standards.is_verified, metadata={"description": "有可核实的来源"})
    created_at = UtcDateTime()
    created_by = fields.String()
    change_reason = fields.String(allow_none=True)
    url = fields.Function(lambda v: f"/standards/{v.code}?version={v.version}")


class StandardArgs(Schema):
    on = fields.Date(metadata={"description": "取该日期现行有效的版本"})
    version = fields.Integer(validate=validate.Range(min=1), metadata={"description": "版本号"})


class SearchArgs(FilterArgs):
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


class StandardListArgs(FilterArgs):
    q = fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"description": "检索词"}
    )
    sort = fields.String(
        load_default="date", validate=validate.OneOf(["relevance", "date", "value"])
    )


class SearchHitSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(RESULT_TYPES))
    id = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "纯文本标题"})
    snippet = fields.String(
        required=True, metadata={"description": "已转义的 HTML，命中词以 <mark> 标出"}
    )
    url = fields.String(required=True)
    score = fields.Float(allow_none=True)
    code = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    kind = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    domain = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    value = fields.String(allow_none=True, metadata={"description": "精确小数（字符串）"})
    value_max = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    illustrative = fields.Boolean(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    document_title = fields.String(allow_none=True)
    clause_path = fields.String(allow_none=True)


class SearchPageSchema(Schema):
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


class FieldChangeSchema(Schema):
    field = fields.String(required=True)
    label = fields.String(required=True)
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class VersionEntrySchema(Schema):
    version = fields.Integer(required=True)
    standard = fields.Nested(StandardSchema, required=True)
    changes = fields.List(
        fields.Nested(FieldChangeSchema), metadata={"description": "与上一版相比"}
    )


class VersionsSchema(Schema):
    code = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionEntrySchema), required=True)


class ClauseSchema(Schema):
    id = fields.Integer(required=True)
    path = fields.String(required=True, metadata={"description": "条款路径，如 四.8"})
    label = fields.String(required=True)
    heading = fields.String(required=True)
    text = fields.String(required=True)
    depth = fields.Integer(required=True)
    parent_path = fields.Function(lambda c: c.parent.path if c.parent else None)
    url = fields.Function(lambda c: f"/documents/{c.document.slug}#clause-{c.path}")


class DocumentSummarySchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    doc_number = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    doc_type = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    url = fields.Function(lambda d: f"/documents/{d.slug}")


class DocumentSchema(DocumentSummarySchema):
    text = fields.String(required=True, metadata={"description": "修复后的正文"})
    clauses = fields.List(fields.Nested(ClauseSchema), required=True)


class DocumentListSchema(Schema):
    total = fields.Integer(required=True)
    results = fields.List(fields.Nested(DocumentSummarySchema), required=True)


class CompareArgs(Schema):
    codes = fields.String(
        metadata={"description": "以逗号分隔的标准编号，如 QP-CQ-0001,QP-CQ-0002"}
    )
    category = fields.String(validate=validate.Length(max=100))
    item = fields.String(validate=validate.Length(max=300))
    region = fields.String(
        validate=validate.Length(max=100), metadata={"description": "区名包含其街镇"}
    )
    kind = fields.String(validate=validate.OneOf(_keys(Kind)))
    level = fields.String(validate=validate.OneOf(_keys(Level)))
    on = fields.Date(metadata={"description": "取该日期现行有效的版本"})


class CompareColumnSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    region = fields.String()
    level = fields.String()
    grade = fields.String(allow_none=True)
    value = ExactDecimal(allow_none=True)
    value_max = ExactDecimal(allow_none=True)
    unit = fields.String(allow_none=True)
    status = fields.String()
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    illustrative = fields.Boolean()


class CompareRowSchema(Schema):
    field = fields.String()
    label = fields.String()
    values = fields.List(fields.String(allow_none=True))
    differs = fields.Boolean()


class NormalisedSchema(Schema):
    value = ExactDecimal(allow_none=True, metadata={"description": "折算到共同单位的值"})
    value_max = ExactDecimal(allow_none=True)
    exact = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"description": "无法折算时的原因"})
    outlier = fields.Boolean()


class StatsSchema(Schema):
    count = fields.Integer()
    minimum = ExactDecimal()
    median = ExactDecimal()
    mean = ExactDecimal()
    maximum = ExactDecimal()
    spread = ExactDecimal()
    ratio = ExactDecimal(allow_none=True)
    outliers = fields.List(fields.Integer(), metadata={"description": "异常值所在列的序号"})


class ComparisonSchema(Schema):
    columns = fields.List(fields.Nested(CompareColumnSchema), required=True)
    rows = fields.List(fields.Nested(CompareRowSchema), required=True)
    target_unit = fields.String(allow_none=True, metadata={"description": "共同单位"})
    normalised = fields.List(fields.Nested(NormalisedSchema), required=True)
    stats = fields.Nested(StatsSchema, allow_none=True)
    apart = fields.List(fields.Integer(), metadata={"description": "单位无法折算、未计入统计的列"})


class CiteArgs(Schema):
    style = fields.String(
        load_default="official",
        validate=validate.OneOf(["official", "gbt7714", "gbt7714-2025", "gbt7714-2015"]),
    )
    on = fields.Date(metadata={"description": "引用该日期现行有效的版本"})


class CiteDocumentArgs(Schema):
    style = fields.String(
        load_default="gbt7714-2025",
        validate=validate.OneOf(["official", "gbt7714", "gbt7714-2025", "gbt7714-2015"]),
    )
    clause = fields.String(
        validate=validate.Length(max=100), metadata={"description": "条款路径，如 四.8"}
    )


class CitationSchema(Schema):
    text = fields.String(required=True, metadata={"description": "可直接粘贴的引用文字"})
    style = fields.String(required=True)
    kind = fields.String(required=True)
    target = fields.String(required=True)
    permalink = fields.String(required=True)
    version = fields.Integer(allow_none=True)
    clause_path = fields.String(allow_none=True)


class VerifyRequest(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=200_000))
    on = fields.Date(metadata={"description": "核查日期，默认今天"})


class FoundCitationSchema(Schema):
    raw = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    title = fields.String(allow_none=True)
    doc_number = fields.String(allow_none=True)
    clause = fields.String(allow_none=True)
    clause_path = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)


class VerifiedCitationSchema(Schema):
    found = fields.Nested(FoundCitationSchema)
    status = fields.String(
        metadata={
            "description": "in_force、superseded、repealed、clause_not_found、unknown_document 等"
        }
    )
    status_label = fields.Function(lambda v: v.status.label)
    message = fields.String()
    document_id = fields.Integer(allow_none=True)
    document_title = fields.String(allow_none=True)
    clause_path = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    successor_code = fields.String(allow_none=True)
    successor_version = fields.Integer(allow_none=True)
    citation = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True)


class VerifyResultSchema(Schema):
    total = fields.Integer(required=True)
    counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "各核查结果的数量"}
    )
    results = fields.List(fields.Nested(VerifiedCitationSchema), required=True)


def _cell(description: str) -> fields.Raw:
    return fields.Raw(allow_none=True, metadata={"description": description, "type": "string"})


class StandardInputSchema(Schema):
    """A standard's fields as in the interchange file; values are checked by the import rules."""

    code = _cell("标准编号（不填则自动编号）")
    name = _cell("标准名称")
    kind = _cell("标准类型：public_service / cost_quota / expenditure 或中文")
    level = _cell("层级：central / province / city / district / town 或中文")
    region = _cell("地区")
    domain = _cell("领域")
    category = _cell("类别")
    item = _cell("事项")
    grade = _cell("等级")
    unit = _cell("计量单位")
    value = _cell("标准值（十进制，按字符串原样保存）")
    value_max = _cell("上限")
    components = _cell("成本构成")
    conditions = _cell("适用条件")
    service_level = _cell("服务标准")
    issuer = _cell("制定部门")
    basis = _cell("依据")
    effective_from = _cell("生效日期")
    effective_to = _cell("失效日期")
    notes = _cell("备注")
    source = _cell("来源")
    verified = _cell("已核实：是/否（否：仅读自转载，显示“未核实”）")
    illustrative = _cell("示例数据：是/否")
    reason = fields.String(validate=validate.Length(max=1000), metadata={"description": "修改原因"})


class StandardRevisionSchema(StandardInputSchema):
    base_version = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "所修改的版本号；也可用 If-Match 头给出 GET 返回的 ETag"},
    )


class TransitionSchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(["consultation", "in_force", "rejected", "superseded", "repealed"]),
        metadata={"description": "目标状态：征求意见、发布、退回、被修订、废止"},
    )
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=1000))
    version = fields.Integer(allow_none=True, metadata={"description": "审核人所查看的版本号"})


class ImportResultSchema(Schema):
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    codes = fields.List(fields.String(), required=True)


#: Text a database can hold: PostgreSQL refuses NUL characters in strings.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="不能包含 NUL 字符")
#: Dates a timestamp column can compare with on every backend.
SANE_DATE = validate.Range(min=dt.date(1900, 1, 1), max=dt.date(2999, 12, 31))


class AuditArgs(Schema):
    actor = fields.String(validate=[validate.Length(max=100), NO_NUL])
    action = fields.String(validate=[validate.Length(max=50), NO_NUL])
    target = fields.String(validate=[validate.Length(max=200), NO_NUL])
    since = fields.Date(validate=SANE_DATE)
    until = fields.Date(validate=SANE_DATE)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AuditEntrySchema(Schema):
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
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)


def json_or_none(text: str | None) -> Any:
    return json.loads(text) if text else None
