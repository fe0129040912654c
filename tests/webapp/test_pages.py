"""The Chinese pages, rendered by Flask and read back as parsed HTML."""

import pytest
from bs4 import BeautifulSoup

from indexer import sync
from kb import standards
from tests.factories import make_standard


def html(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_search_page_shows_ranked_hits_with_figures_and_facets(corpus_client):
    page = html(corpus_client.get("/?q=会议费&kind=expenditure"))

    assert page.find(id="total").text.strip() != "0"
    first = page.select_one("li.hit-standard")
    assert "元/人·天" in first.select_one(".hit-facts").text
    facet_levels = [a.text.strip() for a in page.select('[data-facet="level"] a')]
    assert "中央" in facet_levels
    assert page.select_one("#q")["value"] == "会议费"


def test_empty_result_suggests_a_way_out(corpus_client):
    page = html(corpus_client.get("/?q=绿化维护&level=central"))

    assert page.find(id="total").text == "0"
    links = [a.text for a in page.select(".empty a")]
    assert "去掉全部筛选条件" in links


def test_standard_page_links_its_basis_to_the_exact_clause(corpus_client):
    listing = corpus_client.get(
        "/api/v1/search?q=公共绿地 一级 养护&type=standard&region=青浦区"
    ).get_json()
    code = listing["results"][0]["code"]

    page = html(corpus_client.get(f"/standards/{code}"))

    assert page.select_one(".badge-illustrative").text == "示例"
    basis_links = [a["href"] for a in page.select("ul.basis a")]
    assert any(href.endswith("#clause-四.8") or "#clause-三." in href for href in basis_links)
    assert page.select_one("#permalink")["href"].endswith(f"/standards/{code}?version=1")


def test_real_standard_shows_its_sources_and_no_illustrative_badge(corpus_client):
    page = html(corpus_client.get("/standards/RS-HY-004"))

    assert page.select_one(".figure-big strong").text == "760"
    assert page.select_one(".badge-illustrative") is None
    assert page.select("ul.sources a")[0]["href"].startswith(("http://", "https://"))
    # read from reposts only: shown as not verified
    assert page.select_one(".badge-unverified").text == "未核实"


def test_document_page_has_anchors_and_a_table_of_contents(corpus_client):
    docs = corpus_client.get("/api/v1/documents").get_json()["results"]
    slug = next(d["slug"] for d in docs if d["doc_number"] == "青财督〔2024〕58号")

    page = html(corpus_client.get(f"/documents/{slug}"))

    clause = page.find(id="clause-四.8")
    assert "双监控" in clause.text
    assert page.select_one('nav.toc a[href="#clause-四"]') is not None
    assert page.select("section.clause .cited-by"), "illustrative standards cite the plan"
    # the citation is shown, not only copied, and the link names the clause
    assert clause.select_one(".clause-cite").text == (
        "《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第四部分第8条"
    )
    assert clause.select_one("a.anchor").text == "第四部分第8条的链接"
    assert not clause.select(".visually-hidden")


def test_browse_counts_by_level_and_domain(corpus_client):
    page = html(corpus_client.get("/browse/"))

    levels = [a.text for a in page.select(".browse section:first-child .tree > li > a")]
    assert levels[0] == "中央"
    assert "城市运维" in page.text


def test_api_page_documents_the_routes(corpus_client):
    page = html(corpus_client.get("/api/"))

    assert "/api/v1/search" in page.text
    assert "/api/v1/standards/{code}" in page.text


def test_user_text_is_escaped_everywhere(settings, session, client):
    hostile = "<script>alert(1)</script>绿化"
    standards.write(session, make_standard(code="XSS-1", name=hostile, conditions=hostile))
    session.commit()
    sync.rebuild(settings, session)

    for url in ("/?q=绿化", "/standards/XSS-1"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    api_body = client.get("/api/v1/search?q=绿化").get_json()
    assert "<script>" not in api_body["results"][0]["snippet"]


def test_security_headers(client):
    response = client.get("/")

    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_outside(corpus_client):
    page = html(corpus_client.get("/?q=会议费"))

    sources = [t.get("src") or t.get("href") for t in page.find_all(["script", "link", "img"])]
    assert sources and all(s.startswith("/") for s in sources if s)


def test_browse_nests_towns_under_their_district(corpus_client):
    page = html(corpus_client.get("/browse/"))

    town = page.select_one('#by-level > li[data-level="town"]')
    qingpu = next(li for li in town.select("li.place") if li.find("span", class_="place-name"))
    assert qingpu.find("span", class_="place-name").text == "青浦区"
    towns = [a.text for a in qingpu.select("li.place a")]
    assert "朱家角镇" in towns and "桃浦镇" not in towns
    link = qingpu.select_one("li.place a")["href"]
    assert "level=town" in link and "region=" in link
    central = page.select_one('#by-level > li[data-level="central"]')
    groups = [span.text for span in central.select("span.group")]
    assert set(groups) == {"省级地区", "市级地区"}


def test_standard_page_lists_the_other_grades_of_its_item(corpus_client):
    page = html(corpus_client.get("/standards/RS-HY-001"))

    grades = [tr.find_all("td")[2].text for tr in page.select("table.related tbody tr")]
    assert grades[:3] == ["二类会议", "三类会议", "四类会议"]


def test_standard_page_says_when_dates_are_not_stated(corpus_client):
    # the 专家咨询费 notice's dates were not found: its standards state none
    page = html(corpus_client.get("/standards/RS-ZJ-001"))

    fields = {div.dt.text: div.dd.text for div in page.select("dl.fields > div")}
    assert (fields["生效日期"], fields["失效日期"]) == ("未载明", "无（持续有效）")
    assert page.select_one("table.versions tbody td:nth-of-type(3)").text == "未载明"


@pytest.mark.parametrize(
    ("slug", "issuer", "issued"),
    [
        ("qingpu-2024-cost-budget-performance-plan", "青浦区财政局", "2024-05-09"),
        # the 普陀 report's text names neither who issued it nor when
        ("putuo-2024-budget-performance-report", "未载明", "未载明"),
    ],
)
def test_document_page_names_its_issuer_and_date_or_says_they_are_not_stated(
    corpus_client, slug, issuer, issued
):
    page = html(corpus_client.get(f"/documents/{slug}"))

    assert page.find(id="document-issuer").text == issuer
    assert page.find(id="document-issued").text == issued
