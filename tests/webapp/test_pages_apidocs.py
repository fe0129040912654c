"""The API page and the spreadsheet help page: what a client developer and a reviewer read."""

from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from kb.accounts import audit
from kb.accounts import lookup_keys
from tests.conftest import PASSWORD


def html(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def operation(page, method, path):
    return page.find("section", id=f"{method}-{path}")


def test_api_page_names_responses_in_chinese_and_puts_q_first(corpus_client):
    page = html(corpus_client.get("/api/"))

    search = operation(page, "get", "/api/v1/search")
    names = [row.find("code").text for row in search.select("table.params tbody tr")]
    assert names[0] == "q"
    assert names[-2:] == ["page", "per_page"]
    cells = {row.find("code").text: row.find_all("td")[-1].text for row in search.select("tr")[1:]}
    assert cells["page"] and cells["per_page"]
    responses = search.select_one(".responses").text
    assert "200 成功" in responses and "OK" not in responses
    assert "Default error response" not in page.text and "Unprocessable Entity" not in page.text


@pytest.mark.parametrize(
    ("path", "field"), [("/api/v1/check", "lines"), ("/api/v1/verify", "text")]
)
def test_api_page_shows_the_request_fields_of_posts(corpus_client, path, field):
    page = html(corpus_client.get("/api/"))

    fields = operation(page, "post", path).select("table.request-fields code")
    assert field in [code.text for code in fields]


def test_standard_page_offers_formulas_that_fetch_its_value_and_citation(corpus_client):
    page = html(corpus_client.get("/standards/RS-HY-004"))

    value = page.find(id="formula-value").text
    citation = page.find(id="formula-citation").text
    assert value == '=VALUE(WEBSERVICE("http://localhost/api/v1/lookup?code=RS-HY-004"))'
    assert citation == '=WEBSERVICE("http://localhost/api/v1/lookup?code=RS-HY-004&field=citation")'
    url = citation.split('"')[1].removeprefix("http://localhost")
    cited = corpus_client.get("/api/v1/cite/RS-HY-004").get_json()["text"]
    assert corpus_client.get(url).get_data(as_text=True) == cited


def test_excel_help_page_explains_both_functions_with_examples(corpus_client):
    page = html(corpus_client.get("/excel"))

    text = page.find(id="excel-help").text
    assert "WEBSERVICE" in text and "自网站" in text
    assert "http://localhost/api/v1/lookup?code=RS-HY-004" in text
    assert "不唯一：N 条，请加条件" in text
    csv_url = next(c.text for c in page.find_all("code") if "search.csv" in c.text)
    assert corpus_client.get(csv_url.removeprefix("http://localhost")).status_code == 200


def test_a_user_makes_and_revokes_a_lookup_key_on_the_help_page(settings, session, cast):
    from webapp import create_app
    from webapp.db import close

    app = create_app(replace(settings, read_requires_login=True))
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    try:
        client.post("/login", data={"name": "查看员", "password": PASSWORD})
        page = html(client.post("/excel/key"), 201)
        secret = page.find(id="lookup-key-secret").text
        assert secret.startswith("kbl_")
        assert client.get(f"/api/v1/search.csv?q=x&key={secret}").status_code == 200

        html(client.post("/excel/key/revoke"))
        assert client.get(f"/api/v1/search.csv?q=x&key={secret}").status_code == 401
        session.expire_all()
        assert lookup_keys.current_key(session, cast.viewer) is None
        actions = [e.action for e in audit.entries(session).entries]
        assert {"lookup_key.create", "lookup_key.revoke", "lookup_key.refused"} <= set(actions)
    finally:
        close(app)


def test_an_upload_route_shows_each_request_form_apart_in_chinese(corpus_client):
    page = html(corpus_client.get("/api/"))

    tables = operation(page, "post", "/api/v1/check").select("table.request-fields")
    captions = [t.caption.text for t in tables]
    assert captions == ["请求内容（JSON）", "请求内容（上传表单 multipart/form-data）"]
    upload = {tr.code.text: tr.find_all("td") for tr in tables[1].select("tbody tr")}
    assert upload["file"][1].text == "文本"
    assert "预算表" in upload["file"][2].text
    assert "string" not in page.select_one("section.operation table").text
