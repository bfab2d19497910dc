"""Roles and need-to-know: the matrix as data, as documented, and as ``allowed`` applies it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.core.access import (
    ACTIONS,
    Action,
    PersonRoles,
    Standing,
    allowed,
    allowed_for_person,
    can_see,
    is_restricted,
    person_for_email,
    roles_of,
)
from escalations.core.access_endpoints import ENDPOINTS
from escalations.core.config import (
    Config,
    UnknownIdError,
    demo_config_path,
    load_config,
    loads_config,
)
from tests.unit.core.schedule_helpers import config

DOC = Path(__file__).resolve().parents[3] / "docs" / "contract" / "access.md"
TEAMS = """
teams:
  - id: t
    name: Team t
    lead: ann
    leads: [bob]
    schedule:
      layers:
        - {name: main, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,
           members: [bob, cat]}
  - id: u
    name: Team u
    lead: dan
    schedule:
      layers:
        - {name: main, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,
           members: [eve, hal]}
"""
ACCESS = "access: {admins: [fay], viewers: [gus]}\n"


def small() -> Config:
    """Return two teams: t (lead ann, leads bob; bob, cat on call), u (lead dan; eve, hal)."""
    return config(TEAMS, extra=ACCESS)


def doc_table(heading: str) -> list[dict[str, str]]:
    """Return the rows of the first table under ``heading`` in access.md, keyed by header."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    lines = [line for line in section.split("\n\n## ")[0].splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    return [dict(zip(header, row, strict=True)) for row in rows]


def documented_matrix() -> dict[Action, frozenset[Standing]]:
    """Return the role x action table of access.md as data."""
    return {
        Action(row["action"].strip("`")): frozenset(
            standing for standing in Standing if row[standing.value] == "yes"
        )
        for row in doc_table("## What each role may do")
    }


def test_the_documented_matrix_is_the_matrix_in_code() -> None:
    """access.md's table of actions and roles says exactly what ``ACTIONS`` says."""
    assert dict(ACTIONS) == documented_matrix()


def test_the_documented_endpoints_are_the_endpoints_in_code() -> None:
    """access.md's endpoint table lists exactly ``ENDPOINTS``, in order."""
    documented = [
        (row["method"], row["path"], row["action"], row["on"]) for row in doc_table("## Endpoints")
    ]
    expected = [(f"`{e.method}`", f"`{e.path}`", f"`{e.action}`", e.subject) for e in ENDPOINTS]
    assert expected == documented


ROLE_KINDS = ("admin", "lead", "responder", "viewer", "none")


def roles_for(kind: str, team: str) -> PersonRoles:
    """Return roles of a person of ``kind`` whose own team (if any) is ``team``."""
    return {
        "admin": PersonRoles("p", admin=True),
        "lead": PersonRoles("p", leads=frozenset({team})),
        "responder": PersonRoles("p", teams=frozenset({team})),
        "viewer": PersonRoles("p", viewer=True),
        "none": PersonRoles("p"),
    }[kind]


def expected_standing(kind: str, own: bool) -> Standing:
    """Return the documented column for a role kind acting on its own or another team."""
    if kind in ("admin", "viewer"):
        return Standing(kind)
    if kind in ("lead", "responder") and own:
        return Standing(kind)
    return Standing.OTHER


@pytest.mark.parametrize("kind", ROLE_KINDS)
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("own", [True, False], ids=["own team", "other team"])
def test_every_role_action_and_team_follows_the_documented_matrix(
    kind: str, action: Action, own: bool
) -> None:
    """Each role, on its own team or another, may do an action iff the doc's column says yes."""
    roles = roles_for(kind, "t")
    expected = expected_standing(kind, own) in documented_matrix()[action]
    assert expected == allowed(roles, action, "t" if own else "u")


def test_actions_on_no_team_use_the_other_column() -> None:
    """Creating, reading lists and the audit log are on no team: leads count as anyone."""
    lead = PersonRoles("p", leads=frozenset({"t"}))
    assert [True, True, False, False] == [
        allowed(lead, action, None)
        for action in (
            Action.ESCALATIONS_CREATE,
            Action.ESCALATIONS_READ,
            Action.AUDIT_READ,
            Action.SCHEDULES_WRITE,
        )
    ]


CHAIN = (Standing.VIEWER, Standing.OTHER, Standing.RESPONDER, Standing.LEAD, Standing.ADMIN)


@pytest.mark.parametrize("action", list(Action))
def test_a_stronger_standing_never_loses_a_right(action: Action) -> None:
    """Viewer, other, responder, lead, admin: each may do at least what the one before may."""
    may = [standing in ACTIONS[action] for standing in CHAIN]
    assert sorted(may) == may
    assert may[-1], "an admin may do everything"


@given(
    admin=st.booleans(),
    promote=st.booleans(),
    leads=st.frozensets(st.sampled_from("tuv")),
    teams=st.frozensets(st.sampled_from("tuv")),
    more=st.frozensets(st.sampled_from("tuv")),
    action=st.sampled_from(list(Action)),
    team=st.sampled_from(["t", "u", "v", None]),
)
def test_more_roles_never_take_a_right_away(
    admin: bool,
    promote: bool,
    leads: frozenset[str],
    teams: frozenset[str],
    more: frozenset[str],
    action: Action,
    team: str | None,
) -> None:
    """Leading or joining more teams, or becoming admin, keeps every right a person had."""
    before = PersonRoles("p", admin=admin, leads=leads, teams=teams)
    after = PersonRoles("p", admin=admin or promote, leads=leads | more, teams=teams | more)
    assert allowed(after, action, team) or not allowed(before, action, team)


def test_roles_come_from_the_configuration() -> None:
    """Lead via ``lead`` or ``leads``, responder via the schedule, admin and viewer via access."""
    cfg = small()
    assert PersonRoles("ann", leads=frozenset({"t"})) == roles_of(cfg, "ann")
    assert PersonRoles("bob", leads=frozenset({"t"}), teams=frozenset({"t"})) == roles_of(
        cfg, "bob"
    )
    assert PersonRoles("cat", teams=frozenset({"t"})) == roles_of(cfg, "cat")
    assert PersonRoles("fay", admin=True) == roles_of(cfg, "fay")
    assert PersonRoles("gus", viewer=True) == roles_of(cfg, "gus")
    with pytest.raises(UnknownIdError, match=r"unknown person 'anne' \(did you mean 'ann'\?\)"):
        roles_of(cfg, "anne")


def test_the_demo_has_an_admin_leads_responders_and_a_viewer() -> None:
    """``make run`` can show every role: aoife admin and lead, sean lead, clodagh viewer."""
    demo = load_config(demo_config_path()).config
    aoife, sean = roles_of(demo, "aoife"), roles_of(demo, "sean")
    assert (True, frozenset({"ts-dublin"})) == (aoife.admin, aoife.leads)
    assert (frozenset({"ts-dublin"}), frozenset({"ts-dublin"})) == (sean.leads, sean.teams)
    assert PersonRoles("clodagh", viewer=True) == roles_of(demo, "clodagh")
    assert ("child_safety", "ncii") == demo.access.restricted_policy_areas
    assert "aoife" == person_for_email(demo, "Aoife.Byrne@Example.COM")


def test_an_email_signs_in_its_person_whatever_its_case() -> None:
    """A sign-in address or the contact address maps to its person; shared or unknown: none."""
    text = (
        "people:\n"
        "  - {id: ann, name: Ann, timezone: UTC, contacts: {email: ann@example.com},\n"
        "     sign_in_emails: [Ann.Other@Example.org]}\n"
        "  - {id: bob, name: Bob, timezone: UTC, contacts: {email: desk@example.com}}\n"
        "  - {id: cat, name: Cat, timezone: UTC, contacts: {email: DESK@example.com}}\n"
        "teams:\n"
        "  - {id: t, name: T, lead: ann, schedule: {layers: [{name: main, rotation: daily,\n"
        "     timezone: UTC, start: 2026-01-05, members: [ann]}]}}\n"
        "routing: {default_team: t}\n"
    )
    cfg = loads_config(text).config
    assert ["ann", "ann", "ann", None, None] == [
        person_for_email(cfg, address)
        for address in (
            "ann@example.com",
            "ANN@example.com",
            " ann.other@example.ORG ",
            "desk@example.com",
            "nobody@example.com",
        )
    ]


def test_restricted_policy_areas_default_to_child_safety_and_ncii() -> None:
    """Without ``access`` child safety and NCII are need-to-know; the list can be set."""
    default = config(TEAMS)
    assert [True, True, False] == [
        is_restricted(default, area) for area in ("child_safety", "ncii", "spam")
    ]
    custom = config(TEAMS, extra="access: {restricted_policy_areas: [privacy]}\n")
    assert [False, True] == [is_restricted(custom, area) for area in ("child_safety", "privacy")]
    assert not is_restricted(config(TEAMS, extra="access: {restricted_policy_areas: []}\n"), "ncii")


@pytest.mark.parametrize(
    ("person", "policy_area", "paged", "expected"),
    [
        ("cat", "child_safety", (), True),  # on the owning team's schedule
        ("ann", "child_safety", (), True),  # leads the owning team
        ("fay", "child_safety", (), True),  # admin
        ("eve", "child_safety", ("eve",), True),  # paged by the policy
        ("eve", "child_safety", ("hal",), False),  # another team, not paged
        ("dan", "ncii", (), False),  # leads another team
        ("gus", "ncii", (), False),  # viewer
        ("eve", "spam", (), True),  # not restricted: everyone
        ("gus", "spam", (), True),
    ],
)
def test_need_to_know(
    person: str, policy_area: str, paged: tuple[str, ...], expected: bool
) -> None:
    """A restricted escalation of team t: its team, the people paged and admins; nobody else."""
    cfg = small()
    roles = roles_of(cfg, person)
    assert expected == can_see(cfg, roles, policy_area=policy_area, team="t", paged=paged)


def test_the_owner_sees_a_restricted_escalation_handed_outside_the_team() -> None:
    """A lead may reassign a restricted escalation to another team's person: they see it."""
    cfg = small()
    roles = roles_of(cfg, "eve")
    seen = {
        owner: can_see(cfg, roles, policy_area="child_safety", team="t", paged=(), owner=owner)
        for owner in ("eve", "hal", None)
    }
    assert seen == {"eve": True, "hal": False, None: False}


@pytest.mark.parametrize(
    ("who", "action", "person", "expected"),
    [
        ("cat", Action.SCHEDULES_WRITE, "cat", True),  # one's own time off
        ("cat", Action.SCHEDULES_WRITE, "bob", False),  # a team mate's
        ("ann", Action.SCHEDULES_WRITE, "cat", True),  # a lead, for the people on the team
        ("ann", Action.SCHEDULES_WRITE, "eve", False),  # not for another team's
        ("fay", Action.SCHEDULES_WRITE, "eve", True),  # admin
        ("gus", Action.SCHEDULES_WRITE, "gus", False),  # a viewer writes nothing
        ("gus", Action.TOKENS_MANAGE_ANY, "gus", True),  # but has their own tokens
        ("ann", Action.TOKENS_MANAGE_ANY, "cat", False),  # a lead does not manage tokens
        ("fay", Action.TOKENS_MANAGE_ANY, "cat", True),
        ("bob", Action.SCHEDULES_WRITE, "cat", True),  # a lead named in ``leads``
        ("dan", Action.SCHEDULES_WRITE, "ann", False),  # ann leads t but is not on call
    ],
)
def test_what_a_person_owns(who: str, action: Action, person: str, expected: bool) -> None:
    """Own time off, feeds and tokens; a lead manages their team's schedules, an admin all."""
    cfg = small()
    assert expected == allowed_for_person(cfg, roles_of(cfg, who), action, person)
