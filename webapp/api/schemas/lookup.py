"""The one-value lookup and the CSV export of a search, for spreadsheets that cannot send headers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.api.schemas.base import enum_keys
from webapp.api.schemas.search import SearchArgs

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
    kind = fields.String(
        validate=validate.OneOf(enum_keys(Kind)), metadata={"description": "标准类型"}
    )
    level = fields.String(
        validate=validate.OneOf(enum_keys(Level)), metadata={"description": "层级"}
    )
    region = fields.String(validate=validate.Length(max=100), metadata={"description": "地区"})
    domain = fields.String(validate=validate.Length(max=100), metadata={"description": "领域"})
    category = fields.String(validate=validate.Length(max=100), metadata={"description": "类别"})
    item = fields.String(
        validate=validate.Length(max=300), metadata={"description": "事项（完全一致）"}
    )
    grade = fields.String(validate=validate.Length(max=100), metadata={"description": "等级"})
    status = fields.String(
        validate=validate.OneOf(enum_keys(Status)),
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
    """Search arguments, plus the lookup key a spreadsheet sends."""

    key = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "查询密钥（需要登录才能查看时使用）"},
    )
