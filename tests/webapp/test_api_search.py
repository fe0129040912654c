"""GET /api/v1/search over the bundled corpus: the reviewer's questions from the issues."""

import pytest


@pytest.fixture
def search(corpus_client):
    def call(**params):
        response = corpus_client.get("/api/v1/search", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return call


def paths(body, *, limit=5):
    return [
        (hit["document_title"], hit["clause_path"])
        for hit in body["results"][:limit]
        if hit["type"] == "clause"
    ]


def test_shuang_jiankong_ranks_both_district_clauses_in_the_top_five(search):
    body = search(q="双监控")

    top = paths(body)
    assert ("青浦区2024年度全面推开成本预算绩效管理工作方案", "四.8") in top
    assert ("2024年上海市普陀区全面实施预算绩效管理情况的说明", "三.三是") in top
    snippets = [h["snippet"] for h in body["results"][:5]]
    assert all("<mark>双监控</mark>" in s for s in snippets if "双监控" in s)
    assert not any("<mark>双</mark>" in s or "<mark>监控</mark>" in s for s in snippets)


def test_water_ecology_finds_the_cross_district_theme_clause(search):
    body = search(q="水质生态维护", type="clause")

    assert ("2024年上海市普陀区全面实施预算绩效管理情况的说明", "二.二是") in paths(body)


def test_meeting_fees_come_back_as_central_expenditure_figures(search):
    body = search(q="会议费", kind="expenditure")

    hits = [h for h in body["results"] if h["type"] == "standard"]
    assert hits and body["total"] >= len(hits)
    assert all(h["kind"] == "expenditure" for h in hits)
    assert any(h["level"] == "central" and h["unit"] == "元/人·天" and h["value"] for h in hits)
    assert body["facets"]["kind"] == {"expenditure": body["total"]}


def test_travel_lodging_in_shanghai_as_of_2015_gives_the_2014_table(search):
    body = search(q="差旅住宿费 上海", on="2015-06-01", type="standard")

    figures = {h["code"]: h["value"] for h in body["results"]}
    assert figures.get("RS-CL-007") == "800"
    assert figures.get("RS-CL-008") == "500"
    assert figures.get("RS-CL-009") == "350"


def test_without_a_date_the_current_rate_is_listed_and_on_a_past_day_the_rate_then(search):
    today = search(q="差旅住宿费 上海", type="standard")
    then = search(q="差旅住宿费 上海", type="standard", on="2015-06-01")

    current = {h["code"]: (h["status"], h["value"]) for h in today["results"]}
    past = {h["code"]: (h["status"], h["value"]) for h in then["results"]}
    assert current.get("RS-CL-007") == ("in_force", "1100")
    assert past.get("RS-CL-007") == ("superseded", "800")


def test_filters_narrow_and_facets_count(search):
    everything = search(q="保洁")
    towns = search(q="保洁", level="town")

    assert 0 < towns["total"] < everything["total"]
    assert set(towns["facets"]["level"]) == {"town"}


def test_paging_is_stable_and_disjoint(search):
    first = search(q="标准", per_page=5, page=1)
    second = search(q="标准", per_page=5, page=2)

    assert first["total"] == second["total"] > 5
    assert not {h["id"] for h in first["results"]} & {h["id"] for h in second["results"]}


def test_query_parser_syntax_is_just_text(search):
    assert search(q='( ) " : * ~ ^')["total"] == search(q="")["total"]
    body = search(q="AND OR (")
    assert body["total"] > 0
    assert all("<mark>and</mark>" in h["snippet"].lower() for h in body["results"])


def test_document_hits_carry_their_status_and_the_status_is_a_facet(corpus_client):
    body = corpus_client.get("/api/v1/search?q=培训费管理办法&type=document").get_json()

    statuses = {hit["title"]: hit["status"] for hit in body["results"]}
    assert (
        statuses[
            "财政部 中共中央组织部 国家公务员局关于印发《中央和国家机关培训费管理办法》的通知（2013年）"
        ]
        == "repealed"
    )
    assert body["facets"]["status"]["repealed"] >= 1
