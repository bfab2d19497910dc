"""Run a publishing command once per ``Idempotency-Key``, and answer JSON with orjson."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from escalations_intake.auth.api_keys import Principal
from escalations_intake.db.idempotency import (
    HEADER,
    KEY_PATTERN,
    IdempotencyStore,
    Stored,
    check_key,
    event_id_for,
    fingerprint,
)

log = logging.getLogger(__name__)
JSON = "application/json"
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        # Said in the document, enforced by `db.idempotency.check_key` (400 naming the header).
        json_schema_extra={"pattern": KEY_PATTERN, "minLength": 1, "maxLength": 200},
        description="Any unique string (e.g. a UUID), at most 200 visible ASCII characters. "
        "A retry with the same key and body returns the first answer (header "
        "`Idempotent-Replayed: true`) and publishes nothing again; the same key with a "
        "different body is a 422. Keys are kept 24 h.",
        examples=["6c1f4a8e-9b0e-4c55-8a3b-3d2f3f8f6d11"],
    ),
]


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Return a JSON response serialised with orjson."""
    return Response(orjson.dumps(body), status_code=status_code, headers=headers, media_type=JSON)


async def accept(
    store: IdempotencyStore,
    request: Request,
    principal: Principal,
    key: str | None,
    body: Any,
    run: Callable[[str | None], Awaitable[BaseModel]],
    status: int = 202,
) -> Response:
    """Run ``run(event_id)`` once per key and answer its result (or the stored first answer).

    ``body`` (JSON-ready data, or a model dumped only when a key needs its fingerprint)
    identifies the request for the key.
    """
    key = check_key(key)
    if key is None:
        result = await run(None)
        return Response(result.model_dump_json(), status_code=status, media_type=JSON)
    path = request.url.path
    digest = fingerprint(request.method, path, plain(body) if isinstance(body, BaseModel) else body)
    stored = await store.claim(principal.source, key, digest)
    if stored is not None:
        headers = {"Idempotent-Replayed": "true"}
        return json_response(stored.body, status_code=stored.status_code, headers=headers)
    try:
        result = await run(event_id_for(principal.source, key, path))
    except BaseException:
        await store.release(principal.source, key)
        raise
    answer = Stored(status, result.model_dump(mode="json"))
    try:
        await store.complete(principal.source, key, answer)
    except SQLAlchemyError as exc:
        # The event is on the broker: answer it. A retry finds the key unfinished and,
        # after the takeover delay, publishes again with the same event id (a no-op).
        log.warning("could not store the answer of an Idempotency-Key: %s", exc)
    return json_response(answer.body, status_code=status)


def plain(body: BaseModel) -> Any:
    """Return a model as JSON-ready data, for fingerprints."""
    return body.model_dump(mode="json")
