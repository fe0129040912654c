"""The JSON API under ``/api/v1``; its OpenAPI document is generated from the same schemas."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from webapp.api import audit
from webapp.api import check
from webapp.api import cite
from webapp.api import compare
from webapp.api import documents
from webapp.api import lookup
from webapp.api import search
from webapp.api import standards
from webapp.api import verify
from webapp.api.schemas.base import ErrorEnvelopeSchema

PREFIX = "/api/v1"


class KbApi(Api):
    """flask-smorest's Api, leaving error responses to ``webapp.errors`` (one shape for all)."""

    ERROR_SCHEMA = ErrorEnvelopeSchema

    def _register_error_handlers(self) -> None:
        pass


def init_app(app: Flask) -> None:
    """Configure flask-smorest and register every API blueprint under /api/v1."""
    app.config.update(
        API_TITLE="标准库 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = KbApi(
        app,
        spec_kwargs={
            "info": {
                "description": "成本预算绩效管理标准库：检索标准、条款与政策文件，查询标准及其版本。"
            }
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "kb token create 生成的 API 令牌"},
    )
    for module in (search, standards, documents, compare, cite, verify, check, audit, lookup):
        api.register_blueprint(module.blp, url_prefix=f"{PREFIX}{module.URL_PREFIX}")
