"""kb.budget.lines: the check's dataclasses, and candidates made from a template."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from decimal import Decimal

import pytest

from kb.budget.lines import Candidate
from kb.budget.lines import candidate_like
from kb.vocab import Kind
from kb.vocab import Level


def _template() -> Candidate:
    return Candidate(
        code="QP-CQ-0012",
        version=2,
        name="公共绿地一级养护成本定额",
        kind=Kind.COST_QUOTA,
        level=Level.DISTRICT,
        region="青浦区",
        category="绿化养护",
        item="公共绿地养护",
        grade="一级",
        unit="元/平方米·年",
        value=Decimal("18.50"),
        value_max=None,
        citation="公共绿地一级养护成本定额（QP-CQ-0012，第2版）：18.50 元/平方米·年",
        permalink="/standards/QP-CQ-0012?version=2",
        reason="",
        family=("绿化养护", "公共绿地养护", "元/平方米·年"),
        grade_label="一级",
    )


def test_candidate_like_equals_replace() -> None:
    template = _template()
    changes = {
        "reason": "事项相符；区级标准（地区“青浦区”）适用于青浦区",
        "score": 87.5,
        "eligible": False,
        "grade_fit": -1,
        "lapsed_on": dt.date(2024, 12, 31),
    }

    made = candidate_like(template, **changes)

    assert dataclasses.replace(template, **changes) == made
    assert hash(dataclasses.replace(template, **changes)) == hash(made)
    assert type(made) is Candidate
    assert "事项相符；区级标准（地区“青浦区”）适用于青浦区" == made.reason
    assert -1 == made.grade_fit
    # the template is untouched, and the copy is as frozen as a constructed candidate
    assert "" == template.reason
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.score = 1.0  # type: ignore[misc]
    assert made == pickle.loads(pickle.dumps(made))


def test_candidate_like_without_changes_is_an_equal_copy() -> None:
    template = _template()

    made = candidate_like(template)

    assert template == made
    assert template is not made


def test_candidate_like_refuses_an_unknown_field() -> None:
    with pytest.raises(TypeError, match="no such candidate field: reasons"):
        candidate_like(_template(), reasons="拼错的字段")
