"""One row of a budget sheet: a line, a broken row (with the reason), a section title or a total.

合计/小计/总计 rows (also 会议费小计, 合计：) and section titles (一、会议费, 第二部分, or a row
with only its 事项) are never lines: a section names the 类别 of the lines below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kb.amounts import check_figure
from kb.budget.columns import MONEY_FIELDS
from kb.budget.columns import NUMBER_FIELDS
from kb.budget.columns import Column
from kb.budget.columns import header_name
from kb.budget.columns import label
from kb.budget.figures import is_product
from kb.budget.figures import parse_figure
from kb.budget.figures import parse_product
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.errors import InvalidInput
from kb.numerals import SMALL
from kb.numerals import SUBSECTION_LABEL

_TOTAL_WORD = r"(?:总合计|本页合计|合计|总计|小计|共计|累计|total|subtotal)"
#: A row that is a total: 合计, 小计（会议费）, 合计：; or ending so (会议费小计) when it has no
#: quantity or unit price of its own.
_TOTAL_ROW = re.compile(rf"^{_TOTAL_WORD}(?:[:：（(].*)?$", re.IGNORECASE)
_TOTAL_END = re.compile(rf"{_TOTAL_WORD}[:：]?$", re.IGNORECASE)
_SEQUENCE_TITLES = ("序号", "行次", "编号")
_SECTION_ROW = re.compile(
    rf"^(?:[{SMALL}]+[、.．]|{SUBSECTION_LABEL}|第[{SMALL}]+(?:部分|章|节|项))\s*(.+)$"
)


@dataclass(frozen=True)
class Section:
    text: str
    name: str


def read_row(
    number: int,
    cells: list[str],
    columns: list[Column],
    default_scale: Decimal,
    section: str | None,
) -> BudgetLine | BrokenRow | Section | bool | None:
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
        return Section(item, section_match.group(1).strip())
    if not any(texts.get(name) for name in NUMBER_FIELDS):
        if texts.get("unit") or _numbered(original):
            return BrokenRow(number, "缺少数量、单价和金额，无法核查", original)
        return Section(item, item)
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
        unit=texts.get("unit") or product_unit or _price_per(columns, texts),
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
        header_name(title) in _SEQUENCE_TITLES and any(ch.isdigit() for ch in text)
        for title, text in original
    )


def _price_per(columns: list[Column], texts: dict[str, str]) -> str | None:
    """The unit a row's price column names in its header (单价（元/人·天）), if it has a price."""
    if not texts.get("unit_price"):
        return None
    return next((c.per for c in columns if c.field == "unit_price" and c.per), None)


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
        else:
            scale = (scales.get(name) or default_scale) if name in MONEY_FIELDS else None
            values[name] = parse_figure(text, scale, column=label(name))
        if values[name] is not None:
            check_figure(values[name], label=label(name))
    return values


def _problem(values: dict[str, Any]) -> str | None:
    for name in NUMBER_FIELDS:
        value = values.get(name)
        if value is not None and value < 0:
            return f"“{label(name)}”不能为负数"
    if values.get("quantity") == 0:
        return "数量为0，无法计算单价"
    has_quantity = values.get("quantity") is not None or (
        values.get("persons") is not None and values.get("days") is not None
    )
    if values.get("unit_price") is None and not (has_quantity and values.get("amount") is not None):
        return "缺少单价，且数量或金额不全，无法计算单价"
    return None


def row_text(cells: list[str]) -> str:
    """A row's first filled cells, to name it in a note."""
    return " ".join(cell for cell in cells if cell)[:40]
