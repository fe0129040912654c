"""The one-value lookup and the CSV export of a search, for spreadsheets that cannot send headers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from webapp.api.schemas.search import SearchArgs
from webapp.api.schemas.standard_fields import filter_field

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
    kind = filter_field("kind")
    level = filter_field("level")
    region = filter_field("region")
    domain = filter_field("domain")
    category = filter_field("category")
    item = filter_field("item", "事项（完全一致）")
    grade = filter_field("grade")
    status = filter_field("status", "状态；按描述查找且不给 on 时默认只看现行有效的标准")
    key = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "查询密钥（需要登录才能查看时，表格无法发送请求头）"},
    )

    @validates_schema
    def _code_or_q(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("code") and not data.get("q"):
            raise ValidationError("请给出 code=标准编号，或 q=检索词（可加筛选条件）", "code")


class SearchCsvArgs(SearchArgs):
    """Search arguments, plus the lookup key a spreadsheet sends."""

    key = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "查询密钥（需要登录才能查看时使用）"},
    )
