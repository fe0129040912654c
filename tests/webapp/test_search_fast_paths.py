"""The search routes' shortcuts give what the general machinery gives.

The API dumps a search page with a plan compiled from ``SearchPageSchema`` instead of
``schema.dump``, and the search page builds its facet links once per facet instead of through
``url_with`` per value; both must stay byte-for-byte what they replace.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from marshmallow import Schema
from marshmallow import fields

from indexer.search import SearchHit
from indexer.search import SearchPage
from webapp.api.dumping import compile_dump
from webapp.api.schemas.search import SearchPageSchema
from webapp.api.schemas.standards import StandardSchema
from webapp.api.search import dump_search_page
from webapp.api.search import run_search

# -- the compiled dump --------------------------------------------------------------------------

text = st.text(max_size=12)
maybe_text = st.none() | text

hits = st.builds(
    SearchHit,
    type=st.sampled_from(["standard", "clause", "document"]),
    id=text,
    title=text,
    snippet=text,
    url=text,
    score=st.none() | st.floats(allow_nan=False) | st.integers(-5, 5),
    code=maybe_text,
    version=st.none() | st.integers(-(2**40), 2**40) | st.booleans(),
    kind=maybe_text,
    level=maybe_text,
    region=maybe_text,
    domain=maybe_text,
    category=maybe_text,
    grade=maybe_text,
    value=st.none() | text | st.integers(0, 10**6),
    value_max=maybe_text,
    unit=maybe_text,
    status=maybe_text,
    effective_from=st.none() | st.dates(),
    effective_to=st.none() | st.dates() | st.datetimes(),
    illustrative=st.none() | st.booleans() | st.sampled_from([0, 1, "true", "no", ""]),
    document_id=st.none() | st.integers(0, 10**9),
    document_title=maybe_text,
    clause_path=maybe_text,
)
facets = st.dictionaries(
    st.sampled_from(["kind", "level", "region", "year"]),
    st.dictionaries(text | st.integers(1900, 2100), st.integers(0, 10**6) | st.booleans()),
)
pages = st.builds(
    SearchPage,
    total=st.integers(0, 10**6),
    page=st.integers(1, 100),
    per_page=st.integers(1, 100),
    results=st.lists(hits, max_size=4).map(tuple),
    facets=facets,
    relaxed=st.booleans(),
)


@given(pages)
@hypothesis_settings(max_examples=300)
def test_compiled_dump_equals_marshmallow_on_any_page(page):
    assert dump_search_page(page) == SearchPageSchema().dump(page)


@given(st.dictionaries(st.sampled_from(["total", "page", "per_page", "results", "x"]), st.none()))
def test_compiled_dump_reads_mappings_and_missing_keys_as_marshmallow_does(data):
    assert dump_search_page(data) == SearchPageSchema().dump(data)


def test_compiled_dump_equals_marshmallow_on_real_answers(corpus_client):
    for query in ("会议费", "差旅住宿费 上海", "双监控", "保洁", "没有这个词"):
        body = corpus_client.get("/api/v1/search", query_string={"q": query}).get_json()
        assert body is not None
        with corpus_client.application.test_request_context():
            page = run_search({"q": query, "page": 1, "per_page": 10, "sort": "relevance"})
        assert body == SearchPageSchema().dump(page)
        assert dump_search_page(page) == SearchPageSchema().dump(page)


def test_compiled_dump_keeps_key_order():
    hit = SearchHit(type="standard", id="s1", title="t", snippet="s", url="/u", version=2)
    page = SearchPage(total=1, page=1, per_page=10, results=(hit,), facets={"kind": {"a": 1}})
    fast, slow = dump_search_page(page), SearchPageSchema().dump(page)
    assert list(fast) == list(slow)
    assert list(fast["results"][0]) == list(slow["results"][0])


def test_fields_it_cannot_reproduce_are_refused_when_compiling():
    with pytest.raises(TypeError):
        compile_dump(StandardSchema())  # its UtcDateTime fields

    class WithDefault(Schema):
        n = fields.Integer(dump_default=3)

    with pytest.raises(TypeError):
        compile_dump(WithDefault())

    class Dotted(Schema):
        n = fields.String(attribute="a.b")

    with pytest.raises(TypeError):
        compile_dump(Dotted())


def test_function_and_decimal_fields_dump_as_marshmallow_dumps_them():
    from decimal import Decimal

    from webapp.api.schemas.base import ExactDecimal

    class Figures(Schema):
        label = fields.Function(lambda row: f"{row.name}：{row.exact}")
        exact = ExactDecimal(allow_none=True)
        rounded = fields.Decimal(places=1, as_string=True)
        number = fields.Decimal()
        tagged = fields.Function(lambda row: None, data_key="tag")

    class Row:
        def __init__(self, exact):
            self.name, self.exact = "会议费", exact
            self.rounded = self.number = exact

    schema = Figures()
    dump = compile_dump(schema)
    for exact in (Decimal("18.50"), Decimal("-0.0"), Decimal("1E+3"), Decimal("7.25"), 3, None):
        assert dump(Row(exact)) == schema.dump(Row(exact))
    assert dump(Row(Decimal("1E+3")))["exact"] == "1000"
    assert list(dump(Row(Decimal(1)))) == ["label", "exact", "rounded", "number", "tag"]


def test_data_keys_and_attributes_are_followed():
    class Renamed(Schema):
        when = fields.Date(data_key="on", attribute="day")
        label = fields.String()

    class Row:
        day = dt.date(2024, 1, 2)

    assert compile_dump(Renamed())(Row()) == Renamed().dump(Row()) == {"on": "2024-01-02"}


# -- the query string parser of the search API --------------------------------------------------


def test_api_reads_the_first_of_repeated_parameters_and_ignores_unknown_ones(corpus_client):
    once = corpus_client.get("/api/v1/search?q=会议费&kind=expenditure").get_json()
    twice = corpus_client.get(
        "/api/v1/search?q=会议费&kind=expenditure&kind=cost_quota&unknown=1"
    ).get_json()
    assert twice == once


def test_api_still_refuses_bad_parameters_by_field(corpus_client):
    response = corpus_client.get("/api/v1/search?q=x&kind=nope&page=0&on=2024-13-01")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameters"
    assert set(error["details"]) == {"kind", "page", "on"}


# -- facet links --------------------------------------------------------------------------------

keys = st.sampled_from(["q", "kind", "level", "region", "grade", "page", "sort", "on", "x y"])
values = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=6) | st.sampled_from(
    ["", "town", "central", "青浦区", "a&b=c", "100%", "+ /?"]
)


@given(st.lists(st.tuples(keys, values), max_size=8))
@hypothesis_settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_facet_items_link_where_url_with_links(corpus_app, pairs):
    from webapp.pages import LABELS
    from webapp.pages import url_with
    from webapp.pages.search import facet_links

    counts = {"town": 3, "青浦区": 2, "a&b=c": 1, "100%": 1, "": 1, "+ /?": 1, "<b>'\"": 4}
    page = SearchPage(
        total=9,
        page=1,
        per_page=10,
        facets={"level": dict(counts), "region": dict(counts), "grade": {}, "kind": {"x": 1}},
    )
    args = {k: v for k, v in reversed(pairs) if v != ""}  # any loaded values will do
    with corpus_app.test_request_context("/?" + urlencode(pairs)):
        built = facet_links(page, args)
        assert [f.name for f in built] == ["kind", "level", "region"]
        for facet in built:
            items = BeautifulSoup(str(facet.items), "html.parser").select("li")
            assert len(items) == len(page.facets[facet.name])
            for (value, count), item in zip(page.facets[facet.name].items(), items, strict=True):
                chosen = facet.name in args and str(args[facet.name]) == value
                link = item.a
                assert link["href"] == url_with(
                    **{facet.name: None if chosen else value, "page": None}
                )
                assert link.text == LABELS.get(facet.name, {}).get(value, value)
                assert item.select_one(".count").text == str(count)
                assert ("chosen" in (item.get("class") or [])) == chosen
                assert (link.get("aria-current") == "true") == chosen


def test_facet_labels_and_links_are_escaped(corpus_client):
    from webapp.pages.search import facet_links

    hostile = '<script>alert("x")</script>&'
    page = SearchPage(total=1, page=1, per_page=10, facets={"region": {hostile: 1}})
    with corpus_client.application.test_request_context("/?q=%3Cb%3E"):
        (facet,) = facet_links(page, {"q": "<b>"})
    assert "<script>" not in facet.items and "&lt;script&gt;" in facet.items
    assert BeautifulSoup(str(facet.items), "html.parser").a.text == hostile


def test_facet_values_carry_labels_and_counts(corpus_client):
    response = corpus_client.get("/?q=会议费&level=central&page=1")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    level = page.select('[data-facet="level"] li')
    chosen = [li for li in level if "chosen" in (li.get("class") or [])]
    assert [li.a.text.strip() for li in chosen] == ["中央"]
    assert chosen[0].a["aria-current"] == "true"
    assert chosen[0].a["href"] == "/?q=%E4%BC%9A%E8%AE%AE%E8%B4%B9"
    assert all(li.select_one(".count").text.strip().isdigit() for li in level)
