"""The maintenance story over the API: drafts, conflicts, publishing, permissions, audit."""

import datetime as dt
import io

import pytest

from kb import standards
from kb.accounts import tokens
from kb.db import atomic
from tests.factories import make_standard


@pytest.fixture
def zhujiajiao_quota(session, cast):
    with atomic(session):
        standards.write(
            session,
            make_standard(code="ZJJ-CQ-1", region="朱家角镇", effective_from=dt.date(2024, 1, 1)),
        )
    return "ZJJ-CQ-1"


def test_the_acceptance_story(client, bearer, zhujiajiao_quota):
    editor, other, reviewer, viewer = (
        bearer("朱编辑"),
        bearer("练编辑"),
        bearer("审核员"),
        bearer("查看员"),
    )
    first = client.get("/api/v1/standards/ZJJ-CQ-1")
    etag = first.headers["ETag"]

    assert client.put("/api/v1/standards/ZJJ-CQ-1", json={"value": "20.00"}).status_code == 401
    assert (
        client.put(
            "/api/v1/standards/ZJJ-CQ-1", json={"value": "20.00", "base_version": 1}, headers=viewer
        ).status_code
        == 403
    )
    refused = client.put(
        "/api/v1/standards/ZJJ-CQ-1", json={"value": "20.00", "base_version": 1}, headers=other
    )
    assert refused.status_code == 403
    assert "练塘镇" in refused.get_json()["error"]["message"]

    drafted = client.put(
        "/api/v1/standards/ZJJ-CQ-1",
        json={"value": "20.00", "reason": "2025年成本分析"},
        headers={**editor, "If-Match": etag},
    )
    assert drafted.status_code == 200, drafted.get_json()
    assert (drafted.get_json()["version"], drafted.get_json()["status"]) == (2, "draft")

    stale = client.put(
        "/api/v1/standards/ZJJ-CQ-1",
        json={"value": "21.00"},
        headers={**editor, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert "第2版" in stale.get_json()["error"]["message"]

    published = client.post(
        "/api/v1/standards/ZJJ-CQ-1/status",
        json={"status": "in_force", "effective_from": "2026-01-01", "version": 2},
        headers=reviewer,
    )
    assert published.status_code == 200, published.get_json()

    assert client.get("/api/v1/standards/ZJJ-CQ-1?on=2025-06-01").get_json()["value"] == "18.50"
    assert client.get("/api/v1/standards/ZJJ-CQ-1?on=2026-06-01").get_json()["value"] == "20.00"
    old = client.get("/api/v1/standards/ZJJ-CQ-1?version=1").get_json()
    assert (old["status"], old["effective_to"]) == ("superseded", "2025-12-31")
    cite_then = client.get("/api/v1/cite/ZJJ-CQ-1?on=2025-06-01").get_json()["text"]
    assert "第1版" in cite_then and "18.50" in cite_then
    hits = client.get("/api/v1/search?q=公共绿地&on=2026-06-01").get_json()["results"]
    assert [(h["code"], h["value"]) for h in hits if h["code"] == "ZJJ-CQ-1"] == [
        ("ZJJ-CQ-1", "20.00")
    ]

    log = client.get("/api/v1/audit?target=ZJJ-CQ-1", headers=bearer("管理员")).get_json()
    actions = [e["action"] for e in reversed(log["entries"])]
    assert actions[:2] == ["standard.revise", "standard.transition"]
    assert client.get("/api/v1/audit", headers=editor).status_code == 403


def test_an_edit_without_a_base_version_is_428(client, bearer, zhujiajiao_quota):
    response = client.put(
        "/api/v1/standards/ZJJ-CQ-1", json={"value": "1"}, headers=bearer("朱编辑")
    )

    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "precondition_required"


def test_two_edits_of_one_version_give_one_version_and_one_conflict(
    client, bearer, zhujiajiao_quota
):
    editor = bearer("朱编辑")
    results = [
        client.put(
            "/api/v1/standards/ZJJ-CQ-1", json={"value": value, "base_version": 1}, headers=editor
        )
        for value in ("19.00", "19.50")
    ]

    assert [r.status_code for r in results] == [200, 409]
    assert (
        client.get("/api/v1/standards/ZJJ-CQ-1/versions", headers=editor).get_json()["versions"][
            -1
        ]["version"]
        == 2
    )


def test_create_a_draft_with_field_errors_in_chinese(client, bearer, cast):
    editor = bearer("朱编辑")
    bad = client.post(
        "/api/v1/standards",
        json={
            "name": "x",
            "kind": "成本定额标准",
            "level": "镇级",
            "region": "朱家角镇",
            "domain": "城市运维",
            "value": "abc",
        },
        headers=editor,
    )
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["details"]) >= {"value"}

    good = client.post(
        "/api/v1/standards",
        json={
            "name": "朱家角镇公厕保洁成本定额",
            "kind": "成本定额标准",
            "level": "镇级",
            "region": "朱家角镇",
            "domain": "城市运维",
            "unit": "元/座·年",
            "value": "36000",
        },
        headers=editor,
    )
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["status"] == "draft"
    assert good.headers["Location"].startswith("/api/v1/standards/")


def qingpu_rows(session_count=3):
    """A small interchange file of 青浦区 quotas, as bytes."""
    header = "code,name,kind,level,region,domain,unit,value\n"
    rows = "".join(
        f"QP-T-{n},青浦区测试定额{n},成本定额标准,区级,青浦区,城市运维,元/平方米·年,1{n}.50\n"
        for n in range(session_count)
    )
    return (header + rows).encode("utf-8")


def test_import_needs_a_reviewer_in_scope_and_is_all_or_nothing(client, bearer, cast):
    reviewer = bearer("审核员")

    def upload(data, headers):
        return client.post(
            "/api/v1/standards/import", data={"file": (io.BytesIO(data), "q.csv")}, headers=headers
        )

    assert upload(qingpu_rows(), bearer("朱编辑")).status_code == 403
    broken = upload(qingpu_rows().replace(b"12.50", b"twelve"), reviewer)
    assert broken.status_code == 422
    assert broken.get_json()["error"]["details"] == [
        {
            "row": 4,
            "column": "标准值",
            "message": broken.get_json()["error"]["details"][0]["message"],
        }
    ]
    assert client.get("/api/v1/standards/QP-T-0").status_code == 404

    done = upload(qingpu_rows(), reviewer)
    assert done.get_json() == {
        "added": 3,
        "updated": 0,
        "unchanged": 0,
        "codes": ["QP-T-0", "QP-T-1", "QP-T-2"],
    }
    assert upload(qingpu_rows(), reviewer).get_json()["unchanged"] == 3


def test_a_revoked_token_is_refused(client, session, cast):
    with atomic(session):
        created, secret = tokens.create_token(session, "审核员")
    with atomic(session):
        tokens.revoke_token(session, created.id)

    response = client.post(
        "/api/v1/standards/X/status",
        json={"status": "repealed"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "tag", ['"OTHER-v1"', '"OTHER-v2"', '"v1"', '"ZJJ-CQ-1-v1x"', '"anything"']
)
def test_an_etag_of_another_standard_is_refused(client, bearer, zhujiajiao_quota, tag):
    response = client.put(
        "/api/v1/standards/ZJJ-CQ-1",
        json={"value": "20.00"},
        headers={**bearer("朱编辑"), "If-Match": tag},
    )
    assert response.status_code == 412, response.get_json()
    assert response.get_json()["error"]["code"] == "precondition_failed"
    assert (
        client.get("/api/v1/standards/ZJJ-CQ-1/versions").get_json()["versions"][-1]["version"] == 1
    )


def test_an_etag_naming_the_standard_and_its_version_is_accepted(client, bearer, zhujiajiao_quota):
    etag = client.get("/api/v1/standards/ZJJ-CQ-1").headers["ETag"]
    assert etag == '"ZJJ-CQ-1-v1"'
    response = client.put(
        "/api/v1/standards/ZJJ-CQ-1",
        json={"value": "20.00"},
        headers={**bearer("朱编辑"), "If-Match": f'"OTHER-v1", {etag}'},
    )
    assert response.status_code == 200, response.get_json()


NEW_QUOTA = {
    "name": "道路保洁成本定额",
    "kind": "cost_quota",
    "level": "town",
    "domain": "城市运维",
    "unit": "元/平方米·年",
    "value": "12.5",
}


@pytest.mark.parametrize("typed", ["上海市青浦区朱家角镇", "朱家角", "朱家角镇"])
def test_a_new_standard_gets_the_canonical_region(client, bearer, typed):
    response = client.post(
        "/api/v1/standards", json={**NEW_QUOTA, "region": typed}, headers=bearer("朱编辑")
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["region"] == "朱家角镇"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "\u200b"}, "name"),
        ({"name": "定额\u202eexe."}, "name"),
        ({"region": "\u200b"}, "region"),
        ({"region": "青浦县"}, "region"),
    ],
)
def test_invisible_or_unknown_text_is_refused(client, bearer, changes, field):
    record = {**NEW_QUOTA, "region": "朱家角镇"} | changes
    response = client.post("/api/v1/standards", json=record, headers=bearer("朱编辑"))
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["details"]


def test_search_after_publish_revise_publish_shows_one_version(client, bearer):
    """Issue 12: the running app's search after each write equals a fresh process's."""
    editor, reviewer = bearer("朱编辑"), bearer("审核员")
    record = {"name": "朱家角镇河道保洁成本定额", "kind": "cost_quota", "level": "town"}
    record |= {"region": "朱家角镇", "domain": "城市运维", "code": "ZJJ-CQ-7"}
    record |= {"unit": "元/平方米·年", "value": "3.20"}
    assert client.get("/api/v1/search?q=ZJJ-CQ-7").get_json()["total"] == 0  # searcher open

    steps = [
        ("post", "/api/v1/standards", record, editor),
        (
            "post",
            "/api/v1/standards/ZJJ-CQ-7/status",
            {"status": "in_force", "effective_from": "2024-01-01"},
            reviewer,
        ),
        ("put", "/api/v1/standards/ZJJ-CQ-7", {"value": "3.50", "base_version": 1}, editor),
        (
            "post",
            "/api/v1/standards/ZJJ-CQ-7/status",
            {"status": "in_force", "effective_from": "2025-01-01"},
            reviewer,
        ),
    ]
    # the draft is seen only by its organisation; every published state by everyone
    for (method, path, body, headers), public in zip(steps, (0, 1, 1, 1), strict=True):
        response = client.open(path, method=method.upper(), json=body, headers=headers)
        assert response.status_code in (200, 201), response.get_json()
        assert client.get("/api/v1/search?q=ZJJ-CQ-7").get_json()["total"] == public
    drafts = client.get("/api/v1/search?q=ZJJ-CQ-7&status=draft", headers=editor).get_json()
    assert drafts["total"] == 0  # the revision was published: no draft is left
    found = client.get("/api/v1/search?q=ZJJ-CQ-7").get_json()
    in_force = client.get("/api/v1/search?q=ZJJ-CQ-7&status=in_force").get_json()

    assert [(h["id"], h["status"], h["value"]) for h in found["results"]] == [
        ("ZJJ-CQ-7", "in_force", "3.50")
    ]
    assert found["total"] == in_force["total"] == 1
    assert found["facets"]["status"] == {"in_force": 1}
