"""kb/changes.py: every write to standards and documents leaves a change row in its transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kb import accounts
from kb import changes
from kb import documents
from kb import standards
from kb.db import atomic
from kb.models import Change
from kb.standards import workflow
from tests.factories import make_document
from tests.factories import make_standard


def logged(session, after: int = 0) -> list[tuple[str, str]]:
    return [(c.kind, c.key) for c in changes.since(session, after)]


def test_writes_to_standards_and_documents_are_logged_in_order(session, cast):
    with atomic(session):
        standards.write(session, make_standard(code="ZJJ-CQ-1", region="朱家角镇"))
    with atomic(session):
        document, _ = documents.write(session, make_document())
    with atomic(session):
        workflow.transition(
            session,
            "ZJJ-CQ-1",
            to="repealed",
            effective_to=dt.date(2025, 1, 1),
            reason="废止",
            actor=cast.reviewer,
        )
    with atomic(session):
        session.delete(standards.find(session, "ZJJ-CQ-1"))

    assert logged(session) == [
        ("standard", "ZJJ-CQ-1"),
        ("document", str(document.id)),
        ("standard", "ZJJ-CQ-1"),
        ("standard", "ZJJ-CQ-1"),
    ]
    assert changes.latest(session) == max(session.scalars(select(Change.id)))


def test_a_rolled_back_write_leaves_no_change(session):
    with pytest.raises(RuntimeError), atomic(session):
        standards.write(session, make_standard())
        raise RuntimeError("中断")

    assert logged(session) == [] and changes.latest(session) == 0


def test_other_writes_and_unchanged_records_leave_no_change(session):
    with atomic(session):
        standards.write(session, make_standard())
    first = changes.latest(session)
    with atomic(session):
        accounts.add_organisation(session, "青浦区财政局", region="青浦区")
        standards.write(session, make_standard())  # the same record again: nothing changes

    assert logged(session, first) == []


def test_since_also_returns_the_ids_asked_for(session):
    with atomic(session):
        for n in range(3):
            standards.write(session, make_standard(code=f"QP-CQ-{n}"))
    ids = [c.id for c in changes.since(session, 0)]

    assert [c.key for c in changes.since(session, ids[2], also=[ids[0]])] == ["QP-CQ-0"]
    assert changes.present(session, [ids[1], 10**6]) == {ids[1]}


def test_an_update_statement_without_ids_touches_every_standard(session):
    from sqlalchemy import update

    from kb.models import StandardVersion

    with atomic(session):
        standards.write(session, make_standard())
    first = changes.latest(session)
    with atomic(session):
        session.execute(update(StandardVersion).values(notes="批量修改"))

    assert logged(session, first) == [("standard", changes.ALL)]
