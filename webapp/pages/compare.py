"""The comparison page, its bar chart (SVG drawn here) and its XLSX/CSV export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import ValidationError

from kb.errors import InvalidInput
from kb.standards.catalog import choices
from kb.standards.compare import Comparison
from kb.standards.compare import comparison_rows
from webapp.api.compare import run_compare
from webapp.api.schemas.compare import CompareArgs
from webapp.db import get_session
from webapp.downloads import check_export_type
from webapp.downloads import table_download

bp = Blueprint("pages_compare", __name__, url_prefix="/compare")


FIELD_TITLES = {
    "codes": "标准编号",
    "category": "类别",
    "item": "事项",
    "region": "地区",
    "kind": "标准类型",
    "level": "层级",
    "on": "现行有效日期",
}


def _args() -> dict[str, Any]:
    raw = {k: v.strip() for k, v in request.args.items() if v.strip() != "" and k != "format"}
    try:
        return CompareArgs().load(raw)
    except ValidationError as error:
        parts = [
            f"{FIELD_TITLES.get(k, k)}（{k}）{'；'.join(map(str, v))}"
            for k, v in sorted(error.messages.items())
        ]
        raise InvalidInput("对比条件有误：" + "。".join(parts), error.messages) from error


@bp.get("/")
def index() -> str:
    """The comparison form, and the comparison with its chart once filters are given."""
    args = _args()
    options = choices(get_session())
    if not args:
        return render_template(
            "compare/index.html", comparison=None, args={}, chart=None, options=options
        )
    comparison = run_compare(args)
    return render_template(
        "compare/index.html",
        comparison=comparison if comparison.columns else None,
        args=args,
        chart=bar_chart(comparison),
        options=options,
        nothing=not comparison.columns,
        hints=empty_hints(args, options) if not comparison.columns else [],
    )


def empty_hints(args: dict[str, Any], options: Any) -> list[dict[str, str]]:
    """Ways out of an empty comparison: the value meant under another field, or fewer filters."""
    hints = []
    category, item = args.get("category"), args.get("item")
    if category and category in options.items:
        hints.append(
            {
                "text": f"“{category}”是事项，不是类别：按事项对比",
                "url": url_for(
                    "pages_compare.index", **{**_query(args), "category": None, "item": category}
                ),
            }
        )
    if item and item in options.categories:
        hints.append(
            {
                "text": f"“{item}”是类别，不是事项：按类别对比",
                "url": url_for(
                    "pages_compare.index", **{**_query(args), "item": None, "category": item}
                ),
            }
        )
    for name in ("region", "level", "kind", "on"):
        if args.get(name) and len(_query(args)) > 1:
            hints.append(
                {
                    "text": f"去掉“{FIELD_TITLES[name]}”条件",
                    "url": url_for("pages_compare.index", **{**_query(args), name: None}),
                }
            )
    return hints


def _query(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v not in (None, "")}


@bp.get("/export.<fmt>")
def export(fmt: str):
    """The comparison as a CSV or XLSX download."""
    check_export_type(fmt)
    headers, rows = comparison_rows(run_compare(_args()))
    return table_download(headers, rows, fmt, "标准对比")


def bar_chart(comparison: Comparison) -> dict[str, Any] | None:
    """Bar geometry for the normalised values; the template draws it as inline SVG."""
    values = [n.value for n in comparison.normalised]
    present = [v for v in values if v is not None]
    if not present:
        return None
    top = max(present) or 1
    bars = []
    for index, (column, normalised) in enumerate(
        zip(comparison.columns, comparison.normalised, strict=True)
    ):
        if normalised.value is None:
            continue
        bars.append(
            {
                "index": index,
                "label": " ".join(p for p in (column.region, column.item, column.grade) if p),
                "group": column.item,
                "value": normalised.value,
                "width": float(normalised.value / top * 100),
                "outlier": normalised.outlier,
            }
        )
    order = {g.item: i for i, g in enumerate(comparison.groups)}
    bars.sort(key=lambda b: (order.get(b["group"], len(order)), b["index"]))
    median = comparison.stats.median if comparison.stats else None
    return {
        "bars": bars,
        "median_x": float(median / top * 100) if median is not None else None,
        "unit": comparison.target_unit,
    }
