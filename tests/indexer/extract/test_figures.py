"""indexer/extract/figures.py: a cell is one figure, read whole, or it is not read at all."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.extract.figures import Figure
from indexer.extract.figures import Unreadable
from indexer.extract.figures import caption_unit
from indexer.extract.figures import header_unit
from indexer.extract.figures import is_empty
from indexer.extract.figures import normalise_unit
from indexer.extract.figures import parse_figure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("760", Figure(D("760"))),
        ("1,100", Figure(D("1100"))),
        ("１，１００", Figure(D("1100"))),
        ("18.50", Figure(D("18.50"))),
        ("500元/人·天", Figure(D("500"), unit="元/人·天")),
        ("500 元/人天", Figure(D("500"), unit="元/人·天")),
        ("20万元", Figure(D("20"), unit="万元")),
        ("1500—2400", Figure(D("1500"), D("2400"))),
        ("1500-2400", Figure(D("1500"), D("2400"))),
        ("1500～2400", Figure(D("1500"), D("2400"))),
        ("1500至2400元", Figure(D("1500"), D("2400"), unit="元")),
        ("900-1440元/人天（税后）", Figure(D("900"), D("1440"), unit="元/人·天（税后）")),
        ("最高不超过500元/学时", Figure(D("500"), unit="元/学时", limit="最高不超过")),
        ("≤450", Figure(D("450"), limit="≤")),
        ("300元以内", Figure(D("300"), unit="元", limit="以内")),
        ("20%", Figure(D("20"), unit="%")),
    ],
)
def test_figures_are_read_whole(text, expected):
    assert parse_figure(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "按实际发生",
        "7-9月",
        "11-2月",
        "30天",
        "2016年",
        "可按上述标准上浮50%",
        "2400—1500",
        "约500",
    ],
)
def test_anything_else_is_unreadable_not_guessed(text):
    with pytest.raises(Unreadable):
        parse_figure(text)


@pytest.mark.parametrize("text", ["", " ", "—", "-", "/", "无", "——"])
def test_blanks_and_dashes_say_nothing(text):
    assert is_empty(text)


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("单位：元/人天", "元/人·天"),
        ("金额单位：元/人.天", "元/人·天"),
        ("（单位：元）", "元"),
        ("注：上表单位为元/间·天。", "元/间·天"),
        ("单位:万元", "万元"),
        ("各单位：", None),
        ("会议费综合定额标准", None),
    ],
)
def test_unit_captions(line, unit):
    assert caption_unit(line) == unit


def test_a_header_carries_its_unit_in_brackets():
    assert header_unit("住宿费（元/人·天）") == "元/人·天"
    assert header_unit("部级（普通套间）") is None


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**6))
def test_any_range_reads_back_its_bounds(low, span):
    high = low + span
    figure = parse_figure(f"{low}—{high}元/人·天")

    assert (figure.value, figure.value_max, figure.unit) == (D(low), D(high), "元/人·天")


def test_units_are_written_as_the_interchange_writes_them():
    assert normalise_unit("元/人.天") == "元/人·天"
    assert normalise_unit("元/人天") == "元/人·天"
    assert normalise_unit("元/间天") == "元/间·天"
    assert normalise_unit("元/平方米·年") == "元/平方米·年"
