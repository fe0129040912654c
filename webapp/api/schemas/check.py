"""Schemas of the budget check: the request (JSON lines or an upload) and the verdicts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from kb.amounts import FIGURE_RULE
from kb.amounts import figure_problem
from kb.files.limits import MAX_CELL_CHARS
from kb.files.limits import REQUEST_LIMITS
from kb.vocab import Level
from webapp.api.schemas.base import ExactDecimal
from webapp.api.schemas.standard_fields import StandardFieldsSchema

_CELL = validate.Length(max=MAX_CELL_CHARS)


def _within_figure_rule(value: Any) -> None:
    """A figure sent as a JSON number or plain decimal text obeys the figure rule (kb.amounts);
    text such as ``76万元`` is read (and checked) by the sheet reader."""
    if value is None or isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value.strip()):
        return
    if isinstance(value, str) and len(value) > MAX_FIGURE_CHARS:
        raise ValidationError(f"数值过长（{len(value)} 个字符）：{FIGURE_RULE}")
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return
    problem = figure_problem(Decimal(value.strip()) if isinstance(value, str) else value)
    if problem:
        raise ValidationError(problem)


#: Longest text of one figure: 12 digits, a point, 6 places, separators and a sign fit in 40.
MAX_FIGURE_CHARS = 40
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class BudgetLineInput(Schema):
    """One budget line as JSON; keys as in the budget sheet (key or Chinese header)."""

    class Meta:
        """Other keys are kept: a line may use the sheet's Chinese headers, read by the sheet rules."""

        unknown = "include"

    item = fields.String(validate=_CELL, metadata={"description": "事项（必填，也可用“事项”键）"})
    quantity = fields.Raw(
        allow_none=True, validate=_within_figure_rule, metadata={"description": "数量"}
    )
    unit = fields.String(allow_none=True, validate=_CELL, metadata={"description": "计量单位"})
    unit_price = fields.Raw(
        allow_none=True, validate=_within_figure_rule, metadata={"description": "单价（元）"}
    )
    amount = fields.Raw(
        allow_none=True, validate=_within_figure_rule, metadata={"description": "金额（元）"}
    )
    region = fields.String(allow_none=True, validate=_CELL)
    grade = fields.String(allow_none=True, validate=_CELL)
    category = fields.String(allow_none=True, validate=_CELL)


class CheckRequest(Schema):
    """A sheet as JSON lines, with the project's defaults and chosen standards."""

    region = fields.String(
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={
            "description": "项目所在地区，如 朱家角镇、青浦区；不填则取预算表表头中的地区，"
            "仍无则按上海市。无法识别的地区返回 400 并给出建议"
        },
    )
    on = fields.Date(allow_none=True, metadata={"description": "核查日期（YYYY-MM-DD），默认今天"})
    level = fields.String(
        allow_none=True,
        validate=validate.OneOf([m.value for m in Level]),
        metadata={"description": "项目层级（central/province/city/district/town），默认按地区"},
    )
    grade = fields.String(
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "项目等级，如 二级、一类会议（行内“等级”列优先）"},
    )
    lines = fields.List(
        fields.Nested(BudgetLineInput),
        required=True,
        validate=validate.Length(min=1, max=REQUEST_LIMITS.rows),
    )
    overrides = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "行号 → 改用的标准编号"},
    )


#: The standard fields the API shows of a candidate.
CANDIDATE_FIELDS = ("code", "version", "name", "region", "level", "grade", "unit", "value")
CANDIDATE_FIELDS += ("value_max", "illustrative")


class CandidateSchema(StandardFieldsSchema.of(CANDIDATE_FIELDS)):
    """A standard that could apply to a line, with its score."""

    score = fields.Float(
        metadata={"description": "匹配分（0–100，由排序键导出，候选不会高于所选）"}
    )
    eligible = fields.Boolean(metadata={"description": "false：其他子项或等级，仅供参考"})
    grade_label = fields.String(allow_none=True, metadata={"description": "匹配所读的等级或职称"})
    lapsed_on = fields.Date(
        allow_none=True, metadata={"description": "已失效的日期（无现行版本时）"}
    )
    citation = fields.String()
    permalink = fields.String()
    reason = fields.String(metadata={"description": "匹配理由"})


class CheckLineSchema(Schema):
    """One line's verdict, the standard chosen and the runners-up."""

    row = fields.Function(lambda c: c.line.row)
    item = fields.Function(lambda c: c.line.item)
    verdict = fields.Function(lambda c: c.verdict.value)
    verdict_label = fields.Function(lambda c: c.verdict_text)
    why = fields.String()
    matched = fields.Nested(CandidateSchema, allow_none=True)
    runners_up = fields.List(fields.Nested(CandidateSchema))
    unit_price = ExactDecimal(allow_none=True)
    standard_unit = fields.String(allow_none=True)
    standard_value = ExactDecimal(allow_none=True)
    standard_max = ExactDecimal(allow_none=True)
    difference = ExactDecimal(allow_none=True)
    percent = ExactDecimal(allow_none=True)
    amount = ExactDecimal(allow_none=True)
    over_amount = ExactDecimal(allow_none=True)
    notes = fields.List(fields.String())


class BrokenRowSchema(Schema):
    """A row that could not be read, with the reason."""

    row = fields.Integer()
    reason = fields.String()


class CheckTotalsSchema(Schema):
    """The sums and counts of a checked sheet."""

    lines = fields.Integer()
    broken = fields.Integer()
    sheet_amount = ExactDecimal()
    within_amount = ExactDecimal()
    over_lines_amount = ExactDecimal()
    over_amount = ExactDecimal()
    unchecked_amount = ExactDecimal()
    counts = fields.Function(lambda t: {verdict.value: n for verdict, n in t.counts.items()})


class CheckReportSchema(Schema):
    """The whole check: lines, rows not read and totals."""

    region = fields.Function(
        lambda r: r.context.region, metadata={"description": "核查所用的项目地区"}
    )
    on = fields.Function(lambda r: r.context.on.isoformat(), metadata={"description": "核查日期"})
    lines = fields.List(fields.Nested(CheckLineSchema), required=True)
    broken = fields.List(fields.Nested(BrokenRowSchema), required=True)
    totals = fields.Nested(CheckTotalsSchema, required=True)
    notes = fields.List(fields.String())
