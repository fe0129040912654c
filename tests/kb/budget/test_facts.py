"""kb.budget.facts: the facts of standard versions, read by their standards' database ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from kb import standards
from kb.budget.facts import StandardFacts
from kb.budget.facts import read_facts
from kb.models import Standard
from tests.factories import make_standard


def test_every_version_of_the_standards_asked_for_with_the_code_given(session):
    standards.write(session, make_standard())
    standards.write(session, make_standard(value=Decimal("20.00"), notes="调整"))
    standards.write(session, make_standard(code="QP-CQ-0013", name="公共绿地二级养护成本定额"))
    ids = dict(session.execute(select(Standard.code, Standard.id)).all())

    found = read_facts(session, {ids["QP-CQ-0012"]: "QP-CQ-0012"})

    expected = [
        StandardFacts(
            code="QP-CQ-0012",
            version=version,
            name="公共绿地一级养护成本定额",
            kind="cost_quota",
            level="district",
            region="青浦区",
            category="绿化养护",
            item="公共绿地养护",
            grade="一级",
            unit="元/平方米·年",
            value=value,
            value_max=None,
            basis=None,
            effective_from=dt.date(2024, 5, 9),
            effective_to=None,
            status="in_force",
            illustrative=False,
        )
        for version, value in ((1, Decimal("18.50")), (2, Decimal("20.00")))
    ]
    found.sort(key=lambda facts: facts.version)
    assert expected == found
    assert "18.50" == format(found[0].value, "f")  # exact, its places kept


def test_no_standard_asked_for_reads_nothing(session):
    standards.write(session, make_standard())

    assert [] == read_facts(session, {})
