"""The FTS5 reference of bench/ (issue 16): built from a real ingested instance, searched through its app."""

from __future__ import annotations

import sqlite3

import pytest

from bench import fts5
from bench import fts5_app


@pytest.fixture(scope="module")
def fts5_file(corpus_instance, tmp_path_factory):
    out = tmp_path_factory.mktemp("fts5") / "fts5.sqlite3"
    figures = fts5.build(corpus_instance, out, procs=1)
    return out, figures


@pytest.fixture(scope="module")
def fts5_client(corpus_instance, fts5_file):
    return fts5_app.create_app(corpus_instance, fts5_file[0]).test_client()


def test_multi_character_jieba_words_stay_one_fts5_token(fts5_file):
    out, figures = fts5_file
    with sqlite3.connect(out) as db:
        db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search, row)")
        terms = {term for (term,) in db.execute("SELECT term FROM temp.v")}
    # 成本预算绩效管理 is a domain word of corpus/dictionary.txt, in the seed documents: the
    # whole word and its leaves are terms, as in our index.
    assert {"成本预算绩效管理", "绩效", "预算"} <= terms
    assert figures["tokens"]["cjk_multi_char_terms"] > 0


def test_build_holds_every_record_of_the_database(corpus_instance, fts5_file):
    from indexer import sync
    from kb.db import close_database
    from kb.db import open_database

    _, figures = fts5_file
    factory = open_database(corpus_instance)
    with factory() as session:
        stats = sync.ensure_index(corpus_instance, session)  # the index ingest built, as is
    close_database(factory)
    expected = {"standard": stats.standards, "clause": stats.clauses, "document": stats.documents}
    assert expected == figures["counts"]
    assert sum(expected.values()) == figures["records"]


def test_search_ranks_marks_and_counts_facets(fts5_client):
    answer = fts5_client.get("/api/v1/search", query_string={"q": "绩效管理"}).get_json()
    assert answer["total"] > 0
    assert 0 < len(answer["results"]) <= 10
    assert any("<mark>" in hit["snippet"] for hit in answer["results"])
    assert sum(answer["facets"]["type"].values()) == answer["total"]


def test_kind_filter_keeps_only_that_kind(fts5_client):
    answer = fts5_client.get(
        "/api/v1/search", query_string={"q": "会议费", "kind": "expenditure"}
    ).get_json()
    assert answer["total"] > 0
    assert {hit["kind"] for hit in answer["results"]} == {"expenditure"}
    assert list(answer["facets"]["kind"]) == ["expenditure"]


def test_bad_date_is_a_400_with_the_error_envelope(fts5_client):
    response = fts5_client.get("/api/v1/search", query_string={"q": "会议费", "on": "2024-13-01"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"
    assert response.get_json()["error"]["details"] == {"on": "2024-13-01"}
