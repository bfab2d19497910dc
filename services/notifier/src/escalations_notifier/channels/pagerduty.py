"""PagerDuty Events API v2: trigger on news, acknowledge/resolve with the same dedup key.

Field rules from PagerDuty's "Send an Alert Event" reference: ``routing_key`` (the service
integration key), ``event_action`` (trigger|acknowledge|resolve), ``dedup_key`` (max 255),
and for triggers ``payload.summary`` (max 1024), ``payload.source``, ``payload.severity``
(critical|error|warning|info); ``links`` are ``{href, text}``; the whole event at most
512 KB. The dedup key is the escalation id, so every page about one escalation lands on
one incident.
"""

from __future__ import annotations

from typing import Any

import orjson

from escalations_notifier.channels.base import DeliveryError, Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.clip import TooLarge, clip, fit
from escalations_notifier.markup import clean
from escalations_notifier.templates import Templates

# PagerDuty: 400 is an invalid event (do not retry), 429 is rate limiting and 5xx are
# transient ("retry with backoff") per the Events API v2 "Response codes & retry logic".
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
SEVERITY = {"P0": "critical", "P1": "error", "P2": "warning", "P3": "info", "P4": "info"}
CLOSING = {"escalation.acknowledged": "acknowledge", "escalation.resolved": "resolve"}
SUMMARY_MAX = 1024
MAX_BYTES = 512 * 1024
# Room for the description and content refs, in bytes of JSON: lowered when the event
# would pass MAX_BYTES (a description is at most 20,000 characters, 80 KB in UTF-8).
ROOM = 256 * 1024
SOURCE = "escalations"


def event_action(event_type: str) -> str:
    """Return the Events API action for one of our event types."""
    return CLOSING.get(event_type, "trigger")


class PagerDutyChannel:
    """Sends Events API v2 events to one (configurable) Events API URL."""

    name = "pagerduty"

    def __init__(self, client: HttpClients, url: str, templates: Templates) -> None:
        self._client = client
        self._url = url
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the Events API origin: one breaker for every routing key."""
        return endpoint_of(self._url)

    def event(self, message: Message, room: int = ROOM) -> dict[str, Any]:
        """Return the Events API v2 event for a message (``room``: budget for free text)."""
        action = event_action(message.event_type)
        event: dict[str, Any] = {
            "routing_key": message.address,
            "event_action": action,
            "dedup_key": message.escalation_id,
        }
        if action != "trigger":
            return event
        body = message.body
        rendered = self._templates.render_json("pagerduty", message.event_type, body, room)
        escalation = body["escalation"]
        links = [{"href": body["links"]["view"], "text": "View escalation"}]
        if body["links"].get("acknowledge"):
            links.insert(0, {"href": body["links"]["acknowledge"], "text": "Acknowledge"})
        event["payload"] = {
            "summary": clip(clean(rendered["summary"]), SUMMARY_MAX),
            "source": f"{SOURCE}/{escalation['source']}",
            "severity": SEVERITY[escalation["tier"]],
            "timestamp": body["time"],
            "component": escalation["policy_area"],
            "group": escalation["team"] or "unrouted",
            "class": message.event_type,
            "custom_details": rendered["custom_details"],
        }
        event["links"] = links
        event["client"] = "Escalations"
        event["client_url"] = body["links"]["view"]
        return event

    def render(self, message: Message) -> bytes:
        """Return the request body, within the Events API's 512 KB."""
        try:
            return fit(lambda room: orjson.dumps(self.event(message, room)), MAX_BYTES, ROOM)
        except TooLarge as exc:
            raise DeliveryError(f"PagerDuty event too large: {exc}", retryable=False) from None

    async def send(self, message: Message) -> None:
        """Enqueue the event; PagerDuty answers 202 when it has it."""
        body = self.render(message)
        headers = {"Content-Type": "application/json"}
        await post(self._client, "PagerDuty", self._url, body, headers, RETRYABLE_STATUS)
