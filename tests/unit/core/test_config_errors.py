"""Configuration mistakes: each one reported with its path, line and a fix hint."""

from __future__ import annotations

import textwrap

import pytest

from escalations.core.config import ConfigError, loads_config, parse_config
from tests.unit.core.schedule_helpers import load, people_yaml

LAYER = """\
teams:
  - id: t
    name: Team
    lead: ann
    schedule:
      layers:
        - name: main
          rotation: daily
          timezone: Europe/Dublin
          start: 2026-01-05
          members: [ann, bob]
"""


def issues_of(teams: str, *, routing: str = "", extra: str = "") -> list[str]:
    """Return the issue lines of a configuration that must fail."""
    with pytest.raises(ConfigError) as caught:
        load(teams, routing=routing, extra=extra)
    return [str(issue) for issue in caught.value.issues]


NAIVE_OVERRIDE = (
    "overrides:\n"
    "  - {team: t, person: ann, start: '2026-03-01T09:00:00', end: '2026-03-02T09:00:00Z'}\n"
)

CASES = [
    (
        "unknown member with suggestion",
        LAYER.replace("[ann, bob]", "[ann, bobb]"),
        "",
        "line 20: teams[0].schedule.layers[0].members[1]: unknown person 'bobb' "
        "(did you mean 'bob'?)",
    ),
    (
        "unknown lead",
        LAYER.replace("lead: ann", "lead: zed"),
        "",
        "line 13: teams[0].lead: unknown person 'zed'",
    ),
    (
        "invalid time zone",
        LAYER.replace("timezone: Europe/Dublin", "timezone: Europe/Dublni"),
        "",
        "line 18: teams[0].schedule.layers[0].timezone: unknown time zone 'Europe/Dublni' "
        "(did you mean 'Europe/Dublin'?)",
    ),
    (
        "empty member list",
        LAYER.replace("[ann, bob]", "[]"),
        "",
        "line 20: teams[0].schedule.layers[0].members: empty list; add at least one entry",
    ),
    (
        "more on duty than members",
        LAYER + "          on_duty: 3\n",
        "",
        "line 21: teams[0].schedule.layers[0].on_duty: 3 people on duty at once but only "
        "2 member(s); add members or lower on_duty",
    ),
    (
        "member listed twice",
        LAYER.replace("[ann, bob]", "[ann, bob, ann]"),
        "",
        "line 20: teams[0].schedule.layers[0].members[2]: 'ann' is listed twice; list once",
    ),
    (
        "overlapping restrictions",
        LAYER
        + "          restrictions:\n"
        + "            - {days: [mon, tue], start: '20:00', end: '08:00'}\n"
        + "            - {days: [tue], start: '07:00', end: '09:00'}\n",
        "",
        "line 23: teams[0].schedule.layers[0].restrictions[1]: overlaps restrictions[0] on "
        "tue 07:00-08:00; make one window end where the other starts",
    ),
    (
        "empty restriction window",
        LAYER
        + "          restrictions:\n"
        + "            - {days: [mon], start: '10:00', end: '10:00'}\n",
        "",
        "line 22: teams[0].schedule.layers[0].restrictions[0]: empty window 10:00-10:00; "
        "for a whole day write start: '00:00', end: '24:00'",
    ),
    (
        "restriction without days",
        LAYER
        + "          restrictions:\n"
        + "            - {days: [], start: '09:00', end: '17:00'}\n",
        "",
        "line 22: teams[0].schedule.layers[0].restrictions[0].days: no days given; "
        "list days such as [mon, tue, wed, thu, fri]",
    ),
    (
        "bad time of day",
        LAYER + "          handoff: '25:00'\n",
        "",
        "line 21: teams[0].schedule.layers[0].handoff: '25:00' is not a time; "
        "write it as HH:MM, e.g. '09:00'",
    ),
    (
        "unknown rotation",
        LAYER.replace("rotation: daily", "rotation: fortnightly"),
        "",
        "line 17: teams[0].schedule.layers[0].rotation: unknown rotation 'fortnightly'; "
        "use daily, weekly or {hours: N}",
    ),
    (
        "zero-hour rotation",
        LAYER.replace("rotation: daily", "rotation: {hours: 0}"),
        "",
        "line 17: teams[0].schedule.layers[0].rotation.hours: 0 is out of range; "
        "it must be at least 1",
    ),
    (
        "handoff weekday on a daily rotation",
        LAYER + "          handoff_weekday: mon\n",
        "",
        "line 21: teams[0].schedule.layers[0].handoff_weekday: only weekly rotations have "
        "a handoff weekday; this one is daily",
    ),
    (
        "unknown holiday country",
        LAYER + "          holidays: XX\n",
        "",
        "line 21: teams[0].schedule.layers[0].holidays: unknown holiday country 'XX' "
        "(use an ISO 3166 code like 'IE')",
    ),
    (
        "unknown subdivision",
        LAYER + "          holidays: IE-ZZ\n",
        "",
        "line 21: teams[0].schedule.layers[0].holidays: 'IE' has no subdivision 'ZZ' (known: none)",
    ),
    (
        "team calendar missing",
        LAYER + "          holidays: team\n",
        "",
        "line 21: teams[0].schedule.layers[0].holidays: 'team' needs the team's holidays "
        "calendar; set holidays: IE (or other) on the team",
    ),
    (
        "reserved layer name",
        LAYER.replace("name: main", "name: override"),
        "",
        "line 16: teams[0].schedule.layers[0].name: 'override' is reserved; pick another name",
    ),
    (
        "unknown field with suggestion",
        LAYER + "          member: [cat]\n",
        "",
        "line 21: teams[0].schedule.layers[0].member: unknown field 'member' (did you mean "
        "'members'?); allowed: handoff, handoff_weekday, holidays, members, name, on_duty, "
        "restrictions, rotation, start, timezone",
    ),
    (
        "routing to an unknown team",
        LAYER,
        "routing:\n  default_team: tt\n  rules:\n"
        "    - {name: spam, match: {policy_area: spam}, team: x}\n",
        "line 22: routing.default_team: unknown team 'tt' (did you mean 't'?)",
    ),
    (
        "policy target naming an unknown person",
        LAYER
        + "    escalation_policy:\n      levels:\n"
        + "        - targets: [{kind: person, id: dann}]\n",
        "",
        "line 23: teams[0].escalation_policy.levels[0].targets[0].id: unknown person 'dann' "
        "(did you mean 'dan'?)",
    ),
    (
        "policy target naming an unknown team",
        LAYER
        + "    escalation_policy:\n      levels:\n"
        + "        - targets: [{kind: team, id: legal}]\n",
        "",
        "line 23: teams[0].escalation_policy.levels[0].targets[0].id: unknown team 'legal'",
    ),
    (
        "override without a time zone",
        LAYER,
        "",
        "line 23: overrides[0].start: '2026-03-01T09:00:00' has no time zone; "
        "write it like 2026-12-24T09:00:00Z",
    ),
]


@pytest.mark.parametrize(
    ("teams", "routing", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_mistake_has_path_line_and_hint(teams: str, routing: str, expected: str) -> None:
    """Every kind of mistake is reported with its YAML path, its line and a fix hint."""
    extra = NAIVE_OVERRIDE if "overrides[0]" in expected else ""
    actual = issues_of(teams, routing=routing, extra=extra)
    assert [expected] == [line for line in actual if "routing.rules" not in line]


def test_all_mistakes_are_reported_at_once() -> None:
    """Several mistakes in different places come back together, sorted by line."""
    teams = LAYER.replace("lead: ann", "lead: zed").replace("[ann, bob]", "[ann, bobb]")
    actual = issues_of(teams, routing="routing: {default_team: nope}")
    assert [
        "line 13: teams[0].lead: unknown person 'zed'",
        "line 20: teams[0].schedule.layers[0].members[1]: unknown person 'bobb' "
        "(did you mean 'bob'?)",
        "line 21: routing.default_team: unknown team 'nope'",
    ] == actual


def test_duplicate_ids_are_errors() -> None:
    """A person id or team id used twice is an error on the second use."""
    text = (
        people_yaml(("ann", "bob", "ann"))
        + LAYER
        + LAYER.replace("teams:\n", "")
        + "routing: {default_team: t}\n"
    )
    with pytest.raises(ConfigError) as caught:
        loads_config(text)
    assert [
        "line 4: people[2].id: duplicate id 'ann' (also people[0]); ids must be unique",
        "line 16: teams[1].id: duplicate id 't' (also teams[0]); ids must be unique",
    ] == [str(issue) for issue in caught.value.issues]


def test_a_broken_team_still_gets_its_reference_checks() -> None:
    """A team that fails to parse still has its layers' references checked."""
    teams = LAYER.replace("lead: ann", "lead: ann\n    holidays: XX").replace(
        "[ann, bob]", "[ann, bobb]"
    )
    assert [
        "line 14: teams[0].holidays: unknown holiday country 'XX' (use an ISO 3166 code like 'IE')",
        "line 21: teams[0].schedule.layers[0].members[1]: unknown person 'bobb' "
        "(did you mean 'bob'?)",
    ] == issues_of(teams)


def test_yaml_syntax_error_names_the_line() -> None:
    """Broken YAML is reported with its line and column."""
    with pytest.raises(ConfigError) as caught:
        loads_config("people:\n  - {id: ann\nteams: []\n", source="x.yaml")
    assert (
        "1 problem(s) in x.yaml:\n  - line 3: (top level): YAML syntax error at column 6: "
        "expected ',' or '}', but got ':'; check the indentation and brackets there, and "
        "quote values that contain ': ' or ' #'"
    ) == str(caught.value)
    assert 3 == caught.value.issues[0].line


def test_duplicate_yaml_keys_are_errors() -> None:
    """A key written twice in one mapping is an error rather than a silent overwrite."""
    text = people_yaml() + LAYER.replace("lead: ann", "lead: ann\n    lead: bob")
    with pytest.raises(ConfigError) as caught:
        loads_config(text + "routing: {default_team: t}\n")
    assert ["line 14: (top level): key 'lead' appears twice in one mapping; keep one"] == [
        str(issue) for issue in caught.value.issues
    ]


def test_missing_and_unknown_sections() -> None:
    """Missing required sections and unknown top-level sections are named."""
    with pytest.raises(ConfigError) as caught:
        parse_config({"people": [], "teem": []})
    assert [
        "teem: unknown section (did you mean 'teams'?); allowed: access, overrides, people, "
        "priority, routing, stakeholders, teams, time_off, wellbeing",
        "teams: required section is missing",
        "routing: required section is missing",
    ] == [str(issue) for issue in caught.value.issues]


def test_notification_rule_needs_the_contact() -> None:
    """A notification rule naming a channel the person has no contact for is an error."""
    text = textwrap.dedent(
        """\
        people:
          - id: ann
            name: Ann
            timezone: UTC
            contacts: {email: ann@example.com}
            notify: {P0: [slack, email]}
        teams: []
        routing: {default_team: t}
        """
    )
    with pytest.raises(ConfigError) as caught:
        loads_config(text)
    assert [
        "line 2: people[0]: notify.P0 uses 'slack' but contacts.slack is not set",
        "line 8: routing.default_team: unknown team 't'",
    ] == [str(issue) for issue in caught.value.issues]


def test_unknown_enum_value_gets_a_suggestion() -> None:
    """A misspelt policy area gets the closest valid one."""
    text = people_yaml(("ann",)).replace(
        "timezone: Europe/Dublin,", "timezone: Europe/Dublin, skills: [child_safty],"
    )
    with pytest.raises(ConfigError) as caught:
        loads_config(text + "teams: []\nrouting: {default_team: t}\n")
    assert (
        "line 2: people[0].skills[0]: unknown value 'child_safty' (did you mean 'child_safety'?)"
    ) == str(caught.value.issues[0])


def test_error_message_lists_every_issue() -> None:
    """str(ConfigError) counts the problems and lists each on its own line."""
    teams = LAYER.replace("lead: ann", "lead: zed")
    with pytest.raises(ConfigError) as caught:
        load(teams, routing="routing: {default_team: nope}")
    assert (
        "2 problem(s) in test.yaml:\n"
        "  - line 13: teams[0].lead: unknown person 'zed'\n"
        "  - line 21: routing.default_team: unknown team 'nope'"
    ) == str(caught.value)


def test_an_unknown_key_with_brackets_is_named_not_a_crash() -> None:
    """A key like ``a[0]`` (pydantic's own location syntax) is reported as written."""
    text = people_yaml() + LAYER + 'routing: {default_team: t, "rules[0]": []}\n'
    with pytest.raises(ConfigError) as caught:
        loads_config(text)
    (issue,) = caught.value.issues
    assert ("routing.rules[0]", True) == (
        issue.path,
        issue.message.startswith("unknown field 'rules[0]' (did you mean 'rules'?)"),
    )
