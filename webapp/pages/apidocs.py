"""The API page (the OpenAPI document rendered as Chinese HTML) and the spreadsheet help page."""

from __future__ import annotations

from typing import Any
from typing import NamedTuple
from urllib.parse import urlencode

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask import url_for

from kb.accounts import lookup_keys
from kb.db import atomic
from webapp.auth import client_address
from webapp.auth import requires
from webapp.db import get_session
from webapp.db import get_settings

#: No prefix: the help page lives outside ``/api/``, where a page session is not read.
bp = Blueprint("pages_apidocs", __name__)

#: A page that shows a secret must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}
#: How flask-smorest names responses; the page shows what each status means in Chinese.
STATUS_TITLES = {
    "200": "成功",
    "201": "已创建",
    "204": "成功，无内容",
    "304": "未修改（与 If-None-Match 相同）",
    "400": "请求参数有误",
    "401": "需要登录、API 令牌或查询密钥",
    "403": "没有权限",
    "404": "找不到",
    "409": "与现有数据冲突",
    "412": "版本已变化",
    "413": "上传的文件太大",
    "415": "不支持的文件类型",
    "422": "内容有误",
    "428": "需要指明所修改的版本",
    "429": "请求过于频繁",
    "default": "其他错误",
}
#: OpenAPI's type names as the page shows them.
TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数",
    "boolean": "是/否",
    "array": "列表",
    "object": "对象",
}
#: What a field is, for fields whose schema gives no description: the glossary's words.
FIELD_NAMES = {
    "q": "检索词",
    "code": "标准编号",
    "name": "名称",
    "kind": "标准类型",
    "level": "层级",
    "region": "地区",
    "domain": "领域",
    "category": "类别",
    "item": "事项",
    "grade": "等级",
    "unit": "计量单位",
    "quantity": "数量",
    "unit_price": "单价",
    "amount": "金额",
    "status": "状态",
    "on": "日期（YYYY-MM-DD）",
    "lines": "预算行（每行一个事项）",
    "file": "上传的预算表（.csv 或 .xlsx）",
    "text": "要核查的文字",
    "key": "文件编号或标识",
    "version": "版本号",
    "reason": "原因",
}
#: Parameters shown first: the query, then filters, then paging.
PARAMETER_ORDER = ("q", "code", "field", "type", "kind", "level", "region", "domain")


def openapi_spec() -> dict[str, Any]:
    """The OpenAPI document, built from the API's decorators."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


def _parameter_rank(parameter: dict[str, Any]) -> tuple[int, int]:
    name = parameter.get("name", "")
    if name in PARAMETER_ORDER:
        return (0, PARAMETER_ORDER.index(name))
    if name in ("page", "per_page", "sort"):
        return (2, ("sort", "page", "per_page").index(name))
    return (1, 0)


def _request_fields(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The request body's fields per media type (JSON, an upload form …), for the page's tables."""
    content = operation.get("requestBody", {}).get("content", {})
    found = []
    for media_type, body in content.items():
        schema = body.get("schema", {})
        ref = schema.get("$ref", "")
        if ref:
            schema = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        required = set(schema.get("required", []))
        rows = []
        for name, field in schema.get("properties", {}).items():
            if field.get("readOnly"):
                continue
            kind = field.get("type", "") or ("object" if "$ref" in field else "")
            rows.append(
                {
                    "name": name,
                    "type": TYPE_NAMES.get(kind, kind),
                    "enum": [v for v in field.get("enum") or [] if v is not None],
                    "required": name in required,
                    "description": field.get("description") or FIELD_NAMES.get(name, ""),
                }
            )
        found.append({"media_type": media_type, "fields": rows})
    return found


def _parameters(methods: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Path and query parameters, query first, each with a Chinese type and description."""
    shown = []
    for parameter in [*methods.get("parameters", []), *operation.get("parameters", [])]:
        schema = parameter.get("schema") or {}
        shown.append(
            {
                **parameter,
                "type": TYPE_NAMES.get(schema.get("type", ""), schema.get("type", "")),
                "enum": [v for v in schema.get("enum") or [] if v is not None],
                "description": parameter.get("description")
                or FIELD_NAMES.get(parameter.get("name", ""), ""),
            }
        )
    return sorted(shown, key=_parameter_rank)


@bp.get("/api/")
def index() -> str:
    """The API documentation page, read from the OpenAPI document."""
    spec = openapi_spec()
    operations = [
        {
            "path": path,
            "method": method.upper(),
            **operation,
            "parameters": _parameters(methods, operation),
            "bodies": _request_fields(spec, operation),
        }
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "delete", "patch")
    ]
    return render_template(
        "apidocs/index.html", spec=spec, operations=operations, status_titles=STATUS_TITLES
    )


class Formula(NamedTuple):
    """A spreadsheet formula that looks up one field of a standard."""

    field: str
    label: str
    text: str


def lookup_url(**params: str) -> str:
    """The absolute ``/api/v1/lookup`` URL a spreadsheet cell asks, as this request reached us."""
    root = request.url_root.rstrip("/")
    return f"{root}/api/v1/lookup?{urlencode(params, safe='/:')}"


def spreadsheet_formulas(code: str) -> list[Formula]:
    """The WEBSERVICE formulas for a standard's value, unit and citation (Excel and WPS alike)."""
    key = {"key": "你的查询密钥"} if get_settings().read_requires_login else {}
    formulas = []
    for field, label in (("value", "数值"), ("unit", "计量单位"), ("citation", "引用")):
        params = {"code": code, **({"field": field} if field != "value" else {}), **key}
        text = f'=WEBSERVICE("{lookup_url(**params)}")'
        if field == "value":
            text = f"=VALUE({text[1:]})"
        formulas.append(Formula(field, label, text))
    return formulas


@bp.get("/excel")
def excel() -> str:
    """在 Excel/WPS 中使用：WEBSERVICE 取数、自网站导入 CSV，以及查询密钥。"""
    return _excel_page()


@bp.post("/excel/key")
@requires("read")
def create_key() -> tuple:
    """A new lookup key for spreadsheets, shown once."""
    with atomic(get_session()) as session:
        _, secret = lookup_keys.create_key(
            session, g.user.name, actor=g.user, address=client_address()
        )
    return _excel_page(secret=secret), 201, NO_STORE


@bp.post("/excel/key/revoke")
@requires("read")
def revoke_key() -> tuple:
    """Revoke the user's lookup key."""
    with atomic(get_session()) as session:
        lookup_keys.revoke_key(session, g.user.name, actor=g.user, address=client_address())
    return _excel_page(revoked=True), 200, NO_STORE


def _excel_page(**shown: Any) -> str:
    user = g.get("user")
    key = lookup_keys.current_key(get_session(), user) if user else None
    return render_template(
        "apidocs/excel.html",
        example=lookup_url(code="RS-HY-004"),
        example_unit=lookup_url(code="RS-HY-004", field="unit"),
        csv_url=request.url_root.rstrip("/")
        + url_for("api_spreadsheet.SearchCsv")
        + "?q=会议费&level=central",
        api_root=request.url_root.rstrip("/") + "/api/v1",
        needs_key=get_settings().read_requires_login,
        key=key,
        **shown,
    )
