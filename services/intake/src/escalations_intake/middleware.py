"""ASGI middleware: request body limit (413), per-route metrics, the create fast path."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalations_intake import fastpath
from escalations_intake.metrics import HTTP_LATENCY, HTTP_REQUESTS
from escalations_intake.problems import too_large

BODY_LIMIT = 256 * 1024
# Alertmanager sends a whole alert group in one body and never retries a 4xx, so a group
# refused for its size is lost: its webhook gets room for max_alerts 200 alerts of up to
# 20 KiB each (docs/integrations.md). Every other path keeps the API's 256 KiB.
WIDER_LIMITS = {"/v1/integrations/alertmanager": 4 * 1024 * 1024}


class Front:
    """The one middleware: body limit (413), per-route metrics, and the create fast path.

    Bodies over the limit are refused with 413, whether or not Content-Length is sent: a
    declared length is checked up front (the server delivers exactly that many bytes); a
    body without one is read here (at most the limit) and handed on in one piece, so an
    oversized stream is answered 413 before any handler or parser sees it. Every request is
    counted and timed under its route template, method and status. A create is read here
    and answered by ``fastpath`` when it can be; otherwise the app gets it as it came.
    """

    def __init__(
        self, app: ASGIApp, limit: int = BODY_LIMIT, wider: dict[str, int] = WIDER_LIMITS
    ) -> None:
        self.app = app
        self.limit = limit
        self.wider = wider

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the limit, answer or pass the request on, and record it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        recorder = _StatusRecorder(send)
        route: str | None = None
        try:
            route = await self._dispatch(scope, receive, recorder)
        finally:
            status = recorder.status
            latency, requests = _series(route or _route_template(scope), scope["method"], status)
            latency.observe(time.perf_counter() - start)
            requests.inc()

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> str | None:
        """Serve the request; return the route template when the fast path answered it."""
        limit = self.wider.get(scope["path"], self.limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, receive, send, limit)
            return None
        create = fastpath.is_create(scope)
        if declared is not None and not create:
            # The HTTP server delivers exactly the declared length: nothing to count.
            await self.app(scope, receive, send)
            return None
        body = await self._read(scope, receive, send, limit)
        if body is None:
            return None
        if create and await fastpath.answer(scope, body, receive, send) is not None:
            return fastpath.PATH
        await self.app(scope, _replay(body, receive), send)
        return None

    async def _read(self, scope: Scope, receive: Receive, send: Send, limit: int) -> bytes | None:
        """Return the whole body, or None once it was refused (413) or the client left."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return None
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await self._reject(scope, receive, send, limit)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = too_large(scope["path"], limit)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a receive that yields the body read already, then the connection's messages."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _StatusRecorder:
    """A send that notes the response status (500 until one is sent)."""

    __slots__ = ("send", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)


_SERIES: dict[tuple[str, str, int], tuple[Histogram, Counter]] = {}


def _series(route: str, method: str, status: int) -> tuple[Histogram, Counter]:
    """Return the labelled latency and count series, resolving the labels once."""
    key = (route, method, status)
    found = _SERIES.get(key)
    if found is None:
        # As many keys as the metric has series: this only skips the labels() lookup.
        found = HTTP_LATENCY.labels(route, method), HTTP_REQUESTS.labels(route, method, str(status))
        _SERIES[key] = found
    return found


def _content_length(scope: Scope) -> int | None:
    """Return the declared Content-Length, or None when absent or not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _route_template(scope: Scope) -> str:
    matched = scope.get("route")  # set by FastAPI's router on the scope it was given
    if matched is not None and hasattr(matched, "path"):
        return str(matched.path)
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"
