"""RFC 9457 problem+json responses for every error the API returns."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
# What a request meets when Postgres is away: 503 with Retry-After, never a 500.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)
PROBLEM_JSON = "application/problem+json"
# Paths whose errors are answered the way PagerDuty's Events API v2 answers them: stock
# PagerDuty clients read `status`, `message` and `errors` (docs/integrations.md).
PAGERDUTY_STYLE = frozenset({"/v1/integrations/pagerduty", "/v2/enqueue"})
_PAGERDUTY_STATUS = {
    400: "invalid event",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    413: "payload too large",
    429: "throttled",
    503: "unavailable",
}


class Problem(Exception):
    """An error answered as problem+json."""

    def __init__(
        self, status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def problem_response(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """Return a problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def pagerduty_error(
    status: int, message: str, errors: list[str], headers: dict[str, str] | None = None
) -> JSONResponse:
    """Return an error as PagerDuty's Events API v2 does: ``status``, ``message``, ``errors``."""
    body = {"status": _PAGERDUTY_STATUS.get(status, "error"), "message": message, "errors": errors}
    return JSONResponse(body, status_code=status, headers=headers)


def too_large(path: str, limit: int) -> JSONResponse:
    """Return the answer to a body over ``limit`` bytes sent to ``path``."""
    detail = f"request body exceeds {limit // 1024} KiB"
    if path in PAGERDUTY_STYLE:
        return pagerduty_error(413, "Event object is too large", [detail])
    if path == "/v1/integrations/alertmanager":
        detail += "; lower max_alerts in Alertmanager's webhook_config"
    return problem_response(413, "Payload too large", detail)


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    errors = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    for e, raw in zip(errors, exc.errors(), strict=True):
        if raw["type"] == "extra_forbidden":
            e["message"] = "unknown field (not part of the schema)"
        if raw["type"] == "json_invalid":
            e["field"] = "body"
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return detail, errors


def install(app: FastAPI) -> None:
    """Make every error of the app a problem+json response."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        if request.url.path in PAGERDUTY_STYLE:
            return pagerduty_error(exc.status, exc.title, [exc.detail], exc.headers)
        return problem_response(exc.status, exc.title, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(exc)
        unreadable = any(e.get("type") == "json_invalid" for e in exc.errors())
        if request.url.path in PAGERDUTY_STYLE:
            # PagerDuty answers an invalid event with 400 and these fields; senders written
            # for PagerDuty then know not to retry.
            if unreadable:
                return pagerduty_error(400, "Event object format is unrecognized", [detail])
            pd_errors = [f"{e['field']}: {e['message']}" for e in errors]
            return pagerduty_error(400, "Event object is invalid", pd_errors)
        if unreadable:
            return problem_response(400, "Malformed JSON", detail, errors=errors)
        return problem_response(422, "Invalid request", detail, errors=errors)

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # A request about one escalation names it in the log (docs/operations.md).
        esc_id = request.path_params.get("escalation_id")
        log.warning("database error: %s", exc, extra={"escalation_id": esc_id})
        detail = "the database did not answer; nothing was published, retry later"
        if request.url.path in PAGERDUTY_STYLE:
            return pagerduty_error(503, "Database unavailable", [detail], {"Retry-After": "5"})
        return problem_response(503, "Database unavailable", detail, {"Retry-After": "5"})

    # SQLAlchemy wraps the driver's errors, but not those raised while connecting: a
    # refused or reset connection, a timeout, a server starting up or shutting down.
    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; a path served by
            # several routes (GET and POST) must list them all.
            methods = allowed_methods(request)
            if methods:
                headers["Allow"] = ", ".join(sorted(methods))
        if request.url.path in PAGERDUTY_STYLE:
            return pagerduty_error(exc.status_code, title, [str(exc.detail)], headers)
        return problem_response(exc.status_code, title, str(exc.detail), headers)


def allowed_methods(request: Request) -> set[str]:
    """Return every method the API document lists for the request's path."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"),
                {method.upper() for method in item},
            )
            for path, item in request.app.openapi()["paths"].items()
        ]
        request.app.state.allowed_methods = table
    return {m for regex, methods in table if regex.match(request.url.path) for m in methods}
