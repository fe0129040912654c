"""kb/units.py: units read in every spelling, converted exactly, refused when they differ."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.errors import InvalidInput
from kb.errors import KbError
from kb.units import Incomparable
from kb.units import common_unit
from kb.units import comparable
from kb.units import conversion_factor
from kb.units import convert
from kb.units import is_exact
from kb.units import parse_unit


@pytest.mark.parametrize(
    ("text", "canonical", "per", "qualifier"),
    [
        ("元/平方米·年", "元/平方米·年", "平方米·年", None),
        ("元/平方米·月", "元/平方米·月", "平方米·月", None),
        ("万元/公里·年", "万元/公里·年", "公里·年", None),
        ("元/人·天", "元/人·天", "人·天", None),
        ("元/人·半天（税后）", "元/人·半天（税后）", "人·半天", "税后"),
        ("元/学时(税后)", "元/学时（税后）", "学时", "税后"),
        ("元/座·年", "元/座·年", "座·年", None),
        ("元/盏·年", "元/盏·年", "盏·年", None),
        ("元/平方米", "元/平方米", "平方米", None),
        ("%（占综合定额标准）", "%（占综合定额标准）", "", "占综合定额标准"),
        ("元/次", "元/次", "次", None),
        ("元/吨", "元/吨", "吨", None),
        ("元/立方米", "元/立方米", "立方米", None),
        (" 元 / 平米 / 年 ", "元/平方米·年", "平方米·年", None),
        ("元/㎡•月", "元/平方米·月", "平方米·月", None),
        ("元/人・日【税后】", "元/人·天（税后）", "人·天", "税后"),
        ("千元/千米*年", "千元/公里·年", "公里·年", None),
        ("元/车次", "元/车次", "车次", None),
        ("平方米", "平方米", "", None),
    ],
)
def test_parse_unit_reads_every_spelling(text, canonical, per, qualifier):
    unit = parse_unit(text)

    assert (unit.text, unit.per, unit.qualifier, str(unit)) == (
        canonical,
        per,
        qualifier,
        canonical,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "计量单位不能为空"),
        ("/年", "无法识别计量单位“/年”：缺少“/”前的计量对象，如“元/平方米·年”"),
        ("元/", "无法识别计量单位“元/”：“/”后缺少计量对象"),
        ("元//年", "无法识别计量单位“元//年”：“/”后缺少计量对象"),
        ("元/abc", "无法识别计量单位“元/abc”中的“abc”"),
        ("元/平方米·", "无法识别计量单位“元/平方米·”：“/”后缺少计量对象"),
    ],
)
def test_parse_unit_refuses_what_it_cannot_read(text, message):
    with pytest.raises(InvalidInput) as error:
        parse_unit(text)

    assert error.value.message == message


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("1.50", "元/平方米·月", "元/平方米·年", "18.00"),
        ("2.10", "元/平方米·月", "元/平方米·年", "25.20"),
        ("18.50", "元/平方米·年", "元/平方米·季度", "4.625"),
        ("900", "元/人·半天（税后）", "元/人·天（税后）", "1800"),
        ("1800", "元/人·天（税后）", "元/人·半天（税后）", "900"),
        ("6.8", "万元/公里·年", "元/米·年", "68.0"),
        ("68000", "元/公里·年", "万元/公里·年", "6.8"),
        ("760", "元/人·天", "万元/人·天", "0.076"),
        ("1", "元/亩", "元/平方米", "0.0015"),
        ("30", "元/平方米·年", "元/公顷·年", "300000"),
        ("12.00", "元/平方米·年", "元/平方米·年", "12.00"),
        ("70", "%（占综合定额标准）", "‰（占综合定额标准）", "700"),
        ("138000", "元/座·年", "元/座·月", "11500"),
    ],
)
def test_convert_is_exact_and_keeps_the_decimal_places_given(value, source, target, expected):
    result = convert(Decimal(value), source, target)

    assert (str(result), is_exact(Decimal(value), source, target)) == (expected, True)


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("1", "元/平方米·年", "元/平方米·月", "0.0833333333"),
        ("1", "元/平方米", "元/亩", "666.6666666667"),
        ("100", "元/盏·年", "元/盏·季度", "25"),
    ],
)
def test_convert_rounds_only_results_without_a_finite_decimal(value, source, target, expected):
    assert str(convert(Decimal(value), source, target)) == expected


def test_is_exact_tells_rounded_results_apart():
    assert is_exact(Decimal(1), "元/平方米", "元/亩") is False
    assert is_exact(Decimal(5), "元/平方米·年", "元/平方米·月") is False
    assert is_exact(Decimal(3), "元/平方米·年", "元/平方米·月") is True
    assert is_exact(Decimal(12), "元/平方米·年", "元/平方米·月") is True


def test_conversion_factor_keeps_the_mu_exact():
    assert conversion_factor("元/亩", "元/平方米") == Fraction(3, 2000)
    assert conversion_factor("万元/公里·年", "元/米·月") == Fraction(5, 6)


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (
            "元/人·天",
            "元/平方米·年",
            "计量单位“元/人·天”与“元/平方米·年”无法换算：人·天 与 平方米·年 量纲不同",
        ),
        ("元/人·天", "元/人·月", "计量单位“元/人·天”与“元/人·月”无法换算：人·天 与 人·月 量纲不同"),
        ("元/座·年", "元/盏·年", "计量单位“元/座·年”与“元/盏·年”无法换算：座·年 与 盏·年 量纲不同"),
        (
            "元/人·天（税后）",
            "元/人·天",
            "计量单位“元/人·天（税后）”与“元/人·天”无法换算：限定条件不同（税后 与 无）",
        ),
        (
            "%（占综合定额标准）",
            "元/人·天",
            "计量单位“%（占综合定额标准）”与“元/人·天”无法换算：限定条件不同（占综合定额标准 与 无）",
        ),
        (
            "元/平方米",
            "平方米",
            "计量单位“元/平方米”与“平方米”无法换算：元 与 平方米 计量的不是同一种量",
        ),
    ],
)
def test_convert_refuses_units_that_do_not_convert(source, target, message):
    with pytest.raises(Incomparable) as error:
        convert(Decimal(1), source, target)

    assert isinstance(error.value, KbError)
    assert (error.value.code, error.value.message) == ("incomparable", message)
    assert error.value.details == {
        "from_unit": parse_unit(source).text,
        "to_unit": parse_unit(target).text,
    }


def test_convert_refuses_values_that_are_not_numbers():
    with pytest.raises(InvalidInput):
        convert(Decimal("NaN"), "元/次", "元/次")


def test_comparable():
    assert comparable("元/平方米·月", "万元/公顷·年")
    assert comparable(parse_unit("元/人·半天"), "元/人·天")
    assert not comparable("元/人·天", "元/人·天（税后）")
    assert not comparable("元/人·天", "元/abc")


def test_common_unit_is_the_most_frequent_of_the_largest_convertible_group():
    units = [
        "元/座·年",
        "元/平方米·月",
        "元/平方米·年",
        "元/座·年",
        "元/平方米·年",
        "元/平方米·季度",
    ]

    assert common_unit(units).text == "元/平方米·年"
    assert common_unit(["元/平方米·月", "元/平方米·年"]).text == "元/平方米·月"
    assert common_unit(["元/abc", "元/次"]).text == "元/次"


def test_common_unit_needs_a_readable_unit():
    with pytest.raises(InvalidInput):
        common_unit(["", "元/abc"])


# -- properties ------------------------------------------------------------------------------

AREA_PER_PERIOD = [
    f"{m}/{a}·{t}"
    for m in ("元", "千元", "万元")
    for a in ("平方米", "公顷", "亩")
    for t in ("月", "季度", "半年", "年")
]
PER_DAY = [f"元/人·{d}{q}" for d in ("天", "半天") for q in ("", "（税后）")]
decimals = st.decimals(
    min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)


@given(decimals, st.sampled_from(AREA_PER_PERIOD), st.sampled_from(AREA_PER_PERIOD))
def test_a_round_trip_after_an_exact_conversion_gives_the_value_back(value, source, target):
    there = convert(value, source, target)
    if is_exact(value, source, target):
        assert convert(there, target, source) == value


@given(
    decimals,
    st.sampled_from(["元/公里·年", "万元/米·年", "千元/公里·半年"]),
    st.sampled_from(["元/米·年", "万元/公里·半年"]),
)
def test_factors_of_two_and_five_always_round_trip(value, source, target):
    assert is_exact(value, source, target)
    assert convert(convert(value, source, target), target, source) == value


@given(
    st.sampled_from(PER_DAY),
    st.lists(st.sampled_from([" ", "\u3000", ""]), min_size=4, max_size=4),
    st.sampled_from(["·", "•", "・", "*", "/"]),
    st.sampled_from(["（）", "()", "【】", "[]"]),
)
def test_spelling_variants_parse_to_the_same_unit(unit, spaces, separator, brackets):
    base = parse_unit(unit)
    qualifier = f"{brackets[0]}{base.qualifier}{brackets[1]}" if base.qualifier else ""
    head, tail = base.numerator[0].name, base.denominator
    text = f"{spaces[0]}{head}{spaces[1]}/{tail[0].name}{spaces[2]}{separator}{tail[1].name}{spaces[3]}{qualifier}"

    assert parse_unit(text) == base
