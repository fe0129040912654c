"""standard_version.verified: whether the figure was checked against the issuer's publication

Null means "not said" (the source rule decides); false is shown as 未核实.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("standard_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("standard_version", schema=None) as batch_op:
        batch_op.drop_column("verified")
