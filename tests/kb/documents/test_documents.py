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
