"""A running notifier's log lines about an event carry its escalation id and event id."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from escalations.core.escalation import Tier
from tests.e2e.notifier.conftest import Desk
from tests.e2e.notifier.harness import assigned, dlq_records, produce
from tests.support import wait_for as wait_until

pytestmark = pytest.mark.e2e


def _lines(desk: Desk, text: str) -> list[dict[str, Any]]:
    # The whole log: the desk notifier is shared by the package's tests and reads every
    # event on the topic, so the lines about this test's events need not be the last ones.
    found = [orjson.loads(x) for x in desk.notifier.whole_log().splitlines() if text in x]
    return [line for line in found if text in line["msg"]]


def test_a_parked_delivery_and_an_unknown_person_are_logged_with_their_ids(
    desk: Desk, stack: Any
) -> None:
    """The receiver refusing for good, and an owner missing from the configuration."""
    desk.http.fail("/hook/lee", 410)
    parked, ghost = produce(stack, assigned("n-lee", tier=Tier.P2), assigned("n-ghost"))
    assert dlq_records(stack, parked.id)
    # The notifier logs the parking once the broker has taken the record, so the record can
    # be read back a moment before the line is written: wait for the line too.
    (line,) = wait_until(
        lambda: [x for x in _lines(desk, "delivery parked") if x.get("event_id") == parked.id],
        what="the parked delivery's log line",
    )
    assert (parked.subject, "webhook", "error") == (
        line["escalation_id"], line["channel"], line["level"],
    )  # fmt: skip
    (line,) = wait_until(lambda: _lines(desk, "cannot notify n-ghost"), what="the warning")
    assert (ghost.subject, ghost.id, "warning") == (
        line["escalation_id"], line["event_id"], line["level"],
    )  # fmt: skip
