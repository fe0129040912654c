"""GET /search: ranked hits over standards, clauses and documents, with facets."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from indexer.search import SearchPage
from indexer.search import SearchQuery
from indexer.search import search
from webapp.api.schemas import SearchArgs
from webapp.api.schemas import SearchPageSchema
from webapp.db import get_settings

URL_PREFIX = "/search"
blp = Blueprint("api_search", __name__, description="检索")


def run_search(args: dict[str, Any]) -> SearchPage:
    """The one search call behind the API, the pages and the standards list."""
    return search(get_settings(), SearchQuery(**args))


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, args: dict[str, Any]):
        """检索标准、条款和文件，返回排序结果、高亮摘要和分面计数"""
        return run_search(args)
