"""documents with a life of their own: measure title, dates, status, successor, provenance

Also records on standard_version the reviewer who confirmed a figure's source.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("measure_title", sa.String(length=500)),
    ("effective_from", sa.Date()),
    ("effective_to", sa.Date()),
    ("status", sa.String(length=20)),
    ("replaced_by", sa.String(length=100)),
    ("replaces", sa.Text()),
    ("source", sa.Text()),
    ("notes", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("standard_version") as batch:
        batch.add_column(sa.Column("source_confirmed_by", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("source_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("standard_version") as batch:
        batch.drop_column("source_confirmed_at")
        batch.drop_column("source_confirmed_by")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("verified")
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
