"""Read the escalation page's resolve and reassign forms into the API's commands. Pure.

The forms become the same payloads the API publishes (``ResolveRequested``,
``ReassignRequested``, docs/contract/http-api.md), by the signed-in person; what the API
would refuse as a body (an unknown resolution, a note too long, a malformed person id) is a
``FormError`` naming the field, shown on the page (docs/console.md, "Escalation page").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from escalations.contracts.events import ReassignRequested, Resolution, ResolveRequested
from escalations_intake.console.forms import FormError, field

NOTE_MAX = 5000
REASON_MAX = 2000
PERSON_MAX = 100


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends a command from the console: the person and their principal's source."""

    person: str
    source: str
    at: datetime


def _optional(text: str) -> str | None:
    stripped = text.strip()
    return stripped or None


def _first_error(exc: ValidationError, names: Mapping[str, str]) -> FormError:
    error = exc.errors()[0]
    where = str(error["loc"][0]) if error["loc"] else "form"
    return FormError(names.get(where, where), str(error["msg"]))


def resolve_command(
    fields: Mapping[str, str], escalation_id: str, actor: Actor
) -> ResolveRequested:
    """Return the resolve command of the form, or raise ``FormError`` naming the field."""
    resolution = field(fields, "resolution", 40)
    if resolution not in {r.value for r in Resolution}:
        choices = ", ".join(r.value for r in Resolution)
        raise FormError("resolution", f"choose one of {choices}")
    note = _optional(field(fields, "note", NOTE_MAX))
    try:
        return ResolveRequested(
            escalation_id=escalation_id,
            by=actor.person,
            resolution=Resolution(resolution),
            note=note,
            source=actor.source,
            requested_at=actor.at,
        )
    except ValidationError as exc:
        raise _first_error(exc, {}) from exc


def reassign_target(fields: Mapping[str, str], known: Collection[str]) -> str:
    """Return whom the form reassigns to: the typed person id, else the chosen one."""
    typed = field(fields, "to_other", PERSON_MAX).strip()
    chosen = field(fields, "to", PERSON_MAX).strip()
    name = "to_other" if typed else "to"
    target = typed or chosen
    if not target:
        raise FormError("to", "choose a person on duty or type a person id")
    if target not in known:
        raise FormError(name, f"unknown person '{target}'")
    return target


def reassign_command(
    fields: Mapping[str, str], escalation_id: str, actor: Actor, known: Collection[str]
) -> ReassignRequested:
    """Return the reassign command of the form, or raise ``FormError`` naming the field."""
    target = reassign_target(fields, known)
    reason = _optional(field(fields, "reason", REASON_MAX))
    try:
        return ReassignRequested(
            escalation_id=escalation_id,
            by=actor.person,
            to=target,
            reason=reason,
            source=actor.source,
            requested_at=actor.at,
        )
    except ValidationError as exc:
        raise _first_error(exc, {"to": "to"}) from exc
