"""/documents: policy documents with their clause tree and their life (status, successor),
and the writes reviewers make with a token: an edit, a status change, an import."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from indexer import sync
from kb import documents
from kb.db import atomic
from kb.documents import catalogue
from kb.documents import interchange
from kb.vocab import Outcome
from webapp.api.schemas.documents import DocumentEditSchema
from webapp.api.schemas.documents import DocumentImportResultSchema
from webapp.api.schemas.documents import DocumentListSchema
from webapp.api.schemas.documents import DocumentSchema
from webapp.api.schemas.documents import DocumentTransitionSchema
from webapp.auth import client_address
from webapp.auth import requires
from webapp.db import get_session
from webapp.db import get_settings
from webapp.uploads import read_uploaded

URL_PREFIX = "/documents"
blp = Blueprint("api_documents", __name__, description="政策文件及其条款、状态与替代关系")
TOKEN = [{"bearerAuth": []}]


def reindex(*ids: int) -> None:
    """Bring the search index in step after a committed write to documents."""
    sync.update(get_settings(), get_session(), document_ids=list(ids))


@blp.route("")
class DocumentList(MethodView):
    """Every document in the catalogue."""

    @blp.response(200, DocumentListSchema)
    def get(self):
        """全部政策文件（含只有目录信息、未收录全文的文件）"""
        found = list(documents.iter_documents(get_session()))
        return {"total": len(found), "results": found}


@blp.route("/<key>")
class DocumentDetail(MethodView):
    """One document with its clause tree."""

    @blp.response(200, DocumentSchema)
    def get(self, key: str):
        """一份文件：修复后的正文和条款树（按编号、短名或文号）"""
        return catalogue.get(get_session(), key)

    @requires("review")
    @blp.arguments(DocumentEditSchema)
    @blp.response(200, DocumentSchema)
    @blp.doc(security=TOKEN)
    def patch(self, body: dict[str, Any], key: str):
        """修改文件信息（文号、标题、日期、来源、已核实等；状态用 /status）：审核人"""
        with atomic(get_session()) as session:
            document = catalogue.edit(session, key, body, actor=g.user, address=client_address())
        reindex(document.id)
        return document


@blp.route("/<key>/status")
class DocumentStatusChange(MethodView):
    """A reviewer's change of a document's status."""

    @requires("review")
    @blp.arguments(DocumentTransitionSchema)
    @blp.response(200, DocumentSchema)
    @blp.doc(security=TOKEN)
    def post(self, body: dict[str, Any], key: str):
        """文件状态变更：现行有效、已修订、已被替代（替代文件文号）、已废止（原因）、尚未施行"""
        with atomic(get_session()) as session:
            document = catalogue.transition(
                session,
                key,
                to=body["status"],
                actor=g.user,
                effective_from=body.get("effective_from"),
                effective_to=body.get("effective_to"),
                replaced_by=body.get("replaced_by"),
                reason=body.get("reason"),
                address=client_address(),
            )
        reindex(document.id)
        return document


@blp.route("/import")
class DocumentImport(MethodView):
    """Import of a documents interchange file, all or nothing."""

    @requires("import")
    @blp.response(200, DocumentImportResultSchema)
    @blp.doc(security=TOKEN)
    def post(self):
        """导入文件信息交换文件（multipart 字段 file：.csv .xlsx .json），整体导入或整体拒绝"""
        entries, filename = read_uploaded("文件信息表", interchange.read_documents)
        with atomic(get_session()) as session:
            results = catalogue.store_entries(
                session, entries, actor=g.user, source=filename, address=client_address()
            )
            changed = [d.id for d, outcome in results if outcome is not Outcome.UNCHANGED]
            names = [d.doc_number or d.title for d, _ in results]
        if changed:
            reindex(*changed)
        return {
            "added": sum(o is Outcome.ADDED for _, o in results),
            "updated": sum(o is Outcome.UPDATED for _, o in results),
            "unchanged": sum(o is Outcome.UNCHANGED for _, o in results),
            "documents": names,
        }
