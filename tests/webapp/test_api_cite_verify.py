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
