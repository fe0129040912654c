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
