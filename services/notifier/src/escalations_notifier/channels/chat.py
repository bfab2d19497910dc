"""What the chat channels share: a templated JSON body POSTed to an incoming-webhook URL."""

from __future__ import annotations

from typing import ClassVar

import orjson

from escalations_notifier.channels.base import Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.templates import Templates

JSON = {"Content-Type": "application/json"}


class ChatWebhookChannel:
    """POSTs the channel's template, rendered as JSON; the URL is the credential."""

    name: str
    label: ClassVar[str]  # how errors name the endpoint (never by its URL)
    retryable: ClassVar[frozenset[int]]

    def __init__(self, client: HttpClients, templates: Templates) -> None:
        self._client = client
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the chat server's origin (the circuit breaker's key)."""
        return endpoint_of(message.address)

    def render(self, message: Message) -> bytes:
        """Return the JSON body from this channel's template for the event type."""
        body = self._templates.render_json(self.name, message.event_type, message.body)
        return orjson.dumps(body)

    async def send(self, message: Message) -> None:
        """Post the message; the URL never appears in an error."""
        rendered = self.render(message)
        await post(self._client, self.label, message.address, rendered, JSON, self.retryable)
