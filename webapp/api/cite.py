"""GET /cite/<code> and /cite/document/<id>: citation text to paste into a review opinion."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from kb import documents
from kb.citing.citations import cite_document
from kb.citing.citations import cite_standard
from kb.documents import catalogue
from webapp.api.schemas.citing import CitationSchema
from webapp.api.schemas.citing import CiteArgs
from webapp.api.schemas.citing import CiteDocumentArgs
from webapp.auth import visible_version
from webapp.db import get_session

URL_PREFIX = "/cite"
blp = Blueprint("api_cite", __name__, description="引用")


@blp.route("/<code>")
class CiteStandard(MethodView):
    """The citation of one standard."""

    @blp.arguments(CiteArgs, location="query")
    @blp.response(200, CitationSchema)
    def get(self, args: dict[str, Any], code: str):
        """一条标准的引用：名称、编号、版本、施行日期、数值和依据"""
        session = get_session()
        version = visible_version(session, code, on=args.get("on"))
        return cite_standard(version, session, style=args["style"])


@blp.route("/document/<key>")
class CiteDocument(MethodView):
    """The citation of one document or one of its clauses."""

    @blp.arguments(CiteDocumentArgs, location="query")
    @blp.response(200, CitationSchema)
    def get(self, args: dict[str, Any], key: str):
        """一份文件或其条款的引用（GB/T 7714—2025，可选 2015 或公文引用格式）；可按文号取文件

        未收录全文的文件，clause 按所给条款原样引用（无法核对）。
        """
        document = catalogue.get(get_session(), key)
        clause = args.get("clause")
        if clause and document.text_held:
            documents.clause(document, clause)
        return cite_document(document, style=args["style"], clause_path=clause)
