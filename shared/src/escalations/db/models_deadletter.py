"""The router's record of dead letters replayed by an operator (``router_deadletter_replays``).

One row per dead letter (its partition and offset in ``escalations.deadletter.v1``): the
replay command inserts it in the transaction it holds open while it publishes, so a second
replay of the same dead letter finds it and sends nothing (docs/operations.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Integer, String
from sqlmodel import Field, SQLModel


class DeadLetterReplayRow(SQLModel, table=True):
    """A dead letter that was published again, with the event id it carried."""

    __tablename__ = "router_deadletter_replays"

    partition: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    offset: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    dead_letter_id: str = Field(sa_column=Column(String(300), nullable=False))
    replay_event_id: str = Field(sa_column=Column(String(100), nullable=False))
    escalation_id: str = Field(sa_column=Column(String(300), nullable=False))
    replayed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    replayed_to_partition: int | None = Field(default=None, sa_column=Column(Integer))
    replayed_to_offset: int | None = Field(default=None, sa_column=Column(BigInteger))
