"""POST /check: a budget sheet (JSON lines or a CSV/XLSX upload) → a verdict per line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import jsonify
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from indexer import collector
from indexer.budget_check import check_sheet
from indexer.budget_check import check_upload
from kb.budget.lines import CheckContext
from kb.budget.lines import CheckReport
from kb.budget.sheet import read_sheet
from kb.errors import InvalidInput
from webapp.api.dumping import compile_dump
from webapp.api.schemas.check import CheckReportSchema
from webapp.api.schemas.check import CheckRequest
from webapp.db import get_session
from webapp.db import get_settings

URL_PREFIX = "/check"
ROW_NUMBER = re.compile(r"[0-9]{1,7}")
blp = Blueprint("api_check", __name__, description="预算表核查")
CHECK_REPORT = CheckReportSchema()
#: ``CHECK_REPORT.dump`` without marshmallow's per-value walk (same output, see dumping): a
#: 10,000-line answer holds a million values.
dump_check_report = compile_dump(CHECK_REPORT)


def run_check(
    source: Any, form: dict[str, Any], overrides: dict[int, str] | None = None
) -> CheckReport:
    """The one budget check behind the API, the page and the command line."""
    return check_sheet(
        get_settings(), get_session(), source, _context(form), overrides=overrides or {}
    )


def run_upload_check(
    name: str, data: bytes, form: dict[str, Any], overrides: dict[int, str] | None = None
) -> CheckReport:
    """:func:`run_check` of an uploaded file, remembered: the page's download of the report
    is written from the check the page showed (:func:`indexer.budget_check.check_upload`)."""
    return check_upload(
        get_settings(), get_session(), name, data, _context(form), overrides=overrides or {}
    )


def _context(form: dict[str, Any]) -> CheckContext:
    return CheckContext(
        region=form.get("region"),
        on=form.get("on"),
        level=form.get("level"),
        grade=form.get("grade"),
    )


def parse_overrides(raw: dict[str, str] | None) -> dict[int, str]:
    """Read ``{row number: standard code}`` choices; a bad key or an empty code is refused."""
    overrides = {}
    for row, code in (raw or {}).items():
        if not ROW_NUMBER.fullmatch(str(row)) or not code.strip():
            raise InvalidInput("overrides 应为 {行号: 标准编号}", {"overrides": row})
        overrides[int(row)] = code.strip()
    return overrides


def context_from_form(values: Any) -> dict[str, Any]:
    """Project context from form fields, checked like the JSON request."""
    try:
        return CheckRequest(partial=("lines",)).load(
            {k: v for k, v in values.items() if k in ("region", "on", "level", "grade") and v}
        )
    except ValidationError as error:
        raise InvalidInput(
            "项目信息有误：" + "、".join(sorted(error.messages)), error.messages
        ) from error


def uploaded_sheet(upload: Any) -> Any:
    """Read an uploaded budget sheet by its file name's format."""
    data = upload.read()
    return read_sheet(Path(upload.filename or "budget"), data=data)


@blp.route("")
class Check(MethodView):
    """The budget check: JSON lines or an uploaded sheet in, verdicts out."""

    @blp.response(200, CHECK_REPORT)
    @blp.doc(
        requestBody={
            "content": {
                "application/json": {"schema": CheckRequest},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "region": {"type": "string"},
                            "on": {"type": "string", "format": "date"},
                            "level": {"type": "string"},
                            "grade": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                },
            }
        }
    )
    def post(self):
        """逐行对照适用标准：匹配的标准与引用、折算单价、差额和结论（符合、超标准、低于下限、无适用标准、无法比较）

        JSON（lines）与上传（file）的参数和默认值相同：region 不填则取预算表表头中的地区，仍无则按上海市；
        on（核查日期）默认今天。合计、小计行和分组标题不作为明细核查。
        """
        if request.files.get("file"):
            form = context_from_form(request.form)
            with collector.paused():
                return jsonify(
                    dump_check_report(run_check(uploaded_sheet(request.files["file"]), form))
                )
        body = request.get_json(silent=True)
        if body is None:
            raise InvalidInput(
                "请提交 JSON（lines，可选 region、on），或以 multipart/form-data 上传预算表"
                "（file，可选 region、on）"
            )
        try:
            args = CheckRequest().load(body)
        except ValidationError as error:
            raise InvalidInput("请求参数有误", error.messages) from error
        report = run_check(args["lines"], args, parse_overrides(args.get("overrides")))
        return jsonify(dump_check_report(report))
