"""Engine, sessions and transactions: one ``atomic`` block per operation, nesting by savepoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from kb import changes  # noqa: F401 - registers the change log on every session
from kb.config import Settings


def make_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database_url``; SQLite gets foreign keys and a busy timeout."""
    url = settings.database_url
    if url.startswith("sqlite"):
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration for kb's migrations, with no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def create_schema(engine: Engine) -> None:
    """Bring the database up to the latest migration (idempotent; ``kb init`` calls it)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def atomic(session: Session) -> Iterator[Session]:
    """All-or-nothing: commit at the outermost block, a savepoint inside another one."""
    if session.in_transaction() and session.info.get("atomic_depth", 0) > 0:
        with session.begin_nested():
            yield session
        return
    session.info["atomic_depth"] = 1
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info["atomic_depth"] = 0


def open_database(settings: Settings) -> sessionmaker[Session]:
    """Engine and session factory for ``settings``, with the schema created if missing."""
    engine = make_engine(settings)
    create_schema(engine)
    return make_session_factory(engine)


def close_database(sessions: sessionmaker[Session]) -> None:
    """Close every pooled connection of a factory made by :func:`open_database`."""
    bind = sessions.kw.get("bind")
    if bind is not None:
        bind.dispose()
