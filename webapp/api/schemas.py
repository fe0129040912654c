"""marshmallow schemas for every API request and response; the OpenAPI document comes from them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from kb import standards as kb_standards
from kb.citing.verify import MAX_TEXT_CHARACTERS
from kb.documents.provenance import reposts
from kb.vocab import DocumentStatus
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.api import messages

#: Chinese validation messages, set before any field or validator below is made.
messages.install()

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
    status = fields.String(
        validate=validate.OneOf(sorted({*_keys(Status), *_keys(DocumentStatus)})),
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
    verified = fields.Function(
        kb_standards.is_verified,
        metadata={"description": "数值读自发文机关自己的发布（gov.cn），或经审核人对照确认"},
    )
    reposts = fields.Function(
        lambda v: reposts(v.source),
        metadata={"description": "来源中的转载页（高校、新闻、文库等），不能据以核实"},
    )
    source_confirmed_by = fields.String(
        allow_none=True, metadata={"description": "确认来源的审核人"}
    )
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


LOOKUP_FIELDS = {
    "value": "标准值（下限）",
    "value_max": "上限",
    "unit": "计量单位",
    "name": "标准名称",
    "status": "状态（中文）",
    "citation": "可粘贴的引用",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "code": "标准编号",
    "version": "版本号",
    "item": "事项",
    "grade": "等级",
    "region": "地区",
    "url": "永久链接",
}


class LookupArgs(Schema):
    """One standard by code, or by a description that must fit exactly one."""

    code = fields.String(
        validate=validate.Length(max=64), metadata={"description": "标准编号，如 RS-HY-004"}
    )
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "不知道编号时按描述查找（检索词），须与筛选条件一起只对应一条标准"
        },
    )
    field = fields.String(
        load_default="value",
        validate=validate.OneOf(list(LOOKUP_FIELDS)),
        metadata={
            "description": "返回的字段，默认 value。"
            + "；".join(f"{k}：{v}" for k, v in LOOKUP_FIELDS.items())
        },
    )
    on = fields.Date(metadata={"description": "取该日期现行有效的版本（YYYY-MM-DD）"})
    kind = fields.String(validate=validate.OneOf(_keys(Kind)), metadata={"description": "标准类型"})
    level = fields.String(validate=validate.OneOf(_keys(Level)), metadata={"description": "层级"})
    region = fields.String(validate=validate.Length(max=100), metadata={"description": "地区"})
    domain = fields.String(validate=validate.Length(max=100), metadata={"description": "领域"})
    category = fields.String(validate=validate.Length(max=100), metadata={"description": "类别"})
    item = fields.String(
        validate=validate.Length(max=300), metadata={"description": "事项（完全一致）"}
    )
    grade = fields.String(validate=validate.Length(max=100), metadata={"description": "等级"})
    status = fields.String(
        validate=validate.OneOf(_keys(Status)),
        metadata={"description": "状态；按描述查找且不给 on 时默认只看现行有效的标准"},
    )
    key = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "查询密钥（需要登录才能查看时，表格无法发送请求头）"},
    )

    @validates_schema
    def _code_or_q(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("code") and not data.get("q"):
            raise ValidationError("请给出 code=标准编号，或 q=检索词（可加筛选条件）", "code")


class SearchCsvArgs(SearchArgs):
    key = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "查询密钥（需要登录才能查看时使用）"},
    )


class StandardListArgs(FilterArgs):
    q = fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"description": "检索词"}
    )
    sort = fields.String(
        load_default="date",
        validate=validate.OneOf(["relevance", "date", "value"]),
        metadata={"description": "排序：相关度、日期或标准值"},
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
    measure_title = fields.String(allow_none=True, metadata={"description": "所印发的办法名称"})
    effective_from = fields.Date(allow_none=True, metadata={"description": "施行日期"})
    effective_to = fields.Date(allow_none=True, metadata={"description": "失效日期"})
    status = fields.String(
        allow_none=True,
        metadata={"description": "in_force、amended、replaced、repealed、not_yet；空为未记录"},
    )
    status_label = fields.Function(
        lambda d: DocumentStatus(d.status).label if d.status else "未记录状态"
    )
    replaced_by = fields.String(allow_none=True, metadata={"description": "替代文件的文号"})
    replaces = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    verified = fields.Boolean(metadata={"description": "已在发文机关自己的发布中核对"})
    notes = fields.String(allow_none=True)
    text_held = fields.Boolean(metadata={"description": "库中有全文；否则为“未收录全文”"})
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
    category = fields.String(
        validate=validate.Length(max=100), metadata={"description": "类别，如 环卫保洁、会议费"}
    )
    item = fields.String(
        validate=validate.Length(max=300), metadata={"description": "事项，如 道路保洁"}
    )
    region = fields.String(
        validate=validate.Length(max=100), metadata={"description": "地区；区名包含其街镇"}
    )
    kind = fields.String(validate=validate.OneOf(_keys(Kind)), metadata={"description": "标准类型"})
    level = fields.String(validate=validate.OneOf(_keys(Level)), metadata={"description": "层级"})
    on = fields.Date(metadata={"description": "取该日期现行有效的版本"})


class CompareColumnSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    region = fields.String()
    level = fields.String()
    grade = fields.String(allow_none=True)
    item = fields.String(metadata={"description": "事项（去掉等级），同事项的标准才合并统计"})
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


class CompareGroupSchema(Schema):
    item = fields.String(metadata={"description": "事项（去掉等级）"})
    unit = fields.String(allow_none=True, metadata={"description": "共同单位"})
    columns = fields.List(fields.Integer(), metadata={"description": "本组各列的序号"})
    stats = fields.Nested(StatsSchema, allow_none=True)


class ComparisonSchema(Schema):
    columns = fields.List(fields.Nested(CompareColumnSchema), required=True)
    rows = fields.List(fields.Nested(CompareRowSchema), required=True)
    target_unit = fields.String(allow_none=True, metadata={"description": "共同单位"})
    normalised = fields.List(fields.Nested(NormalisedSchema), required=True)
    stats = fields.Nested(StatsSchema, allow_none=True)
    apart = fields.List(fields.Integer(), metadata={"description": "单位无法折算、未计入统计的列"})
    groups = fields.List(
        fields.Nested(CompareGroupSchema),
        metadata={"description": "同事项同单位的分组，各有统计；混有不同事项时 stats 为空"},
    )
    warning = fields.String(allow_none=True, metadata={"description": "混有不同事项时的提示"})


STYLE_DESCRIPTION = "引用格式：official 公文引用格式，gbt7714（即 gbt7714-2025）或 gbt7714-2015"


class CiteArgs(Schema):
    style = fields.String(
        load_default="official",
        validate=validate.OneOf(["official", "gbt7714", "gbt7714-2025", "gbt7714-2015"]),
        metadata={"description": STYLE_DESCRIPTION + "，默认 official"},
    )
    on = fields.Date(metadata={"description": "引用该日期现行有效的版本"})


class CiteDocumentArgs(Schema):
    style = fields.String(
        load_default="gbt7714-2025",
        validate=validate.OneOf(["official", "gbt7714", "gbt7714-2025", "gbt7714-2015"]),
        metadata={"description": STYLE_DESCRIPTION + "，默认 gbt7714-2025"},
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
    text = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": f"要核查的文字，至多 {MAX_TEXT_CHARACTERS:,} 个字符（超过返回 413）"
        },
    )
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
    status_label = fields.Function(
        lambda v: v.label, metadata={"description": "状态文字，含“推断”“示例，不得作为依据”等提示"}
    )
    illustrative = fields.Boolean(metadata={"description": "所引标准为示例数据，不得作为依据"})
    status_inferred = fields.Boolean(metadata={"description": "文件状态系据库中标准推断"})
    text_held = fields.Boolean(allow_none=True, metadata={"description": "库中是否有该文件全文"})
    doc_number = fields.String(allow_none=True)
    successor_doc_number = fields.String(allow_none=True, metadata={"description": "替代文件文号"})
    successor_title = fields.String(allow_none=True)
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
