"""One place that turns exceptions into responses: JSON under ``/api``, a Chinese page elsewhere.

The API's error shape is ``{"error": {"code": str, "message": str, "details": any}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kb.errors import Conflict
from kb.errors import ImportRejected
from kb.errors import InvalidInput
from kb.errors import KbError
from kb.errors import NotFound
from kb.errors import PermissionDenied
from kb.errors import TooManyAttempts
from kb.errors import Unauthorized
from kb.errors import UnsupportedFile

STATUS_OF_ERROR: dict[type[KbError], int] = {
    NotFound: 404,
    InvalidInput: 400,
    ImportRejected: 422,
    UnsupportedFile: 415,
    Conflict: 409,
    Unauthorized: 401,
    PermissionDenied: 403,
    TooManyAttempts: 429,
}

HTTP_MESSAGES = {
    400: "请求有误",
    401: "需要登录或提供 API 令牌",
    403: "没有权限",
    404: "找不到该地址",
    405: "不支持该请求方法",
    409: "与现有数据冲突",
    412: "版本已变化，请刷新后重试",
    413: "上传的文件太大",
    415: "不支持的文件类型",
    422: "请求参数有误",
    428: "需要指明所修改的版本",
    429: "请求过于频繁，请稍后再试",
}


def init_app(app: Flask) -> None:
    """Register the one translator of errors into responses."""
    app.register_error_handler(KbError, handle_kb_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)


def handle_csrf_error(error: CSRFError) -> Response | tuple:
    """A missing or stale CSRF token is a 400 with advice to reload."""
    return error_response(
        400, "csrf_failed", "表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交"
    )


def wants_json() -> bool:
    """API requests get the JSON envelope, pages the error page."""
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, details: Any = None) -> Response | tuple:
    """The error as ``{"error": {code, message, details}}`` for the API, else the error page."""
    if wants_json():
        body = {"error": {"code": code, "message": message, "details": details}}
        return body, status
    return render_template("error.html", status=status, message=message, details=details), status


def handle_kb_error(error: KbError) -> Response | tuple:
    """A :class:`~kb.errors.KbError` with the status its kind maps to."""
    status = getattr(error, "status", None) or next(
        (s for kind, s in STATUS_OF_ERROR.items() if isinstance(error, kind)), 400
    )
    response = error_response(status, error.code, error.message, error.details)
    headers = {}
    if isinstance(error, Unauthorized) and wants_json():
        headers["WWW-Authenticate"] = 'Bearer realm="kb"'
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(int(error.retry_after))
    return (*response, headers) if headers else response


def handle_http_exception(error: HTTPException) -> Response | tuple:
    """HTTP errors, and invalid parameters from webargs, in the same envelope."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if "messages" in data:
        return error_response(400, "invalid_parameters", "请求参数有误", _flatten(data["messages"]))
    code = (error.name or "error").lower().replace(" ", "_")
    message = data.get("message") or HTTP_MESSAGES.get(status) or error.description or error.name
    response = error_response(status, code, message, data.get("details"))
    if isinstance(response, tuple) and error.response is None:
        headers = dict(error.get_headers()) | data.get("headers", {})
        headers.pop("Content-Type", None)
        return (*response, headers)
    return response


def _flatten(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests messages by location (``query``, ``json`` …); clients want them by field."""
    flat: dict[str, Any] = {}
    for by_field in messages.values():
        if isinstance(by_field, dict):
            flat.update(by_field)
    return flat or messages
