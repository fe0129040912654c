"""kb.standards.compare: side by side, normalised, with statistics; grouped by item."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from kb import standards
from kb.files.tables import read_table
from kb.files.tables import write_table
from kb.regions import region_scope
from kb.standards.comparables import select_for_comparison
from kb.standards.compare import EXPORT_HEADERS
from kb.standards.compare import Normalised
from kb.standards.compare import Stats
from kb.standards.compare import compare
from kb.standards.compare import comparison_rows
from kb.standards.compare import median
from kb.standards.compare import outlying
from kb.standards.compare import versions_over_time
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from tests.factories import make_standard

D = Decimal


def _versions(session, *records):
    for record in records:
        standards.write(session, record)
    session.commit()
    return [standards.get(session, r.code) for r in records]


def test_compare_normalises_to_the_most_frequent_unit_and_describes_the_figures(session):
    versions = _versions(
        session,
        make_standard(code="A", region="朱家角镇", value=D("12")),
        make_standard(code="B", region="练塘镇", value=D("15"), value_max=D("16.5")),
        make_standard(code="C", region="赵巷镇", value=D("18")),
        make_standard(code="D", region="夏阳街道", value=D("1.5"), unit="元/平方米·月"),
        make_standard(code="E", region="青浦区", value=D("138000"), unit="元/座·年"),
        make_standard(code="F", kind=Kind.PUBLIC_SERVICE, value=None, unit=None),
    )

    comparison = compare(versions)

    assert comparison.target_unit == "元/平方米·年"
    assert comparison.normalised == (
        Normalised(D("12")),
        Normalised(D("15"), D("16.5")),
        Normalised(D("18")),
        Normalised(D("18.0")),
        Normalised(
            None, reason="计量单位“元/座·年”与“元/平方米·年”无法换算：座·年 与 平方米·年 量纲不同"
        ),
        Normalised(None, reason="无标准值"),
    )
    assert comparison.apart == (4, 5)
    assert comparison.stats == Stats(
        count=4,
        minimum=D("12"),
        median=D("16.5"),
        mean=D("15.75"),
        maximum=D("18"),
        spread=D("6"),
        ratio=D("1.50"),
        outliers=(),
    )
    assert [c.code for c in comparison.columns] == ["A", "B", "C", "D", "E", "F"]
    assert comparison.columns[1].value_max == D("16.5")
    assert comparison.columns[0].level is Level.DISTRICT


def test_rows_align_every_field_with_its_chinese_label_and_flag_differences(session):
    versions = _versions(
        session,
        make_standard(code="A", region="朱家角镇", level=Level.TOWN),
        make_standard(code="B", region="练塘镇", level=Level.TOWN, value=D("13.20")),
    )

    rows = {row.field: row for row in compare(versions).rows}

    assert [
        (r.label, r.values, r.differs)
        for r in (rows["region"], rows["level"], rows["value"], rows["unit"])
    ] == [
        ("地区", ("朱家角镇", "练塘镇"), True),
        ("层级", ("镇级", "镇级"), False),
        ("标准值", ("18.50", "13.20"), True),
        ("计量单位", ("元/平方米·年", "元/平方米·年"), False),
    ]
    assert (rows["version"].label, rows["status"].values) == ("版本", ("现行有效", "现行有效"))
    assert rows["illustrative"].values == ("否", "否")


def test_inexact_conversions_are_marked(session):
    versions = _versions(
        session,
        make_standard(code="A", unit="元/亩·年", value=D("10")),
        make_standard(code="B", unit="元/平方米·年", value=D("1")),
    )

    comparison = compare(versions)

    assert comparison.target_unit == "元/亩·年"
    assert comparison.normalised[1] == Normalised(D("666.6666666667"), exact=False)
    assert comparison.stats.mean == D("338.3333333334")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["12", "15", "18", "18", "60"], {"60"}),
        (["12", "15", "60"], set()),
        (["18", "18", "18", "25"], set()),
        (["18", "18", "18", "18", "100"], {"100"}),
        (["20", "20", "20", "20"], set()),
        (["1.85", "2.10", "1.95", "2.00", "0.20"], {"0.20"}),
    ],
)
def test_outliers_by_modified_z_score(values, expected):
    assert {str(v) for v in outlying([D(v) for v in values])} == expected


def test_outliers_are_flagged_on_their_columns(session):
    versions = _versions(
        session,
        *(
            make_standard(code=code, value=D(v))
            for code, v in zip("ABCDE", ["12", "15", "18", "18", "60"], strict=True)
        ),
    )

    comparison = compare(versions)

    assert comparison.stats.outliers == (4,)
    assert [n.outlier for n in comparison.normalised] == [False, False, False, False, True]
    assert comparison.stats.median == D("18")


def test_median_of_an_even_count_is_the_exact_mean_of_the_middle_two():
    assert median([D("1"), D("4"), D("2"), D("3")]) == D("2.5")


def test_versions_over_time_compares_the_versions_of_one_standard(session):
    standards.write(
        session, make_standard(effective_to=dt.date(2025, 1, 1), status=Status.SUPERSEDED)
    )
    standards.write(session, make_standard(value=D("19.20"), effective_from=dt.date(2025, 1, 2)))
    session.commit()

    comparison = versions_over_time(standards.find(session, "QP-CQ-0012"))

    assert [(c.version, c.value, c.status) for c in comparison.columns] == [
        (1, D("18.50"), Status.SUPERSEDED),
        (2, D("19.20"), Status.IN_FORCE),
    ]
    changed = [r.field for r in comparison.rows if r.differs]
    assert changed == ["version", "value", "effective_from", "effective_to", "status"]
    assert (comparison.stats.spread, comparison.stats.ratio) == (D("0.70"), D("1.04"))


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("朱家角镇", {"朱家角镇"}),
        (
            "上海市普陀区",
            {
                "普陀区",
                "长寿路街道",
                "曹杨新村街道",
                "长风新村街道",
                "宜川路街道",
                "甘泉路街道",
                "石泉路街道",
                "真如镇街道",
                "万里街道",
                "长征镇",
                "桃浦镇",
            },
        ),
    ],
)
def test_region_scope(region, expected):
    assert region_scope(region) == expected


def test_region_scope_of_the_city_holds_its_districts_and_their_towns():
    scope = region_scope("上海市")

    assert {"上海市", "青浦区", "普陀区", "朱家角镇", "桃浦镇"} <= scope
    assert "北京市" not in scope


def test_comparison_rows_round_trip_through_xlsx(session, tmp_path: Path):
    versions = _versions(
        session,
        make_standard(code="A", region="朱家角镇", value=D("12")),
        make_standard(code="B", value=D("1.5"), unit="元/平方米·月", value_max=D("1.6")),
        make_standard(code="C", value=D("138000"), unit="元/座·年", illustrative=True),
    )
    headers, rows = comparison_rows(compare(versions))
    path = tmp_path / "对比.xlsx"

    write_table(path, headers, rows)
    table = read_table(path)

    assert table.headers == EXPORT_HEADERS
    read = [{k: v for k, v in row.items() if v} for _, row in table.rows]
    assert read[:3] == [
        {
            "标准编号": "A",
            "版本": "1",
            "标准名称": "公共绿地一级养护成本定额",
            "地区": "朱家角镇",
            "层级": "区级",
            "等级": "一级",
            "标准值": "12",
            "计量单位": "元/平方米·年",
            "状态": "现行有效",
            "生效日期": "2024-05-09",
            "示例数据": "否",
            "折算单位": "元/平方米·年",
            "折算值": "12",
        },
        {
            "标准编号": "B",
            "版本": "1",
            "标准名称": "公共绿地一级养护成本定额",
            "地区": "青浦区",
            "层级": "区级",
            "等级": "一级",
            "标准值": "1.5",
            "上限": "1.6",
            "计量单位": "元/平方米·月",
            "状态": "现行有效",
            "生效日期": "2024-05-09",
            "示例数据": "否",
            "折算单位": "元/平方米·年",
            "折算值": "18.0",
            "折算上限": "19.2",
        },
        {
            "标准编号": "C",
            "版本": "1",
            "标准名称": "公共绿地一级养护成本定额",
            "地区": "青浦区",
            "层级": "区级",
            "等级": "一级",
            "标准值": "138000",
            "计量单位": "元/座·年",
            "状态": "现行有效",
            "生效日期": "2024-05-09",
            "示例数据": "是",
            "说明": "计量单位“元/座·年”与“元/平方米·年”无法换算：座·年 与 平方米·年 量纲不同",
        },
    ]
    assert [(r["标准名称"], r["折算值"]) for r in read[3:]] == [
        ("统计：数量", "2"),
        ("统计：最小值", "12"),
        ("统计：中位数", "15.0"),
        ("统计：平均值", "15.00"),
        ("统计：最大值", "18.0"),
        ("统计：极差", "6.0"),
        ("统计：最大值/最小值", "1.50"),
    ]


def test_a_set_of_different_items_is_not_pooled_but_grouped_by_item(session, meeting_fees):
    comparison = compare(select_for_comparison(session, category="会议费"))

    assert comparison.stats is None
    assert [
        (g.item, g.unit, [comparison.columns[i].grade for i in g.columns])
        for g in comparison.groups
    ] == [
        ("住宿费", "元/人·天", ["一类会议", "二类会议", "三类会议"]),
        ("伙食费", "元/人·天", ["一类会议", "二类会议"]),
    ]
    lodging = comparison.groups[0].stats
    assert (lodging.count, lodging.minimum, lodging.median, lodging.maximum) == (
        3,
        Decimal("340"),
        Decimal("400"),
        Decimal("500"),
    )
    assert comparison.warning.startswith("所选标准包含不同事项：住宿费、伙食费，共 2 组。")


def test_one_item_across_grades_keeps_its_statistics_and_no_warning(session, meeting_fees):
    comparison = compare(select_for_comparison(session, codes=["HY-1", "HY-3", "HY-5"]))

    assert comparison.warning is None
    assert len(comparison.groups) == 1
    assert comparison.stats == comparison.groups[0].stats
    assert comparison.stats.median == Decimal("400")
