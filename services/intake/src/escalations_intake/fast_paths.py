"""The intake's fast paths: plain code rewritten for speed, each held equal to it by a test.

* ``answer``: ``POST /v1/escalations`` answered without the framework's layers. Routing,
  dependency solving and request parsing take more CPU than the create itself. This path
  answers the plain case directly: a JSON body that is valid, a key found in the key cache
  that holds ``escalations:write``, no query string and no ``Idempotency-Key``. It does
  the same steps in the same order as the FastAPI route (rate limit token, then the same
  ``CreateEscalation``) and answers with the same bytes. Anything else (a bad body, an
  unknown key, a query, a key to replay) is handed to the FastAPI route untouched, before
  any side effect, so every error is the route's own. Held equal to the route by
  ``tests/unit/intake/test_fast_path.py`` (property test over bodies).
* ``received_record``: the ``escalation.received`` record, encoded straight to JSON bytes.
  Building it as ``Envelope(data=EscalationReceived(...).model_dump())`` validates and
  dumps values that are ours and already valid, twice; here the envelope is written by
  orjson around the request's own JSON dump. The bytes are the same as
  ``encode(build_event(EscalationReceived(...)))``, so consumers see no difference; held
  equal by ``tests/unit/intake/test_records.py`` (property test over bodies and instants).

Caches these paths read (the key cache, the recent ids) live in the service's objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from escalations.contracts.events import EscalationReceived
from escalations.contracts.fast import new_event_id, raw_envelope
from escalations.contracts.ids import report_fingerprint
from escalations.contracts.registry import EVENT_TYPE_OF, EVENT_TYPES
from escalations.core.escalation import EscalationIn
from escalations_intake.auth.api_keys import Principal
from escalations_intake.auth.api_keys import Scope as KeyScope
from escalations_intake.auth.guard import Guard, presented_key, take_token
from escalations_intake.commands.publish import Record
from escalations_intake.http.problems import Problem, problem_response

if TYPE_CHECKING:  # the command imports this module for ``received_record``
    from escalations_intake.commands.create import CreateEscalation

PATH = "/v1/escalations"
_JSON = b"application/json"
_HEADERS = {b"authorization", b"content-type", b"idempotency-key"}
Handler = Callable[[Request, Exception], Awaitable[Response]]


@dataclass(frozen=True)
class _Answered:
    """The scope's ``route`` of a create this path answered: its template, for the metrics."""

    path: str = PATH


ANSWERED = _Answered()


def is_create(scope: Scope) -> bool:
    """Return whether a request is a create this path may answer (by its line alone)."""
    return (
        scope["path"] == PATH
        and scope["method"] == "POST"
        and not scope["query_string"]
        and not scope.get("root_path")
    )


def _plain_principal(guard: Guard, headers: list[tuple[bytes, bytes]]) -> Principal | None:
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
    principal = guard.keys.cached(key) if key is not None else None
    if principal is None or KeyScope.WRITE not in principal.scopes:
        return None
    # A person's token takes the route, which checks the person is still configured.
    return principal if principal.person is None else None


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
    intake = app.state.intake
    guard: Guard = intake.guard
    principal = _plain_principal(guard, scope["headers"])
    escalation = _valid_body(body) if principal is not None else None
    if principal is None or escalation is None:
        return None
    try:
        take_token(guard.limiter, principal)
        create: CreateEscalation = intake.create
        accepted = await create(principal, escalation)
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


# The escalation.received record, written by hand (see the module docstring).
EVENT_TYPE = EVENT_TYPE_OF[EscalationReceived]
TOPIC = EVENT_TYPES[EVENT_TYPE][0]
SOURCE = "/intake"
# pydantic writes an aware UTC datetime as ISO 8601 with "Z" and drops zero microseconds;
# orjson does the same with this option.
_OPTIONS = orjson.OPT_UTC_Z


def received_record(
    esc_id: str,
    principal: Principal,
    body: EscalationIn,
    now: datetime,
    event_id: str | None = None,
    follows: str | None = None,
    request_json: str | None = None,
) -> Record:
    """Return the record of an accepted escalation, keyed by its escalation id.

    ``follows``: the resolved escalation this report opens a new one after, if any.
    ``request_json``: ``body.model_dump_json()``, if the caller has it already. The record
    carries the report's fingerprint, by which the router knows a client's retry.
    """
    event_id = event_id or new_event_id()
    request_json = request_json or body.model_dump_json()
    data = {
        "escalation_id": esc_id,
        "source": principal.source,
        "source_kind": principal.source_kind.value,
        "received_at": now,
        "request": orjson.Fragment(request_json),
        "follows": follows,
        "fingerprint": report_fingerprint(principal.source, request_json),
    }
    envelope = raw_envelope(
        EVENT_TYPE, event_id=event_id, source=SOURCE, subject=esc_id, time=now, data=data
    )
    return Record(TOPIC, EVENT_TYPE, esc_id, event_id, orjson.dumps(envelope, option=_OPTIONS))
