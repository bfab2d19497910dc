"""The one seam where roles and need-to-know meet a request (docs/contract/access.md).

``enforce`` runs inside the guard (``auth.guard.KeyAuth``), after the scopes, for every
route that authenticates its caller. For a person (a session or a personal token) it finds
the request's endpoint in ``ENDPOINTS`` by method and route path template, resolves what
the action is on (the escalation's owning team, the path's ``{team}``, or the path's
``{person}``), answers ``404`` for an escalation the person may not see, exactly as for a
missing one, then ``403`` for an action the matrix does not allow. Routes that are not a
person's to call (``EXEMPT`` below) are left to their own checks. Sources are decided by
their scopes alone.

An escalation loaded here is kept on ``request.state`` (``loaded_escalation``), so the
route does not read it twice. The pure decisions are in ``auth.access_rules``.
"""

from __future__ import annotations

from fastapi import Request

from escalations.core.access import PersonRoles, roles_of
from escalations.core.access_endpoints import Endpoint
from escalations.core.config import Config
from escalations.db.models import EscalationRow
from escalations_intake.auth.access_rules import (
    EscalationFacts,
    Refusal,
    Visibility,
    endpoint_of,
    on_escalation,
    on_person,
    on_team,
    visibility,
)
from escalations_intake.auth.principal import Principal
from escalations_intake.db import Sessions
from escalations_intake.http.problems import Problem

EXEMPT: frozenset[tuple[str, str]] = frozenset(
    {
        # The integrations speak for a source system (a person there is 403).
        ("POST", "/v1/integrations/alertmanager"),
        ("POST", "/v1/integrations/pagerduty"),
        ("POST", "/v2/enqueue"),
        # Signed acknowledge links of notifications: the link names its person.
        ("GET", "/v1/ack/{token}"),
        ("POST", "/v1/ack/{token}"),
        # Secret calendar feed URLs: the secret is the credential.
        ("GET", "/v1/feeds/{secret}.ics"),
        # Sign-in, sign-out and who am I: every signed-in person's own.
        ("GET", "/v1/auth/sign-in"),
        ("GET", "/v1/auth/callback"),
        ("GET", "/v1/auth/local/{token}"),
        ("POST", "/v1/auth/sign-out"),
        ("GET", "/v1/me"),
        # Operations: health, readiness and metrics answer without credentials.
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
    }
)
"""Routes that are not a person's role to decide (docs/contract/access.md, "Endpoints")."""

_STATE_ROW = "escalation"
# The acts the owner and the paged may do off their team (docs/contract/access.md).
INVOLVED_MAY = ("/{escalation_id}/acknowledge", "/{escalation_id}/updates")


async def enforce(request: Request, principal: Principal) -> None:
    """Raise ``404`` or ``403`` unless the request's person may call its endpoint.

    Does nothing for a source key or for a route that is not in ``ENDPOINTS``.
    """
    if principal.person is None:
        return
    endpoint = endpoint_of(request.method, _route_path(request))
    if endpoint is None:
        return
    config = _config(request)
    refusal = await _refusal(request, config, roles_of(config, principal.person), endpoint)
    if refusal is not None:
        title = "Not found" if refusal.status == 404 else "Forbidden"
        raise Problem(refusal.status, title, refusal.detail)


def person_visibility(request: Request, principal: Principal) -> Visibility | None:
    """Return the escalations list filter of the request's person (None: sees every one)."""
    if principal.person is None:
        return None
    config = _config(request)
    return visibility(config, roles_of(config, principal.person))


def loaded_escalation(request: Request, escalation_id: str) -> EscalationRow | None:
    """Return the escalation ``enforce`` loaded for this request, if it loaded that one."""
    row: EscalationRow | None = getattr(request.state, _STATE_ROW, None)
    return row if row is not None and row.id == escalation_id else None


async def _refusal(
    request: Request, config: Config, roles: PersonRoles, endpoint: Endpoint
) -> Refusal | None:
    params = request.path_params
    if endpoint.subject == "escalation":
        esc_id = str(params["escalation_id"])
        row = await _load(request, esc_id)
        involved_may = endpoint.path.endswith(INVOLVED_MAY)
        facts = escalation_facts(row)
        return on_escalation(
            config, roles, endpoint.action, facts, esc_id, acknowledging=involved_may
        )
    if endpoint.subject == "team":
        team = str(params["team"])
        # An unknown team is the route's to answer (404), for everyone alike.
        known = team in config.teams_by_id
        return on_team(roles, endpoint.action, team) if known else None
    if endpoint.subject == "person":
        person = str(params["person"])
        known = person in config.people_by_id
        return on_person(config, roles, endpoint.action, person) if known else None
    return on_team(roles, endpoint.action, None)


async def _load(request: Request, escalation_id: str) -> EscalationRow | None:
    sessions: Sessions = request.app.state.intake.sessions
    async with sessions() as session:
        row = await session.get(EscalationRow, escalation_id)
    setattr(request.state, _STATE_ROW, row)
    return row


def escalation_facts(row: EscalationRow | None) -> EscalationFacts | None:
    """Return what need-to-know and the matrix read of a stored escalation (None: none)."""
    if row is None:
        return None
    paged = (row.assignment or {}).get("paged") or []
    return EscalationFacts(
        id=row.id,
        team=row.team,
        policy_area=row.policy_area,
        owner=row.owner,
        paged=tuple(str(p) for p in paged),
    )


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", ""))


def _config(request: Request) -> Config:
    config: Config = request.app.state.intake.config.current()
    return config
