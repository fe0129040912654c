"""Tables in files: read and write CSV, XLSX and JSON as rows of text, by the file's extension.

This package is the only place that reads or writes spreadsheets: CSV and JSON here, XLSX in
:mod:`kb.files.xlsx` (python-calamine reads, XlsxWriter writes). Everything it returns is
text, so that the layer above decides what a cell means and no figure is ever damaged by a
float on the way. Every CSV cell that would start a formula is neutralised on the way out
and restored on the way in (:func:`neutralise_formula`).

Row numbers count as a spreadsheet does: the first row of a CSV or XLSX file is 1. For JSON,
the object at 1-based index *i* gets row *i* + 1, so that the first record is row 2, as it would
be below a header row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files import limits as files_limits
from kb.files.cells import Grid
from kb.files.cells import cell_text
from kb.files.limits import check_cells
from kb.files.limits import check_row_count
from kb.files.uploads import check_upload
from kb.files.xlsx import read_first_grid
from kb.files.xlsx import write_xlsx

#: The extensions this module reads and writes, with the Chinese name shown to users.
SUPPORTED_FORMATS: dict[str, str] = {".csv": "CSV", ".xlsx": "Excel（.xlsx）", ".json": "JSON"}


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


def _read_xlsx(path: Path) -> Table:
    return _table_from_grid(read_first_grid(path))


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


def decode_text(data: bytes, path: Path) -> str:
    """Decode as UTF-8 (BOM or not), else as GB18030, what Excel on Chinese Windows writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"无法识别文件 {path.name} 的编码，请另存为 UTF-8 编码的 CSV 后重试")


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
    ".xlsx": write_xlsx,
    ".json": _write_json,
}
