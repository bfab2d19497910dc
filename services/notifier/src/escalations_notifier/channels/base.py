"""The one interface every channel adapter implements, and how failures are classified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One notification to one recipient through one channel.

    ``body`` is plain JSON data (stored in the ledger and the DLQ, so a replay can rebuild
    the message); each adapter renders it in its own format.
    """

    event_id: str
    event_type: str
    escalation_id: str
    recipient: str
    channel: str
    address: str
    body: dict[str, Any]
    event_time: datetime
    # A re-send after an attempt whose outcome is unknown (its sender died, or could not
    # record it): adapters mark it (``REDELIVERY_HEADER``), receivers may have it already.
    redelivery: bool = False

    @property
    def template(self) -> str:
        """Return the template to render: the body's ``template``, else the event type."""
        return str(self.body.get("template") or self.event_type)

    @property
    def key(self) -> tuple[str, str, str]:
        """Return the ledger key: (event id, recipient, channel)."""
        return (self.event_id, self.recipient, self.channel)


# Set to "1" on a re-send whose earlier attempt's outcome is unknown (webhook and e-mail).
REDELIVERY_HEADER = "X-Escalation-Redelivery"


class DeliveryError(Exception):
    """A failed send; ``retryable`` says whether trying again can help.

    The text must never contain a secret: no webhook URL (Slack and Teams URLs are
    credentials), routing key or password. It is stored in the ledger and the DLQ.
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """Sends one message; raises ``DeliveryError`` on failure."""

    name: str

    def endpoint(self, message: Message) -> str:
        """Return the key of the endpoint the message goes to (for its circuit breaker)."""
        ...

    async def send(self, message: Message) -> None:
        """Deliver the message or raise ``DeliveryError``."""
        ...


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value, now)
    return max(0.0, seconds)


def _seconds_until(http_date: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if now is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
