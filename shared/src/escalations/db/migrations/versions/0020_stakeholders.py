"""escalation_subscriptions, source_callbacks, handoff_notes: what the intake keeps for others.

Subscriptions are read per escalation by the notifier (index on the escalation); handoff
notes per team since an instant by the router's handoff packets (index on team and instant).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "escalation_subscriptions",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("escalation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("removed_by", sa.String(length=120), nullable=True),
        sa.Column("removed_at", _AT, nullable=True),
    )
    op.create_index(
        "ix_escalation_subscriptions_escalation", "escalation_subscriptions", ["escalation_id"]
    )
    op.create_table(
        "source_callbacks",
        sa.Column("source", sa.String(length=80), primary_key=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_table(
        "handoff_notes",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", _AT, nullable=False),
    )
    op.create_index("ix_handoff_notes_team_at", "handoff_notes", ["team", "at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_handoff_notes_team_at", table_name="handoff_notes")
    op.drop_table("handoff_notes")
    op.drop_table("source_callbacks")
    op.drop_index("ix_escalation_subscriptions_escalation", table_name="escalation_subscriptions")
    op.drop_table("escalation_subscriptions")
