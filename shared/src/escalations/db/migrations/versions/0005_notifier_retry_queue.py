"""Notifier ledger as a retry queue: message data, event time and next attempt per delivery.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 07:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("deliveries", sa.Column("event_type", sa.String(length=60), nullable=True))
    op.add_column("deliveries", sa.Column("event_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "deliveries",
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "deliveries", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'retrying')"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        postgresql_where=sa.text("status IN ('pending', 'retrying')"),
    )
    op.drop_column("deliveries", "next_attempt_at")
    op.drop_column("deliveries", "body")
    op.drop_column("deliveries", "event_time")
    op.drop_column("deliveries", "event_type")
