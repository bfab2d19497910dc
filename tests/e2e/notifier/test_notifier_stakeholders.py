"""Stakeholder messages end to end: a notifier process, real Kafka, Postgres and SMTP.

Requesters (a source's signed callback URL and e-mail, the reporter's e-mail) hear exactly
received, acknowledged, updates for the requester and resolved; a subscription rule and
explicit subscriptions deliver, and an unsubscription stops them (docs/notifications.md,
"Stakeholders").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest

from devstack.stack import Stack
from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationResolved,
    EscalationSummary,
    Resolution,
    SlaBreached,
    SlaKind,
    Status,
)
from escalations.contracts.updates import Audience, UpdatePosted
from escalations.core.escalation import PolicyArea
from escalations.signing import verify
from tests.support import wait_for

from .conftest import SMTP_PASSWORD, SMTP_USER
from .harness import WEBHOOK_SECRET, NotifierUnderTest, notifier, person, produce, summary, team
from .receivers import HttpReceiver, SmtpReceiver, self_signed

pytestmark = pytest.mark.e2e
REPORTER = "reporter@example.net"
SOURCE_MAIL = "ops@source.example"
RULE_MAIL = "comms-rule@example.com"
WATCHER = "watcher@example.com"
LEAKS = ("SECRET-DESCRIPTION", "CONTENT-ID-4242", "example.com/pin")


@dataclass
class Stakeholders:
    """The notifier under test and its receivers."""

    notifier: NotifierUnderTest
    http: HttpReceiver
    smtp: SmtpReceiver


@pytest.fixture(scope="module")
def world(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stakeholders]:
    """A notifier whose configuration has a press-inquiry subscription rule."""
    folder: Path = tmp_path_factory.mktemp("notifier-stakeholders")
    http = HttpReceiver(WEBHOOK_SECRET.encode()).start()
    cert, tls = self_signed(folder)
    smtp = SmtpReceiver(SMTP_USER, SMTP_PASSWORD, tls).start()
    config = {
        "people": [person("s-ana", contacts={"email": "ana@example.com"}),
                   person("s-lee", contacts={"email": "lee@example.com"})],
        "teams": [team("desk", "s-lee", ["s-ana", "s-lee"])],
        "stakeholders": {
            "requester": {"template": {"intro": "Dear <reporter>", "signature": "The Desk"}},
            "subscriptions": [{"name": "comms-press", "match": {"signals": ["press_inquiry"]},
                               "to": [{"email": RULE_MAIL}, {"webhook": http.url("/rule")}]}],
        },
    }  # fmt: skip
    env = {
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(smtp.port),
        "NOTIFIER_SMTP_STARTTLS": "true",
        "NOTIFIER_SMTP_USERNAME": SMTP_USER,
        "NOTIFIER_SMTP_PASSWORD": SMTP_PASSWORD,
        "NOTIFIER_SMTP_CA_FILE": str(cert),
        "NOTIFIER_SMTP_FROM": "Escalations <desk@example.org>",
    }
    try:
        with notifier(stack, folder, "stakeholders", config, env) as under_test:
            yield Stakeholders(under_test, http, smtp)
    finally:
        http.stop()
        smtp.stop()


def stored(world: Stakeholders, esc: EscalationSummary, request: dict[str, Any]) -> None:
    """Write the escalation's row as the router would (the notifier reads its request)."""
    world.notifier.rows(
        "INSERT INTO escalations (id, source, source_kind, status, title, policy_area, tier, "
        "score, level, reports, request, priority, received_at, created_at, updated_at, "
        "version, generation) VALUES ($1, $2, 'internal_tool', 'assigned', 'x', $3, $4, 80, "
        "1, 1, $5::jsonb, '{}', now(), now(), now(), 1, 0)",
        esc.id, esc.source, esc.policy_area.value, esc.tier.value, orjson.dumps(request).decode(),
    )  # fmt: skip


def callback(world: Stakeholders, source: str) -> str:
    """Register a source's callback URL and e-mail; return the URL's path."""
    path = f"/callback/{source}"
    world.notifier.rows(
        "INSERT INTO source_callbacks (source, url, email, updated_by, updated_at) "
        "VALUES ($1, $2, $3, 'admin', now()) ON CONFLICT (source) DO NOTHING",
        source, world.http.url(path), SOURCE_MAIL,
    )  # fmt: skip
    return path


def subscribe(world: Stakeholders, esc: EscalationSummary, kind: str, target: str) -> str:
    """Subscribe ``target`` to the escalation; return the subscription id."""
    sub = str(uuid4())
    world.notifier.rows(
        "INSERT INTO escalation_subscriptions (id, escalation_id, kind, target, created_by, "
        "created_at) VALUES ($1, $2, $3, $4, 's-lee', now())",
        sub, esc.id, kind, target,
    )  # fmt: skip
    return sub


def mails(world: Stakeholders, to: str, escalation_id: str) -> list[Any]:
    """Return the e-mails to ``to`` about the escalation, in arrival order."""
    return [
        m.message
        for m in list(world.smtp.mails)
        if m.rcpt_tos == [to] and m.message["X-Escalation-Id"] == escalation_id
    ]


def lifecycle(esc: EscalationSummary) -> list[Any]:
    """Every event an escalation's life can send, in order; the requester hears four."""
    acked = esc.model_copy(update={"status": Status.ACKNOWLEDGED})
    now = datetime.now(UTC)

    def update(audience: Audience) -> UpdatePosted:
        text = f"{audience.value} news: see https://example.com/pin/4242"
        return UpdatePosted(escalation=acked, update_id=str(uuid4()), audience=audience,
                            text=text, by="s-ana", at=now)  # fmt: skip

    return [
        EscalationAssigned(escalation=esc, owner="s-ana", team="desk"),
        EscalationEscalated(escalation=esc, level=2, targets=("s-lee",)),
        EscalationAcknowledged(escalation=acked, by="s-ana"),
        update(Audience.TEAM),
        update(Audience.STAKEHOLDERS),
        update(Audience.REQUESTER),
        SlaBreached(escalation=acked, kind=SlaKind.RESOLVE, due_at=now),
        EscalationAssigned(escalation=acked, owner="s-lee", team="desk", previous_owner="s-ana"),
        EscalationResolved(
            escalation=acked.model_copy(update={"status": Status.RESOLVED}),
            by="s-lee",
            resolution=Resolution.ACTIONED,
            note="Removed https://example.com/pin/4242",
        ),
    ]


def requester_traffic(world: Stakeholders, esc: EscalationSummary, path: str) -> dict[str, Any]:
    """Wait for the resolved callback and mails; return what the requester side received."""
    hooks = lambda: [r for r in world.http.received(path) if r.json()["escalation_id"] == esc.id]  # noqa: E731
    wait_for(lambda: any(r.json()["type"] == "escalation.resolved" for r in hooks()),
             what="the resolved callback")  # fmt: skip
    wait_for(lambda: len(mails(world, REPORTER, esc.id)) >= 4, what="the reporter's mails")
    wait_for(lambda: len(mails(world, SOURCE_MAIL, esc.id)) >= 4, what="the source's mails")
    wait_for(lambda: mails(world, "lee@example.com", esc.id), what="the lead's mails")
    time.sleep(1.0)  # anything extra would have arrived by now
    return {
        "hooks": hooks(),
        "reporter": mails(world, REPORTER, esc.id),
        "source": mails(world, SOURCE_MAIL, esc.id),
    }


REQUESTER_TYPES = ["escalation.received", "escalation.acknowledged",
                   "escalation.update_posted", "escalation.resolved"]  # fmt: skip


def test_requesters_hear_received_acknowledged_their_update_and_resolved_only(
    world: Stakeholders, stack: Stack
) -> None:
    """Signed callbacks and e-mails: four each, in order; team and stakeholder updates not."""
    esc = summary("s-ana")
    path = callback(world, esc.source)
    stored(world, esc, {"external_id": "EXT-77", "reporter": {"contact": REPORTER},
                        "regulatory": {"reference": "REG-5"}})  # fmt: skip
    produce(stack, *lifecycle(esc))
    got = requester_traffic(world, esc, path)
    hooks = got["hooks"]
    assert REQUESTER_TYPES == [r.json()["type"] for r in hooks]
    assert all(r.signed and verify(WEBHOOK_SECRET.encode(), r.body,
                                   r.headers["X-Escalation-Signature"], int(time.time()))
               for r in hooks)  # fmt: skip
    assert {esc.id} == {r.headers["X-Escalation-Id"] for r in hooks}
    first = hooks[0].json()
    assert (esc.id, "EXT-77", "REG-5") == (
        first["reference"], first["external_id"], first["regulatory_reference"]
    )  # fmt: skip
    assert "requester news" in hooks[2].json()["update"]
    for mail_list in (got["reporter"], got["source"]):
        subjects = [m["Subject"] for m in mail_list]
        assert 4 == len(subjects), subjects
        assert subjects[0].startswith("We received your report")
    wire = b"".join(r.body for r in hooks).decode() + "".join(
        m.as_string() for m in got["reporter"]
    )
    assert [] == [x for x in ("SECRET-DESCRIPTION", "CONTENT-ID-4242", "team news",
                              "stakeholders news") if x in wire]  # fmt: skip


def test_a_sensitive_escalation_tells_requesters_no_description_url_or_content_id(
    world: Stakeholders, stack: Stack
) -> None:
    """URLs in the update and the note are masked; nothing of the content leaves."""
    esc = summary("s-ana", area=PolicyArea.CHILD_SAFETY, sensitive=True)
    path = callback(world, esc.source)
    stored(world, esc, {"reporter": {"contact": REPORTER}})
    produce(stack, *lifecycle(esc))
    got = requester_traffic(world, esc, path)
    wire = b"".join(r.body for r in got["hooks"]).decode()
    wire += "".join(m.as_string() for m in got["reporter"] + got["source"])
    assert [] == [x for x in LEAKS if x in wire]
    assert "requester news: see [url]" in wire


def rule_hooks(world: Stakeholders, escalation_id: str) -> list[Any]:
    """Return the rule's webhook posts about the escalation."""
    return [r for r in world.http.received("/rule") if r.json()["escalation_id"] == escalation_id]


def test_a_subscription_rule_delivers_for_matching_escalations_only(
    world: Stakeholders, stack: Stack
) -> None:
    """Comms hears of the press inquiry (e-mail and webhook), not of the other escalation."""
    press, other = summary("s-ana"), summary("s-ana")
    stored(world, press, {"signals": {"press_inquiry": True}})
    stored(world, other, {})
    produce(stack, EscalationAssigned(escalation=other, owner="s-ana", team="desk"),
            EscalationAssigned(escalation=press, owner="s-ana", team="desk"))  # fmt: skip
    wait_for(lambda: mails(world, RULE_MAIL, press.id), what="the rule's e-mail")
    hooked = wait_for(lambda: rule_hooks(world, press.id), what="the rule's hook")
    wait_for(lambda: mails(world, "ana@example.com", other.id), what="the other's page")
    time.sleep(1.0)
    assert ([], True) == (mails(world, RULE_MAIL, other.id), hooked[0].signed)
    assert [] == rule_hooks(world, other.id)
    rows = world.notifier.rows(
        "SELECT recipient, channel FROM deliveries WHERE escalation_id = $1 "
        "AND recipient LIKE 'rule:%' ORDER BY channel", press.id,
    )  # fmt: skip
    assert [("rule:comms-press:0", "email"), ("rule:comms-press:1", "webhook")] == [
        tuple(r) for r in rows
    ]


def test_subscriptions_deliver_until_unsubscribed(world: Stakeholders, stack: Stack) -> None:
    """An e-mail and a webhook subscribe; the webhook leaves; only the e-mail hears the ack."""
    esc = summary("s-ana")
    stored(world, esc, {})
    subscribe(world, esc, "email", WATCHER)
    hook = subscribe(world, esc, "webhook", world.http.url("/sub/hook"))
    produce(stack, EscalationAssigned(escalation=esc, owner="s-ana", team="desk"))
    wait_for(lambda: mails(world, WATCHER, esc.id), what="the watcher's first mail")
    wait_for(lambda: world.http.received("/sub/hook"), what="the subscribed hook")
    world.notifier.rows(
        "UPDATE escalation_subscriptions SET removed_at = now(), removed_by = 's-lee' "
        "WHERE id = $1", hook,
    )  # fmt: skip
    acked = esc.model_copy(update={"status": Status.ACKNOWLEDGED})
    produce(stack, EscalationAcknowledged(escalation=acked, by="s-ana"))
    wait_for(lambda: len(mails(world, WATCHER, esc.id)) >= 2, what="the watcher's second mail")
    time.sleep(1.0)
    hooks = [r for r in world.http.received("/sub/hook") if r.json()["escalation_id"] == esc.id]
    assert ["escalation.assigned"] == [r.json()["type"] for r in hooks]
    ledger = world.notifier.rows(
        "SELECT body::text FROM deliveries WHERE escalation_id = $1", esc.id
    )
    assert [] == [r for r in ledger if "/sub/hook" in r[0] or WATCHER in r[0]]
