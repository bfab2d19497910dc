"""A person's reveal of a sensitive escalation: a history entry and an exposure stamp. No I/O.

Reads hide the content of sensitive escalations until a person reveals it; the reveal
counts toward that person's graphic exposure, the load the wellbeing cap of assignment
reads (docs/contract/http-api.md, "Sensitive content and reveal";
docs/contract/priority-and-assignment.md, "Assignment"). The escalation's status, owner
and clocks do not change, and no event goes out.
"""

from __future__ import annotations

from datetime import datetime

from escalations.contracts.events import RevealRequested, Status
from escalations.core.sensitivity import stored_sensitive
from escalations_router.domain.decider import Decider
from escalations_router.domain.outcome import Change, Outcome
from escalations_router.domain.records import Escalation
from escalations_router.domain.state import is_system_actor

REVEALED = "revealed"


def on_reveal(row: Escalation, cmd: RevealRequested, decider: Decider, now: datetime) -> Outcome:
    """Record that a known person saw the content of a sensitive escalation.

    Anything else (an integration, an unknown person, an escalation that is not sensitive)
    is recorded as ``reveal_rejected`` and counts nothing.
    """
    status = Status(row.status)
    reason = _refusal(row, cmd, decider)
    if reason is not None:
        return Outcome(row, [Change("reveal_rejected", cmd.by, status, status, reason)])
    return Outcome(row, [Change(REVEALED, cmd.by, status, status, f"via {cmd.source}")])


def exposure(outcome: Outcome, cmd: RevealRequested, now: datetime) -> datetime | None:
    """Return the instant to add to the person's graphic exposure, or None if it was refused.

    The instant is when the person asked (``requested_at``), never later than ``now``: a
    stamp in the future would not count until it came, and a replayed reveal still counts
    when it happened.
    """
    if not any(change.action == REVEALED for change in outcome.changes):
        return None
    return min(cmd.requested_at, now)


def _refusal(row: Escalation, cmd: RevealRequested, decider: Decider) -> str | None:
    if is_system_actor(cmd.by):
        return "only a person can reveal content; an integration cannot"
    if not decider.knows_person(cmd.by):
        return f"unknown person '{cmd.by}'"
    if not stored_sensitive(row.policy_area, row.request):
        return "not sensitive: its content is never hidden, so nothing to count"
    return None
