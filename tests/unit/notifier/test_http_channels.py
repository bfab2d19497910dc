"""HTTP channels classify answers (retry or not) and never put a secret in an error."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from escalations_notifier.channels import DeliveryError, Message
from escalations_notifier.channels.base import retry_after_seconds
from escalations_notifier.channels.http import HttpClients
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import TeamsChannel
from escalations_notifier.channels.webhook import WebhookChannel
from escalations_notifier.templates import Templates

from .fixtures import event, planner, summary

TEMPLATES = Templates()


def _messages() -> dict[str, Message]:
    from escalations.contracts.events import EscalationAssigned
    from escalations.core.escalation import Tier

    payload = EscalationAssigned(escalation=summary(tier=Tier.P0), owner="ana", team="desk")
    plan = planner().plan(event(payload), payload)
    return {m.channel: m for m in plan.messages if m.recipient == "ana"}


def _channel(name: str, handler: httpx.MockTransport) -> tuple[object, Message]:
    client = HttpClients(1.0, transport=handler)
    adapters = {
        "pagerduty": PagerDutyChannel(client, "https://events.pd.test/v2/enqueue", TEMPLATES),
        "slack": SlackChannel(client, TEMPLATES),
        "teams": TeamsChannel(client, TEMPLATES),
        "webhook": WebhookChannel(client, b"s" * 16, TEMPLATES),
    }
    return adapters[name], _messages()[name]


CHANNELS = ["pagerduty", "slack", "teams", "webhook"]


@pytest.mark.parametrize("name", CHANNELS)
@pytest.mark.parametrize(
    ("status", "retry"),
    [(400, False), (401, False), (403, False), (404, False), (408, True), (429, True),
     (500, True), (502, True), (503, True), (504, True)],
)  # fmt: skip
async def test_retry_decision_per_status(name: str, status: int, retry: bool) -> None:
    """Rate limits, timeouts and 5xx are retried; other 4xx are permanent."""
    adapter, message = _channel(name, httpx.MockTransport(lambda r: httpx.Response(status)))
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(message)  # type: ignore[attr-defined]
    assert retry == caught.value.retryable


@pytest.mark.parametrize("name", CHANNELS)
async def test_accepted_answers_are_success(name: str) -> None:
    """200 and 202 mean delivered."""
    for status in (200, 202):
        adapter, message = _channel(
            name, httpx.MockTransport(lambda r, s=status: httpx.Response(s))
        )
        await adapter.send(message)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", CHANNELS)
async def test_429_carries_retry_after(name: str) -> None:
    """A 429's Retry-After reaches the retry wrapper."""
    answer = httpx.Response(429, headers={"Retry-After": "7"})
    adapter, message = _channel(name, httpx.MockTransport(lambda r: answer))
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(message)  # type: ignore[attr-defined]
    assert (True, 7.0) == (caught.value.retryable, caught.value.retry_after)


@pytest.mark.parametrize("name", CHANNELS)
async def test_errors_never_contain_the_url_or_routing_key(name: str) -> None:
    """Slack/Teams URLs and routing keys are credentials: not in any error text."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    for transport in (
        httpx.MockTransport(refuse),
        httpx.MockTransport(lambda r: httpx.Response(500, text=str(r.url))),
    ):
        adapter, message = _channel(name, transport)
        with pytest.raises(DeliveryError) as caught:
            await adapter.send(message)  # type: ignore[attr-defined]
        text = str(caught.value)
        assert [] == [s for s in ("secret", "R0UTINGKEYANA", "hooks", "pd.test") if s in text]


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


async def test_webhook_is_signed_over_the_exact_body() -> None:
    """The receiver can verify X-Escalation-Signature with the shared secret."""
    import time

    from escalations.signing import HEADER, verify

    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    adapter, message = _channel("webhook", httpx.MockTransport(accept))
    await adapter.send(message)  # type: ignore[attr-defined]
    request = seen[0]
    assert verify(b"s" * 16, request.content, request.headers[HEADER], int(time.time()))
    assert message.event_id == request.headers["X-Escalation-Event-Id"]


async def test_clients_are_lent_one_request_at_a_time_per_endpoint() -> None:
    """An endpoint's clients are lent out exclusively; the next borrower waits for one."""
    clients = HttpClients(1.0, per_endpoint=2)
    async with clients.lend("https://a.test/1") as one, clients.lend("https://a.test/2") as two:
        waiting = asyncio.ensure_future(clients.lend("https://a.test/3").__aenter__())
        await asyncio.sleep(0.01)
        async with clients.lend("https://b.test/x") as other:
            assert (False, True) == (waiting.done(), other not in (one, two))
    assert (await waiting) in (one, two)
    await clients.aclose()
