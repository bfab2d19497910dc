"""Errors under ``/console`` are HTML pages, not problem+json (docs/console.md).

``install`` wraps the app's handlers (``http.problems.install``): a request under
``/console`` gets the console's error page with the same status and sentence, every other
request the API's answer, unchanged. A ``PageExit`` (a redirect to sign-in, a 403 page)
is answered as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from escalations_intake.console.people import PageExit
from escalations_intake.console.render import error_page
from escalations_intake.http.problems import Problem

PREFIX = "/console"
Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def is_console(request: Request) -> bool:
    """Return whether the request is for a console page."""
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def describe(exc: Exception) -> tuple[int, str, str]:
    """Return the status, title and sentence of an error raised while serving a page."""
    if isinstance(exc, Problem):
        return exc.status, exc.title, exc.detail
    if isinstance(exc, RequestValidationError):
        said = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return 400, "Invalid request", said
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return 404, "Not found", "There is no such page in the console."
        return exc.status_code, "Error", str(exc.detail)
    return 500, "Error", "Something went wrong."


def install(app: FastAPI) -> None:
    """Answer errors of console requests as pages; leave the API's answers as they are."""

    async def exit_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageExit)
        return exc.response

    app.add_exception_handler(PageExit, exit_page)
    for kind in (Problem, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _wrapped(app.exception_handlers[kind]))


def _wrapped(api: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if not is_console(request):
            answer = api(request, exc)
            return await answer if isinstance(answer, Awaitable) else answer
        status, title, message = describe(exc)
        response = error_page(request, status, title, message)
        if isinstance(exc, Problem) and "Retry-After" in exc.headers:
            response.headers["Retry-After"] = exc.headers["Retry-After"]
        return response

    return handle
