"""Generic signed webhook: the message body as JSON, signed with HMAC-SHA256."""

from __future__ import annotations

import time

import httpx
import orjson

from escalations.signing import HEADER, sign
from escalations_notifier.channels.base import DeliveryError, Message

# Statuses worth retrying: timeouts, rate limits and server-side failures. Every other 4xx
# means the request itself is wrong, and sending it again cannot succeed.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header given in seconds (HTTP dates are treated as absent)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class WebhookChannel:
    """POSTs signed JSON to the recipient's webhook URL."""

    name = "webhook"

    def __init__(self, client: httpx.AsyncClient, secret: bytes) -> None:
        self._client = client
        self._secret = secret

    async def send(self, message: Message) -> None:
        """Deliver one message; classify any failure as retryable or permanent."""
        body = orjson.dumps(message.body)
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(self._secret, body, int(time.time())),
            "X-Escalation-Event-Id": message.event_id,
            "X-Escalation-Id": message.escalation_id,
        }
        try:
            response = await self._client.post(message.address, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"webhook unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        if response.is_success:
            return
        raise DeliveryError(
            f"webhook answered {response.status_code}",
            retryable=response.status_code in RETRYABLE_STATUS,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
