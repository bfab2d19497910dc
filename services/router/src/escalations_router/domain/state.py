"""The escalation state machine: a handler per input event, no I/O.

Each handler takes the current escalation record (or None), the event payload, the decider
and the time, changes or creates the record, and returns the history entries and outgoing
events (``outcome.Outcome``).
Illegal commands are recorded in the history with the reason and change nothing else.
"""

from __future__ import annotations

from datetime import datetime

from escalations.contracts.events import (
    AcknowledgeRequested,
    DuplicateMerged,
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationReceived,
    EscalationResolved,
    ReassignRequested,
    ResolveRequested,
    Status,
)
from escalations.contracts.stakeholders import EscalationUnassigned
from escalations.core.escalation import Tier
from escalations_router.domain import retried
from escalations_router.domain.decider import Decider
from escalations_router.domain.outcome import SYSTEM, Change, Outcome, Payload
from escalations_router.domain.records import Escalation
from escalations_router.domain.views import summary, summary_data

SYSTEM_PREFIX = "system:"
OPEN = frozenset({Status.RECEIVED, Status.ASSIGNED, Status.ESCALATED})
NOBODY = "nobody on duty"


def is_system_actor(actor: str) -> bool:
    """Return whether an actor is an integration (``system:<source>``), not a person."""
    return actor.startswith(SYSTEM_PREFIX)


def _system_may_act(row: Escalation, actor: str) -> bool:
    # An integration may close what it opened (PagerDuty resolve, Alertmanager resolved),
    # never someone else's escalation.
    return actor == SYSTEM_PREFIX + row.source


def _system_rule(actor: str) -> str:
    return f"{actor} may only act on escalations from source {actor.removeprefix(SYSTEM_PREFIX)}"


def _paged(row: Escalation) -> list[str]:
    return list((row.assignment or {}).get("paged", []))


def on_received(
    row: Escalation | None,
    event: EscalationReceived,
    decider: Decider,
    now: datetime,
    generation: int = 0,
) -> Outcome:
    """Create and assign a new escalation, or merge a repeat report into the existing one.

    A new one is ``generation`` of its key and links back to ``event.follows``, if set.
    """
    if row is not None:
        earlier = retried.note(row, event, decider.retry_window)
        if earlier is not None:
            return _not_counted(row, event, earlier.at, now)
        return _merge_duplicate(row, event, decider, now)
    decision = decider.decide(event, at=now)
    request = event.request
    status = Status.ASSIGNED if decision.owner else Status.RECEIVED
    row = Escalation(
        id=event.escalation_id,
        source=event.source,
        source_kind=event.source_kind.value,
        external_id=request.external_id,
        status=status.value,
        title=request.title,
        policy_area=request.policy_area.value,
        tier=decision.tier.value,
        score=decision.score,
        team=decision.team,
        owner=decision.owner,
        level=1,
        reports=1,
        request=request.model_dump(mode="json"),
        priority={
            "tier": decision.tier.value,
            "score": decision.score,
            "reasons": decision.reasons,
        },
        assignment={"route": decision.route, **decision.assignment},
        policy_snapshot=decision.policy_snapshot,
        acknowledge_by=decision.deadlines.acknowledge_by,
        resolve_by=decision.deadlines.resolve_by,
        regulatory_deadline=decision.deadlines.regulatory_deadline,
        received_at=event.received_at,
        created_at=now,
        updated_at=now,
        acknowledged_at=None,
        resolved_at=None,
        version=1,
        generation=generation,
        follows=event.follows,
        followed_by=None,
        report_fingerprints=retried.first(event),
    )
    refired = f"fired again after {event.follows} was resolved" if event.follows else None
    changes = [Change("received", event.source, None, Status.RECEIVED, refired)]
    escalation = summary_data(row, row.request, request.signals.graphic)
    if decision.owner is None:
        changes.append(Change("unassigned", SYSTEM, Status.RECEIVED, Status.RECEIVED, NOBODY))
        # The requester and subscribers still hear it was received (docs/router.md,
        # "Stakeholders: reminders, handoffs, digests").
        unassigned = {"escalation": escalation, "reason": NOBODY}
        return Outcome(row, changes, [Payload(EscalationUnassigned, unassigned)])
    reason = f"team {decision.team}: {decision.assignment.get('summary', 'assigned')}"
    changes.append(Change("assigned", SYSTEM, Status.RECEIVED, Status.ASSIGNED, reason))
    assigned = {
        "escalation": escalation,
        "owner": decision.owner,
        "team": decision.team,
        "previous_owner": None,
        "reassigned_by": None,
    }
    return Outcome(row, changes, [Payload(EscalationAssigned, assigned)])


def _merge_duplicate(
    row: Escalation, event: EscalationReceived, decider: Decider, now: datetime
) -> Outcome:
    previous = Tier(row.tier)
    row.reports += 1
    rescored = decider.rescore(event, reports=row.reports, at=now)
    # Another report can make an escalation more urgent, never less.
    tier = previous.most_urgent(rescored.tier)
    row.tier = tier.value
    row.score = max(row.score, rescored.score)
    row.priority = {"tier": tier.value, "score": row.score, "reasons": rescored.reasons}
    # A rise moves the deadlines from this instant, in the clock (``rise.raise_tier``).
    row.updated_at = now
    row.version += 1
    status = Status(row.status)
    reason = f"report {row.reports} from {event.source}; tier {previous} -> {tier}"
    merged = DuplicateMerged(
        escalation=summary(row), reports=row.reports, previous_tier=previous, tier=tier
    )
    return Outcome(
        row, [Change("duplicate_merged", event.source, status, status, reason)], [merged]
    )


def _not_counted(
    row: Escalation, event: EscalationReceived, earlier: datetime, now: datetime
) -> Outcome:
    """Record a client's retry of a report already taken: no count, no score, no event."""
    row.updated_at = now
    row.version += 1
    status = Status(row.status)
    reason = f"retry of the report at {retried.instant(earlier)} not counted"
    return Outcome(row, [Change("retry_not_counted", event.source, status, status, reason)])


def _reject(row: Escalation, action: str, actor: str, reason: str) -> Outcome:
    status = Status(row.status)
    return Outcome(row, [Change(f"{action}_rejected", actor, status, status, reason)])


def _move(row: Escalation, to: Status, now: datetime) -> Status:
    previous = Status(row.status)
    row.status = to.value
    row.updated_at = now
    row.version += 1
    return previous


def on_acknowledge(
    row: Escalation, cmd: AcknowledgeRequested, decider: Decider, now: datetime
) -> Outcome:
    """Acknowledge an open escalation if the person is its owner or on duty for its team."""
    if Status(row.status) not in OPEN:
        return _reject(row, "acknowledge", cmd.by, f"escalation is already {row.status}")
    if is_system_actor(cmd.by):
        if not _system_may_act(row, cmd.by):
            reason = _system_rule(cmd.by)
            return _reject(row, "acknowledge", cmd.by, reason)
    elif cmd.by not in _paged(row) and not decider.may_act(row.team, row.owner, cmd.by, now):
        reason = f"{cmd.by} is neither the owner nor on duty for team {row.team}"
        return _reject(row, "acknowledge", cmd.by, reason)
    previous = _move(row, Status.ACKNOWLEDGED, now)
    row.acknowledged_at = now
    if row.owner is None:
        row.owner = cmd.by
    change = Change("acknowledged", cmd.by, previous, Status.ACKNOWLEDGED, f"via {cmd.source}")
    return Outcome(row, [change], [EscalationAcknowledged(escalation=summary(row), by=cmd.by)])


def on_resolve(row: Escalation, cmd: ResolveRequested, decider: Decider, now: datetime) -> Outcome:
    """Resolve an escalation that is not resolved yet."""
    if row.status == Status.RESOLVED:
        return _reject(row, "resolve", cmd.by, "escalation is already resolved")
    if is_system_actor(cmd.by):
        if not _system_may_act(row, cmd.by):
            reason = _system_rule(cmd.by)
            return _reject(row, "resolve", cmd.by, reason)
    elif not decider.knows_person(cmd.by):
        return _reject(row, "resolve", cmd.by, f"unknown person '{cmd.by}'")
    previous = _move(row, Status.RESOLVED, now)
    row.resolved_at = now
    reason = f"{cmd.resolution.value}" + (f": {cmd.note}" if cmd.note else "")
    resolved = EscalationResolved(
        escalation=summary(row), by=cmd.by, resolution=cmd.resolution, note=cmd.note
    )
    return Outcome(row, [Change("resolved", cmd.by, previous, Status.RESOLVED, reason)], [resolved])


def on_reassign(
    row: Escalation, cmd: ReassignRequested, decider: Decider, now: datetime
) -> Outcome:
    """Hand an open or acknowledged escalation to another known person."""
    if row.status == Status.RESOLVED:
        return _reject(row, "reassign", cmd.by, "escalation is already resolved")
    if is_system_actor(cmd.by):
        return _reject(row, "reassign", cmd.by, "an integration cannot reassign; a person must")
    if not decider.knows_person(cmd.to):
        return _reject(row, "reassign", cmd.by, f"unknown person '{cmd.to}'")
    if cmd.to == row.owner:
        return _reject(row, "reassign", cmd.by, f"{cmd.to} already owns it")
    previous_owner = row.owner
    previous = _move(row, Status.ASSIGNED, now)
    row.owner = cmd.to
    row.acknowledged_at = None
    reason = f"{previous_owner} -> {cmd.to}" + (f": {cmd.reason}" if cmd.reason else "")
    assigned = EscalationAssigned(
        escalation=summary(row),
        owner=cmd.to,
        team=row.team or "",
        previous_owner=previous_owner,
        reassigned_by=cmd.by,
    )
    return Outcome(
        row, [Change("reassigned", cmd.by, previous, Status.ASSIGNED, reason)], [assigned]
    )
