"""The Handoffs page as plain data: which teams a person may open, and each packet as shown.

Pure, no I/O. A team's handoffs are read by the people who may read its handoff notes
(``handoff_notes.write``: its schedule, its leads, admins; docs/contract/access.md). A packet
is the router's ``shift.handoff`` payload (docs/contract/events.md, "Stakeholders"); the
page writes its instants in the team's time zone and names people by their configured
names (docs/console.md, "Handoffs").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalations.contracts.stakeholders import HandoffNote, PacketItem, ShiftHandoff
from escalations.core.access import Action, PersonRoles
from escalations.core.config import Config
from escalations_intake.auth.access_rules import on_team
from escalations_intake.console.oncall_data import local_text

DONE = {"noted": "Note saved: the next handoff packet carries it."}
_DEADLINES = (
    ("acknowledge_by", "Acknowledge by"),
    ("resolve_by", "Resolve by"),
    ("regulatory_deadline", "Regulatory deadline"),
)


def handoff_teams(config: Config, roles: PersonRoles) -> list[tuple[str, str]]:
    """Return the teams (id, name) whose handoffs the person may read, in configured order."""
    return [
        (team.id, team.name)
        for team in config.teams
        if on_team(roles, Action.HANDOFF_NOTES, team.id) is None
    ]


def chosen_team(asked: str | None, teams: Sequence[tuple[str, str]]) -> str | None:
    """Return the team the page shows: the one asked for, else the first the person may read."""
    if asked:
        return asked
    return teams[0][0] if teams else None


def _when(at: datetime | None, tz: ZoneInfo) -> dict[str, str] | None:
    """Return an instant as the page shows it: machine-readable and in the team's zone."""
    if at is None:
        return None
    return {"iso": at.isoformat(), "text": local_text(at, tz)}


def _names(ids: Sequence[str], names: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"id": p, "name": names.get(p, p)} for p in ids]


def item_view(item: PacketItem, names: Mapping[str, str], tz: ZoneInfo) -> dict[str, Any]:
    """Return one open escalation of a packet as its table row shows it."""
    deadlines = item.deadlines.model_dump()
    return {
        "id": item.id,
        "title": item.title,
        "tier": item.tier.value,
        "status": item.status.value,
        "owner": names.get(item.owner, item.owner) if item.owner else None,
        "sensitive": item.sensitive,
        "deadlines": [
            {"label": label, **(_when(deadlines[key], tz) or {})}
            for key, label in _DEADLINES
            if deadlines[key] is not None
        ],
        "due_in_shift": _when(item.due_in_shift, tz),
    }


def note_view(note: HandoffNote, names: Mapping[str, str], tz: ZoneInfo) -> dict[str, Any]:
    """Return a handoff note as the page shows it: who (by name), when, the text."""
    return {
        "id": note.id,
        "by": note.by,
        "by_name": names.get(note.by, note.by),
        "at": _when(note.at, tz),
        "text": note.text,
    }


def packet_view(packet: ShiftHandoff, names: Mapping[str, str], tz: ZoneInfo) -> dict[str, Any]:
    """Return a handoff packet as the page shows it, open escalations most urgent first."""
    return {
        "id": packet.handoff_id,
        "at": _when(packet.at, tz),
        "outgoing": _names(packet.outgoing, names),
        "incoming": _names(packet.incoming, names),
        "shift_end": _when(packet.shift_end, tz),
        "open": [item_view(i, names, tz) for i in packet.open],
        "open_total": packet.open_total,
        "unacknowledged": packet.unacknowledged,
        "due_in_shift": sum(1 for i in packet.open if i.due_in_shift is not None),
        "notes": [note_view(n, names, tz) for n in packet.notes],
    }
