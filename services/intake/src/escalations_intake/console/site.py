"""The console's static files, its signed-out page, and its 404 for any other path.

Static files are our own small CSS and JavaScript files (docs/console.md, "Static files"):
only names listed in the static folder are served, with a short public cache.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from starlette.responses import Response

from escalations_intake.console.render import error_page, page
from escalations_intake.console.security import STATIC_CACHE, secured

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(css|js)$")

router = APIRouter(prefix="/console", include_in_schema=False)
StaticName = Annotated[str, PathParam(max_length=80)]


def static_file(name: str) -> Path | None:
    """Return the static file called ``name``, or None unless it is one of ours."""
    if not _NAME.match(name):
        return None
    found = STATIC / name
    return found if found.is_file() else None


@router.get("/static/{name}")
async def static(request: Request, name: StaticName) -> Response:
    """Serve a console stylesheet or script."""
    found = static_file(name)
    if found is None:
        return error_page(request, 404, "Not found", "There is no such file in the console.")
    response = FileResponse(found, media_type=MEDIA_TYPES[found.suffix])
    secured(response, cache=STATIC_CACHE)
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> HTMLResponse:
    """Say the person signed out, with a way back in."""
    return page(request, "signed_out.html", {"title": "Signed out"})


@router.api_route("/{rest:path}", methods=["GET", "POST"])
async def not_found(request: Request, rest: str) -> HTMLResponse:
    """Answer the console's 404 page for any path no console page serves."""
    return error_page(request, 404, "Not found", "There is no such page in the console.")
