"""标准表提取 page: upload a notice, preview the rows its tables give, import them as drafts.

The preview carries the rows in the form as interchange cells (JSON); importing reads every row
again through the interchange rules and drafts them all in one transaction, through the same
:func:`kb.standards.workflow.create_draft` as the editor's form, so a reviewer publishes them
through the usual workflow. Nothing the browser sends back is trusted more than a typed form.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from indexer.extract import Extraction
from indexer.extract import Scope
from indexer.extract import extract as extract_notice
from indexer.extract.readers import SUFFIXES
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import KbError
from kb.errors import PermissionDenied
from kb.errors import UnsupportedFile
from kb.files.cells import field_text
from kb.standards import interchange
from kb.standards import workflow
from kb.standards.drafts import parse_cells
from kb.vocab import Level
from webapp.api.standards import reindex
from webapp.auth import client_address
from webapp.auth import requires
from webapp.db import get_session
from webapp.errors import STATUS_OF_ERROR

bp = Blueprint("pages_extract", __name__, url_prefix="/extract")

#: The columns the preview shows, by interchange key.
PREVIEW_KEYS = ("name", "region", "grade", "item", "unit", "conditions", "basis")
MAX_ROWS = 2000
FORM_ERRORS = (InvalidInput, Conflict, PermissionDenied, UnsupportedFile)


@bp.route("/", methods=["GET", "POST"])
@requires("draft")
def index() -> str | tuple[str, int]:
    """The upload form; a posted notice comes back as its rows and problems to check."""
    if request.method == "GET":
        return render_template("extract/index.html", found=None, form={}, levels=list(Level))
    form = {
        key: request.form.get(key, "").strip()
        for key in ("level", "region", "domain", "category", "source")
    }
    try:
        found = _extracted(form)
    except FORM_ERRORS as error:
        page = render_template(
            "extract/index.html", found=None, form=form, levels=list(Level), error=error
        )
        return page, _status(error)
    rows = [interchange.record_to_row(row.record) for row in found.rows]
    return render_template(
        "extract/index.html",
        found=found,
        form=form,
        levels=list(Level),
        rows_json=json.dumps(rows, ensure_ascii=False),
        preview=[_preview(row) for row in found.rows],
    )


@bp.post("/import")
@requires("draft")
def import_rows() -> Response | tuple[str, int]:
    """Draft every previewed row in one transaction: all of them, or none and the reason."""
    try:
        cells = _posted_rows()
        records = [parse_cells(row) for row in cells]
        with atomic(get_session()) as session:
            versions = [
                workflow.create_draft(
                    session,
                    record,
                    actor=g.user,
                    reason="由标准表提取导入",
                    address=client_address(),
                )
                for record in records
            ]
    except FORM_ERRORS as error:
        page = render_template(
            "extract/index.html", found=None, form={}, levels=list(Level), error=error
        )
        return page, _status(error)
    reindex(*(version.code for version in versions))
    flash(f"已导入 {len(versions)} 条草案，等待审核")
    return redirect(url_for("pages_workbench.drafts"))


def _extracted(form: dict[str, str]) -> Extraction:
    upload = request.files.get("file")
    if not upload or not upload.filename:
        raise InvalidInput("请上传通知文件（.docx、.pdf、.html 或 .txt）")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedFile(
            f"只能上传 .docx、.pdf、.html 或 .txt 文件，收到 {suffix or '无扩展名'}"
        )
    scope = Scope(
        level=Level.parse(form["level"]) if form["level"] else None,
        region=form["region"] or None,
        domain=form["domain"] or None,
        category=form["category"] or None,
        source=form["source"] or None,
    )
    with tempfile.TemporaryDirectory() as folder:
        # keep the uploaded name: it is the notice's name in every row's note
        path = Path(folder) / Path(upload.filename).name
        upload.save(path)
        return extract_notice(path, scope)


def _posted_rows() -> list[dict[str, str]]:
    try:
        rows = json.loads(request.form.get("rows", ""))
    except ValueError as error:
        raise InvalidInput("提取结果已损坏，请重新上传通知") from error
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
        raise InvalidInput(f"没有可导入的行（每次最多 {MAX_ROWS} 行），请重新上传通知")
    if not all(isinstance(r, dict) and all(isinstance(v, str) for v in r.values()) for r in rows):
        raise InvalidInput("提取结果已损坏，请重新上传通知")
    return rows


def _preview(row: Any) -> dict[str, str]:
    record = row.record
    figure = field_text(record.value)
    if record.value_max is not None:
        figure += "—" + field_text(record.value_max)
    cells = {key: field_text(getattr(record, key)) for key in PREVIEW_KEYS}
    return {**cells, "figure": figure, "place": f"表{row.table}第{row.row}行第{row.column}列"}


def _status(error: KbError) -> int:
    return next(status for kind, status in STATUS_OF_ERROR.items() if isinstance(error, kind))
