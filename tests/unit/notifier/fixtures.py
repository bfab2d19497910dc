"""Test data for the notifier's unit tests: a small configuration and event builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import Envelope
from escalations.contracts.events import Deadlines, EscalationSummary, Status
from escalations.core.config import Config, parse_config
from escalations.core.escalation import ContentRef, PolicyArea, SourceKind, Tier
from escalations_notifier.body import Links
from escalations_notifier.channels import CHANNELS
from escalations_notifier.plan import Planner

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 12:00 in Dublin: outside quiet hours
NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 23:30 in Dublin: inside 22:00-07:00
ESCALATION_ID = "0b8f5a52-3c51-5d3e-9b1e-4d7c2a1f6e90"
SECRET = b"link-secret-for-tests-0123456789"
PUBLIC = "https://escalations.example.org"

CONFIG_YAML: dict[str, Any] = {
    "people": [
        {"id": "ana", "name": "Ana Owner", "timezone": "Europe/Dublin",
         "contacts": {"email": "ana@example.com", "pagerduty": "R0UTINGKEYANA",
                      "slack": "https://hooks.slack.test/services/T/B/ana-secret",
                      "teams": "https://teams.test/webhook/ana-secret",
                      "webhook": "https://hooks.test/ana"},
         "quiet_hours": {"start": "22:00", "end": "07:00"}},
        {"id": "lee", "name": "Lee Lead", "timezone": "Europe/Dublin",
         "contacts": {"email": "lee@example.com", "webhook": "https://hooks.test/lee"}},
        {"id": "bo", "name": "Bo Backup", "timezone": "America/Los_Angeles",
         "contacts": {"email": "bo@example.com", "pagerduty": "R0UTINGKEYBO"},
         "notify": {"P2": ["email"]}},
    ],
    "teams": [
        {"id": "desk", "name": "The Desk", "lead": "lee",
         "chat": {"slack": "https://hooks.slack.test/services/T/B/desk-secret",
                  "teams": "https://teams.test/webhook/desk-secret"},
         "schedule": {"layers": [{"name": "all", "rotation": "weekly", "handoff": "09:00",
                                  "timezone": "Europe/Dublin", "start": "2026-01-05",
                                  "members": ["ana", "lee", "bo"]}]}},
    ],
    "routing": {"rules": [], "default_team": "desk"},
}  # fmt: skip


def config() -> Config:
    """Return the test configuration."""
    return parse_config(CONFIG_YAML).config


def planner(available: tuple[str, ...] = CHANNELS, secret: bytes | None = SECRET) -> Planner:
    """Return a planner over the test configuration."""
    return Planner(config(), available, Links(PUBLIC, secret))


def summary(**changes: Any) -> EscalationSummary:
    """Return an escalation summary; keyword arguments replace fields."""
    data: dict[str, Any] = {
        "id": ESCALATION_ID,
        "title": "Threat against a school, see https://example.com/pin/1",
        "description": "SECRET-DESCRIPTION of the content",
        "policy_area": PolicyArea.VIOLENT_THREAT,
        "sensitive": False,
        "tier": Tier.P1,
        "score": 80,
        "status": Status.ASSIGNED,
        "team": "desk",
        "owner": "ana",
        "source": "trust-desk",
        "source_kind": SourceKind.INTERNAL_TOOL,
        "content_refs": (
            ContentRef(kind="pin", id="CONTENT-ID-777", url="https://example.com/pin/777"),
        ),
        "deadlines": Deadlines(
            acknowledge_by=NOW + timedelta(minutes=15), resolve_by=NOW + timedelta(hours=4)
        ),
        "created_at": NOW,
    }
    data.update(changes)
    return EscalationSummary(**data)


def event(payload: BaseModel, at: datetime = NOW, event_id: str | None = None) -> Envelope:
    """Wrap a payload as the router would."""
    return build_event(payload, subject=ESCALATION_ID, source="/router", time=at, event_id=event_id)
