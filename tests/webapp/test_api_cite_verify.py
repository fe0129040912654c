QINGPU = "《青浦区2024年度全面推开成本预算绩效管理工作方案》"


def test_cite_a_standard_in_the_official_form(corpus_client):
    body = corpus_client.get("/api/v1/cite/RS-HY-004").get_json()

    assert body["text"] == (
        "中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第2版，2016-07-01起施行）"
        "：760 元/人·天；依据《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条"
    )
    assert body["permalink"] == "/standards/RS-HY-004?version=2"


def test_cite_on_a_date_when_nothing_was_in_force_is_an_explicit_404(corpus_client):
    response = corpus_client.get("/api/v1/cite/RS-CL-007?on=2013-06-01")

    assert response.status_code == 404
    assert "尚未生效" in response.get_json()["error"]["message"]


def test_cite_a_clause_and_a_document(corpus_client):
    docs = corpus_client.get("/api/v1/documents").get_json()["results"]
    slug = next(d["slug"] for d in docs if d["doc_number"] == "青财督〔2024〕58号")

    clause = corpus_client.get(
        f"/api/v1/cite/document/{slug}?style=official&clause=四.8"
    ).get_json()
    reference = corpus_client.get(f"/api/v1/cite/document/{slug}").get_json()
    older = corpus_client.get(f"/api/v1/cite/document/{slug}?style=gbt7714-2015").get_json()

    assert clause["text"] == f"{QINGPU}（青财督〔2024〕58号）第四部分第8条"
    assert clause["permalink"] == f"/documents/{slug}#clause-四.8"
    assert reference["text"].startswith(
        "青浦区财政局. 青浦区2024年度全面推开成本预算绩效管理工作方案"
    )
    assert "[A]" in reference["text"] and "[Z]" in older["text"]
    assert corpus_client.get(f"/api/v1/cite/document/{slug}?clause=九.99").status_code == 404


def test_verify_reports_each_citation_in_mixed_bracket_styles(corpus_client):
    text = (
        f"根据{QINGPU}（青财督[2024]58号）第四部分第8条，以及{QINGPU}(青财督【2024】58 号)第四部分第99条，"
        "参照《不存在的办法》（沪财预〔2020〕1号）第三条，会议费按 RS-HY-004 执行，住宿按 RS-CL-007 执行。"
    )

    body = corpus_client.post("/api/v1/verify", json={"text": text, "on": "2025-06-01"}).get_json()

    statuses = [(r["found"]["raw"][:12], r["status"]) for r in body["results"]]
    assert [s for _, s in statuses] == [
        "in_force",
        "clause_not_found",
        "unknown_document",
        "in_force",
        "in_force",
    ]
    assert body["counts"] == {
        "in_force": 3,
        "clause_not_found": 1,
        "unknown_document": 1,
    }


def test_verify_needs_text(corpus_client):
    response = corpus_client.post("/api/v1/verify", json={})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["details"]) == {"text"}


def test_a_standard_read_from_reposts_is_not_verified(corpus_client):
    body = corpus_client.get("/api/v1/standards/RS-HY-004").get_json()

    assert body["verified"] is False
    assert body["reposts"] and all("gov.cn" not in address for address in body["reposts"])


def test_verify_results_carry_illustrative_and_status(corpus_client):
    body = corpus_client.post(
        "/api/v1/verify",
        json={"text": "依据标准QP-CQ-0001核定，参照RS-HY-004。", "on": "2025-06-01"},
    ).get_json()

    assert [(r["code"], r["status"], r["illustrative"]) for r in body["results"]] == [
        ("QP-CQ-0001", "in_force", True),
        ("RS-HY-004", "in_force", False),
    ]
    assert body["results"][0]["message"].startswith("示例，不得作为依据")


def test_verify_refuses_a_text_over_its_limit_before_any_work(corpus_client):
    response = corpus_client.post("/api/v1/verify", json={"text": "《a》" * 70_000})

    assert response.status_code == 413
    error = response.get_json()["error"]
    assert (error["code"], error["details"]) == (
        "text_too_long",
        {"length": 210_000, "limit": 200_000},
    )


def test_deeply_nested_json_to_verify_is_a_400(corpus_client):
    response = corpus_client.post(
        "/api/v1/verify", data="[" * 100_000 + "]" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_cite_a_listed_document_by_its_number_with_its_clause_in_every_style(corpus_client):
    official = corpus_client.get(
        "/api/v1/cite/document/财行〔2016〕214号?style=official&clause=第十五条"
    ).get_json()
    reference = corpus_client.get(
        "/api/v1/cite/document/财行[2016]214号?clause=第十五条"
    ).get_json()

    assert official["text"] == "《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条"
    assert reference["text"] == (
        "财政部, 国家机关事务管理局, 中共中央直属机关事务管理局. 财政部 国家机关事务管理局 "
        "中共中央直属机关事务管理局关于印发《中央和国家机关会议费管理办法》的通知：财行〔2016〕214号[A]. "
        "北京：财政部, 国家机关事务管理局, 中共中央直属机关事务管理局，2016-06-29：第十五条."
    )
    assert official["clause_path"] == reference["clause_path"] == "第十五条"
