"""kb/verify.py: citations found in mixed bracket styles, matched to the corpus, given a status."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.structure import parse_document
from kb import documents
from kb import standards
from kb.citing.verify import CitationStatus
from kb.citing.verify import FoundCitation
from kb.citing.verify import find_citations
from kb.citing.verify import verify
from kb.documents import catalogue
from kb.documents.interchange import read_documents
from kb.standards.interchange import read_standards
from tests.conftest import CORPUS
from tests.factories import make_clause
from tests.factories import make_document
from tests.factories import make_standard

PLAN = "青浦区2024年度全面推开成本预算绩效管理工作方案"
QINGPU = "qingpu-2024-cost-budget-performance-plan"
PUTUO_REPORT = "2024年上海市普陀区全面实施预算绩效管理情况的说明"
NUMBER = "青财督〔2024〕58号"
DAY = dt.date(2025, 6, 1)

IN_FORCE = CitationStatus.IN_FORCE
SUPERSEDED = CitationStatus.SUPERSEDED
NOT_FOUND = CitationStatus.CLAUSE_NOT_FOUND
UNKNOWN = CitationStatus.UNKNOWN_DOCUMENT


@pytest.fixture
def corpus(session):
    """The two corpus documents, parsed as ingest does, and every corpus standard."""
    for slug in (QINGPU, "putuo-2024-budget-performance-report"):
        text = (CORPUS / "documents" / f"{slug}.txt").read_text(encoding="utf-8")
        documents.write(session, parse_document(text, slug=slug))
    for name in ("real-standards.csv", "illustrative-district-standards.csv"):
        for record in read_standards(CORPUS / "standards" / name):
            standards.write(session, record)
    session.commit()
    return session


OPINION = (
    f"一、项目依据《{PLAN}》 (青财督[2024] 58号) 第四部分 第8条、第9条编制；"
    f"参照青财督【2024】58号第三部分第4条及第20条。"
    f"二、《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号）（以下简称《实施方案》）"
    f"及《实施方案》第二部分第（三）项。"
    f"三、《青浦区财政局关于印发〈{PLAN}〉的通知》第8条；《{PLAN}》（青财督（2024）58号）第三部分第8条。"
    f"四、《{PLAN.replace('2024', '２０２４')}》【青财督〔2024〕58号】第六部分第16条。"
    f"五、《{PUTUO_REPORT}》第一部分“一是”、“二是”。"
    "六、差旅住宿费按RS-CL-007执行；绿化养护按青浦区公共绿地一级养护成本定额（QP-CQ-0001，第1版），"
    "不再按QP-CQ-0101；道路保洁参照青浦区道路二级保洁成本定额；"
    "会议费依据财政部关于印发《中央和国家机关会议费管理办法》的通知（财行〔2016〕214号）第十五条。"
)


def test_find_citations_in_a_review_opinion():
    found = find_citations(OPINION)

    assert [(f.raw, f.doc_number, f.clause_path, f.code) for f in found] == [
        (f"《{PLAN}》 (青财督[2024] 58号) 第四部分 第8条", NUMBER, "四.8", None),
        ("第9条", NUMBER, "四.9", None),
        ("青财督【2024】58号第三部分第4条", NUMBER, "三.4", None),
        ("第20条", NUMBER, "三.20", None),
        (
            "《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号）",
            "青府办发〔2023〕57号",
            None,
            None,
        ),
        ("《实施方案》第二部分第（三）项", "青府办发〔2023〕57号", "二.（三）", None),
        (f"《青浦区财政局关于印发〈{PLAN}〉的通知》第8条", None, "8", None),
        (f"《{PLAN}》（青财督（2024）58号）第三部分第8条", NUMBER, "三.8", None),
        (
            f"《{PLAN.replace('2024', '２０２４')}》【青财督〔2024〕58号】第六部分第16条",
            NUMBER,
            "六.16",
            None,
        ),
        (f"《{PUTUO_REPORT}》第一部分“一是”", None, "一.一是", None),
        ("“二是”", None, "一.二是", None),
        ("RS-CL-007", None, None, "RS-CL-007"),
        ("QP-CQ-0001，第1版", None, None, "QP-CQ-0001"),
        ("QP-CQ-0101", None, None, "QP-CQ-0101"),
        (
            "《中央和国家机关会议费管理办法》的通知（财行〔2016〕214号）第十五条",
            "财行〔2016〕214号",
            "第十五条",
            None,
        ),
    ]
    assert all(OPINION[f.start : f.end] == f.raw for f in found)
    assert found[1].clause == "第四部分第9条"
    assert found[5].title == "青浦区加强成本预算绩效管理的实施方案"
    assert found[12].version == 1


def test_verify_a_review_opinion(corpus):
    results = verify(corpus, OPINION, on=DAY)

    assert [(r.found.raw, r.status, r.clause_path, r.code) for r in results] == [
        (f"《{PLAN}》 (青财督[2024] 58号) 第四部分 第8条", IN_FORCE, "四.8", None),
        ("第9条", IN_FORCE, "四.9", None),
        ("青财督【2024】58号第三部分第4条", IN_FORCE, "三.4", None),
        ("第20条", NOT_FOUND, None, None),
        ("《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号）", UNKNOWN, None, None),
        ("《实施方案》第二部分第（三）项", UNKNOWN, None, None),
        (f"《青浦区财政局关于印发〈{PLAN}〉的通知》第8条", IN_FORCE, "四.8", None),
        (f"《{PLAN}》（青财督（2024）58号）第三部分第8条", NOT_FOUND, None, None),
        (
            f"《{PLAN.replace('2024', '２０２４')}》【青财督〔2024〕58号】第六部分第16条",
            IN_FORCE,
            "六.16",
            None,
        ),
        (f"《{PUTUO_REPORT}》第一部分“一是”", IN_FORCE, "一.一是", None),
        ("“二是”", IN_FORCE, "一.二是", None),
        ("RS-CL-007", IN_FORCE, None, "RS-CL-007"),  # the 2016 rate (财行〔2015〕497号)
        ("QP-CQ-0001，第1版", IN_FORCE, None, "QP-CQ-0001"),
        ("QP-CQ-0101", SUPERSEDED, None, "QP-CQ-0101"),
        ("青浦区道路二级保洁成本定额", IN_FORCE, None, "QP-CQ-0012"),
        (
            "《中央和国家机关会议费管理办法》的通知（财行〔2016〕214号）第十五条",
            UNKNOWN,
            None,
            None,
        ),
    ]
    messages = [r.message for r in results]
    assert messages[0] == (
        f"已收录《{PLAN}》（{NUMBER}），第四部分第8条为“8.强化绩效运行监控”；文件未记录废止或修订，按现行有效处理"
    )
    assert messages[3] == f"已收录《{PLAN}》（{NUMBER}），但其中没有第三部分第20条"
    assert (
        messages[7] == f"已收录《{PLAN}》（{NUMBER}），但其中没有第三部分第8条（第8条位于第四部分）"
    )
    assert (
        messages[5]
        == "知识库未收录《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号），无法核查"
    )
    assert messages[13] == (
        "示例，不得作为依据："
        "青浦区公共绿地一级养护成本定额（2023年版）（QP-CQ-0101，第1版）已于2024-06-30失效（已被修订）"
        "；备注所载替代标准：QP-CQ-0001（第1版）"
    )
    assert [r.illustrative for r in results][11:15] == [False, True, True, True]
    assert results[12].label == "现行有效（示例，不得作为依据）"
    assert (results[13].successor_code, results[13].successor_version) == ("QP-CQ-0001", 1)
    assert results[0].citation == f"《{PLAN}》（{NUMBER}）第四部分第8条"
    assert results[0].permalink == f"/documents/{QINGPU}#clause-四.8"
    assert results[11].permalink == "/standards/RS-CL-007?version=2"


@pytest.mark.parametrize(
    ("day", "status", "message"),
    [
        (dt.date(2015, 6, 1), IN_FORCE, "在2015-06-01现行有效；第2版将于2016-01-01起施行"),
        (dt.date(2025, 6, 1), SUPERSEDED, "已被第2版取代（2016-01-01起施行）"),
        (
            dt.date(2013, 6, 1),
            CitationStatus.NOT_YET_IN_FORCE,
            "自2014-01-01起施行，2013-06-01尚未施行",
        ),
    ],
)
def test_the_2014_travel_lodging_standard_on_different_days(corpus, day, status, message):
    (result,) = verify(corpus, "住宿费按RS-CL-007，第1版核定。", on=day)

    label = "中央和国家机关差旅住宿费标准（上海市·部级，2014版）（RS-CL-007，第1版）"
    assert (result.status, result.message, result.version) == (status, label + message, 1)


def test_the_travel_lodging_standard_cited_by_code_is_the_2016_rate_today(corpus):
    (result,) = verify(corpus, "住宿费按RS-CL-007核定。", on=dt.date(2025, 6, 1))

    assert (result.status, result.version, result.message) == (
        IN_FORCE,
        2,
        "中央和国家机关差旅住宿费标准（上海市·部级，2016版）（RS-CL-007，第2版）在2025-06-01现行有效",
    )


@pytest.mark.parametrize(
    ("text", "status", "version", "message"),
    [
        (
            "住宿费按中央和国家机关差旅住宿费标准（上海市·部级，2014版）核定。",
            SUPERSEDED,
            1,
            "中央和国家机关差旅住宿费标准（上海市·部级，2014版）（RS-CL-007，第1版）"
            "已被第2版取代（2016-01-01起施行）",
        ),
        (
            "会议费按《中央和国家机关会议费综合定额（一类会议·综合定额合计，2014版）》核定。",
            SUPERSEDED,
            1,
            "中央和国家机关会议费综合定额（一类会议·综合定额合计，2014版）（RS-HY-004，第1版）"
            "已被第2版取代（2016-07-01起施行）",
        ),
        (
            "会议费按中央和国家机关会议费综合定额（一类会议·综合定额合计）核定。",
            IN_FORCE,
            2,
            "中央和国家机关会议费综合定额（一类会议·综合定额合计）（RS-HY-004，第2版）"
            "在2025-06-01现行有效",
        ),
    ],
)
def test_a_standard_named_as_one_of_its_versions_is_that_version(
    corpus, text, status, version, message
):
    (result,) = verify(corpus, text, on=DAY)

    assert (result.status, result.version, result.message) == (status, version, message)


def test_a_code_cited_before_any_version_applied_is_its_first_version_to_come(corpus):
    # RS-CL-007: 第1版 from 2014-01-01, 第2版 from 2016-01-01; in 2013 the 2014 rate was next.
    (result,) = verify(corpus, "住宿费按RS-CL-007核定。", on=dt.date(2013, 6, 1))

    assert (result.status, result.version, result.message) == (
        CitationStatus.NOT_YET_IN_FORCE,
        1,
        "中央和国家机关差旅住宿费标准（上海市·部级，2014版）（RS-CL-007，第1版）"
        "自2014-01-01起施行，2013-06-01尚未施行",
    )


def test_a_code_cited_in_a_gap_between_versions_is_the_one_that_lapsed(session):
    standards.write(
        session,
        make_standard(effective_to=dt.date(2024, 12, 31), status="superseded"),
    )
    standards.write(session, make_standard(value=19, effective_from=dt.date(2025, 7, 1)))
    session.commit()

    (result,) = verify(session, "按QP-CQ-0012执行。", on=DAY)

    assert (result.status, result.version, result.message) == (
        SUPERSEDED,
        1,
        "公共绿地一级养护成本定额（QP-CQ-0012，第1版）已于2024-12-31失效（已被修订）"
        "；第2版将于2025-07-01起施行",
    )


def test_a_cited_version_replaced_by_a_newer_one_is_superseded_by_it(session):
    standards.write(session, make_standard(effective_to=dt.date(2024, 12, 31), status="superseded"))
    standards.write(session, make_standard(value=19, effective_from=dt.date(2025, 1, 1)))
    session.commit()

    old, current = verify(session, "按QP-CQ-0012，第1版执行；现行为QP-CQ-0012。", on=DAY)

    assert (old.status, old.successor_code, old.successor_version) == (SUPERSEDED, "QP-CQ-0012", 2)
    assert (
        old.message
        == "公共绿地一级养护成本定额（QP-CQ-0012，第1版）已被第2版取代（2025-01-01起施行）"
    )
    assert (current.status, current.version) == (IN_FORCE, 2)


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        (
            "PT-CQ-0201",
            CitationStatus.NOT_PUBLISHED,
            "示例，不得作为依据：普陀区景观灯光一级维护成本定额（2026年征求意见稿）（PT-CQ-0201，第1版）为征求意见稿，尚未发布施行",
        ),
        ("QP-XX-9999", CitationStatus.UNKNOWN_STANDARD, "知识库未收录编号为 QP-XX-9999 的标准"),
        ("QP-CQ-0001，第3版", CitationStatus.UNKNOWN_STANDARD, "标准 QP-CQ-0001 没有第3版"),
        (
            "《青浦区公共绿地一级养护成本定额》",
            IN_FORCE,
            "示例，不得作为依据：青浦区公共绿地一级养护成本定额（QP-CQ-0001，第1版）在2025-06-01现行有效",
        ),
    ],
)
def test_standard_statuses(corpus, text, status, message):
    (result,) = verify(corpus, text, on=DAY)

    assert (result.status, result.message) == (status, message)


def test_a_repealed_standard(session):
    standards.write(session, make_standard(effective_to=dt.date(2024, 12, 31), status="repealed"))
    session.commit()

    (result,) = verify(session, "QP-CQ-0012", on=DAY)

    assert (result.status, result.message) == (
        CitationStatus.REPEALED,
        "公共绿地一级养护成本定额（QP-CQ-0012，第1版）已于2024-12-31失效（已废止）",
    )


def test_a_document_cited_before_it_was_issued(corpus):
    (result,) = verify(corpus, f"《{PLAN}》第四部分", on=dt.date(2024, 1, 1))

    assert (result.status, result.message) == (
        CitationStatus.NOT_YET_IN_FORCE,
        f"《{PLAN}》（{NUMBER}）于2024-05-09印发，2024-01-01尚未印发",
    )


@pytest.mark.parametrize(
    ("day", "status", "number"),
    [
        (dt.date(2013, 6, 1), CitationStatus.NOT_YET_IN_FORCE, "财行〔2013〕523号"),
        (dt.date(2015, 6, 1), IN_FORCE, "财行〔2013〕523号"),
        (dt.date(2025, 6, 1), IN_FORCE, "财行〔2016〕540号"),
    ],
)
def test_a_measure_cited_by_title_is_its_edition_of_the_day(session, day, status, number):
    # The notices file lists the 2013 (2014-01-01..2016-12-31) and 2016 (2017-01-01) editions.
    catalogue.store_entries(session, read_documents(CORPUS / "documents" / "notices.csv"))
    session.commit()

    (result,) = verify(session, "培训费依据《中央和国家机关培训费管理办法》核定。", on=day)

    assert (result.status, result.doc_number) == (status, number)


def test_a_wrong_doc_number_is_pointed_out(corpus):
    (result,) = verify(corpus, f"《{PLAN}》（青财督〔2024〕59号）第四部分第8条", on=DAY)

    assert result.status is IN_FORCE
    assert result.message.endswith(
        "；注意：引用文号青财督〔2024〕59号与库中文号青财督〔2024〕58号不符"
    )


OPENING = "（([【［〔"
CLOSING = "）)]】］〕"
spaces = st.sampled_from(["", " ", "  ", "\u3000"])


@given(
    st.integers(0, len(OPENING) - 1),
    st.integers(0, len(OPENING) - 1),
    st.lists(spaces, min_size=6, max_size=6),
    st.sampled_from(["第四部分第8条", "第四部分 第8条", "第 四 部分第８条"]),
)
def test_find_citations_reads_every_bracket_style(outer, inner, gaps, clause):
    number = f"青财督{OPENING[inner]}{gaps[2]}2024{gaps[3]}{CLOSING[inner]}{gaps[4]}58号"
    cited = f"《{PLAN}》{gaps[0]}{OPENING[outer]}{gaps[1]}{number}{gaps[5]}{CLOSING[outer]}{gaps[0]}{clause}"
    text = f"经审核，依据{cited}，同意。"

    found = find_citations(text)

    assert found == [FoundCitation(cited, 6, 6 + len(cited), PLAN, NUMBER, "第四部分第8条", "四.8")]


def test_articles_are_found_under_their_chapter_and_numbered_either_way(session):
    clauses = (
        make_clause(path="第二章", label="第二章", text="第二章 会议费", depth=1),
        make_clause(
            path="第二章.第15条",
            label="第15条",
            text="第15条 会议费开支实行综合定额控制",
            depth=2,
            parent_path="第二章",
        ),
        make_clause(
            path="第二章.第十六条",
            label="第十六条",
            text="第十六条 ……",
            depth=2,
            parent_path="第二章",
        ),
    )
    documents.write(
        session,
        make_document(
            slug="measures", title="会议费管理办法", doc_number="财行〔2016〕214号", clauses=clauses
        ),
    )
    session.commit()

    results = verify(session, "《会议费管理办法》第15条、第十六条及第十七条", on=DAY)

    assert [(r.status, r.clause_path) for r in results] == [
        (IN_FORCE, "第二章.第15条"),
        (IN_FORCE, "第二章.第十六条"),
        (NOT_FOUND, None),
    ]
    assert results[1].citation == "《会议费管理办法》（财行〔2016〕214号）第十六条"
