"""A standard's page: every field, components, basis linked to clauses, versions, related standards."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request

from kb import standards
from kb.citing import basis
from kb.citing.citations import cite_standard
from kb.errors import NotFound
from kb.standards.comparables import like_for_like
from kb.standards.components import split_components
from webapp.api.schemas.standards import StandardArgs
from webapp.auth import visible_history
from webapp.auth import visible_version
from webapp.db import get_session
from webapp.pages.apidocs import spreadsheet_formulas

bp = Blueprint("pages_standards", __name__, url_prefix="/standards")


@bp.get("/<code>")
def detail(code: str) -> str:
    """A standard's page: the version asked for, its citation, and like-for-like standards."""
    args = StandardArgs().load(request.args)
    session = get_session()
    notice = None
    try:
        version = visible_version(session, code, on=args.get("on"), version=args.get("version"))
    except NotFound as error:
        if args.get("on") is None:
            raise
        version = visible_version(session, code)
        notice = error.message
    standard = version.standard
    related = like_for_like(session, version)
    seen = {v.code for v in related}
    related += [v for v in standards.related(session, version) if v.code not in seen]
    return render_template(
        "standards/detail.html",
        version=version,
        current=standards.current_version(standard),
        versions=visible_history(standard),
        components=split_components(version.components),
        basis=basis.resolve(session, version.basis, on=version.effective_from),
        sources=standards.sources(version),
        verified=standards.is_verified(version),
        related=related,
        compare_codes=",".join([version.code, *(r.code for r in related)]),
        citation=cite_standard(version),
        formulas=spreadsheet_formulas(version.code),
        on=args.get("on"),
        notice=notice,
    )


@bp.get("/<code>/versions")
def versions(code: str) -> str:
    """A standard's version history with the changes between versions."""
    standard = standards.find(get_session(), code)
    return render_template(
        "standards/versions.html",
        standard=standard,
        current=standards.current_version(standard),
        entries=visible_history(standard),
    )
