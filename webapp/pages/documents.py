"""Policy documents: the list, and the reader with its clause tree, anchors and citing standards."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from kb import documents
from kb.citing import basis
from kb.citing.citations import cite_clause
from kb.citing.citations import cite_document
from kb.citing.clauses import clause_words
from kb.documents import catalogue
from kb.documents.provenance import source_addresses
from webapp.db import get_session

bp = Blueprint("pages_documents", __name__, url_prefix="/documents")


@bp.get("/")
def index() -> str:
    """Every document in the catalogue."""
    return render_template(
        "documents/index.html", documents=list(documents.iter_documents(get_session()))
    )


@bp.get("/<key>")
def detail(key: str) -> str:
    """A document's text with clause anchors, and the standards citing each clause."""
    session = get_session()
    document = catalogue.get(session, key)
    citing = basis.citing_versions(session, document)
    by_clause: dict[str | None, list] = {}
    for version in citing:
        for ref in basis.parse_basis(version.basis):
            if basis.find_document(session, ref, on=version.effective_from) is document:
                by_clause.setdefault(ref.clause_path, []).append(version)
    state = basis.document_state(session, document)
    return render_template(
        "documents/detail.html",
        document=document,
        state=state,
        sources=source_addresses(document.source),
        official=cite_document(document, style="official").text,
        citing=citing,
        by_clause=by_clause,
        reference=cite_document(document),
        clause_citations={
            c.path: cite_clause(document.title, document.doc_number, c.path)
            for c in document.clauses
        },
        clause_names={c.path: clause_words(c.path) for c in document.clauses},
    )
