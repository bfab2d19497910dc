"""Who hears what of stakeholder messages: requesters, subscribers, team notes, reminders,
handoffs and digests (docs/notifications.md, "Stakeholders")."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from escalations.contracts.events import EscalationEscalated
from escalations.core.config_stakeholders import signals_set
from escalations.core.escalation import PolicyArea, Signals, Tier
from escalations_notifier.channels import Message
from escalations_notifier.context import Request, Subscription
from escalations_notifier.plan import Plan

from .fixtures import ESCALATION_ID, event, summary
from .stakeholder_data import (
    CALLBACK_URL,
    COMMS_SLACK,
    HANDOFF_ID,
    REPORTER_EMAIL,
    SOURCE_EMAIL,
    SUB_ID,
    SUB_WEBHOOK,
    context,
    digest,
    every_payload,
    handoff,
    planner,
    team_event,
)

SOURCE = "source:trust-desk"
REPORTER = f"reporter:{ESCALATION_ID}"
REQUESTERS = {(SOURCE, "webhook"), (SOURCE, "email"), (REPORTER, "email")}
SUBSCRIBERS = {(f"sub:{SUB_ID}", "webhook"), ("bo", "email")}
SUBS = (Subscription(SUB_ID, "webhook", SUB_WEBHOOK), Subscription("s-bo", "person", "bo"))


def stakeholder(plan: Plan, template: str | None = None) -> set[tuple[str, str]]:
    """Return (recipient, channel) of the plan's stakeholder messages (of one template)."""
    return {
        (m.recipient, m.channel)
        for m in plan.messages
        if m.template.startswith("stakeholder.") and template in (None, m.template)
    }


def plan_of(payload: BaseModel, ctx: Any = None, **config: Any) -> Plan:
    """Plan one event with the default context."""
    return planner(**config).plan(event(payload), payload, (), ctx or context(subscriptions=SUBS))


REQUESTER_EXPECTED = {
    "assigned": "received", "unassigned": "received", "acknowledged": "acknowledged",
    "update_requester": "update", "resolved": "resolved",
}  # fmt: skip


@pytest.mark.parametrize("name", list(every_payload()))
def test_requesters_hear_exactly_received_acknowledged_requester_updates_and_resolved(
    name: str,
) -> None:
    """Callback URL, callback e-mail and reporter e-mail; nothing for any other event."""
    plan = plan_of(every_payload()[name])
    found = [m for m in plan.messages if m.template == "stakeholder.requester"]
    expected = REQUESTER_EXPECTED.get(name)
    assert (REQUESTERS if expected else set()) == {(m.recipient, m.channel) for m in found}
    assert ({expected} if expected else set()) == {m.body["kind"] for m in found}
    addresses = {m.channel + " " + m.address for m in found}
    assert addresses == (
        {f"webhook {CALLBACK_URL}", f"email {SOURCE_EMAIL}", f"email {REPORTER_EMAIL}"}
        if expected
        else set()
    )


def test_received_carries_references_and_when_to_expect_acknowledgement() -> None:
    """The escalation id, the source's external id, the regulatory reference, the deadline."""
    body = next(m.body for m in plan_of(every_payload()["assigned"]).messages
                if m.recipient == SOURCE and m.channel == "webhook")  # fmt: skip
    assert ("escalation.received", ESCALATION_ID, "EXT-1", "REG-9") == (
        body["type"], body["escalation_id"], body["external_id"], body["regulatory_reference"]
    )  # fmt: skip
    assert body["expect_acknowledgement_by"] == "2026-11-25T12:15:00+00:00"


@pytest.mark.parametrize(("source", "named"), [("trust-desk", None), ("named-source", "Ana Owner")])
def test_acknowledged_names_the_team_and_the_person_only_where_configured(
    source: str, named: str | None
) -> None:
    """``name_person`` decides whether the requester learns who acknowledged."""
    payload = every_payload(source=source)["acknowledged"]
    plan = plan_of(payload, context(source=source))
    bodies = [m.body for m in plan.messages if m.template == "stakeholder.requester"]
    assert {("The Desk", named)} == {(b["team"], b["acknowledged_by"]) for b in bodies}
    assert ("Ana Owner" in orjson.dumps(bodies).decode()) is (named is not None)


def test_an_opted_out_source_hears_nothing() -> None:
    """Neither its callback nor the reporter: the source said no."""
    for payload in every_payload(source="quiet-source").values():
        plan = plan_of(payload, context(source="quiet-source"))
        assert not [m for m in plan.messages if m.template == "stakeholder.requester"]


def test_the_source_template_opens_and_closes_the_message() -> None:
    """Intro and signature travel in the body (the layouts escape them)."""
    body = next(m.body for m in plan_of(every_payload()["resolved"]).messages
                if m.template == "stakeholder.requester")  # fmt: skip
    assert ("Hello from <b>Desk</b> & co", "-- The Desk") == (body["intro"], body["signature"])


def test_a_reporter_contact_that_is_no_email_address_is_not_used() -> None:
    """A phone number as contact: only the source's own callback hears."""
    ctx = context(request=Request(reporter_contact=None))
    plan = plan_of(every_payload()["assigned"], ctx)
    assert {(SOURCE, "webhook"), (SOURCE, "email")} == stakeholder(plan, "stakeholder.requester")


LEAKS = ("SECRET-DESCRIPTION", "CONTENT-ID-777", "example.com/pin", "https://")


@pytest.mark.parametrize("name", list(every_payload()))
def test_requesters_never_get_description_content_or_urls_of_a_sensitive_escalation(
    name: str,
) -> None:
    """No description or content in any requester body; URLs masked when sensitive."""
    for sensitive in (False, True):
        payload = every_payload(policy_area=PolicyArea.CHILD_SAFETY if sensitive
                                else PolicyArea.VIOLENT_THREAT)[name]  # fmt: skip
        for m in plan_of(payload).messages:
            if m.template != "stakeholder.requester":
                continue
            wire = orjson.dumps(m.body).decode()
            assert not {"SECRET-DESCRIPTION", "CONTENT-ID-777"} & {x for x in LEAKS if x in wire}
            if sensitive:
                assert [] == [x for x in LEAKS if x in wire], wire
                assert "[url]" in m.body["title"]


@pytest.mark.parametrize("name", list(every_payload()))
def test_subscribers_hear_state_changes_rises_breaches_and_stakeholder_updates(
    name: str,
) -> None:
    """Explicit subscriptions (a webhook, a person) hear every event but team notes and
    reminders and warnings; bo the person by e-mail, never by pager."""
    plan = plan_of(every_payload()[name])
    silent = {"sla_warning", "update_team", "update_due"}
    assert (set() if name in silent else SUBSCRIBERS) == stakeholder(plan, "stakeholder.subscriber")


def test_a_sensitive_escalation_gives_subscribers_title_tier_deadline_and_link_only() -> None:
    """No owner, policy area, description, content or URL; the update's URLs masked."""
    payload = every_payload(policy_area=PolicyArea.NCII)["update_stakeholders"]
    for m in plan_of(payload).messages:
        if m.template == "stakeholder.subscriber":
            wire = orjson.dumps(m.body).decode()
            assert [] == [x for x in (*LEAKS[:3], "Ana Owner", "ncii") if x in wire], wire
            assert (True, "stakeholders news, see [url]") == (m.body["redacted"], m.body["update"])
            assert {"Tier", "Acknowledge by"} == {label for label, _ in m.body["facts"]}
            assert m.body["links"]["view"].endswith(ESCALATION_ID)


def test_a_person_paged_for_the_event_and_subscribed_hears_once_per_channel() -> None:
    """Lee is escalated to (pages by e-mail and webhook) and subscribed: one e-mail."""
    payload = EscalationEscalated(escalation=summary(), level=2, targets=("lee",))
    subs = (Subscription("s-lee", "person", "lee"), Subscription("s-mail", "email",
            "lee@example.com"))  # fmt: skip
    plan = plan_of(payload, context(subscriptions=subs))
    lee_mail = [m for m in plan.messages if m.channel == "email"]
    assert [("lee", "escalation.escalated")] == [(m.recipient, m.template) for m in lee_mail]


def test_two_subscriptions_to_one_address_make_one_message() -> None:
    """The same URL subscribed twice: one post."""
    subs = (Subscription("a", "slack", COMMS_SLACK), Subscription("b", "slack", COMMS_SLACK))
    plan = plan_of(every_payload()["resolved"], context(subscriptions=subs))
    assert {("sub:a", "slack")} == stakeholder(plan, "stakeholder.subscriber")


@pytest.mark.parametrize(
    ("signals", "tier", "hears"),
    [({"press_inquiry": True}, Tier.P1, True), ({}, Tier.P1, False),
     ({"press_inquiry": True}, Tier.P2, False), ({"graphic": True}, Tier.P0, False)],
)  # fmt: skip
def test_subscription_rules_match_on_signals_and_tier(
    signals: dict[str, bool], tier: Tier, hears: bool
) -> None:
    """Comms hears of every press inquiry at P0-P1: the Slack URL and bo (a person)."""
    request = Request(signals=signals_set(Signals(**signals)))
    plan = plan_of(every_payload(tier=tier)["assigned"], context(request=request))
    expected = {("rule:comms-press:0", "slack"), ("bo", "email")} if hears else set()
    assert expected == stakeholder(plan, "stakeholder.subscriber")


def test_team_updates_go_to_the_team_chat_and_the_owner_e_mail() -> None:
    """Not to subscribers or requesters."""
    plan = plan_of(every_payload()["update_team"])
    assert {("team:desk", "slack"), ("team:desk", "teams"), ("ana", "email")} == stakeholder(plan)


def test_update_reminders_reach_the_owner_without_paging() -> None:
    """Ana's P1 channels without the pager; Bo (pager and e-mail) by e-mail."""
    payload = every_payload()["update_due"]
    assert {("ana", c) for c in ("email", "slack", "teams", "webhook")} == stakeholder(
        plan_of(payload)
    )
    bo = payload.model_copy(update={"owner": "bo"})
    assert {("bo", "email")} == stakeholder(plan_of(bo))


def test_a_handoff_reaches_incoming_and_outgoing_people_without_paging() -> None:
    """Ana gets the packet by e-mail and chat, Lee (outgoing) the summary; the handoff id
    is the ledger's escalation id."""
    payload = handoff()
    plan = planner().plan(team_event(payload), payload)
    found = {(m.recipient, m.channel, m.template) for m in plan.messages}
    assert {("ana", "email", "stakeholder.handoff"), ("ana", "slack", "stakeholder.handoff"),
            ("ana", "teams", "stakeholder.handoff"),
            ("lee", "email", "stakeholder.handed_over")} == found  # fmt: skip
    assert {HANDOFF_ID} == {m.escalation_id for m in plan.messages}


def test_a_digest_reaches_the_lead() -> None:
    """By e-mail (Lee has no chat contact), scoped by the team."""
    payload = digest()
    plan = planner().plan(team_event(payload), payload)
    assert [("lee", "email", "desk")] == [
        (m.recipient, m.channel, m.escalation_id) for m in plan.messages
    ]


def test_closing_events_never_close_a_stakeholder_webhook_as_a_page() -> None:
    """A requester callback is in the ledger as a webhook: an ack does not treat it as a page."""
    payload = every_payload()["acknowledged"]
    paged = [(SOURCE, "webhook"), (f"sub:{SUB_ID}", "webhook")]
    plan = planner().plan(event(payload), payload, paged, context(subscriptions=SUBS))
    assert [] == [m for m in plan.messages if not m.template.startswith("stakeholder.")]
    assert not plan.unavailable


def _every_message() -> list[Message]:
    found: list[Message] = []
    subs = (*SUBS, Subscription("c", "slack", COMMS_SLACK))
    for payload in every_payload().values():
        found += plan_of(payload, context(subscriptions=subs)).messages
    for team_payload in (handoff(), digest()):
        found += planner().plan(team_event(team_payload), team_payload).messages
    return found


def test_no_ledger_body_holds_an_address() -> None:
    """Bodies are stored in the ledger and the DLQ: webhook, Slack and Teams URLs are secrets."""
    secrets = (CALLBACK_URL, SUB_WEBHOOK, COMMS_SLACK, "hooks.slack.test", "teams.test",
               "hooks.test", "@example.com", REPORTER_EMAIL, SOURCE_EMAIL)  # fmt: skip
    for m in _every_message():
        wire = orjson.dumps(m.body).decode()
        assert [] == [s for s in secrets if s in wire], (m.template, m.recipient)


def test_every_recipient_id_fits_the_ledger() -> None:
    """At most 100 characters, and the escalation id column's 36."""
    for m in _every_message():
        assert (True, True) == (len(m.recipient) <= 100, len(m.escalation_id) <= 36)
