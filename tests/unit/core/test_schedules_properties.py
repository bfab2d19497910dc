"""Invariants of schedule resolution, checked at random instants with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalations.core.config import (
    Config,
    Override,
    TimeOff,
    demo_config_path,
    load_config,
    loads_config,
)
from escalations.core.coverage import covered
from escalations.core.decide import level_people, level_people_until
from escalations.core.rotation import slot_at, slot_start
from escalations.core.schedules import on_duty
from escalations.core.shifts import next_change, shifts
from tests.unit.core.schedule_helpers import PEOPLE, config, one_layer, people_yaml
from tests.unit.core.test_coverage import FOLLOW_THE_SUN

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YEAR_START, YEAR_END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)

# Windows that start or end inside DST gaps and folds, nights over midnight, holidays.
TRICKY = """
teams:
  - id: t
    name: Tricky
    lead: ann
    holidays: IE
    schedule:
      layers:
        - {name: small-hours, rotation: daily, handoff: "01:30", timezone: Europe/Dublin,
           start: 2026-01-01, members: [ann, bob],
           restrictions: [{days: [sun], start: "01:30", end: "02:30"},
                          {days: [sat], start: "00:30", end: "01:15"}]}
        - {name: la-nights, rotation: weekly, handoff: "20:00", handoff_weekday: fri,
           timezone: America/Los_Angeles, start: 2026-01-02, members: [cat, dan, eve],
           restrictions: [{days: [fri, sat, sun], start: "20:00", end: "02:00"}]}
        - {name: holidays, rotation: {hours: 7}, timezone: Europe/Dublin, start: 2026-01-01,
           members: [fay, gus], holidays: team}
        - {name: sydney, rotation: daily, handoff: "02:30", timezone: Australia/Sydney,
           start: 2026-01-01, members: [hal],
           restrictions: [{days: [sun], start: "02:00", end: "03:00"}]}
"""

CONFIGS: dict[str, Config] = {
    "demo": load_config(demo_config_path()).config,
    "follow-the-sun": config(FOLLOW_THE_SUN),
    "tricky": config(TRICKY),
}
TRANSITIONS = [
    datetime(2026, 3, 8, 10, tzinfo=UTC),  # LA forward
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Dublin forward
    datetime(2026, 4, 4, 16, tzinfo=UTC),  # Sydney back
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Sydney forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Dublin back
    datetime(2026, 11, 1, 9, tzinfo=UTC),  # LA back
]

in_year = st.datetimes(
    min_value=YEAR_START.replace(tzinfo=None),
    max_value=YEAR_END.replace(tzinfo=None),
    timezones=st.just(UTC),
)
near_transition = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from(TRANSITIONS),
    st.integers(min_value=-36 * 60, max_value=36 * 60),
)
instants = st.one_of(in_year, near_transition)


@SETTINGS
@given(name=st.sampled_from(sorted(CONFIGS)), at=instants)
def test_coverage_claims_match_on_duty(name: str, at: datetime) -> None:
    """Where coverage says a team is covered someone is on duty, and nowhere else."""
    cfg = CONFIGS[name]
    for team in cfg.teams:
        intervals = covered(team, at - timedelta(days=2), at + timedelta(days=2))
        claimed = any(start <= at < end for start, end in intervals)
        assert claimed == bool(on_duty(cfg, team.id, at)), (team.id, at)


ZONES = ["Europe/Dublin", "America/Los_Angeles", "Asia/Singapore", "Australia/Sydney", "UTC"]
layers = st.fixed_dictionaries(
    {
        "rotation": st.sampled_from(
            ["daily", "weekly", "{hours: 5}", "{hours: 12}", "{hours: 36}"]
        ),
        "handoff": st.integers(min_value=0, max_value=95).map(lambda q: q * 15),
        "zone": st.sampled_from(ZONES),
        "size": st.integers(min_value=1, max_value=5),
        "weekday": st.sampled_from(["mon", "wed", "sun"]),
    }
)


def _layer_config(spec: dict[str, object]) -> Config:
    minute = int(str(spec["handoff"]))
    weekday = f"handoff_weekday: {spec['weekday']}\n" if spec["rotation"] == "weekly" else ""
    members = ", ".join(PEOPLE[: int(str(spec["size"]))])
    return config(
        one_layer(
            f"name: main\nrotation: {spec['rotation']}\n"
            f"handoff: '{minute // 60:02d}:{minute % 60:02d}'\n"
            f"{weekday}timezone: {spec['zone']}\nstart: 2025-12-01\nmembers: [{members}]\n"
        )
    )


@SETTINGS
@given(spec=layers, at=instants)
def test_handoffs_are_where_the_rotation_says(spec: dict[str, object], at: datetime) -> None:
    """Each shift starts at a handoff (local handoff time for daily/weekly) and the next
    member takes over exactly there."""
    cfg = _layer_config(spec)
    layer = cfg.team("t").schedule.layers[0]
    (duty,) = on_duty(cfg, "t", at)
    slot = slot_at(layer, at)
    assert (slot_start(layer, slot), slot_start(layer, slot + 1)) == (duty.start, duty.end)
    assert layer.members[slot % len(layer.members)] == duty.person
    (before,) = on_duty(cfg, "t", duty.start - timedelta(microseconds=1))
    assert layer.members[(slot - 1) % len(layer.members)] == before.person
    tz = ZoneInfo(layer.timezone)
    local = duty.start.astimezone(tz)
    if layer.rotation.hours is None:
        wall_ok = local.hour * 60 + local.minute == layer.handoff_minute
        # Only a handoff inside a spring-forward gap may land off its wall time (just after).
        earlier = (duty.start - timedelta(hours=3)).astimezone(tz)
        assert wall_ok or local.utcoffset() != earlier.utcoffset()
        if wall_ok and layer.rotation.kind == "weekly":
            assert str(spec["weekday"]) == local.strftime("%a").lower()
    else:
        assert timedelta(0) == (duty.start - layer.begin) % timedelta(hours=layer.rotation.hours)


@st.composite
def runtime_changes(draw: st.DrawFn) -> tuple[str, str, list[Override], list[TimeOff]]:
    """Draw a config, one of its teams, and a few overrides and leaves in early March 2026."""
    name, team = draw(st.sampled_from([("tricky", "t"), ("demo", "ts-dublin")]))
    members = sorted(CONFIGS[name].team(team).members())
    base = datetime(2026, 3, 2, tzinfo=UTC)
    hours = st.integers(min_value=0, max_value=24 * 7)
    overrides, leaves = [], []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        start = base + timedelta(hours=draw(hours))
        length = timedelta(hours=draw(st.integers(min_value=1, max_value=30)))
        person = draw(st.sampled_from(members))
        overrides.append(Override(team=team, person=person, start=start, end=start + length))
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        start = base + timedelta(hours=draw(hours))
        length = timedelta(hours=draw(st.integers(min_value=1, max_value=60)))
        leaves.append(
            TimeOff(person=draw(st.sampled_from(members)), start=start, end=start + length)
        )
    return name, team, overrides, leaves


@SETTINGS
@given(changes=runtime_changes(), offset=st.integers(min_value=0, max_value=7 * 24 * 60 - 1))
def test_shifts_agree_with_on_duty_and_repeat_identically(
    changes: tuple[str, str, list[Override], list[TimeOff]], offset: int
) -> None:
    """The shift list and the per-instant answer agree, and the same inputs give the same
    result, also from a freshly parsed copy of the config."""
    name, team, overrides, leaves = changes
    cfg = CONFIGS[name]
    start, end = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)
    at = start + timedelta(minutes=offset)
    found = shifts(cfg, team, start, end, overrides=overrides, time_off=leaves)
    from_shifts = sorted((s.person, s.layer, s.covering) for s in found if s.start <= at < s.end)
    duties = on_duty(cfg, team, at, overrides=overrides, time_off=leaves)
    assert from_shifts == sorted((d.person, d.layer, d.covering) for d in duties)
    assert all(duty.start <= at < duty.end for duty in duties)
    fresh = FRESH[name]()
    assert duties == on_duty(fresh, team, at, overrides=overrides, time_off=leaves)
    assert found == shifts(fresh, team, start, end, overrides=overrides, time_off=leaves)


FRESH = {
    "tricky": lambda: loads_config(people_yaml() + TRICKY + "routing: {default_team: t}\n").config,
    "demo": lambda: load_config(demo_config_path()).config,
}


def _instants_before(at: datetime, until: datetime, shares: list[float]) -> list[datetime]:
    """Return the last instant before ``until`` and one at each share of ``[at, until)``."""
    last = until - timedelta(microseconds=1)
    # A share just under 1 can round up to ``until`` itself (timedelta keeps microseconds).
    return [last, *(min(at + (until - at) * share, last) for share in shares)]


@SETTINGS
@given(
    changes=runtime_changes(),
    offset=st.integers(min_value=0, max_value=7 * 24 * 60 - 1),
    shares=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), max_size=6),
)
def test_on_duty_holds_until_the_next_change(
    changes: tuple[str, str, list[Override], list[TimeOff]], offset: int, shares: list[float]
) -> None:
    """Whoever is on duty at an instant stays on duty, in the same order, up to next_change."""
    name, team, overrides, leaves = changes
    cfg = CONFIGS[name]
    at = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=offset)
    until = next_change(
        cfg, team, at, at + timedelta(hours=12), overrides=overrides, time_off=leaves
    )
    assert at < until <= at + timedelta(hours=12)

    def who(instant: datetime) -> list[tuple[str, str, str | None]]:
        duties = on_duty(cfg, team, instant, overrides=overrides, time_off=leaves)
        return [(d.person, d.layer, d.covering) for d in duties]

    now = who(at)
    for instant in _instants_before(at, until, shares):
        assert now == who(instant), instant


@SETTINGS
@given(
    changes=runtime_changes(),
    offset=st.integers(min_value=0, max_value=7 * 24 * 60 - 1),
    shares=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), max_size=6),
)
def test_level_one_holds_until_the_instant_it_names(
    changes: tuple[str, str, list[Override], list[TimeOff]], offset: int, shares: list[float]
) -> None:
    """level_people_until's answer is level_people's at every instant before its bound."""
    name, team_id, overrides, leaves = changes
    cfg = CONFIGS[name]
    policy = cfg.team(team_id).escalation_policy
    at = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=offset)
    people, until = level_people_until(cfg, team_id, policy, 1, at, overrides, leaves)
    assert at < until <= at + timedelta(hours=1)
    for instant in [at, *_instants_before(at, until, shares)]:
        assert people == level_people(cfg, team_id, policy, 1, instant, overrides, leaves)
