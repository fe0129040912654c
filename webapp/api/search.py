"""GET /search: ranked hits over standards, clauses and documents, with facets."""

from __future__ import annotations

import functools
from typing import Any

from flask import Request
from flask import Response
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from indexer.search import SearchPage
from indexer.search import SearchQuery
from indexer.search import search
from webapp.api.dumping import compile_dump
from webapp.api.schemas.search import SearchArgs
from webapp.api.schemas.search import SearchPageSchema
from webapp.auth import restrict_search
from webapp.db import get_settings

URL_PREFIX = "/search"


class FlatQueryParser(FlaskParser):
    """webargs' parser, reading a query string without list fields as a plain dict.

    That is what its ``MultiDictProxy`` hands the schema then (the first value of each key),
    without the ``KeyError`` raised and caught for every field the request leaves out.
    """

    def load_querystring(self, req: Request, schema: Schema) -> Any:
        """Single values as plain strings unless the schema has a list field."""
        if _has_list_fields(schema):
            return super().load_querystring(req, schema)
        return req.args.to_dict()


@functools.lru_cache(maxsize=64)
def _has_list_fields(schema: Schema) -> bool:
    return bool(MultiDictProxy({}, schema).multiple_keys)


class SearchBlueprint(Blueprint):
    """A blueprint whose query arguments are parsed flat (see :class:`FlatQueryParser`)."""

    ARGUMENTS_PARSER = FlatQueryParser()


blp = SearchBlueprint("api_search", __name__, description="检索")

#: Schema instances made once: webargs would build one per request from a class.
SEARCH_ARGS = SearchArgs()
SEARCH_PAGE = SearchPageSchema()
#: ``SEARCH_PAGE.dump`` without marshmallow's per-value walk (same output, see dumping).
dump_search_page = compile_dump(SEARCH_PAGE)


def run_search(args: dict[str, Any]) -> SearchPage:
    """The one search call behind the API, the pages and the standards list, limited to what
    the requester may see (drafts: :func:`webapp.auth.restrict_search`)."""
    return search(get_settings(), SearchQuery(**restrict_search(args)))


@blp.route("")
class Search(MethodView):
    """Search over standards, clauses and documents."""

    @blp.arguments(SEARCH_ARGS, location="query")
    @blp.response(200, SEARCH_PAGE)
    def get(self, args: dict[str, Any]) -> Response:
        """检索标准、条款和文件，返回排序结果、高亮摘要和分面计数"""
        return jsonify(dump_search_page(run_search(args)))
