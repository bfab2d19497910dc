"""What stakeholder planning knows beyond the event: plain data, loaded per batch.

The adapter (context_db.py) reads it from tables other services write: the escalation's
request (``escalations.request``), its subscriptions (``escalation_subscriptions``) and its
source's status callback (``source_callbacks``). See docs/notifier.md, "Stakeholder context".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from escalations.core.config_stakeholders import signals_set
from escalations.core.escalation import Regime

# The same shape as a configured e-mail address (core/config_people.py, EmailAddress).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
EMAIL_MAX = 320


@dataclass(frozen=True)
class Subscription:
    """One live subscription to an escalation: ``kind`` person/email/slack/teams/webhook."""

    id: str
    kind: str
    target: str


@dataclass(frozen=True)
class Request:
    """The parts of an escalation's original request that stakeholder messages use."""

    external_id: str | None = None
    reference: str | None = None
    reporter_contact: str | None = None
    regime: Regime = Regime.NONE
    signals: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Callback:
    """A source's status callback: a signed URL and/or an e-mail address."""

    url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class StakeholderContext:
    """The context of one batch, keyed by escalation id (requests, subscriptions) and source."""

    requests: Mapping[str, Request] = field(default_factory=dict)
    subscriptions: Mapping[str, tuple[Subscription, ...]] = field(default_factory=dict)
    callbacks: Mapping[str, Callback] = field(default_factory=dict)

    def request(self, escalation_id: str) -> Request:
        """Return the escalation's request facts (empty when its row was not found)."""
        return self.requests.get(escalation_id, Request())


EMPTY = StakeholderContext()


def email_address(value: object) -> str | None:
    """Return ``value`` when it is an e-mail address, else None (a phone number, a name)."""
    if not isinstance(value, str) or len(value) > EMAIL_MAX:
        return None
    text = value.strip()
    return text if _EMAIL.match(text) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def request_of(data: Mapping[str, Any] | None) -> Request:
    """Return the request facts from the stored request JSON (tolerant of missing parts)."""
    if not data:
        return Request()
    reporter = data.get("reporter") or {}
    regulatory = data.get("regulatory") or {}
    try:
        regime = Regime(regulatory.get("regime") or Regime.NONE)
    except ValueError:
        regime = Regime.NONE
    signals = data.get("signals")
    return Request(
        external_id=_text(data.get("external_id")),
        reference=_text(regulatory.get("reference")),
        reporter_contact=email_address(reporter.get("contact")),
        regime=regime,
        signals=signals_set(signals if isinstance(signals, dict) else None),
    )
