"""router_deadletter_replays: which dead letters an operator replayed, so none is replayed twice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "router_deadletter_replays",
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offset", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("dead_letter_id", sa.String(length=300), nullable=False),
        sa.Column("replay_event_id", sa.String(length=100), nullable=False),
        sa.Column("escalation_id", sa.String(length=300), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_to_partition", sa.Integer(), nullable=True),
        sa.Column("replayed_to_offset", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("partition", "offset"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("router_deadletter_replays")
