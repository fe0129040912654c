"""indexer/structure.py: metadata and clause trees of real policy texts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.structure import doc_type_of
from indexer.structure import parse_clauses
from indexer.structure import parse_date
from indexer.structure import parse_document
from indexer.textfix import repair
from kb.records import ClauseRecord
from kb.vocab import DocType

DOCUMENTS = Path(__file__).resolve().parents[2] / "corpus" / "documents"
QINGPU = DOCUMENTS / "qingpu-2024-cost-budget-performance-plan.txt"
PUTUO = DOCUMENTS / "putuo-2024-budget-performance-report.txt"


@pytest.fixture(scope="module")
def qingpu():
    return parse_document(
        QINGPU.read_text(encoding="utf-8"), slug="qingpu-plan", source_path=str(QINGPU)
    )


@pytest.fixture(scope="module")
def putuo():
    return parse_document(PUTUO.read_text(encoding="utf-8"), slug="putuo-report")


def clause(document, path: str) -> ClauseRecord:
    [found] = [c for c in document.clauses if c.path == path]
    return found


def test_qingpu_cover_notice_is_recorded_as_the_plan_it_issues(qingpu):
    assert qingpu.slug == "qingpu-plan"
    assert qingpu.title == "青浦区2024年度全面推开成本预算绩效管理工作方案"
    assert qingpu.doc_number == "青财督〔2024〕58号"
    assert qingpu.issuer == "青浦区财政局"
    assert qingpu.issued_on == dt.date(2024, 5, 9)
    assert qingpu.doc_type == "plan"
    assert qingpu.source_path == str(QINGPU)


def test_qingpu_keeps_the_original_and_the_repaired_text(qingpu):
    original = QINGPU.read_text(encoding="utf-8")
    assert qingpu.original_text == original
    assert qingpu.text == repair(original)


def test_qingpu_clause_tree(qingpu):
    assert [(c.path, c.parent_path, c.depth) for c in qingpu.clauses] == [
        ("一", None, 1),
        ("二", None, 1),
        ("二.1", "二", 2),
        ("二.2", "二", 2),
        ("三", None, 1),
        ("三.3", "三", 2),
        ("三.4", "三", 2),
        ("三.5", "三", 2),
        ("四", None, 1),
        ("四.6", "四", 2),
        ("四.7", "四", 2),
        ("四.8", "四", 2),
        ("四.9", "四", 2),
        ("四.10", "四", 2),
        ("五", None, 1),
        ("五.11", "五", 2),
        ("五.12", "五", 2),
        ("六", None, 1),
        ("六.13", "六", 2),
        ("六.14", "六", 2),
        ("六.15", "六", 2),
        ("六.16", "六", 2),
        ("六.17", "六", 2),
        ("六.18", "六", 2),
    ]


def test_qingpu_part_four_item_eight(qingpu):
    item = clause(qingpu, "四.8")

    assert item.label == "8."
    assert item.heading == "强化绩效运行监控"
    assert item.text.startswith("8.强化绩效运行监控。各区级预算部门、单位要严格按照预算批复的")
    assert "严禁超标准、超范围支出。" in item.text
    assert item.text.endswith("要认真分析原因，合理调整预算。")


def test_qingpu_double_monitoring_clause_is_item_eight(qingpu):
    found = [c.path for c in qingpu.clauses if "双监控" in c.text]
    assert found == ["四.8"]
    assert "各区级预算部门8月底前按照“双监控”的要求，最少完成一次成本目标的跟踪监控工作" in (
        clause(qingpu, "四.8").text
    )


def test_qingpu_headings_are_their_own_clauses(qingpu):
    part = clause(qingpu, "四")
    assert part.label == "四、"
    assert part.heading == "推动成本预算绩效分析和预算管理深度融合"
    assert part.text == "四、推动成本预算绩效分析和预算管理深度融合"
    assert clause(qingpu, "一").text.startswith("一、主要目标\n按照“深度融合、突出重点、分类实施”")


def test_qingpu_cover_and_preamble_are_not_clauses(qingpu):
    assert not [c.path for c in qingpu.clauses if "请按照执行" in c.text or "为深入贯彻" in c.text]


def test_qingpu_item_broken_across_pages_is_whole(qingpu):
    assert clause(qingpu, "四.10").text == (
        "10.强化结果应用和约束。成本预算绩效分析形成的降本增效成果与下年度预算挂钩，"
        "并作为以后年度预算安排审核的重要参考，杜绝项目预算先减后增、此减彼增等现象。"
        "对成本分析中形成的公共服务绩效标准、成本定额标准和财政支出标准，区财政局加强审核，"
        "及时会同相关部门研究确认，对部分成熟的、可推广的标准按规定程序印发实施，"
        "并对部门结果应用情况，适时开展专项检查，强化监督约束。"
    )


def test_putuo_metadata_is_only_what_the_text_states(putuo):
    assert putuo.title == "2024年上海市普陀区全面实施预算绩效管理情况的说明"
    assert putuo.doc_number is None
    assert putuo.issuer is None
    assert putuo.issued_on is None
    assert putuo.doc_type == "explanation"
    assert len(putuo.clauses) == 22


def test_putuo_points_sit_under_their_parts(putuo):
    assert [c.path for c in putuo.clauses if c.depth == 1] == ["一", "二", "三", "四"]
    assert [c.path for c in putuo.clauses if c.parent_path == "四"] == ["四.一是", "四.二是"]
    point = clause(putuo, "一.一是")
    assert (point.label, point.heading, point.depth) == ("一是", "完善制度框架", 2)


def test_putuo_performance_tracking_clause(putuo):
    found = [c.path for c in putuo.clauses if "绩效跟踪" in c.heading]
    assert found == ["三.三是"]
    tracking = clause(putuo, "三.三是")
    assert tracking.heading == "扎实做好绩效自评、部门评价和绩效跟踪"
    assert "原则上在8月底前至少完成一次绩效跟踪。" in tracking.text


def test_putuo_cross_district_water_quality_theme_clause(putuo):
    found = [c.path for c in putuo.clauses if "水质生态维护一类事" in c.text]
    assert found == ["二.二是"]
    theme = clause(putuo, "二.二是")
    assert theme.heading == "组织开展跨区及区内“一类事”成本分析"
    assert "我区与静安区共同牵头跨区“水质生态维护一类事”项目成本预算绩效分析" in theme.text


def test_nested_numbering_goes_under_the_nearest_enclosing_clause():
    clauses = parse_clauses(
        [
            "一、总体要求",
            "（一）目的。",
            "1.第一项。",
            "续行。",
            "2.第二项：",
            "一是甲。",
            "二是乙。",
            "（二）范围。",
            "二、附则",
            "3.第三项。",
        ]
    )

    assert [(c.path, c.parent_path, c.depth, c.heading) for c in clauses] == [
        ("一", None, 1, "总体要求"),
        ("一.（一）", "一", 2, "目的"),
        ("一.（一）.1", "一.（一）", 3, "第一项"),
        ("一.（一）.2", "一.（一）", 3, "第二项"),
        ("一.（一）.2.一是", "一.（一）.2", 4, "甲"),
        ("一.（一）.2.二是", "一.（一）.2", 4, "乙"),
        ("一.（二）", "一", 2, "范围"),
        ("二", None, 1, "附则"),
        ("二.3", "二", 2, "第三项"),
    ]
    assert clauses[2].text == "1.第一项。\n续行。"


def test_articles_under_chapters():
    clauses = parse_clauses(
        [
            "第一章总则",
            "第一条为了规范管理，制定本办法。",
            "第二条本办法适用于各部门。",
            "第二章附则",
        ]
        + ["第十五条本办法自印发之日起施行。"]
    )

    assert [(c.path, c.depth) for c in clauses] == [
        ("第一章", 1),
        ("第一章.第一条", 2),
        ("第一章.第二条", 2),
        ("第二章", 1),
        ("第二章.第十五条", 2),
    ]
    assert clauses[-1].heading == "本办法自印发之日起施行"


def test_repeated_numbers_get_stable_unique_paths():
    clauses = parse_clauses(["一、甲", "1.第一项。", "1.又一项。", "1.再一项。", "一、乙"])
    assert [c.path for c in clauses] == ["一", "一.1", "一.1~2", "一.1~3", "一~2"]


def test_long_headings_are_cut():
    [only] = parse_clauses(["1." + "很长的标题" * 20 + "。正文。"])
    assert len(only.heading) == 60
    assert only.heading.endswith("…")


def test_signature_block_gives_issuer_and_date_and_is_not_clause_text():
    document = parse_document(
        "关于开展成本分析的通知\n各单位：\n一、工作要求\n按时报送。\n青浦区财政局\n2024年6月1日",
        slug="notice",
    )

    assert document.title == "关于开展成本分析的通知"
    assert document.doc_type == "notice"
    assert document.issuer == "青浦区财政局"
    assert document.issued_on == dt.date(2024, 6, 1)
    assert document.clauses[-1].text == "一、工作要求\n按时报送。"


def test_issuing_notice_without_its_attachment_keeps_its_own_title():
    document = parse_document(
        "青浦区财政局关于印发《某工作方案》的通知\n各单位：\n现印发给你们，请按照执行。",
        slug="cover-only",
    )

    assert document.title == "青浦区财政局关于印发《某工作方案》的通知"
    assert document.doc_type == "notice"
    assert document.issuer == "青浦区财政局"
    assert document.clauses == ()


def test_title_hint_when_the_text_has_no_title():
    document = parse_document("一、总则\n本办法适用于全区。", slug="x", title_hint="某办法")
    assert (document.title, document.doc_type) == ("某办法", "measures")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("青浦区财政局关于印发《某方案》的通知", DocType.NOTICE),
        ("青浦区2024年度全面推开成本预算绩效管理工作方案", DocType.PLAN),
        ("上海市市级财政项目成本预算绩效分析操作指引（试行）", DocType.GUIDE),
        ("普陀区部门预算绩效管理工作考核办法", DocType.MEASURES),
        ("2024年上海市普陀区全面实施预算绩效管理情况的说明", DocType.EXPLANATION),
        ("关于2023年度预算绩效管理工作考核情况的通报", DocType.OTHER),
    ],
)
def test_doc_type_of(title, expected):
    assert doc_type_of(title) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年5月9日印发", dt.date(2024, 5, 9)),
        ("二〇二四年五月九日", dt.date(2024, 5, 9)),
        ("二〇二四年十二月二十一日", dt.date(2024, 12, 21)),
        ("2024年2月30日", None),
        ("2024年度", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


_LABELS = [
    "一、",
    "二、",
    "（一）",
    "（二）",
    "1.",
    "2、",
    "（1）",
    "一是",
    "二是",
    "第一章",
    "第三条",
]


@given(st.lists(st.sampled_from(_LABELS), max_size=30))
def test_any_label_sequence_gives_a_consistent_tree(labels):
    clauses = parse_clauses([f"{label}内容。" for label in labels])

    paths = [c.path for c in clauses]
    assert len(set(paths)) == len(paths)
    depth = {}
    for c in clauses:
        if c.parent_path is None:
            assert (c.depth, c.path) == (1, c.path.split(".")[0])
        else:
            assert c.depth == depth[c.parent_path] + 1
            assert c.path.startswith(c.parent_path + ".")
        depth[c.path] = c.depth
