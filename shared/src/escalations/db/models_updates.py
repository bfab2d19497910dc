"""Status updates posted on escalations (``escalation_updates``); written only by the router.

An update is part of its escalation's state (docs/contract/http-api.md, "Status updates"):
the router inserts it in the transaction that applies the command, and the intake reads
an escalation's newest ones with it (index on escalation and instant, migration 0019).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, String, Text
from sqlmodel import Field, SQLModel


class UpdateRow(SQLModel, table=True):
    """One update: for which audience, its text, who posted it and when."""

    __tablename__ = "escalation_updates"
    __table_args__ = (Index("ix_escalation_updates_escalation_at", "escalation_id", "at"),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    escalation_id: str = Field(sa_column=Column(String(36), nullable=False))
    audience: str = Field(sa_column=Column(String(20), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    by: str = Field(sa_column=Column(String(100), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
