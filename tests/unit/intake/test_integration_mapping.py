"""How Alertmanager alerts and PagerDuty events become escalations (pure mapping)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from escalations.core.escalation import PolicyArea
from escalations_intake.integrations.alertmanager import (
    AlertmanagerAlert,
    AlertmanagerWebhook,
    to_escalation,
)
from escalations_intake.integrations.pagerduty_event import (
    PagerDutyEvent,
    external_id,
)
from escalations_intake.integrations.pagerduty_event import to_escalation as pd_escalation
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE, PAGERDUTY_SAMPLE
from escalations_intake.settings import IntakeSettings


def _first(hook: AlertmanagerWebhook) -> AlertmanagerAlert:
    return AlertmanagerAlert.model_validate(hook.alerts[0])


def _hook(labels: dict[str, str], **alert: Any) -> AlertmanagerWebhook:
    data = copy.deepcopy(ALERTMANAGER_SAMPLE)
    data["alerts"][0]["labels"] = labels
    data["alerts"][0].update(alert)
    return AlertmanagerWebhook.model_validate(data)


@pytest.mark.parametrize(
    ("labels", "settings", "expected"),
    [
        ({"alertname": "X", "policy_area": "spam"}, {}, ("spam", None)),
        ({"alertname": "X", "policy_area": "nonsense"}, {}, ("other", None)),
        (
            {"alertname": "GroomingSpike"},
            {"alertmanager_alertname_policy_areas": {"GroomingSpike": "child_safety"}},
            ("child_safety", None),
        ),
        (
            {"alertname": "X", "area": "ncii", "country": "de"},
            {"alertmanager_policy_area_label": "area", "alertmanager_region_label": "country"},
            ("ncii", "DE"),
        ),
        ({"alertname": "X", "region": "europe"}, {}, ("other", None)),
        (
            {"alertname": "X"},
            {"alertmanager_default_policy_area": "scams_fraud"},
            ("scams_fraud", None),
        ),
    ],
)
def test_labels_choose_policy_area_and_region(
    labels: dict[str, str], settings: dict[str, Any], expected: tuple[str, str | None]
) -> None:
    """The configured labels pick the policy area and region; anything invalid falls back."""
    hook = _hook(labels)
    esc = to_escalation(_first(hook), hook, IntakeSettings(**settings))
    assert expected == (esc.policy_area.value, esc.region)


def test_documented_alert_maps_every_field() -> None:
    """The sample alert keeps its fingerprint, summary, start and source link."""
    hook = AlertmanagerWebhook.model_validate(ALERTMANAGER_SAMPLE)
    esc = to_escalation(_first(hook), hook, IntakeSettings())
    assert ("1a30ba71cca2921f", "Spike in known-CSAM hash matches on uploads") == (
        esc.external_id,
        esc.title,
    )
    assert (PolicyArea.CHILD_SAFETY, "IE") == (esc.policy_area, esc.region)
    assert esc.content_refs[0].url is not None
    assert "severity=critical" in (esc.description or "")
    assert "Alertmanager (escalations)" == (esc.reporter.name if esc.reporter else None)


def test_alert_title_falls_back_to_the_alertname_and_drops_odd_links() -> None:
    """Without a summary the alertname is the title; a non-http generator URL is dropped."""
    hook = _hook({"alertname": "QueueStuck"}, annotations={}, generatorURL="file:///x")
    esc = to_escalation(_first(hook), hook, IntakeSettings())
    assert ("QueueStuck", None) == (esc.title, esc.content_refs[0].url)


def test_pagerduty_sample_maps_to_an_escalation() -> None:
    """PagerDuty's documented trigger keeps summary, time, links and the sending client."""
    event = PagerDutyEvent.model_validate(PAGERDUTY_SAMPLE)
    esc = pd_escalation(event, "samplekeyhere", PolicyArea.OTHER)
    assert ("Example alert on host1.example.com", "samplekeyhere", PolicyArea.OTHER) == (
        esc.title,
        esc.external_id,
        esc.policy_area,
    )
    assert "2015-07-17T08:42:58.315000+00:00" == (
        esc.occurred_at.isoformat() if esc.occurred_at else ""
    )
    assert "ping time" in (esc.description or "")


@pytest.mark.parametrize(
    ("details", "event_class", "expected"),
    [
        ({"policy_area": "self_harm"}, None, PolicyArea.SELF_HARM),
        ({}, "impersonation", PolicyArea.IMPERSONATION),
        ({"policy_area": "made_up"}, "deploy", PolicyArea.SPAM),
    ],
)
def test_pagerduty_policy_area_from_details_or_class(
    details: dict[str, str], event_class: str | None, expected: PolicyArea
) -> None:
    """custom_details.policy_area wins, then class, then the configured default."""
    data = copy.deepcopy(PAGERDUTY_SAMPLE)
    data["payload"]["custom_details"] = details
    data["payload"]["class"] = event_class
    esc = pd_escalation(PagerDutyEvent.model_validate(data), "k", PolicyArea.SPAM)
    assert expected == esc.policy_area


def test_long_dedup_keys_are_hashed_to_fit() -> None:
    """Dedup keys up to 200 characters are the external id; longer ones are hashed, stably."""
    assert "short" == external_id("short")
    long_key = "k" * 255
    assert external_id(long_key) == external_id(long_key)
    assert external_id(long_key).startswith("sha256:")
    assert len(external_id(long_key)) <= 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"routing_key": "k", "event_action": "trigger"}, "payload: required"),
        ({"routing_key": "k", "event_action": "acknowledge"}, "dedup_key: required"),
        (
            {
                "routing_key": "k",
                "event_action": "trigger",
                "payload": {"summary": "s", "source": "x", "severity": "fatal"},
            },
            "severity",
        ),
    ],
)
def test_incomplete_pagerduty_events_are_refused(data: dict[str, Any], message: str) -> None:
    """Triggers need a payload; acknowledge and resolve need a dedup key; severities are fixed."""
    with pytest.raises(ValidationError) as caught:
        PagerDutyEvent.model_validate(data)
    assert message in str(caught.value)
