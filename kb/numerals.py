"""Chinese numerals, defined once for clause labels, articles, grades and dates.

Every module that reads 第十五条, （三）, 二是, 一类 or 二〇二四年 builds its patterns from the
character classes here, so that the grammar cannot drift between modules.
"""

from __future__ import annotations

DIGITS = "零〇一二三四五六七八九两"
"""Characters that stand for a digit (两 = 2, 〇 = 0)."""

SMALL = "一二三四五六七八九十"
"""The numerals used in part, item and point labels (一、 （三） 二是): one to nineteen-ish."""

FULL = "一二三四五六七八九十百千零〇两"
"""Every character a Chinese integer may use, up to the thousands (第一百零八条)."""

_DIGIT_VALUES = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """A Chinese numeral as an int: ``十五`` → 15, ``一百零八`` → 108, ``二〇二四`` → 2024.

    A run of digits without multipliers (``二〇二四``) is read digit by digit, as years are written.
    """
    if text and all(ch in _DIGIT_VALUES for ch in text) and len(text) > 1:
        return int("".join(str(_DIGIT_VALUES[ch]) for ch in text))
    total = current = 0
    for ch in text:
        if ch in _DIGIT_VALUES:
            current = _DIGIT_VALUES[ch]
        else:
            total += (current or 1) * _MULTIPLIERS[ch]
            current = 0
    return total + current
