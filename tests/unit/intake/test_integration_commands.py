"""The integrations' commands run once per key: replays, failures and a key held elsewhere.

``integrations.commands.once`` on an in-memory stand-in for the idempotency table, and the
key of a resolved alert's firing episode (docs/contract/audit.md, "Actions recorded").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy.exc import OperationalError

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.db.idempotency import IdempotencyStore, Stored, check_key
from escalations_intake.http.problems import Problem
from escalations_intake.integrations.commands import once, resolve_key

PATH = "/v1/integrations/alertmanager"
STARTED = datetime(2026, 11, 25, 9, 8, 45, tzinfo=UTC)
PRINCIPAL = Principal(
    source="alertmanager",
    source_kind=SourceKind.MONITORING,
    scopes=frozenset({Scope.WRITE, Scope.ACT}),
)


@dataclass
class Keys:
    """The idempotency table in a dict: claim, complete, release as the store does them."""

    done: dict[str, Stored] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    released: list[str] = field(default_factory=list)
    busy: bool = False  # claims answer 409, as for a key another request holds too long
    broken_complete: bool = False

    async def claim(self, source: str, key: str, digest: str) -> Stored | None:
        if self.busy:
            raise Problem(409, "Request in progress", "Idempotency-Key: still being processed")
        if key in self.done:
            return self.done[key]
        self.running.add(key)
        return None

    async def complete(self, source: str, key: str, stored: Stored) -> None:
        if self.broken_complete:
            raise OperationalError("UPDATE", {}, Exception("connection lost"))
        self.running.discard(key)
        self.done[key] = stored

    async def release(self, source: str, key: str) -> None:
        self.running.discard(key)
        self.released.append(key)


def _store(keys: Keys) -> IdempotencyStore:
    return cast(IdempotencyStore, keys)


async def test_a_key_runs_once_and_a_replay_answers_its_escalation() -> None:
    """The second run of a key runs nothing and answers the first escalation id."""
    keys, runs = Keys(), []

    async def run(event_id: str) -> str:
        runs.append(event_id)
        return "esc-1"

    key = resolve_key("fp-1", STARTED)
    assert "esc-1" == await once(_store(keys), PRINCIPAL, key, PATH, run)
    assert "esc-1" == await once(_store(keys), PRINCIPAL, key, PATH, run)
    assert 1 == len(runs)


async def test_a_failed_run_forgets_the_key_and_the_retry_uses_the_same_event_id() -> None:
    """A 503 inside the run releases the key; the retry publishes the same event id."""
    keys, ids = Keys(), []

    async def failing(event_id: str) -> str:
        ids.append(event_id)
        raise Problem(503, "Service unavailable", "the broker did not take it")

    async def working(event_id: str) -> str:
        ids.append(event_id)
        return "esc-2"

    key = resolve_key("fp-2", STARTED)
    with pytest.raises(Problem):
        await once(_store(keys), PRINCIPAL, key, PATH, failing)
    assert [key] == keys.released
    assert "esc-2" == await once(_store(keys), PRINCIPAL, key, PATH, working)
    assert ids[0] == ids[1]


async def test_a_key_held_elsewhere_is_a_503_so_alertmanager_retries() -> None:
    """Alertmanager drops a group answered 4xx: a 409 from the table becomes a 503."""

    async def run(event_id: str) -> str:
        raise AssertionError("must not run")

    with pytest.raises(Problem) as raised:
        await once(_store(Keys(busy=True)), PRINCIPAL, "k", PATH, run)
    assert (503, "1") == (raised.value.status, raised.value.headers["Retry-After"])


async def test_a_run_that_cannot_be_marked_done_is_still_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Published and audited, then Postgres lost: the answer stands, a warning is logged."""

    async def run(event_id: str) -> str:
        return "esc-3"

    keys = Keys(broken_complete=True)
    assert "esc-3" == await once(_store(keys), PRINCIPAL, "k", PATH, run)
    assert "could not record an integration command as done" in caplog.text


def test_an_episode_key_is_stable_distinct_and_never_a_clients_key() -> None:
    """Same fingerprint and start: same key; a new start or another alert: another key."""
    key = resolve_key("fp-1", STARTED)
    assert key == resolve_key("fp-1", STARTED.astimezone(UTC))
    assert key != resolve_key("fp-1", STARTED + timedelta(hours=1))
    assert key != resolve_key("fp-2", STARTED)
    assert len(key) <= 200
    with pytest.raises(Problem):
        check_key(key)  # a space: no Idempotency-Key header can be this key
