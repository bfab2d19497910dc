"""What the chat channels share: a templated JSON body POSTed to an incoming-webhook URL."""

from __future__ import annotations

from typing import ClassVar

import orjson

from escalations_notifier.channels.base import DeliveryError, Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.clip import TooLarge, fit
from escalations_notifier.templates import ROOM, Templates

JSON = {"Content-Type": "application/json"}


class ChatWebhookChannel:
    """POSTs the channel's template, rendered as JSON; the URL is the credential."""

    name: str
    label: ClassVar[str]  # how errors name the endpoint (never by its URL)
    retryable: ClassVar[frozenset[int]]
    max_bytes: ClassVar[int | None] = None  # the vendor's limit on the whole request body

    def __init__(self, client: HttpClients, templates: Templates) -> None:
        self._client = client
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the chat server's origin (the circuit breaker's key)."""
        return endpoint_of(message.address)

    def render(self, message: Message) -> bytes:
        """Return the JSON body from this channel's template, within the channel's size limit.

        A body over the limit is rendered again with less room for the free text
        (description, content refs), clipped with a link to the escalation.
        """

        def build(room: int) -> bytes:
            body = self._templates.render_json(self.name, message.template, message.body, room)
            return orjson.dumps(body)

        if self.max_bytes is None:
            return build(ROOM)
        try:
            return fit(build, self.max_bytes, ROOM)
        except TooLarge as exc:
            raise DeliveryError(f"{self.label} message too large: {exc}", retryable=False) from None

    async def send(self, message: Message) -> None:
        """Post the message; the URL never appears in an error."""
        rendered = self.render(message)
        await post(self._client, self.label, message.address, rendered, JSON, self.retryable)
