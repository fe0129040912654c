"""计量单位: read units such as 元/平方米·年 and convert values between them exactly.

A unit is one or more quantities over zero or more quantities, with an optional qualifier in
brackets at the end: ``元/平方米·年``, ``万元/公里·年``, ``元/人·半天（税后）``,
``%（占综合定额标准）``. Every quantity belongs to a family (金额, 面积, 长度, 月数 …) and has an
exact factor to the family's base, kept as a fraction (``quicktions.Fraction``, the standard library's compiled): 1 亩 is exactly
10000/15 平方米, which no decimal can hold.

Two units convert when their families match on both sides of the ``/`` and their qualifiers are
equal (``元/人·天（税后）`` never converts to ``元/人·天``). Days and calendar periods are separate
families on purpose: a year has 12 months and 4 quarters exactly, but not a fixed number of
(working) days, so ``元/人·天`` never converts to ``元/人·月``. Counting words (座, 盏, 次, 学时 …)
each form a family of their own, including ones this module has never seen.

Conversion is exact: the result is the exact decimal whenever one exists (all factors here are
made of 2, 3 and 5, so only a division by 3 — a year into months, 平方米 into 亩 — can fail to
terminate); it keeps at least as many decimal places as the value given. Only a result without a
finite decimal form is rounded, to :data:`INEXACT_PLACES` places, half to even.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from quicktions import Fraction

from kb.errors import InvalidInput
from kb.errors import KbError

#: Decimal places kept when a converted value has no finite decimal form (1/12, 1/3 …).
INEXACT_PLACES = 10


class Incomparable(KbError):
    """Two units measure different things (or carry different qualifiers) and cannot convert."""

    code = "incomparable"


@dataclass(frozen=True)
class Quantity:
    """One named quantity in a unit: its family and its exact factor to the family's base."""

    name: str
    family: str
    factor: Fraction = Fraction(1)


def _family(family: str, **factors: Fraction | int) -> dict[str, Quantity]:
    return {name: Quantity(name, family, Fraction(f)) for name, f in factors.items()}


# Keyword arguments cannot start with "%" or a digit, so a few are added by hand below.
QUANTITIES: dict[str, Quantity] = {
    **_family("金额", 元=1, 千元=1000, 万元=10_000, 亿元=100_000_000),
    **_family("面积", 平方米=1, 公顷=10_000, 亩=Fraction(10_000, 15), 平方公里=1_000_000),
    **_family("长度", 米=1, 公里=1000),
    **_family("体积", 立方米=1, 升=Fraction(1, 1000)),
    **_family("重量", 千克=1, 吨=1000),
    **_family("日数", 天=1, 半天=Fraction(1, 2)),
    **_family("月数", 月=1, 季度=3, 半年=6, 年=12),
    **_family("时数", 小时=1),
    **_family("人数", 人=1),
    "%": Quantity("%", "比例"),
    "‰": Quantity("‰", "比例", Fraction(1, 10)),
}

ALIASES: dict[str, str] = {
    "平米": "平方米",
    "㎡": "平方米",
    "m2": "平方米",
    "m²": "平方米",
    "平方千米": "平方公里",
    "km2": "平方公里",
    "km²": "平方公里",
    "千米": "公里",
    "km": "公里",
    "m": "米",
    "延米": "米",
    "立方": "立方米",
    "方": "立方米",
    "m3": "立方米",
    "m³": "立方米",
    "公斤": "千克",
    "kg": "千克",
    "t": "吨",
    "日": "天",
    "个月": "月",
    "季": "季度",
    "h": "小时",
    "课时": "学时",
    "％": "%",
    "万": "万元",
    "元人民币": "元",
}

_SEPARATORS = str.maketrans(dict.fromkeys("•・‧∙⋅*×･", "·"))
_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）"})
_QUALIFIER = re.compile(r"（([^（）]*)）$")
_COUNTING_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{1,4}")


@dataclass(frozen=True)
class Unit:
    """A parsed unit: quantities above and below the ``/`` and an optional qualifier."""

    numerator: tuple[Quantity, ...]
    denominator: tuple[Quantity, ...] = ()
    qualifier: str | None = None

    @property
    def text(self) -> str:
        """The canonical spelling: ``元/平方米·年``, ``元/人·天（税后）``."""
        text = "·".join(q.name for q in self.numerator)
        if self.denominator:
            text += "/" + self.per
        return text + (f"（{self.qualifier}）" if self.qualifier else "")

    @property
    def per(self) -> str:
        """What the unit is per, as written: ``平方米·年`` (empty for a plain quantity)."""
        return "·".join(q.name for q in self.denominator)

    @property
    def dimension(self) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
        """What the unit measures; units with equal dimensions convert into each other."""
        return (
            tuple(sorted(q.family for q in self.numerator)),
            tuple(sorted(q.family for q in self.denominator)),
            self.qualifier,
        )

    @property
    def factor(self) -> Fraction:
        """The exact factor from this unit to the base units of its dimension."""
        factor = Fraction(1)
        for quantity in self.numerator:
            factor *= quantity.factor
        for quantity in self.denominator:
            factor /= quantity.factor
        return factor

    def __str__(self) -> str:
        return self.text


def parse_unit(text: str | Unit) -> Unit:
    """Read a unit such as ``万元/公里·年`` or ``元/人·半天（税后）``.

    Separators ``·`` ``•`` ``・`` ``*`` and a second ``/`` are all read as "per … and per …";
    brackets of any width around the qualifier are accepted; spaces are ignored.

    :raises InvalidInput: the text is empty or names something that is not a quantity.
    """
    if isinstance(text, Unit):
        return text
    cleaned = "".join(str(text).split()).translate(_SEPARATORS).translate(_BRACKETS)
    qualifier = None
    match = _QUALIFIER.search(cleaned)
    if match:
        qualifier = match.group(1) or None
        cleaned = cleaned[: match.start()]
    if not cleaned:
        raise InvalidInput("计量单位不能为空")
    top, _, bottom = cleaned.partition("/")
    if not top:
        raise InvalidInput(f"无法识别计量单位“{text}”：缺少“/”前的计量对象，如“元/平方米·年”")
    names_below = re.split(r"[/·]", bottom) if "/" in cleaned else []
    if "" in names_below:
        raise InvalidInput(f"无法识别计量单位“{text}”：“/”后缺少计量对象")
    return Unit(
        numerator=tuple(_quantity(name, text) for name in top.split("·")),
        denominator=tuple(_quantity(name, text) for name in names_below),
        qualifier=qualifier,
    )


def _quantity(name: str, text: object) -> Quantity:
    canonical = ALIASES.get(name, ALIASES.get(name.lower(), name))
    if canonical in QUANTITIES:
        return QUANTITIES[canonical]
    if _COUNTING_WORD.fullmatch(canonical):
        # Counting words are an open class (座, 盏, 学时, 车次 …): each measures only itself.
        return Quantity(canonical, canonical)
    raise InvalidInput(f"无法识别计量单位“{text}”中的“{name}”")


def comparable(a: str | Unit, b: str | Unit) -> bool:
    """Whether values in ``a`` and ``b`` convert into each other (``False`` if either is unreadable)."""
    try:
        return parse_unit(a).dimension == parse_unit(b).dimension
    except InvalidInput:
        return False


def conversion_factor(from_unit: str | Unit, to_unit: str | Unit) -> Fraction:
    """The exact factor taking a value in ``from_unit`` to ``to_unit``.

    :raises Incomparable: the units measure different things or carry different qualifiers.
    :raises InvalidInput: either unit cannot be read.
    """
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    if source.dimension != target.dimension:
        raise Incomparable(
            f"计量单位“{source}”与“{target}”无法换算：{_why(source, target)}",
            {"from_unit": source.text, "to_unit": target.text},
        )
    return source.factor / target.factor


def _why(source: Unit, target: Unit) -> str:
    if source.qualifier != target.qualifier:
        return f"限定条件不同（{source.qualifier or '无'} 与 {target.qualifier or '无'}）"
    top_a = "·".join(q.name for q in source.numerator)
    top_b = "·".join(q.name for q in target.numerator)
    if source.dimension[0] != target.dimension[0]:
        return f"{top_a} 与 {top_b} 计量的不是同一种量"
    return f"{source.per or '（无）'} 与 {target.per or '（无）'} 量纲不同"


def convert(value: Decimal, from_unit: str | Unit, to_unit: str | Unit) -> Decimal:
    """``value`` in ``from_unit`` expressed in ``to_unit``, exactly where a decimal can say it.

    The result keeps at least the decimal places of ``value`` (1.50 元/平方米·月 → 18.00
    元/平方米·年). A result with no finite decimal form is rounded half to even to
    :data:`INEXACT_PLACES` places; :func:`is_exact` tells the two cases apart.

    :raises Incomparable: the units do not convert.
    :raises InvalidInput: a unit cannot be read, or ``value`` is not a finite number.
    """
    exact = _exact_result(value, from_unit, to_unit)
    return _to_decimal(exact, _places(value))


def is_exact(value: Decimal, from_unit: str | Unit, to_unit: str | Unit) -> bool:
    """Whether :func:`convert` gives the exact result, without rounding."""
    return _terminates(_exact_result(value, from_unit, to_unit))


def _exact_result(value: Decimal, from_unit: str | Unit, to_unit: str | Unit) -> Fraction:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(f"“{value}”不是有效的数值")
    return Fraction(value) * conversion_factor(from_unit, to_unit)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _terminates(number: Fraction) -> bool:
    denominator = number.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _to_decimal(number: Fraction, min_places: int) -> Decimal:
    """``number`` as a decimal: exact when it terminates, else rounded to INEXACT_PLACES."""
    if not _terminates(number):
        return _scaled(round(number * 10**INEXACT_PLACES), INEXACT_PLACES)
    places = 0
    while (number * 10**places).denominator != 1:
        places += 1
    places = max(places, min_places)
    return _scaled(int(number * 10**places), places)


def _scaled(digits: int, places: int) -> Decimal:
    """``digits × 10^-places`` built from its parts, so no context precision can round it."""
    sign = 1 if digits < 0 else 0
    return Decimal((sign, tuple(int(d) for d in str(abs(digits))), -places))


def common_unit(units: Iterable[str | Unit]) -> Unit:
    """The unit to compare in: the most frequent one of the largest group that converts.

    Ties go to whichever came first. Unreadable units are left out.

    :raises InvalidInput: no readable unit was given.
    """
    parsed = []
    for unit in units:
        try:
            parsed.append(parse_unit(unit))
        except InvalidInput:
            continue
    if not parsed:
        raise InvalidInput("没有可以比较的计量单位")
    group_sizes = Counter(unit.dimension for unit in parsed)
    largest = max(group_sizes.values())
    dimension = next(u.dimension for u in parsed if group_sizes[u.dimension] == largest)
    counts = Counter(u for u in parsed if u.dimension == dimension)
    most = max(counts.values())
    return next(u for u in parsed if u.dimension == dimension and counts[u] == most)
