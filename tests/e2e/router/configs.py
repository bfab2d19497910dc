"""Configurations for the router's end-to-end tests (short SLAs, everyone on duty)."""

from __future__ import annotations

PEOPLE = """
people:
  - {id: aoife, name: Aoife, timezone: Europe/Dublin, skills: [violent_threat, harassment],
     languages: [en], contacts: {email: aoife@example.com}}
  - {id: bruno, name: Bruno, timezone: Europe/Berlin, skills: [hate_speech, harassment],
     languages: [de, en], contacts: {email: bruno@example.com}}
  - {id: chen, name: Chen, timezone: Europe/Paris, skills: [self_harm, harassment],
     languages: [fr, en], contacts: {email: chen@example.com}}
  - {id: dana, name: Dana, timezone: Europe/Dublin, skills: [child_safety],
     languages: [en], contacts: {email: dana@example.com}}
  - {id: emil, name: Emil, timezone: Europe/Dublin, skills: [violent_extremism],
     languages: [en], contacts: {email: emil@example.com}}
  - {id: fiona, name: Fiona, timezone: Europe/Dublin, skills: [spam],
     languages: [en], contacts: {email: fiona@example.com}}
  - {id: gus, name: Gus, timezone: Europe/Dublin, skills: [spam],
     languages: [en], contacts: {email: gus@example.com}}
  - {id: lead, name: Lead, timezone: Europe/Dublin, skills: [],
     languages: [en], contacts: {email: lead@example.com}}
"""


def _team(team_id: str, members: str, on_duty: int, policy: str) -> str:
    return f"""
  - id: {team_id}
    name: Team {team_id}
    lead: lead
    schedule:
      layers:
        - name: always
          rotation: daily
          handoff: "09:00"
          timezone: Europe/Dublin
          start: 2026-01-05
          members: [{members}]
          on_duty: {on_duty}
    escalation_policy:
{policy}"""


TWO_LEVELS = """      levels:
        - targets: [{kind: schedule}]
        - targets: [{kind: person, id: lead}]
      repeat: 0"""
ONE_LEVEL = """      levels:
        - targets: [{kind: schedule}]"""

ROUTING = """
routing:
  rules:
    - name: child-safety
      match: {policy_area: [child_safety]}
      team: cs
    - name: authorities
      match: {source_kind: [regulator, law_enforcement, legal]}
      team: legal
    - name: removal-orders
      match: {regime: [terreg_removal_order]}
      team: legal
    - name: low-severity
      match: {policy_area: [spam]}
      team: general
  default_team: tsd
"""

SHORT_SLA = """
priority:
  sla:
    P0: {acknowledge: 2s, resolve: 20s}
"""


def config(*, sla: str = SHORT_SLA, tsd_policy: str = TWO_LEVELS) -> str:
    """Return the test configuration: four teams, everyone in a team always on duty."""
    teams = "teams:" + "".join(
        [
            _team("tsd", "aoife, bruno, chen", 3, tsd_policy),
            _team("cs", "dana", 1, ONE_LEVEL),
            _team("legal", "emil", 1, ONE_LEVEL),
            _team("general", "fiona, gus", 2, ONE_LEVEL),
        ]
    )
    return PEOPLE + teams + ROUTING + sla
