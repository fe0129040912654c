"""What a spreadsheet cell holds, as text: values without float damage, display widths, and
text an Office file can store."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

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
