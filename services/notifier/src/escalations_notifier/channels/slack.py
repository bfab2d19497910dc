"""Slack-compatible incoming webhook with Block Kit (Slack, Mattermost, Rocket.Chat).

Mattermost and Rocket.Chat ignore ``blocks`` and show ``text``, so the fallback text
carries the headline, title and links in Slack's ``<url|label>`` link syntax.
"""

from __future__ import annotations

import orjson

from escalations_notifier.channels.base import Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.templates import Templates

# Slack's incoming-webhook errors: 400 invalid_payload, 403 action_prohibited,
# 404 channel_not_found, 410 channel_is_archived are permanent; 429 rate_limited (with
# Retry-After) and 5xx are transient (api.slack.com "Handling errors" and "Rate limits").
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class SlackChannel:
    """POSTs a Block Kit message to an incoming-webhook URL (the URL is the credential)."""

    name = "slack"

    def __init__(self, client: HttpClients, templates: Templates) -> None:
        self._client = client
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the chat server's origin."""
        return endpoint_of(message.address)

    def render(self, message: Message) -> bytes:
        """Return the JSON body: ``text`` fallback plus ``blocks``."""
        return orjson.dumps(self._templates.render_json("slack", message.event_type, message.body))

    async def send(self, message: Message) -> None:
        """Post the message; the URL never appears in an error."""
        headers = {"Content-Type": "application/json"}
        await post(
            self._client, "Slack webhook", message.address, self.render(message), headers,
            RETRYABLE_STATUS,
        )  # fmt: skip
