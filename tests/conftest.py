"""Fixtures shared by every test: a fresh instance folder, database and index per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kb.config import Settings
from kb.db import open_database

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh instance folder; ``KB_TEST_DATABASE_URL`` selects another database."""
    return Settings.for_instance(
        tmp_path / "instance",
        database_url=os.environ.get("KB_TEST_DATABASE_URL") or None,
        secret_key="test-secret",
    )


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    factory = open_database(settings)
    with factory() as session:
        yield session
    factory.kw["bind"].dispose()
