"""kb.text: text that shows something else than it holds is refused."""

import pytest

from kb.errors import InvalidInput
from kb.text import invisible_problem
from kb.text import visible_text


@pytest.mark.parametrize(
    "text",
    ["\u200b", "\u200b\u200c\u200d", "\ufeff", " \u2060 ", "\u3000"],
)
def test_invisible_only_text_is_refused(text):
    assert "不可见" in invisible_problem(text)


@pytest.mark.parametrize(
    "text",
    ["定额\u202eexe.", "\u202d青浦区", "青浦\u2067区\u2069", "名称\u200f"],
)
def test_direction_controls_are_refused_anywhere(text):
    assert "显示方向" in invisible_problem(text)


@pytest.mark.parametrize("text", ["", "青浦区", "公共绿地\u200b养护", "👩\u200d💻 信息化运维"])
def test_visible_text_passes(text):
    assert invisible_problem(text) is None
    assert visible_text(text, "名称") == text


def test_the_message_names_the_field():
    with pytest.raises(InvalidInput) as refused:
        visible_text("\u200b", "标准名称")
    assert refused.value.message.startswith("标准名称只含")
