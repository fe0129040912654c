"""分类浏览: standards by level → region and by domain → category → item, with counts."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from kb.standards.catalog import catalogue
from webapp.db import get_session

bp = Blueprint("pages_browse", __name__, url_prefix="/browse")


@bp.get("/")
def index() -> str:
    """The catalogue to browse, with counts (see the module docstring)."""
    return render_template("browse/index.html", catalogue=catalogue(get_session()))
