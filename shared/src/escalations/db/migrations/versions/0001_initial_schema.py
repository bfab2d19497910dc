"""Initial schema: escalations, history, processed events, outbox, API keys, deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 07:31:54.738932
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_kind", sa.String(length=40), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index(op.f("ix_api_keys_source"), "api_keys", ["source"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("escalation_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "recipient", "channel"),
    )
    op.create_index(
        op.f("ix_deliveries_escalation_id"), "deliveries", ["escalation_id"], unique=False
    )
    op.create_table(
        "escalation_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("escalation_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("event_id", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_escalation_history_escalation_id"),
        "escalation_history",
        ["escalation_id"],
        unique=False,
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_kind", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("policy_area", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=2), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("request", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("priority", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("assignment", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("policy_snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("regulatory_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_escalations_created",
        "escalations",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_escalations_owner_created",
        "escalations",
        ["owner", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "ix_escalations_status_created",
        "escalations",
        ["status", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "ix_escalations_team_created",
        "escalations",
        ["team", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "ix_escalations_tier_created",
        "escalations",
        ["tier", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "uq_escalations_source_external", "escalations", ["source", "external_id"], unique=True
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(length=60), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("processed_events")
    op.drop_index(
        "ix_outbox_unsent", table_name="outbox", postgresql_where=sa.text("sent_at IS NULL")
    )
    op.drop_table("outbox")
    op.drop_index("uq_escalations_source_external", table_name="escalations")
    op.drop_index("ix_escalations_tier_created", table_name="escalations")
    op.drop_index("ix_escalations_team_created", table_name="escalations")
    op.drop_index("ix_escalations_status_created", table_name="escalations")
    op.drop_index("ix_escalations_owner_created", table_name="escalations")
    op.drop_index("ix_escalations_created", table_name="escalations")
    op.drop_table("escalations")
    op.drop_index(op.f("ix_escalation_history_escalation_id"), table_name="escalation_history")
    op.drop_table("escalation_history")
    op.drop_index(op.f("ix_deliveries_escalation_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index(op.f("ix_api_keys_source"), table_name="api_keys")
    op.drop_table("api_keys")
