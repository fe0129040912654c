"""indexer/analysis.py: mode-aware tokens with ordinal positions and offsets, synonyms."""

from __future__ import annotations

import pickle
import unicodedata

import jieba
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from whoosh.analysis import Analyzer

from indexer import analysis
from indexer import sync
from indexer.analysis import ANALYSIS_VERSION
from indexer.analysis import chinese_analyzer
from indexer.analysis import runs
from indexer.dictionary import Lexicon
from indexer.dictionary import install
from indexer.dictionary import load_lexicon
from indexer.schema import build_schema
from kb.config import Settings
from kb.db import close_database
from kb.db import open_database


@pytest.fixture
def lexicon(index_settings: Settings) -> Lexicon:
    return load_lexicon(index_settings)


@pytest.fixture
def analyzer(lexicon: Lexicon) -> Analyzer:
    return chinese_analyzer(lexicon)


def tokens(analyzer: Analyzer, text: str, mode: str) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, mode=mode)
    ]


def test_index_mode_gives_sub_words_the_positions_of_their_leaves(analyzer):
    assert tokens(analyzer, "推开成本预算绩效管理改革", "index") == [
        ("推开", 0, 0, 2),
        ("成本预算绩效管理", 1, 2, 10),
        ("成本", 1, 2, 4),
        ("预算", 2, 4, 6),
        ("预算绩效管理", 2, 4, 10),
        ("绩效", 3, 6, 8),
        ("绩效管理", 3, 6, 10),
        ("管理", 4, 8, 10),
        ("改革", 5, 10, 12),
    ]


def test_query_mode_keeps_whole_words_only(analyzer):
    assert tokens(analyzer, "推开成本预算绩效管理改革", "query") == [
        ("推开", 0, 0, 2),
        ("成本预算绩效管理", 1, 2, 10),
        ("改革", 2, 10, 12),
    ]


def test_phrase_mode_yields_the_leaves(analyzer):
    assert tokens(analyzer, "绿化养护作业", "phrase") == [
        ("绿化", 0, 0, 2),
        ("养护", 1, 2, 4),
        ("作业", 2, 4, 6),
    ]


def test_overlapping_search_mode_words_start_at_their_leaf(analyzer):
    # jieba's best split of 差旅费 without itself is 差 | 旅费; 差旅 straddles both leaves.
    assert tokens(analyzer, "差旅费", "index") == [
        ("差旅费", 0, 0, 3),
        ("差", 0, 0, 1),
        ("差旅", 0, 0, 2),
        ("旅费", 1, 1, 3),
    ]


def test_synonyms_share_the_position_and_span_of_their_word_at_index_time(analyzer):
    assert tokens(analyzer, "环卫保洁", "index") == [
        ("环卫保洁", 0, 0, 4),
        ("环卫", 0, 0, 2),
        ("环境卫生", 0, 0, 2),
        ("保洁", 1, 2, 4),
    ]
    assert tokens(analyzer, "环卫保洁", "query") == [("环卫保洁", 0, 0, 4)]


def test_latin_words_are_lowercased_not_stemmed_and_single_characters_kept(analyzer):
    assert [t[0] for t in tokens(analyzer, "GB/T 7714—2015 Running IT运维 x", "query")] == [
        "gb",
        "t",
        "7714",
        "2015",
        "running",
        "it",
        "运维",
        "x",
    ]


def test_punctuation_is_dropped_and_offsets_point_into_the_original(analyzer):
    text = "《方案》（青财督〔2024〕58号）第四部分，元/平方米·年"
    found = tokens(analyzer, text, "query")

    assert [t[0] for t in found] == [
        "方案",
        "青",
        "财",
        "督",
        "2024",
        "58",
        "号",
        "第四",
        "部分",
        "元",
        "平方米",
        "年",
    ]
    assert all(text[start:end] == word for word, _, start, end in found)
    assert [t[1] for t in found] == list(range(len(found)))


def test_full_width_forms_and_decimals_are_normalised_with_original_offsets(analyzer):
    text = "ＱＰ－ＣＱ １８.５０ 元"

    assert tokens(analyzer, text, "query") == [
        ("qp", 0, 0, 2),
        ("cq", 1, 3, 5),
        ("18.5", 2, 6, 11),
        ("元", 3, 12, 13),
    ]


def test_the_analyzer_survives_pickling_as_whoosh_stores_it(analyzer):
    copy = pickle.loads(pickle.dumps(analyzer))

    assert tokens(copy, "双监控", "index") == tokens(analyzer, "双监控", "index")


def test_analysis_version_is_a_positive_integer():
    assert isinstance(ANALYSIS_VERSION, int) and ANALYSIS_VERSION >= 1


@pytest.fixture(scope="module")
def module_lexicon(tmp_path_factory):
    instance = tmp_path_factory.mktemp("analysis") / "instance"
    return load_lexicon(Settings.for_instance(instance, secret_key="x"))


@pytest.fixture(scope="module")
def module_analyzer(module_lexicon) -> Analyzer:
    return chinese_analyzer(module_lexicon)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("成本预算绩效管理绿化养护双监控差旅费 ,。AbZ19.０"))))
def test_index_tokens_always_point_at_their_text(module_analyzer, module_lexicon, text):
    last_pos = 0
    for token in module_analyzer(text, positions=True, chars=True, mode="index"):
        assert token.pos >= last_pos
        last_pos = token.pos
        original = _fold(text[token.startchar : token.endchar])
        is_decimal = "." in original
        # a synonym (绿化维护 for 绿化养护) stands at the place of the word it expands
        is_synonym = token.text in module_lexicon.synonyms.get(original, ())
        assert original == token.text or is_decimal or is_synonym


def _jieba_route(run: str, without_whole: bool = False) -> list[str]:
    """jieba's own route (its graph and its scores), the whole run left out on request."""
    dag = jieba.dt.get_DAG(run)
    if without_whole:
        dag[0] = [end for end in dag[0] if end != len(run) - 1] or [0]
    route: dict[int, tuple[float, int]] = {}
    jieba.dt.calc(run, dag, route)
    words, index = [], 0
    while index < len(run):
        words.append(run[index : route[index][1] + 1])
        index = route[index][1] + 1
    return words


def test_routes_are_jiebas_routes(corpus_instance):
    lexicon = load_lexicon(corpus_instance)
    install(lexicon)
    factory = open_database(corpus_instance)
    with factory() as session:
        made = sync._indexable(sync._all_records(session), build_schema(lexicon), [])
        texts = [doc.get("content") or "" for docs in made for doc in docs]
    close_database(factory)
    found = 0
    for text in texts:
        for match in runs(text):
            run = match.group(1)
            if run is None:
                continue
            assert analysis._route(run) == _jieba_route(run), run
            if len(run) > 1:
                assert analysis._route(run, without_whole=True) == _jieba_route(run, True), run
            found += 1
    assert found > 1000


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("成本预算绩效管理绿化养护双监控差旅费中华人民共和国")),
        min_size=1,
    )
)
def test_routes_of_any_run_are_jiebas_routes(module_lexicon, run):
    install(module_lexicon)
    assert analysis._route(run) == _jieba_route(run)
    assert analysis._route(run, without_whole=True) == _jieba_route(run, True)


def test_a_text_is_folded_when_it_has_a_character_to_fold():
    # Folding is skipped for texts without a character whose folding changes the runs.
    looked_for = {chr(c) for c in range(0x10000) if analysis._WIDE.match(chr(c))}
    assert looked_for >= set("０９ＡＺａｚ．＿") and not looked_for & set("，。：；（）！？　")
    assert looked_for <= {chr(c) for c in analysis._WIDTH_FOLD}
    assert analysis.run_texts("ＧＢ　７７１４绿化") == [("", "GB"), ("", "7714"), ("绿化", "")]
    assert analysis.run_texts("绿化，养护（一）") == [("绿化", ""), ("养护", ""), ("一", "")]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("绿化养护ab_Z9.,，。．＿　ｂ１（）：Ａ-+ "))))
def test_runs_are_those_of_the_folded_text(text):
    folded = text.translate(analysis._WIDTH_FOLD)
    assert analysis.run_texts(text) == analysis._RUNS.findall(folded)
    assert [m.span() for m in runs(text)] == [m.span() for m in analysis._RUNS.finditer(folded)]
    assert [m.groups() for m in runs(text)] == [m.groups() for m in analysis._RUNS.finditer(folded)]
