"""The comparison page, its bar chart (SVG drawn here) and its XLSX/CSV export."""

from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from flask import send_file
from marshmallow import ValidationError

from kb.compare import Comparison
from kb.compare import comparison_rows
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.tabular import write_table
from webapp.api.compare import run_compare
from webapp.api.schemas import CompareArgs

bp = Blueprint("pages_compare", __name__, url_prefix="/compare")

EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


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
    if fmt not in EXPORT_TYPES:
        raise UnsupportedFile(f"不支持导出为 .{fmt}，可选 .xlsx 或 .csv")
    comparison = run_compare(_args())
    headers, rows = comparison_rows(comparison)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"comparison.{fmt}"
        write_table(path, headers, rows)
        data = path.read_bytes()
    return send_file(
        BytesIO(data),
        mimetype=EXPORT_TYPES[fmt],
        as_attachment=True,
        download_name=f"标准对比.{fmt}",
    )


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
