"""The Handoffs page and the Followers section as plain data (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from escalations.contracts.events import Deadlines, Status
from escalations.contracts.stakeholders import HandoffNote, PacketItem, ShiftHandoff
from escalations.core.access import roles_of
from escalations.core.config import Config, load_config
from escalations.core.escalation import Tier
from escalations.db.models_stakeholders import SubscriptionRow
from escalations.settings import DEMO_CONFIG
from escalations_intake.console.followers_view import followers_view, is_own
from escalations_intake.console.handoffs_view import chosen_team, handoff_teams, packet_view

CONFIG: Config = load_config(DEMO_CONFIG).config
DUBLIN = ZoneInfo("Europe/Dublin")
# The first instant after Dublin's clocks went back on 25 October 2026: 09:00 GMT.
AT = datetime(2026, 10, 25, 9, tzinfo=UTC)
NAMES = {"aoife": "Aoife Byrne", "ciaran": "Ciarán Walsh"}


def test_a_team_is_read_by_its_schedule_its_leads_and_admins_only() -> None:
    """A responder sees their teams, an admin every team, a viewer none."""
    mine = [team for team, _ in handoff_teams(CONFIG, roles_of(CONFIG, "ciaran"))]
    assert "ts-dublin" in mine
    assert "child-safety" not in mine
    every = [team for team, _ in handoff_teams(CONFIG, roles_of(CONFIG, "aoife"))]
    assert [team.id for team in CONFIG.teams] == every
    assert [] == handoff_teams(CONFIG, roles_of(CONFIG, "clodagh"))
    assert chosen_team(None, [("a", "A"), ("b", "B")]) == "a"
    assert chosen_team("b", [("a", "A"), ("b", "B")]) == "b"
    assert chosen_team(None, []) is None


def test_a_packet_reads_in_the_team_zone_with_names_and_counts() -> None:
    """Instants in local time (GMT after the change), people by name, due items counted."""
    item = PacketItem(
        id="e-1", title="<script>x</script>", tier=Tier.P0, status=Status.ASSIGNED,
        owner="ciaran", created_at=AT - timedelta(hours=1),
        deadlines=Deadlines(acknowledge_by=AT + timedelta(minutes=5)),
        due_in_shift=AT + timedelta(minutes=5),
    )  # fmt: skip
    quiet = item.model_copy(update={"id": "e-2", "owner": None, "due_in_shift": None})
    note = HandoffNote(id="n-1", by="aoife", text="Watch e-1", at=AT - timedelta(hours=2))
    packet = ShiftHandoff(
        handoff_id="h-1", team="ts-dublin", at=AT, outgoing=("aoife",), incoming=("ciaran",),
        shift_end=AT + timedelta(hours=8), open=(item, quiet), open_total=2, unacknowledged=2,
        notes=(note,),
    )  # fmt: skip
    view = packet_view(packet, NAMES, DUBLIN)
    assert view["at"]["iso"] == AT.isoformat()
    assert "09:00" in view["at"]["text"]
    assert [p["name"] for p in view["outgoing"] + view["incoming"]] == [
        "Aoife Byrne", "Ciarán Walsh",
    ]  # fmt: skip
    assert (view["open_total"], view["unacknowledged"], view["due_in_shift"]) == (2, 2, 1)
    first, second = view["open"]
    assert (first["title"], first["owner"], second["owner"]) == (
        "<script>x</script>", "Ciarán Walsh", None,
    )  # fmt: skip
    assert ["Acknowledge by"] == [d["label"] for d in first["deadlines"]]
    assert [("Aoife Byrne", "Watch e-1")] == [(n["by_name"], n["text"]) for n in view["notes"]]


def _row(sub_id: str, kind: str, target: str, by: str) -> SubscriptionRow:
    return SubscriptionRow(
        id=sub_id, escalation_id="e-1", kind=kind, target=target, created_by=by,
        created_at=AT,
    )  # fmt: skip


def test_followers_show_urls_by_origin_and_offer_what_the_person_may_do() -> None:
    """Own rows are removable by their owner; managers remove any; URLs show their origin."""
    rows = [
        _row("s-1", "person", "aoife", "aoife"),
        _row("s-2", "slack", "https://hooks.slack.com/services/T0/B0/SECRET", "ciaran"),
    ]
    view = followers_view(rows, ["comms-press"], NAMES, "aoife", manage=False, status="assigned")
    assert [(f["kind"], f["target"], f["removable"]) for f in view["followers"]] == [
        ("Person", "Aoife Byrne", True),
        ("Slack", "https://hooks.slack.com/…", False),
    ]
    assert "SECRET" not in str(view)
    assert (view["following"], view["may_follow"], view["may_add"]) == ("s-1", False, False)
    assert view["rules"] == ["comms-press"]
    other = followers_view(rows, [], NAMES, "ciaran", manage=True, status="assigned")
    assert all(f["removable"] for f in other["followers"])
    assert (other["may_follow"], other["may_add"]) == (True, True)
    closed = followers_view(rows, [], NAMES, "ciaran", manage=True, status="resolved")
    assert (closed["may_follow"], closed["may_add"]) == (False, False)
    assert is_own(rows[1], "ciaran")
    assert not is_own(rows[1], "aoife")
