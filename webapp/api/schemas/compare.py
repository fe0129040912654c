"""Comparison of standards: the arguments, the columns and rows, normalised values and statistics."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields

from kb.fields import described
from kb.standards.compare import Column
from webapp.api.schemas.base import ExactDecimal
from webapp.api.schemas.standard_fields import StandardFieldsSchema
from webapp.api.schemas.standard_fields import filter_field


class CompareArgs(Schema):
    """What to compare: codes, or filters."""

    codes = fields.String(
        metadata={"description": "以逗号分隔的标准编号，如 QP-CQ-0001,QP-CQ-0002"}
    )
    category = filter_field("category", "类别，如 环卫保洁、会议费")
    item = filter_field("item", "事项，如 道路保洁")
    region = filter_field("region", "地区；区名包含其街镇")
    kind = filter_field("kind")
    level = filter_field("level")
    on = fields.Date(metadata={"description": "取该日期现行有效的版本"})


class CompareColumnSchema(StandardFieldsSchema.of(described(Column))):
    """One standard compared: the fields of :class:`kb.standards.compare.Column`."""

    item = fields.String(metadata={"description": "事项（去掉等级），同事项的标准才合并统计"})


class CompareRowSchema(Schema):
    """One field across the standards compared."""

    field = fields.String()
    label = fields.String()
    values = fields.List(fields.String(allow_none=True))
    differs = fields.Boolean()


class NormalisedSchema(Schema):
    """A standard's figure in the common unit, or why it has none."""

    value = ExactDecimal(allow_none=True, metadata={"description": "折算到共同单位的值"})
    value_max = ExactDecimal(allow_none=True)
    exact = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"description": "无法折算时的原因"})
    outlier = fields.Boolean()


class StatsSchema(Schema):
    """Robust statistics over the normalised figures."""

    count = fields.Integer()
    minimum = ExactDecimal()
    median = ExactDecimal()
    mean = ExactDecimal()
    maximum = ExactDecimal()
    spread = ExactDecimal()
    ratio = ExactDecimal(allow_none=True)
    outliers = fields.List(fields.Integer(), metadata={"description": "异常值所在列的序号"})


class CompareGroupSchema(Schema):
    """Standards of one item and unit, with their own statistics."""

    item = fields.String(metadata={"description": "事项（去掉等级）"})
    unit = fields.String(allow_none=True, metadata={"description": "共同单位"})
    columns = fields.List(fields.Integer(), metadata={"description": "本组各列的序号"})
    stats = fields.Nested(StatsSchema, allow_none=True)


class ComparisonSchema(Schema):
    """The whole comparison."""

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
