"""Fixtures for the index tests: a fresh instance, a real SQLite database, records, a built index."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from indexer import search as search_module
from indexer import sync
from kb import documents
from kb import standards
from kb.config import Settings
from kb.db import create_schema
from kb.db import make_engine
from kb.db import make_session_factory
from kb.records import ClauseRecord
from kb.records import DocumentRecord
from kb.records import StandardRecord


@pytest.fixture
def index_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh instance folder in ``tmp_path``, with the bundled corpus."""
    settings = Settings.for_instance(tmp_path / "instance", secret_key="test-secret")
    yield settings
    search_module.release(settings)


@pytest.fixture
def db(index_settings: Settings) -> Iterator[Session]:
    """A session on a fresh SQLite database made by kb."""
    engine = make_engine(index_settings)
    create_schema(engine)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def store(db: Session) -> Callable[..., None]:
    """Write standard and document records and commit them."""

    def write(*records: StandardRecord | DocumentRecord) -> None:
        for record in records:
            if isinstance(record, StandardRecord):
                standards.write(db, record)
            else:
                documents.write(db, record)
        db.commit()

    return write


@pytest.fixture
def build(index_settings: Settings, db: Session, store: Callable[..., None]) -> Callable[..., None]:
    """Store records, then rebuild the index from the database."""

    def run(*records: StandardRecord | DocumentRecord) -> sync.IndexStats:
        store(*records)
        return sync.rebuild(index_settings, db)

    return run


@pytest.fixture
def policy() -> Callable[..., DocumentRecord]:
    """A factory of policy documents with hand-made clauses."""
    return make_policy


def make_policy(
    slug: str = "putuo-report",
    title: str = "2024年上海市普陀区全面实施预算绩效管理情况的说明",
    clauses: tuple[tuple[str, str, str], ...] = (),
    **overrides: object,
) -> DocumentRecord:
    """A document with clauses given as (path, heading, text); the text joins the clauses."""
    records = tuple(
        ClauseRecord(path=path, label=f"{path}、", heading=heading, text=text, depth=1)
        for path, heading, text in clauses
    )
    text = "\n".join(c.text for c in records) or title
    values: dict[str, object] = {
        "slug": slug,
        "title": title,
        "original_text": text,
        "text": text,
        "clauses": records,
        "doc_number": None,
        "issuer": "普陀区财政局",
    }
    values.update(overrides)
    return DocumentRecord(**values)  # type: ignore[arg-type]
