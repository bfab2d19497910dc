"""Hand-written fakes of the router's ports, shared by its unit tests.

``FakeUnitOfWork`` is the batch's storage (``batch.unit_of_work``) in dicts and lists: what
it holds changes only on commit, so a failed batch leaves it as it was. ``FakeDecider``
(``domain.decider.Decider``) and ``FakeWorks`` (``domain.rise.Clockwork``) stand in for the
configuration. The relay's connection and producer answer from fixed data and record what
they were asked.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson

from escalations.audit.chain import Draft
from escalations.contracts.events import (
    Deadlines,
    EscalationReceived,
    OverrideRequested,
    TimeOffRequested,
)
from escalations.core.assignment import PersonHistory
from escalations.core.escalation import Tier
from escalations.core.policy import EscalationPolicy
from escalations.core.priority_config import TierSla
from escalations.core.refire import Missing
from escalations_router.domain.decider import Rescore, StoredDecision
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.refire import placed_or_missing
from escalations_router.domain.rise import Rise
from escalations_router.domain.schedule import LiveSchedule, ScheduleCommand, with_command
from escalations_router.postgres.writes import Writes
from escalations_router.relay import Row


class Queued(NamedTuple):
    """One committed outbox row, its envelope decoded."""

    topic: str
    key: str
    event: dict[str, Any]


class FakeUnitOfWork:
    """The batch's storage in memory; ``begin`` starts a unit of work on it (itself)."""

    def __init__(self) -> None:
        self.escalations: dict[str, Escalation] = {}
        self.clocks: dict[str, Clock] = {}
        self.people: dict[str, PersonHistory] = {}
        self.processed: set[str] = set()
        self.outbox: list[Queued] = []
        self.history: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []  # ``escalation_updates`` rows, committed
        self.audit: list[Draft] = []  # the router's own actions, committed (``Writes.audit``)
        self.schedule = StoredSchedule()
        self.schedule_commands: list[tuple[str, ScheduleCommand]] = []
        # Set to make the next flush fail with it (a lost connection, say).
        self.flush_error: BaseException | None = None
        self.committed = False
        self.rolled_back = False
        self._staged: Writes | None = None
        self._commands: list[tuple[str, ScheduleCommand]] = []

    async def begin(self) -> FakeUnitOfWork:
        """Start a unit of work: nothing staged, neither committed nor rolled back."""
        self.committed = self.rolled_back = False
        self._staged, self._commands = None, []
        return self

    async def lock_escalations(
        self, ids: Iterable[str], reports: list[tuple[str, EscalationReceived]]
    ) -> dict[str, Escalation]:
        """Return copies of the stored escalations asked for and those re-fires walk to."""
        rows = {i: copy.deepcopy(self.escalations[i]) for i in ids if i in self.escalations}
        while True:
            wanted = set()
            for subject, event in reports:
                found = placed_or_missing(rows, subject, event)
                if isinstance(found, Missing) and found.id in self.escalations:
                    wanted.add(found.id)
            if not wanted - rows.keys():
                return rows
            rows.update((i, copy.deepcopy(self.escalations[i])) for i in wanted)

    async def load_schedule(
        self, now: datetime, event_ids: list[str], live: LiveSchedule
    ) -> tuple[StoredSchedule, set[str]]:
        """Return the stored schedule and which of these events were processed."""
        return self.schedule, {i for i in event_ids if i in self.processed}

    async def load_clocks(self, ids: Iterable[str]) -> dict[str, Clock]:
        """Return copies of the stored clocks of these escalations."""
        return {i: copy.deepcopy(self.clocks[i]) for i in ids if i in self.clocks}

    async def lock_people(self, people: Iterable[str]) -> dict[str, PersonHistory]:
        """Return the load of these people, an idle one for those not stored."""
        return {p: self.people.get(p, PersonHistory()) for p in people}

    async def read_people(self, people: Iterable[str]) -> dict[str, PersonHistory]:
        """Return the load of the stored people among these."""
        return {p: self.people[p] for p in people if p in self.people}

    async def apply_schedule(
        self, cmd: ScheduleCommand, event_id: str, now: datetime, live: StoredSchedule
    ) -> StoredSchedule:
        """Keep the command for the commit; an add changes the schedule decisions see."""
        self._commands.append((event_id, cmd))
        if isinstance(cmd, (OverrideRequested, TimeOffRequested)):
            return with_command(live, cmd)
        return live

    async def flush(self, writes: Writes) -> dict[str, int]:
        """Stage the writes for the commit (or fail with ``flush_error``)."""
        if self.flush_error is not None:
            raise self.flush_error
        self._staged = writes
        start = len(self.outbox) + 1
        return {row["event_id"]: start + n for n, row in enumerate(writes.outbox)}

    async def commit(self) -> None:
        """Store what was staged."""
        writes = self._staged or Writes()
        for row in (*writes.escalations, *writes.changed.values()):
            self.escalations[row.id] = copy.deepcopy(row)
        for clock in (*writes.clocks, *writes.changed_clocks.values()):
            self.clocks[clock.escalation_id] = copy.deepcopy(clock)
        for person in writes.people:
            self.people[str(person["p"])] = PersonHistory(
                last_assigned_at=person["last"],  # type: ignore[arg-type]
                open_count=person["open"],  # type: ignore[arg-type]
                graphic_at=person["graphic"],  # type: ignore[arg-type]
            )
        self.processed.update(row["event_id"] for row in writes.processed)
        self.history.extend(writes.history)
        self.updates.extend(writes.updates)
        self.audit.extend(writes.audit)
        self.outbox.extend(
            Queued(row["topic"], row["key"], orjson.loads(envelope))
            for row, envelope in zip(writes.outbox, writes.envelopes, strict=True)
        )
        self.schedule_commands.extend(self._commands)
        for _, cmd in self._commands:
            if isinstance(cmd, (OverrideRequested, TimeOffRequested)):
                self.schedule = with_command(self.schedule, cmd)
        self.committed = True

    async def release(self) -> None:
        """Nothing to give back."""

    async def rollback(self) -> None:
        """Drop what was staged."""
        self._staged, self._commands = None, []
        self.rolled_back = True


@dataclass
class FakeDecider:
    """Assigns to a fixed owner; rescoring returns whatever tier the test sets."""

    owner: str | None = "aoife"
    rescore_tier: Tier = Tier.P3
    on_duty: set[str] = field(default_factory=lambda: {"aoife", "ciaran"})
    people: set[str] = field(default_factory=lambda: {"aoife", "ciaran", "niamh"})
    retry_window: timedelta = timedelta(minutes=10)

    def decide(self, received: EscalationReceived, *, at: datetime) -> StoredDecision:
        return StoredDecision(
            tier=Tier.P1,
            score=60,
            reasons=[{"factor": "severity", "points": 60, "detail": "test"}],
            deadlines=Deadlines(acknowledge_by=at + timedelta(minutes=15)),
            team="dublin",
            owner=self.owner,
            assignment={"summary": "round robin"},
        )

    def rescore(self, received: EscalationReceived, *, reports: int, at: datetime) -> Rescore:
        return Rescore(self.rescore_tier, 10 * reports, [])

    def knows_person(self, person_id: str) -> bool:
        return person_id in self.people

    def may_act(self, team: str | None, owner: str | None, person_id: str, at: datetime) -> bool:
        return person_id == owner or person_id in self.on_duty


# What ``FakeWorks`` gives P0: five minutes to acknowledge, four hours to resolve.
P0_SLA = TierSla(acknowledge=timedelta(minutes=5), resolve=timedelta(hours=4))


@dataclass
class FakeWorks:
    """Pages 'lead' at level 2; rising returns whatever the test sets."""

    risen: Tier = Tier.P0
    next_rise: datetime | None = None
    pages: list[tuple[int, datetime]] = field(default_factory=list)

    def sla(self, tier: Tier) -> TierSla:
        return (
            P0_SLA
            if tier is Tier.P0
            else TierSla(acknowledge=timedelta(hours=1), resolve=timedelta(hours=72))
        )

    def level_targets(
        self, team: str | None, policy: EscalationPolicy, level: int, at: datetime
    ) -> tuple[str, ...]:
        self.pages.append((level, at))
        return ("lead",) if level == 2 else ("aoife",)

    def rise(self, row: Escalation, at: datetime) -> Rise:
        return Rise(self.risen, row.score, [], self.next_rise)


@dataclass
class FakeOutboxConnection:
    """Answers the relay's reads with nothing unsent (or what a test queues), and records them."""

    reads: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[list[Row]] = field(default_factory=list)
    during_read: list[Callable[[], None]] = field(default_factory=list)

    async def fetch(self, query: str, *args: Any) -> list[Row]:
        self.reads.append(args)
        while self.during_read:
            self.during_read.pop(0)()
        return self.answers.pop(0) if self.answers else []

    async def fetchval(self, query: str, *args: Any) -> int:
        return 0  # the backlog


@dataclass
class FakeProducer:
    """Acknowledges every send at once, and records it."""

    sent: list[tuple[str, bytes, bytes]] = field(default_factory=list)

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> Any:
        self.sent.append((topic, key, value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
