"""The catalogue: one record per document whether its text, a documents file or a basis named it."""

import datetime as dt

import pytest

from kb import documents
from kb.accounts import audit
from kb.documents import catalogue
from kb.errors import InvalidInput
from kb.models import AuditEntry
from kb.records import DocumentEntry
from kb.vocab import DocumentStatus
from kb.vocab import Outcome
from tests.factories import make_document

OLD = DocumentEntry(
    title="财政部关于印发《中央和国家机关培训费管理办法》的通知（2013年）",
    doc_number="财行〔2013〕523号",
    measure_title="中央和国家机关培训费管理办法",
    effective_from=dt.date(2014, 1, 1),
    effective_to=dt.date(2016, 12, 31),
    status=DocumentStatus.REPLACED,
    replaced_by="财行〔2016〕540号",
)
NEW = DocumentEntry(
    title="财政部关于印发《中央和国家机关培训费管理办法》的通知",
    doc_number="财行〔2016〕540号",
    measure_title="中央和国家机关培训费管理办法",
    effective_from=dt.date(2017, 1, 1),
    status=DocumentStatus.IN_FORCE,
)


def test_a_basis_names_a_document_that_the_documents_file_later_completes(session):
    stub = catalogue.ensure(session, title="中央和国家机关培训费管理办法", doc_number=None)
    assert (stub.text_held, catalogue.is_stub(stub)) == (False, True)

    results = catalogue.store_entries(session, [NEW, OLD])

    assert [(d.id == stub.id, o) for d, o in results] == [
        (True, Outcome.UPDATED),
        (False, Outcome.ADDED),
    ]
    assert stub.doc_number == "财行〔2016〕540号"


def test_a_title_without_a_number_finds_the_current_measure(session):
    catalogue.store_entries(session, [OLD, NEW])

    found = catalogue.find(session, title="中央和国家机关培训费管理办法")
    by_notice = catalogue.find(
        session, title="财政部关于印发〈中央和国家机关培训费管理办法〉的通知"
    )

    assert found.doc_number == by_notice.doc_number == "财行〔2016〕540号"


@pytest.mark.parametrize(
    ("on", "number"),
    [
        (dt.date(2015, 6, 1), "财行〔2013〕523号"),
        (dt.date(2016, 12, 31), "财行〔2013〕523号"),
        (dt.date(2017, 1, 1), "财行〔2016〕540号"),
        (dt.date(2010, 1, 1), "财行〔2016〕540号"),  # in force under neither: the current one
    ],
)
def test_a_title_without_a_number_finds_the_measure_in_force_on_a_day(session, on, number):
    catalogue.store_entries(session, [OLD, NEW])

    assert catalogue.find(session, title="中央和国家机关培训费管理办法", on=on).doc_number == number


def test_the_text_arriving_takes_over_the_listed_document(session):
    ((listed, _),) = catalogue.store_entries(
        session,
        [
            DocumentEntry(
                title="青浦区2024年度全面推开成本预算绩效管理工作方案",
                doc_number="青财督〔2024〕58号",
                status=DocumentStatus.IN_FORCE,
                source="https://www.shqp.gov.cn/a.html",
                verified=True,
            )
        ],
    )

    document, outcome = documents.write(session, make_document())

    assert (document.id, outcome, document.slug) == (listed.id, Outcome.UPDATED, "qingpu-plan")
    assert (document.text_held, document.status, document.verified) == (True, "in_force", True)
    assert documents.count(session) == 1


def test_a_replaced_by_that_names_no_document_is_refused(session):
    with pytest.raises(InvalidInput, match="财行〔2016〕540号"):
        catalogue.store_entries(session, [OLD])


def test_a_transition_needs_its_successor_and_is_audited(session):
    catalogue.store_entries(session, [NEW])
    catalogue.store_entries(session, [DocumentEntry(title="某办法", doc_number="财行〔2017〕1号")])

    with pytest.raises(InvalidInput):
        catalogue.transition(session, "财行〔2016〕540号", to="replaced", actor="system")
    document = catalogue.transition(
        session,
        "财行[2016]540号",
        to="已被替代",
        replaced_by="财行（2017）1号",
        actor="system",
        reason="新办法",
    )

    assert (document.status, document.replaced_by) == ("replaced", "财行〔2017〕1号")
    entry = (
        session.query(AuditEntry)
        .filter_by(action=audit.AuditAction.DOCUMENT_TRANSITION.value)
        .one()
    )
    assert (entry.target, entry.detail) == ("document:财行〔2016〕540号", "新办法")


def test_a_title_is_found_however_it_is_spaced_marked_or_renamed(session):
    stub = catalogue.ensure(session, title="中央和国家机关 会议费管理办法", doc_number=None)
    session.flush()

    assert catalogue.find(session, title="《中央和国家机关会议费管理办法》") is stub
    assert catalogue.find(session, title="中央和国家机关会议费管理办法（附表：定额）") is stub
    stub.title = "中央和国家机关差旅费管理办法"
    session.flush()
    assert catalogue.find(session, title="中央和国家机关差旅费管理办法") is stub
    assert catalogue.find(session, title="中央和国家机关会议费管理办法") is None


def _names_in_corpus() -> list[tuple[str | None, str | None]]:
    from kb.citing.basis import parse_basis
    from kb.standards.interchange import read_standards
    from tests.conftest import CORPUS

    records = [r for f in sorted((CORPUS / "standards").glob("*.csv")) for r in read_standards(f)]
    return [(ref.title, ref.doc_number) for r in records for ref in parse_basis(r.basis)]


#: Names a basis gives beside the corpus's: a measure by title alone (two editions are listed),
#: through its notice's title, with an annex note, a 文号 alone, a title that later gets a
#: 文号, the same name again, and names of nothing listed.
NAMES = [
    ("中央和国家机关培训费管理办法", None),
    ("财政部关于印发〈中央和国家机关培训费管理办法〉的通知", None),
    ("中央和国家机关培训费管理办法（附表1）", None),
    (None, "财行〔2013〕523号"),
    ("未收录的办法", None),
    ("未收录的办法", "沪财预〔2099〕1号"),
    ("未收录的办法", None),
    (None, "沪财预〔2099〕2号"),
    ("另一个未收录的办法", "沪财预〔2099〕2号"),
]


def test_ensure_all_does_what_ensure_name_by_name_did(session):
    def one_by_one(names):
        touched = {}
        for title, number in dict.fromkeys(names):
            before = catalogue.find(session, doc_number=number, title=title)
            known = before.doc_number if before is not None else None
            document = catalogue.ensure(session, title=title, doc_number=number)
            if document is not None and (before is None or document.doc_number != known):
                touched[document.id] = document
        return list(touched.values())

    def run(ensure):
        catalogue.store_entries(session, [OLD, NEW])
        touched = ensure(_names_in_corpus() + NAMES)
        session.flush()
        listed = [
            (d.slug, d.title, d.doc_number, d.measure_title)
            for d in documents.iter_documents(session)
        ]
        return [(d.title, d.doc_number) for d in touched], sorted(listed)

    expected = run(one_by_one)
    session.rollback()
    actual = run(lambda names: catalogue.ensure_all(session, names))

    assert expected == actual
    assert len(expected[0]) >= 8
