"""Who hears about escalations beyond their responders (docs/stakeholders.md); intake-written.

* ``escalation_subscriptions``: a person, address or URL following one escalation. Removal
  keeps the row (``removed_at``) so the audit and the ledger can still name it.
* ``source_callbacks``: a source's status-callback URL and/or e-mail, set by an admin.
* ``handoff_notes``: what an outgoing on-call person left for the next shift.

The intake writes these rows directly, as it does personal tokens and feeds: they are
delivery preferences and notes, not escalation state, which only the router writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, String, Text
from sqlmodel import Field, SQLModel


class SubscriptionRow(SQLModel, table=True):
    """One subscription: ``kind`` (person, email, slack, teams, webhook) and its ``target``."""

    __tablename__ = "escalation_subscriptions"
    __table_args__ = (Index("ix_escalation_subscriptions_escalation", "escalation_id"),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    escalation_id: str = Field(sa_column=Column(String(36), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    target: str = Field(sa_column=Column(String(2048), nullable=False))
    created_by: str = Field(sa_column=Column(String(120), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    removed_by: str | None = Field(default=None, sa_column=Column(String(120), nullable=True))
    removed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SourceCallbackRow(SQLModel, table=True):
    """Where one source hears about its escalations: a signed callback URL and/or an e-mail."""

    __tablename__ = "source_callbacks"

    source: str = Field(sa_column=Column(String(80), primary_key=True))
    url: str | None = Field(default=None, sa_column=Column(String(2048), nullable=True))
    email: str | None = Field(default=None, sa_column=Column(String(320), nullable=True))
    updated_by: str = Field(sa_column=Column(String(120), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class HandoffNoteRow(SQLModel, table=True):
    """A note for the next shift of a team: who left it, when, and its text."""

    __tablename__ = "handoff_notes"
    __table_args__ = (Index("ix_handoff_notes_team_at", "team", "at"),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    team: str = Field(sa_column=Column(String(64), nullable=False))
    by: str = Field(sa_column=Column(String(100), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
