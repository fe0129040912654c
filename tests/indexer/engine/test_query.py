"""indexer/engine/query.py: a user's text → required words and phrases, boosts and highlights."""

from __future__ import annotations

from whoosh.query import Phrase
from whoosh.query import Term

from indexer.analysis import chinese_analyzer
from indexer.dictionary import load_lexicon
from indexer.engine.cache import LIMITS
from indexer.engine.query import compile_query


def analyzer(settings):
    return chinese_analyzer(load_lexicon(settings))


def test_single_characters_jieba_cannot_group_must_stay_together(index_settings):
    compiled = compile_query(analyzer(index_settings), "青财督 绿化养护")

    assert compiled.units == (Phrase("content", ["青", "财", "督"]), Term("content", "绿化养护"))
    assert compile_query(analyzer(index_settings), " 。，") is None


def test_a_word_jieba_splits_is_anded_and_boosted_as_a_phrase(index_settings):
    compiled = compile_query(analyzer(index_settings), "公共绿地养护")

    assert compiled.units == (Term("content", "公共绿地"), Term("content", "养护"))
    assert compiled.boosts == (Phrase("content", ["公共", "绿地", "养护"]),)
    assert compiled.terms == frozenset({"公共绿地", "养护"})


def test_a_quoted_phrase_is_one_unit_on_leaves(index_settings):
    compiled = compile_query(analyzer(index_settings), "“预算绩效管理”")

    assert compiled.units == (Phrase("content", ["预算", "绩效", "管理"]),)
    assert compiled.phrases == (("预算", "绩效", "管理"),)


def test_a_long_query_is_cut_to_the_limit(index_settings):
    words = " ".join(f"词{n}号" for n in range(LIMITS.query_parts + 10))

    compiled = compile_query(analyzer(index_settings), words)

    assert len(compiled.units) == LIMITS.query_parts
