"""PagerDuty Events API v2: trigger on news, acknowledge/resolve with the same dedup key.

Field rules from PagerDuty's "Send an Alert Event" reference: ``routing_key`` (the service
integration key), ``event_action`` (trigger|acknowledge|resolve), ``dedup_key`` (max 255),
and for triggers ``payload.summary`` (max 1024), ``payload.source``, ``payload.severity``
(critical|error|warning|info); ``links`` are ``{href, text}``. The dedup key is the
escalation id, so every page about one escalation lands on one incident.
"""

from __future__ import annotations

from typing import Any

import orjson

from escalations_notifier.channels.base import Message
from escalations_notifier.channels.http import HttpClients, endpoint_of, post
from escalations_notifier.templates import Templates, clip

# PagerDuty: 400 is an invalid event (do not retry), 429 is rate limiting and 5xx are
# transient ("retry with backoff") per the Events API v2 "Response codes & retry logic".
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
SEVERITY = {"P0": "critical", "P1": "error", "P2": "warning", "P3": "info", "P4": "info"}
CLOSING = {"escalation.acknowledged": "acknowledge", "escalation.resolved": "resolve"}
SUMMARY_MAX = 1024
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

    def event(self, message: Message) -> dict[str, Any]:
        """Return the Events API v2 event for a message."""
        action = event_action(message.event_type)
        event: dict[str, Any] = {
            "routing_key": message.address,
            "event_action": action,
            "dedup_key": message.escalation_id,
        }
        if action != "trigger":
            return event
        body = message.body
        rendered = self._templates.render_json("pagerduty", message.event_type, body)
        escalation = body["escalation"]
        links = [{"href": body["links"]["view"], "text": "View escalation"}]
        if body["links"].get("acknowledge"):
            links.insert(0, {"href": body["links"]["acknowledge"], "text": "Acknowledge"})
        event["payload"] = {
            "summary": clip(rendered["summary"], SUMMARY_MAX),
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

    async def send(self, message: Message) -> None:
        """Enqueue the event; PagerDuty answers 202 when it has it."""
        body = orjson.dumps(self.event(message))
        headers = {"Content-Type": "application/json"}
        await post(self._client, "PagerDuty", self._url, body, headers, RETRYABLE_STATUS)
