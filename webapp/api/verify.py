"""POST /verify: 依据核查 — find the citations in a text and report the status of each."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from kb.citing.verify import verify
from webapp.api.schemas import VerifyRequest
from webapp.api.schemas import VerifyResultSchema
from webapp.db import get_session

URL_PREFIX = "/verify"
blp = Blueprint("api_verify", __name__, description="依据核查")


def verification(session: Any, text: str, on: Any = None) -> dict[str, Any]:
    """Verified citations of ``text`` with counts per status, for the API, the page and the CLI."""
    results = verify(session, text, on=on)
    return {
        "total": len(results),
        "counts": dict(Counter(r.status.value for r in results)),
        "results": results,
    }


@blp.route("")
class Verify(MethodView):
    @blp.arguments(VerifyRequest)
    @blp.response(200, VerifyResultSchema)
    def post(self, args: dict[str, Any]):
        """找出文本中的《…》（文号）第X条等引用，逐条核对是否现行有效"""
        return verification(get_session(), args["text"], args.get("on"))
