"""Request examples shown in the OpenAPI document (``/docs``)."""

from __future__ import annotations

from typing import Any

from fastapi.openapi.models import Example

LEGAL_ORDER: dict[str, Any] = {
    "external_id": "LEGAL-4411",
    "title": "Removal order for violent extremist pin",
    "description": "free text, may be sensitive",
    "policy_area": "violent_extremism",
    "content_refs": [
        {"kind": "pin", "id": "9876543210", "url": "https://example.com/pin/9876543210"}
    ],
    "region": "IE",
    "language": "en",
    "reach": {"impressions_24h": 120000, "followers": 5400},
    "signals": {
        "imminence": "none",
        "minors": "none",
        "at_risk_user": False,
        "high_profile_account": False,
        "press_inquiry": False,
        "advertiser_impact": False,
        "graphic": True,
        "violation_likelihood": 0.8,
    },
    "regulatory": {"regime": "terreg_removal_order", "received_at": "2026-11-25T09:14:00Z"},
    "reporter": {"name": "Legal Ops", "contact": "legal-ops@example.com"},
    "occurred_at": "2026-11-25T09:10:00Z",
}
THREAT: dict[str, Any] = {
    "external_id": "MOD-20931",
    "title": "Credible threat naming a school and a time",
    "policy_area": "violent_threat",
    "region": "IE",
    "language": "en",
    "signals": {"imminence": "imminent_specific"},
}
MINIMAL: dict[str, Any] = {"title": "Spam wave on a trending pin", "policy_area": "spam"}

ESCALATION_EXAMPLES: dict[str, Example] = {
    "terreg": Example(summary="A 1-hour TERREG removal order", value=LEGAL_ORDER),
    "threat": Example(summary="An imminent, specific threat to life", value=THREAT),
    "minimal": Example(summary="Only the required fields", value=MINIMAL),
}

SUBSCRIPTION_EXAMPLES: dict[str, Example] = {
    "myself": Example(summary="Follow it yourself", value={"person": "clodagh"}),
    "address": Example(summary="An e-mail address", value={"email": "comms@example.com"}),
    "slack": Example(
        summary="A Slack channel (its URL is shown as its origin only)",
        value={"slack": "https://hooks.slack.com/services/T0EXAMPLE/B0EXAMPLE/comms-desk"},
    ),
}
CALLBACK_EXAMPLES: dict[str, Example] = {
    "both": Example(
        summary="A signed callback URL and an e-mail address",
        value={"url": "https://legal.example.com/escalations/status", "email": "legal@example.com"},
    ),
    "email": Example(summary="E-mail only", value={"url": None, "email": "legal@example.com"}),
}
HANDOFF_NOTE_EXAMPLES: dict[str, Example] = {
    "note": Example(
        summary="What the next shift should know",
        value={"text": "LEGAL-4411: waiting on Legal's answer; Comms has the holding line."},
    ),
}
