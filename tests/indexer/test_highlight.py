"""indexer/highlight.py: the whole words to mark for a query's terms, synonyms and phrases."""

from __future__ import annotations

import pytest

from indexer.analysis import chinese_analyzer
from indexer.dictionary import load_lexicon
from indexer.highlight import Highlighter


@pytest.fixture
def highlighter(index_settings) -> Highlighter:
    lexicon = load_lexicon(index_settings)
    return Highlighter(chinese_analyzer(lexicon), lexicon.synonyms)


def marked(highlighter: Highlighter, text: str, terms=(), phrases=()) -> list[str]:
    return [text[s:e] for s, e in highlighter.spans(text, terms, phrases)]


def test_highlight_marks_the_whole_word_for_a_sub_word(highlighter):
    text = "原则上完成双监控工作"

    assert highlighter.spans(text, {"监控"}) == [(5, 8)]
    assert highlighter.spans(text, {"双监控"}) == [(5, 8)]


def test_highlight_marks_the_word_a_synonym_came_from(highlighter):
    assert marked(highlighter, "加强绿化养护管理", {"绿化维护"}) == ["绿化养护"]


def test_highlight_marks_a_phrase_only_where_it_occurs(highlighter):
    text = "公共绿地养护；绿化养护作业"

    assert marked(highlighter, text, (), [("绿化", "养护")]) == ["绿化养护"]


def test_highlight_ignores_a_term_found_inside_an_unrelated_word(highlighter):
    assert marked(highlighter, "Network with IT 运维", {"it"}) == ["IT"]


def test_adjacent_highlights_merge_into_one(highlighter):
    assert marked(highlighter, "开展绿化养护作业", {"绿化养护", "作业"}) == ["绿化养护作业"]
