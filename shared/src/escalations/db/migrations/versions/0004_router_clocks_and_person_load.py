"""Router clocks (durable timers with policy progress) and per-person assignment load.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 07:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "router_clocks",
        sa.Column("escalation_id", sa.String(length=36), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tier", sa.String(length=2), nullable=False),
        sa.Column("acknowledge_seconds", sa.Float(), nullable=False),
        sa.Column("resolve_seconds", sa.Float(), nullable=False),
        sa.Column("warning_share", sa.Float(), nullable=False),
        sa.Column("progress", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rescore_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("escalation_id"),
    )
    op.create_index(
        "ix_router_clocks_due",
        "router_clocks",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("due_at IS NOT NULL"),
    )
    op.create_table(
        "router_person_load",
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("assigned_total", sa.BigInteger(), nullable=False),
        sa.Column(
            "graphic_at",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("person"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("router_person_load")
    op.drop_index("ix_router_clocks_due", table_name="router_clocks")
    op.drop_table("router_clocks")
