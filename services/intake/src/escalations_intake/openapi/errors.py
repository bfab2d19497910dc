"""OpenAPI helpers: the problem schema and the documented error answers of each endpoint."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from escalations_intake.http.problems import PROBLEM_JSON


class FieldError(BaseModel):
    """One invalid field."""

    field: str = Field(description="Dotted path of the field, e.g. `signals.minors`")
    message: str = Field(description="What is wrong with it")


class ProblemDetails(BaseModel):
    """An error (RFC 9457 problem details)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="Problem type URI; `about:blank` here")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What was wrong, naming the offending field or header")
    errors: list[FieldError] | None = Field(
        None, description="Every invalid field (validation errors only)"
    )


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_WHY: dict[int, str] = {
    400: "Malformed JSON, an invalid cursor, or an invalid `Idempotency-Key` header",
    401: "Missing, unknown or revoked API key",
    403: "The key lacks the scope this endpoint needs",
    404: "No such escalation, team or person",
    409: "A request with the same `Idempotency-Key` is still being processed",
    413: "Request body over 256 KiB",
    422: "Invalid field: unknown field, wrong type, bad enum value, length, URL scheme or "
    "timestamp without a time zone",
    429: "The source is over its rate limit",
    503: "The event broker or the database is unavailable: nothing was published; retry "
    "after `Retry-After` seconds",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI ``responses`` entry for these error codes."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {
            "description": _WHY[code],
            "model": ProblemDetails,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        if code in (409, 429, 503):
            entry["headers"] = _RETRY_AFTER
        responses[code] = entry
    return responses


READ_ERRORS = (401, 403, 422, 429, 503)
WRITE_ERRORS = (400, 401, 403, 409, 413, 422, 429, 503)
