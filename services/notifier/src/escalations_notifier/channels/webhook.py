"""Generic signed webhook: the message data as JSON, signed with HMAC-SHA256."""

from __future__ import annotations

import time

import orjson

from escalations.signing import HEADER, sign
from escalations_notifier.channels.base import REDELIVERY_HEADER, Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.templates import Templates

# Statuses worth retrying: timeouts, rate limits and server-side failures (RFC 9110 §15.5.9,
# §15.6; RFC 6585 §4 for 429; RFC 8470 §5.2 for 425). Every other 4xx means the request
# itself is wrong, and sending it again cannot succeed.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class WebhookChannel:
    """POSTs signed JSON to the recipient's webhook URL."""

    name = "webhook"

    def __init__(self, client: HttpClients, secret: bytes, templates: Templates) -> None:
        self._client = client
        self._secret = secret
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the receiver's origin."""
        return endpoint_of(message.address)

    def render(self, message: Message) -> bytes:
        """Return the exact request body: the message data plus a one-line summary."""
        summary = self._templates.render_text("webhook", message.template, message.body)
        return orjson.dumps({**message.body, "summary": summary})

    async def send(self, message: Message) -> None:
        """Deliver one message; classify any failure as retryable or permanent."""
        body = self.render(message)
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(self._secret, body, int(time.time())),
            "X-Escalation-Event-Id": message.event_id,
            "X-Escalation-Id": message.escalation_id,
        }
        if message.redelivery:
            headers[REDELIVERY_HEADER] = "1"
        await post(self._client, "webhook", message.address, body, headers, RETRYABLE_STATUS)
