"""The ``state`` block of ``POST /v1/simulate``: which live state the simulation used.

Pure: the person load, overrides and time off come in as read (``db.schedules``), and
this says which of them could shape the answer, so a reader can check the owner by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from escalations.core.assignment import PersonHistory
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.simulate import Simulation

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PersonLoad(BaseModel):
    """What round robin and the wellbeing cap knew about one candidate."""

    model_config = _FROZEN

    person: str = Field(description="A person on duty at level 1")
    stored: bool = Field(description="Whether the router has a load row for them yet")
    last_assigned_at: datetime | None = Field(description="When they were last given one")
    open_escalations: int = Field(description="Escalations they own that are not resolved")
    graphic_in_window: int = Field(
        description="Graphic escalations given to them in the wellbeing window before `at`"
    )


class Window(BaseModel):
    """A stored override or time off that overlaps the simulated span."""

    model_config = _FROZEN

    team: str | None = Field(description="The team (overrides only)")
    person: str = Field(description="Who covers, or who is away")
    start: datetime = Field(description="Start of the window")
    end: datetime = Field(description="End of the window (exclusive)")


class SimulationState(BaseModel):
    """The live state the simulation was fed, as the router would read it."""

    model_config = _FROZEN

    as_of: datetime = Field(description="When the state was read")
    person_load: tuple[PersonLoad, ...] = Field(description="Load of each level-1 candidate")
    overrides: tuple[Window, ...] = Field(description="Overrides in force during the span")
    time_off: tuple[Window, ...] = Field(description="Time off in force during the span")


class SimulationAnswer(Simulation):
    """The answer of ``POST /v1/simulate``: the simulation and the state it used."""

    state: SimulationState


def state_of(
    *,
    as_of: datetime,
    at: datetime,
    until: datetime,
    window: timedelta,
    candidates: Iterable[str],
    history: Mapping[str, PersonHistory],
    overrides: Sequence[Override],
    time_off: Sequence[TimeOff],
    teams: frozenset[str],
    people: frozenset[str],
) -> SimulationState:
    """Return the state block: candidates' load, and the windows overlapping [at, until).

    Only the windows that could shape this answer are listed: overrides of ``teams`` (those
    the simulation routes to or pages) and time off of ``people`` (those teams' members and
    everyone paged). Other teams' schedules are none of the asker's business.
    """
    since = at - window
    return SimulationState(
        as_of=as_of,
        person_load=tuple(
            _load(person, history.get(person), since, at) for person in sorted(set(candidates))
        ),
        overrides=tuple(
            Window(team=o.team, person=o.person, start=o.start, end=o.end)
            for o in sorted(overrides, key=lambda o: (o.start, o.team, o.person))
            if o.end > at and o.start < until and o.team in teams
        ),
        time_off=tuple(
            Window(team=None, person=t.person, start=t.start, end=t.end)
            for t in sorted(time_off, key=lambda t: (t.start, t.person))
            if t.end > at and t.start < until and t.person in people
        ),
    )


def _load(person: str, known: PersonHistory | None, since: datetime, at: datetime) -> PersonLoad:
    found = known or PersonHistory()
    return PersonLoad(
        person=person,
        stored=known is not None,
        last_assigned_at=found.last_assigned_at,
        open_escalations=found.open_count,
        graphic_in_window=sum(1 for stamp in found.graphic_at if since < stamp <= at),
    )


def answer(simulation: Simulation, state: SimulationState) -> SimulationAnswer:
    """Return the simulation with the state block added."""
    return SimulationAnswer.model_validate({**dict(simulation), "state": state})
