"""escalations: person_tokens, the personal API tokens of people.

A person creates tokens for scripts and the CLI; a request with one acts as that person
(docs/contract/http-api.md, "Personal API tokens"). Only the SHA-256 of a token is stored.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "person_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_person_tokens_person_created", "person_tokens", ["person", "created_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("person_tokens")  # drops its index with it
