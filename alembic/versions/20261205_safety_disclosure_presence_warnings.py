"""safety: disclosure holding, discreet presence and content warnings

Revision ID: 7a3c5e9b1d24
Revises: effaf42524c9
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3c5e9b1d24"
down_revision: str | None = "effaf42524c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing accounts and dialogues keep what they showed: names, unless someone chooses.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hide_presence", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("presence", sa.String(length=8), nullable=False, server_default="names")
        )
        batch_op.add_column(sa.Column("watch_list", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("hold_phrases", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("support_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_warning", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("hold_reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("hold_reasons")
        batch_op.drop_column("content_warning")
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.drop_column("support_text")
        batch_op.drop_column("hold_phrases")
        batch_op.drop_column("watch_list")
        batch_op.drop_column("presence")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("hide_presence")
