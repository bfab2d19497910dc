"""ASGI middleware that refuses bodies over the limit (413) and offers creates to the fast path."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalations_intake import fast_paths
from escalations_intake.http.problems import too_large

BODY_LIMIT = 256 * 1024
# Alertmanager sends a whole alert group in one body and never retries a 4xx, so a group
# refused for its size is lost: its webhook gets room for max_alerts 200 alerts of up to
# 20 KiB each (docs/integrations.md). Every other path keeps the API's 256 KiB.
WIDER_LIMITS = {"/v1/integrations/alertmanager": 4 * 1024 * 1024}


class BodyLimit:
    """Refuse request bodies over the limit with 413; hand a create to the fast path.

    Bodies over the limit are refused whether or not Content-Length is sent: a declared
    length is checked up front (the server delivers exactly that many bytes); a body without
    one is read here (at most the limit) and handed on in one piece, so an oversized stream
    is answered 413 before any handler or parser sees it. A create is read here and answered
    by ``fast_paths.answer`` when it can be; otherwise the app gets it as it came.
    """

    def __init__(
        self, app: ASGIApp, limit: int = BODY_LIMIT, wider: dict[str, int] = WIDER_LIMITS
    ) -> None:
        self.app = app
        self.limit = limit
        self.wider = wider

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, answer or pass the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.wider.get(scope["path"], self.limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, receive, send, limit)
            return
        create = fast_paths.is_create(scope)
        if declared is not None and not create:
            # The HTTP server delivers exactly the declared length: nothing to count.
            await self.app(scope, receive, send)
            return
        body = await self._read(scope, receive, send, limit)
        if body is None:
            return
        if create and await fast_paths.answer(scope, body, receive, send) is not None:
            scope["route"] = fast_paths.ANSWERED  # for the metrics (``request_metrics``)
            return
        await self.app(scope, _replay(body, receive), send)

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


def _content_length(scope: Scope) -> int | None:
    """Return the declared Content-Length, or None when absent or not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
