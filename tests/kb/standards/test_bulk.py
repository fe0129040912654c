"""kb/standards/bulk.py: a file written at once gives what writing it record by record gave."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy import select

from kb import changes
from kb import standards
from kb.accounts import audit
from kb.db import atomic
from kb.models import AuditEntry
from kb.models import Standard
from kb.records import StandardRecord
from kb.standards import bulk
from kb.standards import interchange
from kb.standards import workflow
from kb.vocab import Kind
from kb.vocab import Outcome
from tests.conftest import CORPUS
from tests.factories import make_standard

REAL = CORPUS / "standards" / "real-standards.csv"
ILLUSTRATIVE = CORPUS / "standards" / "illustrative-district-standards.csv"


def one_by_one(session, records, source):
    """The import as it was before bulk writes: :func:`standards.write` and an audit entry each."""
    results = []
    for record in records:
        result = standards.write(session, record, actor="system", reason=f"导入 {source}")
        if result.outcome is not Outcome.UNCHANGED:
            versions = standards.find(session, result.code).versions
            before, after = workflow._changes(
                versions[-2] if len(versions) > 1 else None, versions[-1]
            )
            audit.record(
                session,
                actor="system",
                action=audit.AuditAction.STANDARD_IMPORT,
                target=result.code,
                before=before,
                after=after,
                detail=f"导入 {source}（第{result.version}版）",
            )
        results.append(result)
    return results


def in_bulk(session, records, source):
    return workflow.import_records(session, records, actor="system", source=source)


def edited(records: list[StandardRecord]) -> list[StandardRecord]:
    """The real file as a reviewer sends it back: figures corrected, rows dropped, rows added."""
    out = []
    for n, record in enumerate(records):
        if n % 5 == 4:
            continue  # dropped: nothing happens to the stored standard
        if n % 3 == 0 and record.value is not None:
            record = dataclasses.replace(record, value=record.value + Decimal("0.5"))
        elif n % 7 == 0:
            record = dataclasses.replace(record, notes=f"{record.notes or ''}（复核）")
        out.append(record)
    new = records[0]
    out.append(dataclasses.replace(new, code=None, name=f"{new.name}（新增一）"))
    out.append(dataclasses.replace(new, code="RS-NEW-1", name=f"{new.name}（新增二）"))
    out.append(dataclasses.replace(new, code=None, name=f"{new.name}（新增三）"))
    out.append(dataclasses.replace(out[-2], notes="同一文件中再次修改"))  # a second version
    return out


def story(session, write):
    """Import both corpus files, then an edited real file, then it again; all that was written."""
    real = interchange.read_standards(REAL)
    illustrative = interchange.read_standards(ILLUSTRATIVE)
    change_mark = changes.latest(session)
    audit_mark = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0
    outcomes = []
    for records, source in (
        (real, REAL.name),
        (illustrative, ILLUSTRATIVE.name),
        (edited(real), "复核.csv"),
        (edited(real), "复核.csv"),
    ):
        with atomic(session):
            results = write(session, records, source)
        outcomes.append([(r.code, r.version, r.outcome.value) for r in results])
    session.expire_all()
    stored = [
        (v.code, v.version, standards.to_record(v), v.created_by, v.change_reason)
        for s in standards.iter_standards(session)
        for v in s.versions
    ]
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.id > audit_mark).order_by(AuditEntry.id)
    )
    logged = [
        (e.actor, e.action, e.target, e.before, e.after, e.address, e.detail) for e in entries
    ]
    changed = [(c.kind, c.key) for c in changes.since(session, change_mark)]
    return outcomes, sorted(stored, key=lambda s: (s[0], s[1])), logged, changed


def wipe(session):
    with atomic(session):
        session.execute(delete(Standard))
        session.execute(delete(AuditEntry).execution_options(synchronize_session=False))


def test_a_bulk_import_writes_what_one_by_one_writes_did(session):
    expected = story(session, one_by_one)
    wipe(session)
    actual = story(session, in_bulk)

    assert expected == actual
    outcomes, stored, logged, changed = actual
    counts = [
        {o: sum(r[2] == o for r in run) for o in ("added", "updated", "unchanged")}
        for run in outcomes
    ]
    assert counts[0]["added"] == len({code for code, _, _ in outcomes[0]}) > 100
    assert counts[2]["updated"] > 30 and counts[2]["added"] == 3
    # Again: only the rows without a code are new, and RS-NEW-1's two rows of one day alternate.
    assert counts[3] == {"added": 2, "updated": 2, "unchanged": len(outcomes[3]) - 4}
    assert ("RS-NEW-1", 2, "added") not in outcomes[2] and ("RS-NEW-1", 2, "updated") in outcomes[2]
    assert len(logged) == len(changed) == sum(r[2] != "unchanged" for run in outcomes for r in run)


def test_codes_are_assigned_after_stored_ones_and_those_of_the_same_file(session):
    with atomic(session):
        standards.write(session, make_standard(code="CQ-000007"))
    records = [
        make_standard(code=None, name="甲"),
        make_standard(code="CQ-000010", name="乙"),
        make_standard(code=None, name="丙"),
        make_standard(code=None, name="丁", kind=Kind.EXPENDITURE),
    ]
    with atomic(session):
        written = bulk.write_many(session, records)

    assert [(w.result.code, w.result.outcome) for w in written] == [
        ("CQ-000008", Outcome.ADDED),
        ("CQ-000010", Outcome.ADDED),
        ("CQ-000011", Outcome.ADDED),
        ("EX-000001", Outcome.ADDED),
    ]


def test_standards_the_session_holds_see_their_new_versions(session):
    with atomic(session):
        standards.write(session, make_standard())
    held = standards.find(session, "QP-CQ-0012")
    assert [v.version for v in held.versions] == [1]

    with atomic(session):
        in_bulk(session, [make_standard(value=Decimal("19.00"))], "x.csv")

    assert [(v.version, v.value) for v in held.versions] == [
        (1, Decimal("18.50")),
        (2, Decimal("19.00")),
    ]


def test_a_user_import_records_the_users_organisation_once_per_record(session, cast):
    town = make_standard(code="ZJJ-1", region="朱家角镇")
    mark = changes.latest(session)
    with atomic(session):
        workflow.import_records(
            session, [town, make_standard()], actor=cast.reviewer, source="a.csv"
        )

    assert standards.get(session, "ZJJ-1").organisation.name == "青浦区财政局"
    assert [(c.kind, c.key) for c in changes.since(session, mark)] == [
        ("standard", "ZJJ-1"),
        ("standard", "QP-CQ-0012"),
    ]
    entries = audit.entries(session, action="standard.import").entries
    assert [(e.actor, e.target) for e in entries] == [("审核员", "QP-CQ-0012"), ("审核员", "ZJJ-1")]
