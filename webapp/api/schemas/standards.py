"""Standards: one version with every field, the list and version history, writes and imports."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb import standards as kb_standards
from kb.documents.provenance import reposts
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.api.schemas.base import ExactDecimal
from webapp.api.schemas.base import UtcDateTime
from webapp.api.schemas.search import FilterArgs


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
    """Which version of a standard: in force on a date, or by number."""

    on = fields.Date(metadata={"description": "取该日期现行有效的版本"})
    version = fields.Integer(validate=validate.Range(min=1), metadata={"description": "版本号"})


class StandardListArgs(FilterArgs):
    """The standards list's filters; sorted by date unless asked."""

    q = fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"description": "检索词"}
    )
    sort = fields.String(
        load_default="date",
        validate=validate.OneOf(["relevance", "date", "value"]),
        metadata={"description": "排序：相关度、日期或标准值"},
    )


class FieldChangeSchema(Schema):
    """One field changed between two versions."""

    field = fields.String(required=True)
    label = fields.String(required=True)
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class VersionEntrySchema(Schema):
    """One version with its changes from the one before."""

    version = fields.Integer(required=True)
    standard = fields.Nested(StandardSchema, required=True)
    changes = fields.List(
        fields.Nested(FieldChangeSchema), metadata={"description": "与上一版相比"}
    )


class VersionsSchema(Schema):
    """A standard's whole version history."""

    code = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionEntrySchema), required=True)


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
    """A revision: the fields, and the version it revises."""

    base_version = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "所修改的版本号；也可用 If-Match 头给出 GET 返回的 ETag"},
    )


class TransitionSchema(Schema):
    """A step in a standard's workflow."""

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
    """What a standards import added, updated or left unchanged."""

    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    codes = fields.List(fields.String(), required=True)
