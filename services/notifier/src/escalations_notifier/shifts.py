"""Handoff packets and the leads' daily digest (docs/notifications.md, "Stakeholders"): pure.

These events name no escalation: a handoff's ledger rows carry its handoff id, a digest's
the team id (stake_ids.scope). Packet titles come masked from the router; every text is still
escaped by the layouts like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from escalations.contracts.envelope import Envelope
from escalations.contracts.stakeholders import PacketItem, ShiftHandoff, TeamDigest
from escalations.core.config import Config
from escalations_notifier.body import Links
from escalations_notifier.collect import PERSON_CHANNELS, Collector
from escalations_notifier.stake_body import frame, line, local, section, view_url
from escalations_notifier.stake_ids import scope

HANDOFF = "stakeholder.handoff"
HANDED_OVER = "stakeholder.handed_over"
DIGEST = "stakeholder.digest"


def _names(config: Config, people: Iterable[str]) -> str:
    found = [config.people_by_id[p].name if p in config.people_by_id else p for p in people]
    return ", ".join(found) or "nobody"


def _item(item: PacketItem, config: Config, links: Links, timezone: str) -> dict[str, Any]:
    """Return one open escalation as a line: tier, title, status, owner, deadline in shift."""
    owner = _names(config, [item.owner]) if item.owner else "unassigned"
    due = local(item.due_in_shift, timezone)
    text = f"[{item.tier.value}] {item.title} ({item.status.value}, {owner})"
    return line(text + (f", due {due}" if due else ""), view_url(links, item.id))


def _team_name(config: Config, team_id: str) -> str:
    team = config.teams_by_id.get(team_id)
    return team.name if team else team_id


def collector(envelope: Envelope, payload: ShiftHandoff | TeamDigest, available: Any) -> Collector:
    """Return the collector of a handoff (scoped by its id) or a digest (by its team)."""
    key = payload.handoff_id if isinstance(payload, ShiftHandoff) else f"{payload.team}"
    return Collector(envelope, scope(key), frozenset(available))


def plan_handoff(out: Collector, payload: ShiftHandoff, config: Config, links: Links) -> None:
    """Plan the packet for each incoming person and the summary for each outgoing one."""
    team = _team_name(config, payload.team)
    for person_id in payload.incoming:
        person = config.people_by_id.get(person_id)
        if person is None:
            out.unavailable.append((person_id, "unknown person"))
            continue
        tz = person.timezone
        notes = [line(f"{_names(config, [n.by])}: {n.text}") for n in payload.notes]
        body = frame(
            out.envelope,
            HANDOFF,
            (person.id, person.name),
            f"You are now on call for {team}",
            title=None,
            facts=[
                ("From", _names(config, payload.outgoing)),
                ("Starts", local(payload.at, tz) or ""),
                ("Until", local(payload.shift_end, tz) or "") if payload.shift_end else None,
                ("Open", str(payload.open_total)),
                ("Unacknowledged", str(payload.unacknowledged)),
            ],
            sections=[
                section(
                    "Open escalations, most urgent first",
                    [_item(i, config, links, tz) for i in payload.open],
                ),
                section("Notes from the last shift", notes),
            ],
            handoff_id=payload.handoff_id,
            team=payload.team,
            role="incoming",
        )
        for channel, address in out.reachable(person, PERSON_CHANNELS):
            out.add(person.id, channel, address, body)
    for person_id in payload.outgoing:
        person = config.people_by_id.get(person_id)
        if person is None:
            out.unavailable.append((person_id, "unknown person"))
            continue
        mine = [line(n.text) for n in payload.notes if n.by == person_id]
        body = frame(
            out.envelope,
            HANDED_OVER,
            (person.id, person.name),
            f"You handed {team} over to {_names(config, payload.incoming)}",
            facts=[
                ("At", local(payload.at, person.timezone) or ""),
                ("Open", str(payload.open_total)),
                ("Unacknowledged", str(payload.unacknowledged)),
            ],
            sections=[section("Your notes", mine)],
            handoff_id=payload.handoff_id,
            team=payload.team,
            role="outgoing",
        )
        for channel, address in out.reachable(person, PERSON_CHANNELS):
            out.add(person.id, channel, address, body)


def plan_digest(out: Collector, payload: TeamDigest, config: Config, links: Links) -> None:
    """Plan a lead's daily digest: by e-mail and their chat contacts."""
    person = config.people_by_id.get(payload.lead)
    if person is None:
        out.unavailable.append((payload.lead, "unknown person"))
        return
    tiers = [
        line(
            f"{t.tier.value}: {t.received} received, {t.acknowledged_in_time} acknowledged in "
            f"time, {t.acknowledge_breaches} acknowledge and {t.resolve_breaches} resolve "
            f"breaches, {t.resolved} resolved"
        )
        for t in payload.tiers
    ]
    sources = [line(f"{s.source}: {s.received}") for s in payload.sources]
    oldest = [_item(i, config, links, person.timezone) for i in payload.oldest_open]
    body = frame(
        out.envelope,
        DIGEST,
        (person.id, person.name),
        f"Daily digest for {_team_name(config, payload.team)}, {payload.day.isoformat()}",
        facts=[("Received", str(payload.received)), ("Open now", str(payload.open_now))],
        sections=[
            section("By tier", tiers),
            section("Sources", sources),
            section("Oldest open", oldest),
        ],
        team=payload.team,
        day=payload.day.isoformat(),
    )
    for channel, address in out.reachable(person, PERSON_CHANNELS):
        out.add(person.id, channel, address, body)
