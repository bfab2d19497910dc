"""escalations: web_sessions and sign_in_grants, for people who sign in with a browser.

A session cookie's SHA-256 names its ``web_sessions`` row (person, expiry, CSRF token); a
sign-in under way (OpenID Connect state, nonce and PKCE verifier) or a one-time local sign-in
link is a ``sign_in_grants`` row, taken once (docs/sign-in.md).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_expires", "web_sessions", ["expires_at"])
    op.create_table(
        "sign_in_grants",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=True),
        sa.Column("nonce", sa.String(length=200), nullable=True),
        sa.Column("code_verifier", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_sign_in_grants_expires", "sign_in_grants", ["expires_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sign_in_grants")  # drops its index with it
    op.drop_table("web_sessions")
