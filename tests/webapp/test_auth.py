"""webapp.auth: what each requester may see. Drafts (rejected or not) only for signed-in
accounts whose organisation's scope holds them, and admins; published and consultation
versions for everyone: pages, API and search alike."""

from __future__ import annotations

import pytest

NEW_DRAFT = {
    "name": "朱家角镇河道保洁成本定额",
    "kind": "cost_quota",
    "level": "town",
    "region": "朱家角镇",
    "domain": "城市运维",
    "unit": "元/平方米·年",
    "value": "3.2",
}


@pytest.fixture
def draft_code(client, bearer):
    created = client.post("/api/v1/standards", json=NEW_DRAFT, headers=bearer("朱编辑"))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["code"]


def codes_found(client, query, headers=None):
    answer = client.get(f"/api/v1/search?{query}", headers=headers or {})
    assert answer.status_code == 200, answer.get_json()
    return [hit["code"] for hit in answer.get_json()["results"] if hit["type"] == "standard"]


def test_anonymous_requests_do_not_see_a_draft(client, draft_code):
    for path in (
        f"/api/v1/standards/{draft_code}",
        f"/api/v1/standards/{draft_code}?version=1",
        f"/api/v1/standards/{draft_code}/versions",
        f"/api/v1/cite/{draft_code}",
        f"/standards/{draft_code}",
        f"/standards/{draft_code}/versions",
    ):
        assert client.get(path).status_code == 404, path
    cell = client.get(f"/api/v1/lookup?code={draft_code}")
    assert cell.headers["X-Lookup-Result"] == "not_found"
    assert cell.get_data(as_text=True) == f"未找到：没有编号为 {draft_code} 的标准"
    assert codes_found(client, "q=河道保洁") == []
    assert codes_found(client, "q=河道保洁&type=standard") == []
    assert client.get("/api/v1/standards").get_json()["total"] == 0
    assert client.get("/api/v1/search?q=河道保洁&status=draft").status_code == 401
    page = client.get("/?q=河道保洁")
    assert page.status_code == 200 and draft_code not in page.get_data(as_text=True)


@pytest.mark.parametrize("account", ["朱编辑", "查看员", "审核员", "管理员"])
def test_the_drafting_organisation_reviewers_and_admins_see_it(client, bearer, draft_code, account):
    headers = bearer(account)
    answer = client.get(f"/api/v1/standards/{draft_code}", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "draft"
    assert codes_found(client, "q=河道保洁&status=draft", headers) == [draft_code]


def test_another_town_does_not_see_it(client, bearer, draft_code):
    headers = bearer("练编辑")
    assert client.get(f"/api/v1/standards/{draft_code}", headers=headers).status_code == 404
    assert codes_found(client, "q=河道保洁&status=draft", headers) == []
    refused = client.get("/api/v1/search?q=河道保洁&status=draft&region=朱家角镇", headers=headers)
    assert refused.status_code == 403


def test_a_published_version_is_public_and_a_later_draft_is_not(client, bearer, draft_code):
    reviewer, editor = bearer("审核员"), bearer("朱编辑")
    published = client.post(
        f"/api/v1/standards/{draft_code}/status",
        json={"status": "in_force", "effective_from": "2026-01-01", "version": 1},
        headers=reviewer,
    )
    assert published.status_code == 200, published.get_json()
    revised = client.put(
        f"/api/v1/standards/{draft_code}",
        json={"value": "3.5", "base_version": 1},
        headers=editor,
    )
    assert revised.status_code == 200, revised.get_json()

    anonymous = client.get(f"/api/v1/standards/{draft_code}").get_json()
    assert (anonymous["version"], anonymous["status"]) == (1, "in_force")
    assert client.get(f"/api/v1/standards/{draft_code}?version=2").status_code == 404
    history = client.get(f"/api/v1/standards/{draft_code}/versions").get_json()["versions"]
    assert [entry["version"] for entry in history] == [1]
    assert "3.5" not in str(history)
    mine = client.get(f"/api/v1/standards/{draft_code}/versions", headers=editor).get_json()
    assert [entry["version"] for entry in mine["versions"]] == [1, 2]
    assert codes_found(client, "q=河道保洁") == [draft_code]


def test_the_default_search_keeps_documents_and_clauses_but_no_drafts(corpus_client):
    answer = corpus_client.get("/api/v1/search?q=成本").get_json()
    assert "draft" not in answer["facets"]["status"]
    assert {"standard", "clause", "document"} <= set(answer["facets"]["type"])
    listed = corpus_client.get("/api/v1/standards?per_page=100").get_json()
    assert "draft" not in listed["facets"]["status"]
    assert all(hit["status"] != "draft" for hit in listed["results"])


def test_a_comparison_leaves_out_drafts_the_requester_may_not_see(client, bearer, draft_code):
    anonymous = client.get(f"/api/v1/compare?codes={draft_code}").get_json()
    assert [c["code"] for c in anonymous["columns"]] == []
    mine = client.get(f"/api/v1/compare?codes={draft_code}", headers=bearer("朱编辑")).get_json()
    assert [c["code"] for c in mine["columns"]] == [draft_code]


def test_a_public_history_does_not_diff_against_a_hidden_draft(client, bearer, draft_code):
    reviewer, editor = bearer("审核员"), bearer("朱编辑")
    publish = {"status": "in_force", "effective_from": "2026-01-01"}
    client.post(
        f"/api/v1/standards/{draft_code}/status", json={**publish, "version": 1}, headers=reviewer
    )
    client.put(
        f"/api/v1/standards/{draft_code}", json={"value": "9.9", "base_version": 1}, headers=editor
    )
    rejected = client.post(
        f"/api/v1/standards/{draft_code}/status",
        json={"status": "rejected", "reason": "数值有误", "version": 2},
        headers=reviewer,
    )
    assert rejected.status_code == 200, rejected.get_json()
    client.put(
        f"/api/v1/standards/{draft_code}", json={"value": "3.6", "base_version": 2}, headers=editor
    )
    client.post(
        f"/api/v1/standards/{draft_code}/status",
        json={**publish, "effective_from": "2026-06-01", "version": 3},
        headers=reviewer,
    )

    entries = client.get(f"/api/v1/standards/{draft_code}/versions").get_json()["versions"]
    assert [entry["version"] for entry in entries] == [1, 3]
    assert "9.9" not in str(entries)
    assert "3.2" in str(entries[1]) and "3.6" in str(entries[1])
