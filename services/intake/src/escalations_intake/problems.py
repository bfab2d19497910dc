"""RFC 9457 problem+json responses for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


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
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(exc)
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return problem_response(400, "Malformed JSON", detail, errors=errors)
        return problem_response(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem_response(exc.status_code, title, str(exc.detail), dict(exc.headers or {}))
