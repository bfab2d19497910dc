"""The data of stakeholder messages (docs/notifications.md, "Stakeholders"): pure.

Every new kind shares one shape, so one layout per channel renders them all: a headline, the
title, facts (label, value), sections of lines (each line text and an optional link), the
optional intro and signature of a source's template, and the view link. Next to it sit the
kind's own fields, which the signed webhook carries as data (``type``, ``escalation_id``...).
No template gets what a body does not carry: redaction happens here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, overload

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import EscalationSummary
from escalations.core.config_types import zone
from escalations.core.sensitivity import SENSITIVE_POLICY_AREAS
from escalations.core.urls import mask_urls
from escalations_notifier.body import Links, deadline

# Lines per section: a packet or digest longer than this says how many more there are.
LINES_MAX = 20
Fact = tuple[str, str]


def sensitive(summary: EscalationSummary) -> bool:
    """Return whether the redaction rule applies (the router's flag, or the policy area)."""
    return summary.sensitive or summary.policy_area in SENSITIVE_POLICY_AREAS


@overload
def mask(text: str) -> str: ...
@overload
def mask(text: None) -> None: ...
def mask(text: str | None) -> str | None:
    """Return the text with every URL replaced by ``[url]``."""
    return None if text is None else mask_urls(text)


def local(at: datetime | None, timezone: str = "UTC") -> str | None:
    """Return an instant as the audience reads it, or None."""
    return None if at is None else at.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def view_url(links: Links, escalation_id: str) -> str:
    """Return the escalation's page."""
    return f"{links.public_url.rstrip('/')}/v1/escalations/{escalation_id}"


def line(text: str, url: str | None = None) -> dict[str, str | None]:
    """Return one line of a section."""
    return {"text": text, "url": url}


def section(heading: str, lines: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Return a section with at most ``LINES_MAX`` lines and the count of those left out."""
    return {
        "heading": heading,
        "lines": list(lines[:LINES_MAX]),
        "more": max(0, len(lines) - LINES_MAX),
    }


def frame(
    envelope: Envelope,
    template: str,
    recipient: tuple[str, str],
    headline: str,
    *,
    title: str | None = None,
    facts: Iterable[Fact | None] = (),
    sections: Iterable[dict[str, Any] | None] = (),
    view: str | None = None,
    intro: str | None = None,
    signature: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Return a stakeholder message body; ``fields`` are the kind's own data."""
    return {
        **fields,
        "template": template,
        "event": envelope.type,
        "event_id": envelope.id,
        "time": envelope.time.isoformat(),
        "recipient": recipient[0],
        "recipient_name": recipient[1],
        "headline": headline,
        "title": title,
        "facts": [list(f) for f in facts if f is not None],
        "sections": [s for s in sections if s is not None and s["lines"]],
        "intro": intro,
        "signature": signature,
        "links": {"view": view},
    }


def escalation_facts(
    summary: EscalationSummary, timezone: str, owner: str | None, redacted: bool
) -> list[Fact | None]:
    """Return tier and next deadline; owner and policy area unless redacted."""
    due = deadline(summary, timezone)
    facts: list[Fact | None] = [("Tier", summary.tier.value)]
    facts.append((due["label"], due["local"]) if due else None)
    if not redacted:
        facts += [("Owner", owner or "unassigned"), ("Policy area", summary.policy_area.value)]
    return facts
