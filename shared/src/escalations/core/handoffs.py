"""Shift handoffs: the instants a team's on-call people change, over a window. Pure, no I/O.

Who is on call is the team's own schedule as ``schedules.on_duty`` resolves it (the people
an escalation's ``schedule`` target pages): overrides first, then the highest layer in force
(holiday layers included), with time off covered. That set can only change where a shift
begins or ends (``shifts.shifts``), so a window is resolved at those instants alone, and a
handoff is an instant where the set differs from the one just before it
(docs/router.md, "Stakeholders: reminders, handoffs, digests").

Instants are UTC. Local times are read as ``rotation.wall`` reads them: a handoff at a wall
time that occurs twice (the hour the clocks go back) happens at its first occurrence, and
one in a spring-forward gap at the instant after the jump.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.rotation import as_utc
from escalations.core.schedules import on_duty
from escalations.core.shifts import shifts

_NAMESPACE = uuid.UUID("0d7c2b8e-5f1a-4c36-9e0b-3a8f6d2e41c7")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Handoff:
    """The team's on-call people changed at ``at``: who left and who joined."""

    team: str
    at: datetime
    outgoing: tuple[str, ...]
    incoming: tuple[str, ...]

    @property
    def id(self) -> str:
        """Return the handoff's id: the same for the same team and instant, everywhere."""
        return handoff_id(self.team, self.at)


def handoff_id(team: str, at: datetime) -> str:
    """Return the deterministic id (uuid5) of the handoff of ``team`` at instant ``at``."""
    return str(uuid.uuid5(_NAMESPACE, f"{team}@{as_utc(at, 'at').isoformat()}"))


def on_call(
    config: Config,
    team_id: str,
    at: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> frozenset[str]:
    """Return the people on call for ``team_id``'s schedule at instant ``at``."""
    duties = on_duty(config, team_id, at, overrides=overrides, time_off=time_off)
    return frozenset(duty.person for duty in duties)


def handoffs(
    config: Config,
    team_id: str,
    after: datetime,
    through: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> list[Handoff]:
    """Return the team's handoffs in ``(after, through]``, in time order.

    An instant where only the layer or the shift's bounds change, with the same people on
    call, is no handoff.
    """
    after, through = as_utc(after, "after"), as_utc(through, "through")
    if through <= after:
        return []
    end = through + _TICK  # ``shifts`` is half-open; the window includes ``through``
    found = shifts(config, team_id, after, end, overrides=overrides, time_off=time_off)
    edges = sorted({i for s in found for i in (s.start, s.end) if after < i <= through})
    team = config.team(team_id).id
    before = on_call(config, team, after, overrides=overrides, time_off=time_off)
    result = []
    for edge in edges:
        now = on_call(config, team, edge, overrides=overrides, time_off=time_off)
        if now != before:
            result.append(
                Handoff(team, edge, tuple(sorted(before - now)), tuple(sorted(now - before)))
            )
        before = now
    return result


def next_handoff(
    config: Config,
    team_id: str,
    at: datetime,
    *,
    within: timedelta = timedelta(days=7),
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> datetime | None:
    """Return the team's first handoff after ``at`` within ``within``, or None."""
    found = handoffs(config, team_id, at, at + within, overrides=overrides, time_off=time_off)
    return found[0].at if found else None


def previous_handoff(
    config: Config,
    team_id: str,
    at: datetime,
    *,
    within: timedelta = timedelta(hours=24),
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> datetime | None:
    """Return the team's last handoff in ``[at - within, at)``, or None."""
    found = handoffs(
        config, team_id, at - within - _TICK, at - _TICK, overrides=overrides, time_off=time_off
    )
    return found[-1].at if found else None
