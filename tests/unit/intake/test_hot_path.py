"""The create path's cheap pieces: batched newest-escalation lookups, key parsing, body limit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request
from starlette.types import Message, Scope

from escalations.core.refire import Incarnation
from escalations_intake.auth.guard import _presented
from escalations_intake.db.incarnations import LatestIncarnations
from escalations_intake.http.body_limit import BodyLimit, _content_length
from tests.fakes.intake import FakeLookup

Key = tuple[str, str]
OPEN = Incarnation("id-a", 0, resolved=False)
RESOLVED = Incarnation("id-c", 2, resolved=True)


def _ids(engine: FakeLookup, window_s: float = 0.001) -> LatestIncarnations:
    return LatestIncarnations(engine, window_s=window_s)


async def test_questions_of_one_window_share_one_query() -> None:
    """Lookups asked together are answered by a single query with every key."""
    engine = FakeLookup({("s", "a"): OPEN, ("s", "c"): RESOLVED})
    ids = _ids(engine)
    keys = [("s", "a"), ("s", "b"), ("s", "c")]
    answers = list(await asyncio.gather(*(ids.latest(k) for k in keys)))
    assert [OPEN, None, RESOLVED] == answers
    assert [keys] == engine.batches


async def test_one_query_runs_at_a_time_and_later_questions_form_the_next_batch() -> None:
    """Questions asked while a query runs wait for it and then go in one further query."""
    engine = FakeLookup({("s", "x"): OPEN}, delay_s=0.02)
    ids = _ids(engine)
    first = asyncio.ensure_future(ids.latest(("s", "x")))
    await asyncio.sleep(0.005)  # the first query is running now
    keys = [("s", "y"), ("s", "x"), ("s", "z")]
    later = list(await asyncio.gather(*(ids.latest(k) for k in keys)))
    assert (OPEN, [None, OPEN, None]) == (await first, later)
    assert [[("s", "x")], keys] == engine.batches
    assert 1 == engine.most_running


async def test_a_failing_database_answers_as_for_a_new_key() -> None:
    """The lookup is best effort: a database error answers None (no escalation), never hangs."""
    ids = _ids(FakeLookup({("s", "a"): OPEN}, fail=True))
    assert [None, None] == list(
        await asyncio.gather(ids.latest(("s", "a")), ids.latest(("s", "b")))
    )


async def test_a_withdrawn_question_does_not_break_the_batch() -> None:
    """Cancelling one lookup (its request went away) leaves the others answered."""
    engine = FakeLookup({("s", "b"): RESOLVED})
    ids = _ids(engine)
    withdrawn, kept = ids.ask(("s", "a")), ids.ask(("s", "b"))
    withdrawn.cancel()
    assert RESOLVED == await kept


def _request(headers: list[tuple[bytes, bytes]]) -> Request:
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    return Request(scope)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        (b"Bearer esk_abc", "esk_abc"),
        (b"bearer esk_abc", "esk_abc"),
        (b"BEARER   esk_abc  ", "esk_abc"),
        (b"Basic esk_abc", None),
        (b"Bearer", None),
        (b"Bearer ", None),
        (b"esk_abc", None),
    ],
)
def test_the_key_is_read_from_a_bearer_authorization_header(
    header: bytes | None, expected: str | None
) -> None:
    """Only `Authorization: Bearer <key>` presents a key; anything else presents none."""
    headers = [] if header is None else [(b"authorization", header)]
    assert expected == _presented(_request(headers))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        ([(b"content-length", b"120")], 120),
        ([(b"host", b"x"), (b"content-length", b"0")], 0),
        ([(b"content-length", b"12x")], None),
        ([(b"content-length", b"-1")], None),
    ],
)
def test_content_length_is_read_only_when_it_is_a_number(
    headers: list[tuple[bytes, bytes]], expected: int | None
) -> None:
    """A declared length is trusted only when it is digits; otherwise the body is counted."""
    assert expected == _content_length({"type": "http", "headers": headers})


async def _run_limit(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes]:
    """Send a body through BodyLimit(limit=10); return the status and what the app read."""
    seen: list[bytes] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await BodyLimit(app, limit=10)(scope, receive, send)
    return int(sent[0]["status"]), b"".join(seen)


@pytest.mark.parametrize(
    ("headers", "chunks", "expected"),
    [
        ([(b"content-length", b"10")], [b"0123456789"], (202, b"0123456789")),
        ([(b"content-length", b"11")], [b"0123456789a"], (413, b"")),
        ([], [b"01234", b"56789"], (202, b"0123456789")),
        ([], [b"012345", b"6789ab"], (413, b"")),
    ],
)
async def test_bodies_over_the_limit_get_413_declared_or_streamed(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes], expected: tuple[int, bytes]
) -> None:
    """Declared lengths are checked up front; streamed bodies are counted as they come."""
    assert expected == await _run_limit(headers, chunks)
