"""The create fast path answers exactly as the FastAPI route does, and publishes the same."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import httpx
import orjson
import pytest
from aiokafka.errors import KafkaTimeoutError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalations.core.escalation import SourceKind
from escalations.core.refire import Incarnation
from escalations_intake import fastpath
from escalations_intake.app import create_app
from escalations_intake.auth import KeyStore, Principal, Scope, hash_key
from escalations_intake.bootstrap import RecentIds
from escalations_intake.ratelimit import TokenBuckets
from escalations_intake.settings import IntakeSettings

WRITER, READER, COLD, SLOW = (
    "esk_" + "w" * 40,
    "esk_" + "r" * 40,
    "esk_" + "c" * 40,
    "esk_" + "s" * 40,
)
BODY = {
    "external_id": "EXT-1",
    "title": "Credible threat naming a school",
    "policy_area": "violent_threat",
    "region": "IE",
    "signals": {"imminence": "likely", "violation_likelihood": 0.8},
    "content_refs": [{"kind": "pin", "id": "111", "url": "https://example.com/pin/111"}],
}
PRINCIPALS = {
    WRITER: Principal("legal", SourceKind.LEGAL, frozenset({Scope.WRITE})),
    READER: Principal("press", SourceKind.PRESS, frozenset({Scope.READ})),
    COLD: Principal("tool", SourceKind.INTERNAL_TOOL, frozenset({Scope.WRITE})),
    SLOW: Principal("slow", SourceKind.SALES, frozenset({Scope.WRITE})),
}


class Keys(KeyStore):
    """The key store with its table in memory; COLD starts outside the cache."""

    def __init__(self) -> None:
        super().__init__(sessions=None, ttl_s=60.0)  # type: ignore[arg-type]  # never queried
        for key in (WRITER, READER, SLOW):
            self._cache[hash_key(key)] = (time.monotonic(), PRINCIPALS[key])

    async def principal(self, key: str) -> Principal | None:
        """Return the principal of a known key, caching it as a lookup would."""
        found = self.cached(key) or PRINCIPALS.get(key)
        if found is not None:
            self._cache[hash_key(key)] = (time.monotonic(), found)
        return found


class Producer:
    """Records what is sent; fails every send when ``down``."""

    def __init__(self, down: bool) -> None:
        self.down = down
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, value: bytes, key: bytes, headers: Any) -> None:
        if self.down:
            raise KafkaTimeoutError()
        event = orjson.loads(value)
        # Ids and clock readings differ from run to run; everything else must not.
        del event["id"], event["time"], event["data"]["received_at"]
        self.sent.append({"topic": topic, "key": key, "headers": list(headers), "event": event})


class Ids:
    """Nothing is stored yet."""

    async def latest(self, key: tuple[str, str]) -> Incarnation | None:
        return None

    def ask(self, key: tuple[str, str]) -> asyncio.Future[Incarnation | None]:
        future: asyncio.Future[Incarnation | None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


class Idempotency:
    """Every key is new."""

    async def claim(self, source: str, key: str, digest: str) -> None:
        return None

    async def complete(self, source: str, key: str, stored: Any) -> None:
        return None

    async def release(self, source: str, key: str) -> None:
        return None


def _deps(down: bool = False) -> SimpleNamespace:
    config = IntakeSettings(
        rate_limit_per_second=1000.0, rate_limit_sources={"slow": 0.01}, publish_timeout_seconds=1
    )
    return SimpleNamespace(
        settings=config,
        producer=Producer(down),
        keys=Keys(),
        limiter=TokenBuckets(config.rate_for, 1.0),
        incarnations=Ids(),
        recent=RecentIds(),
        idempotency=Idempotency(),
    )


@dataclass(frozen=True)
class Call:
    """One request to POST /v1/escalations."""

    body: bytes
    key: str | None = WRITER
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    query: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a client and the broker saw."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    sent: list[dict[str, Any]]


APP = create_app(IntakeSettings())


@contextmanager
def _route_only() -> Iterator[None]:
    with patch.object(fastpath, "is_create", lambda scope: False):
        yield


@contextmanager
def _counting(answered: list[bool]) -> Iterator[None]:
    real = fastpath.answer

    async def spy(*args: Any) -> int | None:
        status = await real(*args)
        answered.append(status is not None)
        return status

    with patch.object(fastpath, "answer", spy):
        yield


async def _run(calls: list[Call], down: bool = False) -> list[Outcome]:
    deps = _deps(down)
    APP.state.deps = deps
    # Fresh ids (escalations without an external id) come in the same order on every run.
    counter = itertools.count(1)
    with patch.object(uuid, "uuid4", lambda: uuid.UUID(int=next(counter))):
        return await _send(calls, deps)


async def _send(calls: list[Call], deps: SimpleNamespace) -> list[Outcome]:
    outcomes = []
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        for call in calls:
            headers = dict(call.headers)
            if call.key is not None:
                headers["authorization"] = f"Bearer {call.key}"
            url = "/v1/escalations" + (f"?{call.query}" if call.query else "")
            response = await client.post(url, content=call.body, headers=headers)
            outcomes.append(
                Outcome(
                    response.status_code,
                    list(response.headers.raw),
                    response.content,
                    list(deps.producer.sent),
                )
            )
    return outcomes


async def _both(calls: list[Call], down: bool = False) -> tuple[list[Outcome], list[bool]]:
    """Run the calls through the fast path and through the route only; assert equal."""
    answered: list[bool] = []
    with _counting(answered):
        fast = await _run(calls, down)
    with _route_only():
        route = await _run(calls, down)
    assert route == fast
    return fast, answered


def _json(**changes: Any) -> bytes:
    return json.dumps({**BODY, **changes}).encode()


PLAIN = {"content-type": "application/json"}
CASES: list[tuple[str, list[Call], list[int], int]] = [
    ("valid", [Call(_json())], [202], 1),
    (
        "charset",
        [Call(_json(), headers={"content-type": "application/json; charset=utf-8"})],
        [202],
        1,
    ),
    (
        "repeated JSON key",
        [Call(b'{"title": "a", "title": "b", "policy_area": "spam"}')],
        [202],
        1,
    ),
    ("no external id", [Call(_json(external_id=None))], [202], 1),
    ("malformed JSON", [Call(b'{"title": ')], [400], 0),
    ("unknown field", [Call(_json(colour="red"))], [422], 0),
    ("wrong enum", [Call(_json(policy_area="weather"))], [422], 0),
    ("not an object", [Call(b"[1, 2]")], [422], 0),
    ("integer past 64 bits", [Call(_json(reach={"followers": 10**30}))], [422], 0),
    ("empty body", [Call(b"")], [422], 0),
    ("lone surrogate", [Call(b'{"title": "\\ud800", "policy_area": "spam"}')], [422], 0),
    ("no key", [Call(_json(), key=None)], [401], 0),
    ("unknown key", [Call(_json(), key="esk_" + "x" * 40)], [401], 0),
    (
        "basic auth",
        [Call(_json(), key=None, headers={**PLAIN, "authorization": "Basic eDp5"})],
        [401],
        0,
    ),
    ("read-only key", [Call(_json(), key=READER)], [403], 0),
    (
        "key not cached yet",
        [Call(_json(), key=COLD), Call(_json(), key=COLD)],
        [202, 202],
        1,
    ),
    ("rate limited", [Call(_json(), key=SLOW), Call(_json(), key=SLOW)], [202, 429], 2),
    (
        "Idempotency-Key",
        [Call(_json(), headers={**PLAIN, "idempotency-key": "k-1"})],
        [202],
        0,
    ),
    ("query string", [Call(_json(), query="debug=1")], [422], 0),
    ("text body", [Call(_json(), headers={"content-type": "text/plain"})], [422], 0),
    ("no content type", [Call(_json(), headers={})], [422], 0),
    ("too large", [Call(_json(description="x" * 300_000))], [413], 0),
]


@pytest.mark.parametrize(
    ("calls", "statuses", "fast"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_fast_path_answers_as_the_route_does(
    calls: list[Call], statuses: list[int], fast: int
) -> None:
    """Same status, headers, body and published event either way; plain creates go fast."""
    outcomes, answered = await _both(calls)
    assert (statuses, fast) == ([o.status for o in outcomes], answered.count(True))


async def test_an_unavailable_broker_is_the_same_503() -> None:
    """A publish the broker does not take is a 503 with Retry-After on both paths."""
    (outcome,), answered = await _both([Call(_json())], down=True)
    assert (503, [True], []) == (outcome.status, answered, outcome.sent)
    assert (b"retry-after", b"5") in outcome.headers


async def test_an_accepted_create_publishes_one_received_event() -> None:
    """The event on the broker is escalation.received for the key's source, keyed by id."""
    (outcome,), _ = await _both([Call(_json())])
    (sent,) = outcome.sent
    accepted = orjson.loads(outcome.body)
    assert (accepted["id"].encode(), "escalation.received", "legal") == (
        sent["key"],
        sent["event"]["type"],
        sent["event"]["data"]["source"],
    )


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_FIELDS = st.sampled_from(
    [
        "external_id",
        "title",
        "description",
        "policy_area",
        "region",
        "language",
        "signals",
        "reach",
        "regulatory",
        "reporter",
        "occurred_at",
        "content_refs",
        "extra",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(_FIELDS, _VALUES, max_size=3), drop=st.sets(_FIELDS, max_size=2))
async def test_any_body_gets_the_same_answer_either_way(
    changes: dict[str, Any], drop: set[str]
) -> None:
    """Whatever the body holds, the fast path and the route answer and publish alike."""
    body = {k: v for k, v in {**BODY, **changes}.items() if k not in drop}
    # The standard library writes what orjson refuses too (huge integers, Infinity).
    await _both([Call(json.dumps(body).encode())])
