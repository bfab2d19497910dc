"""Team-audience updates and update reminders (docs/notifications.md, "Stakeholders"): pure.

An update for the team goes to the team's chat channels and the owner's e-mail. A reminder
(``escalation.update_due``) goes to the owner by their non-paging channels for the tier,
else by e-mail.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from escalations.contracts.events import EscalationSummary
from escalations.contracts.stakeholders import UpdateDue
from escalations.contracts.updates import Audience, UpdatePosted
from escalations.core.config import Config
from escalations_notifier.body import Links
from escalations_notifier.collect import Collector
from escalations_notifier.stake_body import (
    escalation_facts,
    frame,
    line,
    local,
    mask,
    section,
    sensitive,
    view_url,
)

TEAM_UPDATE = "stakeholder.team_update"
UPDATE_DUE = "stakeholder.update_due"
TEAM_PREFIX = "team:"
# A reminder never pages: these are the channels it may use.
REMINDER_CHANNELS = ("email", "slack", "teams", "webhook")


def _team_update_body(
    out: Collector, payload: UpdatePosted, recipient: tuple[str, str], config: Config,
    links: Links, timezone: str = "UTC",
) -> dict[str, Any]:  # fmt: skip
    summary = payload.escalation
    hide = sensitive(summary)
    author = config.people_by_id.get(payload.by)
    owner = config.people_by_id.get(summary.owner or "")
    text = mask(payload.text) if hide else payload.text
    return frame(
        out.envelope, TEAM_UPDATE, recipient,
        "Team note" + ("" if hide else f" from {author.name if author else payload.by}"),
        title=mask(summary.title) if hide else summary.title,
        facts=escalation_facts(summary, timezone, owner.name if owner else summary.owner, hide),
        sections=[section("Note", [line(text)])], view=view_url(links, summary.id),
        type=out.envelope.type, escalation_id=summary.id, update=text, redacted=hide,
    )  # fmt: skip


def plan_team_update(out: Collector, payload: BaseModel, config: Config, links: Links) -> None:
    """Plan a team-audience update: the team's chat channels and the owner's e-mail."""
    if not isinstance(payload, UpdatePosted) or payload.audience != Audience.TEAM:
        return
    summary: EscalationSummary = payload.escalation
    team = config.teams_by_id.get(summary.team or "")
    if team is not None:
        for channel in ("slack", "teams"):
            address = getattr(team.chat, channel)
            if address is not None:
                body = _team_update_body(out, payload, (TEAM_PREFIX + team.id, team.name),
                                         config, links)  # fmt: skip
                out.add(TEAM_PREFIX + team.id, channel, str(address), body)
    owner = config.people_by_id.get(summary.owner or "")
    if owner is not None:
        for channel, address in out.reachable(owner, ("email",)):
            body = _team_update_body(out, payload, (owner.id, owner.name), config, links,
                                     owner.timezone)  # fmt: skip
            out.add(owner.id, channel, address, body)


def plan_reminder(out: Collector, payload: BaseModel, config: Config, links: Links) -> None:
    """Plan an update reminder to the owner: non-paging channels for the tier, else e-mail."""
    if not isinstance(payload, UpdateDue):
        return
    person = config.people_by_id.get(payload.owner)
    if person is None:
        out.unavailable.append((payload.owner, "unknown person"))
        return
    summary = payload.escalation
    wanted = [c.value for c in person.channels_for(summary.tier) if c.value in REMINDER_CHANNELS]
    targets = out.reachable(person, wanted) or out.reachable(person, ("email",))
    if not targets:
        out.unavailable.append((person.id, "email"))
    hide = sensitive(summary)
    minutes = payload.interval_seconds // 60
    last = local(payload.last_update_at, person.timezone) or "none yet"
    for channel, address in targets:
        body = frame(
            out.envelope, UPDATE_DUE, (person.id, person.name),
            f"No update for {minutes} minutes: please post one",
            title=mask(summary.title) if hide else summary.title,
            facts=[*escalation_facts(summary, person.timezone, person.name, hide),
                   ("Last update", last), ("Reminder", str(payload.round))],
            view=view_url(links, summary.id), type=out.envelope.type, escalation_id=summary.id,
            round=payload.round, redacted=hide,
        )  # fmt: skip
        out.add(person.id, channel, address, body)
