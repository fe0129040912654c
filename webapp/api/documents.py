"""GET /documents and /documents/<id or slug>: policy documents with their clause tree."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from kb import documents
from webapp.api.schemas import DocumentListSchema
from webapp.api.schemas import DocumentSchema
from webapp.db import get_session

URL_PREFIX = "/documents"
blp = Blueprint("api_documents", __name__, description="政策文件及其条款")


@blp.route("")
class DocumentList(MethodView):
    @blp.response(200, DocumentListSchema)
    def get(self):
        """全部政策文件"""
        found = list(documents.iter_documents(get_session()))
        return {"total": len(found), "results": found}


@blp.route("/<key>")
class DocumentDetail(MethodView):
    @blp.response(200, DocumentSchema)
    def get(self, key: str):
        """一份文件：修复后的正文和条款树（按编号或短名）"""
        return documents.get(get_session(), key)
