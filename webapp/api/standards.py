"""GET /standards, /standards/<code>, /standards/<code>/versions."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from kb import history
from kb import standards
from webapp.api.schemas import SearchPageSchema
from webapp.api.schemas import StandardArgs
from webapp.api.schemas import StandardListArgs
from webapp.api.schemas import StandardSchema
from webapp.api.schemas import VersionsSchema
from webapp.api.search import run_search
from webapp.db import get_session

URL_PREFIX = "/standards"
blp = Blueprint("api_standards", __name__, description="标准及其版本")


@blp.route("")
class StandardList(MethodView):
    @blp.arguments(StandardListArgs, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, args: dict):
        """标准列表，筛选条件与检索相同（不带 q 时按生效日期排序）"""
        return run_search({**args, "type": "standard"})


@blp.route("/<code>")
class StandardDetail(MethodView):
    @blp.arguments(StandardArgs, location="query")
    @blp.response(200, StandardSchema)
    def get(self, args: dict, code: str):
        """一条标准：当前版本，或 on=日期 时现行有效的版本，或 version=N"""
        return standards.get(get_session(), code, on=args.get("on"), version=args.get("version"))


@blp.route("/<code>/versions")
class StandardVersions(MethodView):
    @blp.response(200, VersionsSchema)
    def get(self, code: str):
        """一条标准的全部版本及逐字段变化"""
        standard = standards.find(get_session(), code)
        return {"code": code, "versions": history.annotated_versions(standard)}
