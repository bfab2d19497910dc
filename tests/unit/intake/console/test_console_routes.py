"""Every console route asks who the person is, except the few that serve anyone."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute

from escalations_intake.console.people import console_person
from escalations_intake.http.app import create_app
from escalations_intake.settings import IntakeSettings

# Served without a person: static files, the signed-out page, and the 404 of any other path.
PUBLIC = {
    ("GET", "/console/static/{name}"),
    ("GET", "/console/signed-out"),
    ("GET", "/console/{rest:path}"),
    ("POST", "/console/{rest:path}"),
}


def _console_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        pairs = [(ctx.original_route, ctx.path) for ctx in contexts()] if contexts else []
        for found, path in pairs:
            if isinstance(found, APIRoute) and (path == "/console" or path.startswith("/console/")):
                for method in sorted(found.methods or ()):
                    if method != "HEAD":
                        yield method, path, found


def _calls(route: APIRoute) -> Iterator[object]:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        yield dependant.call
        stack.extend(dependant.dependencies)


def test_every_console_page_and_action_depends_on_the_person() -> None:
    """Pages and actions authenticate their person (sign-in, 403 for keys, CSRF)."""
    routes = list(_console_routes(create_app(IntakeSettings())))
    assert {("GET", "/console"), ("POST", "/console/escalations/{escalation_id}/acknowledge")} <= {
        (m, p) for m, p, _ in routes
    }
    for method, path, route in routes:
        if (method, path) in PUBLIC:
            continue
        assert console_person in list(_calls(route)), (method, path)
    assert PUBLIC <= {(m, p) for m, p, _ in routes}
