"""indexer/dictionary.py: the user dictionary and synonyms as data, hashed, installed into jieba once."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest

from indexer.dictionary import DictionaryEntry
from indexer.dictionary import Lexicon
from indexer.dictionary import _share_frequencies
from indexer.dictionary import load_lexicon
from indexer.dictionary import parse_dictionary
from indexer.dictionary import parse_synonyms
from indexer.dictionary import read_lexicon
from indexer.dictionary import synonym_map
from kb.config import BUNDLED_CORPUS_DIR
from kb.config import Settings


@pytest.fixture
def lexicon(index_settings: Settings) -> Lexicon:
    return load_lexicon(index_settings)


def test_parse_dictionary_reads_jieba_user_dictionary_lines():
    text = "成本定额标准 20 n\n双监控\n\n运维 5\n一类事 n\n"

    assert parse_dictionary(text) == (
        DictionaryEntry("成本定额标准", 20, "n"),
        DictionaryEntry("双监控", None, None),
        DictionaryEntry("运维", 5, None),
        DictionaryEntry("一类事", None, "n"),
    )


def test_parse_synonyms_skips_comments_single_words_and_duplicates():
    text = "# 注释\n绿化养护 绿化维护  # 行尾注释\n孤词\n\nIT 信息技术 it\n"

    assert parse_synonyms(text) == (("绿化养护", "绿化维护"), ("it", "信息技术"))


def test_synonym_map_joins_every_group_a_word_belongs_to():
    groups = (("运维", "运行维护"), ("运维", "维护运行"))

    assert synonym_map(groups) == {
        "运维": ("运行维护", "维护运行"),
        "运行维护": ("运维",),
        "维护运行": ("运维",),
    }


def test_read_lexicon_hashes_change_with_either_file(tmp_path: Path):
    (tmp_path / "dictionary.txt").write_text("双监控 20 n\n", encoding="utf-8")
    (tmp_path / "synonyms.txt").write_text("环卫 环境卫生\n", encoding="utf-8")
    before = read_lexicon(tmp_path)

    (tmp_path / "synonyms.txt").write_text("环卫 环境卫生\n运维 运行维护\n", encoding="utf-8")
    after = read_lexicon(tmp_path)

    assert after.dictionary_hash == before.dictionary_hash
    assert after.synonyms_hash != before.synonyms_hash
    assert after.synonyms["运维"] == ("运行维护",)


def test_missing_files_count_as_empty(tmp_path: Path):
    lexicon = read_lexicon(tmp_path)

    assert (lexicon.entries, lexicon.synonym_groups) == ((), ())
    assert lexicon.synonyms == {}


def test_load_lexicon_is_cached_per_corpus_dir(index_settings: Settings, tmp_path: Path):
    other = Settings.for_instance(tmp_path / "other", secret_key="x")

    assert load_lexicon(index_settings) is load_lexicon(other)
    assert load_lexicon(index_settings).signature == {
        "dictionary_hash": load_lexicon(index_settings).dictionary_hash,
        "synonyms_hash": load_lexicon(index_settings).synonyms_hash,
    }


def test_jieba_is_configured_quiet_with_its_cache_outside_the_package(lexicon: Lexicon):
    assert jieba.dt.initialized
    assert jieba.default_logger.level == logging.WARNING
    assert jieba.dt.tmp_dir is not None
    assert Path(jieba.dt.tmp_dir).is_dir()


@pytest.mark.parametrize(
    "group",
    [("绿化养护", "绿化维护"), ("环卫", "环境卫生"), ("运维", "运行维护")],
)
def test_bundled_synonyms_hold_the_groups_the_brief_names(lexicon: Lexicon, group):
    assert group in lexicon.synonym_groups


def test_every_synonym_is_one_jieba_word(lexicon: Lexicon):
    split = [
        word
        for group in lexicon.synonym_groups
        for word in group
        if jieba.lcut(word, HMM=False) != [word]
    ]

    assert split == []


def test_every_dictionary_word_is_kept_whole(lexicon: Lexicon):
    split = [e.word for e in lexicon.entries if jieba.lcut(e.word, HMM=False) != [e.word]]

    assert split == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("组织开展双监控工作", ["组织", "开展", "双监控", "工作"]),
        ("全面推开成本预算绩效管理改革", ["全面", "推开", "成本预算绩效管理", "改革"]),
        ("跨区一类事分析", ["跨区", "一类事", "分析"]),
        ("这一类事情", ["这", "一类", "事情"]),
        ("加强城市运维领域成本管控", ["加强", "城市运维", "领域", "成本管控"]),
    ],
)
def test_domain_words_segment_in_context(lexicon: Lexicon, text, words):
    assert jieba.lcut(text, HMM=False) == words


def test_bundled_corpus_files_are_in_the_corpus_folder():
    assert (BUNDLED_CORPUS_DIR / "dictionary.txt").is_file()
    assert (BUNDLED_CORPUS_DIR / "synonyms.txt").is_file()


def test_every_dictionary_word_changes_what_plain_jieba_does(lexicon: Lexicon, tmp_path: Path):
    plain = jieba.Tokenizer()
    plain.tmp_dir = str(tmp_path)

    useless = [e.word for e in lexicon.entries if plain.lcut(e.word, HMM=False) == [e.word]]

    assert useless == []


def test_equal_frequencies_share_one_integer_and_keep_their_values():
    frequencies = {f"词{n}": int(str(1000 + n % 3)) for n in range(30)} | {"小": 7, "零": 0}
    expected = dict(frequencies)
    assert len({id(v) for v in frequencies.values()}) > 5  # one object per word, as read

    _share_frequencies(frequencies)

    assert frequencies == expected
    assert len({id(v) for v in frequencies.values() if v > 256}) == 3


def test_jiebas_frequencies_are_shared_once_installed(index_settings):
    load_lexicon(index_settings)
    large = [v for v in jieba.dt.FREQ.values() if v > 256]

    assert len(large) > 10_000  # jieba's own dictionary
    assert len({id(v) for v in large}) == len(set(large))
