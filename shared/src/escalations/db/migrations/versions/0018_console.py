"""escalations: the console's queue index, and where a sign-in returns to.

``ix_escalations_queue`` holds the open escalations in the console queue's order: tier,
then the nearest of the acknowledge (until acknowledged), resolve and regulatory deadlines,
then id (docs/console.md, "Queue"), so a page of the queue is an index scan however many
are open. ``sign_in_grants.next_path`` is the console page an OpenID Connect sign-in
returns to (docs/sign-in.md).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as ``EscalationRow``'s index and ``console.queue_query``, as Postgres
# shows it (a migration keeps its own copy: later model changes must not alter it).
NEAREST = (
    "LEAST(\nCASE\n    WHEN acknowledged_at IS NULL THEN acknowledge_by\n"
    "    ELSE NULL::timestamp with time zone\nEND, resolve_by, regulatory_deadline)"
)


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("sign_in_grants", sa.Column("next_path", sa.String(length=500), nullable=True))
    op.create_index(
        "ix_escalations_queue",
        "escalations",
        ["tier", sa.text(NEAREST), "id"],
        postgresql_where=sa.text("status <> 'resolved'"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_escalations_queue", table_name="escalations")
    op.drop_column("sign_in_grants", "next_path")
