"""Ranking on a tiny hand-made corpus whose expected order is obvious (in the manner of lunr.py)."""

from __future__ import annotations

import pytest

from indexer.search import SearchQuery
from indexer.search import search
from kb.vocab import Kind
from tests.factories import make_standard

FILLER = "按照年度工作安排，各部门结合实际认真组织实施，加强统筹协调，确保各项任务按时完成。" * 6


@pytest.fixture
def corpus(build, policy):
    build(
        make_standard(code="TITLE", name="公共绿地绿化养护成本定额", item="公共绿地"),
        make_standard(
            code="BODY",
            name="道路保洁成本定额",
            category="环卫保洁",
            item="道路保洁",
            conditions="不含绿化养护",
        ),
        make_standard(
            code="ADJACENT",
            name="道路附属绿地养护成本定额",
            category="环卫保洁",
            item="道路绿化养护",
        ),
        make_standard(
            code="SCATTERED",
            name="道路保洁作业成本定额",
            category="环卫保洁",
            item="道路保洁；另计绿化巡查",
        ),
        make_standard(
            code="MEETING",
            name="会议费综合定额（一类会议）",
            kind=Kind.EXPENDITURE,
            category="会议费",
            item="一类会议·住宿费",
        ),
        make_standard(
            code="TRAINING",
            name="培训费综合定额（三类培训）",
            kind=Kind.EXPENDITURE,
            category="培训费",
            item="三类培训·住宿费",
        ),
        policy(
            slug="long",
            title="关于做好年度预算编制工作的通知",
            clauses=(
                ("一", "总体要求", FILLER + "绿化养护项目按定额编制。" + FILLER),
                ("二", "绩效跟踪", "按季度开展绩效跟踪。"),
                ("三", "工作要求", "各部门要做好绩效跟踪、绩效评价等工作。" + FILLER),
            ),
        ),
    )


def ranking(settings, q: str, **filters) -> list[str]:
    page = search(settings, SearchQuery(q=q, per_page=20, **filters))
    return [hit.id if hit.type == "standard" else hit.title for hit in page.results]


def test_a_title_match_outranks_a_body_match_which_outranks_a_long_text(index_settings, corpus):
    ranked = ranking(index_settings, "绿化养护")

    assert ranked.index("TITLE") < ranked.index("BODY") < ranked.index("一、总体要求")


def test_a_clause_heading_outranks_a_mention_in_another_clause(index_settings, corpus):
    assert ranking(index_settings, "绩效跟踪", type="clause") == ["二、绩效跟踪", "三、工作要求"]


def test_words_found_side_by_side_outrank_scattered_words(index_settings, corpus):
    ranked = ranking(index_settings, "道路绿化", type="standard")

    assert ranked[0] == "ADJACENT"
    assert set(ranked) == {"ADJACENT", "SCATTERED", "BODY"}


def test_every_word_is_required(index_settings, corpus):
    assert ranking(index_settings, "住宿费 会议费") == ["MEETING"]


def test_when_no_record_has_every_word_more_matching_words_rank_first(index_settings, corpus):
    page = search(index_settings, SearchQuery(q="住宿费 培训费 三类培训 差旅费"))

    assert page.relaxed
    assert [h.id for h in page.results] == ["TRAINING", "MEETING"]


def test_the_rarer_word_decides_between_two_one_word_matches(index_settings, corpus):
    page = search(index_settings, SearchQuery(q="道路保洁 定额 会议费"))

    assert page.relaxed
    assert [h.id for h in page.results][:1] == ["MEETING"]
