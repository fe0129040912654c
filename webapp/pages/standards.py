"""A standard's page: every field, components, basis linked to clauses, versions, related standards."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request

from kb import basis
from kb import history
from kb import standards
from kb.components import split_components
from webapp.api.schemas import StandardArgs
from webapp.db import get_session

bp = Blueprint("pages_standards", __name__, url_prefix="/standards")


@bp.get("/<code>")
def detail(code: str) -> str:
    args = StandardArgs().load(request.args)
    session = get_session()
    version = standards.get(session, code, on=args.get("on"), version=args.get("version"))
    standard = version.standard
    return render_template(
        "standards/detail.html",
        version=version,
        current=standards.current_version(standard),
        versions=history.annotated_versions(standard),
        components=split_components(version.components),
        basis=basis.resolve(session, version.basis),
        sources=standards.sources(version),
        verified=standards.is_verified(version),
        related=standards.related(session, version),
        on=args.get("on"),
    )
