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

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kb.budget.figures import MONEY_SCALES
from kb.budget.figures import is_product
from kb.budget.figures import parse_figure
from kb.budget.figures import parse_product
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files.tables import cell_text
from kb.files.tables import decode_text
from kb.files.tables import read_xlsx_grids
from kb.regions import local_place_in

#: Known columns: field → header spellings (the key itself is accepted too, in any case).
HEADERS: dict[str, tuple[str, ...]] = {
    "item": (
        *("事项", "项目名称", "项目", "名称", "费用名称", "支出事项", "预算事项", "明细事项"),
        *("支出项目", "费用项目", "项目内容", "内容", "经济分类", "支出内容"),
    ),
    "category": ("类别", "费用类别", "支出类别", "分类", "费用类型", "项目类别"),
    "quantity": ("数量", "工作量", "工程量"),
    "unit": ("计量单位", "单位", "数量单位"),
    "unit_price": ("单价", "标准单价", "预算单价", "测算单价"),
    "amount": (
        *("金额", "合计", "预算金额", "小计", "总价", "预算数", "申报金额", "总额"),
        *("金额合计", "预算合计", "测算金额", "申报数"),
    ),
    "region": ("地区", "区域", "实施地区", "所属地区", "街镇", "实施地点"),
    "grade": ("等级", "标准等级", "档次", "级别", "类型等级"),
    "persons": ("人数", "参会人数", "参训人数", "人员数"),
    "days": ("天数", "会期", "会期天数", "培训天数"),
}
#: Headers that are known but not read: they help find the header row.
IGNORED_HEADERS = ("序号", "备注", "说明", "编号", "行次")
HEADER_SCAN_ROWS = 30
NUMBER_FIELDS = ("quantity", "unit_price", "amount", "persons", "days")
MONEY_FIELDS = ("unit_price", "amount")
_FIELD_BY_NAME: dict[str, str] = {
    name: key for key, names in HEADERS.items() for name in (key, *names)
}
_BRACKET = re.compile(r"[（(]([^（）()]*)[）)]")
_TITLE_REGION = re.compile(r"(?:地区|区域|实施地点|所属地区)\s*[:：]\s*(\S+)")
_TITLE_SCALE = re.compile(r"单位\s*[:：]\s*(万元|千元|元)")
_TOTAL_WORD = r"(?:总合计|本页合计|合计|总计|小计|共计|累计|total|subtotal)"
#: A row that is a total: 合计, 小计（会议费）, 合计：; or ending so (会议费小计) when it has no
#: quantity or unit price of its own.
_TOTAL_ROW = re.compile(rf"^{_TOTAL_WORD}(?:[:：（(].*)?$", re.IGNORECASE)
_TOTAL_END = re.compile(rf"{_TOTAL_WORD}[:：]?$", re.IGNORECASE)
_SEQUENCE_TITLES = ("序号", "行次", "编号")
_SECTION_ROW = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部分章节项])"
    r"\s*(.+)$"
)
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


@dataclass(frozen=True)
class Column:
    """One column of the sheet: its title for the report, its field and its money scale."""

    index: int
    title: str
    field: str | None
    scale: Decimal | None = None


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
        return read_grid(_csv_grid(data, path), source=path.name)
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
        result = _read_row(number, cells, columns, default_scale, section)
        if isinstance(result, BudgetLine):
            lines.append(result)
        elif isinstance(result, BrokenRow):
            broken.append(result)
        elif isinstance(result, _Section):
            section = result.name
            notes.append(
                f"第{number}行“{result.text}”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别"
            )
        elif result:
            notes.append(f"第{number}行“{_row_text(cells)}”为合计行，未作为预算明细核查")
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
        score = len(fields - {None}) + sum(1 for c in cells if _header_name(c) in IGNORED_HEADERS)
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
            columns.append(Column(index, title or f"第{index + 1}列", field, scale))
    return columns


def _is_title(cell: str) -> bool:
    """A title row's label (地区：…, 金额单位：万元), not a header cell."""
    text = cell.strip()
    return text.endswith((":", "：")) or bool(
        _TITLE_SCALE.search(text) or _TITLE_REGION.search(text)
    )


def field_of(header: str) -> tuple[str | None, Decimal | None]:
    """The field a header names and the money scale it states: ``金额（万元）`` → amount, 10000."""
    text = unicodedata.normalize("NFKC", header or "")
    text = "".join(text.split())
    scale = None
    for inside in _BRACKET.findall(text):
        scale = scale or _scale_of(inside)
    name = _header_name(text)
    return _FIELD_BY_NAME.get(name) or _FIELD_BY_NAME.get(name.lower()), scale


def _header_name(text: str) -> str:
    """A header without brackets or spaces: ``单价（元/人·天）`` → ``单价``."""
    bare = _BRACKET.sub("", unicodedata.normalize("NFKC", text or ""))
    return "".join(bare.split()).rstrip(":：")


def _scale_of(text: str) -> Decimal | None:
    for name, scale in MONEY_SCALES.items():
        if text.startswith(name):
            return scale
    return None


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


@dataclass(frozen=True)
class _Section:
    text: str
    name: str


def _read_row(
    number: int,
    cells: list[str],
    columns: list[Column],
    default_scale: Decimal,
    section: str | None,
) -> BudgetLine | BrokenRow | _Section | bool | None:
    """A line, a broken row, a section row, True for a 合计 row, None for an empty one."""
    width = columns[-1].index + 1 if columns else 0
    if len(cells) < width:
        cells = cells + [""] * (width - len(cells))
    original = tuple([(c.title, cells[c.index]) for c in columns])
    if not any(text for _, text in original):
        return None
    texts, scales = _fields(cells, columns)
    item = texts.get("item", "")
    if _is_total(item, texts) or (not item and any(_TOTAL_ROW.match(t) for _, t in original)):
        return True
    if not item:
        return BrokenRow(number, "缺少事项（项目名称）", original)
    section_match = _SECTION_ROW.match(item)
    if section_match and not texts.get("quantity") and not texts.get("unit_price"):
        # a section title, perhaps with its subtotal: never a line
        return _Section(item, section_match.group(1).strip())
    if not any(texts.get(name) for name in NUMBER_FIELDS):
        if texts.get("unit") or _numbered(original):
            return BrokenRow(number, "缺少数量、单价和金额，无法核查", original)
        return _Section(item, item)
    try:
        values = _figures(texts, scales, default_scale)
    except InvalidInput as error:
        return BrokenRow(number, error.message, original)
    problem = _problem(values)
    if problem:
        return BrokenRow(number, problem, original)
    product_unit = values.pop("unit", None)
    return BudgetLine(
        row=number,
        item=item,
        unit=texts.get("unit") or product_unit,
        region=texts.get("region") or None,
        grade=texts.get("grade") or None,
        category=texts.get("category") or section,
        cells=original,
        **values,
    )


def _is_total(item: str, texts: dict[str, str]) -> bool:
    compact = "".join(item.split())
    if _TOTAL_ROW.match(compact):
        return True
    return (
        bool(_TOTAL_END.search(compact))
        and not texts.get("quantity")
        and not texts.get("unit_price")
    )


def _numbered(original: tuple[tuple[str, str], ...]) -> bool:
    """Whether the row has a number in a 序号 column: a line, not a title."""
    return any(
        _header_name(title) in _SEQUENCE_TITLES and any(ch.isdigit() for ch in text)
        for title, text in original
    )


def _fields(
    cells: list[str], columns: list[Column]
) -> tuple[dict[str, str], dict[str, Decimal | None]]:
    """Each field's text and money scale, from the first of its columns that is filled in
    (``cells`` reach the last column)."""
    texts: dict[str, str] = {}
    scales: dict[str, Decimal | None] = {}
    for column in columns:
        text = cells[column.index]
        if column.field and text and column.field not in texts:
            texts[column.field], scales[column.field] = text, column.scale
    return texts, scales


def _figures(
    texts: dict[str, str], scales: dict[str, Decimal | None], default_scale: Decimal
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in NUMBER_FIELDS:
        text = texts.get(name, "")
        if name == "quantity" and is_product(text):
            values[name], values["unit"] = parse_product(text)
            continue
        scale = (scales.get(name) or default_scale) if name in MONEY_FIELDS else None
        values[name] = parse_figure(text, scale, column=_label(name))
    return values


def _label(name: str) -> str:
    return HEADERS[name][0]


def _problem(values: dict[str, Any]) -> str | None:
    for name in NUMBER_FIELDS:
        value = values.get(name)
        if value is not None and value < 0:
            return f"“{_label(name)}”不能为负数"
    if values.get("quantity") == 0:
        return "数量为0，无法计算单价"
    has_quantity = values.get("quantity") is not None or (
        values.get("persons") is not None and values.get("days") is not None
    )
    if values.get("unit_price") is None and not (has_quantity and values.get("amount") is not None):
        return "缺少单价，且数量或金额不全，无法计算单价"
    return None


# -- files -----------------------------------------------------------------------------------


def _csv_grid(data: bytes, path: Path) -> list[tuple[int, list[str]]]:
    text = decode_text(data, path)
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        raise InvalidInput(f"无法读取 CSV 文件 {path.name}：{exc}") from exc


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
    text = decode_text(data, path)
    try:
        data = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"无法读取 JSON 文件 {path.name}：第{exc.lineno}行格式错误") from exc
    if isinstance(data, dict):
        data = data.get("lines", data.get("items"))
    if not isinstance(data, list):
        raise InvalidInput(f'JSON 文件 {path.name} 应为对象数组，或形如 {{"lines": [...]}} 的对象')
    return data


def _row_text(cells: list[str]) -> str:
    """A row's first filled cells, to name it in a note."""
    return " ".join(cell for cell in cells if cell)[:40]
