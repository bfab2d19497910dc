"""Apply a batch's decoded events to the escalations it has locked: the per-event dispatch.

A report places or re-fires an escalation and assigns it; a command runs the state machine;
a schedule command changes the stored schedule (through the unit of work). Each outcome
starts or moves the escalation's clock and lands in the batch's writes (``fire``); they are
written when the batch is (``write``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from escalations.contracts.events import (
    AcknowledgeRequested,
    EscalationReceived,
    OverrideRequested,
    ReassignRequested,
    ResolveRequested,
    RevealRequested,
    TimeOffRequested,
)
from escalations.contracts.updates import UpdatePosted, UpdateRequested
from escalations.core.escalation import Tier
from escalations.logs import log_context
from escalations_router.batch.dead_letters import park
from escalations_router.batch.decode import SCHEDULE_COMMANDS, Parsed
from escalations_router.batch.fire import Ledger, fire
from escalations_router.batch.unit_of_work import UnitOfWork
from escalations_router.domain import refire, reveal, schedule, updates
from escalations_router.domain.core_decider import BoundDecider
from escalations_router.domain.outcome import Outcome
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.state import (
    is_system_actor,
    on_acknowledge,
    on_reassign,
    on_received,
    on_resolve,
)
from escalations_router.domain.timers import new_clock, restart
from escalations_router.postgres import refire as refire_sql

log = logging.getLogger(__name__)
Handler = Callable[[Escalation, Any, BoundDecider, datetime], Outcome]

COMMANDS: dict[type[BaseModel], Handler] = {
    AcknowledgeRequested: on_acknowledge,
    ResolveRequested: on_resolve,
    ReassignRequested: on_reassign,
    RevealRequested: reveal.on_reveal,
}


@dataclass
class Batch(Ledger):
    """The working set of one unit of work: what it loaded, and what it writes (``Ledger``)."""

    uow: UnitOfWork
    now: datetime
    rows: dict[str, Escalation]
    clocks: dict[str, Clock]
    decider: BoundDecider
    applied: list[str] = field(default_factory=list)


def fresh(parsed: list[Parsed], done: set[str]) -> list[Parsed]:
    """Drop events already processed, and repeats of one event within the batch."""
    seen = set(done)
    todo = []
    for item in parsed:
        if item.envelope.id in seen:
            continue
        seen.add(item.envelope.id)
        todo.append(item)
    return todo


def people_in_play(
    todo: list[Parsed], rows: dict[str, Escalation], decider: BoundDecider, now: datetime
) -> set[str]:
    """Return everyone the batch may assign or release, to lock their load up front."""
    people: set[str] = set()
    for item in todo:
        payload = item.payload
        row = rows.get(item.envelope.subject)
        if isinstance(payload, EscalationReceived) and (row is None or row.status == "resolved"):
            try:
                people |= decider.candidates(payload, now)
            except (ValueError, LookupError):
                continue  # decide fails the same way later and parks the event
        elif isinstance(payload, (OverrideRequested, TimeOffRequested)):
            people.add(payload.person)
        elif row is not None and row.owner is not None:
            people.add(row.owner)
        if isinstance(payload, ReassignRequested):
            people.add(payload.to)
        elif isinstance(payload, RevealRequested) and decider.knows_person(payload.by):
            people.add(payload.by)  # a reveal counts toward their exposure
    return people


async def apply_event(batch: Batch, item: Parsed) -> None:
    """Apply one fresh event to the batch and mark it processed."""
    payload = item.payload
    # Every line logged while the event is applied carries its ids (docs/operations.md);
    # a schedule command's subject is a team or a person, not an escalation.
    subject = None if isinstance(payload, SCHEDULE_COMMANDS) else item.envelope.subject
    with log_context(escalation_id=subject, event_id=item.envelope.id):
        if isinstance(payload, SCHEDULE_COMMANDS):
            await _schedule(batch, item, payload)
        else:
            _escalation(batch, item)
    batch.writes.mark_processed(item.envelope.id, batch.now)
    batch.applied.append(item.envelope.type)


async def _schedule(batch: Batch, item: Parsed, cmd: schedule.ScheduleCommand) -> None:
    error = schedule.problem(cmd, batch.decider.config)
    if error is not None:
        park(batch.writes, item.record, "invalid_command", error, batch.now)
        return
    live = batch.decider.schedule
    applied = await batch.uow.apply_schedule(cmd, item.envelope.id, batch.now, live)
    if applied is not live:
        batch.decider.reschedule(applied)
    log.info("applied %s for %s", item.envelope.type, item.envelope.subject)


def _escalation(batch: Batch, item: Parsed) -> None:
    esc_id = item.envelope.subject
    payload = item.payload
    placed = None
    if isinstance(payload, EscalationReceived):
        try:
            placed = refire.placed(batch.rows, esc_id, payload)
        except (ValueError, LookupError) as exc:
            park(batch.writes, item.record, "handler_error", repr(exc), batch.now)
            return
        payload, esc_id = placed.event, placed.event.escalation_id
    row = batch.rows.get(esc_id)
    # ``__dict__``: most payloads have no ``by``, and a missing pydantic attribute raises.
    if row is None and is_system_actor(payload.__dict__.get("by", "")):
        # An integration closing an alert the router never saw (it fired before the
        # integration existed): nothing to do, and nothing an operator must replay.
        log.info("dropped %s for unknown escalation %s", item.envelope.type, esc_id)
        return
    if row is None and not isinstance(payload, EscalationReceived):
        park(
            batch.writes,
            item.record,
            "unknown_escalation",
            f"no escalation {esc_id}",
            batch.now,
        )
        return
    owner = row.owner if row is not None else None
    try:
        if placed is not None:
            generation = placed.generation
            outcome = on_received(row, placed.event, batch.decider, batch.now, generation)
        elif isinstance(payload, UpdateRequested):
            assert row is not None
            new_id = updates.update_id(item.envelope.id)
            outcome = updates.on_update(row, payload, batch.decider, batch.now, new_id)
        else:
            assert row is not None
            outcome = COMMANDS[type(payload)](row, payload, batch.decider, batch.now)
    except (ValueError, LookupError, TypeError) as exc:
        # A bug or a configuration the core cannot apply to this input: park the event
        # with the error rather than block the partition.
        park(batch.writes, item.record, "handler_error", repr(exc), batch.now)
        return
    if outcome.row is None:
        return
    if isinstance(payload, RevealRequested):
        seen_at = reveal.exposure(outcome, payload, batch.now)
        if seen_at is not None:
            batch.decider.book.exposed(payload.by, seen_at)
    batch.writes.updates.extend(
        updates.stored(event) for event in outcome.events if isinstance(event, UpdatePosted)
    )
    new = row is None
    row = outcome.row
    batch.rows[esc_id] = row
    if new:
        batch.writes.escalations.append(row)
        batch.created.add(esc_id)
    clock = _clock(batch, row, outcome, owner)
    fire(batch, row, clock, batch.decider, batch.now, event_id=item.envelope.id, outcome=outcome)
    if new and placed is not None and placed.predecessor is not None:
        predecessor, event_id = placed.predecessor, item.envelope.id
        refire_sql.link(batch.writes, predecessor, batch.created, esc_id, event_id, batch.now)


def _clock(batch: Batch, row: Escalation, outcome: Outcome, owner: str | None) -> Clock:
    """Return the escalation's clock (a new one for a new escalation), moved by the outcome."""
    decider, now = batch.decider, batch.now
    esc_id = row.id
    clock = batch.clocks.get(esc_id)
    if clock is None:
        rescore_at = decider.rescore_at.get(esc_id)
        sla = decider.sla(Tier(row.tier))
        clock = new_clock(
            row,
            sla,
            warning_share=decider.warning_share,
            rescore_at=rescore_at,
            now=row.created_at,
        )
        batch.clocks[esc_id] = clock
        batch.writes.clocks.append(clock)
        batch.created_clocks.add(esc_id)
    actions = {change.action for change in outcome.changes}
    if "reassigned" in actions:
        restart(row, clock, now)
        decider.book.closed(owner)
        if row.owner is not None:
            graphic = bool((row.assignment or {}).get("graphic"))
            decider.book.assigned(row.owner, now, graphic=graphic)
    elif "resolved" in actions:
        decider.book.closed(owner)
    return clock
