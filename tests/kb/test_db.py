from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kb.db import atomic
from kb.db import create_schema
from kb.db import make_engine
from kb.models import Base
from kb.models import Standard


def test_migrations_build_exactly_the_models_schema(settings):
    engine = make_engine(settings)
    create_schema(engine)
    create_schema(engine)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert "alembic_version" in inspect(engine).get_table_names()
    engine.dispose()


def test_atomic_rolls_back_everything_on_error_and_nests(session):
    try:
        with atomic(session):
            session.add(Standard(code="A"))
            with atomic(session):
                session.add(Standard(code="B"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with atomic(session):
        session.add(Standard(code="C"))

    assert [s.code for s in session.query(Standard).order_by(Standard.code)] == ["C"]
