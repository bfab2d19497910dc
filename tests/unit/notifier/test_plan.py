"""Who is told about which event, through which channels (pure planning)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from escalations.contracts.events import (
    DuplicateMerged,
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationResolved,
    Resolution,
    SlaBreached,
    SlaKind,
    SlaWarning,
    Status,
)
from escalations.core.config import parse_config
from escalations.core.escalation import Tier
from escalations_notifier.plan import Plan

from .fixtures import CONFIG_YAML, NIGHT, NOW, event, planner, summary


def _pairs(plan: Plan) -> list[tuple[str, str]]:
    return [(m.recipient, m.channel) for m in plan.messages]


def _payload(kind: str, tier: Tier, **extra: Any) -> BaseModel:
    esc = summary(tier=tier)
    if kind == "assigned":
        return EscalationAssigned(escalation=esc, owner="ana", team="desk")
    if kind == "escalated":
        return EscalationEscalated(escalation=esc, level=2, targets=("bo", "lee", "bo"))
    if kind == "warning":
        return SlaWarning(escalation=esc, kind=SlaKind.ACKNOWLEDGE, due_at=NOW)
    if kind == "breached":
        return SlaBreached(escalation=esc, kind=SlaKind.ACKNOWLEDGE, due_at=NOW)
    return DuplicateMerged(escalation=esc, reports=2, tier=tier, **extra)


@pytest.mark.parametrize(
    ("kind", "tier", "extra", "expected"),
    [
        ("assigned", Tier.P3, {}, [("ana", "email")]),
        ("assigned", Tier.P2, {}, [("ana", "slack"), ("ana", "teams"), ("ana", "webhook"),
                                   ("ana", "email")]),
        ("escalated", Tier.P2, {}, [("bo", "email"), ("lee", "webhook"), ("lee", "email")]),
        ("warning", Tier.P3, {}, [("ana", "email")]),
        ("breached", Tier.P3, {}, [("ana", "email"), ("lee", "email")]),
        ("merged", Tier.P3, {"previous_tier": Tier.P4}, []),  # told by tier_raised instead
        ("merged", Tier.P3, {"previous_tier": Tier.P3}, []),
    ],
)  # fmt: skip
def test_recipients_and_channels_per_event_type(
    kind: str, tier: Tier, extra: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """Owner on assignment, the level's targets once each, owner and lead on a breach."""
    payload = _payload(kind, tier, **extra)
    assert expected == _pairs(planner().plan(event(payload), payload))


@pytest.mark.parametrize(
    ("kind", "tier", "team_messages"),
    [
        ("assigned", Tier.P0, 2),
        ("assigned", Tier.P1, 2),
        ("assigned", Tier.P2, 0),
        ("escalated", Tier.P1, 2),
        ("breached", Tier.P0, 2),
        ("warning", Tier.P0, 0),
    ],
)
def test_team_channel_hears_about_p0_and_p1(kind: str, tier: Tier, team_messages: int) -> None:
    """The team's Slack and Teams channels get P0/P1 assignments, escalations and breaches."""
    payload = _payload(kind, tier)
    plan = planner().plan(event(payload), payload)
    team = [m for m in plan.messages if m.recipient == "team:desk"]
    assert team_messages == len(team)
    assert all(m.body["team_channel"] and m.body["links"]["acknowledge"] is None for m in team)


def test_quiet_hours_hold_interrupting_channels_until_they_end() -> None:
    """At 23:30 a P1 reaches Ana by e-mail now; pager, webhook and chat are held until 07:00."""
    payload = _payload("assigned", Tier.P1)
    plan = planner().plan(event(payload, at=NIGHT), payload)
    ana = [(m.recipient, m.channel) for m in plan.messages if m.recipient == "ana"]
    assert [("ana", "email")] == ana
    held = {(h.message.channel, h.reason, h.release_at) for h in plan.held}
    reason = "quiet hours 22:00-07:00 Europe/Dublin"
    morning = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 07:00 in Dublin in winter
    assert {(c, reason, morning) for c in ("pagerduty", "webhook", "slack", "teams")} == held


def test_p0_ignores_quiet_hours() -> None:
    """A P0 pages at night like at noon: nothing is held."""
    payload = _payload("assigned", Tier.P0)
    night = planner().plan(event(payload, at=NIGHT), payload)
    noon = planner().plan(event(payload, at=NOW), payload)
    assert ([], _pairs(noon)) == (night.held, _pairs(night))


def test_a_new_configuration_changes_plans_and_addresses() -> None:
    """After use(new config) plans and retries reach Lee at the new address, not the old one."""
    data = copy.deepcopy(CONFIG_YAML)
    data["people"][1]["contacts"]["webhook"] = "https://hooks.test/lee-new"
    planned = planner()
    planned.use(parse_config(data).config)
    payload = EscalationEscalated(escalation=summary(tier=Tier.P2), level=2, targets=("lee",))
    plan = planned.plan(event(payload), payload)
    hooks = [m.address for m in plan.messages if m.channel == "webhook"]
    assert (["https://hooks.test/lee-new"], "https://hooks.test/lee-new") == (
        hooks,
        planned.address("lee", "webhook"),
    )


@pytest.mark.parametrize("model", [EscalationAcknowledged, EscalationResolved])
def test_acknowledge_and_resolve_close_what_was_paged(model: type[BaseModel]) -> None:
    """Only the pages and webhooks already sent get the closing event, nothing else."""
    extra: dict[str, Any] = (
        {"resolution": Resolution.ACTIONED} if model is EscalationResolved else {}
    )
    payload = model(escalation=summary(status=Status.ACKNOWLEDGED), by="ana", **extra)
    paged = [("ana", "pagerduty"), ("ana", "webhook"), ("ana", "slack"), ("bo", "pagerduty")]
    plan = planner().plan(event(payload), payload, paged)
    assert [("ana", "pagerduty"), ("ana", "webhook"), ("bo", "pagerduty")] == _pairs(plan)
    assert all(m.body["links"]["acknowledge"] is None for m in plan.messages)


def test_channels_without_an_adapter_are_reported_not_dropped_silently() -> None:
    """Without an SMTP server, e-mail is listed as unavailable for each recipient."""
    payload = _payload("breached", Tier.P3)
    plan = planner(available=("webhook", "pagerduty", "slack", "teams")).plan(
        event(payload), payload
    )
    assert ([], [("ana", "email"), ("lee", "email")]) == (plan.messages, plan.unavailable)


def test_unknown_person_is_reported() -> None:
    """A target missing from the configuration is named in the plan's unavailable list."""
    payload = EscalationEscalated(escalation=summary(tier=Tier.P3), level=2, targets=("ghost",))
    assert [("ghost", "unknown person")] == planner().plan(event(payload), payload).unavailable


def test_ack_link_is_signed_for_the_recipient_and_expires() -> None:
    """The acknowledge link verifies for this person and escalation, a day after the event."""
    from datetime import timedelta

    from escalations.links import verify_ack_token

    from .fixtures import SECRET

    payload = _payload("assigned", Tier.P3)
    message = planner().plan(event(payload), payload).messages[0]
    token = message.body["links"]["acknowledge"].rsplit("/", 1)[1]
    claim = verify_ack_token(SECRET, token, NOW)
    assert (claim.escalation_id, claim.person, claim.expires_at) == (
        payload.escalation.id,  # type: ignore[attr-defined]
        "ana",
        NOW + timedelta(hours=24),
    )


def test_without_a_link_secret_there_is_no_ack_link() -> None:
    """Unsigned deployments still send the view link."""
    payload = _payload("assigned", Tier.P3)
    message = planner(secret=None).plan(event(payload), payload).messages[0]
    assert message.body["links"]["acknowledge"] is None
    assert message.body["links"]["view"].endswith(payload.escalation.id)  # type: ignore[attr-defined]


def test_address_is_looked_up_for_people_and_team_channels() -> None:
    """Retries find the current contact of a person or a team channel, or None."""
    p = planner()
    found = (
        p.address("ana", "pagerduty"),
        p.address("team:desk", "teams"),
        p.address("lee", "slack"),
    )
    assert ("R0UTINGKEYANA", "https://teams.test/webhook/desk-secret", None) == found
