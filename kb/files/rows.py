"""The rows of an interchange file: its header mapped to column keys, and each row's cells read
by key, with one problem per bad cell named by row and by the column's Chinese header.

The standards and the documents files share these rules, so that an unknown, repeated or
unnamed column, a missing required one, an over-long cell or an invisible character is reported
the same way by both, and a cell accepted by one is accepted by the other.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import Generic
from typing import Protocol
from typing import TypeVar

from kb.errors import InvalidInput
from kb.errors import RowProblem
from kb.files.cells import clean_text
from kb.files.limits import MAX_CELL_CHARS
from kb.files.tables import Table
from kb.text import invisible_problem

T = TypeVar("T")


class Column(Protocol):
    """What a file's column says of itself: its key, its Chinese header, its length limit."""

    @property
    def key(self) -> str: ...

    @property
    def header(self) -> str: ...

    @property
    def max_length(self) -> int | None: ...


C = TypeVar("C", bound=Column)


class Columns(Generic[C]):
    """The columns of one file format, found by key or by header."""

    def __init__(self, columns: Iterable[C]) -> None:
        self.all: tuple[C, ...] = tuple(columns)
        self.by_key: dict[str, C] = {column.key: column for column in self.all}
        self.headers: dict[str, str] = {column.key: column.header for column in self.all}
        self._by_name: dict[str, C] = {
            **{column.key.lower(): column for column in self.all},
            **{column.header: column for column in self.all},
        }

    def named(self, header: str) -> C | None:
        """The column a header names: its Chinese header, or its key in any letter case."""
        text = unicodedata.normalize("NFKC", header).strip()
        return self._by_name.get(text) or self._by_name.get(text.lower())

    def read_header(
        self, table: Table, required: Iterable[str]
    ) -> tuple[dict[str, str], list[RowProblem]]:
        """Map ``table``'s headers to column keys; report unknown, repeated, unnamed columns and
        the ``required`` ones that are missing."""
        row = table.header_row
        layout: dict[str, str] = {}
        problems: list[RowProblem] = []
        first_header_of: dict[str, str] = {}
        for header in table.headers:
            if not header:
                continue
            column = self.named(header)
            if column is None:
                problems.append(RowProblem(row, header, self._unknown_column_message()))
            elif column.key in first_header_of:
                first = first_header_of[column.key]
                message = f"与“{first}”列重复，同一列只能出现一次"
                problems.append(RowProblem(row, header, message))
            else:
                first_header_of[column.key] = header
                layout[header] = column.key
        for position in table.unnamed_columns:
            problems.append(RowProblem(row, f"第{position}列", "该列有数据但没有列名"))
        for key in required:
            if key not in first_header_of:
                problems.append(RowProblem(row, self.headers[key], "缺少必填列"))
        return layout, problems

    def _unknown_column_message(self) -> str:
        names = "、".join(column.header for column in self.all)
        return f"无法识别的列名，请删除该列或改用以下列名（或其英文键名）：{names}"


class RowReader:
    """Reads one row's cells by column key, collecting a :class:`RowProblem` for each bad cell.

    ``present`` are the keys of the columns the file has: a required cell is reported empty only
    there (a missing required column is reported once, in the header).
    """

    def __init__(
        self,
        columns: Columns[Any],
        number: int,
        values: Mapping[str, str],
        present: Collection[str],
    ) -> None:
        self.columns = columns
        self.number = number
        self.values = values
        self.present = present
        self.problems: list[RowProblem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, self.columns.headers[key], message))

    def has_problem(self, key: str) -> bool:
        header = self.columns.headers[key]
        return any(problem.column == header for problem in self.problems)

    def text(self, key: str, *, required: bool = False) -> str | None:
        """The cleaned text of a cell, None when empty; a problem if required and empty, too
        long, or holding an invisible character."""
        text = clean_text(self.values.get(key, ""))
        limit = self.columns.by_key[key].max_length or MAX_CELL_CHARS
        if text is None and required and key in self.present:
            self.problem(key, "必填项不能为空")
        elif text is not None and len(text) > limit:
            self.problem(key, f"长度为 {len(text)} 个字符，超过上限 {limit} 个字符")
            return None
        elif text is not None and (problem := invisible_problem(text)):
            self.problem(key, problem)
            return None
        return text

    def parsed(self, key: str, parse: Callable[[str], T]) -> T | None:
        """A cell read by ``parse``; its InvalidInput becomes a problem of this cell."""
        text = clean_text(self.values.get(key, ""))
        if text is None:
            return None
        try:
            return parse(text)
        except InvalidInput as exc:
            self.problem(key, exc.message)
            return None
