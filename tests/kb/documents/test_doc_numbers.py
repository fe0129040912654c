"""kb/doc_numbers.py: 文号 canonicalised from every bracket style and found in running text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.documents.doc_numbers import CLOSING_BRACKETS
from kb.documents.doc_numbers import OPENING_BRACKETS
from kb.documents.doc_numbers import canonical_doc_number
from kb.documents.doc_numbers import find_doc_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("青财督〔2024〕58号", "青财督〔2024〕58号"),
        ("青财督[2024]58号", "青财督〔2024〕58号"),
        ("青财督（2024）58 号", "青财督〔2024〕58号"),
        ("财行【2016】214号", "财行〔2016〕214号"),
        ("财行(2016)214号", "财行〔2016〕214号"),
        ("沪府办发［2023］7号", "沪府办发〔2023〕7号"),
        (" 青府办发 〔 2023 〕 57 号 ", "青府办发〔2023〕57号"),
        ("青财督〔２０２４〕５８号", "青财督〔2024〕58号"),
        ("国办发〔2024〕007号", "国办发〔2024〕7号"),
        ("沪经信规〔2023〕1号", "沪经信规〔2023〕1号"),
    ],
)
def test_canonical_doc_number(text, expected):
    assert canonical_doc_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "（2024）",
        "（2024）58号",
        "（以下简称《实施方案》）",
        "2024年5月9日",
        "青财督〔24〕58号",
        "青财督〔2024〕号",
        "青财督〔2024〕58",
        "第58号",
        "青财督〔2024〕58号文",
        "GB〔2024〕58号",
    ],
)
def test_not_a_doc_number(text):
    assert canonical_doc_number(text) is None


def test_find_in_running_text_keeps_offsets():
    text = (
        "和《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号）"
        "（以下简称《实施方案》）有关要求，并参照财行【2016】214 号执行。"
    )

    found = find_doc_numbers(text)

    assert [number for number, _, _ in found] == ["青府办发〔2023〕57号", "财行〔2016〕214号"]
    assert [text[start:end] for _, start, end in found] == [
        "青府办发〔2023〕57号",
        "财行【2016】214 号",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("根据青财督[2024]58号", "青财督[2024]58号"),
        ("经研究决定印发沪经信规〔2023〕1号", "沪经信规〔2023〕1号"),
        ("详见 青财督〔2024〕58号的规定", "青财督〔2024〕58号"),
    ],
)
def test_find_leaves_out_words_before_the_abbreviation(text, expected):
    [(_, start, end)] = find_doc_numbers(text)
    assert text[start:end] == expected


def test_find_nothing_in_brackets_without_issuer():
    assert find_doc_numbers("（2024）年度工作（以下简称《实施方案》）于（2024）58号前完成") == []


# Characters that can start or fill an issuer abbreviation (none is a connective word).
_ABBREVIATION_CHARS = "青财督府办发沪国经信规行预绩人社教卫建管委"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def written_doc_numbers(draw) -> tuple[str, str]:
    """A 文号 written in any bracket style with stray spaces, and its canonical form."""
    abbreviation = draw(st.text(alphabet=_ABBREVIATION_CHARS, min_size=1, max_size=6))
    year = draw(st.integers(min_value=1949, max_value=2099))
    serial = draw(st.integers(min_value=1, max_value=9999))
    zeros = draw(st.integers(min_value=0, max_value=1))
    opening = draw(st.sampled_from(OPENING_BRACKETS))
    closing = draw(st.sampled_from(CLOSING_BRACKETS))
    pieces = [abbreviation, opening, str(year), closing, "0" * zeros + str(serial), "号"]
    gaps = draw(st.lists(st.sampled_from(["", "", " ", "\u3000"]), min_size=5, max_size=5))
    written = pieces[0] + "".join(gap + piece for gap, piece in zip(gaps, pieces[1:], strict=True))
    if draw(st.booleans()):
        written = written.translate(_FULLWIDTH)
    return written, f"{abbreviation}〔{year}〕{serial}号"


@given(written_doc_numbers())
def test_every_bracket_style_gives_the_canonical_form(case):
    written, canonical = case
    assert canonical_doc_number(written) == canonical
    assert canonical_doc_number(canonical) == canonical


@given(
    written_doc_numbers(),
    st.sampled_from(["（", "《实施方案》（", "依据", "", "。"]),
    st.sampled_from(["）", "）有关要求。", "的规定", ""]),
)
def test_find_locates_the_number_between_any_words(case, before, after):
    written, canonical = case
    text = before + written + after

    assert find_doc_numbers(text) == [(canonical, len(before), len(before) + len(written))]
