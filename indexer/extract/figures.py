"""Figures in table cells: a number, a range, a limit, with or without a unit; and unit captions.

A cell is read whole or not at all: ``500``, ``1,100``, ``500元/人·天``, ``1500—2400``,
``不超过500元``, ``20%`` are figures; ``按实际发生`` or ``7-9月`` are not (the second has a
unit that is no amount of money or share), and the caller lists them instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_DASHES = "-－—–―~～〜至到"
_UPPER = r"(?:最高|一般|原则上|每人每天|每天)?(?:不超过|不得超过|不高于|最多|上限为?|≤|<=|＜=|≦)"
_LOWER = r"(?:不低于|不少于|最低|下限为?|≥|>=|≧)"
_FIGURE = re.compile(
    rf"^(?P<before>{_UPPER}|{_LOWER})?\s*(?P<value>{_NUMBER})\s*"
    rf"(?:(?P<unit1>[^\s0-9{_DASHES}]*?)\s*[{_DASHES}]+\s*(?P<high>{_NUMBER}))?\s*"
    r"(?P<unit>[^\s0-9]*?)\s*(?P<after>以内|以下|以上|及以下|及以上)?$"
)
_EMPTY = frozenset({"", "-", "—", "——", "--", "/", "／", "\\", "无", "空", "一", "－", "–"})
#: Units a figure of a standard may carry: amounts of money, and shares.
_MONEY = re.compile(r"^(?:元|万元|千元|亿元|百元)(?:/.+)?$|^%$|^‰$")
_CAPTION = re.compile(
    r"(?:金额|计量|货币)?单位\s*(?:[:：]|为|是)\s*"
    r"(?P<unit>(?:元|万元|千元|亿元|%)[^\s，,；;。)）]*(?:（[^）]*）)?)"
)
_BRACKETED_UNIT = re.compile(
    r"[（(]\s*(?:单位\s*[:：]\s*)?(?P<unit>(?:元|万元|千元|亿元)(?:/[^（）()]+)?)\s*[)）]"
)


@dataclass(frozen=True)
class Figure:
    """A figure read from a cell: value, upper bound of a range, unit and limit wording."""

    value: Decimal
    value_max: Decimal | None = None
    unit: str | None = None
    limit: str | None = None


class Unreadable(ValueError):
    """A cell that holds text where a figure was expected."""


def is_empty(text: str) -> bool:
    """Whether a cell says nothing: blank or a dash."""
    return _normal(text) in _EMPTY


def parse_figure(text: str) -> Figure:
    """The figure a cell holds.

    :raises Unreadable: the cell is not one number, range or limit with a money or share unit.
    """
    cleaned = _normal(text)
    match = _FIGURE.match(cleaned)
    if not match:
        raise Unreadable(text)
    unit = normalise_unit(match["unit"] or match["unit1"] or "") or None
    if match["unit"] and match["unit1"] and normalise_unit(match["unit1"]) != unit:
        raise Unreadable(text)
    if unit is not None and not _MONEY.match(unit):
        raise Unreadable(text)
    value = Decimal(match["value"].replace(",", ""))
    high = Decimal(match["high"].replace(",", "")) if match["high"] else None
    if high is not None and high < value:
        raise Unreadable(text)  # 11-2月 and the like: not a range of amounts
    limit = match["before"] or match["after"] or None
    return Figure(value=value, value_max=high, unit=unit, limit=limit)


def normalise_unit(text: str) -> str:
    """A unit as the interchange writes it: ``元/人天`` and ``元/人.天`` become ``元/人·天``."""
    unit = "".join(unicodedata.normalize("NFKC", text).split())
    unit = re.sub(r"(?<=[\u4e00-\u9fff])[.．•・*](?=[\u4e00-\u9fff])", "·", unit)
    unit = unit.replace("(", "（").replace(")", "）")
    head, slash, per = unit.partition("/")
    if slash and re.fullmatch(r"[人间次车台]+[天日年月次晚夜]", per.split("（")[0]):
        core = per.split("（")[0]
        per = f"{core[:-1]}·{core[-1]}" + per[len(core) :]
    return head + slash + per


def caption_unit(line: str) -> str | None:
    """The unit a caption or note gives, ``单位：元/人·天`` or ``（单位：元）``; None if none."""
    match = _CAPTION.search(_normal_width(line))
    if match:
        return normalise_unit(match["unit"])
    return None


def header_unit(label: str) -> str | None:
    """The unit in a header's brackets, ``住宿费（元/人·天）`` → ``元/人·天``."""
    match = _BRACKETED_UNIT.search(_normal_width(label))
    return normalise_unit(match["unit"]) if match else None


def _normal(text: str) -> str:
    cleaned = _normal_width(text).strip()
    return cleaned.replace("（", "(").replace("）", ")").replace("(税后)", "（税后）")


def _normal_width(text: str) -> str:
    """Full-width digits, letters and signs as ASCII; Chinese punctuation kept."""
    return "".join(
        unicodedata.normalize("NFKC", ch) if ch.isalnum() or ch in "％，．～：" else ch
        for ch in text
    ).replace("％", "%")
