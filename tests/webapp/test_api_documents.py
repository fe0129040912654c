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
