"""预算表核查 page: upload a sheet, see every line coloured by verdict, pick another match, download."""

from __future__ import annotations

import base64
from io import BytesIO
from pathlib import Path

from flask import Blueprint
from flask import render_template
from flask import request
from flask import send_file

from kb.budget_report import report_bytes
from kb.budget_sheet import read_sheet
from kb.errors import InvalidInput
from webapp.api.check import ROW_NUMBER
from webapp.api.check import context_from_form
from webapp.api.check import run_check

bp = Blueprint("pages_check", __name__, url_prefix="/check")

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


@bp.route("/", methods=["GET", "POST"])
def index():
    if request.method == "GET":
        return render_template("check/index.html", report=None, form={}, sheet=None)
    form = context_from_form(request.form)
    name, data = _sheet_bytes()
    overrides = {
        int(key.removeprefix("override-")): code.strip()
        for key, code in request.form.items()
        if key.startswith("override-")
        and ROW_NUMBER.fullmatch(key.removeprefix("override-"))
        and code.strip()
    }
    report = run_check(read_sheet(Path(name), data=data), form, overrides)
    fmt = request.form.get("download")
    if fmt in REPORT_TYPES:
        return send_file(
            BytesIO(report_bytes(report, f".{fmt}")),
            mimetype=REPORT_TYPES[fmt],
            as_attachment=True,
            download_name=f"预算核查报告.{fmt}",
        )
    sheet = {"name": name, "data": base64.b64encode(data).decode("ascii")}
    return render_template(
        "check/index.html", report=report, form=form, sheet=sheet, overrides=overrides
    )


def _sheet_bytes() -> tuple[str, bytes]:
    """The uploaded sheet, or the one carried in the form when the reviewer re-runs the check."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.filename, upload.read()
    carried = request.form.get("sheet_data")
    if carried:
        try:
            return request.form.get("sheet_name", "budget.xlsx"), base64.b64decode(
                carried, validate=True
            )
        except ValueError as error:
            raise InvalidInput("预算表数据已损坏，请重新上传") from error
    raise InvalidInput("请上传预算表（.xlsx 或 .csv）")
