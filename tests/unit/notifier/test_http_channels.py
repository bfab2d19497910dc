"""HTTP channels classify answers (retry or not) and never put a secret in an error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from escalations.contracts.events import EscalationAssigned
from escalations.core.escalation import Tier
from escalations.signing import HEADER, verify
from escalations_notifier.channels import Channel, DeliveryError, Message
from escalations_notifier.channels.base import retry_after_seconds
from escalations_notifier.channels.http import HttpClients
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import TeamsChannel
from escalations_notifier.channels.webhook import WebhookChannel
from escalations_notifier.templates import Templates

from .fixtures import event, planner, summary

TEMPLATES = Templates()
CHANNELS = ["pagerduty", "slack", "teams", "webhook"]
# Where each channel's credential sits in the fixture configuration (kept in the URL path).
PATHS = {
    "pagerduty": "/v2/enqueue",
    "slack": "/services/T/B/ana-secret",
    "teams": "/webhook/ana-secret",
    "webhook": "/hooks/ana-secret",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Receiver:
    """A local HTTP server whose answer each test chooses; it keeps what it was sent."""

    answer: Handler
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    peers: list[object] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request, then answer as the test said."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.requests.append((dict(request.headers), await request.read()))
            transport = request.transport
            self.peers.append(transport.get_extra_info("peername") if transport else None)
            return await self.answer(request)
        finally:
            self.in_flight -= 1


def status(code: int, headers: dict[str, str] | None = None, text: str = "") -> Handler:
    """Return a handler that always answers ``code``."""

    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers=headers, text=text)

    return answer


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, TestServer]]:
    """Start a receiver on a free local port (answers 202 until told otherwise)."""
    state = Receiver(status(202))
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield state, server
    await server.close()


@pytest.fixture
async def clients() -> AsyncIterator[HttpClients]:
    """Return HTTP clients, closed after the test."""
    pool = HttpClients(1.0, per_endpoint=2)
    yield pool
    await pool.aclose()


def _message(name: str, base: str) -> Message:
    """Return Ana's P0 assignment message on ``name``, addressed to ``base``."""
    payload = EscalationAssigned(escalation=summary(tier=Tier.P0), owner="ana", team="desk")
    plan = planner().plan(event(payload), payload)
    message = {m.channel: m for m in plan.messages if m.recipient == "ana"}[name]
    return message if name == "pagerduty" else replace(message, address=base + PATHS[name])


def _channel(name: str, base: str, clients: HttpClients) -> tuple[Channel, Message]:
    adapters: dict[str, Channel] = {
        "pagerduty": PagerDutyChannel(clients, base + PATHS["pagerduty"], TEMPLATES),
        "slack": SlackChannel(clients, TEMPLATES),
        "teams": TeamsChannel(clients, TEMPLATES),
        "webhook": WebhookChannel(clients, b"s" * 16, TEMPLATES),
    }
    return adapters[name], _message(name, base)


def _base(server: TestServer) -> str:
    return f"http://127.0.0.1:{server.port}"


@pytest.mark.parametrize("name", CHANNELS)
async def test_retry_decision_per_status(
    name: str, receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """Rate limits, timeouts and 5xx are retried; other 4xx are permanent."""
    state, server = receiver
    adapter, message = _channel(name, _base(server), clients)
    expected = {400: False, 401: False, 403: False, 404: False, 408: True, 429: True,
                500: True, 502: True, 503: True, 504: True}  # fmt: skip
    decided = {}
    for code in expected:
        state.answer = status(code)
        with pytest.raises(DeliveryError) as caught:
            await adapter.send(message)
        decided[code] = caught.value.retryable
    assert expected == decided


@pytest.mark.parametrize("name", CHANNELS)
async def test_accepted_answers_are_success(
    name: str, receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """200, 202 and 204 mean delivered."""
    state, server = receiver
    adapter, message = _channel(name, _base(server), clients)
    for code in (200, 202, 204):
        state.answer = status(code)
        await adapter.send(message)
    assert 3 == len(state.requests)


@pytest.mark.parametrize("name", CHANNELS)
async def test_429_carries_retry_after(
    name: str, receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """A 429's Retry-After reaches the retry wrapper."""
    state, server = receiver
    state.answer = status(429, {"Retry-After": "7"})
    adapter, message = _channel(name, _base(server), clients)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(message)
    assert (True, 7.0) == (caught.value.retryable, caught.value.retry_after)


@pytest.mark.parametrize("name", CHANNELS)
async def test_errors_never_contain_the_url_or_routing_key(
    name: str, receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """Slack/Teams URLs and routing keys are credentials: not in any error text."""
    state, server = receiver
    state.answer = status(500, text="you posted to " + PATHS[name])
    closed = TestServer(web.Application(), host="127.0.0.1")
    await closed.start_server()
    dead_port = closed.port
    await closed.close()
    texts = []
    for base in (_base(server), f"http://127.0.0.1:{dead_port}"):
        adapter, message = _channel(name, base, clients)
        with pytest.raises(DeliveryError) as caught:
            await adapter.send(message)
        texts.append(str(caught.value))
    leaks = ("secret", "R0UTINGKEYANA", "127.0.0.1", str(server.port), str(dead_port), "/v2")
    assert [] == [(t, s) for t in texts for s in leaks if s in t]
    assert 2 == len({t.split(":")[0] for t in texts})  # an answer and an unreachable host


async def test_a_timeout_is_retryable(
    receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """A receiver slower than the request timeout counts as unreachable, worth retrying."""
    state, server = receiver

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2)
        return web.Response(status=202)

    state.answer = slow
    adapter, message = _channel("webhook", _base(server), clients)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(message)
    assert (True, "webhook unreachable") == (
        caught.value.retryable,
        str(caught.value).split(":")[0],
    )


async def test_an_invalid_address_is_permanent(clients: HttpClients) -> None:
    """A contact that is not a URL cannot succeed later: no retry, and not echoed back."""
    adapter, message = _channel("slack", "http://127.0.0.1:1", clients)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(replace(message, address="not a url ana-secret"))
    assert (False, "Slack webhook address is not a valid URL") == (
        caught.value.retryable,
        str(caught.value),
    )


def test_retry_after_parses_seconds_and_http_dates() -> None:
    """Both Retry-After forms of RFC 9110 are understood; garbage is ignored."""
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert (5.0, 30.0, 0.0, None, None) == (
        retry_after_seconds("5"),
        retry_after_seconds("Wed, 25 Nov 2026 12:00:30 GMT", now),
        retry_after_seconds("Wed, 25 Nov 2026 11:00:00 GMT", now),
        retry_after_seconds("soon", now),
        retry_after_seconds(None),
    )


async def test_webhook_is_signed_over_the_exact_body(
    receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """The receiver can verify X-Escalation-Signature with the shared secret."""
    state, server = receiver
    adapter, message = _channel("webhook", _base(server), clients)
    await adapter.send(message)
    headers, body = state.requests[0]
    assert verify(b"s" * 16, body, headers[HEADER], int(time.time()))
    assert (message.event_id, "application/json") == (
        headers["X-Escalation-Event-Id"],
        headers["Content-Type"],
    )


async def test_connections_are_kept_alive_and_capped_per_endpoint(
    receiver: tuple[Receiver, TestServer], clients: HttpClients
) -> None:
    """Concurrent sends to one endpoint share at most ``per_endpoint`` kept-alive connections."""
    state, server = receiver

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.02)
        return web.Response(status=202)

    state.answer = slow
    adapter, message = _channel("webhook", _base(server), clients)
    await asyncio.gather(*(adapter.send(message) for _ in range(10)))
    await asyncio.gather(*(adapter.send(message) for _ in range(10)))
    assert (20, 2, 2) == (len(state.requests), state.most_in_flight, len(set(state.peers)))


@pytest.mark.parametrize("redelivery", [False, True])
async def test_webhook_marks_a_redelivery_and_only_a_redelivery(
    receiver: tuple[Receiver, TestServer], clients: HttpClients, redelivery: bool
) -> None:
    """A re-send after an unknown outcome carries X-Escalation-Redelivery: 1 and the same id."""
    state, server = receiver
    adapter, message = _channel("webhook", _base(server), clients)
    await adapter.send(replace(message, redelivery=redelivery))
    headers, _ = state.requests[0]
    expected = "1" if redelivery else None
    assert (expected, message.event_id) == (
        headers.get("X-Escalation-Redelivery"), headers["X-Escalation-Event-Id"],
    )  # fmt: skip
