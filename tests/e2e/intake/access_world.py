"""The running world of the access matrix: an intake of its own, its data and its callers.

The intake runs on the matrix configuration (``access_cases.CONFIG_YAML``) with a broker
and a database of its own, so its lists hold exactly what is stored here. Escalations,
overrides and time off are stored as the router would store them (the intake tests have
no router); feeds and personal tokens are made through the API with the admin key. Each
cast member has a subscription of their own on each seeded escalation to remove (an e-mail
address they subscribed), and the matrix source has a key and a status callback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import SQLModel

from devstack import services
from devstack.stack import Stack
from escalations.core.escalation import SourceKind
from escalations.db.models import EscalationRow
from escalations.db.models_stakeholders import SubscriptionRow
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.access_cases import (
    CAST,
    CONFIG_YAML,
    MATRIX_SOURCE,
    RECIPES_CALLBACK,
    SEEDS,
    SOURCE_CALLBACK,
    Case,
    Seed,
)
from tests.e2e.intake.conftest import Intake, own_kafka, start_intake
from tests.e2e.intake.rows import escalation_row, insert, override, time_off
from tests.support import fresh_database

PER_SEED = 2
"""Escalations stored per seed: the first is the matrix's, all of them are listed."""
OWNERS = {"t-a": "rae", "t-b": "rob"}
"""Each team's owner is on its schedule, so owning one adds no visibility."""


@dataclass
class World:
    """The running intake, a client per cast member, and the ids of what was stored."""

    intake: Intake
    clients: dict[str, httpx.Client]
    escalations: dict[tuple[str, bool], list[str]]
    items: dict[tuple[str, str], str]
    """(path placeholder, team or person) -> the id of an override, feed, time off, token."""
    subscriptions: dict[tuple[str, tuple[str, bool]], str]
    """(person, seed key) -> the id of that person's own subscription to remove."""

    def path(self, case: Case) -> str:
        """Return the case's path with its placeholders filled in."""
        owner = case.team or case.target or ""
        values = {name: found for (name, of), found in self.items.items() if of == owner}
        values |= {"team": case.team or "", "person": case.target or "", "source": MATRIX_SOURCE}
        if case.seed is not None:
            values["escalation_id"] = self.escalations[case.seed.key][0]
            values["subscription_id"] = self.subscriptions[case.caller, case.seed.key]
        return case.endpoint.path.format(**values)


def _expiry() -> str:
    return (datetime.now(UTC) + timedelta(days=7)).isoformat()


def _created(admin: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = admin.post(path, json=body)
    assert 201 == answer.status_code, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _store(intake: Intake) -> tuple[dict[tuple[str, bool], list[str]], dict[tuple[str, str], str]]:
    """Store the escalations, overrides and time off as the router would; return their ids.

    The subscriptions to remove are stored too (``_subscriptions``).
    """
    now = datetime.now(UTC)
    rows: list[SQLModel] = []
    escalations: dict[tuple[str, bool], list[str]] = {}
    for n, seed in enumerate(SEEDS):
        instants = [now - timedelta(seconds=n * PER_SEED + i) for i in range(PER_SEED)]
        made = [_escalation(seed, instant) for instant in instants]
        escalations[seed.key] = [row.id for row in made]
        rows.extend(made)
    start, end = now + timedelta(days=10), now + timedelta(days=11)
    items: dict[tuple[str, str], str] = {}
    for team, person in OWNERS.items():
        rows.append(cover := override(team, person, start, end))
        items["override_id", team] = cover.id
    for person in CAST.values():
        rows.append(away := time_off(person, start, end))
        items["time_off_id", person] = away.id
    insert(intake.database_url, *rows)
    return escalations, items


def _subscriptions(
    intake: Intake, escalations: dict[tuple[str, bool], list[str]]
) -> dict[tuple[str, tuple[str, bool]], str]:
    """Store, for each cast member and seed, an e-mail subscription they made; return ids."""
    now = datetime.now(UTC)
    made = {
        (person, key): SubscriptionRow(
            id=str(uuid.uuid4()),
            escalation_id=ids[0],
            kind="email",
            target=f"{person}+matrix@example.com",
            created_by=person,
            created_at=now,
        )
        for person in CAST.values()
        for key, ids in escalations.items()
    }
    insert(intake.database_url, *made.values())
    return {at: row.id for at, row in made.items()}


def _escalation(seed: Seed, created_at: datetime) -> EscalationRow:
    owner = OWNERS[seed.team]
    return escalation_row(
        team=seed.team,
        owner=owner,
        policy_area=seed.policy_area,
        request={"title": "Stored for the matrix", "policy_area": seed.policy_area},
        assignment={"owner": owner, "candidates": [], "paged": list(seed.paged)},
        created_at=created_at,
        updated_at=created_at,
    )


def _credentials(intake: Intake, items: dict[tuple[str, str], str]) -> dict[str, httpx.Client]:
    """Create each cast member's token, and feeds and a spare token to delete; return clients."""
    every = sorted(scope.value for scope in Scope)
    clients = {}
    intake.key(MATRIX_SOURCE, SourceKind.INTERNAL_TOOL, frozenset({Scope.READ}))
    with intake.client() as admin:
        callback = admin.put(SOURCE_CALLBACK.format(source=MATRIX_SOURCE), json=RECIPES_CALLBACK)
        assert 200 == callback.status_code, callback.text
        for team in OWNERS:
            items["feed_id", team] = _created(admin, f"/v1/teams/{team}/feeds", {})["id"]
        for person in CAST.values():
            items["feed_id", person] = _created(admin, f"/v1/people/{person}/feeds", {})["id"]
            spare = {"description": "spare", "scopes": every, "expires_at": _expiry()}
            items["token_id", person] = _created(admin, f"/v1/people/{person}/tokens", spare)["id"]
            mine = _created(admin, f"/v1/people/{person}/tokens", spare | {"description": "own"})
            clients[person] = intake.client(mine["token"])
    return clients


@contextmanager
def started_world(stack: Stack, folder: Path) -> Iterator[World]:
    """Start the matrix's intake on a broker and a database of its own; store; stop after."""
    assert stack.database_url is not None
    config = folder / "config.yaml"
    config.write_text(CONFIG_YAML)
    database_url = fresh_database(stack.database_url, "access_matrix")
    extra = {"ESCALATIONS_CONFIG": str(config), "DATABASE_URL": database_url}
    kafka = own_kafka()
    try:
        running = replace(start_intake(stack, kafka, folder, extra), database_url=database_url)
        clients: dict[str, httpx.Client] = {}
        try:
            escalations, items = _store(running)
            subscriptions = _subscriptions(running, escalations)
            clients = _credentials(running, items)
            yield World(running, clients, escalations, items, subscriptions)
        finally:
            for client in clients.values():
                client.close()
            services.stop([running.process])
    finally:
        kafka.stop()
