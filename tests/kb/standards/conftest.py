"""Fixtures shared by the comparison tests: a set of meeting fees of several grades and parts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kb import standards
from kb.vocab import Kind
from kb.vocab import Level
from tests.factories import make_standard


def _meeting_fee(code: str, grade: str, part: str, value: str) -> object:
    return make_standard(
        code=code,
        name=f"会议费综合定额（{grade}·{part}）",
        kind=Kind.EXPENDITURE,
        level=Level.CENTRAL,
        region="全国（中央和国家机关）",
        category="会议费",
        item=f"{grade}·{part}",
        grade=grade,
        unit="元/人·天",
        value=Decimal(value),
    )


@pytest.fixture
def meeting_fees(session):
    for code, grade, part, value in (
        ("HY-1", "一类会议", "住宿费", "500"),
        ("HY-2", "一类会议", "伙食费", "150"),
        ("HY-3", "二类会议", "住宿费", "400"),
        ("HY-4", "二类会议", "伙食费", "150"),
        ("HY-5", "三类会议", "住宿费", "340"),
    ):
        standards.write(session, _meeting_fee(code, grade, part, value))
    session.commit()
