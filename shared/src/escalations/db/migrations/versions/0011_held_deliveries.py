"""Quiet hours hold: the retry queue's index takes held deliveries too.

A delivery held for quiet hours has status ``held`` and its release instant in
``next_attempt_at``; the retry loop leases it from the same partial index as a retry.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "status IN ('pending', 'retrying')"
NEW = "status IN ('pending', 'retrying', 'held')"


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index("ix_deliveries_due", table_name="deliveries", postgresql_where=sa.text(OLD))
    op.create_index(
        "ix_deliveries_due", "deliveries", ["next_attempt_at"], postgresql_where=sa.text(NEW)
    )


def downgrade() -> None:
    """Revert this revision (the old code knows neither status: both become final skips)."""
    op.execute("UPDATE deliveries SET status = 'skipped' WHERE status IN ('held', 'not_needed')")
    op.drop_index("ix_deliveries_due", table_name="deliveries", postgresql_where=sa.text(NEW))
    op.create_index(
        "ix_deliveries_due", "deliveries", ["next_attempt_at"], postgresql_where=sa.text(OLD)
    )
