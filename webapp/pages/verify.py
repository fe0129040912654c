"""依据核查 page: paste a text or upload a .docx, see every citation's status."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint
from flask import render_template
from flask import request

from indexer.loaders import load
from kb.citing.verify import MAX_TEXT_CHARACTERS
from kb.citing.verify import check_length
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from webapp.api.verify import verification
from webapp.db import get_session

bp = Blueprint("pages_verify", __name__, url_prefix="/verify")

UPLOAD_SUFFIXES = (".docx", ".txt")


@bp.route("/", methods=["GET", "POST"])
def index() -> str:
    """The paste-a-text citation check."""
    if request.method == "GET":
        return render_template(
            "verify/index.html", text="", result=None, max_characters=MAX_TEXT_CHARACTERS
        )
    text = request.form.get("text", "")
    check_length(text)
    upload = request.files.get("file")
    if upload and upload.filename:
        text = _read_upload(upload)
        check_length(text)
    if not text.strip():
        raise InvalidInput("请粘贴要核查的文字，或上传 .docx 文件")
    result = verification(get_session(), text)
    return render_template(
        "verify/index.html", text=text, result=result, max_characters=MAX_TEXT_CHARACTERS
    )


def _read_upload(upload) -> str:  # noqa: ANN001 - werkzeug FileStorage
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UnsupportedFile(f"只能上传 .docx 或 .txt 文件，收到 {suffix or '无扩展名'}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        return load(path).text
