"""indexer/search.py: query rules, filters, on=DATE, facets, paging, safe <mark> snippets."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
from whoosh.query import And
from whoosh.query import AndMaybe
from whoosh.query import Or
from whoosh.query import Term

from indexer import sync
from indexer.engine.query import compile_query
from indexer.search import SearchQuery
from indexer.search import search
from indexer.search import search_index
from indexer.search import suggest
from kb import documents
from kb.config import Settings
from kb.db import close_database
from kb.db import open_database
from kb.errors import InvalidInput
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from tests.factories import make_standard

SCRIPT_NAME = "<script>alert(1)</script>绿化"


def ids(page) -> list[str]:
    return [hit.id for hit in page.results]


def find(settings, q: str = "", **options):
    return search(settings, SearchQuery(q=q, **options))


@pytest.fixture
def corpus(build, policy):
    """Five standards, one policy with a 双监控 clause."""
    build(
        make_standard(),
        make_standard(
            code="PT-CQ-0001",
            name="普陀区公共绿地一级养护成本定额",
            region="普陀区",
            value=Decimal("21.00"),
            effective_from=dt.date(2023, 1, 1),
        ),
        make_standard(
            code="QP-CQ-0011",
            name="青浦区道路一级保洁成本定额",
            category="环卫保洁",
            item="道路保洁",
            value=Decimal("9.60"),
            effective_from=dt.date(2025, 1, 1),
        ),
        make_standard(
            code="RS-HY-004",
            name="中央和国家机关会议费综合定额（一类会议）",
            kind=Kind.EXPENDITURE,
            level=Level.CENTRAL,
            region="全国（中央和国家机关）",
            domain="机关运行",
            category="会议费",
            item="一类会议·综合定额合计",
            grade="一类会议",
            unit="元/人·天",
            value=Decimal("760"),
            effective_from=None,
        ),
        make_standard(
            code="QP-PS-0001",
            name="青浦区公共绿地一级养护服务标准",
            kind=Kind.PUBLIC_SERVICE,
            unit=None,
            value=None,
            service_level="草坪覆盖率≥95%，每年修剪≥12次",
        ),
        policy(
            clauses=(
                ("三", "强化全过程预算绩效管理", "三、强化全过程预算绩效管理"),
                (
                    "三.3",
                    "扎实做好绩效跟踪",
                    "组织各部门做好对预算执行进度和绩效目标实现程度的“双监控”工作。",
                ),
            ),
            issued_on=dt.date(2025, 3, 1),
        ),
    )


def test_a_quoted_phrase_finds_the_record(index_settings, corpus):
    page = find(index_settings, '"绿化养护"', type="standard")

    assert sorted(ids(page)) == ["PT-CQ-0001", "QP-CQ-0012", "QP-PS-0001"]


def test_a_phrase_inside_a_longer_word_is_found(index_settings, corpus):
    page = find(index_settings, "“预算绩效管理”", type="clause")

    assert [h.title for h in page.results] == ["三、强化全过程预算绩效管理"]


def test_a_synonym_finds_the_other_word_of_its_group(index_settings, corpus):
    page = find(index_settings, "绿化维护", type="standard")

    assert sorted(ids(page)) == ["PT-CQ-0001", "QP-CQ-0012", "QP-PS-0001"]


def test_words_are_anded(index_settings, corpus):
    assert ids(find(index_settings, "绿化养护 普陀区")) == ["PT-CQ-0001"]


def test_nothing_having_every_word_falls_back_to_any_word(index_settings, corpus):
    page = find(index_settings, "会议费 不存在的词")

    assert (ids(page), page.relaxed) == (["RS-HY-004"], True)


def test_a_whole_word_is_one_mark(index_settings, corpus):
    [hit] = find(index_settings, "双监控", type="clause").results

    assert (hit.type, hit.clause_path, hit.document_title) == (
        "clause",
        "三.3",
        "2024年上海市普陀区全面实施预算绩效管理情况的说明",
    )
    assert (
        hit.snippet == "组织各部门做好对预算执行进度和绩效目标实现程度的“<mark>双监控</mark>”工作。"
    )
    assert hit.url == "/documents/putuo-report#clause-三.3"


def test_user_text_is_escaped_in_the_snippet_and_plain_in_the_title(index_settings, build):
    build(make_standard(name=SCRIPT_NAME, item=None, grade=None))

    [hit] = find(index_settings, "绿化").results

    assert hit.title == SCRIPT_NAME
    assert hit.snippet == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>绿化</mark>"


def test_snippets_carry_only_bare_mark_tags(index_settings, corpus):
    snippets = " ".join(h.snippet for h in find(index_settings, "绿化养护 公共绿地").results)

    assert "<mark>" in snippets and "class=" not in snippets


def test_on_returns_the_version_in_force_that_day(index_settings, build):
    build(
        make_standard(
            code="RS-CL-007",
            name="差旅住宿费标准（上海市）",
            status=Status.SUPERSEDED,
            value=Decimal("500"),
            effective_from=dt.date(2014, 1, 1),
            effective_to=dt.date(2015, 12, 31),
        ),
        make_standard(
            code="RS-CL-007",
            name="差旅住宿费标准（上海市）",
            status=Status.IN_FORCE,
            value=Decimal("600"),
            effective_from=dt.date(2016, 1, 1),
        ),
        make_standard(
            code="RS-CL-099",
            name="差旅住宿费标准（旧）",
            status=Status.SUPERSEDED,
            value=Decimal("300"),
            effective_from=None,
            effective_to=None,
        ),
    )

    then = find(index_settings, "差旅住宿费", on=dt.date(2015, 6, 1)).results
    now = find(index_settings, "差旅住宿费").results

    assert [(h.id, h.version, h.value, h.effective_to) for h in then] == [
        ("RS-CL-007", 1, "500", dt.date(2015, 12, 31))
    ]
    assert sorted((h.id, h.version, h.status) for h in now) == [
        ("RS-CL-007", 2, "in_force"),
        ("RS-CL-099", 1, "superseded"),
    ]
    assert then[0].url == "/standards/RS-CL-007?version=1"


def test_on_picks_the_latest_version_when_two_overlap(index_settings, build):
    build(
        make_standard(effective_from=dt.date(2020, 1, 1)),
        make_standard(effective_from=dt.date(2024, 1, 1), value=Decimal("19")),
    )

    [hit] = find(index_settings, "绿化养护", on=dt.date(2024, 6, 1)).results

    assert hit.version == 2


def test_facets_count_the_whole_matching_set(index_settings, corpus):
    page = find(index_settings, "", type="standard", per_page=1)

    assert page.total == 5
    assert page.facets["kind"] == {"cost_quota": 3, "expenditure": 1, "public_service": 1}
    assert page.facets["region"] == {"青浦区": 3, "全国（中央和国家机关）": 1, "普陀区": 1}
    assert page.facets["category"] == {"绿化养护": 3, "会议费": 1, "环卫保洁": 1}
    assert page.facets["year"] == {"2024": 2, "2023": 1, "2025": 1}
    assert page.facets["type"] == {"standard": 5}


@pytest.mark.parametrize("q", ["", "绿化养护", "成本定额", "会议费 不存在的词"])
def test_facet_counts_equal_a_count_of_every_hit(index_settings, corpus, q):
    page = find(index_settings, q, per_page=100)
    counted: dict[str, Counter] = {name: Counter() for name in ("type", "kind", "region")}
    for hit in page.results:
        for name, counts in counted.items():
            if getattr(hit, name):
                counts[getattr(hit, name)] += 1

    assert page.total == len(page.results) > 0
    assert {name: page.facets[name] for name in counted} == {
        name: dict(counts) for name, counts in counted.items()
    }


def test_filters_narrow_and_combine(index_settings, corpus):
    assert ids(find(index_settings, region="普陀区")) == ["PT-CQ-0001"]
    assert ids(find(index_settings, kind="public_service")) == ["QP-PS-0001"]
    assert sorted(ids(find(index_settings, region=("普陀区", "全国（中央和国家机关）")))) == [
        "PT-CQ-0001",
        "RS-HY-004",
    ]
    assert ids(find(index_settings, "公共绿地", region="青浦区", kind="cost_quota")) == [
        "QP-CQ-0012"
    ]


def test_an_empty_filter_result_returns_nothing(index_settings, corpus):
    nowhere = find(index_settings, region="火星")
    with_text = find(index_settings, "绿化养护", region="火星")

    assert (nowhere.total, nowhere.results, nowhere.facets) == (0, (), {})
    assert (with_text.total, with_text.results) == (0, ())


def test_paging_slices_the_ranked_list(index_settings, corpus):
    everything = ids(find(index_settings, type="standard", sort="date", per_page=10))
    first = find(index_settings, type="standard", sort="date", per_page=2)
    third = find(index_settings, type="standard", sort="date", per_page=2, page=3)
    beyond = find(index_settings, type="standard", sort="date", per_page=2, page=9)

    assert (first.total, ids(first)) == (5, everything[:2])
    assert ids(third) == everything[4:]
    assert (beyond.total, beyond.results) == (5, ())


def test_an_empty_query_lists_by_date_or_value(index_settings, corpus):
    by_date = find(index_settings, type="standard", sort="date")
    by_value = find(index_settings, type="standard", sort="value")

    assert ids(by_date) == ["QP-CQ-0011", "QP-CQ-0012", "QP-PS-0001", "PT-CQ-0001", "RS-HY-004"]
    assert ids(by_value) == ["QP-CQ-0011", "QP-CQ-0012", "PT-CQ-0001", "RS-HY-004", "QP-PS-0001"]
    assert [h.value for h in by_value.results] == ["9.60", "18.50", "21.00", "760", None]


def test_a_standard_hit_carries_its_figures(index_settings, corpus):
    [hit] = find(index_settings, "会议费").results

    assert (hit.type, hit.id, hit.code, hit.version, hit.kind, hit.level) == (
        "standard",
        "RS-HY-004",
        "RS-HY-004",
        1,
        "expenditure",
        "central",
    )
    assert (hit.value, hit.value_max, hit.unit, hit.grade, hit.status) == (
        "760",
        None,
        "元/人·天",
        "一类会议",
        "in_force",
    )
    assert (hit.effective_from, hit.effective_to, hit.illustrative) == (None, None, False)
    assert hit.url == "/standards/RS-HY-004"


@pytest.mark.parametrize("q", ["AND OR (", '"', "“", "*", "title:绿化", "NOT", "(((", "～！@#"])
def test_query_syntax_never_reaches_whoosh(index_settings, corpus, q):
    page = find(index_settings, q)

    assert page.page == 1


def test_a_query_for_a_field_name_is_just_words(index_settings, build):
    build(make_standard())

    assert find(index_settings, "region:青浦区").total == 1


def test_a_draft_that_is_the_only_version_is_searchable_as_current(index_settings, build):
    build(make_standard(status=Status.DRAFT))

    [hit] = find(index_settings, "绿化养护").results

    assert hit.status == "draft"
    assert find(index_settings, "绿化养护", on=dt.date(2024, 6, 1)).total == 0


def test_the_searcher_follows_updates_in_the_same_process(index_settings, db, corpus, store):
    before = search_index(index_settings).searcher
    assert find(index_settings, "河道养护").total == 0

    store(make_standard(code="QP-CQ-0022", name="青浦区区管河道养护成本定额", category="河道养护"))
    sync.update(index_settings, db, standard_codes=["QP-CQ-0022"])

    assert ids(find(index_settings, "河道养护")) == ["QP-CQ-0022"]
    assert search_index(index_settings).searcher is not before


def test_without_an_index_nothing_is_found(index_settings):
    assert find(index_settings, "绿化").total == 0


@pytest.mark.parametrize(
    "options",
    [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"sort": "title"}, {"type": "user"}],
)
def test_out_of_range_options_are_refused(index_settings, options):
    with pytest.raises(InvalidInput):
        find(index_settings, "绿化", **options)


def test_suggest_offers_a_near_spelling(index_settings, corpus):
    assert find(index_settings, "公共绿化").total >= 0
    assert suggest("道路报洁", index_settings) == ["道路保洁"]


def test_threads_share_one_searcher_safely(index_settings, corpus):
    from concurrent.futures import ThreadPoolExecutor

    queries = ["绿化养护", "会议费", "双监控", "道路 保洁", "绿化维护 青浦区"] * 8
    expected = [ids(find(index_settings, q, page=2, per_page=1)) for q in queries]
    search_index(index_settings).close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda q: ids(find(index_settings, q, page=2, per_page=1)), queries))

    assert found == expected


@pytest.mark.parametrize(
    "q", ["绿化养护", "公共绿地 养护", "成本定额 青浦区", "公共绿地养护", "双监控"]
)
def test_scores_and_order_are_whoosh_own_over_live_documents(
    index_settings, db, corpus, store, tmp_path, q
):
    """The array ranking, on an index an update left with two segments and a deleted document,
    against Whoosh's own searcher over the same documents merged into one segment — where
    Whoosh's statistics count only live documents too. Equal scores go by the tie-break key."""
    store(make_standard(code="PT-CQ-0001", name="普陀区公共绿地一级养护成本定额（修订）"))
    sync.update(index_settings, db, standard_codes=["PT-CQ-0001"])
    page = find(index_settings, q, per_page=20)
    cache = search_index(index_settings).cache
    assert len(cache.arrays.leaves) == 2 and cache.searcher.reader().has_deletions()

    merged = replace(index_settings, index_dir=tmp_path / "merged")
    shutil.copytree(index_settings.index_dir, merged.index_dir)
    ix = sync.open_generation(merged, sync.generation_token(merged))
    ix.optimize()
    compiled = compile_query(cache.analyzer, q)
    required = compiled.units[0] if len(compiled.units) == 1 else And(list(compiled.units))
    query = AndMaybe(required, Or(list(compiled.boosts))) if compiled.boosts else required
    with ix.searcher() as searcher:
        assert searcher.doc_count_all() == searcher.doc_count()  # merged: nothing deleted
        current = {d for d, _ in searcher.search(Term("is_current", True), limit=None).items()}
        allowed = current | {
            d for t in ("clause", "document") for d in searcher.docs_for_query(Term("type", t))
        }
        hits = searcher.search(query, filter=allowed, limit=None)
        tiebreak = searcher.reader().column_reader("tiebreak")
        expected = sorted(
            ((hit.score, tiebreak[hit.docnum], hit["title"]) for hit in hits),
            key=lambda found: (-found[0], found[1]),
        )

    assert page.total == len(expected) > 0
    assert [(h.title, h.score) for h in page.results] == [
        (title, round(score, 4)) for score, _, title in expected[:20]
    ]


def test_equal_ranks_keep_their_order_when_one_is_updated(index_settings, db, build, store):
    """Ties go by the stored tie-break key: an update re-writes a standard at the end of the
    index (a new segment, a higher document number) without moving it among its equals."""
    codes = ["QP-CQ-0001", "QP-CQ-0002", "QP-CQ-0003"]
    build(*(make_standard(code=code) for code in codes))
    before = (find(index_settings, "绿化养护"), find(index_settings, type="standard", sort="date"))

    store(make_standard(code="QP-CQ-0001", value=Decimal("19.50")))
    sync.update(index_settings, db, standard_codes=["QP-CQ-0001"])
    by_score = find(index_settings, "绿化养护")
    by_date = find(index_settings, type="standard", sort="date")

    assert len(search_index(index_settings).cache.arrays.leaves) == 2
    assert len({hit.score for hit in by_score.results}) == 1  # a tie
    assert [ids(page) for page in before] == [ids(by_score), ids(by_date)] == [codes, codes]
    assert [hit.version for hit in by_score.results] == [2, 1, 1]


def test_equal_clauses_keep_their_order_when_a_document_is_re_indexed(
    index_settings, db, build, policy
):
    clause = (("一", "加强绿化养护", "一、加强绿化养护"),)
    build(policy(slug="a", title="甲区说明", clauses=clause))
    build(policy(slug="b", title="乙区说明", clauses=clause))
    first = documents.get(db, "a")
    before = find(index_settings, "绿化养护", type="clause")

    sync.update(index_settings, db, document_ids=[first.id])
    after = find(index_settings, "绿化养护", type="clause")

    assert len(search_index(index_settings).cache.arrays.leaves) == 2
    assert len({hit.score for hit in after.results}) == 1  # a tie
    assert [hit.document_title for hit in before.results] == ["甲区说明", "乙区说明"]
    assert [hit.document_title for hit in after.results] == ["甲区说明", "乙区说明"]


def test_a_sub_word_finds_the_whole_word_and_marks_it_whole(index_settings, build):
    build(make_standard(item="成本预算绩效管理试点项目"))

    [hit] = find(index_settings, "绩效").results
    phrase = find(index_settings, '"成本预算绩效管理"')

    assert hit.snippet == "<mark>成本预算绩效管理</mark>试点项目"
    assert ids(phrase) == ["QP-CQ-0012"]


def test_an_empty_index_answers_every_kind_of_query(tmp_path):
    settings = Settings.for_instance(tmp_path / "empty")
    factory = open_database(settings)
    with factory() as session:
        sync.ensure_index(settings, session)
    close_database(factory)

    for query in (
        SearchQuery(q="x"),
        SearchQuery(q="x", on=dt.date(2020, 1, 1)),
        SearchQuery(sort="value"),
    ):
        assert search(settings, query).total == 0


def test_examples_come_after_real_standards_by_date_and_by_value(index_settings, build):
    build(
        make_standard(code="EX-1", value=Decimal("5"), effective_from=dt.date(2025, 1, 1),
                      illustrative=True),
        make_standard(code="REAL-OLD", value=Decimal("50"), effective_from=dt.date(2016, 1, 1)),
        make_standard(code="REAL-NEW", value=Decimal("90"), effective_from=dt.date(2020, 1, 1)),
    )  # fmt: skip

    assert ids(find(index_settings, type="standard", sort="date")) == [
        "REAL-NEW",
        "REAL-OLD",
        "EX-1",
    ]
    assert ids(find(index_settings, type="standard", sort="value")) == [
        "REAL-OLD",
        "REAL-NEW",
        "EX-1",
    ]
