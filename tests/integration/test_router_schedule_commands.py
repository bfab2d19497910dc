"""Against real Postgres: the router applies schedule adds and cancels once, with history."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.db.live_state import read_load, read_schedule
from escalations_router.domain.duty import StoredSchedule
from escalations_router.postgres import db, schedule

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
async def connection(database: str) -> AsyncIterator[Any]:
    """A router connection (JSON codecs as the router sets them) on the module's database."""
    pool = db.make_pool(database)
    await pool
    async with pool.acquire() as conn:
        yield conn
    await pool.close()


def _override(override_id: str, start: datetime, end: datetime) -> OverrideRequested:
    return OverrideRequested(
        override_id=override_id, team="desk", person="ann", start=start, end=end,
        source="admin", requested_at=NOW,
    )  # fmt: skip


async def _history(connection: Any, item_id: str) -> list[tuple[str, str | None]]:
    rows = await connection.fetch(
        "SELECT action, reason FROM schedule_history WHERE item_id = $1 ORDER BY id", item_id
    )
    return [(row["action"], row["reason"]) for row in rows]


async def test_a_repeated_add_stores_one_row_and_one_history_entry(connection: Any) -> None:
    """Applying the same override twice leaves one override and one ``override_added``."""
    override_id = str(uuid.uuid4())
    cmd = _override(override_id, NOW + HOUR, NOW + 3 * HOUR)
    live = await schedule.apply(connection, cmd, "e1", NOW, StoredSchedule())
    await schedule.apply(connection, cmd, "e1", NOW, StoredSchedule())
    stored = await connection.fetch("SELECT id FROM schedule_overrides WHERE id = $1", override_id)
    assert (1, [("override_added", None)]) == (len(stored), await _history(connection, override_id))
    assert [("ann", NOW + HOUR)] == [(o.person, o.start) for o in live.overrides]


async def test_cancelling_a_running_override_ends_it_now_once(connection: Any) -> None:
    """A running override is cut at the cancel; a second cancel changes nothing."""
    override_id = str(uuid.uuid4())
    await schedule.apply(
        connection, _override(override_id, NOW - HOUR, NOW + HOUR), "e2", NOW, StoredSchedule()
    )
    cancel = OverrideCancelRequested(
        override_id=override_id, team="desk", reason="called off", source="admin",
        requested_at=NOW,
    )  # fmt: skip
    later = NOW + timedelta(minutes=5)
    live = await schedule.apply(connection, cancel, "e3", later, StoredSchedule())
    again = await schedule.apply(connection, cancel, "e4", later, live)
    end = await connection.fetchval(
        "SELECT end_at FROM schedule_overrides WHERE id = $1", override_id
    )
    assert later == end
    assert again is live
    assert [("override_added", None), ("override_cancelled", "called off")] == await _history(
        connection, override_id
    )
    overrides, _ = await read_schedule(connection, later)
    assert [] == [o for o in overrides if o.start == NOW - HOUR]


async def test_cancelling_future_time_off_removes_it(connection: Any) -> None:
    """Time off not yet started is deleted by a cancel, and the history keeps its window."""
    time_off_id = str(uuid.uuid4())
    add = TimeOffRequested(
        time_off_id=time_off_id, person="bob", start=NOW + HOUR, end=NOW + 5 * HOUR,
        reason="dentist", source="admin", requested_at=NOW,
    )  # fmt: skip
    await schedule.apply(connection, add, "e5", NOW, StoredSchedule())
    cancel = TimeOffCancelRequested(
        time_off_id=time_off_id, person="bob", source="admin", requested_at=NOW
    )
    live = await schedule.apply(connection, cancel, "e6", NOW, StoredSchedule())
    left = await connection.fetch("SELECT id FROM time_off WHERE id = $1", time_off_id)
    window = await connection.fetchrow(
        "SELECT start_at, end_at, actor FROM schedule_history "
        "WHERE item_id = $1 AND action = 'time_off_cancelled'",
        time_off_id,
    )
    assert ([], (NOW + HOUR, NOW + 5 * HOUR, "system:admin")) == (left, tuple(window))
    assert [] == [t for t in live.time_off if (t.person, t.start) == ("bob", NOW + HOUR)]


async def test_a_cancel_naming_another_team_changes_nothing(connection: Any) -> None:
    """An override is cancelled only through its own team."""
    override_id = str(uuid.uuid4())
    await schedule.apply(
        connection, _override(override_id, NOW + HOUR, NOW + 2 * HOUR), "e7", NOW, StoredSchedule()
    )
    cancel = OverrideCancelRequested(
        override_id=override_id, team="other", source="admin", requested_at=NOW
    )
    await schedule.apply(connection, cancel, "e8", NOW, StoredSchedule())
    assert [("override_added", None)] == await _history(connection, override_id)


async def test_person_load_reads_as_the_router_stores_it(connection: Any) -> None:
    """The shared reader returns the stored load (graphic stamps as instants)."""
    await connection.execute(
        "INSERT INTO router_person_load (person, last_assigned_at, open_count, assigned_total, "
        "graphic_at) VALUES ('zoe', $1, 2, 5, $2) ON CONFLICT (person) DO NOTHING",
        NOW,
        [NOW.isoformat()],
    )
    found = await read_load(connection, ["zoe", "nobody"])
    assert {"zoe"} == set(found)
    assert (NOW, 2, (NOW,)) == (
        found["zoe"].last_assigned_at,
        found["zoe"].open_count,
        found["zoe"].graphic_at,
    )
