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
#: Parameters shown first: the query, then filters, then paging.
PARAMETER_ORDER = ("q", "code", "field", "type", "kind", "level", "region", "domain")


def openapi_spec() -> dict[str, Any]:
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
    """The fields of a JSON or form request body, from its schema, for the page's table."""
    content = operation.get("requestBody", {}).get("content", {})
    found = []
    for media_type, body in content.items():
        schema = body.get("schema", {})
        ref = schema.get("$ref", "")
        if ref:
            schema = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        required = set(schema.get("required", []))
        for name, field in schema.get("properties", {}).items():
            if field.get("readOnly"):
                continue
            found.append(
                {
                    "name": name,
                    "media_type": media_type,
                    "type": field.get("type", "") or ("对象" if "$ref" in field else ""),
                    "enum": field.get("enum"),
                    "required": name in required,
                    "description": field.get("description", ""),
                }
            )
    return found


@bp.get("/api/")
def index() -> str:
    spec = openapi_spec()
    operations = [
        {
            "path": path,
            "method": method.upper(),
            **operation,
            "parameters": sorted(
                [*methods.get("parameters", []), *operation.get("parameters", [])],
                key=_parameter_rank,
            ),
            "fields": _request_fields(spec, operation),
        }
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "delete", "patch")
    ]
    return render_template(
        "apidocs/index.html", spec=spec, operations=operations, status_titles=STATUS_TITLES
    )


class Formula(NamedTuple):
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
    with atomic(get_session()) as session:
        _, secret = lookup_keys.create_key(
            session, g.user.name, actor=g.user, address=client_address()
        )
    return _excel_page(secret=secret), 201, NO_STORE


@bp.post("/excel/key/revoke")
@requires("read")
def revoke_key() -> tuple:
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
