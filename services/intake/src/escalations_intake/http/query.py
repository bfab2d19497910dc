"""Unknown or repeated query parameters are refused: a typo never filters silently."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant

from escalations_intake.http.problems import Problem

_DECLARED: dict[int, frozenset[str]] = {}


def _declared(dependant: Dependant) -> frozenset[str]:
    # Routes live as long as the app: their ids are stable keys (Dependant is unhashable).
    found = _DECLARED.get(id(dependant))
    if found is None:
        names: set[str] = set()
        pending = [dependant]
        while pending:
            current = pending.pop()
            names.update(param.alias for param in current.query_params)
            pending.extend(current.dependencies)
        found = _DECLARED[id(dependant)] = frozenset(names)
    return found


def _reject_nul(request: Request) -> None:
    # Postgres text cannot hold NUL: such a value could never match, and the driver would
    # fail the lookup as if the database were down.
    for kind, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            if "\x00" in name or "\x00" in str(value):
                raise Problem(422, "Invalid request", f"{name}: {kind} parameter contains NUL")


async def reject_unknown_query(request: Request) -> None:
    """Raise 422 naming the first query parameter the endpoint does not declare."""
    _reject_nul(request)
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _declared(dependant)
    for name in request.query_params:
        if len(request.query_params.getlist(name)) > 1:
            # Every parameter of this API is a single value; the framework would keep one.
            raise Problem(422, "Invalid request", f"{name}: given more than once")
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise Problem(
                422,
                "Invalid request",
                f"{name or '(empty name)'}: unknown query parameter (allowed: {allowed})",
            )
