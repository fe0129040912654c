"""The search page as a reviewer meets it: sections per type, paging, dates, citations, errors."""

import pytest
from bs4 import BeautifulSoup

from webapp.hits import natural_grades
from webapp.hits import period_text


def html(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def words(element):
    return " ".join(element.text.split())


def test_a_policy_phrase_shows_its_clause_on_the_first_page(corpus_client):
    page = html(corpus_client.get("/?q=水质生态维护"))

    assert page.find(id="total").text == "18"
    sections = {s["data-type"]: s for s in page.select("section.hit-section")}
    # The clause says the phrase; the standards only carry it as their category.
    assert list(sections) == ["clause", "document", "standard"]
    clause = sections["clause"].select_one("li.hit-clause")
    assert "一类事" in words(clause)
    standards = sections["standard"]
    assert len(standards.select("li.hit")) == 5
    more = standards.select_one("a.more")
    assert "查看全部 16 条标准" in more.text
    rest = html(corpus_client.get(more["href"]))
    assert rest.find(id="total").text == "16"
    assert not rest.select("section.hit-section")


def test_each_section_counts_what_the_api_counts_per_type(corpus_client):
    page = html(corpus_client.get("/?q=严禁超标准、超范围支出"))

    # Real policy text that says the phrase comes before an illustrative standard quoting it.
    assert [s["data-type"] for s in page.select("section.hit-section")][0] == "clause"
    for section in page.select("section.hit-section"):
        kind = section["data-type"]
        api = corpus_client.get(f"/api/v1/search?q=严禁超标准、超范围支出&type={kind}").get_json()
        assert f"{api['total']} 条" in section.h2.text


def test_a_short_query_that_standards_say_keeps_standards_first(corpus_client):
    page = html(corpus_client.get("/?q=会议费"))

    # The 会议费 notice (a document record without text) comes after the standards that quote it.
    assert [s["data-type"] for s in page.select("section.hit-section")] == ["standard", "document"]


def test_every_standard_and_clause_hit_carries_its_citation(corpus_client):
    page = html(corpus_client.get("/?q=水质生态维护"))

    for hit in page.select("li.hit-standard, li.hit-clause"):
        cite = hit.select_one(".hit-cite span[id]")
        button = hit.select_one(".hit-cite button.copy")
        assert button["data-copy-target"] == cite["id"]
    first = page.select_one("li.hit-standard")
    code = first.select_one(".hit-facts").text.split("编号")[1].split()[0]
    expected = corpus_client.get(f"/api/v1/cite/{code}").get_json()["text"]
    assert first.select_one(".hit-cite span[id]").text == expected
    clause = page.select_one("li.hit-clause .hit-cite span[id]").text
    assert clause.startswith("《") and "第" in clause


def test_a_page_past_the_last_shows_the_last(corpus_client):
    page = html(corpus_client.get("/?q=会议费&type=standard&page=999"))

    assert "没有第 999 页（共 2 页）" in page.find(id="page-notice").text
    assert "第 2 / 2 页" in page.select_one(".pagination").text
    assert page.select("li.hit")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("on=2015-13-45", "现行有效日期（on）“2015-13-45”不是有效的日期，请写成 YYYY-MM-DD"),
        ("page=0", "页码（page）“0”应大于或等于 1"),
        ("kind=quota", "标准类型（kind）“quota”应为以下之一"),
    ],
)
def test_a_bad_parameter_is_explained_in_chinese(corpus_client, query, fragment):
    page = html(corpus_client.get(f"/?q=会议费&{query}"), 400)

    assert fragment in page.select_one(".error-message").text


def test_as_of_search_badges_the_status_of_that_day_and_today(corpus_client):
    page = html(corpus_client.get("/?q=差旅住宿费 上海&on=2015-06-01&type=standard"))

    hit = page.select_one("li.hit-standard")
    badges = [words(b) for b in hit.select(".hit-head .badge")]
    assert badges[:2] == ["2015-06-01 现行有效", "今：已被修订"]
    assert words(hit.select_one(".period")) == "2014-01-01 至 2015-12-31"


def test_unknown_dates_say_so(corpus_client):
    # the 专家咨询费 notice's dates were not found: its standards state none
    page = html(corpus_client.get("/?q=专家咨询费&type=standard&level=central"))

    periods = {words(p) for p in page.select(".period")}
    assert periods == {"未载明"}
    assert "—" not in words(page.select_one("li.hit-standard .hit-facts"))


def test_the_empty_query_opens_on_standards_in_force(corpus_client):
    page = html(corpus_client.get("/"))

    assert page.find(id="default-view")
    statuses = {
        words(b) for b in page.select("li.hit-standard .hit-head .badge:not(.badge-illustrative)")
    }
    assert statuses == {"现行有效"}
    # what may be cited comes first: no example before the last real standard
    examples = [bool(li.select(".badge-illustrative")) for li in page.select("li.hit-standard")]
    assert examples and not examples[0]
    assert examples == sorted(examples)
    everything = html(corpus_client.get(page.find(id="default-view").a["href"]))
    assert int(everything.find(id="total").text) > int(page.find(id="total").text)


def test_the_grade_facet_is_in_natural_order_grouped_by_family(corpus_client):
    page = html(corpus_client.get("/?q=会议费"))

    grades = [li.a.text for li in page.select('[data-facet="grade"] li')]
    assert grades == ["一类会议", "二类会议", "三类会议", "四类会议"]


def test_grades_of_several_categories_are_grouped_under_each_category(corpus_client):
    page = html(corpus_client.get("/?q=中央和国家机关"))

    groups: dict[str, list[str]] = {}
    for li in page.select('[data-facet="grade"] li'):
        if "group-head" in (li.get("class") or []):
            heading = li.text
            groups[heading] = []
        else:
            groups[heading].append(li.a.text)
    assert groups["会议费"] == ["一类会议", "二类会议", "三类会议", "四类会议"]
    assert groups["培训费"][:3] == ["一类培训", "二类培训", "三类培训"]
    assert {"部级", "司局级", "其他人员"} <= set(groups["差旅费"])
    meeting = page.select_one(
        '[data-facet="grade"] a[href*="grade=%E4%B8%80%E7%B1%BB%E4%BC%9A%E8%AE%AE"]'
    )
    chosen = html(corpus_client.get(meeting["href"]))
    assert "category=%E4%BC%9A%E8%AE%AE%E8%B4%B9" in meeting["href"]
    assert int(chosen.find(id="total").text) == 4  # 一类会议: 住宿, 伙食, 其他, 合计
    titles = [a.text for a in chosen.select("li.hit-standard a.hit-title")]
    assert titles and all("一类会议" in t for t in titles)


def test_natural_grades_group_families_and_count_numerals():
    counts = {
        "二级": 27,
        "一级": 25,
        "三类培训": 5,
        "一类会议": 4,
        "十二级": 1,
        "二类会议": 4,
        "部级": 3,
        "司局级": 3,
    }

    assert natural_grades(counts) == [
        ("一级", 25, True),
        ("二级", 27, False),
        ("十二级", 1, False),
        ("三类培训", 5, True),
        ("一类会议", 4, True),
        ("二类会议", 4, False),
        ("司局级", 3, True),
        ("部级", 3, False),
    ]


@pytest.mark.parametrize(
    ("start", "end", "status", "expected"),
    [
        (None, None, "in_force", "未载明"),
        ("2024-05-09", None, "in_force", "2024-05-09 起"),
        ("2014-01-01", None, "superseded", "2014-01-01 至 未载明"),
        (None, "2015-12-31", "superseded", "未载明 至 2015-12-31"),
    ],
)
def test_period_text(start, end, status, expected):
    import datetime as dt

    def day(text):
        return dt.date.fromisoformat(text) if text else None

    assert period_text(day(start), day(end), status) == expected
