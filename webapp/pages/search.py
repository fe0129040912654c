"""The home page: one search box, ranked hits, facets, paging; the URL holds the whole query."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import ValidationError

from indexer.search import suggest
from webapp.api.schemas import SearchArgs
from webapp.api.search import run_search
from webapp.db import get_settings

bp = Blueprint("pages_search", __name__)

FACET_TITLES = {
    "type": "结果类型",
    "kind": "标准类型",
    "level": "层级",
    "region": "地区",
    "domain": "领域",
    "category": "类别",
    "grade": "等级",
    "status": "状态",
    "year": "年份",
}


@bp.get("/")
def index() -> str:
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        args = SearchArgs().load(raw)
    except ValidationError as error:
        return render_template(
            "search/index.html",
            args=raw,
            page=None,
            error=_describe(error),
            facet_titles=FACET_TITLES,
        ), 400
    page = run_search(args)
    return render_template(
        "search/index.html",
        args=args,
        on=args.get("on"),
        page=page,
        error=None,
        facet_titles=FACET_TITLES,
        suggestions=_suggestions(args) if page.total == 0 else [],
    )


def _describe(error: ValidationError) -> str:
    fields = "、".join(sorted(error.messages))
    return f"检索条件有误：{fields}"


def _suggestions(args: dict[str, Any]) -> list[dict[str, str]]:
    """Ways out of an empty result: fewer filters, a synonym or a near spelling of the query."""
    found = []
    filters = [k for k in FACET_TITLES if args.get(k)] + (["on"] if args.get("on") else [])
    if filters:
        found.append(
            {"text": "去掉全部筛选条件", "url": url_for("pages_search.index", q=args.get("q", ""))}
        )
    for alternative in suggest(args.get("q", ""), get_settings()):
        found.append(
            {
                "text": f"改为检索“{alternative}”",
                "url": url_for("pages_search.index", q=alternative),
            }
        )
    return found
