"""The hot endpoint, ``POST /v1/escalations``, answered without the framework's layers.

Routing, dependency solving and request parsing take more CPU than the create itself. This
path answers the plain case directly: a JSON body that is valid, a key found in the key
cache that holds ``escalations:write``, no query string and no ``Idempotency-Key``. It does
the same steps in the same order as the FastAPI route (rate limit token, then ``submit``)
and answers with the same bytes. Anything else (a bad body, an unknown key, a query, a
key to replay) is handed to the FastAPI route untouched, before any side effect, so every
error is the route's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from escalations.core.escalation import EscalationIn
from escalations_intake.auth import Principal, presented_key, take_token
from escalations_intake.auth import Scope as KeyScope
from escalations_intake.bootstrap import Deps
from escalations_intake.problems import Problem, problem_response
from escalations_intake.routes_escalations import submit

PATH = "/v1/escalations"
_JSON = b"application/json"
_HEADERS = {b"authorization", b"content-type", b"idempotency-key"}
Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_create(scope: Scope) -> bool:
    """Return whether a request is a create this path may answer (by its line alone)."""
    return (
        scope["path"] == PATH
        and scope["method"] == "POST"
        and not scope["query_string"]
        and not scope.get("root_path")
    )


def _plain_principal(deps: Deps, headers: list[tuple[bytes, bytes]]) -> Principal | None:
    """Return the cached writer behind a plain JSON request without a key to replay."""
    seen: dict[bytes, bytes] = {}
    for name, value in headers:
        if name in _HEADERS and name not in seen:  # the first one counts, as in Starlette
            seen[name] = value
    if b"idempotency-key" in seen:
        return None
    content_type = seen.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    authorization = seen.get(b"authorization")
    if content_type != _JSON or authorization is None:
        return None
    key = presented_key(authorization.decode("latin-1"))
    principal = deps.keys.cached(key) if key is not None else None
    if principal is None or KeyScope.WRITE not in principal.scopes:
        return None
    return principal


def _valid_body(body: bytes) -> EscalationIn | None:
    """Return the validated body, or None when the route must explain what is wrong."""
    try:
        # orjson accepts a subset of what the route's json.loads accepts, with equal values.
        data = orjson.loads(body)
        return EscalationIn.model_validate(data, from_attributes=True)
    except (orjson.JSONDecodeError, ValidationError):
        return None


async def answer(scope: Scope, body: bytes, receive: Receive, send: Send) -> int | None:
    """Answer a create and return its status, or None (nothing done) to leave it to the route."""
    app = scope["app"]
    deps: Deps = app.state.deps
    principal = _plain_principal(deps, scope["headers"])
    escalation = _valid_body(body) if principal is not None else None
    if principal is None or escalation is None:
        return None
    try:
        take_token(deps.limiter, principal)
        accepted = await submit(deps, principal, escalation)
    except Exception as exc:  # noqa: BLE001  # re-raised by _handled when no handler takes it
        # Answered as the app's exception handlers answer it, else re-raised (a 500).
        response = await _handled(app, scope, receive, exc)
        await response(scope, receive, send)
        return response.status_code
    content = accepted.model_dump_json().encode()
    length = str(len(content)).encode()
    headers = [(b"content-length", length), (b"content-type", _JSON)]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": content})
    return 202


async def _handled(app: Any, scope: Scope, receive: Receive, exc: Exception) -> Response:
    """Return the response of the app's handler for ``exc``, or re-raise it (a 500)."""
    if isinstance(exc, Problem):
        return problem_response(exc.status, exc.title, exc.detail, exc.headers)
    handlers: dict[Any, Handler] = app.exception_handlers
    for kind in type(exc).__mro__:
        if kind is not Exception and kind in handlers:
            return await handlers[kind](Request(scope, receive), exc)
    raise exc
