"""The root configuration: people, teams, routing, priority, wellbeing, access; validated whole.

``Config`` checks the sections against each other (ids, references, schedules) when it is
built, and indexes people and teams once. Load it with ``escalations.core.config``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from pydantic import BaseModel, model_validator

from escalations.core.assignment import Candidate, WellbeingConfig
from escalations.core.config_access import AccessConfig
from escalations.core.config_access_checks import check_access
from escalations.core.config_checks import Parts, check
from escalations.core.config_people import Person
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.config_stakeholders import StakeholdersConfig, check_stakeholders
from escalations.core.config_team import Team
from escalations.core.config_types import FROZEN, suggest
from escalations.core.priority_config import PriorityConfig
from escalations.core.routing import RoutingConfig


class UnknownIdError(LookupError):
    """A person or team id that the configuration does not know."""


class Config(BaseModel):
    """Everything the services need to decide: who, which team, how urgent, who is on."""

    model_config = FROZEN

    people: tuple[Person, ...]
    teams: tuple[Team, ...]
    routing: RoutingConfig
    priority: PriorityConfig = PriorityConfig()
    wellbeing: WellbeingConfig = WellbeingConfig()
    overrides: tuple[Override, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    access: AccessConfig = AccessConfig()
    stakeholders: StakeholdersConfig = StakeholdersConfig()

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        parts = _parts_of(self)
        errors = check(parts) + check_access(parts) + check_stakeholders(parts, self.stakeholders)
        if errors:
            raise ValueError("\n".join(str(issue) for issue in errors))
        return self

    @cached_property
    def people_by_id(self) -> dict[str, Person]:
        """Return people indexed by id."""
        return {person.id: person for person in self.people}

    @cached_property
    def teams_by_id(self) -> dict[str, Team]:
        """Return teams indexed by id."""
        return {team.id: team for team in self.teams}

    @cached_property
    def candidates(self) -> dict[str, Candidate]:
        """Return every person as assignment sees them (built once per configuration)."""
        return {
            person.id: Candidate(
                person_id=person.id,
                skills=frozenset(person.skills),
                languages=frozenset(person.languages),
                opt_out=frozenset(person.opt_out),
            )
            for person in self.people
        }

    def candidate(self, person_id: str) -> Candidate:
        """Return a person as assignment sees them, or raise ``UnknownIdError`` (see ``person``)."""
        found = self.candidates.get(person_id)
        if found is None:
            self.person(person_id)  # raises, naming the id and a suggestion
        return self.candidates[person_id]

    @cached_property
    def first_team_of(self) -> dict[str, str]:
        """Return, per person, the first team (in configuration order) whose schedule has them."""
        found: dict[str, str] = {}
        for team in self.teams:
            for person in team.members():
                found.setdefault(person, team.id)
        return found

    @cached_property
    def overrides_by_team(self) -> dict[str, tuple[Override, ...]]:
        """Return the static overrides of the configuration, per team id."""
        grouped: dict[str, list[Override]] = {}
        for override in self.overrides:
            grouped.setdefault(override.team, []).append(override)
        return {team: tuple(found) for team, found in grouped.items()}

    @cached_property
    def member_teams(self) -> dict[str, frozenset[str]]:
        """Return, per person, the teams whose schedule has them (the responder role)."""
        return _per_person((team.id, team.members()) for team in self.teams)

    @cached_property
    def led_teams(self) -> dict[str, frozenset[str]]:
        """Return, per person, the teams they lead (``lead`` or ``leads``)."""
        return _per_person((team.id, team.leaders()) for team in self.teams)

    @cached_property
    def sign_in_people(self) -> dict[str, str]:
        """Return the person each sign-in address (lower case) belongs to.

        Validation keeps ``sign_in_emails`` unique; a ``contacts.email`` that two people
        share signs neither of them in, so it is left out.
        """
        owners: dict[str, set[str]] = {}
        for person in self.people:
            for address in person.sign_in_addresses():
                owners.setdefault(address, set()).add(person.id)
        return {address: next(iter(ids)) for address, ids in owners.items() if len(ids) == 1}

    def person(self, person_id: str) -> Person:
        """Return the person with this id, or raise ``UnknownIdError`` with a suggestion."""
        found = self.people_by_id.get(person_id)
        if found is None:
            hint = suggest(person_id, sorted(self.people_by_id))
            raise UnknownIdError(f"unknown person '{person_id}'{hint}")
        return found

    def team(self, team_id: str) -> Team:
        """Return the team with this id, or raise ``UnknownIdError`` with a suggestion."""
        found = self.teams_by_id.get(team_id)
        if found is None:
            hint = suggest(team_id, sorted(self.teams_by_id)) or (
                f" (known: {', '.join(sorted(self.teams_by_id))})"
            )
            raise UnknownIdError(f"unknown team '{team_id}'{hint}")
        return found


def _per_person(teams: Iterable[tuple[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for team, people in teams:
        for person in people:
            found.setdefault(person, set()).add(team)
    return {person: frozenset(ids) for person, ids in found.items()}


def _parts_of(config: Config) -> Parts:
    return Parts(
        people=list(enumerate(config.people)),
        teams=list(enumerate(config.teams)),
        routing=config.routing,
        overrides=list(enumerate(config.overrides)),
        time_off=list(enumerate(config.time_off)),
        access=config.access,
        ids={
            "people": [(index, person.id) for index, person in enumerate(config.people)],
            "teams": [(index, team.id) for index, team in enumerate(config.teams)],
        },
    )
