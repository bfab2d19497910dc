"""escalation_updates: status updates posted on an escalation.

The router inserts one row per posted update, in the transaction that applies the command
(docs/router.md, "Updates"); the intake reads an escalation's newest updates with it, so
the index leads with the escalation and orders by instant.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "escalation_updates",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("escalation_id", sa.String(length=36), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_escalation_updates_escalation_at", "escalation_updates", ["escalation_id", "at"]
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_escalation_updates_escalation_at", table_name="escalation_updates")
    op.drop_table("escalation_updates")
