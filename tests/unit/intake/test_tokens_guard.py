"""The guard with people: personal tokens in the key store and its cache, and sessions."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import Request

from escalations.core.config import parse_config
from escalations.core.escalation import SourceKind
from escalations.db.models_identity import PersonTokenRow
from escalations_intake.auth import api_keys
from escalations_intake.auth.api_keys import KeyStore, hash_key
from escalations_intake.auth.guard import Guard, authenticate
from escalations_intake.auth.people import person_principal, source_only
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.auth.rate_limit import TokenBuckets
from escalations_intake.auth.sessions import SessionAuth
from escalations_intake.auth.tokens import new_token
from escalations_intake.http.problems import Problem
from tests.fakes.intake import FakeKeys
from tests.unit.intake.test_tokens import CONFIG_YAML

KEY = "esk_a-key-of-legal"
LEGAL = Principal("legal", SourceKind.LEGAL, frozenset({Scope.READ}))
ANA = person_principal("ana", frozenset({Scope.READ}))
CONFIG = parse_config(CONFIG_YAML).config


class Sessions:
    """A session port answering one principal, or raising, and counting its calls."""

    def __init__(self, answer: Principal | Problem | None) -> None:
        self.answer = answer
        self.calls = 0

    async def principal(self, request: Request) -> Principal | None:
        """Return the configured answer, or raise it."""
        self.calls += 1
        if isinstance(self.answer, Problem):
            raise self.answer
        return self.answer


def _request(guard: Guard, authorization: str | None = None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    intake = SimpleNamespace(guard=guard, config=SimpleNamespace(current=lambda: CONFIG))
    app = SimpleNamespace(state=SimpleNamespace(intake=intake))
    return Request({"type": "http", "headers": headers, "app": app, "method": "GET"})


def _authenticate(
    sessions: SessionAuth | None, key: str | None = None, keys: dict[str, Principal] | None = None
) -> Principal | int:
    guard = Guard(FakeKeys(keys or {KEY: LEGAL}), TokenBuckets(lambda _: 10.0, 1.0), sessions)
    try:
        return asyncio.run(authenticate(_request(guard), key))
    except Problem as problem:
        return problem.status


def test_the_bearer_is_asked_before_the_session() -> None:
    """A request with a key is the key's, whatever session cookie it also carries."""
    sessions = Sessions(ANA)
    assert (LEGAL, 0) == (_authenticate(sessions, KEY), sessions.calls)


def test_without_a_bearer_the_session_decides() -> None:
    """No bearer: the signed-in person, else 401; the port's own refusals pass through."""
    assert ANA == _authenticate(Sessions(ANA))
    assert 401 == _authenticate(Sessions(None))
    assert 401 == _authenticate(None)
    assert 403 == _authenticate(Sessions(Problem(403, "Forbidden", "csrf: missing token")))


def test_a_person_no_longer_configured_is_refused() -> None:
    """A token or session of a person removed from the configuration is 401."""
    gone = person_principal("gone", frozenset(Scope))
    assert 401 == _authenticate(None, "ept_gone", {"ept_gone": gone})
    assert 401 == _authenticate(Sessions(gone))


def test_an_unknown_token_is_named_as_a_token() -> None:
    """An unknown ``ept_`` bearer is refused as a personal token, with a Bearer challenge."""
    guard = Guard(FakeKeys({}), TokenBuckets(lambda _: 10.0, 1.0))
    with pytest.raises(Problem) as refused:
        asyncio.run(authenticate(_request(guard), "ept_unknown"))
    expected = (401, "unknown, revoked or expired personal token", "Bearer")
    assert expected == (
        refused.value.status,
        refused.value.detail,
        (refused.value.headers or {})["WWW-Authenticate"],
    )


def _row(token: str, **changes: Any) -> PersonTokenRow:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "id": "tok-1",
        "person": "ana",
        "description": "laptop",
        "scopes": ["escalations:act", "escalations:read", "retired:scope"],
        "token_hash": hash_key(token),
        "token_prefix": token[:12],
        "created_by": "ana",
        "created_at": now,
        "expires_at": now + timedelta(days=1),
    }
    return PersonTokenRow(**(fields | changes))


def _store(monkeypatch: pytest.MonkeyPatch, row: PersonTokenRow | None) -> KeyStore:
    """Return a key store whose token table holds ``row`` (its key table is never asked)."""

    async def token_by_hash(_: object, digest: str) -> PersonTokenRow | None:
        return row if row is not None and row.token_hash == digest else None

    monkeypatch.setattr(api_keys, "token_by_hash", token_by_hash)
    return KeyStore(sessions=None, ttl_s=60.0)  # type: ignore[arg-type]  # tokens only


def test_a_live_token_is_its_person_and_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token's principal is its person with the token's known scopes, cached like a key's."""
    token = new_token()
    store = _store(monkeypatch, _row(token))
    expected = person_principal("ana", frozenset({Scope.ACT, Scope.READ}), "tok-1")
    assert expected == asyncio.run(store.principal(token))
    assert expected == store.cached(token)
    assert ("ept_", 47) == (token[:4], len(token))


@pytest.mark.parametrize(
    "changes",
    [
        {"revoked_at": datetime.now(UTC)},
        {"expires_at": datetime.now(UTC) - timedelta(seconds=1)},
    ],
)
def test_revoked_and_expired_tokens_are_refused(
    monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any]
) -> None:
    """A revoked or expired token has no principal and is not cached."""
    token = new_token()
    store = _store(monkeypatch, _row(token, **changes))
    assert (None, None) == (asyncio.run(store.principal(token)), store.cached(token))


def test_a_cached_token_lapses_at_its_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token expiring before the cache time would end leaves the cache when it expires."""
    token = new_token()
    expires = datetime.now(UTC) + timedelta(seconds=0.2)
    store = _store(monkeypatch, _row(token, expires_at=expires))
    assert asyncio.run(store.principal(token)) is not None
    assert store.cached(token) is not None
    time.sleep(0.25)
    assert (None, None) == (store.cached(token), asyncio.run(store.principal(token)))


def test_a_viewer_reads_whatever_the_credential_holds() -> None:
    """A viewer's session or token is narrowed to reading; others keep their scopes."""
    viewing = {
        **CONFIG_YAML,
        "people": [
            *CONFIG_YAML["people"],
            {"id": "val", "name": "Val", "timezone": "Europe/Dublin",
             "contacts": {"email": "val@example.com"}},
        ],
        "access": {"admins": ["bo"], "viewers": ["val"]},
    }  # fmt: skip
    config = parse_config(viewing).config
    every = frozenset(Scope)

    def scopes(person: str) -> frozenset[Scope]:
        signed_in = Sessions(person_principal(person, every))
        request = _request(Guard(FakeKeys({}), TokenBuckets(lambda _: 10.0, 1.0), signed_in))
        request.app.state.intake.config = SimpleNamespace(current=lambda: config)
        return asyncio.run(authenticate(request, None)).scopes

    assert frozenset({Scope.READ}) == scopes("val")
    assert every == scopes("ana")


def test_integrations_refuse_people() -> None:
    """Alertmanager and PagerDuty speak for a source system: a person's credential is 403."""
    for what in ("the PagerDuty integration", "the Alertmanager integration"):
        with pytest.raises(Problem) as refused:
            source_only(ANA, what)
        assert (403, what) == (refused.value.status, refused.value.detail.split(" takes")[0])
    source_only(LEGAL, "the PagerDuty integration")  # a source key passes
