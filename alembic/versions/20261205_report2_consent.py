"""consent that holds: per-post copies of the profile cleared; a trail of consent changes

Revision ID: 9b3e1f07c2d4
Revises: 7a3c9e51b2d4
Create Date: 2026-12-05 19:20:00

A post's `quote_consent` may now only narrow its author's current choice. Existing posts
stored a copy of the profile at the time they were written (the demo on every post), which
would keep overriding a later withdrawal under the old rule and means nothing under the
new one: such copies are cleared, so only real per-post choices remain.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "9b3e1f07c2d4"
down_revision: str | None = "7a3c9e51b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE post SET quote_consent = NULL WHERE quote_consent IS NOT NULL AND "
        'quote_consent = (SELECT "user".quote_consent FROM "user" '
        'WHERE "user".id = post.author_id)'
    )
    op.create_table(
        "consent_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("reports_regenerated", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_change_user_id", "consent_change", ["user_id"])


def downgrade() -> None:
    # The cleared copies are not restored: they said nothing the profile does not.
    op.drop_index("ix_consent_change_user_id", table_name="consent_change")
    op.drop_table("consent_change")
