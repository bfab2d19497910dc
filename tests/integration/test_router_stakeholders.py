"""Against real Postgres: shift handoffs, update reminders and digests, each sent once.

The job is driven with explicit instants (``StakeholderJob.round(now)``): a handoff at a
DST date or a day's digest cannot be waited for in real time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import OverrideRequested, Resolution, ResolveRequested
from escalations.contracts.topics import INTAKE
from escalations.contracts.updates import Audience, UpdateRequested
from escalations.core.config import loads_config
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.domain.duty import StoredSchedule
from escalations_router.postgres import db, schedule
from escalations_router.stakeholders import StakeholderJob
from tests.e2e.router.configs import ONE_LEVEL, PEOPLE
from tests.integration.router_records import Record, received

pytestmark = pytest.mark.integration

# One team, one person on call a day, handing over at 09:00 Dublin time; every tier reminded.
CONFIG = (
    PEOPLE
    + f"""
teams:
  - id: rota
    name: Rota
    lead: lead
    schedule:
      layers:
        - name: main
          rotation: daily
          handoff: "09:00"
          timezone: Europe/Dublin
          start: 2026-01-05
          members: [aoife, bruno]
    escalation_policy:
{ONE_LEVEL}
routing: {{default_team: rota}}
stakeholders:
  update_tiers: [P0, P1, P2, P3, P4]
  update_interval: 30m
  digest: {{at: "08:00"}}
"""
)
# 2 March 2026, 09:00 in Dublin (GMT): bruno hands over to aoife (slot 56, even).
HANDOFF = datetime(2026, 3, 2, 9, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[db.Pool]:
    """A pool on this module's database, with the job's tables and the outbox emptied."""
    opened = await db.make_pool(database, size=4)
    await opened.execute(
        "TRUNCATE shift_handoffs, handoff_watermarks, team_digests, update_reminders,"
        " handoff_notes, outbox"
    )
    yield opened
    await opened.close()


@pytest.fixture
def decider() -> CoreDecider:
    """The decider over this module's configuration."""
    return CoreDecider(loads_config(CONFIG).config)


def _job(pool: db.Pool, decider: CoreDecider) -> StakeholderJob:
    return StakeholderJob(pool, decider, interval=1, reminder_batch=100, on_sent=lambda: None)


async def _events(pool: db.Pool, event_type: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT key, envelope FROM outbox WHERE envelope->>'type' = $1 ORDER BY id", event_type
    )
    found = []
    for row in rows:
        envelope = row["envelope"]
        envelope = orjson.loads(envelope) if isinstance(envelope, str) else envelope
        assert row["key"] == envelope["subject"]
        found.append(envelope)
    return found


async def _note(pool: db.Pool, text: str, at: datetime, by: str = "bruno") -> None:
    await pool.execute(
        'INSERT INTO handoff_notes (id, team, "by", text, at) VALUES ($1, $2, $3, $4, $5)',
        str(uuid.uuid4()), "rota", by, text, at,
    )  # fmt: skip


async def test_a_handoff_is_one_row_and_one_event_with_the_outgoing_note(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """The first round sets the watermark; the handoff then goes once, with the note."""
    job = _job(pool, decider)
    assert 0 == await job.handoffs(HANDOFF - 60 * MINUTE)
    note = "<b>Watch</b> ticket 7\x1b[31m; https://example.com/x"
    await _note(pool, note, HANDOFF - 30 * MINUTE)
    await _note(pool, "left two days ago", HANDOFF - timedelta(days=2))
    assert 1 == await job.handoffs(HANDOFF + MINUTE)
    assert 0 == await job.handoffs(HANDOFF + 2 * MINUTE)
    rows = await pool.fetch("SELECT team, at, outgoing, incoming, packet FROM shift_handoffs")
    assert [("rota", HANDOFF, ["bruno"], ["aoife"])] == [
        (r["team"], r["at"], r["outgoing"], r["incoming"]) for r in rows
    ]
    (event,) = await _events(pool, "shift.handoff")
    assert "rota" == event["subject"]
    data = event["data"]
    assert [note] == [n["text"] for n in data["notes"]]
    assert (data["handoff_id"], data["shift_end"]) == (
        rows[0]["packet"]["handoff_id"], "2026-03-03T09:00:00Z",
    )  # fmt: skip


async def test_repeats_concurrent_jobs_and_a_restart_neither_duplicate_nor_skip(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """Two instances at once, a new job object after a crash, a long outage: each once."""
    await _job(pool, decider).handoffs(HANDOFF - 5 * MINUTE)
    first, second = _job(pool, decider), _job(pool, decider)
    counts = await asyncio.gather(
        first.handoffs(HANDOFF + MINUTE), second.handoffs(HANDOFF + MINUTE)
    )
    assert 1 == sum(counts)
    # A crash after the instant: a new job, its state only from the database.
    assert 0 == await _job(pool, decider).handoffs(HANDOFF + 3 * MINUTE)
    # Down for ten hours across the next day's 09:00: caught up on restart, not skipped.
    restarted = _job(pool, decider)
    assert 1 == await restarted.handoffs(HANDOFF + timedelta(days=1, hours=5))
    events = await _events(pool, "shift.handoff")
    assert [HANDOFF, HANDOFF + timedelta(days=1)] == [
        datetime.fromisoformat(e["data"]["at"]) for e in events
    ]


# Dublin's clocks go back at 02:00 IST on 25 October 2026 (01:00 UTC): 09:00 that day is
# 09:00 UTC, the day before 08:00 UTC. Day 293 of the rotation (odd): aoife hands to bruno.
DST_HANDOFF = datetime(2026, 10, 25, 9, tzinfo=UTC)


async def test_the_dublin_october_handoff_goes_once_at_the_right_instant_across_a_crash(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """One packet, to bruno, at 09:00 UTC, with aoife's note; killed before, restarted after."""
    await _job(pool, decider).handoffs(DST_HANDOFF - 2 * 60 * MINUTE)
    # aoife's shift began at 08:00 UTC the day before (09:00 IST); her note is from it.
    await _note(
        pool, "NetzDG order waits for legal sign-off", DST_HANDOFF - 4 * 60 * MINUTE, "aoife"
    )
    await _note(pool, "from the shift before hers", DST_HANDOFF - 26 * 60 * MINUTE, "bruno")
    # The job's process dies one minute before the instant, a new one comes back after it.
    assert 0 == await _job(pool, decider).handoffs(DST_HANDOFF - MINUTE)
    restarted = _job(pool, decider)
    assert 1 == await restarted.handoffs(DST_HANDOFF + 20 * MINUTE)
    assert 0 == await restarted.handoffs(DST_HANDOFF + 21 * MINUTE)
    assert 0 == await _job(pool, decider).handoffs(DST_HANDOFF + 2 * 60 * MINUTE)
    (event,) = await _events(pool, "shift.handoff")
    data = event["data"]
    assert (datetime.fromisoformat(data["at"]), data["outgoing"], data["incoming"]) == (
        DST_HANDOFF, ["aoife"], ["bruno"],
    )  # fmt: skip
    assert ["NetzDG order waits for legal sign-off"] == [n["text"] for n in data["notes"]]
    # bruno's shift ends at the next day's 09:00 GMT, a full 24 hours later.
    assert DST_HANDOFF + timedelta(days=1) == datetime.fromisoformat(data["shift_end"])


async def test_a_restart_looks_back_no_further_than_the_bound(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """After three days down only the last 12 hours' handoffs are sent."""
    await _job(pool, decider).handoffs(HANDOFF - MINUTE)
    assert 1 == await _job(pool, decider).handoffs(HANDOFF + timedelta(days=3, hours=2))
    (event,) = await _events(pool, "shift.handoff")
    assert HANDOFF + timedelta(days=3) == datetime.fromisoformat(event["data"]["at"])


async def test_an_override_applied_after_its_start_was_passed_still_hands_over(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """The job passed the override's start before the router applied it: sent late, once."""
    job = _job(pool, decider)
    await job.handoffs(HANDOFF - MINUTE)
    assert 1 == await job.handoffs(HANDOFF + 30 * MINUTE)  # bruno -> aoife at 09:00
    late = OverrideRequested(
        override_id=str(uuid.uuid4()), team="rota", person="bruno",
        start=HANDOFF + 10 * MINUTE, end=HANDOFF + 60 * MINUTE,
        source="admin", requested_at=HANDOFF + 5 * MINUTE,
    )  # fmt: skip
    async with pool.acquire() as connection, connection.transaction():
        await schedule.apply(
            connection, late, "late-override", HANDOFF + 20 * MINUTE, StoredSchedule()
        )
    assert 1 == await job.handoffs(HANDOFF + 31 * MINUTE)
    assert 1 == await job.handoffs(HANDOFF + 61 * MINUTE)
    events = [e["data"] for e in await _events(pool, "shift.handoff")]
    assert [
        (HANDOFF, ["bruno"], ["aoife"]),
        (HANDOFF + 10 * MINUTE, ["aoife"], ["bruno"]),
        (HANDOFF + 60 * MINUTE, ["bruno"], ["aoife"]),
    ] == [(datetime.fromisoformat(e["at"]), e["outgoing"], e["incoming"]) for e in events]


def _command(offset: int, esc_id: str, payload: Any) -> Record:
    envelope = build_event(payload, subject=esc_id, source="/tests", time=datetime.now(UTC))
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))


async def test_reminders_once_per_interval_reset_by_an_update_stopped_by_resolve(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """Round 1 after 30 min, once; an update restarts the count; resolving stops it."""
    processor = BatchProcessor(pool, decider)
    report = received(0, "reminder-test")
    esc_id = report.key.decode()
    await processor.process([report])
    created, owner = await pool.fetchrow(
        "SELECT created_at, owner FROM escalations WHERE id = $1", esc_id
    )
    job = _job(pool, decider)
    assert 0 == (await job.round(created + 29 * MINUTE)).reminders
    assert 1 == (await job.round(created + 30 * MINUTE)).reminders
    assert 0 == (await job.round(created + 45 * MINUTE)).reminders
    assert 1 == (await _job(pool, decider).round(created + 61 * MINUTE)).reminders
    update = UpdateRequested(
        escalation_id=esc_id, by=owner, audience=Audience.TEAM, text="On it",
        source=f"person:{owner}", requested_at=datetime.now(UTC),
    )  # fmt: skip
    await processor.process([_command(1, esc_id, update)])
    posted = await pool.fetchval(
        "SELECT at FROM escalation_updates WHERE escalation_id = $1", esc_id
    )
    assert 0 == (await job.round(posted + 29 * MINUTE)).reminders
    assert 1 == (await job.round(posted + 30 * MINUTE)).reminders
    resolve = ResolveRequested(
        escalation_id=esc_id, by=owner, resolution=Resolution.ACTIONED,
        source=f"person:{owner}", requested_at=datetime.now(UTC),
    )  # fmt: skip
    await processor.process([_command(2, esc_id, resolve)])
    assert 0 == (await job.round(posted + 5 * 30 * MINUTE)).reminders
    reminders = [e["data"] for e in await _events(pool, "escalation.update_due")]
    assert [1, 2, 1] == [r["round"] for r in reminders]
    assert {owner} == {r["owner"] for r in reminders}
    assert reminders[2]["last_update_at"] is not None


async def test_a_digest_goes_once_per_lead_and_local_day(
    pool: db.Pool, decider: CoreDecider
) -> None:
    """08:00 Dublin (07:00 UTC in July): once that day, again the next day, never late."""
    job = _job(pool, decider)
    day = datetime(2026, 7, 1, tzinfo=UTC)
    assert 0 == (await job.round(day + timedelta(hours=6, minutes=59))).digests
    assert 1 == (await job.round(day + timedelta(hours=7))).digests
    assert 0 == (await _job(pool, decider).round(day + timedelta(hours=20))).digests
    # Down from before 08:00 on 2 July until after midnight: 2 July's is not sent on 3 July.
    assert 0 == (await job.round(day + timedelta(days=2, hours=0, minutes=30))).digests
    assert 1 == (await job.round(day + timedelta(days=2, hours=7, minutes=1))).digests
    digests = [e["data"] for e in await _events(pool, "team.digest")]
    assert [("rota", "lead", "2026-07-01"), ("rota", "lead", "2026-07-03")] == [
        (d["team"], d["lead"], d["day"]) for d in digests
    ]
