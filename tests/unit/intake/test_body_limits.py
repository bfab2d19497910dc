"""Body limits per path, and how a body over the limit is answered on each kind of path."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.types import Message, Scope

from escalations_intake.http.body_limit import WIDER_LIMITS, BodyLimit
from escalations_intake.http.problems import too_large


async def _status(path: str, body: bytes, streamed: bool) -> int:
    """Send ``body`` to ``path`` through BodyLimit(limit=10, wider={'/wide': 20})."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body", False):
            pass
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [] if streamed else [(b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    await BodyLimit(app, limit=10, wider={"/wide": 20})(scope, receive, send)
    return int(sent[0]["status"])


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize(
    ("path", "size", "expected"),
    [("/wide", 20, 202), ("/wide", 21, 413), ("/other", 11, 413), ("/other", 10, 202)],
)
async def test_a_wider_path_gets_its_own_limit(
    path: str, size: int, expected: int, streamed: bool
) -> None:
    """A path with a wider limit takes bodies up to it; every other path keeps the default."""
    assert expected == await _status(path, b"x" * size, streamed)


def test_the_alertmanager_webhook_takes_two_mib() -> None:
    """Alertmanager groups may be up to 4 MiB (max_alerts 200 of up to 20 KiB each)."""
    assert {"/v1/integrations/alertmanager": 4 * 1024 * 1024} == WIDER_LIMITS


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/v1/integrations/alertmanager",
            {
                "type": "about:blank",
                "title": "Payload too large",
                "status": 413,
                "detail": "request body exceeds 4096 KiB; lower max_alerts in Alertmanager's "
                "webhook_config",
            },
        ),
        (
            "/v2/enqueue",
            {
                "status": "payload too large",
                "message": "Event object is too large",
                "errors": ["request body exceeds 256 KiB"],
            },
        ),
        (
            "/v1/escalations",
            {
                "type": "about:blank",
                "title": "Payload too large",
                "status": 413,
                "detail": "request body exceeds 256 KiB",
            },
        ),
    ],
)
def test_too_large_is_answered_in_the_paths_own_error_shape(
    path: str, expected: dict[str, Any]
) -> None:
    """PagerDuty paths answer PagerDuty's shape; others a problem, Alertmanager's with a hint."""
    limit = WIDER_LIMITS.get(path, 256 * 1024)
    response = too_large(path, limit)
    assert (413, expected) == (response.status_code, orjson.loads(response.body))
