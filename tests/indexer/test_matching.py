"""indexer/matching.py: the standards that may apply to a budget line, ranked, on the real corpus.

The index is the bundled corpus (``corpus_instance``): the central 会议费/培训费/差旅费 quotas and
the illustrative 青浦区/普陀区 ones, so each expected ranking can be checked against the CSVs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from sqlalchemy import event

from indexer import search as search_module
from indexer.matching import match_lines
from kb.budget import BudgetLine
from kb.budget import CheckContext
from kb.config import Settings
from kb.db import open_database
from kb.vocab import Level

ON = dt.date(2025, 6, 1)


@pytest.fixture
def corpus_session(corpus_instance) -> Iterator:
    factory = open_database(corpus_instance)
    with factory() as session:
        yield session
    factory.kw["bind"].dispose()


@pytest.fixture
def ranked(corpus_instance, corpus_session):
    """The codes of the candidates for one line: ``ranked("会议费", region=…, grade=…)``."""

    def run(item: str, *, category=None, unit="人·天", overrides=None, **context) -> list:
        context.setdefault("region", "青浦区")
        context.setdefault("on", ON)
        line = BudgetLine(row=2, item=item, category=category, unit=unit, quantity=D(1))
        found = match_lines(
            corpus_instance, corpus_session, [line], CheckContext(**context), overrides=overrides
        )
        return list(found[2])

    return run


def codes(candidates) -> list[str]:
    return [c.code for c in candidates]


@pytest.mark.parametrize(
    ("item", "context", "expected"),
    [
        # the line is the whole meeting: the 综合定额合计 of its class, then its parts
        ("会议费", {"grade": "一类会议"}, ["RS-HY-004", "RS-HY-001", "RS-HY-002", "RS-HY-003"]),
        ("会议住宿费", {"grade": "一类会议"}, ["RS-HY-001"]),
        ("一类会议费", {}, ["RS-HY-004"]),
        ("培训费", {"grade": "三类培训"}, ["RS-PX-005", "RS-PX-001", "RS-PX-002", "RS-PX-004"]),
        # the most specific region that has one: the town, else its district
        ("公共绿地养护", {"region": "朱家角镇", "grade": "二级"}, ["QP-CQ-0006", "QP-CQ-0002"]),
        ("公共绿地养护", {"region": "练塘镇", "grade": "二级"}, ["QP-CQ-0007", "QP-CQ-0002"]),
        ("公共绿地养护", {"region": "白鹤镇", "grade": "二级"}, ["QP-CQ-0002"]),
        # a district project is not held to the town's own quota
        (
            "公共绿地养护",
            {"region": "朱家角镇", "grade": "二级", "level": Level.DISTRICT},
            ["QP-CQ-0002"],
        ),
        # synonyms: 绿化维护 = 绿化养护; with no grade, the standard for every grade first
        (
            "绿化维护",
            {"region": "普陀区"},
            ["PT-EX-0001", "PT-CQ-0001", "PT-CQ-0002", "PT-CQ-0003"],
        ),
        ("公共厕所保洁", {"region": "普陀区", "grade": "一类"}, ["PT-CQ-0014", "PT-CQ-0015"]),
        ("一类公厕保洁", {}, ["QP-CQ-0018"]),
        # in force on the day: the 2023 version in 2024, the central travel rates of 2014–2015
        ("公共绿地养护", {"grade": "一级", "on": dt.date(2024, 1, 1)}, ["QP-CQ-0101"]),
        (
            "差旅住宿费",
            {"grade": "其他人员", "on": dt.date(2015, 6, 1)},
            ["RS-CL-009", "RS-CL-007", "RS-CL-008"],
        ),
        # today: the 2016 rate for 上海市 (财行〔2015〕497号), same codes, newer versions
        ("差旅住宿费", {"grade": "其他人员"}, ["RS-CL-009", "RS-CL-007", "RS-CL-008"]),
        ("信息系统运维", {}, []),
        ("养护费", {}, []),
    ],
)
def test_the_applicable_standard_comes_first(ranked, item, context, expected):
    assert codes(ranked(item, unit="平方米", **context))[: len(expected) or None] == expected


def test_no_standard_of_another_district_or_province_ever_applies(ranked):
    found = codes(
        ranked("公共绿地养护", region="普陀区") + ranked("差旅住宿费", on=dt.date(2015, 6, 1))
    )

    assert found
    assert not [c for c in found if c.startswith("QP-") or c in ("RS-CL-001", "RS-CL-003")]


def test_each_candidate_says_why_in_chinese(ranked):
    best, district, *_ = ranked("公共绿地养护", region="朱家角镇", grade="二级", unit="平方米")

    assert best.reason == (
        "事项“公共绿地养护”与标准事项“公共绿地养护”相同；"
        "地区“朱家角镇”（镇级）适用于朱家角镇，为有此类标准的最具体地区；"
        "等级“二级”相符；2025-06-01现行有效（第1版）"
    )
    assert district.reason == (
        "事项“公共绿地养护”与标准事项“公共绿地养护”相同；"
        "地区“青浦区”（区级）适用于朱家角镇；等级“二级”相符；2025-06-01现行有效（第1版）"
    )
    assert (best.value, best.unit, best.citation) == (
        D("12.80"),
        "元/平方米·年",
        "朱家角镇公共绿地二级养护成本定额（QP-CQ-0006，第1版，2025-01-01起施行）：12.80 元/平方米·年；"
        "依据《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第三部分第4条；"
        "《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第四部分第8条"
        "【示例数据，非正式标准】",
    )


def test_a_meeting_without_a_grade_names_the_class_it_took(ranked):
    best = ranked("会议费")[0]

    assert best.code == "RS-HY-004"
    assert "未指定等级，此标准为“一类会议”" in best.reason


def test_an_override_adds_the_standard_the_reviewer_chose(ranked):
    found = ranked("公共绿地养护", region="朱家角镇", grade="二级", overrides={2: "PT-CQ-0002"})

    assert codes(found)[-1] == "PT-CQ-0002"
    assert found[-1].reason == "评审人员指定；地区“普陀区”不在本行地区范围内"
    assert codes(ranked("会议费", overrides={2: "NO-SUCH-CODE"})) == codes(ranked("会议费"))


def test_lines_alike_share_their_candidates(corpus_instance, corpus_session):
    lines = [BudgetLine(row=n, item="会议费", unit="人·天", quantity=D(n)) for n in (2, 3)]

    found = match_lines(corpus_instance, corpus_session, lines, CheckContext("青浦区", ON))

    assert found[2] is found[3]


def test_without_an_index_no_line_has_a_candidate(tmp_path, session):
    settings = Settings.for_instance(tmp_path / "empty", secret_key="x")
    line = BudgetLine(row=2, item="会议费", quantity=D(1))

    try:
        assert match_lines(settings, session, [line], CheckContext("青浦区", ON)) == {2: ()}
    finally:
        search_module.release(settings)


def write_quota(folder, value: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "quota.csv").write_text(
        "code,name,kind,level,region,domain,category,item,grade,unit,value,effective_from\n"
        f"QP-CQ-0900,公共绿地一级养护成本定额,成本定额标准,区级,青浦区,城市运维,绿化养护,"
        f"公共绿地养护,一级,元/平方米·年,{value},2024-05-09\n",
        encoding="utf-8",
    )


def test_a_second_check_reads_no_facts_again_until_the_index_changes(settings, session, tmp_path):
    from indexer.ingest import ingest

    folder = tmp_path / "standards"
    write_quota(folder, "18.50")
    assert ingest(settings, session, [folder]).ok
    line = BudgetLine(row=2, item="公共绿地养护", unit="平方米", quantity=D(1), grade="一级")
    context = CheckContext("青浦区", ON)
    statements: list[str] = []
    engine = session.get_bind()

    def record(connection, cursor, statement, *rest) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        first = match_lines(settings, session, [line], context)[2]
        read_first = [s for s in statements if "standard_version" in s]
        statements.clear()
        again = match_lines(settings, session, [line], context)[2]
        read_again = [s for s in statements if "standard_version" in s]

        write_quota(folder, "20.00")  # a new version: the index commits, the searcher is new
        assert ingest(settings, session, [folder]).ok
        after = match_lines(settings, session, [line], context)[2]
    finally:
        event.remove(engine, "before_cursor_execute", record)
        search_module.release(settings)

    assert read_first and not read_again
    assert again == first and (first[0].code, first[0].value) == ("QP-CQ-0900", D("18.50"))
    assert (after[0].code, after[0].version, after[0].value) == ("QP-CQ-0900", 2, D("20.00"))
