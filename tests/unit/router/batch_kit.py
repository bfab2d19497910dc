"""What the router's batch tests share: a consumed record, and an intake record of a payload.

The fixtures ``uow`` (an empty fake store) and ``batches`` (the batch logic on it) are in
``conftest.py`` beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.topics import INTAKE


@dataclass(frozen=True)
class Record:
    """A consumed record, as the batch sees it."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


def intake_record(offset: int, subject: str, payload: BaseModel, at: datetime) -> Record:
    """Return ``payload`` as the intake topic's record at ``offset``, keyed by ``subject``."""
    envelope = build_event(payload, subject=subject, source="/tests", time=at)
    return Record(INTAKE, 0, offset, envelope.key, encode(envelope))
