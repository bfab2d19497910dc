"""Who hears what: targets, owner and lead, quiet hours, and the sensitive-content rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from escalations.contracts.events import EscalationEscalated, SlaBreached, SlaKind
from escalations.core.escalation import PolicyArea, Tier
from tests.support import wait_for as wait_until

from .conftest import Desk
from .harness import assigned, produce, summary

pytestmark = pytest.mark.e2e
SENSITIVE = [
    PolicyArea.CHILD_SAFETY, PolicyArea.NCII, PolicyArea.GRAPHIC_VIOLENCE, PolicyArea.SELF_HARM,
    PolicyArea.VIOLENT_EXTREMISM, PolicyArea.HUMAN_EXPLOITATION,
]  # fmt: skip
LEAKS = ("SECRET-DESCRIPTION", "CONTENT-ID-4242", "example.com/pin")


def _mails_to(desk: Desk, escalation_id: str) -> list[str]:
    return sorted(
        m.rcpt_tos[0] for m in desk.smtp.mails if m.message["X-Escalation-Id"] == escalation_id
    )


def test_sla_breach_reaches_owner_and_team_lead(desk: Desk, stack: Any) -> None:
    """A P3 breach e-mails the owner and the team lead, once each."""
    esc = summary("n-ana", tier=Tier.P3)
    produce(stack, SlaBreached(escalation=esc, kind=SlaKind.ACKNOWLEDGE, due_at=datetime.now(UTC)))
    found = wait_until(lambda: len(m := _mails_to(desk, esc.id)) >= 2 and m, what="two mails")
    assert ["ana@example.com", "lee@example.com"] == found


def test_escalation_reaches_the_levels_targets(desk: Desk, stack: Any) -> None:
    """Level 2's targets are told, the owner is not."""
    esc = summary("n-ana", tier=Tier.P3)
    produce(stack, EscalationEscalated(escalation=esc, level=2, targets=("n-lee",)))
    assert ["lee@example.com"] == wait_until(lambda: _mails_to(desk, esc.id), what="the mail")


def test_quiet_hours_hold_back_a_p1_but_not_a_p0(desk: Desk, stack: Any) -> None:
    """In quiet hours a P1 arrives by e-mail only (the webhook is held); a P0 pages."""
    p1, p0 = assigned("n-quiet", tier=Tier.P1), assigned("n-quiet", tier=Tier.P0)
    produce(stack, p1, p0)
    p0_id, p1_id = p0.escalation.id, p1.escalation.id
    wait_until(lambda: [r for r in desk.http.received("/hook/quiet") if p0_id in r.body.decode()])
    wait_until(lambda: _mails_to(desk, p1_id), what="the P1 e-mail")
    hooked = [r for r in desk.http.received("/hook/quiet") if p1_id in r.body.decode()]

    def settled() -> list[Any]:
        # The mail can arrive a moment before the ledger row is marked sent.
        found = desk.notifier.rows(
            "SELECT channel, status, last_error FROM deliveries WHERE escalation_id = $1 "
            "AND recipient = 'n-quiet' ORDER BY channel", p1_id,
        )  # fmt: skip
        return found if found and found[0][1] != "pending" else []

    rows = wait_until(settled, what="the P1 ledger rows settled")
    assert [] == hooked
    assert [("email", "sent", None), ("webhook", "held", rows[1][2])] == [tuple(r) for r in rows]
    assert rows[1][2].startswith("quiet hours ")


@pytest.fixture(scope="module")
def sensitive_ids(desk: Desk, stack: Any) -> dict[PolicyArea, str]:
    """One sensitive P1 per listed policy area, delivered on every channel."""
    payloads = {
        area: assigned("n-ana", tier=Tier.P1, area=area, sensitive=True) for area in SENSITIVE
    }
    produce(stack, *payloads.values())
    ids = {area: p.escalation.id for area, p in payloads.items()}
    for esc_id in ids.values():
        wait_until(lambda e=esc_id: _mails_to(desk, e), what="the sensitive e-mail")
        for path in ("/slack/ana", "/teams/ana", "/hook/ana", "/pd/v2/enqueue", "/slack/desk",
                     "/teams/desk"):  # fmt: skip
            wait_until(
                lambda p=path, e=esc_id: [r for r in desk.http.received(p) if e in r.body.decode()]
            )
    return ids


@pytest.mark.parametrize("area", SENSITIVE)
def test_sensitive_content_never_leaves_through_chat_or_email(
    area: PolicyArea, sensitive_ids: dict[PolicyArea, str], desk: Desk
) -> None:
    """Chat, e-mail and webhook carry title, tier, deadline and links only; the pager has all."""
    esc_id = sensitive_ids[area]
    wire = {
        path: next(r.body.decode() for r in desk.http.received(path) if esc_id in r.body.decode())
        for path in ("/slack/ana", "/teams/ana", "/hook/ana", "/slack/desk", "/teams/desk")
    }
    mail = next(m.message for m in desk.smtp.mails if m.message["X-Escalation-Id"] == esc_id)
    wire["email"] = mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()
    leaks = {where: [s for s in LEAKS if s in body] for where, body in wire.items()}
    assert {where: [] for where in wire} == leaks
    assert all("Threat against a school" in body and "P1" in body for body in wire.values())
    pager = [
        r.body.decode() for r in desk.http.received("/pd/v2/enqueue") if esc_id in r.body.decode()
    ]
    assert all(s in pager[0] for s in LEAKS)
