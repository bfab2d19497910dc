"""Partial index on parked deliveries, so the DLQ-size gauge does not scan the ledger.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 08:59:52.530308
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_deliveries_dead_lettered",
        "deliveries",
        ["event_id"],
        unique=False,
        postgresql_where=sa.text("status = 'dead_lettered'"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(
        "ix_deliveries_dead_lettered",
        table_name="deliveries",
        postgresql_where=sa.text("status = 'dead_lettered'"),
    )
