"""POST /verify: 依据核查 — find the citations in a text and report the status of each."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import g
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from kb.citing.provenance import confirm_source
from kb.citing.verify import MAX_TEXT_CHARACTERS
from kb.citing.verify import verify
from kb.db import atomic
from kb.errors import InvalidInput
from webapp.api.schemas.citing import VerifyRequest
from webapp.api.schemas.citing import VerifyResultSchema
from webapp.api.schemas.documents import SourceConfirmationSchema
from webapp.api.schemas.standards import StandardSchema
from webapp.auth import client_address
from webapp.auth import requires
from webapp.db import get_session

URL_PREFIX = "/verify"
blp = Blueprint("api_verify", __name__, description="依据核查")


@blp.before_request
def parse_json_safely() -> None:
    """Read the JSON body once, refusing nesting too deep for the parser with a 400, not a 500.

    Issue 12: ``'[' * 1000`` raised RecursionError inside the JSON decoder. The parsed body is
    cached on the request, so the schema reads it again at no cost.
    """
    if request.method == "POST" and request.is_json:
        try:
            request.get_json(cache=True, silent=True)
        except RecursionError as exc:
            raise InvalidInput("JSON 嵌套层次过深，无法解析", {"body": "too_deep"}) from exc


def verification(
    session: Any, text: str, on: Any = None, *, limit: int | None = MAX_TEXT_CHARACTERS
) -> dict[str, Any]:
    """Verified citations of ``text`` with counts per status, for the API, the page and the CLI.

    Over ``limit`` characters (the CLI passes ``None``) is refused before any work, with 413.
    """
    results = verify(session, text, on=on, limit=limit)
    return {
        "total": len(results),
        "counts": dict(Counter(r.status.value for r in results)),
        "results": results,
    }


@blp.route("")
class Verify(MethodView):
    """依据核查 of a pasted text."""

    @blp.arguments(VerifyRequest)
    @blp.response(200, VerifyResultSchema)
    def post(self, args: dict[str, Any]):
        """找出文本中的《…》（文号）第X条等引用，逐条核对是否现行有效

        文本至多 200,000 个字符，超过则返回 413（text_too_long），不做任何核查。
        每条结果带 status、illustrative（示例数据）和 status_inferred（状态系推断）。
        """
        return verification(get_session(), args["text"], args.get("on"))


@blp.route("/sources")
class SourceConfirmation(MethodView):
    """A reviewer's confirmation of a standard's source."""

    @requires("review")
    @blp.arguments(SourceConfirmationSchema)
    @blp.response(200, StandardSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any]):
        """确认标准数值已在发文机关自己的发布（gov.cn）中核对：此后显示“已核实”（审核人，记入审计日志）"""
        with atomic(get_session()) as session:
            return confirm_source(
                session,
                body["code"],
                version=body.get("version"),
                address=body["address"],
                actor=g.user,
                client=client_address(),
            )
