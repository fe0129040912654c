import pytest

from kb import documents
from kb import standards
from kb.citing import basis
from kb.citing.basis import BasisRef
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
