"""Standards: one version with every field, the list and version history, writes and imports."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb import standards as kb_standards
from kb.documents.provenance import reposts
from kb.fields import FIELDS
from kb.fields import FILE_FIELDS
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.api.schemas.base import ExactDecimal
from webapp.api.schemas.base import UtcDateTime
from webapp.api.schemas.search import FilterArgs
from webapp.api.schemas.standard_fields import StandardFieldsSchema
from webapp.api.schemas.standard_fields import input_cells


class StandardSchema(StandardFieldsSchema.of((f.name for f in FIELDS), required=True)):
    """One version of a standard with every field of the interchange format."""

    kind_label = fields.Function(lambda v: Kind(v.kind).label)
    level_label = fields.Function(lambda v: Level(v.level).label)
    value = ExactDecimal(allow_none=True, metadata={"description": "精确小数"})
    status_label = fields.Function(lambda v: Status(v.status).label)
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


class StandardInputSchema(input_cells(f.name for f in FILE_FIELDS if f.name != "status")):
    """A standard's fields as in the interchange file; values are checked by the import rules.

    No ``status``: a new standard is always a draft, and a status moves only by the workflow.
    """

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
