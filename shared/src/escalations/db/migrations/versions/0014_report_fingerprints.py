"""escalations: report_fingerprints, so that a client's retry is not counted as a report.

The router keeps the fingerprints of an escalation's latest reports, each with the latest
instant it arrived; a report whose fingerprint it saw within the retry window is a retry
and changes no count (docs/refires-and-retries.md, "Retried reports"). Existing rows start with
none: their next report counts, as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("escalations", sa.Column("report_fingerprints", JSONB(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("escalations", "report_fingerprints")
