"""deliveries: the notifier instance that leased a row, and how often its outcome was unknown.

``owner`` lets a restarted notifier take back its own pending rows at once instead of
waiting out their lease; ``redeliveries`` counts leases that found a row still pending
(an earlier attempt's outcome unknown), which marks the re-send.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("deliveries", sa.Column("owner", sa.String(length=200), nullable=True))
    op.add_column(
        "deliveries",
        sa.Column("redeliveries", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("deliveries", "redeliveries")
    op.drop_column("deliveries", "owner")
