import datetime as dt

import pytest

from kb import documents
from kb import standards
from kb.citing import basis
from kb.citing.basis import BasisRef
from kb.documents import catalogue
from kb.records import DocumentEntry
from kb.vocab import DocumentStatus
from kb.vocab import Status
from tests.factories import make_clause
from tests.factories import make_document
from tests.factories import make_standard

PLAN = "《青浦区2024年度全面推开成本预算绩效管理工作方案》"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第四部分第8条", "四.8"),
        ("第二部分", "二"),
        ("第十五条", "第十五条"),
        ("附件", None),
    ],
)
def test_clause_path_of(text, expected):
    assert basis.clause_path_of(text) == expected


def test_parse_basis_reads_title_number_and_clause_of_each_reference():
    text = f"{PLAN}（青财督[2024]58号）第四部分第8条；财政部关于印发《中央和国家机关会议费管理办法》的通知（财行〔2016〕214号）"

    assert basis.parse_basis(text) == [
        BasisRef(
            raw=f"{PLAN}（青财督[2024]58号）第四部分第8条",
            title="青浦区2024年度全面推开成本预算绩效管理工作方案",
            doc_number="青财督〔2024〕58号",
            clause_path="四.8",
        ),
        BasisRef(
            raw="财政部关于印发《中央和国家机关会议费管理办法》的通知（财行〔2016〕214号）",
            title="中央和国家机关会议费管理办法",
            doc_number="财行〔2016〕214号",
            clause_path=None,
        ),
    ]


def test_resolve_matches_documents_and_clauses_and_citing_versions_finds_the_standard(session):
    clauses = (
        make_clause(path="四", label="四、", text="四、", depth=1),
        make_clause(path="四.8", label="8.", text="8.", depth=2, parent_path="四"),
    )
    document, _ = documents.write(session, make_document(clauses=clauses))
    standards.write(
        session, make_standard(basis=f"{PLAN}（青财督〔2024〕58号）第四部分第8条；《未收录的办法》")
    )
    standards.write(session, make_standard(code="OTHER", basis="《未收录的办法》"))
    session.commit()

    resolved = basis.resolve(session, standards.get(session, "QP-CQ-0012").basis)

    assert [(r.document is not None, r.clause.path if r.clause else None) for r in resolved] == [
        (True, "四.8"),
        (False, None),
    ]
    assert [v.code for v in basis.citing_versions(session, document)] == ["QP-CQ-0012"]


# -- every basis a known document, and its status ----------------------------------------------


def test_every_basis_becomes_a_known_document(session):
    made = basis.ensure_documents(
        session,
        [
            "《甲办法（附表：费用标准表）》（沪财行〔2014〕3号）附表；《乙方案》",
            "沪财行[2014]3号第五条",
        ],
    )

    assert sorted((d.title, d.doc_number, d.text_held) for d in made) == [
        ("乙方案", None, False),
        ("甲办法", "沪财行〔2014〕3号", False),
    ]


def test_a_document_status_is_inferred_from_the_standards_resting_on_it(session):
    old_basis, new_basis = "《旧办法》（沪财行〔2014〕3号）", "《新办法》（沪财行〔2024〕9号）"
    standards.write(
        session,
        make_standard(
            code="T-1",
            basis=old_basis,
            effective_from=dt.date(2014, 1, 1),
            effective_to=dt.date(2024, 4, 30),
            status=Status.SUPERSEDED,
        ),
    )
    standards.write(
        session, make_standard(code="T-1", basis=new_basis, effective_from=dt.date(2024, 5, 1))
    )
    basis.ensure_documents(session, [old_basis, new_basis])
    old = catalogue.find(session, doc_number="沪财行〔2014〕3号")

    then = basis.document_state(session, old, on=dt.date(2020, 1, 1))
    now = basis.document_state(session, old, on=dt.date(2025, 1, 1))

    assert (then.status, then.inferred) == (None, False)
    assert (now.status, now.inferred, now.successor.doc_number) == (
        DocumentStatus.REPLACED,
        True,
        "沪财行〔2024〕9号",
    )
    assert now.label == "已被替代（据库中标准推断）"


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (dt.date(2013, 6, 1), DocumentStatus.NOT_YET),
        (dt.date(2015, 6, 1), DocumentStatus.IN_FORCE),
        (dt.date(2017, 6, 1), DocumentStatus.REPEALED),
    ],
)
def test_a_recorded_status_is_read_with_its_dates(session, day, status):
    ((document, _),) = catalogue.store_entries(
        session,
        [
            DocumentEntry(
                title="旧办法",
                doc_number="沪财行〔2013〕1号",
                effective_from=dt.date(2014, 1, 1),
                effective_to=dt.date(2016, 12, 31),
                status=DocumentStatus.REPEALED,
            )
        ],
    )

    assert basis.document_state(session, document, on=day).status is status
