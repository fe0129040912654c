"""document.title_key / measure_key: documents found by title with one indexed query

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _key(title: str) -> str:
    # kb.text.title_key as it was when this migration was written
    text = unicodedata.normalize("NFKC", title)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "〈〉<>《》")


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_key", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("measure_key", sa.String(length=500), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, title, measure_title FROM document")).all()
    for row in rows:
        connection.execute(
            sa.text("UPDATE document SET title_key = :t, measure_key = :m WHERE id = :id"),
            {"t": _key(row.title), "m": _key(row.measure_title or row.title), "id": row.id},
        )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("title_key", existing_type=sa.String(length=500), nullable=False)
        batch_op.alter_column("measure_key", existing_type=sa.String(length=500), nullable=False)
        batch_op.create_index("ix_document_title_key", ["title_key"], unique=False)
        batch_op.create_index("ix_document_measure_key", ["measure_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_measure_key")
        batch_op.drop_index("ix_document_title_key")
        batch_op.drop_column("measure_key")
        batch_op.drop_column("title_key")
