"""The escalation page's pure parts: the view it shows and the actions it offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalations.core.access import roles_of
from escalations.core.config import Config, load_config
from escalations.db.models import EscalationRow, HistoryRow
from escalations.settings import DEMO_CONFIG
from escalations_intake.auth.access_rules import EscalationFacts
from escalations_intake.console.escalation_view import (
    DeliveryLine,
    allowed_actions,
    deliveries_view,
    page_view,
    record_view,
    suggestions,
)
from escalations_intake.views import to_view

CONFIG: Config = load_config(DEMO_CONFIG).config
NAMES = {p.id: p.name for p in CONFIG.people}
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
RECORD: dict[str, Any] = {
    "route": {"team": "ts-dublin", "rule": "violent-threats", "index": 2},
    "owner": "ciaran",
    "candidates": [
        {
            "person_id": "ciaran",
            "chosen": True,
            "reason": "has the skill; fewest open",
            "graphic_in_window": 0,
            "open_count": 1,
            "last_assigned_at": None,
        },
        {
            "person_id": "niamh",
            "chosen": False,
            "reason": "opted out of graphic_violence",
            "graphic_in_window": 2,
            "open_count": 3,
            "last_assigned_at": "2026-12-07T08:00:00+00:00",
        },
    ],
    "level_one": [
        {"person": "ciaran", "target": "schedule", "team": "ts-dublin", "layer": "weekday"},
        {"person": "sean", "target": "schedule", "team": "ts-dublin", "layer": "weekday"},
        {"person": "ghost", "target": "schedule", "team": "ts-dublin", "layer": "weekday"},
    ],
    "flags": ["wellbeing_cap_exceeded"],
    "summary": "routed by rule 'violent-threats'; ciaran: has the skill; fewest open",
    "paged": ["ciaran"],
}


def _row(**changes: Any) -> EscalationRow:
    fields: dict[str, Any] = {
        "id": "e-1",
        "source": "tests",
        "source_kind": "internal_tool",
        "status": "assigned",
        "title": "Threat at https://example.com/x",
        "policy_area": "graphic_violence",
        "tier": "P1",
        "score": 70,
        "team": "ts-dublin",
        "owner": "ciaran",
        "request": {
            "title": "Threat at https://example.com/x",
            "policy_area": "graphic_violence",
            "description": "see https://example.com/pin/1",
            "content_refs": [{"kind": "pin", "id": "111", "url": "https://example.com/pin/1"}],
            "regulatory": {"regime": "dsa_notice"},
        },
        "priority": {
            "tier": "P1",
            "score": 70,
            "reasons": [
                {"factor": "policy_area", "points": 30, "detail": "graphic_violence"},
                {"factor": "reach", "points": 10, "detail": "10k impressions"},
            ],
        },
        "assignment": RECORD,
        "acknowledge_by": T0 + timedelta(minutes=15),
        "resolve_by": T0 + timedelta(hours=4),
        "regulatory_deadline": T0 + timedelta(hours=24),
        "received_at": T0,
        "created_at": T0,
        "updated_at": T0,
        "reports": 3,
        "follows": "e-0",
    }
    return EscalationRow(**(fields | changes))


def _history() -> list[HistoryRow]:
    return [
        HistoryRow(
            escalation_id="e-1",
            at=T0,
            actor="router",
            action="assigned",
            to_status="assigned",
            reason="owner ciaran",
        ),
        HistoryRow(
            escalation_id="e-1",
            at=T0 + timedelta(minutes=1),
            actor="niamh",
            action="resolve_refused",
            reason="note quoting https://example.com/pin/1",
        ),
    ]


def _page(row: EscalationRow, *, revealed: bool = False) -> dict[str, Any]:
    view = to_view(row, _history(), revealed=revealed)
    teams = {t.id: t.name for t in CONFIG.teams}
    return page_view(
        view,
        received_at=row.received_at,
        acknowledged_at=row.acknowledged_at,
        names=NAMES,
        team_names=teams,
    )


def test_the_page_shows_reasons_deadlines_people_and_links() -> None:
    """Every reason; deadlines with countdowns; names; re-fire links; the merged reports."""
    page = _page(_row())
    assert ["policy_area", "reach"] == [r["factor"] for r in page["reasons"]]
    assert ("P1", 70, "dsa_notice") == (page["tier"], page["score"], page["regime"])
    labels = [(d["label"], d["countdown"]) for d in page["deadlines"]]
    assert [("Acknowledge by", True), ("Resolve by", True), ("Regulatory deadline", True)] == labels
    assert {T0.isoformat()} == {d["since"] for d in page["deadlines"]}
    assert ("Ciarán Walsh", "T&S Escalations (Dublin)") == (page["owner_name"], page["team_name"])
    assert (3, "e-0", None) == (page["reports"], page["follows"], page["followed_by"])


def test_an_acknowledged_escalation_stops_its_acknowledge_countdown() -> None:
    """Acknowledged: that clock stopped; resolved: every clock stopped."""
    acked = _page(_row(status="acknowledged", acknowledged_at=T0))
    assert [False, True, True] == [d["countdown"] for d in acked["deadlines"]]
    resolved = _page(_row(status="resolved", acknowledged_at=T0, resolved_at=T0))
    assert [False, False, False] == [d["countdown"] for d in resolved["deadlines"]]


def test_the_history_is_newest_first_with_names_and_redacted_reasons() -> None:
    """Hidden content hides the URLs of history reasons too, as the read API does."""
    hidden = _page(_row())
    assert ["niamh", "router"] == [h["actor"] for h in hidden["history"]]
    assert "Niamh O'Connor" == hidden["history"][0]["actor_name"]
    assert "note quoting [url]" == hidden["history"][0]["reason"]
    shown = _page(_row(), revealed=True)
    assert "note quoting https://example.com/pin/1" == shown["history"][0]["reason"]


def test_sensitive_content_is_hidden_until_revealed() -> None:
    """No description, content ids or URLs while redacted; the count of references stays."""
    hidden = _page(_row())["content"]
    assert (True, True, None) == (hidden["sensitive"], hidden["redacted"], hidden["description"])
    assert [{"kind": "pin", "id": None, "url": None}] == hidden["refs"]
    assert "Threat at [url]" == _page(_row())["title"]
    shown = _page(_row(), revealed=True)["content"]
    assert (True, False) == (shown["sensitive"], shown["redacted"])
    assert "see https://example.com/pin/1" == shown["description"]
    assert [{"kind": "pin", "id": "111", "url": "https://example.com/pin/1"}] == shown["refs"]


def test_the_record_names_the_rule_and_every_candidate_with_why() -> None:
    """The matched rule, the summary, flags, each candidate's reason and load."""
    record = record_view(RECORD, NAMES)
    assert ("violent-threats", 2) == (record["rule"], record["rule_index"])
    assert ["wellbeing_cap_exceeded"] == record["flags"]
    assert [("ciaran", True), ("niamh", False)] == [
        (c["person"], c["chosen"]) for c in record["candidates"]
    ]
    assert "opted out of graphic_violence" == record["candidates"][1]["reason"]
    assert (2, 3) == (record["candidates"][1]["graphic"], record["candidates"][1]["open"])


@pytest.mark.parametrize(
    "stored",
    [None, {}, {"route": "x", "candidates": "y", "level_one": [1, None], "flags": 3}],
)
def test_a_record_in_another_shape_shows_as_missing_not_an_error(stored: Any) -> None:
    """The router's record is read defensively: what is not there is not shown."""
    record = record_view(stored, NAMES)
    assert (None, [], [], []) == (
        record["rule"],
        record["candidates"],
        record["on_duty"],
        record["flags"],
    )


def test_reassign_suggestions_are_the_people_on_duty_but_the_owner() -> None:
    """Candidates first, then level 1; the owner and unknown ids left out; no repeats."""
    record = record_view(RECORD, NAMES)
    assert ["niamh", "sean"] == [s["id"] for s in suggestions(record, "ciaran", NAMES)]
    assert ["ciaran", "niamh", "sean"] == [s["id"] for s in suggestions(record, None, NAMES)]


def _facts(team: str = "ts-dublin", area: str = "hate_speech", owner: str = "ciaran") -> Any:
    return EscalationFacts("e-1", team, area, owner, ("ciaran",))


@pytest.mark.parametrize(
    ("person", "may_act", "status", "expected"),
    [
        ("ciaran", True, "assigned", (True, True, False)),  # a responder of the team
        ("sean", True, "assigned", (True, True, True)),  # a lead reassigns
        ("aoife", True, "acknowledged", (False, True, True)),  # acknowledged already
        ("ciaran", False, "assigned", (False, False, False)),  # a read-only token
        ("clodagh", True, "assigned", (False, False, False)),  # a viewer
        ("sean", True, "resolved", (False, False, False)),  # nothing left to do
        ("liam", True, "assigned", (False, False, False)),  # another team
    ],
)
def test_the_actions_offered_follow_the_apis_rules(
    person: str, may_act: bool, status: str, expected: tuple[bool, bool, bool]
) -> None:
    """Acknowledge, resolve and reassign, as ``on_escalation`` decides them."""
    allowed = allowed_actions(CONFIG, roles_of(CONFIG, person), may_act, _facts(), status)
    assert expected == (allowed.acknowledge, allowed.resolve, allowed.reassign)
    assert allowed.any is any(expected)


def test_the_owner_off_the_team_may_only_acknowledge() -> None:
    """As the router accepts: the owner and the paged acknowledge whatever their team."""
    facts = EscalationFacts("e-1", "general-ts", "spam", "ciaran", ())
    allowed = allowed_actions(CONFIG, roles_of(CONFIG, "ciaran"), True, facts, "assigned")
    assert (True, False, False) == (allowed.acknowledge, allowed.resolve, allowed.reassign)


def test_deliveries_show_who_channel_outcome_and_when_only() -> None:
    """Sent ones by their sending instant, the others by their last try."""
    sent = DeliveryLine("ciaran", "webhook", "sent", 1, T0, T0 + timedelta(seconds=2), T0)
    failing = DeliveryLine("sean", "email", "retrying", 3, T0, None, T0 + timedelta(minutes=1))
    shown = deliveries_view([sent, failing])
    assert [(T0 + timedelta(seconds=2)).isoformat(), (T0 + timedelta(minutes=1)).isoformat()] == [
        d["at"] for d in shown
    ]
    assert [True, False] == [d["sent"] for d in shown]
    assert {"recipient", "channel", "status", "attempts", "at", "sent"} == set(shown[0])
