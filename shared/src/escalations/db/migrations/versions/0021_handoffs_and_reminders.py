"""shift_handoffs, handoff_watermarks, team_digests, update_reminders: the router's stakeholder job.

Each table lets one router transaction claim a message before writing it to the outbox
(docs/router.md, "Stakeholders: reminders, handoffs, digests"): a handoff by its team and
instant (unique), a digest by team, lead and local day (primary key), a reminder by its
escalation's anchor and round. ``handoff_watermarks`` keeps, per team, how far handoffs
have been looked for, so a restart catches up instead of skipping.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "shift_handoffs",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("outgoing", postgresql.JSONB(), nullable=False),
        sa.Column("incoming", postgresql.JSONB(), nullable=False),
        sa.Column("packet", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
    )
    op.create_index("uq_shift_handoffs_team_at", "shift_handoffs", ["team", "at"], unique=True)
    op.create_table(
        "handoff_watermarks",
        sa.Column("team", sa.String(length=64), primary_key=True),
        sa.Column("through", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_table(
        "team_digests",
        sa.Column("team", sa.String(length=64), primary_key=True),
        sa.Column("lead", sa.String(length=100), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
    )
    op.create_table(
        "update_reminders",
        sa.Column("escalation_id", sa.String(length=36), primary_key=True),
        sa.Column("anchor", _AT, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("sent_at", _AT, nullable=False),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("update_reminders")
    op.drop_table("team_digests")
    op.drop_table("handoff_watermarks")
    op.drop_index("uq_shift_handoffs_team_at", table_name="shift_handoffs")
    op.drop_table("shift_handoffs")
