"""A rising tier reaches the level in progress again, at the new urgency, on every channel."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from escalations.contracts.events import RiseCause, Status, TierRaised
from escalations.core.escalation import PolicyArea, Tier
from escalations_notifier.channels.email import EmailChannel, SmtpConfig
from escalations_notifier.channels.http import HttpClients
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import TeamsChannel
from escalations_notifier.channels.webhook import WebhookChannel
from escalations_notifier.plan import Plan
from escalations_notifier.templates import Templates

from .fixtures import NIGHT, NOW, event, planner, summary

TEMPLATES = Templates()
CLIENT = HttpClients(1.0)
SMTP = SmtpConfig("smtp.test", 25, False, None, None, "Desk <desk@example.com>", 5)
HOSTILE = '<b>"x"</b> <@U123> *bold* [a](https://evil.test) \x1b[31m\x07 ' + "é" * 3000


def raised(
    tier: Tier = Tier.P0,
    targets: tuple[str, ...] = ("ana",),
    cause: RiseCause = RiseCause.REPORT,
    **changes: Any,
) -> TierRaised:
    """Return a rise from P3 to ``tier`` told to ``targets``."""
    esc = summary(tier=tier, **changes)
    return TierRaised(
        escalation=esc,
        previous_tier=Tier.P3,
        tier=tier,
        score=esc.score,
        cause=cause,
        detail="report 2 merged: tier P3 -> " + tier.value,
        level=1 if targets == ("ana",) else 2,
        targets=targets,
        deadlines=esc.deadlines,
        raised_at=NOW,
    )


def pairs(plan: Plan) -> list[tuple[str, str]]:
    """Return (recipient, channel) of each message to send now."""
    return [(m.recipient, m.channel) for m in plan.messages]


@pytest.mark.parametrize(
    ("tier", "targets", "expected"),
    [
        (Tier.P0, ("ana",), [("ana", c) for c in ("pagerduty", "webhook", "slack", "teams", "email")]),  # noqa: E501 -- table row
        (Tier.P2, ("bo", "lee"), [("bo", "email"), ("lee", "webhook"), ("lee", "email")]),
        (Tier.P0, (), []),
    ],
)  # fmt: skip
def test_the_levels_targets_hear_at_the_new_tier(
    tier: Tier, targets: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    """The named targets get the new tier's channels; none named (acknowledged), nobody."""
    payload = raised(tier, targets)
    assert expected == pairs(planner().plan(event(payload), payload))


def test_a_p0_rise_ignores_quiet_hours_and_a_p1_waits() -> None:
    """At night a rise to P0 pages Ana at once; a rise to P1 reaches her by e-mail only."""
    p0, p1 = raised(Tier.P0), raised(Tier.P1)
    night_p0 = planner().plan(event(p0, at=NIGHT), p0)
    night_p1 = planner().plan(event(p1, at=NIGHT), p1)
    assert 5 == len(night_p0.messages)
    assert [("ana", "email")] == pairs(night_p1)


def test_an_unknown_target_is_reported() -> None:
    """A target missing from the configuration is listed as unavailable, not dropped."""
    payload = raised(targets=("ghost",))
    assert [("ghost", "unknown person")] == planner().plan(event(payload), payload).unavailable


def wire(payload: TierRaised, channel: str) -> str:
    """Return what Ana's message on ``channel`` puts on the wire."""
    (message,) = [
        m for m in planner().plan(event(payload), payload).messages if m.channel == channel
    ]
    if channel == "email":
        return EmailChannel(SMTP, TEMPLATES).compose(message).as_string()
    if channel == "pagerduty":
        return orjson.dumps(
            PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).event(message)
        ).decode()
    adapters: dict[str, Any] = {
        "slack": SlackChannel(CLIENT, TEMPLATES),
        "teams": TeamsChannel(CLIENT, TEMPLATES),
        "webhook": WebhookChannel(CLIENT, b"k" * 16, TEMPLATES),
    }
    return str(adapters[channel].render(message).decode())


@pytest.mark.parametrize("channel", ["email", "slack", "teams", "webhook", "pagerduty"])
def test_every_channel_says_what_rose_and_why(channel: str) -> None:
    """Each channel names the new and previous tier; a clock rise says it was the clock."""
    text = wire(raised(cause=RiseCause.REGULATORY_CLOCK), channel)
    assert ("P0" in text, "P3" in text, "regulatory clock" in text.lower()) == (True, True, True)


def test_pagerduty_rise_is_a_critical_trigger_on_the_same_incident() -> None:
    """The pager event keeps the escalation id as dedup key and takes the new severity."""
    doc = orjson.loads(wire(raised(Tier.P0), "pagerduty"))
    assert ("trigger", summary().id, "critical") == (
        doc["event_action"],
        doc["dedup_key"],
        doc["payload"]["severity"],
    )


@pytest.mark.parametrize("channel", ["email", "slack", "teams", "webhook", "pagerduty"])
def test_hostile_titles_stay_inert(channel: str) -> None:
    """Markup, mentions, control characters and a long title cannot break any channel."""
    text = wire(raised(title=HOSTILE[:500]), channel)
    assert ("\x07" in text, "\x1b" in text) == (False, False)
    if channel in ("slack", "teams", "webhook", "pagerduty"):
        orjson.loads(text)  # still one valid JSON document


def test_hostile_title_is_escaped_in_the_html_mail() -> None:
    """The HTML part shows markup in a title as text."""
    payload = raised(title=HOSTILE[:500])
    (message,) = [
        m for m in planner().plan(event(payload), payload).messages if m.channel == "email"
    ]
    mail = EmailChannel(SMTP, TEMPLATES).compose(message)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert ("<b>" in html, "&lt;b&gt;" in html) == (False, True)


@pytest.mark.parametrize("channel", ["email", "slack", "teams", "webhook"])
def test_sensitive_rises_carry_no_details(channel: str) -> None:
    """A rise on a sensitive escalation shows no description, content id or content URL."""
    payload = raised(policy_area=PolicyArea.CHILD_SAFETY, sensitive=True, status=Status.ASSIGNED)
    text = wire(payload, channel)
    leaks = ("SECRET-DESCRIPTION", "CONTENT-ID-777", "example.com/pin")
    assert [] == [leak for leak in leaks if leak in text]
