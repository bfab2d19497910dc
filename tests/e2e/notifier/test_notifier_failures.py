"""Failing receivers: retried and delivered once; dead for good -> DLQ -> replay once."""

from __future__ import annotations

from typing import Any

import pytest

from escalations.core.escalation import Tier
from tests.support import wait_for as wait_until

from .conftest import Desk
from .harness import assigned, dlq_records, produce

pytestmark = pytest.mark.e2e


def test_receiver_failing_five_times_then_recovering_gets_it_once(desk: Desk, stack: Any) -> None:
    """Five 503s, then 202: six requests, one accepted, ledger says sent after 6 attempts."""
    desk.flaky.fail("/hook/flaky", 503, 503, 503, 503, 503)
    payload = assigned("n-flaky", tier=Tier.P2)
    envelope = produce(stack, payload)[0]
    wait_until(lambda: desk.flaky.received("/hook/flaky"), what="the delivery")
    every = desk.flaky.received("/hook/flaky", accepted_only=False)
    assert ([503] * 5 + [202], 1) == (
        [r.status for r in every],
        len(desk.flaky.received("/hook/flaky")),
    )
    rows = desk.notifier.rows(
        "SELECT status, attempts FROM deliveries WHERE event_id = $1", envelope.id
    )
    assert [("sent", 6)] == [tuple(r) for r in rows]


def test_dead_receiver_goes_to_the_dlq_and_replay_delivers_once(desk: Desk, stack: Any) -> None:
    """Max attempts -> DLQ record with the last error; replay after recovery sends it once."""
    desk.dead.down("/hook/dead")
    envelope = produce(stack, assigned("n-dead", tier=Tier.P2))[0]
    records = dlq_records(stack, envelope.id)
    assert [("webhook", "n-dead", 6, "webhook answered 503")] == [
        (r["channel"], r["recipient"], r["attempts"], r["last_error"]) for r in records
    ]
    wait_until(lambda: desk.notifier.rows(
        "SELECT 1 FROM deliveries WHERE event_id = $1 AND status = 'dead_lettered'", envelope.id
    ), what="the ledger marks it parked")  # fmt: skip
    listing = desk.notifier.dlq_cli("list")
    line = next(
        line for line in listing.stdout.splitlines() if envelope.data["escalation"]["id"] in line
    )
    delivery_id = line.split()[0]
    assert (0, "webhook answered 503") == (listing.returncode, line.split("  ")[-1])

    desk.dead.up("/hook/dead")
    replay = desk.notifier.dlq_cli("replay", "--id", delivery_id)
    assert (0, f"replayed 1 deliveries: {delivery_id}") == (
        replay.returncode,
        replay.stdout.strip(),
    )
    wait_until(lambda: desk.dead.received("/hook/dead"), what="the replayed delivery")
    again = desk.notifier.dlq_cli("replay", "--id", delivery_id)
    assert (1, "not parked") == (again.returncode, again.stderr.split(" (")[0])
    rows = desk.notifier.rows("SELECT status FROM deliveries WHERE event_id = $1", envelope.id)
    wait_until(
        lambda: desk.notifier.rows(
            "SELECT 1 FROM deliveries WHERE event_id = $1 AND status = 'sent'", envelope.id
        )
    )
    assert 1 == len(desk.dead.received("/hook/dead"))
    assert 1 == len(rows)


def test_secrets_never_reach_errors_or_logs(desk: Desk) -> None:
    """No SMTP password or webhook secret in the ledger's errors or the notifier's log."""
    from .conftest import SMTP_PASSWORD
    from .harness import WEBHOOK_SECRET

    errors = " ".join(r[0] or "" for r in desk.notifier.rows("SELECT last_error FROM deliveries"))
    log = desk.notifier.whole_log()
    assert [] == [s for s in (SMTP_PASSWORD, WEBHOOK_SECRET) if s in errors or s in log]
