"""Schedule overrides and time off, written by the router from schedule commands.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 07:43:49.276806
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "schedule_overrides",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_schedule_overrides_team_end", "schedule_overrides", ["team", "end_at"], unique=False
    )
    op.create_table(
        "time_off",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_time_off_person_end", "time_off", ["person", "end_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_time_off_person_end", table_name="time_off")
    op.drop_table("time_off")
    op.drop_index("ix_schedule_overrides_team_end", table_name="schedule_overrides")
    op.drop_table("schedule_overrides")
