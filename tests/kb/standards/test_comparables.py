"""kb.standards.comparables: which versions a comparison takes, by code, by filters or like for like."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kb import standards
from kb.errors import NotFound
from kb.standards.comparables import like_for_like
from kb.standards.comparables import select_for_comparison
from kb.standards.compare import Normalised
from kb.standards.compare import compare
from kb.standards.interchange import read_standards
from kb.vocab import Level
from tests.conftest import CORPUS
from tests.factories import make_standard

D = Decimal


@pytest.fixture
def corpus_standards(session):
    for name in ("real-standards.csv", "illustrative-district-standards.csv"):
        for record in read_standards(CORPUS / "standards" / name):
            standards.write(session, record)
    session.commit()
    return session


def test_select_road_cleaning_quotas_in_all_towns_of_qingpu(corpus_standards):
    found = select_for_comparison(
        corpus_standards, item="道路保洁", region="青浦区", kind="成本定额标准"
    )

    assert [(v.code, v.region) for v in found] == [
        ("QP-CQ-0011", "青浦区"),
        ("QP-CQ-0012", "青浦区"),
        ("QP-CQ-0013", "青浦区"),
        ("QP-CQ-0017", "夏阳街道"),
        ("QP-CQ-0014", "朱家角镇"),
        ("QP-CQ-0016", "练塘镇"),
        ("QP-CQ-0015", "赵巷镇"),
    ]
    comparison = compare(found)
    assert comparison.target_unit == "元/平方米·年"
    assert comparison.normalised[3] == Normalised(D("25.20"))
    assert (comparison.stats.median, comparison.stats.mean, comparison.stats.maximum) == (
        D("18.20"),
        D("18.44"),
        D("25.20"),
    )


def test_select_on_a_date_takes_the_versions_then_in_force(corpus_standards):
    found = select_for_comparison(
        corpus_standards, item="道路保洁", region="青浦区", level="区级", on=dt.date(2024, 1, 1)
    )

    assert [v.code for v in found] == ["QP-CQ-0102"]


def test_select_by_codes_keeps_their_order_and_refuses_unknown_ones(corpus_standards):
    found = select_for_comparison(corpus_standards, codes=["RS-HY-004", "RS-CL-007", "RS-HY-008"])

    assert [v.code for v in found] == ["RS-HY-004", "RS-CL-007", "RS-HY-008"]
    with pytest.raises(NotFound) as error:
        select_for_comparison(corpus_standards, codes=["RS-HY-004", "NOPE"])
    assert error.value.message == "没有编号为 NOPE 的标准"


def test_like_for_like_finds_the_other_grades_of_the_same_item(session, meeting_fees):
    found = like_for_like(session, standards.get(session, "HY-3"))

    assert [v.code for v in found] == ["HY-1", "HY-5"]


def test_a_bracketed_note_in_the_region_is_not_part_of_the_name(session):
    standards.write(session, make_standard(code="ZJJ-1", region="朱家角镇", level=Level.TOWN))
    session.commit()

    found = select_for_comparison(session, region="青浦区（含街镇）")

    assert [v.code for v in found] == ["ZJJ-1"]
