"""Roles and sign-in addresses in the configuration: each mistake with its path and a fix."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from escalations.cli.config_check import run
from escalations.core.config import AccessConfig, Config, ConfigError, loads_config
from tests.unit.core.schedule_helpers import config, people_yaml

TEAM = """\
teams:
  - id: t
    name: Team
    lead: ann
    leads: [cat]
    schedule:
      layers:
        - name: main
          rotation: daily
          timezone: Europe/Dublin
          start: 2026-01-05
          members: [ann, bob]
routing: {default_team: t}
"""
SHARED = "contacts: {email: shared@example.com}"


def issues_of(text: str) -> list[str]:
    """Return the issue lines of a configuration that must fail."""
    with pytest.raises(ConfigError) as caught:
        loads_config(text, source="test.yaml")
    return [str(issue) for issue in caught.value.issues]


def with_access(access: str, team: str = TEAM) -> str:
    """Return the test people, team ``t`` and the given ``access`` section."""
    return people_yaml() + team + access


def with_people(*people: str) -> str:
    """Return the test people, some more people written as YAML flow mappings, and team t."""
    more = "".join(
        f"  - {{id: {person_id}, name: X, timezone: UTC, {rest}}}\n"
        for person_id, rest in (person.split(" ", 1) for person in people)
    )
    return people_yaml() + more + TEAM


CASES = [
    (
        "unknown admin with suggestion",
        with_access("access: {admins: [ann, bobb]}\n"),
        "line 23: access.admins[1]: unknown person 'bobb' (did you mean 'bob'?)",
    ),
    (
        "viewer listed twice",
        with_access("access: {viewers: [gus, gus]}\n"),
        "line 23: access.viewers[1]: 'gus' is listed twice; list once",
    ),
    (
        "viewer who is an admin",
        with_access("access:\n  admins: [fay]\n  viewers: [fay]\n"),
        "line 25: access.viewers[0]: 'fay' is also in access.admins, but a viewer is "
        "read-only; remove them from one of the two",
    ),
    (
        "viewer on a schedule",
        with_access("access: {viewers: [bob]}\n"),
        "line 23: access.viewers[0]: 'bob' is on the schedule of team 't', but a viewer is "
        "read-only; remove them from one of the two",
    ),
    (
        "viewer who leads a team",
        with_access("access: {viewers: [cat]}\n"),
        "line 23: access.viewers[0]: 'cat' leads team 't', but a viewer is read-only; "
        "remove them from one of the two",
    ),
    (
        "unknown lead",
        with_access("", TEAM.replace("leads: [cat]", "leads: [cat, zed]")),
        "line 14: teams[0].leads[1]: unknown person 'zed'",
    ),
    (
        "lead listed twice",
        with_access("", TEAM.replace("leads: [cat]", "leads: [cat, cat]")),
        "line 14: teams[0].leads[1]: 'cat' is listed twice; list once",
    ),
    (
        "misspelt restricted policy area",
        with_access("access: {restricted_policy_areas: [child_safty]}\n"),
        "line 23: access.restricted_policy_areas[0]: unknown value 'child_safty' "
        "(did you mean 'child_safety'?)",
    ),
    (
        "unknown key in access",
        with_access("access: {admin: [fay]}\n"),
        "line 23: access.admin: unknown field 'admin' (did you mean 'admins'?); allowed: "
        "admins, restricted_policy_areas, viewers",
    ),
    (
        "sign-in address that is another person's contact address",
        with_people("ivy contacts: {email: ivy@example.com}, sign_in_emails: [ANN@example.com]"),
        "line 10: people[8].sign_in_emails[0]: 'ANN@example.com' already signs in 'ann' "
        "(their contacts.email; case does not matter); an address may sign in one person only",
    ),
    (
        "sign-in address of two people",
        with_people(
            f"ivy {SHARED}, sign_in_emails: [ops@example.com]",
            f"joe {SHARED}, sign_in_emails: [Ops@Example.com]",
        ),
        "line 11: people[9].sign_in_emails[0]: 'Ops@Example.com' already signs in 'ivy' "
        "(their sign_in_emails; case does not matter); an address may sign in one person only",
    ),
    (
        "sign-in address listed twice",
        with_people(f"ivy {SHARED}, sign_in_emails: [ops@example.com, OPS@example.com]"),
        "line 10: people[8].sign_in_emails[1]: 'OPS@example.com' is listed twice; list once",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_access_mistake_has_path_line_and_hint(text: str, expected: str) -> None:
    """Every kind of roles or sign-in mistake is reported with its path, line and a fix."""
    assert [expected] == issues_of(text)


def test_valid_roles_and_shared_contact_addresses_load() -> None:
    """Leads off the schedule, an admin on it, and a contact address two people share load."""
    text = with_people(f"ivy {SHARED}", f"joe {SHARED}, sign_in_emails: [joe@example.com]")
    loaded = loads_config(text + "access: {admins: [ann], viewers: [gus]}\n")
    assert (("ann",), ("gus",)) == (loaded.config.access.admins, loaded.config.access.viewers)
    assert frozenset({"ann", "cat"}) == loaded.config.team("t").leaders()


def test_direct_construction_checks_the_roles() -> None:
    """A Config built in code runs the same roles checks as the loader."""
    cfg = config(TEAM.replace("routing: {default_team: t}\n", ""))
    with pytest.raises(ValidationError, match=r"access.admins\[0\]: unknown person 'zed'"):
        Config(
            people=cfg.people,
            teams=cfg.teams,
            routing=cfg.routing,
            access=AccessConfig(admins=("zed",)),
        )


def test_config_check_prints_access_mistakes(tmp_path: Path) -> None:
    """``escalations config check`` lists a roles mistake like any other, exit code 1."""
    path = tmp_path / "config.yaml"
    path.write_text(with_access("access: {admins: [annn]}\n"), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run([str(path), "--format", "json"], out, err, date(2026, 10, 19))
    body = orjson.loads(out.getvalue())
    assert (1, False) == (code, body["valid"])
    assert [
        {
            "line": 23,
            "path": "access.admins[0]",
            "message": "unknown person 'annn' (did you mean 'ann'?)",
        }
    ] == [{key: error[key] for key in ("line", "path", "message")} for error in body["errors"]]
