"""Cells of imported tables: the text, date and yes/no rules every interchange file shares.

The standards and the documents interchange files read their cells with these, so that a date
or a 是/否 written one way is accepted by both or by neither.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from kb.errors import InvalidInput

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
