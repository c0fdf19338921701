"""oversight: concerns about conduct, moderators' private notes, handover visits

None of these tables is archived or evented: see `dialogue.moderation.oversight_models`.

Revision ID: 76e2336c8521
Revises: 5d1e7c2a9f40
Create Date: 2026-12-04 18:49:49.414167
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "76e2336c8521"
down_revision: str | None = "5d1e7c2a9f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("about_user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["about_user_id"],
            ["user.id"],
            name=op.f("fk_concern_about_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_concern_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["user.id"],
            name=op.f("fk_concern_handled_by_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["user.id"], name=op.f("fk_concern_raised_by_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index("ix_concern_dialogue_status", ["dialogue_id", "status"], unique=False)

    op.create_table(
        "moderator_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_moderator_visit_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_moderator_visit_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderator_visit")),
        sa.UniqueConstraint(
            "dialogue_id", "user_id", name=op.f("uq_moderator_visit_dialogue_id_user_id")
        ),
    )
    op.create_table(
        "moderator_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("about_user_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(about_user_id IS NULL) <> (thread_id IS NULL)",
            name=op.f("ck_moderator_note_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["about_user_id"],
            ["user.id"],
            name=op.f("fk_moderator_note_about_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_moderator_note_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_moderator_note_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["thread.id"],
            name=op.f("fk_moderator_note_thread_id_thread"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderator_note")),
    )
    with op.batch_alter_table("moderator_note", schema=None) as batch_op:
        batch_op.create_index("ix_moderator_note_dialogue", ["dialogue_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("moderator_note", schema=None) as batch_op:
        batch_op.drop_index("ix_moderator_note_dialogue")

    op.drop_table("moderator_note")
    op.drop_table("moderator_visit")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index("ix_concern_dialogue_status")

    op.drop_table("concern")
