import io

import pytest

from kb import standards
from kb.accounts import tokens
from kb.db import atomic
from tests.factories import make_standard


def test_documents_list_and_detail_with_the_clause_tree(corpus_client):
    listing = corpus_client.get("/api/v1/documents").get_json()
    titles = {d["title"]: d for d in listing["results"]}
    qingpu = titles["青浦区2024年度全面推开成本预算绩效管理工作方案"]

    assert qingpu["doc_number"] == "青财督〔2024〕58号"
    detail = corpus_client.get(f"/api/v1/documents/{qingpu['slug']}").get_json()
    by_path = {c["path"]: c for c in detail["clauses"]}
    assert by_path["四.8"]["parent_path"] == "四"
    assert by_path["四.8"]["url"] == f"/documents/{qingpu['slug']}#clause-四.8"
    assert (
        corpus_client.get(f"/api/v1/documents/{qingpu['id']}").get_json()["slug"] == qingpu["slug"]
    )


def test_openapi_describes_every_api_route(corpus_app, corpus_client):
    spec = corpus_client.get("/api/v1/openapi.json").get_json()

    documented = {path for path in spec["paths"]}
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in corpus_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api_")
    }
    assert routes and routes <= documented
    assert spec["info"]["title"] == "标准库 API"


# -- documents with a life of their own (issue 13) ---------------------------------------------

NOTICES = (
    "文号,标题,办法名称,发文机关,施行日期,状态,替代文件,来源,已核实\n"
    "沪财行〔2014〕3号,上海市财政局关于印发《上海市市级机关会议费管理办法》的通知,"
    "上海市市级机关会议费管理办法,上海市财政局,2014-03-01,已被替代,沪财行〔2024〕9号,"
    "https://example.edu.cn/repost.html,否\n"
    "沪财行〔2024〕9号,上海市财政局关于印发《上海市市级机关会议费管理办法》的通知,"
    "上海市市级机关会议费管理办法,上海市财政局,2024-05-01,现行有效,,"
    "https://czj.sh.gov.cn/notice.html,是\n"
)


@pytest.fixture
def bearer(session, cast):
    def make(name: str) -> dict[str, str]:
        with atomic(session):
            _, secret = tokens.create_token(session, name)
        return {"Authorization": f"Bearer {secret}"}

    return make


def _upload(client, headers, text, name="notices.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return client.post(
        "/api/v1/documents/import", data=data, headers=headers, content_type="multipart/form-data"
    )


def test_a_reviewer_imports_documents_and_they_are_listed_with_their_status(client, bearer):
    response = _upload(client, bearer("审核员"), NOTICES)

    assert response.status_code == 200
    assert response.get_json() == {
        "added": 2,
        "updated": 0,
        "unchanged": 0,
        "documents": ["沪财行〔2014〕3号", "沪财行〔2024〕9号"],
    }
    old = client.get("/api/v1/documents/沪财行[2014]3号").get_json()
    assert (old["status"], old["status_label"], old["replaced_by"], old["verified"]) == (
        "replaced",
        "已被替代",
        "沪财行〔2024〕9号",
        False,
    )
    assert old["text_held"] is False
    again = _upload(client, bearer("审核员"), NOTICES).get_json()
    assert (again["added"], again["unchanged"]) == (0, 2)


def test_a_documents_file_is_taken_whole_or_not_at_all(client, bearer):
    bad = NOTICES.replace("2024-05-01", "2024-13-01").replace(",是\n", ",是\n未知文号,,,,,,,,\n")

    response = _upload(client, bearer("审核员"), bad)

    assert response.status_code == 422
    problems = response.get_json()["error"]["details"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (3, "施行日期"),
        (4, "文号"),
        (4, "标题"),
    }
    assert client.get("/api/v1/documents").get_json()["total"] == 0


def test_verified_needs_the_issuers_own_address(client, bearer):
    reposted = NOTICES.replace("https://czj.sh.gov.cn/notice.html", "https://example.com/a.html")

    response = _upload(client, bearer("审核员"), reposted)

    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["column"] == "已核实"


def test_a_reviewer_changes_a_documents_status_and_it_is_audited(client, bearer, session):
    _upload(client, bearer("审核员"), NOTICES)
    reviewer = bearer("审核员")

    refused = client.post(
        "/api/v1/documents/沪财行〔2024〕9号/status",
        json={"status": "repealed", "reason": "已由新办法替代"},
        headers=bearer("朱编辑"),
    )
    anonymous = client.post(
        "/api/v1/documents/沪财行〔2024〕9号/status", json={"status": "repealed"}
    )
    no_reason = client.post(
        "/api/v1/documents/沪财行〔2024〕9号/status", json={"status": "repealed"}, headers=reviewer
    )
    done = client.post(
        "/api/v1/documents/沪财行〔2024〕9号/status",
        json={"status": "repealed", "reason": "已停止执行", "effective_to": "2025-12-31"},
        headers=reviewer,
    )

    assert (refused.status_code, anonymous.status_code, no_reason.status_code) == (403, 401, 400)
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["effective_to"]) == (
        "repealed",
        "2025-12-31",
    )
    admin = bearer("管理员")
    entries = client.get("/api/v1/audit?action=document.transition", headers=admin).get_json()
    latest = entries["entries"][0]
    assert (latest["action"], latest["target"], latest["actor"]) == (
        "document.transition",
        "document:沪财行〔2024〕9号",
        "审核员",
    )
    page = client.get("/api/v1/search?q=会议费管理办法&type=document&status=repealed").get_json()
    assert [hit["title"] for hit in page["results"]] == [
        "上海市财政局关于印发《上海市市级机关会议费管理办法》的通知"
    ]


def test_a_reviewer_edits_a_documents_facts(client, bearer):
    _upload(client, bearer("审核员"), NOTICES)

    edited = client.patch(
        "/api/v1/documents/沪财行〔2014〕3号",
        json={"issued_on": "2014-02-20", "notes": "成文日期见原件"},
        headers=bearer("审核员"),
    )
    unofficial = client.patch(
        "/api/v1/documents/沪财行〔2014〕3号", json={"verified": True}, headers=bearer("审核员")
    )

    assert (edited.status_code, edited.get_json()["issued_on"]) == (200, "2014-02-20")
    assert unofficial.status_code == 400


def test_a_reviewer_confirms_a_standards_source_against_the_issuers_site(client, bearer, session):
    with atomic(session):
        standards.write(session, make_standard(source="https://example.edu.cn/repost.html"))
    reviewer = bearer("审核员")
    assert client.get("/api/v1/standards/QP-CQ-0012").get_json()["verified"] is False

    repost = client.post(
        "/api/v1/verify/sources",
        json={"code": "QP-CQ-0012", "address": "https://example.com/a.html"},
        headers=reviewer,
    )
    editor = client.post(
        "/api/v1/verify/sources",
        json={"code": "QP-CQ-0012", "address": "https://www.shqp.gov.cn/a.html"},
        headers=bearer("朱编辑"),
    )
    confirmed = client.post(
        "/api/v1/verify/sources",
        json={"code": "QP-CQ-0012", "address": "https://www.shqp.gov.cn/a.html"},
        headers=reviewer,
    )

    assert (repost.status_code, editor.status_code, confirmed.status_code) == (400, 403, 200)
    assert confirmed.get_json()["verified"] is True
    entries = client.get(
        "/api/v1/audit?action=standard.source_confirm", headers=bearer("管理员")
    ).get_json()["entries"]
    assert [(e["target"], e["actor"]) for e in entries] == [("QP-CQ-0012:v1", "审核员")]
