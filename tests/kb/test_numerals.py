import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.textfix import CLAUSE_LABEL
from kb.citing.basis import clause_path_of
from kb.citing.citations import clause_words
from kb.citing.citations import read_clause
from kb.citing.finding import find_citations
from kb.numerals import DATE
from kb.numerals import chinese_number
from kb.numerals import chinese_numeral


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("八", 8),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("一百零八", 108),
        ("两千", 2000),
        ("二〇二四", 2024),
        ("一千零一", 1001),
    ],
)
def test_chinese_number(text, number):
    assert chinese_number(text) == number


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "零"),
        (8, "八"),
        (10, "十"),
        (15, "十五"),
        (108, "一百零八"),
        (110, "一百一十"),
        (2024, "二千零二十四"),
        (1001, "一千零一"),
    ],
)
def test_chinese_numeral(number, text):
    assert chinese_numeral(number) == text


@given(st.integers(min_value=0, max_value=9999))
def test_chinese_numeral_reads_back(number):
    assert chinese_number(chinese_numeral(number)) == number


@given(st.integers(min_value=1000, max_value=2999))
def test_years_written_digit_by_digit(year):
    digits = "".join("〇一二三四五六七八九"[int(d)] for d in str(year))
    assert chinese_number(digits) == year
    assert re.fullmatch(DATE, f"{digits}年五月九日")


@given(st.integers(min_value=1, max_value=999))
def test_every_module_reads_the_same_article(number):
    """textfix, citations, basis and verify agree on 第N条 in Chinese numerals (an article)."""
    label = f"第{chinese_numeral(number)}条"
    assert CLAUSE_LABEL.match(label + "会议费").group("part") == label
    assert read_clause(label).path == label
    assert clause_path_of(f"《某办法》{label}") == label
    (found,) = find_citations(f"《某办法》（财行〔2016〕214号）{label}")
    assert (found.clause_path, found.clause) == (label, label)


@given(st.integers(min_value=1, max_value=999))
def test_every_citing_module_reads_an_arabic_numbered_clause_as_an_item(number):
    """第8条 in digits is a plan's item 8 to every citing module (verify also tries 第八条)."""
    label = f"第{number}条"
    assert read_clause(label).path == str(number)
    assert clause_path_of(f"《某办法》{label}") == str(number)
    (found,) = find_citations(f"《某办法》（财行〔2016〕214号）{label}")
    assert (found.clause_path, found.clause) == (str(number), label)


@given(st.integers(min_value=1, max_value=19))
def test_every_module_reads_the_same_part_labels(number):
    numeral = chinese_numeral(number)
    assert CLAUSE_LABEL.match(f"{numeral}、主要目标").lastgroup == "section"
    assert CLAUSE_LABEL.match(f"（{numeral}）工作要求").lastgroup == "subsection"
    assert CLAUSE_LABEL.match(f"{numeral}是加强").lastgroup == "point"
    assert read_clause(f"第{numeral}部分").path == numeral
    assert clause_words(f"{numeral}.（{numeral}）") == f"第{numeral}部分第（{numeral}）项"
