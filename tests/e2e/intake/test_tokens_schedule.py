"""Schedule changes made with a personal token are that person's in the router's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Live, wait_for

pytestmark = pytest.mark.e2e


def test_time_off_added_and_cancelled_with_a_token_is_the_persons(live: Live) -> None:
    """The router records a person's add and cancel as the person, not as a source."""
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"description": "cli", "scopes": ["schedules:write"], "expires_at": expires}
    with live.client() as admin:
        created = admin.post("/v1/people/liam/tokens", json=body)
    assert 201 == created.status_code, created.text
    window = {"start": "2031-07-01T00:00:00Z", "end": "2031-07-02T00:00:00Z"}
    with live.client(created.json()["token"]) as liam:
        added = liam.post("/v1/people/liam/time-off", json=window)
        assert 202 == added.status_code, added.text
        time_off_id = added.json()["id"]

        def recorded(action: str) -> list[dict[str, Any]]:
            with live.client() as reader:
                items = reader.get("/v1/people/liam/schedule-history").json()["items"]
            return [i for i in items if i["id"] == time_off_id and i["action"] == action]

        wait_for(lambda: recorded("time_off_added"), what="the time off stored")
        cancelled = liam.delete(f"/v1/people/liam/time-off/{time_off_id}")
        assert 202 == cancelled.status_code, cancelled.text
    (cancel,) = wait_for(lambda: recorded("time_off_cancelled"), what="the cancel applied")
    (add,) = recorded("time_off_added")
    assert ("liam", "liam") == (add["actor"], cancel["actor"])
