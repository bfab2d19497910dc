"""Every channel's message fits the vendor's limits, clipped with a link to the escalation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jsonschema_rs
import orjson
import pytest
from slack_sdk.models.blocks import Block

from escalations.core.escalation import ContentRef
from escalations_notifier.channels import DeliveryError
from escalations_notifier.channels.email import EmailChannel
from escalations_notifier.channels.pagerduty import MAX_BYTES as PAGERDUTY_MAX
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import MAX_BYTES as TEAMS_MAX
from escalations_notifier.channels.teams import TeamsChannel
from escalations_notifier.clip import utf16_units

from .test_formats import CLIENT, SMTP, TEMPLATES, messages

CYRILLIC = "Описание угрозы на русском языке. " * 450  # 15,300 characters, 2 bytes each
EMOJI = "\U0001f6a8"  # 4 bytes in UTF-8, 2 UTF-16 units
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
CLIPPED = "clipped, see"
LONG_URL = "https://example.com/pin/" + "x" * 2000
MANY_REFS = tuple(
    ContentRef(kind="pin", id=f"ИД-{n:03d}" + "ж" * 150, url=LONG_URL) for n in range(100)
)

# PagerDuty's published Events API v2 request schema (PagerDuty/api-schema,
# reference/events-v2/openapiv3.json), with the field limits of the "Send an Alert Event"
# reference: summary at most 1,024 characters, dedup_key at most 255.
PAGERDUTY_EVENT = jsonschema_rs.validator_for({
    "type": "object",
    "required": ["routing_key", "event_action"],
    "properties": {
        "routing_key": {"type": "string"},
        "event_action": {"enum": ["trigger", "acknowledge", "resolve"]},
        "dedup_key": {"type": "string", "maxLength": 255},
        "client": {"type": "string"},
        "client_url": {"type": "string"},
        "links": {"type": "array", "items": {
            "type": "object", "required": ["href"],
            "properties": {"href": {"type": "string"}, "text": {"type": "string"}}}},
        "payload": {
            "type": "object",
            "required": ["summary", "severity", "source"],
            "properties": {
                "summary": {"type": "string", "minLength": 1, "maxLength": 1024},
                "timestamp": {"type": "string", "format": "date-time"},
                "severity": {"enum": ["critical", "warning", "error", "info"]},
                "source": {"type": "string"},
                "component": {"type": "string"},
                "group": {"type": "string"},
                "class": {"type": "string"},
                "custom_details": {"type": "object"},
            },
        },
    },
})  # fmt: skip


def teams_wire(**changes: Any) -> bytes:
    """Return the Teams body for Ana's assignment with the given escalation fields."""
    return TeamsChannel(CLIENT, TEMPLATES).render(messages("teams", **changes)[0])


def card_text(wire: bytes) -> str:
    """Return all text blocks of a Teams card, joined."""
    body = orjson.loads(wire)["attachments"][0]["content"]["body"]
    return "\n".join(b["text"] for b in body if b["type"] == "TextBlock")


def test_a_15000_character_cyrillic_description_fits_a_teams_message() -> None:
    """The Teams body stays under 28 KB (it was 28.7 KB and over, into the DLQ)."""
    wire = teams_wire(description=CYRILLIC[:15_000])
    assert (True, True) == (len(wire) <= TEAMS_MAX, CLIPPED in card_text(wire))


def test_teams_description_at_its_budget_is_whole_and_one_more_is_clipped() -> None:
    """12,000 Cyrillic characters (24,000 bytes) fit whole; one more is clipped with the link."""
    whole, over = teams_wire(description="ж" * 12_000), teams_wire(description="ж" * 12_001)
    assert ("ж" * 12_000 in card_text(whole), CLIPPED in card_text(whole)) == (True, False)
    view = messages("teams")[0].body["links"]["view"]
    assert f"({CLIPPED} [the escalation]({view}))" in card_text(over)
    assert (True, True) == (len(whole) <= TEAMS_MAX, len(over) <= TEAMS_MAX)


@pytest.mark.parametrize("char", ["ж", "中", EMOJI, FAMILY, '"\\'])
def test_the_worst_teams_message_fits_28_kb_whatever_the_script(char: str) -> None:
    """A 20,000-character description and 100 long content refs still make one valid message."""
    wire = teams_wire(description=char * (20_000 // len(char)), content_refs=MANY_REFS)
    text = card_text(wire)
    assert (True, True, True) == (len(wire) <= TEAMS_MAX, CLIPPED in text, "more (" in text)
    assert wire.decode("utf-8").encode("utf-8") == wire


def test_a_teams_message_too_large_without_free_text_is_a_clear_permanent_error() -> None:
    """When even the fixed part is over 28 KB, the error says so and is not retried."""
    message = messages("teams")[0]
    view = "https://escalations.example.org/" + "v" * 30_000  # a misconfigured public URL
    huge = {**message.body, "links": {"view": view, "acknowledge": None}}
    big = replace(message, body=huge)
    with pytest.raises(DeliveryError, match="Teams webhook message too large") as caught:
        TeamsChannel(CLIENT, TEMPLATES).render(big)
    assert (False, True) == (caught.value.retryable, "28000 byte limit" in str(caught.value))


def slack_doc(**changes: Any) -> dict[str, Any]:
    """Return Ana's Slack message for an assignment with the given escalation fields."""
    return orjson.loads(SlackChannel(CLIENT, TEMPLATES).render(messages("slack", **changes)[0]))


def assert_valid_block_kit(doc: dict[str, Any]) -> None:
    """Validate every block with slack_sdk's Block Kit models, and the message limits."""
    for block in doc["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert (True, True) == (len(doc["blocks"]) <= 50, utf16_units(doc["text"]) <= 40_000)


@pytest.mark.parametrize("char", ["a", "ж", EMOJI, FAMILY, "&", "<"])
def test_slack_section_at_3000_is_whole_and_over_it_is_clipped(char: str) -> None:
    """Section text is at most 3,000 characters (UTF-16), clipped with a Slack link."""
    from escalations_notifier.markup import slack

    fits = 3_000 // utf16_units(slack(char))
    whole = slack_doc(description=char * fits)["blocks"][3]["text"]["text"]
    over = slack_doc(description=char * (fits + 1))
    clipped = over["blocks"][3]["text"]["text"]
    assert (whole, True) == (slack(char * fits), utf16_units(clipped) <= 3_000)
    assert f"({CLIPPED} <https://escalations.example.org/v1/escalations/" in clipped
    assert_valid_block_kit(over)


def test_slack_worst_case_message_passes_slack_sdk_validation() -> None:
    """Header, title, fields, refs and fallback all within Block Kit's limits."""
    doc = slack_doc(title=EMOJI * 200, description="<" * 20_000, content_refs=MANY_REFS)
    assert_valid_block_kit(doc)
    header = doc["blocks"][0]["text"]["text"]
    refs = doc["blocks"][4]["elements"][0]["text"]
    assert (True, True, True) == (utf16_units(header) <= 150, "more (" in refs, CLIPPED in refs)


def test_slack_sdk_would_refuse_what_we_used_to_risk() -> None:
    """The validator is real: a 3,001-character section fails it."""
    from slack_sdk.errors import SlackObjectFormationError

    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3_001}}
    with pytest.raises(SlackObjectFormationError, match="3000"):
        assert_valid_block_kit({"blocks": [section], "text": ""})


def pagerduty_event(**changes: Any) -> tuple[bytes, dict[str, Any]]:
    """Return the PagerDuty body and event for Ana's assignment."""
    wire = PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).render(
        messages("pagerduty", **changes)[0]
    )
    return wire, orjson.loads(wire)


@pytest.mark.parametrize("char", ["a", "ж", EMOJI, FAMILY])
def test_pagerduty_summary_is_at_most_1024_characters_and_never_splits_one(char: str) -> None:
    """A summary of multi-byte text is cut between whole characters, within 1,024."""
    _, event = pagerduty_event(title=char * 1_500)
    summary = event["payload"]["summary"]
    assert (True, True) == (utf16_units(summary) <= 1024, summary.endswith(char + "\u2026"))
    assert [] == list(PAGERDUTY_EVENT.iter_errors(event))


def test_pagerduty_worst_case_event_fits_512_kb_and_the_schema() -> None:
    """100 long refs and 20,000 emoji still give a valid event under 512 KB."""
    wire, event = pagerduty_event(description=EMOJI * 20_000, content_refs=MANY_REFS * 3)
    details = event["payload"]["custom_details"]
    assert (True, True) == (len(wire) <= PAGERDUTY_MAX, details["content_refs_left_out"] > 0)
    assert [] == list(PAGERDUTY_EVENT.iter_errors(event))


def test_pagerduty_schema_check_catches_a_bad_event() -> None:
    """The schema is real: a missing severity and an over-long summary are reported."""
    _, event = pagerduty_event()
    event["payload"].pop("severity")
    event["payload"]["summary"] = "x" * 1025
    assert 2 == len(list(PAGERDUTY_EVENT.iter_errors(event)))


def email_parts(**changes: Any) -> tuple[str, str, str]:
    """Return subject, text and HTML of Ana's e-mail."""
    mail = EmailChannel(SMTP, TEMPLATES).compose(messages("email", **changes)[0])
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return str(mail["Subject"]), text, html


@pytest.mark.parametrize("char", ["a", "ж", EMOJI, FAMILY])
def test_email_subject_is_at_most_200_characters(char: str) -> None:
    """Long multi-byte titles give a subject of at most 200 characters, cut between them."""
    subject, _, _ = email_parts(title=char * 300)
    assert (True, True) == (utf16_units(subject) <= 200, subject.endswith(char + "\u2026"))


def test_email_body_is_bounded_and_clipped_with_a_link() -> None:
    """Description at most 10,000 characters, 20 content refs, then 'and 80 more'."""
    whole = email_parts(description="ж" * 10_000)[1]
    _, text, html = email_parts(description="ж" * 10_001, content_refs=MANY_REFS)
    assert ("ж" * 10_000 in whole, CLIPPED in whole) == (True, False)
    assert ("and 80 more" in text, "and 80 more" in html, CLIPPED in text) == (True, True, True)
    assert '(clipped, see <a href="https://escalations.example.org/v1/escalations/' in html
    assert (True, True) == (len(text.encode()) < 100_000, len(html.encode()) < 100_000)


@pytest.mark.parametrize("char", ["ж", EMOJI])
def test_pagerduty_summary_exactly_at_1024_is_whole_and_one_more_is_clipped(char: str) -> None:
    """The summary is kept whole at exactly 1,024 characters and clipped one character over."""
    prefix = pagerduty_event(title="x")[1]["payload"]["summary"][:-1]
    fits = (1024 - utf16_units(prefix)) // utf16_units(char)
    whole = pagerduty_event(title=char * fits)[1]["payload"]["summary"]
    over = pagerduty_event(title=char * (fits + 1))[1]["payload"]["summary"]
    assert (prefix + char * fits, True) == (whole, over.endswith("\u2026"))
    assert (True, True) == (utf16_units(whole) <= 1024, utf16_units(over) <= 1024)


@pytest.mark.parametrize("char", ["ж", EMOJI])
def test_email_subject_exactly_at_200_is_whole_and_one_more_is_clipped(char: str) -> None:
    """The subject is kept whole at exactly 200 characters and clipped one character over."""
    prefix = email_parts(title="x")[0][:-1]
    fits = (200 - utf16_units(prefix)) // utf16_units(char)
    whole, over = email_parts(title=char * fits)[0], email_parts(title=char * (fits + 1))[0]
    assert (prefix + char * fits, True) == (whole, over.endswith("\u2026"))
    assert utf16_units(over) <= 200
