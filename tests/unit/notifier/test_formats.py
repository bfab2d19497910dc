"""Each channel's wire format, for every event type, and the sensitive-content rule."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationResolved,
    Resolution,
    RiseCause,
    SlaBreached,
    SlaKind,
    SlaWarning,
    TierRaised,
)
from escalations.core.escalation import PolicyArea, Tier
from escalations_notifier.channels import Message
from escalations_notifier.channels.email import EmailChannel, SmtpConfig
from escalations_notifier.channels.http import HttpClients
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import TeamsChannel
from escalations_notifier.channels.webhook import WebhookChannel
from escalations_notifier.templates import Templates

from .fixtures import NOW, event, planner, summary

TEMPLATES = Templates()
CLIENT = HttpClients(1.0)
SMTP = SmtpConfig("smtp.test", 25, False, None, None, "Desk <desk@example.com>", 5)
SENSITIVE = [
    PolicyArea.CHILD_SAFETY, PolicyArea.NCII, PolicyArea.GRAPHIC_VIOLENCE, PolicyArea.SELF_HARM,
    PolicyArea.VIOLENT_EXTREMISM, PolicyArea.HUMAN_EXPLOITATION,
]  # fmt: skip
LEAKS = ("SECRET-DESCRIPTION", "CONTENT-ID-777", "example.com/pin")


def payloads(**changes: Any) -> list[BaseModel]:
    """Return one payload of every event type the notifier sends for."""
    esc = summary(tier=Tier.P0, **changes)
    return [
        EscalationAssigned(escalation=esc, owner="ana", team="desk"),
        EscalationEscalated(escalation=esc, level=2, targets=("ana",)),
        SlaWarning(escalation=esc, kind=SlaKind.ACKNOWLEDGE, due_at=NOW),
        SlaBreached(escalation=esc, kind=SlaKind.RESOLVE, due_at=NOW),
        TierRaised(
            escalation=esc,
            previous_tier=Tier.P1,
            tier=Tier.P0,
            score=esc.score,
            cause=RiseCause.REPORT,
            detail="report 3 merged: tier P1 -> P0",
            level=1,
            targets=("ana",),
            deadlines=esc.deadlines,
            raised_at=NOW,
        ),
    ]


def messages(channel: str, **changes: Any) -> list[Message]:
    """Return Ana's message on ``channel`` for every event type."""
    found = []
    for payload in payloads(**changes):
        plan = planner().plan(event(payload), payload)
        found += [m for m in plan.messages if m.channel == channel and m.recipient == "ana"]
    return found


def rendered(message: Message) -> str:
    """Return everything a channel would put on the wire for a message."""
    if message.channel == "email":
        return EmailChannel(SMTP, TEMPLATES).compose(message).as_string()
    if message.channel == "pagerduty":
        return orjson.dumps(
            PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).event(message)
        ).decode()
    adapters: dict[str, Any] = {
        "slack": SlackChannel(CLIENT, TEMPLATES),
        "teams": TeamsChannel(CLIENT, TEMPLATES),
        "webhook": WebhookChannel(CLIENT, b"k" * 16, TEMPLATES),
    }
    adapter = adapters[message.channel]
    return adapter.render(message).decode()


def test_pagerduty_trigger_follows_the_events_v2_field_rules() -> None:
    """Every trigger has the required fields, a known severity, and the escalation as dedup key."""
    for message in messages("pagerduty"):
        sent = PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).event(message)
        payload = sent["payload"]
        assert ("R0UTINGKEYANA", "trigger", message.escalation_id) == (
            sent["routing_key"], sent["event_action"], sent["dedup_key"],
        )  # fmt: skip
        assert {"summary", "source", "severity"} <= set(payload)
        assert ("critical", True) == (payload["severity"], 0 < len(payload["summary"]) <= 1024)
        assert all(set(link) == {"href", "text"} for link in sent["links"])
        assert isinstance(payload["custom_details"], dict)


def test_pagerduty_summary_is_cut_to_1024_characters() -> None:
    """A very long title still gives a valid summary."""
    message = messages("pagerduty", title="x" * 3000)[0]
    summary_text = PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).event(message)["payload"][
        "summary"
    ]
    assert (1024, "\u2026") == (len(summary_text), summary_text[-1])


SEVERITIES = [
    ("P0", "critical"),
    ("P1", "error"),
    ("P2", "warning"),
    ("P3", "info"),
    ("P4", "info"),
]


@pytest.mark.parametrize(("tier", "severity"), SEVERITIES)
def test_pagerduty_severity_from_tier(tier: str, severity: str) -> None:
    """The tier maps onto PagerDuty's four severities."""
    payload = EscalationAssigned(escalation=summary(tier=Tier(tier)), owner="ana", team="desk")
    body = planner().plan(event(payload), payload).messages[0].body
    message = Message("e1", "escalation.assigned", "x", "ana", "pagerduty", "KEY", body, NOW)
    assert (
        severity == PagerDutyChannel(CLIENT, "u", TEMPLATES).event(message)["payload"]["severity"]
    )


@pytest.mark.parametrize(
    ("model", "action"), [(EscalationAcknowledged, "acknowledge"), (EscalationResolved, "resolve")]
)
def test_pagerduty_closing_events_carry_only_key_action_and_dedup_key(
    model: type[BaseModel], action: str
) -> None:
    """Acknowledge and resolve reuse the dedup key and send no payload."""
    extra: dict[str, Any] = (
        {"resolution": Resolution.ACTIONED} if model is EscalationResolved else {}
    )
    payload = model(escalation=summary(), by="ana", **extra)
    message = planner().plan(event(payload), payload, [("ana", "pagerduty")]).messages[0]
    sent = PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).event(message)
    assert {"routing_key": "R0UTINGKEYANA", "event_action": action,
            "dedup_key": message.escalation_id} == sent  # fmt: skip


def test_slack_message_is_valid_block_kit_with_a_text_fallback() -> None:
    """Header, sections, fields and link buttons within Block Kit's limits; text for Mattermost."""
    for message in messages("slack"):
        doc = orjson.loads(rendered(message))
        blocks = doc["blocks"]
        assert ["header", "section", "section"] == [b["type"] for b in blocks[:3]]
        assert ("plain_text", True) == (
            blocks[0]["text"]["type"],
            len(blocks[0]["text"]["text"]) <= 150,
        )
        assert 0 < len(blocks[2]["fields"]) <= 10
        assert all(f["type"] == "mrkdwn" and len(f["text"]) <= 2000 for f in blocks[2]["fields"])
        actions = blocks[-1]
        assert "actions" == actions["type"]
        labels = [(e["type"], e["text"]["text"]) for e in actions["elements"]]
        assert [("button", "Acknowledge"), ("button", "View escalation")] == labels
        assert message.body["links"]["view"] in doc["text"]


def test_slack_escapes_control_characters_in_user_text() -> None:
    """A title with <, > and & cannot inject Slack links or mentions."""
    message = messages("slack", title="<!channel> & <http://evil|click>")[0]
    section = orjson.loads(rendered(message))["blocks"][1]["text"]["text"]
    assert section.startswith("*&lt;!channel&gt; &amp; &lt;http://evil|click&gt;*")


def test_teams_message_is_one_adaptive_card() -> None:
    """The body is a message with one Adaptive Card 1.4: title, facts, and open-URL actions."""
    for message in messages("teams"):
        doc = orjson.loads(rendered(message))
        assert ("message", 1) == (doc["type"], len(doc["attachments"]))
        attachment = doc["attachments"][0]
        assert "application/vnd.microsoft.card.adaptive" == attachment["contentType"]
        card = attachment["content"]
        assert ("AdaptiveCard", "1.4") == (card["type"], card["version"])
        assert "FactSet" in [b["type"] for b in card["body"]]
        facts = {
            f["title"]: f["value"]
            for b in card["body"]
            if b["type"] == "FactSet"
            for f in b["facts"]
        }
        assert ("P0", "Ana Owner") == (facts["Tier"], facts["Owner"])
        assert [("Action.OpenUrl", "Acknowledge"), ("Action.OpenUrl", "View escalation")] == [
            (a["type"], a["title"]) for a in card["actions"]
        ]


def test_email_has_headers_text_and_html() -> None:
    """Subject with tier and title, stable Message-ID, and both parts with the links."""
    for message in messages("email"):
        mail = EmailChannel(SMTP, TEMPLATES).compose(message)
        assert mail["Subject"].startswith("[P0] ")
        assert (mail["To"], mail["X-Escalation-Id"]) == ("ana@example.com", message.escalation_id)
        assert mail["Message-ID"] == f"<{message.event_id}.ana@escalations.invalid>"
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        for part in (text, html):
            assert message.body["links"]["view"] in part
            assert message.body["links"]["acknowledge"] in part


def test_email_html_escapes_user_text() -> None:
    """A title with markup is shown as text in the HTML part."""
    mail = EmailChannel(SMTP, TEMPLATES).compose(messages("email", title="<script>x</script>")[0])
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert ("<script>" in html, "&lt;script&gt;x&lt;/script&gt;" in html) == (False, True)


def test_webhook_body_is_the_message_data_plus_a_summary() -> None:
    """The signed webhook carries event, escalation, links and a one-line summary."""
    for message in messages("webhook"):
        doc = orjson.loads(rendered(message))
        assert {"event", "event_id", "escalation", "links", "summary"} <= set(doc)
        assert doc["summary"].startswith("[P0] ")


@pytest.mark.parametrize("area", SENSITIVE)
@pytest.mark.parametrize("channel", ["email", "slack", "teams", "webhook"])
def test_sensitive_areas_leak_nothing_through_chat_email_or_webhook(
    area: PolicyArea, channel: str
) -> None:
    """No description, content id or content URL; title, tier, deadline and links remain."""
    for message in messages(channel, policy_area=area, sensitive=True):
        wire = rendered(message)
        assert [] == [leak for leak in LEAKS if leak in wire]
        # Teams escapes Markdown ("\\[link removed\\]"), e-mail may wrap lines ("=\n").
        unescaped = wire.replace("=\n", "").replace("\\\\", "")
        for kept in ("P0", "[link removed]", message.body["links"]["view"], "2026-11-25 12:15"):
            assert kept in unescaped, kept


@pytest.mark.parametrize("area", SENSITIVE)
def test_sensitive_area_is_redacted_even_if_the_flag_is_missing(area: PolicyArea) -> None:
    """The listed policy areas are redacted by name too, whatever the sensitive flag says."""
    for message in messages("slack", policy_area=area, sensitive=False):
        assert [] == [leak for leak in LEAKS if leak in rendered(message)]


def test_graphic_flag_redacts_any_area() -> None:
    """An escalation flagged sensitive (signals.graphic) is redacted in a non-listed area."""
    for message in messages("email", policy_area=PolicyArea.VIOLENT_THREAT, sensitive=True):
        assert [] == [leak for leak in LEAKS if leak in rendered(message)]


def test_pager_keeps_the_details_of_sensitive_escalations() -> None:
    """Chat and e-mail are restricted; the pager carries what responders need.

    The rule: docs/contract/guarantees.md, "Sensitive content".
    """
    message = messages("pagerduty", policy_area=PolicyArea.CHILD_SAFETY, sensitive=True)[0]
    assert all(leak in rendered(message) for leak in LEAKS)


def test_non_sensitive_chat_shows_the_details() -> None:
    """Routine escalations show description and content ids in chat."""
    message = messages("slack")[0]
    assert all(leak in rendered(message) for leak in LEAKS)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        ("SMTPResponseException(421, 'busy')", True),
        ("SMTPResponseException(451, 'try later')", True),
        ("SMTPResponseException(550, 'no such user')", False),
        ("SMTPAuthenticationError(535, 'bad credentials')", False),
        ("SMTPConnectError('refused')", True),
        ("SMTPServerDisconnected('gone')", True),
        ("SMTPRecipientsRefused([SMTPRecipientRefused(450, 'full', 'a@b.c')])", True),
        ("SMTPRecipientsRefused([SMTPRecipientRefused(550, 'unknown', 'a@b.c')])", False),
    ],
)
def test_smtp_retry_decision_follows_reply_codes(error: str, retry: bool) -> None:
    """4yz replies and lost connections are retried, 5yz replies are permanent (RFC 5321)."""
    import aiosmtplib

    from escalations_notifier.channels.email import _retryable

    exc = eval(error, vars(aiosmtplib))  # noqa: S307 - literal table above
    assert retry == _retryable(exc)
