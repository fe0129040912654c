"""Fixtures shared by every test: a fresh instance folder, database and index per test."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import text
from sqlalchemy.orm import Session

from kb import accounts
from kb.config import Settings
from kb.db import atomic
from kb.db import close_database
from kb.db import open_database
from kb.models import User
from webapp.db import close

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


#: A server database to run the whole suite against (PostgreSQL in CI); unset means SQLite files.
SERVER_DATABASE_URL = os.environ.get("KB_TEST_DATABASE_URL") or None


def fresh_server_database(url: str) -> str:
    """Empty the server database at ``url`` (created if the server lacks it) so a test starts
    from nothing, as with a new file."""
    _create_server_database(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _create_server_database(url: str) -> None:
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh instance folder and a fresh database."""
    return Settings.for_instance(
        tmp_path / "instance",
        database_url=fresh_server_database(SERVER_DATABASE_URL) if SERVER_DATABASE_URL else None,
        secret_key="test-secret",
    )


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    factory = open_database(settings)
    with factory() as session:
        yield session
    close_database(factory)


@pytest.fixture
def app(settings: Settings):
    from webapp import create_app

    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    close(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    """Call an API route and check its status: ``api("get", "/search?q=x", 200)`` → JSON."""

    def call(method: str, path: str, status: int = 200, **kwargs):
        response = client.open(f"/api/v1{path}", method=method.upper(), **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        return response.get_json()

    return call


@pytest.fixture(scope="session")
def corpus_instance(tmp_path_factory) -> Settings:
    """One instance with the whole bundled corpus ingested, shared read-only by many tests."""
    return ingested_instance(tmp_path_factory, "corpus", [CORPUS])


def ingested_instance(tmp_path_factory, name: str, paths: list[Path]) -> Settings:
    """A fresh instance (its own server database ``…_name`` when testing on one) with ``paths``
    ingested; every file must be accepted."""
    from indexer.ingest import ingest

    settings = Settings.for_instance(
        tmp_path_factory.mktemp(name) / "instance",
        database_url=_session_database_url(name),
        secret_key="test-secret",
    )
    factory = open_database(settings)
    with factory() as session:
        report = ingest(settings, session, paths)
    assert report.ok, [f.problems for f in report.files if f.rejected]
    close_database(factory)
    return settings


def _session_database_url(name: str) -> str | None:
    """A session instance gets its own server database (``…_corpus``) beside the per-test one."""
    if not SERVER_DATABASE_URL:
        return None
    return fresh_server_database(f"{SERVER_DATABASE_URL}_{name}")


@pytest.fixture(scope="session")
def corpus_app(corpus_instance: Settings):
    from webapp import create_app

    app = create_app(corpus_instance)
    app.config.update(TESTING=True)
    yield app
    close(app)


@pytest.fixture
def corpus_client(corpus_app):
    return corpus_app.test_client()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id with tiny costs: the production parameters take ~50 ms a hash."""
    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(accounts, "_dummy_hash", [])


@dataclass(frozen=True)
class Cast:
    """The accounts of the acceptance story, all with the password ``password-123``."""

    admin: User
    reviewer: User
    zhujiajiao_editor: User
    liantang_editor: User
    viewer: User


PASSWORD = "password-123"


@pytest.fixture
def cast(session) -> Cast:
    """青浦区财政局 (admin and reviewer), 朱家角镇 and 练塘镇 (an editor each), a viewer."""
    with atomic(session):
        accounts.add_organisation(session, "青浦区财政局", region="青浦区")
        accounts.add_organisation(session, "朱家角镇人民政府", region="朱家角镇")
        accounts.add_organisation(session, "练塘镇人民政府", region="练塘镇")
        users = [
            accounts.add_user(session, name, role=role, organisation=org, password=PASSWORD)[0]
            for name, role, org in (
                ("管理员", "admin", "青浦区财政局"),
                ("审核员", "reviewer", "青浦区财政局"),
                ("朱编辑", "editor", "朱家角镇人民政府"),
                ("练编辑", "editor", "练塘镇人民政府"),
                ("查看员", "viewer", "朱家角镇人民政府"),
            )
        ]
    return Cast(*users)


@pytest.fixture
def bearer(session, cast):
    """``bearer("朱编辑")`` → headers carrying a fresh API token of that account."""
    from kb.accounts import tokens

    def make(name: str) -> dict[str, str]:
        with atomic(session):
            _, secret = tokens.create_token(session, name)
        return {"Authorization": f"Bearer {secret}"}

    return make


#: The real standards table the lapsed-standard tests read their rows from.
REAL_STANDARDS = CORPUS / "standards" / "real-standards.csv"


@pytest.fixture(scope="session")
def lapsed_instance(tmp_path_factory) -> Settings:
    """Only the rows of the real table that lapsed (the 2014 差旅住宿费, 会议费 and 培训费 rates,
    each with its 失效日期): a knowledge base where some lines have no standard in force, only
    one that lapsed. Shared read-only."""
    folder = tmp_path_factory.mktemp("lapsed-rows")
    with REAL_STANDARDS.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.DictReader(source))
    path = folder / "lapsed-standards.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["effective_to"])
    return ingested_instance(tmp_path_factory, "lapsed", [path])
