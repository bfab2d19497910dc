"""Every channel on the wire: e-mail over real SMTP, PagerDuty, Slack, Teams, signed webhook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationResolved,
    Resolution,
    Status,
)
from escalations.core.escalation import Tier
from escalations.links import verify_ack_token
from tests.support import wait_for as wait_until

from .conftest import SMTP_USER, Desk
from .harness import LINK_SECRET, assigned, produce
from .receivers import Request

pytestmark = pytest.mark.e2e
PATHS = ("/pd/v2/enqueue", "/slack/ana", "/teams/ana", "/hook/ana", "/slack/desk", "/teams/desk")


@dataclass
class Sent:
    """One P1 assignment and what reached each receiver path."""

    envelope: Envelope
    escalation_id: str
    by_path: dict[str, Request]


def _for(desk: Desk, path: str, escalation_id: str) -> list[Request]:
    return [r for r in desk.http.received(path) if escalation_id in r.body.decode()]


@pytest.fixture(scope="module")
def p1(desk: Desk, stack: Any) -> Sent:
    """Assign a P1 to Ana and wait until every channel has it."""
    payload = assigned("n-ana", tier=Tier.P1)
    envelope = produce(stack, payload)[0]
    esc_id = payload.escalation.id

    def arrived() -> dict[str, Request] | None:
        found = {p: _for(desk, p, esc_id) for p in PATHS}
        return {p: r[0] for p, r in found.items()} if all(found.values()) else None

    by_path = wait_until(arrived, what="the P1 on every HTTP channel")
    return Sent(envelope, esc_id, by_path)


def test_pagerduty_trigger_follows_events_v2(p1: Sent) -> None:
    """routing_key, trigger, dedup_key = escalation id, summary <= 1024, severity from tier."""
    event = p1.by_path["/pd/v2/enqueue"].json()
    assert ("R0UTE-ANA", "trigger", p1.escalation_id) == (
        event["routing_key"], event["event_action"], event["dedup_key"],
    )  # fmt: skip
    payload = event["payload"]
    assert ("error", "escalations/trust-desk") == (payload["severity"], payload["source"])
    assert 0 < len(payload["summary"]) <= 1024
    assert payload["custom_details"]["escalation_id"] == p1.escalation_id
    assert ["Acknowledge", "View escalation"] == [link["text"] for link in event["links"]]


def test_slack_block_kit_for_person_and_team(p1: Sent) -> None:
    """Both messages are Block Kit with a text fallback; only the person gets an ack button."""
    person, team = p1.by_path["/slack/ana"].json(), p1.by_path["/slack/desk"].json()
    for doc in (person, team):
        assert ("header", True) == (doc["blocks"][0]["type"], bool(doc["text"]))
    buttons = [[e["text"]["text"] for e in d["blocks"][-1]["elements"]] for d in (person, team)]
    assert [["Acknowledge", "View escalation"], ["View escalation"]] == buttons


def test_teams_adaptive_card(p1: Sent) -> None:
    """Teams gets a message with one Adaptive Card and open-URL actions."""
    doc = p1.by_path["/teams/ana"].json()
    card = doc["attachments"][0]["content"]
    assert ("message", "AdaptiveCard", "application/vnd.microsoft.card.adaptive") == (
        doc["type"], card["type"], doc["attachments"][0]["contentType"],
    )  # fmt: skip
    assert {"Action.OpenUrl"} == {a["type"] for a in card["actions"]}


def test_webhook_is_signed_and_carries_the_event_id(p1: Sent) -> None:
    """The receiver verifies X-Escalation-Signature with the shared secret."""
    request = p1.by_path["/hook/ana"]
    assert (True, p1.envelope.id) == (request.signed, request.headers["X-Escalation-Event-Id"])
    assert "escalation.assigned" == request.json()["event"]


def test_ack_link_is_signed_for_the_recipient(p1: Sent) -> None:
    """The acknowledge link in the webhook verifies for Ana and this escalation."""
    from datetime import UTC, datetime

    link = p1.by_path["/hook/ana"].json()["links"]["acknowledge"]
    claim = verify_ack_token(LINK_SECRET.encode(), link.rsplit("/", 1)[1], datetime.now(UTC))
    assert (p1.escalation_id, "n-ana") == (claim.escalation_id, claim.person)


def test_email_over_starttls_with_auth(p1: Sent, desk: Desk) -> None:
    """The mail went through STARTTLS and AUTH, with our headers and both parts."""
    mails = wait_until(
        lambda: [m for m in desk.smtp.mails if m.message["X-Escalation-Id"] == p1.escalation_id],
        what="the e-mail",
    )
    assert 1 == len(mails)
    mail = mails[0]
    message = mail.message
    assert (SMTP_USER, ["ana@example.com"], "desk@example.org") == (
        mail.login, mail.rcpt_tos, mail.mail_from,
    )  # fmt: skip
    assert "[P1] You own a new escalation: Threat against a school" == message["Subject"]
    assert f"<{p1.envelope.id}.n-ana@escalations.invalid>" == message["Message-ID"]
    assert "multipart/alternative" == message.get_content_type()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    view = f"https://escalations.example.org/v1/escalations/{p1.escalation_id}"
    assert (True, True, True) == (view in text, view in html, "/v1/ack/" in text)
    assert "SECRET-DESCRIPTION" in text


def test_acknowledge_and_resolve_close_the_page(p1: Sent, desk: Desk, stack: Any) -> None:
    """PagerDuty gets acknowledge then resolve with the same dedup key; the webhook too."""
    summary = p1.envelope.data["escalation"]
    acked = {**summary, "status": Status.ACKNOWLEDGED}
    from escalations.contracts.events import EscalationSummary

    esc = EscalationSummary.model_validate(acked)
    produce(
        stack,
        EscalationAcknowledged(escalation=esc, by="n-ana"),
        EscalationResolved(escalation=esc.model_copy(update={"status": Status.RESOLVED}),
                           by="n-ana", resolution=Resolution.ACTIONED),
    )  # fmt: skip

    def actions() -> list[str] | None:
        found = [r.json()["event_action"] for r in _for(desk, "/pd/v2/enqueue", p1.escalation_id)]
        return found if len(found) >= 3 else None

    assert ["trigger", "acknowledge", "resolve"] == wait_until(actions, what="ack and resolve")
    closing = [r.json() for r in _for(desk, "/pd/v2/enqueue", p1.escalation_id)][1:]
    assert [{"routing_key": "R0UTE-ANA", "event_action": a, "dedup_key": p1.escalation_id}
            for a in ("acknowledge", "resolve")] == closing  # fmt: skip
    hooks = wait_until(lambda: len(r := _for(desk, "/hook/ana", p1.escalation_id)) >= 3 and r)
    assert ["escalation.assigned", "escalation.acknowledged", "escalation.resolved"] == [
        r.json()["event"] for r in hooks
    ]
    assert 1 == len(_for(desk, "/slack/ana", p1.escalation_id)), "chat is not told of closing"


def test_metrics_count_deliveries_by_channel(p1: Sent, desk: Desk) -> None:
    """The notifier exposes sent deliveries per channel and the latency histogram."""
    text = desk.notifier.metrics()
    for channel in ("email", "pagerduty", "slack", "teams", "webhook"):
        series = f'notifier_deliveries_total{{channel="{channel}",outcome="sent"}}'
        value = next(
            float(line.split()[-1]) for line in text.splitlines() if line.startswith(series)
        )
        assert value >= 1, channel
    assert 'notifier_delivery_latency_seconds_count{channel="pagerduty"}' in text
