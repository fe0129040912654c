import pytest

from kb import documents
from kb.errors import NotFound
from kb.vocab import Outcome
from tests.factories import make_clause
from tests.factories import make_document

CLAUSES = (
    make_clause(path="四", label="四、", heading="加强成果应用", text="四、加强成果应用", depth=1),
    make_clause(
        path="四.8",
        label="8.",
        heading="建立标准体系",
        text="8.建立标准体系。",
        depth=2,
        parent_path="四",
    ),
)


def test_write_stores_the_clause_tree(session):
    document, outcome = documents.write(session, make_document(clauses=CLAUSES))
    session.commit()

    stored = documents.get(session, document.id)
    assert outcome is Outcome.ADDED
    assert [(c.path, c.parent.path if c.parent else None) for c in stored.clauses] == [
        ("四", None),
        ("四.8", "四"),
    ]
    assert documents.clause(stored, "四.8").heading == "建立标准体系"


def test_rewriting_the_same_text_changes_nothing_and_new_text_replaces_clauses(session):
    documents.write(session, make_document(clauses=CLAUSES))
    _, same = documents.write(session, make_document(clauses=CLAUSES))
    changed, updated = documents.write(
        session, make_document(original_text="新文本", clauses=CLAUSES[:1])
    )
    session.commit()

    assert (same, updated) == (Outcome.UNCHANGED, Outcome.UPDATED)
    assert [c.path for c in documents.get(session, "qingpu-plan").clauses] == ["四"]
    assert documents.count(session) == 1


def test_missing_document_and_clause_are_not_found(session):
    document, _ = documents.write(session, make_document())

    with pytest.raises(NotFound):
        documents.get(session, "nope")
    with pytest.raises(NotFound):
        documents.clause(document, "九.9")


def test_a_clause_tree_of_several_levels_keeps_every_parent(session):
    clauses = (
        make_clause(path="一", label="一、", heading="总则", text="一、总则", depth=1),
        make_clause(path="一.1", label="1.", heading="甲", text="1.甲", depth=2, parent_path="一"),
        make_clause(path="二", label="二、", heading="附则", text="二、附则", depth=1),
        make_clause(path="二.1", label="1.", heading="乙", text="1.乙", depth=2, parent_path="二"),
        make_clause(
            path="二.1.1", label="（1）", heading="丙", text="（1）丙", depth=3, parent_path="二.1"
        ),
        make_clause(path="一.2", label="2.", heading="丁", text="2.丁", depth=2, parent_path="一"),
        make_clause(path="五.1", label="1.", heading="戊", text="1.戊", depth=2, parent_path="五"),
    )
    document, _ = documents.write(session, make_document(clauses=clauses))
    session.commit()

    stored = documents.get(session, document.id)
    assert [(c.heading, c.parent.heading if c.parent else None) for c in stored.clauses] == [
        ("总则", None),
        ("甲", "总则"),
        ("附则", None),
        ("乙", "附则"),
        ("丙", "乙"),
        ("丁", "总则"),
        ("戊", None),  # its part is not in the text: a clause at the top
    ]


def test_iter_document_rows_reads_what_the_orm_reads(session):
    clauses = (
        make_clause(),
        make_clause(path="一.1", label="1.", heading="", text="1. 全面推开", depth=2),
        make_clause(path="二", label="二、", heading="工作安排", text="二、工作安排"),
    )
    documents.write(session, make_document(clauses=clauses))
    documents.write(session, make_document(slug="other", issued_on=None, clauses=()))
    session.commit()
    columns, clause_columns = ("title", "issued_on", "slug"), ("path", "text", "position")

    rows = list(documents.iter_document_rows(session, columns, clause_columns))

    expected = [
        (
            *(getattr(d, name) for name in columns),
            [tuple(getattr(c, name) for name in clause_columns) for c in d.clauses],
        )
        for d in documents.iter_documents(session)
    ]
    assert [(*row[:-1], [tuple(c) for c in row.clauses]) for row in rows] == expected
    assert [c.path for c in rows[0].clauses] == ["一", "一.1", "二"]
    assert (rows[1].slug, rows[1].issued_on, rows[1].clauses) == ("other", None, ())
