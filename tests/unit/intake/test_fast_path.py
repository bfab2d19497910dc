"""The create fast path answers exactly as the FastAPI route does, and publishes the same."""

from __future__ import annotations

import itertools
import json
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalations.core.escalation import SourceKind
from escalations_intake import fast_paths
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.auth.guard import Guard
from escalations_intake.auth.rate_limit import TokenBuckets
from escalations_intake.commands.create import CreateEscalation, RecentIds
from escalations_intake.commands.publish import Publisher
from escalations_intake.http.app import create_app
from escalations_intake.settings import IntakeSettings
from tests.fakes.intake import FakeIdempotency, FakeIncarnations, FakeKeys, FakeProducer

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


def _deps(down: bool = False) -> SimpleNamespace:
    config = IntakeSettings(
        rate_limit_per_second=1000.0, rate_limit_sources={"slow": 0.01}, publish_timeout_seconds=1
    )
    producer = FakeProducer(down)
    publisher = Publisher(producer, config.publish_timeout_seconds)  # type: ignore[arg-type]  # a fake producer
    return SimpleNamespace(
        producer=producer,
        guard=Guard(
            FakeKeys(PRINCIPALS, cold=frozenset({COLD})), TokenBuckets(config.rate_for, 1.0)
        ),
        create=CreateEscalation(
            publisher, FakeIncarnations(), RecentIds(), config.retry_window_seconds
        ),
        idempotency=FakeIdempotency(),
    )


def _stable(producer: FakeProducer) -> list[dict[str, Any]]:
    """Return what was sent without what differs from run to run (ids, clock readings)."""
    sent = []
    for record in producer.sent:
        event = orjson.loads(orjson.dumps(record.event))
        del event["id"], event["time"], event["data"]["received_at"]
        sent.append(
            {"topic": record.topic, "key": record.key, "headers": record.headers, "event": event}
        )
    return sent


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
    with patch.object(fast_paths, "is_create", lambda scope: False):
        yield


@contextmanager
def _counting(answered: list[bool]) -> Iterator[None]:
    real = fast_paths.answer

    async def spy(*args: Any) -> int | None:
        status = await real(*args)
        answered.append(status is not None)
        return status

    with patch.object(fast_paths, "answer", spy):
        yield


async def _run(calls: list[Call], down: bool = False) -> list[Outcome]:
    deps = _deps(down)
    APP.state.intake = deps
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
                    _stable(deps.producer),
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
