"""outbox, processed_events: BRIN indexes on their timestamps, for the retention prune.

The router deletes published outbox rows and processed-event records once past their
retention (``escalations_router.retention``). Both tables are appended to in time order, so a
BRIN index (a few pages, summarising ranges of blocks) finds the old rows without reading
the table, and costs the hot path next to nothing, unlike a B-tree on every insert. With
``autosummarize`` autovacuum summarises each filled block range on its next round, instead
of waiting until the table itself is due for a vacuum.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_processed_events_processed_at",
        "processed_events",
        ["processed_at"],
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )
    op.create_index(
        "ix_outbox_created_at",
        "outbox",
        ["created_at"],
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    op.drop_index("ix_processed_events_processed_at", table_name="processed_events")
