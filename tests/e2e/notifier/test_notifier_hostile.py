"""Hostile and huge escalations through Kafka and a notifier process to every receiver.

A title built to ping and disguise links, a 15,000-character Cyrillic description and 100
long content refs: every channel gets an inert message within its vendor's limits, and
every delivery is sent, none parked in the DLQ.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from escalations.core.escalation import ContentRef, Tier
from escalations_notifier.clip import utf16_units
from tests.support import wait_for as wait_until
from tests.unit.notifier.test_teams_card import check

from .conftest import Desk
from .harness import assigned, produce
from .receivers import Request

pytestmark = pytest.mark.e2e
HOSTILE_TITLE = "<!channel> @here see <https://evil.example|your bank> [bank](https://evil.example)"
DESCRIPTION = ("Описание угрозы на русском языке. " * 450)[:15_000] + "\u202e<script>x</script>"
REFS = tuple(
    ContentRef(kind="pin", id=f"<@U{n:03d}> ид", url="https://example.com/p|x?" + "q" * 1500)
    for n in range(100)
)
PATHS = ("/pd/v2/enqueue", "/slack/ana", "/teams/ana", "/slack/desk", "/teams/desk")


@pytest.fixture(scope="module")
def sent(desk: Desk, stack: Any) -> tuple[str, str, dict[str, Request], Any]:
    """Assign the hostile escalation to Ana (P1: her channels and the team's) and wait."""
    payload = assigned("n-ana", tier=Tier.P1)
    esc = payload.escalation.model_copy(
        update={"title": HOSTILE_TITLE, "description": DESCRIPTION, "content_refs": REFS}
    )
    payload = payload.model_copy(update={"escalation": esc})
    envelope = produce(stack, payload)[0]

    def arrived() -> dict[str, Request] | None:
        found = {p: [r for r in desk.http.received(p) if esc.id in r.body.decode()] for p in PATHS}
        return {p: r[0] for p, r in found.items()} if all(found.values()) else None

    by_path = wait_until(arrived, what="the hostile escalation on every HTTP channel")
    mail = wait_until(
        lambda: next((m for m in desk.smtp.mails if m.message["X-Escalation-Id"] == esc.id), None),
        what="the e-mail",
    )
    return esc.id, envelope.id, by_path, mail


def test_every_delivery_is_sent_and_none_dead_lettered(sent: Any, desk: Desk) -> None:
    """The ledger shows every channel sent; nothing waits for a retry or sits in the DLQ."""
    _, event_id, _, _ = sent

    def settled() -> list[tuple[str, str]] | None:
        rows = desk.notifier.rows(
            "SELECT channel, status FROM deliveries WHERE event_id = $1 ORDER BY 1, 2", event_id
        )
        found = [(r[0], r[1]) for r in rows]
        return found if found and all(status == "sent" for _, status in found) else None

    channels = {channel for channel, _ in wait_until(settled, what="every delivery sent")}
    assert {"email", "pagerduty", "slack", "teams", "webhook"} == channels


def test_teams_messages_fit_28_kb_and_are_valid_cards(sent: Any) -> None:
    """Both Teams posts are under 28,000 bytes, clipped with a link, and valid cards."""
    _, _, by_path, _ = sent
    posts = [by_path["/teams/ana"], by_path["/teams/desk"]]
    assert [True, True] == [len(p.body) <= 28_000 for p in posts]
    cards = [p.json()["attachments"][0]["content"] for p in posts]
    texts = ["\n".join(b.get("text", "") for b in c["body"]) for c in cards]
    assert [True, True] == ["clipped, see [the escalation](https://" in t for t in texts]
    assert [[], []] == [r["messages"] for r in check(cards)]


def test_slack_messages_are_inert_for_slack_and_mattermost(sent: Any) -> None:
    """No Slack mention or disguised link in blocks or fallback; no bare @here for Mattermost."""
    _, _, by_path, _ = sent
    for path in ("/slack/ana", "/slack/desk"):
        body = by_path[path].body.decode()
        doc = by_path[path].json()
        assert ([], []) == (
            re.findall(r"<!channel>|<@U\d+>|<https://evil", body),
            re.findall(r"@here\b", doc["text"]),
        )
        assert all(utf16_units(b["text"]["text"]) <= 3_000 for b in doc["blocks"]
                   if b["type"] == "section" and "text" in b)  # fmt: skip


def test_pagerduty_summary_is_clean_and_the_event_within_512_kb(sent: Any) -> None:
    """The pager's summary has no hidden characters and at most 1,024 characters."""
    _, _, by_path, _ = sent
    request = by_path["/pd/v2/enqueue"]
    summary = request.json()["payload"]["summary"]
    assert (True, True) == (len(request.body) <= 512 * 1024, utf16_units(summary) <= 1024)
    assert "\u202e" not in summary


def test_email_is_escaped_and_bounded(sent: Any) -> None:
    """Subject at most 200 characters; HTML shows the markup as text; 20 refs, then 'more'."""
    _, _, _, mail = sent
    html = mail.message.get_body(("html",)).get_content()
    text = mail.message.get_body(("plain",)).get_content()
    assert (True, False, True) == (
        utf16_units(mail.message["Subject"]) <= 200, "<!channel>" in html,
        "&lt;!channel&gt;" in html,
    )  # fmt: skip
    assert ("and 80 more" in text, "\u202e" in text + html) == (True, False)
