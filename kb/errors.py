"""The knowledge base's exceptions: each carries a stable ``code``, a Chinese message and details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class KbError(Exception):
    """Base of every error the knowledge base raises on purpose."""

    code = "kb_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(KbError):
    """The record asked for does not exist."""

    code = "not_found"


class InvalidInput(KbError):
    """A value given by the user cannot be understood (a date, a unit, a filter)."""

    code = "invalid_input"


@dataclass(frozen=True)
class RowProblem:
    """One problem in one cell of an imported file; ``row`` counts as a spreadsheet does."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 “{self.column}”列：{self.message}"


class ImportRejected(KbError):
    """A file was refused as a whole; ``details`` lists every problem by row and column."""

    code = "import_rejected"

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"文件 {source} 有 {len(problems)} 处错误，整个文件未导入：\n{lines}",
            [{"row": p.row, "column": p.column, "message": p.message} for p in problems],
        )
        self.problems = problems


class UnsupportedFile(KbError):
    """A file whose type the knowledge base cannot read."""

    code = "unsupported_file"


class Conflict(KbError):
    """A write based on a stale version, or one that clashes with existing data."""

    code = "conflict"


class Unauthorized(KbError):
    """Who is asking is not known: a wrong name or password, an unknown or revoked token."""

    code = "unauthorized"


class PermissionDenied(KbError):
    """The account is known but its role or organisation does not allow the action."""

    code = "forbidden"


class TooManyAttempts(KbError):
    """Too many failed logins: refused for ``retry_after`` seconds."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after
