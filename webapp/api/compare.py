"""GET /compare: standards side by side, normalised to a common unit, with statistics."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from kb.errors import InvalidInput
from kb.standards.comparables import select_for_comparison
from kb.standards.compare import Comparison
from kb.standards.compare import compare
from webapp.api.schemas.compare import CompareArgs
from webapp.api.schemas.compare import ComparisonSchema
from webapp.auth import visible_only
from webapp.db import get_session

URL_PREFIX = "/compare"
blp = Blueprint("api_compare", __name__, description="同类标准对比")

MAX_COMPARED = 200


def run_compare(args: dict[str, Any]) -> Comparison:
    """The comparison behind the API, the page and its exports."""
    codes = [c.strip() for c in args.get("codes", "").split(",") if c.strip()]
    filters = {k: args.get(k) for k in ("category", "item", "region", "kind", "level")}
    if not codes and not any(filters.values()):
        raise InvalidInput("请给出要对比的标准编号（codes），或类别、事项、地区等筛选条件")
    versions = visible_only(
        select_for_comparison(get_session(), codes=codes or None, on=args.get("on"), **filters)
    )
    if len(versions) > MAX_COMPARED:
        raise InvalidInput(
            f"一次最多对比 {MAX_COMPARED} 条标准，当前 {len(versions)} 条，请缩小范围"
        )
    return compare(versions)


@blp.route("")
class Compare(MethodView):
    """Standards side by side, with their statistics."""

    @blp.arguments(CompareArgs, location="query")
    @blp.response(200, ComparisonSchema)
    def get(self, args: dict[str, Any]):
        """对比：按编号或筛选条件选取标准，逐字段对齐，折算到共同单位并给出统计"""
        return run_compare(args)
