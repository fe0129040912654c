"""How much one file or one request may ask of us: rows per sheet, characters per cell.

Two sets of limits: :data:`REQUEST_LIMITS` for anything a web request or an API client sends
(the answer must come well inside the server's worker timeout), :data:`COMMAND_LIMITS` for the
``kb`` command, run by an administrator on files they chose (the benchmark ingests 100,000
standards from one CSV). The readers in :mod:`kb.files.tables` consult :func:`current`, which is
:data:`COMMAND_LIMITS` unless a caller has entered :func:`bounded` (the web app does, for every
request), so a limit is applied before the work starts, by the reader every feature uses.

=====================  =================  ==================
limit                  web and API         ``kb`` command
=====================  =================  ==================
rows per sheet         12,000              1,000,000
characters per cell    10,000              10,000
=====================  =================  ==================

The upload size (20 MiB) is :data:`kb.files.uploads.MAX_FILE_BYTES`, also the web app's request
body limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from kb.errors import InvalidInput

#: Most characters in one cell of any sheet, and in one free-text field of a standard.
MAX_CELL_CHARS = 10_000


@dataclass(frozen=True)
class Limits:
    """Bounds on one table read: its rows (header and title rows included) and cell length."""

    rows: int
    cell_chars: int = MAX_CELL_CHARS


#: For web pages and the API: the 10,000-line budget sheets the benchmark checks, with room for
#: title, header and total rows; checking that many lines takes about 10 s, well inside the
#: server's 60 s worker timeout (gunicorn.conf.py).
REQUEST_LIMITS = Limits(rows=12_000)
#: For the ``kb`` command: the 100,000-standard benchmark corpus fits in one file, ten times over.
COMMAND_LIMITS = Limits(rows=1_000_000)

_current: ContextVar[Limits] = ContextVar("kb_file_limits", default=COMMAND_LIMITS)


def current() -> Limits:
    """The limits in force for the reads made now."""
    return _current.get()


@contextmanager
def bounded(limits: Limits) -> Iterator[Limits]:
    """Apply ``limits`` to every table read inside the block (the web app wraps each request)."""
    token = _current.set(limits)
    try:
        yield limits
    finally:
        _current.reset(token)


def enter(limits: Limits) -> object:
    """Apply ``limits`` until :func:`leave` is called with the token returned (request hooks)."""
    return _current.set(limits)


def leave(token: object) -> None:
    """Undo :func:`enter`."""
    _current.reset(token)  # type: ignore[arg-type]


def check_row_count(path: Path, rows: int, limits: Limits | None = None) -> None:
    """Refuse a table of more than the rows allowed (the limits in force by default)."""
    limits = limits or current()
    if rows > limits.rows:
        raise InvalidInput(
            f"文件 {path.name} 超过 {limits.rows} 行的上限，请拆分后分批提交",
            {"file": path.name, "limit": limits.rows},
        )


def check_cells(path: Path, row: int, cells: Sequence[str], limits: Limits | None = None) -> None:
    """Refuse a row holding a cell longer than the characters allowed, naming row and column."""
    limits = limits or current()
    for column, cell in enumerate(cells, start=1):
        if len(cell) > limits.cell_chars:
            raise InvalidInput(
                f"文件 {path.name} 第{row}行第{column}列有 {len(cell)} 个字符，"
                f"超过单元格上限 {limits.cell_chars} 个字符",
                {"file": path.name, "row": row, "column": column, "limit": limits.cell_chars},
            )
