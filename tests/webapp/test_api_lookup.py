"""GET /api/v1/lookup and /api/v1/search.csv: what a spreadsheet cell or import receives.

Statuses (see webapp/api/lookup.py): a found value, an empty field, 未找到 and 不唯一 are 200
text; a formula that is wrong (field, date, neither code nor q, bad key) is a 4xx JSON error.
"""

import csv
import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal

import pytest

from indexer import sync
from kb import standards
from kb.accounts import lookup_keys
from kb.accounts import tokens
from kb.db import atomic
from tests.factories import make_standard


@pytest.fixture
def lookup(corpus_client):
    def call(**params):
        response = corpus_client.get("/api/v1/lookup", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.content_type == "text/plain; charset=utf-8"
        return response.headers["X-Lookup-Result"], response.get_data(as_text=True)

    return call


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("value", "760"),
        ("unit", "元/人·天"),
        ("name", "中央和国家机关会议费综合定额（一类会议·综合定额合计）"),
        ("status", "现行有效"),
        ("grade", "一类会议"),
    ],
)
def test_a_field_of_a_standard_by_code(lookup, field, expected):
    assert lookup(code="RS-HY-004", field=field) == ("found", expected)


def test_value_is_the_default_field_and_an_empty_field_is_an_empty_cell(lookup):
    assert lookup(code="RS-HY-004") == ("found", "760")
    assert lookup(code="RS-HY-004", field="value_max") == ("empty", "")


def test_the_citation_is_the_one_the_cite_route_gives(lookup, corpus_client):
    cited = corpus_client.get("/api/v1/cite/RS-HY-004").get_json()["text"]

    assert lookup(code="RS-HY-004", field="citation") == ("found", cited)


def test_on_a_date_answers_for_that_date(lookup):
    assert lookup(code="RS-CL-007", on="2015-06-01", field="status") == (
        "found",
        "现行有效（现已被修订）",
    )
    assert lookup(code="RS-CL-007", on="2015-06-01", field="effective_from") == (
        "found",
        "2014-01-01",
    )
    result, text = lookup(code="RS-CL-007", on="2010-01-01")
    assert result == "not_found"
    assert text.startswith("未找到：") and "尚未生效" in text


def test_an_unknown_code_is_a_readable_not_found(lookup):
    assert lookup(code="NO-SUCH-1") == ("not_found", "未找到：没有编号为 NO-SUCH-1 的标准")


def test_a_description_answers_only_when_exactly_one_standard_fits(lookup):
    assert lookup(q="会议费", level="central", grade="一类会议") == (
        "ambiguous",
        "不唯一：4 条，请加条件",
    )
    assert lookup(q="会议费", level="central", grade="一类会议", item="一类会议·综合定额合计") == (
        "found",
        "760",
    )
    assert lookup(q="会议费", level="central", grade="一类会议", region="朱家角镇") == (
        "not_found",
        "未找到",
    )


def test_a_description_on_a_date_finds_the_version_of_that_date(lookup):
    assert lookup(q="差旅住宿费 上海 部级", on="2015-06-01") == ("found", "800")
    # Today the 2016 table (财行〔2015〕497号) is in force: the same standard, its second version.
    assert lookup(q="差旅住宿费 上海 部级") == ("found", "1100")
    assert lookup(q="差旅住宿费 上海 部级", on="2013-06-01") == ("not_found", "未找到")


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"code": "RS-HY-004", "field": "price"}, "field", "应为以下之一"),
        ({"code": "RS-HY-004", "on": "2015-13-45"}, "on", "YYYY-MM-DD"),
        ({"field": "value"}, "code", "q=检索词"),
    ],
)
def test_a_wrong_formula_is_a_400_json_error_in_chinese(corpus_client, params, field, fragment):
    response = corpus_client.get("/api/v1/lookup", query_string=params)

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameters"
    assert fragment in error["details"][field][0]


def read_csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/csv; charset=utf-8"
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_search_csv_has_one_row_per_standard_with_fields_and_citation(corpus_client):
    api = corpus_client.get("/api/v1/search?q=会议费&level=central&type=standard&per_page=100")
    rows = read_csv(corpus_client.get("/api/v1/search.csv?q=会议费&level=central"))

    expected = {hit["code"] for hit in api.get_json()["results"]}
    assert {row["标准编号"] for row in rows} == expected
    assert len(rows) == len(expected) == api.get_json()["total"]
    row = next(r for r in rows if r["标准编号"] == "RS-HY-004")
    cited = corpus_client.get("/api/v1/cite/RS-HY-004").get_json()["text"]
    assert (row["标准值"], row["计量单位"], row["层级"], row["状态"]) == (
        "760",
        "元/人·天",
        "中央",
        "现行有效",
    )
    assert row["引用"] == cited
    assert row["链接"] == "/standards/RS-HY-004?version=2"  # the 2016 rate; 2014's was 660


def test_search_csv_neutralises_cells_that_would_run_as_formulas(settings, session, client):
    with atomic(session):
        standards.write(
            session,
            make_standard(code="INJ-1", name='=HYPERLINK("http://x")绿化', value=Decimal("-5")),
        )
    sync.rebuild(settings, session)

    rows = read_csv(client.get("/api/v1/search.csv?q=绿化"))

    assert rows[0]["标准名称"] == '\'=HYPERLINK("http://x")绿化'
    assert rows[0]["标准值"] == "-5"


def test_both_routes_are_in_the_openapi_document(corpus_client):
    paths = corpus_client.get("/api/v1/openapi.json").get_json()["paths"]

    lookup = paths["/api/v1/lookup"]["get"]
    assert "text/plain; charset=utf-8" in lookup["responses"]["200"]["content"]
    assert {p["name"] for p in lookup["parameters"]} >= {"code", "q", "field", "on", "key"}
    assert (
        "text/csv; charset=utf-8"
        in paths["/api/v1/search.csv"]["get"]["responses"]["200"]["content"]
    )


@pytest.fixture
def closed_client(settings, session, cast):
    """An app where reading needs an account, with one standard indexed."""
    from webapp import create_app
    from webapp.db import close

    with atomic(session):
        standards.write(session, make_standard(effective_from=dt.date(2024, 5, 9)))
    sync.rebuild(settings, session)
    app = create_app(replace(settings, read_requires_login=True))
    yield app.test_client()
    close(app)


def test_a_lookup_key_in_the_url_reads_but_never_writes(closed_client, session):
    with atomic(session):
        _, key = lookup_keys.create_key(session, "朱编辑")

    assert closed_client.get("/api/v1/lookup?code=QP-CQ-0012").status_code == 401
    found = closed_client.get(f"/api/v1/lookup?code=QP-CQ-0012&key={key}")
    assert (found.status_code, found.get_data(as_text=True)) == (200, "18.50")
    assert closed_client.get(f"/api/v1/search.csv?q=绿化&key={key}").status_code == 200
    # Anywhere else the key opens nothing: not other reads, not writes.
    assert closed_client.get(f"/api/v1/standards/QP-CQ-0012?key={key}").status_code == 401
    written = closed_client.put(
        f"/api/v1/standards/QP-CQ-0012?key={key}", json={"value": "1", "base_version": 1}
    )
    assert written.status_code == 401


def test_a_revoked_or_wrong_key_is_a_401(closed_client, session):
    with atomic(session):
        _, key = lookup_keys.create_key(session, "查看员")
        lookup_keys.revoke_key(session, "查看员")
        _, token = tokens.create_token(session, "查看员")

    revoked = closed_client.get(f"/api/v1/lookup?code=QP-CQ-0012&key={key}")
    assert revoked.status_code == 401
    assert revoked.get_json()["error"]["message"] == "查询密钥已吊销"
    # An API token is not a lookup key: it belongs in a header, never in a URL.
    assert closed_client.get(f"/api/v1/lookup?code=QP-CQ-0012&key={token}").status_code == 401
