"""Tables sent as downloads, .xlsx or .csv, written by :func:`kb.files.tables.write_table`."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from flask import send_file
from werkzeug.wrappers import Response

from kb.errors import UnsupportedFile
from kb.files.tables import write_table

EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def check_export_type(fmt: str) -> None:
    """Refuse a format we cannot write, before any work is done for it."""
    if fmt not in EXPORT_TYPES:
        raise UnsupportedFile(f"不支持导出为 .{fmt}，可选 .xlsx 或 .csv")


def table_download(
    headers: Sequence[str], rows: Iterable[Mapping[str, str]], fmt: str, name: str
) -> Response:
    """``headers`` and ``rows`` as the attachment ``<name>.<fmt>``."""
    check_export_type(fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"table.{fmt}"
        write_table(path, headers, rows)
        data = path.read_bytes()
    return send_file(
        BytesIO(data),
        mimetype=EXPORT_TYPES[fmt],
        as_attachment=True,
        download_name=f"{name}.{fmt}",
    )
