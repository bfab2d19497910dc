"""What decisions read besides the configuration: the stored schedule and level 1 held.

``StoredSchedule`` is the overrides and time off the router stored from schedule commands
(not the configuration's ``escalations.core.config_schedule.Schedule``, a team's rota);
``HeldDuty`` is who level 1 of a team pages for as long as nothing changes it
(``core_decider.BoundDecider``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalations.core.config import Override, TimeOff
from escalations.core.decide import OnDuty


@dataclass(frozen=True)
class HeldDuty:
    """Who level 1 of a team pages, under one schedule, from ``since`` until ``until``."""

    schedule: StoredSchedule
    since: datetime
    until: datetime
    duty: tuple[OnDuty, ...]


@dataclass(frozen=True)
class StoredSchedule:
    """Overrides and time off stored by the router from schedule commands."""

    overrides: tuple[Override, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
