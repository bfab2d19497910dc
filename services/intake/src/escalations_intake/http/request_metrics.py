"""ASGI middleware that counts and times every request under its route template and status."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalations_intake.metrics import HTTP_LATENCY, HTTP_REQUESTS


class RequestMetrics:
    """Count and time each request under its route template, method and status.

    The template is the one FastAPI's router matched (it notes it on the scope, as does the
    create fast path); a request answered before routing (e.g. a 413) is matched here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and record its latency and status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        recorder = _StatusRecorder(send)
        try:
            await self.app(scope, receive, recorder)
        finally:
            latency, requests = _series(_route_template(scope), scope["method"], recorder.status)
            latency.observe(time.perf_counter() - start)
            requests.inc()


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


def _route_template(scope: Scope) -> str:
    matched = scope.get("route")  # set by FastAPI's router (or the fast path) on the scope
    if matched is not None and hasattr(matched, "path"):
        return str(matched.path)
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"
