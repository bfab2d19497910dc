"""Quiet hours hold through a real notifier: held across a restart, sent when they end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devstack.stack import Stack
from escalations.contracts.events import EscalationAcknowledged
from escalations.core.escalation import Tier
from tests.support import wait_for as wait_until

from .harness import WEBHOOK_SECRET, assigned, notifier, person, produce, summary, team
from .receivers import HttpReceiver

pytestmark = pytest.mark.e2e
# Time to start, claim and restart before the quiet hours end (they end on a minute).
LEAD_SECONDS = 25


def _quiet_until_next_minute(now: datetime) -> tuple[dict[str, str], datetime]:
    """Quiet hours (UTC) that began an hour ago and end on the first minute after the lead."""
    end = (now + timedelta(seconds=LEAD_SECONDS + 60)).replace(second=0, microsecond=0)
    start = now - timedelta(hours=1)
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}, end


def test_a_held_page_survives_a_restart_and_goes_out_when_quiet_hours_end(
    stack: Stack, tmp_path: Path
) -> None:
    """Held, the notifier killed and restarted, then sent at the end; an acked one never is."""
    http = HttpReceiver(WEBHOOK_SECRET.encode()).start()
    quiet, end = _quiet_until_next_minute(datetime.now(UTC))
    config = {
        "people": [person("q-ana", quiet_hours=quiet, contacts={"webhook": http.url("/hook/q")})],
        "teams": [team("desk", "q-ana", ["q-ana"])],
    }
    try:
        with notifier(stack, tmp_path, "quiet-hold", config, {}) as n:
            kept = assigned("q-ana", tier=Tier.P1)
            acked_esc = summary("q-ana", tier=Tier.P1)
            dropped = assigned("q-ana", tier=Tier.P1, escalation_id=acked_esc.id)
            produce(stack, kept, dropped)

            def held() -> list[Any]:
                found = n.rows("SELECT status, next_attempt_at FROM deliveries ORDER BY 1")
                return found if len(found) == 2 and all(r[0] == "held" for r in found) else []

            assert [("held", end), ("held", end)] == [tuple(r) for r in wait_until(held)]
            produce(stack, EscalationAcknowledged(escalation=acked_esc, by="q-ana"))
            dropped_sql = "SELECT last_error FROM deliveries WHERE status = 'not_needed'"
            why = wait_until(lambda: n.rows(dropped_sql), what="the acknowledged one dropped")
            assert why[0][0].startswith("no longer needed: acknowledged at ")
            assert why[0][0].endswith(" by q-ana")
            n.kill()
            assert datetime.now(UTC) < end, "the test was too slow to restart before the end"
            n.start()
            assert [] == http.received("/hook/q")
            wait_until(lambda: http.received("/hook/q"), timeout=120, what="the release")
            arrived = datetime.now(UTC)
            assert end <= arrived < end + timedelta(seconds=15)
            sent_sql = "SELECT escalation_id FROM deliveries WHERE status = 'sent'"
            sent = wait_until(lambda: n.rows(sent_sql), what="the row marked sent")
            assert [kept.escalation.id] == [r[0] for r in sent]
            bodies = [r.body.decode() for r in http.received("/hook/q")]
            assert [True] == [kept.escalation.id in b for b in bodies]
            assert 'notifier_deliveries_total{channel="webhook",outcome="sent"} 1.0' in n.metrics()
    finally:
        http.stop()
