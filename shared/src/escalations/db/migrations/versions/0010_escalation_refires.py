"""escalations: generation, follows and followed_by, for reports that fire again.

A report of ``(source, external_id)`` after its escalation was resolved opens a new
escalation that follows the old one (docs/refires-and-retries.md, "Re-fires"). Each such
incarnation has its own row, so the unique index moves from ``(source, external_id)`` to
``(source, external_id, generation)``; the intake's lookup of the newest incarnation of a
key reads the same index. Existing rows are generation 0, unlinked.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "escalations",
        sa.Column("generation", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.add_column("escalations", sa.Column("follows", sa.String(length=36), nullable=True))
    op.add_column("escalations", sa.Column("followed_by", sa.String(length=36), nullable=True))
    op.create_index(
        "uq_escalations_source_external_generation",
        "escalations",
        ["source", "external_id", "generation"],
        unique=True,
    )
    op.drop_index("uq_escalations_source_external", table_name="escalations")


def downgrade() -> None:
    """Revert this revision (fails while a key has more than one incarnation)."""
    op.create_index(
        "uq_escalations_source_external", "escalations", ["source", "external_id"], unique=True
    )
    op.drop_index("uq_escalations_source_external_generation", table_name="escalations")
    op.drop_column("escalations", "followed_by")
    op.drop_column("escalations", "follows")
    op.drop_column("escalations", "generation")
