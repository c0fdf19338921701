"""user digest: how often a person wants a summary by e-mail (off, daily, weekly)

Revision ID: 5d1e7c2a9f40
Revises: 078c7e13733c
Create Date: 2026-12-04 06:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e7c2a9f40"
down_revision: str | None = "078c7e13733c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing accounts asked for nothing: they get no digest until they choose one.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest", sa.String(length=8), nullable=False, server_default="off")
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("digest")
