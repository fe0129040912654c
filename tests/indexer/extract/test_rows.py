"""indexer/extract/rows.py: what a figure's labels and a notice's titles say about its record."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from indexer.extract.figures import Figure
from indexer.extract.layout import ReadFigure
from indexer.extract.rows import category_of
from indexer.extract.rows import domain_of
from indexer.extract.rows import expand_grades
from indexer.extract.rows import kind_of
from indexer.extract.rows import labels_of
from kb.vocab import Kind


def figure(row_labels, column_path):
    return ReadFigure(1, 1, Figure(D(1)), tuple(row_labels), tuple(column_path))


@pytest.mark.parametrize(
    ("row_labels", "column_path", "region", "grades", "item"),
    [
        ([("会议类别", "一类会议")], ["住宿费"], None, ("一类会议",), "一类会议·住宿费"),
        (
            [("会议类别", "三、四类会议")],
            ["合计"],
            None,
            ("三类会议", "四类会议"),
            "三、四类会议·合计",
        ),
        (
            [("省份", "上海")],
            ["住宿费标准", "部级（普通套间）"],
            "上海市",
            ("部级",),
            "住宿费·部级",
        ),
        (
            [("地区（城市）", "大连")],
            ["旺季上浮价", "其他人员"],
            "大连市",
            ("其他人员",),
            "旺季上浮价·其他人员",
        ),
        ([("", "西藏（拉萨）")], ["伙食补助费标准"], "西藏自治区", (None,), "伙食补助费"),
        ([("项目", "住宿费")], ["二类会议"], None, ("二类会议",), "住宿费·二类会议"),
        ([("人员类别", "其他专业人员")], ["标准"], None, ("其他专业人员",), "其他专业人员"),
        ([("养护项目", "公共绿地")], ["养护等级", "一级"], None, ("一级",), "公共绿地·一级"),
    ],
)
def test_labels_give_region_grade_and_item(row_labels, column_path, region, grades, item):
    labels = labels_of(figure(row_labels, column_path))

    assert (labels.region, labels.grades, "·".join(labels.item)) == (region, grades, item)


def test_a_merged_grade_row_is_one_record_per_grade():
    labels = labels_of(figure([("会议类别", "三、四类会议")], ["伙食费"]))

    assert list(expand_grades(labels)) == [
        ("三类会议", "三类会议·伙食费"),
        ("四类会议", "四类会议·伙食费"),
    ]


@pytest.mark.parametrize(
    ("texts", "category", "domain"),
    [
        (("会议费综合定额标准",), "会议费", "机关运行"),
        (("中央和国家机关差旅住宿费和伙食补助费标准表",), "差旅费", "机关运行"),
        (("讲课费标准",), "培训费", "机关运行"),
        (("专家咨询费标准",), "专家咨询费", "科研"),
        (("青浦区公共绿地养护成本定额",), "绿化养护", "城市运维"),
        (("道路保洁作业成本定额",), "环卫保洁", "城市运维"),
        (("物业管理费标准",), "物业管理费", None),
        (("附表",), None, None),
    ],
)
def test_category_and_domain_from_titles(texts, category, domain):
    assert (category_of(*texts), domain_of(category_of(*texts))) == (category, domain)


def test_a_title_speaking_of_cost_makes_cost_quotas():
    assert kind_of("公共绿地养护成本定额标准", None) is Kind.COST_QUOTA
    assert kind_of("会议费综合定额标准", "关于印发《会议费管理办法》的通知") is Kind.EXPENDITURE
