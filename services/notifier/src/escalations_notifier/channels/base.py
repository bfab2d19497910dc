"""The one interface every channel adapter implements, and how failures are classified."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One notification to one recipient through one channel."""

    event_id: str
    event_type: str
    escalation_id: str
    recipient: str
    channel: str
    address: str
    body: dict[str, Any]


class DeliveryError(Exception):
    """A failed send; ``retryable`` says whether trying again can help."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """Sends one message; raises ``DeliveryError`` on failure."""

    name: str

    async def send(self, message: Message) -> None:
        """Deliver the message or raise ``DeliveryError``."""
        ...
