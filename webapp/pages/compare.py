"""The comparison page, its bar chart (SVG drawn here) and its XLSX/CSV export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from marshmallow import ValidationError

from kb.errors import InvalidInput
from kb.standards.compare import Comparison
from kb.standards.compare import comparison_rows
from webapp.api.compare import run_compare
from webapp.api.schemas import CompareArgs
from webapp.downloads import check_export_type
from webapp.downloads import table_download

bp = Blueprint("pages_compare", __name__, url_prefix="/compare")


def _args() -> dict[str, Any]:
    raw = {k: v for k, v in request.args.items() if v != "" and k != "format"}
    try:
        return CompareArgs().load(raw)
    except ValidationError as error:
        raise InvalidInput(
            "对比条件有误：" + "、".join(sorted(error.messages)), error.messages
        ) from error


@bp.get("/")
def index() -> str:
    args = _args()
    if not args:
        return render_template("compare/index.html", comparison=None, args={}, chart=None)
    comparison = run_compare(args)
    return render_template(
        "compare/index.html", comparison=comparison, args=args, chart=bar_chart(comparison)
    )


@bp.get("/export.<fmt>")
def export(fmt: str):
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
                "label": f"{column.region} {column.grade or ''}".strip(),
                "value": normalised.value,
                "width": float(normalised.value / top * 100),
                "outlier": normalised.outlier,
            }
        )
    median = comparison.stats.median if comparison.stats else None
    return {
        "bars": bars,
        "median_x": float(median / top * 100) if median is not None else None,
        "unit": comparison.target_unit,
    }
