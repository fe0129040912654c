"""Interchange files uploaded to an import route, read by the reader of their kind."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import request

from kb.errors import InvalidInput
from kb.errors import UnsupportedFile

#: The formats an interchange file may come in.
IMPORT_SUFFIXES = (".csv", ".xlsx", ".json")

T = TypeVar("T")


def read_uploaded(what: str, read: Callable[[Path], T]) -> tuple[T, str]:
    """``read`` applied to the multipart ``file`` field, and the name it was uploaded under.

    ``what`` names the file in messages (标准文件, 文件信息表). The upload is saved under its own
    suffix in a temporary folder, so the reader picks the format as it does for a local file.

    :raises InvalidInput: no file was sent.
    :raises UnsupportedFile: not .csv, .xlsx or .json.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(f"请以 multipart/form-data 的 file 字段上传{what}")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise UnsupportedFile(f"{what}应为 .csv、.xlsx 或 .json，收到 {suffix or '无扩展名'}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        return read(path), upload.filename
