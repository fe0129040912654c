"""Chinese numerals, defined once for clause labels, articles, grades and dates.

Every module that reads 第十五条, （三）, 二是, 一类 or 二〇二四年 builds its patterns from the
character classes and pattern pieces here, so that the grammar cannot drift between modules
(issue 11: ``basis`` once left out 千 and 两 that ``verify`` accepted).
"""

from __future__ import annotations

DIGITS = "零〇一二三四五六七八九两"
"""Characters that stand for a digit (两 = 2, 〇 = 0)."""

SMALL = "一二三四五六七八九十"
"""The numerals used in part, item and point labels (一、 （三） 二是): one to nineteen-ish."""

FULL = "一二三四五六七八九十百千零〇两"
"""Every character a Chinese integer may use, up to the thousands (第一百零八条)."""

YEAR_DIGITS = "〇零一二三四五六七八九"
"""The digits a year is written with, one by one (二〇二四)."""

ARTICLE_NUMBER = rf"[{FULL}0-9]+"
"""The number of an article, chapter or section: Chinese or Arabic (第十五条, 第15条)."""

SECTION_LABEL = rf"[{SMALL}]+、"
"""A part label at the head of a paragraph: ``一、``."""

SUBSECTION_LABEL = rf"[（(][{SMALL}]+[）)]"
"""A sub-part label: ``（三）``."""

POINT_LABEL = rf"[{SMALL}]+是"
"""A run-in point: ``一是``."""

DATE = (
    rf"(?P<year>[\d{YEAR_DIGITS}]{{4}})年"
    rf"(?P<month>[\d{YEAR_DIGITS}十]{{1,3}})月(?P<day>[\d{YEAR_DIGITS}十]{{1,3}})日"
)
"""A date written 2024年5月9日 or 二〇二四年五月九日, with named groups year, month, day."""

_DIGIT_VALUES = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_number(text: str) -> int:
    """A numeral as an int: ``十五`` → 15, ``一百零八`` → 108, ``二〇二四`` → 2024, ``15`` → 15.

    A run of digits without multipliers (``二〇二四``) is read digit by digit, as years are written.
    """
    if text.isdigit():
        return int(text)
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


def chinese_numeral(number: int) -> str:
    """``number`` (0–9999) as clause labels write it: 15 → 十五, 108 → 一百零八, 110 → 一百一十.

    :raises ValueError: a number outside 0–9999.
    """
    if not 0 <= number <= 9999:
        raise ValueError(f"{number} is outside 0–9999")
    if number == 0:
        return "零"
    digits = "零一二三四五六七八九"
    words, zero = [], False
    for unit, name in _UNITS:
        count, number = divmod(number, unit)
        if count:
            if zero:
                words.append("零")
            words.append(("" if unit == 10 and not words and count == 1 else digits[count]) + name)
            zero = False
        elif words:
            zero = True
    if number:
        words.append(("零" if zero else "") + digits[number])
    return "".join(words)
