"""What the router's stakeholder job keeps, each row written with the event it claims.

The job: docs/router.md, "Stakeholders: reminders, handoffs, digests".

* ``shift_handoffs``: one row per team and handoff instant, with the packet sent; unique on
  (team, at), so however many router instances look, one of them inserts it and only that
  insert's transaction writes the ``shift.handoff`` event to the outbox.
* ``handoff_watermarks``: per team, the instant up to which handoffs have been looked for.
* ``team_digests``: one row per team, lead and local day a digest was sent for.
* ``update_reminders``: per escalation, the last update reminder sent (its anchor and
  round), so each interval reminds once.

All four are written only by the router, each in the transaction that writes the event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

_AT = DateTime(timezone=True)


class ShiftHandoffRow(SQLModel, table=True):
    """One handoff of a team's on-call people, and the packet the incoming people got."""

    __tablename__ = "shift_handoffs"
    __table_args__ = (Index("uq_shift_handoffs_team_at", "team", "at", unique=True),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    team: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=Column(_AT, nullable=False))
    outgoing: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    incoming: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    packet: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=Column(_AT, nullable=False))


class HandoffWatermarkRow(SQLModel, table=True):
    """Up to which instant a team's handoffs have been found and sent."""

    __tablename__ = "handoff_watermarks"

    team: str = Field(sa_column=Column(String(64), primary_key=True))
    through: datetime = Field(sa_column=Column(_AT, nullable=False))
    updated_at: datetime = Field(sa_column=Column(_AT, nullable=False))


class TeamDigestRow(SQLModel, table=True):
    """A lead's digest of a team for one local day: sent once."""

    __tablename__ = "team_digests"

    team: str = Field(sa_column=Column(String(64), primary_key=True))
    lead: str = Field(sa_column=Column(String(100), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    event_id: str = Field(sa_column=Column(String(36), nullable=False))
    created_at: datetime = Field(sa_column=Column(_AT, nullable=False))


class UpdateReminderRow(SQLModel, table=True):
    """The last update reminder of an escalation: the interval's anchor and its round."""

    __tablename__ = "update_reminders"

    escalation_id: str = Field(sa_column=Column(String(36), primary_key=True))
    anchor: datetime = Field(sa_column=Column(_AT, nullable=False))
    round: int = Field(sa_column=Column(Integer, nullable=False))
    due_at: datetime = Field(sa_column=Column(_AT, nullable=False))
    sent_at: datetime = Field(sa_column=Column(_AT, nullable=False))
