"""The audit log (``audit_log``): an append-only, hash-chained record of actions.

Rows are written only by ``escalations.audit.store`` (and, on the router's asyncpg
connections, ``escalations_router.postgres.audit``), which numbers them without gaps
and chains each row's hash to the previous one; docs/contract/audit.md describes the format
and how ``escalations audit verify`` checks it. A trigger (migration 0015) refuses UPDATE,
DELETE and TRUNCATE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class AuditRow(SQLModel, table=True):
    """One audited action: who did what to which subject, when and from where."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor_seq", "actor", "seq"),
        Index("ix_audit_log_action_seq", "action", "seq"),
        Index("ix_audit_log_subject_seq", "subject_kind", "subject_id", "seq"),
        Index("ix_audit_log_at", "at"),
    )

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    action: str = Field(sa_column=Column(String(100), nullable=False))
    subject_kind: str = Field(sa_column=Column(String(50), nullable=False))
    subject_id: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    detail: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    client_address: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    user_agent: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))
