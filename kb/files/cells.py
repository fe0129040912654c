"""Cells of tables: what a spreadsheet cell holds as text (values without float damage, display
widths, text an Office file can store), and the text, date and yes/no rules every interchange file
shares, so that a date or a 是/否 written one way is accepted by the standards and the documents
files alike, or by neither.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from kb.errors import InvalidInput
from kb.vocab import LabelledEnum

#: Numbered rows of cell text, as a sheet holds them: (spreadsheet row number, cells).
Grid = list[tuple[int, list[str]]]

#: Characters XML 1.0 cannot hold (the C0 controls but tab, line feed and carriage return);
#: the name openpyxl gives the same pattern.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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


def display_width(text: str) -> int:
    """Width of the longest line of ``text`` in Excel columns: wide (CJK) characters count two."""
    lines = text.splitlines() or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


def storable_text(text: str) -> str:
    """``text`` without the control characters an Office file (XML) cannot hold."""
    return text if text.isprintable() else ILLEGAL_CHARACTERS_RE.sub("", text)


_ISO_LIKE_DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_CHINESE_DATE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FLAGS: dict[str, bool] = {
    **dict.fromkeys(("是", "true", "1", "y", "yes"), True),
    **dict.fromkeys(("否", "false", "0", "n", "no"), False),
}


def clean_text(raw: str) -> str | None:
    """Text of a cell: line breaks unified, control characters dropped, stripped; None if empty."""
    if raw.isprintable():  # no line break, no control character: the common cell, kept fast
        return raw.strip() or None
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARACTERS.sub("", text).strip()
    return text or None


def parse_date(text: str) -> dt.date:
    """A date written ``2024-05-09``, ``2024/5/9``, ``2024.5.9``, ``2024年5月9日`` or ``20240509``.

    :raises InvalidInput: another form, or no such day (``2024-02-30``).
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _ISO_LIKE_DATE.fullmatch(cleaned)
    if match:
        parts = (match[1], match[3], match[4])
    else:
        match = _CHINESE_DATE.fullmatch(cleaned) or _COMPACT_DATE.fullmatch(cleaned)
        if not match:
            raise InvalidInput(f"“{text.strip()}”不是有效日期，请写作 2024-05-09 或 2024年5月9日")
        parts = (match[1], match[2], match[3])
    try:
        return dt.date(*(int(part) for part in parts))
    except ValueError as exc:
        raise InvalidInput(f"“{text.strip()}”不是有效日期：没有这一天") from exc


def parse_flag(text: str) -> bool:
    """是/否, true/false, yes/no, 1/0 (any letter case, full-width allowed)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    if cleaned not in _FLAGS:
        raise InvalidInput(f"“{text.strip()}”无法识别，请填写“是”或“否”")
    return _FLAGS[cleaned]


def field_text(value: object) -> str:
    """A record's field as interchange cell text: labels for vocabularies, 是/否, exact decimals,
    ISO dates; what every interchange file (standards, documents) and comparison writes."""
    if value is None:
        return ""
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
