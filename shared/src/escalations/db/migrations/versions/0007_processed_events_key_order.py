"""processed_events: primary key (event_id, consumer), so the batch lookup is a key lookup.

The router asks "which of these event ids has this consumer applied?" once per batch with
``event_id = ANY(...)``. With the key led by ``consumer``, a plan made while the table was
small (a new deployment, or before autovacuum has analysed it) reads every row of the
consumer and filters, which grows with the table; led by ``event_id``, every plan looks
each id up.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.drop_constraint("processed_events_pkey", "processed_events", type_="primary")
    op.create_primary_key("processed_events_pkey", "processed_events", ["event_id", "consumer"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_constraint("processed_events_pkey", "processed_events", type_="primary")
    op.create_primary_key("processed_events_pkey", "processed_events", ["consumer", "event_id"])
