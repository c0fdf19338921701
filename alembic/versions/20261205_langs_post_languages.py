"""post languages: each post's `lang`, and the cache of machine translations

Revision ID: 7a3c9e51b2d4
Revises: 7a3c5e9b1d24
Create Date: 2026-12-04 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7a3c9e51b2d4"
down_revision: str | None = "7a3c5e9b1d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Posts written before this have no recorded language: they show no "Translate".
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lang", sa.String(length=16), nullable=True))
    op.create_table(
        "post_translation",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=32), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["post.id"],
            name=op.f("fk_post_translation_post_id_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "target", name=op.f("pk_post_translation")),
    )


def downgrade() -> None:
    op.drop_table("post_translation")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("lang")
