"""kb/budget/policy.py: which standard applies to a line — sub-item, grade, applicability, rank."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb.budget.policy import ItemParts
from kb.budget.policy import applicability
from kb.budget.policy import expense_cores
from kb.budget.policy import grade_fit
from kb.budget.policy import item_parts
from kb.budget.policy import named_expenses
from kb.budget.policy import named_grade
from kb.budget.policy import rank_key
from kb.budget.policy import sub_item_fits
from kb.vocab import Level


def test_a_standards_item_is_read_as_cost_grade_and_qualifiers():
    assert item_parts("一类会议·住宿费", "一类会议") == ItemParts(
        ("住宿费",), "一类会议", (), "住宿费"
    )
    assert item_parts("一类会议·综合定额合计", "一类会议") == ItemParts(
        (), "一类会议", (), "综合定额合计"
    )
    # no 等级: the title the 事项 names is its grade
    assert item_parts("讲课费·正高级技术职称专业人员", None) == ItemParts(
        ("讲课费",), "正高级技术职称专业人员", (), "讲课费"
    )
    assert item_parts("讲课费·院士、全国知名专家", "院士") == ItemParts(
        ("讲课费",), "院士", (), "讲课费"
    )
    assert item_parts(
        "专家咨询费·高级专业技术职称人员·会议、现场访谈或勘察·半天", None
    ) == ItemParts(
        ("专家咨询费",),
        "高级专业技术职称人员",
        ("会议、现场访谈或勘察", "半天"),
        "专家咨询费·会议、现场访谈或勘察·半天",
    )
    assert item_parts("市内交通费（出差地交通补助）", None).costs == (
        "市内交通费（出差地交通补助）",
    )
    assert item_parts("公共绿地养护", "二级") == ItemParts(
        (), "二级", ("公共绿地养护",), "公共绿地养护"
    )


def parts(item: str, grade: str | None = None) -> ItemParts:
    return item_parts(item, grade)


def test_a_line_is_never_judged_against_another_sub_item():
    lecture = parts("讲课费·副高级技术职称专业人员")
    training_total = parts("三类培训·综合定额合计", "三类培训")
    lodging = parts("一类会议·住宿费", "一类会议")
    texts = {
        "lecture": "讲课费·副高级技术职称专业人员培训费中央和国家机关培训讲课费（副高级技术职称专业人员）",
        "training": "三类培训·综合定额合计培训费中央和国家机关培训费综合定额（三类培训·综合定额合计）",
        "lodging": "一类会议·住宿费会议费中央和国家机关会议费综合定额（一类会议·住宿费）",
    }

    # 二类培训 and 培训费 are the whole training, not its 讲课费
    assert not sub_item_fits("二类培训", "培训费", lecture, texts["lecture"])
    assert not sub_item_fits("培训费", None, lecture, texts["lecture"])
    assert sub_item_fits("培训费", None, training_total, texts["training"])
    # 讲课费 is a part of training: the training total is not its standard
    assert not sub_item_fits("讲课费", "培训费", training_total, texts["training"])
    assert sub_item_fits("讲课费", "培训费", lecture, texts["lecture"])
    # 会议费 is the whole meeting, 会议住宿费 its lodging
    assert not sub_item_fits("会议费", "会议费", lodging, texts["lodging"])
    assert sub_item_fits("会议住宿费", None, lodging, texts["lodging"])
    assert sub_item_fits("住宿费", "会议费", lodging, texts["lodging"])


def test_a_travel_line_names_its_cost_in_the_standard():
    lodging = parts("住宿费·司局级", "司局级")
    text = "住宿费·司局级差旅费中央和国家机关差旅住宿费标准（上海市·司局级，2016版）"
    meals = parts("伙食补助费")

    assert sub_item_fits("赴京差旅住宿费", "差旅费", lodging, text)
    assert sub_item_fits("伙食费", "差旅费", meals, "伙食补助费差旅费差旅伙食补助费标准")
    assert not sub_item_fits("市内交通费", "差旅费", lodging, text)


def test_a_line_naming_whose_cost_it_is_needs_a_standard_naming_it():
    expenses = expense_cores(["会议费", "培训费", "差旅费", "专家咨询费", "绿化养护", None, ""])
    meeting = parts("二类会议·住宿费", "二类会议")
    meeting_text = "二类会议·住宿费会议费中央和国家机关会议费综合定额（二类会议·住宿费）"
    travel = parts("住宿费·其他人员", "其他人员")
    travel_text = "住宿费·其他人员差旅费中央和国家机关差旅住宿费标准（北京市·其他人员，2016版）"

    # the expense 类别 are what a line names; a service category is none
    assert expenses == frozenset({"会议", "培训", "差旅", "专家咨询"})
    assert named_expenses("二类培训住宿费", None, expenses) == frozenset({"培训"})
    assert named_expenses("住宿费", "培训费", expenses) == frozenset({"培训"})
    assert named_expenses("公共绿地养护", "绿化养护", expenses) == frozenset()
    # a training's lodging is neither a meeting's nor a trip's, in the 事项 or in the 类别
    for item, category in (("二类培训住宿费", None), ("培训住宿费", None), ("住宿费", "培训费")):
        named = named_expenses(item, category, expenses)
        assert not sub_item_fits(item, category, meeting, meeting_text, named)
        assert not sub_item_fits(item, category, travel, travel_text, named)
    # naming its own expense, or none, leaves the line free as before
    named = named_expenses("会议住宿费", None, expenses)
    assert sub_item_fits("会议住宿费", None, meeting, meeting_text, named)
    assert not sub_item_fits("会议住宿费", None, travel, travel_text, named)
    named = named_expenses("赴京差旅住宿费", None, expenses)
    assert sub_item_fits("赴京差旅住宿费", None, travel, travel_text, named)
    assert sub_item_fits("住宿费", None, travel, travel_text, frozenset())


def test_the_expense_itself_is_the_whole_not_a_part():
    expenses = frozenset({"培训"})
    total = parts("培训费·综合定额合计")
    total_text = "培训费·综合定额合计培训费中央和国家机关培训费综合定额（综合定额合计，2014版）"
    lodging = parts("培训费·住宿费")
    lodging_text = "培训费·住宿费培训费中央和国家机关培训费综合定额（住宿费，2014版）"

    assert not sub_item_fits("培训场地租赁费", None, total, total_text, expenses)
    assert sub_item_fits("培训费", None, total, total_text, expenses)
    assert sub_item_fits("培训住宿费", None, lodging, lodging_text, expenses)
    assert not sub_item_fits("培训场地租赁费", None, lodging, lodging_text, expenses)


def test_grades_are_read_from_the_item_when_no_column_gives_them():
    assert named_grade("二类培训") == "二类"
    assert named_grade("讲课费（正高级）") == "正高级"
    assert named_grade("公共绿地一级养护") == "一级"
    assert named_grade("讲课费（副高级）") == "副高级"
    assert named_grade("差旅住宿费") is None


def test_grades_fit_by_what_names_them():
    assert grade_fit("正高级", "正高级技术职称专业人员") == 2
    assert grade_fit("正高级", "副高级技术职称专业人员") == -1
    assert grade_fit("高级", "副高级技术职称专业人员") == -1
    assert grade_fit("高级专业技术职称", "高级专业技术职称人员") == 2
    assert grade_fit("高级专业技术职称", "其他专业人员") == -1
    assert grade_fit("二类", "二类培训") == 2
    assert grade_fit("二类培训", "三类培训") == -1
    assert grade_fit("一类", "一类会议") == 2
    assert grade_fit("其他人员", "其余人员") == 2
    assert grade_fit("省部级", "部级") == 2
    assert grade_fit("处级及以下", "其余人员") == 2
    assert grade_fit("厅局级", "司局级") == 2
    assert grade_fit("处级", "司局级") == -1
    assert grade_fit("院士", "院士") == 2
    # a standard for every grade; a grade the line left open
    assert grade_fit("二级", None) == 1
    assert grade_fit(None, "一类会议") == 0


def test_a_central_rule_binds_central_bodies_and_is_a_reference_elsewhere():
    common = {"region": "全国（中央和国家机关）", "place_name": "全国"}
    town = applicability(
        **common,
        level=Level.CENTRAL,
        place_level=Level.CENTRAL,
        line_region="朱家角镇",
        project_region="朱家角镇",
        project_level=Level.TOWN,
    )
    central = applicability(
        **common,
        level=Level.CENTRAL,
        place_level=Level.CENTRAL,
        line_region="北京市",
        project_region="北京市",
        project_level=Level.CENTRAL,
    )
    district = applicability(
        region="青浦区",
        level=Level.DISTRICT,
        place_name="青浦区",
        place_level=Level.DISTRICT,
        line_region="朱家角镇",
        project_region="朱家角镇",
        project_level=Level.TOWN,
    )

    assert town == (
        "中央标准（地区“全国（中央和国家机关）”）约束中央单位；朱家角镇（镇级）项目未见本地同类标准，参照执行"
    )
    assert central == "中央标准（地区“全国（中央和国家机关）”），本项目为中央单位，应当执行"
    assert district == "区级标准（地区“青浦区”）适用于朱家角镇，本地标准优先于中央和上级同类标准"


KEYS = st.builds(
    rank_key,
    eligible=st.booleans(),
    tier=st.integers(1, 3),
    localness=st.integers(0, 4),
    grade=st.integers(-1, 2),
    coverage=st.floats(0, 1),
    residual=st.integers(0, 9),
    unit_converts=st.booleans(),
    cost_quota=st.booleans(),
    code=st.text(max_size=3),
)


@given(st.lists(KEYS, min_size=2, max_size=8))
def test_a_candidate_ranked_later_never_shows_a_higher_score(keys):
    scores = [key.score() for key in sorted(keys)]

    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 100 for score in scores)


def test_the_rank_orders_eligibility_then_tier_then_locality():
    def key(**changes):
        values = {
            "eligible": True,
            "tier": 3,
            "localness": 0,
            "grade": 2,
            "coverage": 1.0,
            "residual": 0,
            "unit_converts": True,
            "cost_quota": False,
            "code": "X",
        }
        return rank_key(**(values | changes))

    ordered = sorted(
        [
            key(code="weak", tier=1, localness=4),
            key(code="other-grade", eligible=False, localness=4),
            key(code="central"),
            key(code="town", localness=4),
        ]
    )

    assert [k.code for k in ordered] == ["town", "central", "weak", "other-grade"]
    assert key(localness=4).score() == 100.0
