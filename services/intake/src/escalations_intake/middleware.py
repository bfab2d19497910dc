"""ASGI middleware: request body limit (413) and per-route metrics."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalations_intake.metrics import HTTP_LATENCY, HTTP_REQUESTS
from escalations_intake.problems import problem_response

BODY_LIMIT = 256 * 1024


class BodyLimit:
    """Refuse request bodies over the limit with 413, whether or not Content-Length is sent.

    A declared ``Content-Length`` is checked up front (the server delivers exactly that
    many bytes); a body without one is read here (at most the limit) and handed on in one
    piece, so an oversized stream is answered 413 before any handler or parser sees it.
    """

    def __init__(self, app: ASGIApp, limit: int = BODY_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body up to the limit and answer 413 past it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self.limit:
                await self._reject(scope, receive, send)
                return
            # The HTTP server delivers exactly the declared length: nothing to count.
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._reject(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "Payload too large", f"request body exceeds {self.limit // 1024} KiB"
        )
        await response(scope, receive, send)


class Metrics:
    """Count requests and time them by route template, method and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and record it under its route template."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            latency, requests = _series(_route_template(scope), scope["method"], status)
            latency.observe(time.perf_counter() - start)
            requests.inc()


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
