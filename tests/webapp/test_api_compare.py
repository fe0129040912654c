def test_compare_normalises_months_to_years_with_statistics(corpus_client):
    body = corpus_client.get("/api/v1/compare?codes=QP-CQ-0011,QP-CQ-0012,QP-CQ-0017").get_json()

    assert body["target_unit"] == "元/平方米·年"
    assert [n["value"] for n in body["normalised"]] == ["24.00", "18.60", "25.20"]
    stats = body["stats"]
    assert (stats["count"], stats["minimum"], stats["median"], stats["mean"], stats["maximum"]) == (
        3,
        "18.60",
        "24.00",
        "22.60",
        "25.20",
    )
    unit_row = next(r for r in body["rows"] if r["field"] == "unit")
    assert unit_row["differs"] is True


def test_units_that_do_not_convert_are_set_apart_with_a_reason(corpus_client):
    body = corpus_client.get("/api/v1/compare?codes=QP-CQ-0011,QP-CQ-0012,RS-HY-004").get_json()

    assert body["apart"] == [2]
    assert body["normalised"][2]["value"] is None
    assert "元/人·天" in body["normalised"][2]["reason"]


def test_compare_by_filters_takes_the_towns_of_a_district(corpus_client):
    body = corpus_client.get(
        "/api/v1/compare?category=环卫保洁&item=道路保洁&region=青浦区&kind=cost_quota"
    ).get_json()

    regions = {c["region"] for c in body["columns"]}
    assert {"青浦区", "朱家角镇", "赵巷镇", "练塘镇", "夏阳街道"} <= regions
    assert "普陀区" not in regions


def test_compare_needs_something_to_compare(corpus_client):
    response = corpus_client.get("/api/v1/compare")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_compare_export_xlsx_reads_back(corpus_client, tmp_path):
    from kb.files.tables import read_table

    response = corpus_client.get("/compare/export.xlsx?codes=QP-CQ-0011,QP-CQ-0017")
    assert response.status_code == 200
    path = tmp_path / "c.xlsx"
    path.write_bytes(response.data)

    table = read_table(path)
    rows = [cells for _, cells in table.rows]
    assert rows[0]["标准编号"] == "QP-CQ-0011"
    assert rows[1]["折算值"] == "25.20"
    assert any(r["标准名称"] == "统计：中位数" and r["折算值"] == "24.60" for r in rows)


def test_compare_page_offers_existing_values_and_an_empty_state_that_helps(corpus_client):
    from bs4 import BeautifulSoup

    def page(url):
        response = corpus_client.get(url)
        assert response.status_code == 200
        return BeautifulSoup(response.get_data(as_text=True), "html.parser")

    form = page("/compare/")
    items = [o["value"] for o in form.select("#item-options option")]
    categories = [o["value"] for o in form.select("#category-options option")]
    assert "道路保洁" in items and "环卫保洁" in categories
    assert form.select_one('input[name="item"]')["list"] == "item-options"

    empty = page("/compare/?category=道路保洁&region=青浦区")
    assert empty.select_one("table.comparison") is None
    assert empty.select_one("#export-xlsx") is None
    hint = empty.select_one("#compare-empty a")
    assert "“道路保洁”是事项，不是类别" in hint.text
    fixed = page(hint["href"])
    assert fixed.select("table.comparison th a")


def test_compare_page_warns_when_a_set_mixes_items_and_names_them_in_the_legend(corpus_client):
    from bs4 import BeautifulSoup

    body = corpus_client.get("/compare/?category=会议费&level=central").get_data(as_text=True)
    page = BeautifulSoup(body, "html.parser")

    assert "不同事项不宜合并统计" in page.select_one("#compare-warning").text
    assert page.select_one("dl.stats") is None
    rows = {tr.th.text: tr for tr in page.select("#group-stats tbody tr")}
    assert set(rows) == {"住宿费", "伙食费", "其他费用", "综合定额合计"}
    legend = [li.text for li in page.select(".chart-labels li")]
    assert "全国（中央和国家机关） 住宿费 一类会议：500 元/人·天" in legend
    api = corpus_client.get("/api/v1/compare?category=会议费&level=central").get_json()
    assert api["stats"] is None and len(api["groups"]) == 4 and api["warning"]
