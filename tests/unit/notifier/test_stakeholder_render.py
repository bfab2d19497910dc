"""Every stakeholder message kind in every channel: valid documents, hostile text defused,
huge text clipped (Slack checked by slack_sdk, Teams by the adaptivecards library)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import orjson
import pytest

from escalations.contracts.updates import UpdatePosted
from escalations_notifier.channels import Message
from escalations_notifier.channels.email import EmailChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import MAX_BYTES, TeamsChannel
from escalations_notifier.clip import utf16_units
from escalations_notifier.context import Subscription
from escalations_notifier.stake_body import mask

from .fixtures import event
from .stakeholder_data import (
    COMMS_SLACK,
    context,
    digest,
    every_payload,
    handoff,
    planner,
    team_event,
)
from .test_fit_channels import assert_valid_block_kit
from .test_formats import CLIENT, SMTP, TEMPLATES, rendered
from .test_hostile_chat import HOSTILE, INVISIBLE
from .test_teams_card import check

KINDS = ("requester", "subscriber", "team_update", "update_due", "handoff", "handed_over",
         "digest")  # fmt: skip
CHANNELS = ("email", "slack", "teams", "webhook")
SUBS = (
    Subscription("s-slack", "slack", COMMS_SLACK),
    Subscription("s-teams", "teams", "https://teams.test/webhook/sub-secret"),
    Subscription("s-hook", "webhook", "https://subscriber.test/hook"),
    Subscription("s-mail", "email", "sub@example.org"),
)
HUGE = "<b>&" * 25_000  # 100 kB of markup


def samples(text: str | None = None) -> dict[tuple[str, str], Message]:
    """Return one message per (kind, channel), user text replaced by ``text`` if given."""
    changes = {"title": text[:200]} if text else {}
    payloads = list(every_payload(**changes).values())
    found: dict[tuple[str, str], Message] = {}
    plan_with = planner()
    for payload in payloads:
        if text and isinstance(payload, UpdatePosted):
            payload = payload.model_copy(update={"text": text[:5000]})
        plan = plan_with.plan(event(payload), payload, (), context(subscriptions=SUBS))
        for m in plan.messages:
            found.setdefault((m.template, m.channel), m)
    for team_payload in (handoff(note=(text or "note")[:5000], title=(text or "x")[:200]),
                         digest(source=(text or "src"))):  # fmt: skip
        for m in plan_with.plan(team_event(team_payload), team_payload).messages:
            found.setdefault((m.template, m.channel), m)
    return {
        (template.removeprefix("stakeholder."), channel): m
        for (template, channel), m in found.items()
        if template.startswith("stakeholder.")
    }


def every_kind_and_channel(text: str | None = None) -> list[Message]:
    """Return a message of every kind in every channel (bodies re-aimed where not planned)."""
    found = samples(text)
    messages = []
    for kind in KINDS:
        some = next(m for (k, _), m in found.items() if k == kind)
        for channel in CHANNELS:
            messages.append(found.get((kind, channel)) or replace(some, channel=channel))
    return messages


def with_huge_text(message: Message) -> Message:
    """Return the message with every free text 100 kB of markup."""
    body: dict[str, Any] = orjson.loads(orjson.dumps(message.body))
    body.update(title=HUGE, headline=HUGE, intro=HUGE, signature=HUGE)
    body["facts"] = [[HUGE, HUGE] for _ in body["facts"]]
    body["sections"] = [
        {"heading": HUGE, "lines": [{"text": HUGE, "url": None}], "more": 0},
        {"heading": "list", "lines": [{"text": HUGE, "url": "https://e.test/x"}] * 20, "more": 7},
    ]
    return replace(message, body=body)


def test_every_kind_renders_in_every_channel() -> None:
    """Seven kinds, four channels: every template exists and renders."""
    messages = every_kind_and_channel()
    assert len(messages) == len(KINDS) * len(CHANNELS)
    for m in messages:
        assert rendered(m)


def test_slack_messages_pass_slack_sdk_validation_even_with_huge_text() -> None:
    """Block Kit limits hold for every kind, plain and with 100 kB of markup everywhere."""
    channel = SlackChannel(CLIENT, TEMPLATES)
    for m in every_kind_and_channel():
        if m.channel == "slack":
            for message in (m, with_huge_text(m)):
                assert_valid_block_kit(orjson.loads(channel.render(message)))


def _card(message: Message) -> dict[str, Any]:
    wire = TeamsChannel(CLIENT, TEMPLATES).render(message)
    assert len(wire) <= MAX_BYTES
    return dict(orjson.loads(wire)["attachments"][0]["content"])


def test_teams_cards_are_valid_for_every_kind_hostile_and_huge() -> None:
    """The adaptivecards library accepts every card; 100 kB of text fits in 28 KB."""
    cards = [_card(m) for m in every_kind_and_channel() if m.channel == "teams"]
    cards += [_card(with_huge_text(m)) for m in every_kind_and_channel() if m.channel == "teams"]
    for text in HOSTILE:
        cards += [_card(m) for m in every_kind_and_channel(text) if m.channel == "teams"]
    assert [[]] * len(cards) == [r["messages"] for r in check(cards)]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_cannot_mention_link_or_hide_in_any_kind(text: str) -> None:
    """No live mention or foreign link in Slack, no markup in e-mail HTML, no controls."""
    for m in every_kind_and_channel(text):
        wire = rendered(m)
        if m.channel == "slack":
            assert not re.search(r"<!(channel|here|everyone|subteam)|<@U|<https://evil", wire)
        if m.channel == "email":
            html = EmailChannel(SMTP, TEMPLATES).compose(m).get_body(("html",))
            content = html.get_content() if html else ""
            assert not re.search(r"<script|<img|<b>|href=\"https://evil", content), m.template
            plain = EmailChannel(SMTP, TEMPLATES).compose(m).get_body(("plain",))
            assert not INVISIBLE.search(plain.get_content() if plain else ""), m.template
        if m.channel == "teams":
            # Markdown escaped: ``\](`` (``\\](`` in the JSON) is text, not a link.
            assert not re.search(r"[^\\]\]\(https://evil", wire)


def test_huge_text_is_clipped_in_every_channel() -> None:
    """100 kB of markup in every field: e-mail stays small, webhook keeps the data as is."""
    for m in every_kind_and_channel():
        big = with_huge_text(m)
        if big.channel == "email":
            mail = EmailChannel(SMTP, TEMPLATES).compose(big)
            assert len(mail.as_string()) < 400_000
            html = mail.get_body(("html",))
            assert html is not None
            assert "<b>" not in html.get_content()
        if big.channel == "slack":
            doc = orjson.loads(SlackChannel(CLIENT, TEMPLATES).render(big))
            assert utf16_units(doc["text"]) <= 40_000


def test_intro_and_signature_are_escaped_in_html() -> None:
    """A source's template text is text: ``<b>`` and ``&`` are escaped."""
    m = samples()[("requester", "email")]
    html = EmailChannel(SMTP, TEMPLATES).compose(m).get_body(("html",))
    content = html.get_content() if html else ""
    assert "Hello from &lt;b&gt;Desk&lt;/b&gt; &amp; co" in content
    assert "-- The Desk" in content


def test_the_requester_callback_carries_type_and_escalation_id() -> None:
    """The signed callback's JSON: type, escalation id, the message fields and a summary."""
    body = orjson.loads(rendered(samples()[("requester", "webhook")]))
    assert ("escalation.received", True) == (body["type"], bool(body["escalation_id"]))
    assert body["summary"].startswith("We received your report")


def test_every_url_scheme_is_masked_like_the_intake_masks_it() -> None:
    """Not only http: any scheme and a bare www. read [url] (escalations.core.urls)."""
    text = "see https://a.example/x, tg://resolve?d=1, ftp://f.example and www.b.example"
    assert mask(text) == "see [url] [url] [url] and [url]"
    assert mask(None) is None
