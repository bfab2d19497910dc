"""Microsoft Teams incoming webhook (or Workflows webhook) with an Adaptive Card."""

from __future__ import annotations

import orjson

from escalations_notifier.channels.base import Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.templates import Templates

# Teams webhooks: 400 is a malformed card and 404 a removed connector (permanent); 429
# means throttled (Microsoft Learn, "Rate limiting for connectors") and 5xx is transient.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class TeamsChannel:
    """POSTs a message with one Adaptive Card attachment (the URL is the credential)."""

    name = "teams"

    def __init__(self, client: HttpClients, templates: Templates) -> None:
        self._client = client
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the webhook's origin."""
        return endpoint_of(message.address)

    def render(self, message: Message) -> bytes:
        """Return the JSON body with the Adaptive Card."""
        return orjson.dumps(self._templates.render_json("teams", message.event_type, message.body))

    async def send(self, message: Message) -> None:
        """Post the card; the URL never appears in an error."""
        headers = {"Content-Type": "application/json"}
        await post(
            self._client, "Teams webhook", message.address, self.render(message), headers,
            RETRYABLE_STATUS,
        )  # fmt: skip
