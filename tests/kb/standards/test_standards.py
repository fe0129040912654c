import datetime as dt
from decimal import Decimal

import pytest

from kb import standards
from kb.errors import NotFound
from kb.models import Standard
from kb.vocab import Kind
from kb.vocab import Outcome
from kb.vocab import Status
from tests.factories import make_standard


def test_write_adds_then_leaves_an_identical_record_unchanged(session):
    first = standards.write(session, make_standard())
    again = standards.write(session, make_standard())

    assert (first.code, first.version, first.outcome) == ("QP-CQ-0012", 1, Outcome.ADDED)
    assert (again.version, again.outcome) == (1, Outcome.UNCHANGED)


def test_a_changed_record_becomes_a_new_version_and_the_old_one_stays(session):
    standards.write(session, make_standard())
    result = standards.write(session, make_standard(value=Decimal("19.20")))
    session.commit()

    assert (result.version, result.outcome) == (2, Outcome.UPDATED)
    assert standards.get(session, "QP-CQ-0012").value == Decimal("19.20")
    assert standards.get(session, "QP-CQ-0012", version=1).value == Decimal("18.50")


def test_decimals_survive_the_database_exactly(session):
    standards.write(session, make_standard(value=Decimal("18.50"), value_max=Decimal("0.1")))
    session.commit()
    session.expire_all()

    stored = standards.get(session, "QP-CQ-0012")
    assert (str(stored.value), str(stored.value_max)) == ("18.50", "0.1")


def test_codes_are_assigned_per_kind_when_absent(session):
    a = standards.write(session, make_standard(code=None))
    b = standards.write(session, make_standard(code=None, name="另一条"))
    c = standards.write(session, make_standard(code=None, kind=Kind.EXPENDITURE))

    assert [a.code, b.code, c.code] == ["CQ-000001", "CQ-000002", "EX-000001"]


@pytest.mark.parametrize(
    ("day", "expected_version"),
    [
        (dt.date(2014, 1, 1), 1),
        (dt.date(2015, 12, 31), 1),
        (dt.date(2016, 1, 1), 2),
        (dt.date(2026, 11, 25), 2),
    ],
)
def test_the_version_in_force_on_a_date(session, day, expected_version):
    old = make_standard(
        effective_from=dt.date(2014, 1, 1),
        effective_to=dt.date(2015, 12, 31),
        status=Status.SUPERSEDED,
    )
    standards.write(session, old)
    standards.write(session, make_standard(effective_from=dt.date(2016, 1, 1)))

    assert standards.get(session, "QP-CQ-0012", on=day).version == expected_version


def test_nothing_in_force_before_the_first_version_starts(session):
    standards.write(session, make_standard(effective_from=dt.date(2024, 5, 9)))

    with pytest.raises(NotFound, match="2024-05-08"):
        standards.get(session, "QP-CQ-0012", on=dt.date(2024, 5, 8))


@pytest.mark.parametrize(
    ("status", "effective_to", "expected"),
    [
        (Status.IN_FORCE, None, True),
        (Status.DRAFT, None, False),
        (Status.CONSULTATION, None, False),
        (Status.SUPERSEDED, None, False),
        (Status.SUPERSEDED, dt.date(2030, 1, 1), True),
        (Status.REPEALED, dt.date(2020, 1, 1), False),
    ],
)
def test_in_force_on_follows_status_and_window(session, status, effective_to, expected):
    standards.write(session, make_standard(status=status, effective_to=effective_to))

    version = standards.find(session, "QP-CQ-0012").versions[0]
    assert standards.in_force_on(version, dt.date(2025, 1, 1)) is expected


def test_current_version_prefers_the_latest_published_over_a_later_draft(session):
    standards.write(session, make_standard())
    standards.write(session, make_standard(value=Decimal("20"), status=Status.DRAFT))

    assert standards.current_version(standards.find(session, "QP-CQ-0012")).version == 1


def test_unknown_code_and_version_are_not_found(session):
    standards.write(session, make_standard())

    with pytest.raises(NotFound):
        standards.get(session, "NOPE")
    with pytest.raises(NotFound):
        standards.get(session, "QP-CQ-0012", version=9)


def test_to_record_is_the_inverse_of_write(session):
    record = make_standard(components="人工费:12.3;材料费:4.1", illustrative=True)
    standards.write(session, record)

    assert standards.to_record(standards.get(session, "QP-CQ-0012")) == record


def test_iter_standards_walks_every_batch(session):
    for n in range(5):
        standards.write(session, make_standard(code=f"T-{n}"))
    session.commit()

    codes = [s.code for s in standards.iter_standards(session, batch_size=2)]
    assert codes == ["T-0", "T-1", "T-2", "T-3", "T-4"]


def test_iter_standard_rows_reads_what_the_orm_reads(session):
    standards.write(session, make_standard(code="T-0", value_max=Decimal("20.125")))
    standards.write(session, make_standard(code="T-0", value=Decimal("19.20")))
    standards.write(session, make_standard(code="T-1", effective_from=None, illustrative=True))
    session.add(Standard(code="T-2"))  # no version yet
    session.commit()
    columns = ("version", "name", "value", "value_max", "effective_from", "status", "illustrative")

    rows = list(standards.iter_standard_rows(session, columns, batch_size=2))

    expected = [
        (s.id, s.code, [(*(getattr(v, name) for name in columns), s.code) for v in s.versions])
        for s in standards.iter_standards(session)
    ]
    assert [(r.id, r.code, [tuple(v) for v in r.versions]) for r in rows] == expected
    assert [(v.version, str(v.value)) for v in rows[0].versions] == [(1, "18.50"), (2, "19.20")]
    assert (rows[1].versions[0].effective_from, rows[2].versions) == (None, ())
