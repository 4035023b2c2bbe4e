"""case files: voice notes, photos and documents on a case (Telegram file ids only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.String(length=40), nullable=True),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("album_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_files_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_events.id"], name=op.f("fk_case_files_event_id_case_events")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_case_files_sender_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
    )
    op.create_index(op.f("ix_case_files_case_id"), "case_files", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_files_event_id"), "case_files", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_files_event_id"), table_name="case_files")
    op.drop_index(op.f("ix_case_files_case_id"), table_name="case_files")
    op.drop_table("case_files")
