"""GET /audit: the append-only audit log, for admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from kb.accounts import audit
from webapp.api.schemas.audit import AuditArgs
from webapp.api.schemas.audit import AuditPageSchema
from webapp.auth import requires
from webapp.db import get_session

URL_PREFIX = "/audit"
blp = Blueprint("api_audit", __name__, description="审计日志")


@blp.route("")
class AuditLog(MethodView):
    """The audit log, for administrators."""

    @requires("admin")
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditPageSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, args: dict[str, Any]):
        """审计日志：谁在何时从何处做了什么，修改前后的值（管理员）"""
        return audit.entries(get_session(), **args)
