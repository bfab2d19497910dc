"""Write an audit entry for a request: its actor, client address and user agent.

Routes call ``audit`` once the action succeeded (for a command: once the broker has it), or
wrap a command with ``audited`` so that an ``Idempotency-Key`` replay, which runs nothing,
writes nothing either. The log itself is ``escalations.audit`` (docs/contract/audit.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.audit.store import append_now
from escalations_intake.auth.principal import Principal

Result = TypeVar("Result")


async def audit(
    request: Request,
    principal: Principal,
    action: str,
    subject_kind: str,
    subject_id: str | None,
    detail: Mapping[str, Any],
) -> None:
    """Append what ``principal`` did in this request (raises if Postgres fails)."""
    await audit_anonymous(request, principal.actor, action, subject_kind, subject_id, detail)


async def audit_anonymous(
    request: Request,
    actor: str,
    action: str,
    subject_kind: str,
    subject_id: str | None,
    detail: Mapping[str, Any],
) -> None:
    """Append an action of a request with no principal (e.g. a refused sign-in)."""
    engine: AsyncEngine = request.app.state.intake.engine
    await append_now(
        engine,
        actor=actor,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        detail=detail,
        client_address=request.client.host if request.client is not None else None,
        user_agent=request.headers.get("user-agent"),
    )


def audited(
    request: Request,
    principal: Principal,
    action: str,
    subject_kind: str,
    run: Callable[[str | None], Awaitable[Result]],
    describe: Callable[[Result], tuple[str | None, Mapping[str, Any]]],
) -> Callable[[str | None], Awaitable[Result]]:
    """Return ``run`` followed by an audit entry of its result: ``describe`` -> (id, detail)."""

    async def run_and_audit(event_id: str | None) -> Result:
        result = await run(event_id)
        subject_id, detail = describe(result)
        await audit(request, principal, action, subject_kind, subject_id, detail)
        return result

    return run_and_audit
