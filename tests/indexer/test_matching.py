"""indexer/matching: the standards that may apply to a budget line, ranked, on the real corpus.

The index is the bundled corpus (``corpus_instance``): the central 会议费/培训费/差旅费 quotas and
the illustrative 青浦区/普陀区 ones, so each expected ranking can be checked against the CSVs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from sqlalchemy import event
from sqlalchemy import select

from indexer import search as search_module
from indexer.matching import match_lines
from indexer.matching.view import opened
from indexer.schema import STANDARD_ID_SHIFT
from kb.budget.lines import BudgetLine
from kb.budget.lines import CheckContext
from kb.config import Settings
from kb.db import open_database
from kb.models import Standard
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
        # and today those of 2016 (their second versions)
        ("差旅住宿费", {"grade": "其他人员"}, ["RS-CL-009"]),
        ("信息系统运维", {}, []),
        # the title named in the grade or in the item picks the sub-standard
        ("讲课费", {"grade": "正高级"}, ["RS-PX-007"]),
        ("讲课费（院士）", {}, ["RS-PX-008"]),
        # a grade the item names comes before the project's; a synonym names the same sub-item
        ("讲课费（院士）", {"grade": "二级"}, ["RS-PX-008"]),
        ("授课费", {"grade": "正高级"}, ["RS-PX-007"]),
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
        "镇级标准（地区“朱家角镇”）适用于朱家角镇，本地标准优先于中央和上级同类标准；"
        "等级“二级”相符；2025-06-01现行有效（第1版）"
    )
    assert district.reason == (
        "事项“公共绿地养护”与标准事项“公共绿地养护”相同；"
        "区级标准（地区“青浦区”）适用于朱家角镇，本地标准优先于中央和上级同类标准；"
        "等级“二级”相符；2025-06-01现行有效（第1版）"
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


def test_the_view_gives_each_standard_documents_database_id_and_version(
    corpus_instance, corpus_session
):
    ids = dict(corpus_session.execute(select(Standard.code, Standard.id)).all())

    with opened(corpus_instance) as view:
        assert view is not None
        docs = sorted(view.standards(ON))
        codes, versions = view.column("code"), view.column("version")
        keys = view.standard_keys(docs)

    assert len(docs) > 50
    assert [(ids[codes[doc]], versions[doc]) for doc in docs] == [
        (key >> STANDARD_ID_SHIFT, key & ((1 << STANDARD_ID_SHIFT) - 1)) for key in keys
    ]


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


def test_a_check_reads_facts_once_per_commit_of_the_index(settings, session, tmp_path):
    from indexer.ingest import ingest

    folder = tmp_path / "standards"
    write_quota(folder, "18.50")
    assert ingest(settings, session, [folder]).ok  # a rebuild: the facts kept with the index
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
        statements.clear()
        after = match_lines(settings, session, [line], context)[2]
        read_after = [s for s in statements if "standard_version" in s]
    finally:
        event.remove(engine, "before_cursor_execute", record)
        search_module.release(settings)

    assert not read_first and not read_again
    assert again == first and (first[0].code, first[0].value) == ("QP-CQ-0900", D("18.50"))
    assert again is first  # the same searcher: the line was not ranked again
    # the update's commit has no facts file yet: the first check against it reads them
    assert len(read_after) == 1
    assert (after[0].code, after[0].version, after[0].value) == ("QP-CQ-0900", 2, D("20.00"))


def test_no_candidate_of_another_sub_item_or_grade_may_be_the_match(ranked):
    training = ranked("二类培训", unit="人·天")
    lodging = ranked("二类培训住宿费", unit="人·天")
    any_training_lodging = ranked("培训住宿费", unit="人·天")
    lecture = ranked("讲课费", grade="正高级", unit="学时")

    # 二类培训: its own total, never another class's nor the 讲课费 of the same category
    assert [c.code for c in training if c.eligible] == ["RS-PX-015"]
    # the corpus has no 住宿费 of 二类培训 (only its total): not the 住宿费 of 一类/三类培训
    # (another grade), of 二类会议 (another expense), nor the total (another sub-item); only
    # the lapsed 2014 住宿费 of every training, marked as lapsed
    assert [(c.code, c.eligible) for c in lodging if not c.lapsed_on] == [
        ("RS-HY-005", False),
        ("RS-PX-015", False),
        ("RS-PX-001", False),
        ("RS-PX-010", False),
    ]
    assert [(c.code, c.lapsed_on) for c in lodging if c.eligible] == [
        ("RS-PX-017", dt.date(2016, 12, 31))
    ]
    # a training's 住宿费 is never a trip's (差旅) nor a meeting's
    assert [c.code for c in any_training_lodging if c.eligible] == ["RS-PX-001", "RS-PX-010"]
    assert [(c.code, c.eligible) for c in lecture][:1] == [("RS-PX-007", True)]
    assert not [c for c in lecture[1:] if c.eligible and c.code in ("RS-PX-006", "RS-PX-008")]


@pytest.mark.parametrize(
    ("item", "context"),
    [
        ("会议费", {}),
        ("会议费", {"grade": "二类会议"}),
        ("讲课费", {}),
        ("公共绿地养护", {"region": "朱家角镇", "grade": "二级"}),
        ("道路保洁", {"region": "夏阳街道"}),
        ("专家咨询费", {"grade": "高级"}),
    ],
)
def test_a_runner_up_never_shows_a_higher_score_than_the_first(ranked, item, context):
    found = ranked(item, **context)

    assert found
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_a_line_without_a_standard_in_force_gets_the_one_that_lapsed(ranked, lapsed_instance):
    """With only the 2014 rates held (lapsed 2015-12-31), the last one, marked as lapsed; with
    the 2016 rates held too, the one in force and nothing lapsed."""
    line = BudgetLine(row=2, item="赴京差旅住宿费", category=None, unit="人·天", quantity=D(1))
    context = CheckContext(region="青浦区", on=ON, grade="其他人员")
    factory = open_database(lapsed_instance)
    with factory() as session:
        lapsed = match_lines(lapsed_instance, session, [line], context)[2]
    factory.kw["bind"].dispose()
    current = ranked("赴京差旅住宿费", grade="其他人员")

    assert [(c.code, c.version, c.lapsed_on) for c in lapsed if c.eligible] == [
        ("RS-CL-003", 1, dt.date(2015, 12, 31))
    ]
    assert [(c.code, c.version, c.lapsed_on) for c in current if c.eligible] == [
        ("RS-CL-003", 2, None)
    ]
