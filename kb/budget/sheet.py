"""预算表: read a budget sheet (XLSX, CSV, JSON lines) into :class:`~kb.budget.BudgetLine` s.

Sheets come as real budget systems export them: title rows above the header (``2025年度…
预算明细表``, ``金额单位：万元``), merged header cells (a spreadsheet keeps the value in the top-left
cell: it is copied over the whole range), two-row headers such as ``金额（元）`` over
``单价 | 合计``, a 合计 row at the bottom and section rows (``一、会议费``) in between.

* The header row is the one, among the first :data:`HEADER_SCAN_ROWS`, naming the most known
  columns (:data:`HEADERS`, in Chinese or as keys); the row above it is part of the header when
  it names a known column too. A column takes the field of its lowest header cell that names
  one; a money scale (``（元）``, ``（万元）``, ``（千元）``) in any of its header cells, or else a
  ``单位：万元`` in a title row, scales its amounts and unit prices to 元.
* Every other column is kept as it is, for the report; unknown columns are not an error.
* A row that cannot be a line is *broken*, with its row number and the reason in Chinese: no
  事项, a figure that is not a number, a negative amount, a quantity of zero, no way to get a
  unit price. 合计/小计/总计 rows and empty rows are skipped; a section row (``一、会议费``,
  no figures) gives its name as the 类别 of the lines below it that have none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kb.budget.columns import IGNORED_HEADERS
from kb.budget.columns import Column
from kb.budget.columns import field_of
from kb.budget.columns import header_name
from kb.budget.columns import per_of
from kb.budget.figures import MONEY_SCALES
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.budget.rows import Section
from kb.budget.rows import read_row
from kb.budget.rows import row_text
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files.cells import cell_text
from kb.files.tables import read_csv_grid
from kb.files.tables import read_json_list
from kb.files.xlsx import read_xlsx_grids
from kb.regions import local_place_in

HEADER_SCAN_ROWS = 30
_TITLE_REGION = re.compile(r"(?:地区|区域|实施地点|所属地区)\s*[:：]\s*(\S+)")
_TITLE_SCALE = re.compile(r"单位\s*[:：]\s*(万元|千元|元)")
_NO_HEADER = "预算表应有“事项”（或“项目名称”“item”）列，以及数量、单价、金额等列"


@dataclass(frozen=True)
class BudgetSheet:
    """A budget sheet read: its lines, its broken rows, its columns as titled, and notes."""

    lines: tuple[BudgetLine, ...]
    broken: tuple[BrokenRow, ...]
    columns: tuple[str, ...]
    header_row: int = 1
    notes: tuple[str, ...] = ()
    source: str | None = None
    #: The region the title rows above the header name (编制单位：朱家角镇人民政府), if any.
    region: str | None = None


# -- reading ---------------------------------------------------------------------------------


def read_sheet(path: Path | str, *, data: bytes | None = None) -> BudgetSheet:
    """Read a budget sheet from a .xlsx, .csv or .json file (see the module docstring).

    ``data`` is the file's content when it was uploaded: ``path`` then only names it.

    :raises UnsupportedFile: another extension.
    :raises InvalidInput: the file cannot be read, or no header row naming 事项 is found.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".json"):
        raise _unsupported(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"无法读取文件 {path.name}：{exc.strerror or exc}") from exc
    if suffix == ".xlsx":
        return _read_xlsx(data, path.name)
    if suffix == ".csv":
        return read_grid(read_csv_grid(data, path.name), source=path.name)
    return read_records(_json_records(data, path), source=path.name)


def _unsupported(path: Path) -> UnsupportedFile:
    return UnsupportedFile(
        f"不支持的预算表文件类型“{path.suffix or '（无扩展名）'}”（{path.name}），"
        "仅支持 .xlsx、.csv、.json"
    )


def read_records(records: Sequence[Mapping[str, Any]], *, source: str | None = None) -> BudgetSheet:
    """Budget lines given as objects (JSON lines over the API); keys as the headers of a sheet.

    The object at position *i* (from 1) is row *i*.

    :raises InvalidInput: an element is not an object, or no object names 事项 (``item``).
    """
    keys: dict[str, None] = {}
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise InvalidInput(f"第{index}条预算明细应为对象（键值对）", {"row": index})
        keys.update(dict.fromkeys(str(k) for k in record))
    headers = list(keys)
    grid = [(0, headers)]
    grid += [
        (index, [cell_text(record.get(key)) for key in headers])
        for index, record in enumerate(records, start=1)
    ]
    return read_grid(grid, source=source, header_first=True)


def read_grid(
    grid: Sequence[tuple[int, Sequence[str]]],
    *,
    source: str | None = None,
    header_first: bool = False,
) -> BudgetSheet:
    """Read numbered rows of cell text: find the header (or take the first row), then the rows."""
    rows = [(number, [cell.strip() for cell in cells]) for number, cells in grid]
    if not rows:
        return BudgetSheet(lines=(), broken=(), columns=(), source=source)
    position = 0 if header_first else _header_position(rows)
    columns = _columns(rows, position)
    if not any(column.field == "item" for column in columns):
        raise InvalidInput(_NO_HEADER)
    default_scale = _title_scale(rows[:position])
    lines: list[BudgetLine] = []
    broken: list[BrokenRow] = []
    notes: list[str] = []
    section: str | None = None
    for number, cells in rows[position + 1 :]:
        result = read_row(number, cells, columns, default_scale, section)
        if isinstance(result, BudgetLine):
            lines.append(result)
        elif isinstance(result, BrokenRow):
            broken.append(result)
        elif isinstance(result, Section):
            section = result.name
            notes.append(
                f"第{number}行“{result.text}”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别"
            )
        elif result:
            notes.append(f"第{number}行“{row_text(cells)}”为合计行，未作为预算明细核查")
    return BudgetSheet(
        lines=tuple(lines),
        broken=tuple(broken),
        columns=tuple(c.title for c in columns),
        header_row=rows[position][0],
        notes=tuple(notes),
        source=source,
        region=_title_region(rows[:position]),
    )


def _header_position(rows: list[tuple[int, list[str]]]) -> int:
    """The position (in ``rows``) of the header row: the most known fields, the later on a tie."""
    best, best_score = -1, 0
    for position, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        fields = {field_of(cell)[0] for cell in cells}
        if "item" not in fields:
            continue
        score = len(fields - {None}) + sum(1 for c in cells if header_name(c) in IGNORED_HEADERS)
        if score >= best_score and score >= 2:
            best, best_score = position, score
    if best < 0:
        raise InvalidInput(f"在前{HEADER_SCAN_ROWS}行中没有找到表头：{_NO_HEADER}")
    return best


def _columns(rows: list[tuple[int, list[str]]], position: int) -> list[Column]:
    """The sheet's columns, from the header row and the row above it if that is a header too."""
    header = rows[position][1]
    above = rows[position - 1][1] if position > 0 else []
    if not any(field_of(cell)[0] for cell in above) or any(_is_title(cell) for cell in above):
        above = []
    columns: list[Column] = []
    for index, lower in enumerate(header):
        upper = above[index] if index < len(above) else ""
        stack = [text for text in (lower, upper) if text]
        fields = [field_of(text) for text in stack]
        field = next((f for f, _ in fields if f), None)
        scale = next((s for _, s in fields if s is not None), None)
        title = f"{upper}-{lower}" if upper and lower and upper != lower else lower or upper
        if title or field:
            per = next((p for p in map(per_of, stack) if p), None)
            columns.append(Column(index, title or f"第{index + 1}列", field, scale, per))
    return columns


def _is_title(cell: str) -> bool:
    """A title row's label (地区：…, 金额单位：万元), not a header cell."""
    text = cell.strip()
    return text.endswith((":", "：")) or bool(
        _TITLE_SCALE.search(text) or _TITLE_REGION.search(text)
    )


def _title_region(rows: list[tuple[int, list[str]]]) -> str | None:
    """The most specific place of 上海市 the title rows name (a labelled 地区 first)."""
    texts = [cell for _, cells in rows for cell in cells if cell]
    labelled = [m.group(1) for t in texts for m in [_TITLE_REGION.search(t)] if m]
    for text in (*labelled, *texts):
        found = local_place_in(text)
        if found:
            return found
    return None


def _title_scale(rows: list[tuple[int, list[str]]]) -> Decimal:
    for _, cells in rows:
        for cell in cells:
            match = _TITLE_SCALE.search(cell)
            if match:
                return MONEY_SCALES[match.group(1)]
    return Decimal(1)


# -- files -----------------------------------------------------------------------------------


def _read_xlsx(data: bytes, name: str) -> BudgetSheet:
    """The first worksheet with a budget header (a cover sheet or notes may come first)."""
    problem: InvalidInput | None = None
    for grid in read_xlsx_grids(data, name):
        try:
            return read_grid(grid, source=name)
        except InvalidInput as error:
            problem = problem or error
    raise problem or InvalidInput(f"Excel 文件 {name} 中没有工作表")


def _json_records(data: bytes, path: Path) -> list[Mapping[str, Any]]:
    return read_json_list(data, path.name, wrappers=("lines", "items"))
