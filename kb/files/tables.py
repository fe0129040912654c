"""Tables in files: read and write CSV, XLSX and JSON as rows of text.

This is the only module that touches ``csv``, ``openpyxl``, ``python_calamine`` and ``json``
for tables. Everything it returns is text, so that the layer above decides what a cell means
and no figure is ever damaged by a float on the way.

Row numbers count as a spreadsheet does: the first row of a CSV or XLSX file is 1. For JSON,
the object at 1-based index *i* gets row *i* + 1, so that the first record is row 2, as it would
be below a header row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import posixpath
import re
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.parsers import expat

import openpyxl
import python_calamine
from defusedxml import ElementTree as SafeElementTree
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files import limits as files_limits
from kb.files.uploads import check_sheet_extent
from kb.files.uploads import check_upload

#: The extensions this module reads and writes, with the Chinese name shown to users.
SUPPORTED_FORMATS: dict[str, str] = {".csv": "CSV", ".xlsx": "Excel（.xlsx）", ".json": "JSON"}

# What openpyxl may raise on a file that is not a readable workbook: a broken zip, a missing
# part, malformed or hostile XML (defusedxml raises ValueError subclasses, ElementTree a
# SyntaxError subclass), or a file system error.
_WORKBOOK_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    SyntaxError,
    OSError,
)

#: Numbered rows of cell text, as a sheet holds them: (spreadsheet row number, cells).
Grid = list[tuple[int, list[str]]]

_MAX_COLUMN_WIDTH = 60
_MIN_COLUMN_WIDTH = 8


@dataclass(frozen=True)
class Table:
    """A header and the non-empty rows below it, every cell as text.

    ``headers`` keeps the file's column positions, a blank header cell as ``""``. ``rows`` pairs
    each spreadsheet row number with a mapping from header to cell text (``""`` for a cell
    missing from a short row); blank headers are left out of it, and when a header repeats the
    mapping holds the first such column. ``unnamed_columns`` lists the 1-based positions of
    columns that hold data under a blank header: the caller decides whether that is an error.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    header_row: int = 1
    unnamed_columns: tuple[int, ...] = ()


def read_table(path: Path) -> Table:
    """Read a .csv, .xlsx or .json file into a :class:`Table`.

    The file is checked first (:func:`kb.files.uploads.check_upload`): size, true type, zip bombs.

    :raises UnsupportedFile: the extension is none of .csv, .xlsx, .json, or the content is
        of another type.
    :raises InvalidInput: the file cannot be read or decoded, or is refused as hostile; the
        message names the file.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise _unsupported(path)
    check_upload(path)
    return reader(path)


def write_table(path: Path, headers: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Write rows of text under ``headers`` to a .csv, .xlsx or .json file, replacing it whole.

    CSV is UTF-8 with a byte order mark so that Excel opens it correctly; XLSX cells are text,
    so that decimals keep their exact digits; JSON is a list of objects, ``""`` written as null.

    :raises UnsupportedFile: the extension is none of .csv, .xlsx, .json.
    :raises InvalidInput: the file cannot be written (no such folder, no permission).
    """
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise _unsupported(path)
    grid = [[str(row.get(header, "") or "") for header in headers] for row in rows]
    try:
        _replace_atomically(path, lambda tmp: writer(tmp, list(headers), grid))
    except OSError as exc:
        raise InvalidInput(f"无法写入文件 {path}：{exc.strerror or exc}") from exc


# -- reading ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> Table:
    return _table_from_grid(read_csv_grid(_read_bytes(path), path.name))


def read_csv_grid(data: bytes, name: str) -> Grid:
    """The numbered rows of a CSV file's cells, as written before :func:`neutralise_formula`.

    Reading stops, and the file is refused, at the first row or cell past the limits in force
    (:mod:`kb.files.limits`), so a 200,000-row file costs no more than its first rows.

    :raises InvalidInput: undecodable, malformed, or over the limits.
    """
    path = Path(Path(name).name or "table.csv")
    text = decode_text(data, path)
    limits = files_limits.current()
    grid: Grid = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            check_row_count(path, number, limits)
            check_cells(path, number, cells, limits)
            grid.append((number, [restore_formula(cell) for cell in cells]))
    except csv.Error as exc:
        raise InvalidInput(f"无法读取 CSV 文件 {path.name}：{exc}") from exc
    return grid


def check_row_count(path: Path, rows: int, limits: files_limits.Limits | None = None) -> None:
    """Refuse a table of more than the rows allowed (the limits in force by default)."""
    limits = limits or files_limits.current()
    if rows > limits.rows:
        raise InvalidInput(
            f"文件 {path.name} 超过 {limits.rows} 行的上限，请拆分后分批提交",
            {"file": path.name, "limit": limits.rows},
        )


def check_cells(
    path: Path, row: int, cells: Sequence[str], limits: files_limits.Limits | None = None
) -> None:
    """Refuse a row holding a cell longer than the characters allowed, naming row and column."""
    limits = limits or files_limits.current()
    for column, cell in enumerate(cells, start=1):
        if len(cell) > limits.cell_chars:
            raise InvalidInput(
                f"文件 {path.name} 第{row}行第{column}列有 {len(cell)} 个字符，"
                f"超过单元格上限 {limits.cell_chars} 个字符",
                {"file": path.name, "row": row, "column": column, "limit": limits.cell_chars},
            )


def decode_text(data: bytes, path: Path) -> str:
    """Decode as UTF-8 (BOM or not), else as GB18030, what Excel on Chinese Windows writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"无法识别文件 {path.name} 的编码，请另存为 UTF-8 编码的 CSV 后重试")


def _read_xlsx(path: Path) -> Table:
    try:
        with warnings.catch_warnings():
            # Excel features openpyxl drops (data validation extensions, …) only warn.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                # Some writers record wrong sheet dimensions; read the rows as they are.
                sheet.reset_dimensions()
                grid = []
                cells = 0
                limits = files_limits.current()
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells += len(values)
                    check_sheet_extent(path, number, cells)
                    if any(value is not None for value in values):
                        check_row_count(path, number, limits)
                        texts = [cell_text(value) for value in values]
                        check_cells(path, number, texts, limits)
                        grid.append((number, texts))
            finally:
                workbook.close()
    except IndexError as exc:
        raise InvalidInput(f"Excel 文件 {path.name} 中没有工作表") from exc
    except _WORKBOOK_ERRORS as exc:
        raise InvalidInput(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx 格式") from exc
    return _table_from_grid(grid)


def cell_text(value: Any) -> str:
    """The text of a spreadsheet cell value, without float damage: 18.5 → "18.5", 760.0 → "760"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer():
        return str(int(value))
    # repr is the shortest text that reads back as the same float: what the user typed.
    return format(Decimal(repr(value)), "f")


def _read_json(path: Path) -> Table:
    objects = read_json_list(_read_bytes(path), path.name, wrappers=("standards",))
    for index, item in enumerate(objects, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"JSON 文件 {path.name} 的第{index}个元素不是对象")
    keys = _json_keys(objects)
    limits = files_limits.current()
    grid = []
    for index, obj in enumerate(objects, start=1):
        cells = [_json_cell(obj.get(key), path, index, key) for key in keys]
        check_cells(path, index + 1, cells, limits)
        grid.append((index + 1, cells))
    return _table_from_grid(grid, headers=[key.strip() for key in keys])


def load_json(data: bytes, name: str) -> Any:
    """A JSON file's content, numbers and NaN/Infinity kept as their literal text (no float).

    :raises InvalidInput: undecodable, malformed, or nested too deeply.
    """
    path = Path(Path(name).name or "data.json")
    text = decode_text(data, path)
    try:
        return json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"无法读取 JSON 文件 {path.name}：第{exc.lineno}行第{exc.colno}列格式错误"
        ) from exc
    except (RecursionError, ValueError) as exc:
        raise InvalidInput(f"无法读取 JSON 文件 {path.name}：{_json_problem(exc)}") from exc


def read_json_list(data: bytes, name: str, *, wrappers: Sequence[str] = ()) -> list[Any]:
    """A JSON file holding a list, or an object holding it under one of ``wrappers``
    (``{"standards": [...]}``), bounded by the rows allowed (:mod:`kb.files.limits`).

    :raises InvalidInput: unreadable, not such a list, or too long.
    """
    path = Path(Path(name).name or "data.json")
    value = load_json(data, name)
    if isinstance(value, dict):
        value = next((value[k] for k in wrappers if isinstance(value.get(k), list)), value)
    if not isinstance(value, list):
        shape = "、".join(f'{{"{key}": [...]}}' for key in wrappers)
        raise InvalidInput(
            f"JSON 文件 {path.name} 应为对象数组" + (f"，或形如 {shape} 的对象" if shape else "")
        )
    check_row_count(path, len(value) + 1)
    return value


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "数组或对象嵌套过深"
    return f"格式错误（{exc}）"[:200]


def _json_keys(objects: list[dict[str, Any]]) -> tuple[str, ...]:
    """Every key of every object, in order of first appearance."""
    keys: dict[str, None] = {}
    for obj in objects:
        keys.update(dict.fromkeys(obj))
    return tuple(keys)


def _json_cell(value: Any, path: Path, index: int, key: str) -> str:
    if isinstance(value, dict | list):
        raise InvalidInput(
            f"JSON 文件 {path.name} 第{index}个对象的“{key}”应为文本或数字，不能是对象或数组"
        )
    return cell_text(value)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {path.name}：{exc.strerror or exc}") from exc


def _table_from_grid(
    grid: Iterable[tuple[int, Sequence[str]]], headers: Sequence[str] | None = None
) -> Table:
    """Build a Table; without ``headers``, the first non-empty row is the header."""
    numbered = [(number, list(cells)) for number, cells in grid if _has_text(cells)]
    header_row = 1
    if headers is None:
        if not numbered:
            return Table(headers=(), rows=())
        header_row, header_cells = numbered.pop(0)
        headers = [cell.strip() for cell in header_cells]
    data = [cells for _, cells in numbered]
    width = max([_last_filled(headers), *(_last_filled(cells) for cells in data)])
    padded = tuple(headers[i] if i < len(headers) else "" for i in range(width))
    unnamed = tuple(
        i + 1 for i in range(width) if not padded[i] and any(_cell(cells, i) for cells in data)
    )
    rows = tuple((number, _row_mapping(padded, cells)) for number, cells in numbered)
    return Table(headers=padded, rows=rows, header_row=header_row, unnamed_columns=unnamed)


def _has_text(cells: Sequence[str]) -> bool:
    return any(cell.strip() for cell in cells)


def _last_filled(cells: Sequence[str]) -> int:
    """How many cells there are up to and including the last non-blank one."""
    return max((i + 1 for i, cell in enumerate(cells) if cell.strip()), default=0)


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _row_mapping(headers: tuple[str, ...], cells: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        if header:
            mapping.setdefault(header, cells[index] if index < len(cells) else "")
    return mapping


# -- writing ---------------------------------------------------------------------------------


def _write_csv(path: Path, headers: list[str], grid: list[list[str]]) -> None:
    path.write_bytes(csv_bytes(headers, grid))


def csv_bytes(headers: Sequence[str], grid: Iterable[Sequence[str]]) -> bytes:
    """A CSV file of ``headers`` and rows of text: UTF-8 with a byte order mark (what Excel on
    Chinese Windows opens correctly), every cell passed through :func:`neutralise_formula`.

    Every CSV we write goes through here: exports, the compare and audit downloads, the check
    report.
    """
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow([neutralise_formula(text) for text in headers])
    writer.writerows([neutralise_formula(text) for text in cells] for cells in grid)
    return stream.getvalue().encode("utf-8-sig")


# A cell a spreadsheet would run as a formula starts with one of these (OWASP, "CSV Injection");
# the leading quotes make the rule reversible, see neutralise_formula.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def neutralise_formula(text: str) -> str:
    """``text`` made inert for a spreadsheet: a cell that would start a formula (``=`` ``+`` ``-``
    ``@``, tab, carriage return) gets a leading ``'``, as OWASP recommends; plain numbers
    (``-12.5``) stay as they are.

    Text already starting with quotes before such a character gets one more, so that
    :func:`restore_formula` gives back exactly what was written, whatever it was.
    """
    if text and _FORMULA_START.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore_formula(text: str) -> str:
    """The cell text :func:`neutralise_formula` was given (the inverse; other text unchanged)."""
    if text.startswith("'") and neutralise_formula(text[1:]) == text:
        return text[1:]
    return text


def _write_xlsx(path: Path, headers: list[str], grid: list[list[str]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    bold = Font(bold=True)
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _set_text(cell, header)
        cell.font = bold
    for row_number, cells in enumerate(grid, start=2):
        for column, text in enumerate(cells, start=1):
            if text:
                cell = sheet.cell(row=row_number, column=column)
                _set_text(cell, text)
    sheet.freeze_panes = "A2"
    for column, width in enumerate(_column_widths(headers, grid), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    workbook.save(path)


def _set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a text cell, even when it looks like a number or a formula."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"
    cell.number_format = "@"


def _column_widths(headers: list[str], grid: list[list[str]]) -> list[float]:
    widths = []
    for index, header in enumerate(headers):
        longest = max([display_width(header), *(display_width(row[index]) for row in grid)])
        widths.append(min(_MAX_COLUMN_WIDTH, max(_MIN_COLUMN_WIDTH, longest + 2)))
    return widths


def display_width(text: str) -> int:
    """Width of the longest line of ``text`` in Excel columns: wide (CJK) characters count two."""
    lines = text.splitlines() or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


def _write_json(path: Path, headers: list[str], grid: list[list[str]]) -> None:
    objects = [
        {header: (text if text else None) for header, text in zip(headers, cells, strict=True)}
        for cells in grid
    ]
    with path.open("w", encoding="utf-8") as stream:
        json.dump(objects, stream, ensure_ascii=False, indent=2)
        stream.write("\n")


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside ``path`` and move it into place, so no half file remains."""
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- XLSX as grids of text (budget sheets) ---------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = f"{_REL_NS}/officeDocument"
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")
_CALAMINE_ERRORS = (python_calamine.CalamineError, *_WORKBOOK_ERRORS)


@dataclass(frozen=True)
class _SheetScan:
    """What a worksheet's XML says before any reader expands it: how many rows and columns
    its cells span from A1, and the text of its error cells by 0-based (row, column)."""

    rows: int
    columns: int
    errors: dict[tuple[int, int], str]


def read_xlsx_grids(data: bytes, name: str) -> list[Grid]:
    """Every worksheet of an .xlsx file, in workbook order, as numbered rows of cell text from
    A1, each merged range filled with the text of its top-left cell (as a reader sees a merged
    header).

    The file is checked as any upload (:func:`kb.files.uploads.check_upload`), and each worksheet's
    extent is bounded from its XML before a cell is read (:func:`kb.files.uploads.check_sheet_extent`:
    a few bytes can name cell XFD1048576). Cells are read with python-calamine, some fifteen
    times faster than openpyxl; an error cell keeps the text Excel shows (``#DIV/0!``), so that
    a figure column holding one is reported rather than read as empty.

    :raises InvalidInput: the file is refused or cannot be read, or a sheet is too large.
    :raises UnsupportedFile: the content is of another type.
    """
    path = Path(Path(name).name or "budget.xlsx")
    _check_upload_bytes(data, path)
    try:
        scans = _scan_sheets(data, path)
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            return [
                _grid(workbook.get_sheet_by_name(meta.name), scans.get(meta.name), path)
                for meta in workbook.sheets_metadata
                if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
    except _CALAMINE_ERRORS as exc:
        raise _damaged_workbook(path) from exc
    except BaseException as exc:
        # The Rust reader panics on some malformed files; PyO3 raises that as a BaseException.
        if type(exc).__name__ == "PanicException":
            raise _damaged_workbook(path) from exc
        raise


def _damaged_workbook(path: Path) -> InvalidInput:
    return InvalidInput(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx 格式")


def _check_upload_bytes(data: bytes, path: Path) -> None:
    """:func:`kb.files.uploads.check_upload` for an upload held in memory, named as uploaded."""
    with tempfile.TemporaryDirectory(prefix="kb-upload-") as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(data)
        check_upload(copy, suffix=".xlsx")


def _scan_sheets(data: bytes, path: Path) -> dict[str, _SheetScan]:
    """Every worksheet part scanned (refused when too large), by the sheet name it holds.

    Any part with sheet data is scanned, whether the workbook names it or not: the reader
    must meet no worksheet whose extent was not bounded.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        scans = {}
        for member in archive.namelist():
            xml = archive.read(member)
            if b"sheetData" in xml:
                scans[member] = _scan_sheet(xml, path)
        return {
            sheet: scans[part] for sheet, part in _sheet_parts(archive).items() if part in scans
        }


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip member holding it, through the package's relationships."""
    workbook = next(
        (
            target
            for target, kind in _relationships(archive, "").values()
            if kind == _OFFICE_DOCUMENT
        ),
        None,
    )
    if workbook is None or workbook not in archive.NameToInfo:
        return {}
    targets = _relationships(archive, workbook)
    parts = {}
    for sheet in SafeElementTree.fromstring(archive.read(workbook)).iter(f"{{{_MAIN_NS}}}sheet"):
        target, _ = targets.get(sheet.get(f"{{{_REL_NS}}}id", ""), ("", ""))
        parts[sheet.get("name", "")] = target
    return parts


def _relationships(archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """The relationships of a part (``""``: the package) as id → (member, type)."""
    folder, _, file = source.rpartition("/")
    listing = posixpath.join(folder, "_rels", f"{file}.rels")
    if listing not in archive.NameToInfo:
        return {}
    found = {}
    for rel in SafeElementTree.fromstring(archive.read(listing)).iter(
        f"{{{_PACKAGE_REL_NS}}}Relationship"
    ):
        target = rel.get("Target", "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found[rel.get("Id", "")] = (posixpath.normpath(member), rel.get("Type", ""))
    return found


def _scan_sheet(xml: bytes, path: Path) -> _SheetScan:
    """The extent and error cells of a worksheet's XML, refusing one too large to expand.

    Parsed with expat (C speed; the upload check has already refused any DTD or entity), so a
    reference hidden in text or quoted unusually is read as a parser reads it, never guessed.
    """
    walker = _SheetWalker()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = walker.start
    if b"e" in xml and (b'"e"' in xml or b"'e'" in xml):  # an error cell may be present
        parser.EndElementHandler = walker.end
        parser.CharacterDataHandler = walker.text
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise _damaged_workbook(path) from exc
    check_sheet_extent(path, walker.rows, walker.rows * walker.columns)
    check_row_count(path, walker.rows)
    return _SheetScan(walker.rows, walker.columns, walker.errors)


class _SheetWalker:
    """Places rows and cells as a reader does: at their stated reference, else right after the
    previous one; keeps the cached text of error cells (``t="e"``)."""

    def __init__(self) -> None:
        self.row = self.column = self.rows = self.columns = 0
        self.errors: dict[tuple[int, int], str] = {}
        self._error_at: tuple[int, int] | None = None
        self._value: list[str] | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition("}")[2]
        if local == "row":
            stated = attributes.get("r", "")
            self.row, self.column = (int(stated) if stated.isdigit() else self.row + 1), 0
        elif local == "c":
            ref = _CELL_REF.fullmatch(attributes.get("r", ""))
            if ref:
                self.row, self.column = int(ref.group(2)), column_index(ref.group(1))
            else:
                self.column += 1
            self.rows, self.columns = max(self.rows, self.row), max(self.columns, self.column)
            is_error = attributes.get("t") == "e"
            self._error_at = (self.row - 1, self.column - 1) if is_error else None
        elif local == "v" and self._error_at is not None:
            self._value = []

    def end(self, name: str) -> None:
        local = name.rpartition("}")[2]
        if local == "v" and self._value is not None and self._error_at is not None:
            self.errors[self._error_at] = "".join(self._value)
            self._value = None
        elif local == "c":
            self._error_at = None

    def text(self, data: str) -> None:
        if self._value is not None:
            self._value.append(data)


def column_index(letters: bytes | str) -> int:
    """The 1-based number of a column: ``A`` → 1, ``AB`` → 28."""
    text = letters.decode("ascii") if isinstance(letters, bytes) else letters
    number = 0
    for letter in text:
        number = number * 26 + ord(letter) - 64
    return number


def _grid(sheet: Any, scan: _SheetScan | None, path: Path) -> Grid:
    """A worksheet's rows of text from A1, error cells as Excel shows them, merged ranges
    filled; as wide and as long as its cells and merged ranges reach."""
    merged = [
        (top, left, bottom, right)
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()
    ]
    values = sheet.to_python(skip_empty_area=False)
    height = max([len(values), *(bottom + 1 for _, _, bottom, _ in merged)])
    width = max([len(values[0]) if values else 0, *(right + 1 for _, _, _, right in merged)])
    check_sheet_extent(path, height, height * width)
    check_row_count(path, height)
    grid = [[v if type(v) is str else cell_text(v) for v in row] for row in values]
    limits = files_limits.current()
    for number, cells in enumerate(grid, start=1):
        check_cells(path, number, cells, limits)
    grid += [[] for _ in range(height - len(grid))]
    for cells in grid:
        cells.extend([""] * (width - len(cells)))
    for (row, column), text in (scan.errors if scan else {}).items():
        if row < height and column < width:
            grid[row][column] = text
    for top, left, bottom, right in merged:
        value = grid[top][left]
        for cells in grid[top : bottom + 1]:
            cells[left : right + 1] = [value] * (right + 1 - left)
    return list(enumerate(grid, start=1))


def _unsupported(path: Path) -> UnsupportedFile:
    allowed = "、".join(SUPPORTED_FORMATS)
    hint = "；.xls 请在 Excel 中另存为 .xlsx" if path.suffix.lower() == ".xls" else ""
    return UnsupportedFile(
        f"不支持的文件类型“{path.suffix or '（无扩展名）'}”（{path.name}），仅支持 {allowed}{hint}"
    )


_READERS: dict[str, Callable[[Path], Table]] = {
    ".csv": _read_csv,
    ".xlsx": _read_xlsx,
    ".json": _read_json,
}

_WRITERS: dict[str, Callable[[Path, list[str], list[list[str]]], None]] = {
    ".csv": _write_csv,
    ".xlsx": _write_xlsx,
    ".json": _write_json,
}
