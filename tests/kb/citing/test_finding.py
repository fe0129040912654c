import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.citing.finding import Spans
from kb.citing.finding import find_citations


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 20)), max_size=40))
def test_spans_answer_as_a_plain_list_would(pairs):
    spans = Spans()
    plain: list[tuple[int, int]] = []
    for start, length in pairs:
        spans.add(start, start + length)
        plain.append((start, start + length))
    for position in range(0, 230):
        assert spans.covers(position) == any(s <= position < e for s, e in plain)
        assert spans.overlaps(position, position + 3) == any(
            s < position + 3 and position < e for s, e in plain
        )


def test_citations_next_to_each_other_are_all_found():
    text = "《甲》《乙》（沪财行〔2024〕9号）第五条、第六条；QP-CQ-0001，第2版"

    found = find_citations(text)

    assert [(f.title, f.doc_number, f.clause_path, f.code) for f in found] == [
        ("甲", None, None, None),
        ("乙", "沪财行〔2024〕9号", "第五条", None),
        ("乙", "沪财行〔2024〕9号", "第六条", None),
        (None, None, None, "QP-CQ-0001"),
    ]


@pytest.mark.parametrize(
    ("text", "raw", "code", "version"),
    [
        ("按QP-CQ-0012，第2版执行", "QP-CQ-0012，第2版", "QP-CQ-0012", 2),
        ("讲课费按RS-PX-007（第1版）核定", "RS-PX-007（第1版）", "RS-PX-007", 1),
        ("讲课费按RS-PX-007 (第 ２ 版)核定", "RS-PX-007 (第 ２ 版)", "RS-PX-007", 2),
        ("讲课费按RS-PX-007第一版核定", "RS-PX-007第一版", "RS-PX-007", 1),
        ("讲课费按RS-PX-007核定，第3版另行", "RS-PX-007", "RS-PX-007", None),
        ("讲课费按RS-PX-007（2016版）核定", "RS-PX-007", "RS-PX-007", None),
    ],
)
def test_a_code_carries_the_version_written_after_it(text, raw, code, version):
    (found,) = find_citations(text)

    assert (found.raw, found.code, found.version) == (raw, code, version)
