"""schedule_history (the router's record of schedule changes) and calendar_feeds.

``schedule_history`` is append-only: one row per override or time off added or cancelled,
written in the router's transaction that makes the change. ``calendar_feeds`` holds the
SHA-256 of each secret calendar URL the intake hands out (never the secret itself).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "schedule_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_schedule_history_team_at", "schedule_history", ["team", "at"])
    op.create_index("ix_schedule_history_person_at", "schedule_history", ["person", "at"])
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_calendar_feeds_owner", "calendar_feeds", ["kind", "owner"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_calendar_feeds_owner", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_index("ix_schedule_history_person_at", table_name="schedule_history")
    op.drop_index("ix_schedule_history_team_at", table_name="schedule_history")
    op.drop_table("schedule_history")
