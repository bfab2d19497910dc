"""Benchmark of the pure core: schedule lookup and the full decision per escalation.

Builds a configuration of 50 teams and 500 people with realistic layers (weekday business
hours, nights over midnight, weekends, Irish holidays, a US follow-the-sun layer), then
times ``on_duty`` and ``decide`` (score + route + on-duty resolution + assignment) one call
at a time on one core, and prints the median and p99. Targets: lookup < 50 us median,
decision < 200 us median.

Run: ``uv run python benchmarks/bench_core.py`` (not a test).
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.core.assignment import PersonHistory
from escalations.core.config import Config, parse_config
from escalations.core.decide import decide
from escalations.core.escalation import EscalationIn, PolicyArea, Regime, SourceKind
from escalations.core.schedules import on_duty

TEAMS = 50
PEOPLE_PER_TEAM = 10
LOOKUPS = 20_000
DECISIONS = 10_000
TARGET_LOOKUP_US = 50.0
TARGET_DECISION_US = 200.0
START = datetime(2026, 1, 5, tzinfo=UTC)
AREAS = list(PolicyArea)
LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "ga", "ar", "tr", "ja"]
REGIONS = ["IE", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "US", "AU", "SG", "JP"]


def _person(rng: random.Random, pid: str, zone: str) -> dict[str, Any]:
    return {
        "id": pid,
        "name": pid.title(),
        "timezone": zone,
        "skills": [area.value for area in rng.sample(AREAS, 5)],
        "languages": ["en", *rng.sample(LANGUAGES[1:], 2)],
        "opt_out": [area.value for area in rng.sample(AREAS, rng.choice([0, 0, 1]))],
        "contacts": {"email": f"{pid}@example.com"},
    }


def _layers(members: list[str]) -> list[dict[str, Any]]:
    dublin = {"timezone": "Europe/Dublin", "start": "2026-01-05"}
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    return [
        {"name": "nights", "rotation": "weekly", "handoff": "17:00", "handoff_weekday": "mon",
         "members": members[6:10], "restrictions": [{"days": weekdays, "start": "17:00", "end": "09:00"}],  # noqa: E501 -- one layer
         **dublin},
        {"name": "weekend", "rotation": "weekly", "handoff": "17:00", "handoff_weekday": "fri",
         "members": members[2:6], "restrictions": [
             {"days": ["fri"], "start": "17:00", "end": "24:00"},
             {"days": ["sat", "sun"], "start": "00:00", "end": "24:00"}], **dublin},
        {"name": "business", "rotation": "daily", "handoff": "09:00", "members": members[:6],
         "on_duty": 2, "restrictions": [{"days": weekdays, "start": "09:00", "end": "17:00"}],
         **dublin},
        {"name": "ie-holidays", "rotation": "daily", "handoff": "09:00", "members": members[:3],
         "holidays": "team", **dublin},
        {"name": "us-follow-the-sun", "rotation": "weekly", "handoff": "09:00",
         "handoff_weekday": "mon", "timezone": "America/Los_Angeles", "start": "2026-01-05",
         "members": members[7:10], "restrictions": [{"days": weekdays, "start": "09:00", "end": "17:00"}]},  # noqa: E501 -- one layer
    ]  # fmt: skip


def build_config(seed: int = 7) -> Config:
    """Return a validated configuration of 50 teams and 500 people."""
    rng = random.Random(seed)
    people, teams, rules = [], [], []
    for t in range(TEAMS):
        members = [f"p{t:02d}x{i}" for i in range(PEOPLE_PER_TEAM)]
        zones = ["Europe/Dublin"] * 7 + ["America/Los_Angeles"] * 3
        people += [_person(rng, pid, zone) for pid, zone in zip(members, zones, strict=True)]
        teams.append(
            {
                "id": f"team-{t:02d}",
                "name": f"Team {t}",
                "lead": members[0],
                "holidays": "IE",
                "schedule": {"layers": _layers(members)},
                "escalation_policy": {
                    "repeat": 1,
                    "levels": [
                        {"targets": [{"kind": "schedule"}]},
                        {"targets": [{"kind": "person", "id": members[0]}]},
                        {"targets": [{"kind": "team", "id": f"team-{(t + 1) % TEAMS:02d}"}]},
                    ],
                },
            }
        )
        rules.append(_rule(rng, t))
    data = {
        "people": people,
        "teams": teams,
        "routing": {"default_team": "team-00", "rules": rules},
    }
    return parse_config(data, coverage_from=START).config


def _rule(rng: random.Random, t: int) -> dict[str, Any]:
    match: dict[str, Any] = {"policy_area": [area.value for area in rng.sample(AREAS, 2)]}
    if t % 3 == 0:
        match["region"] = rng.sample(REGIONS, 3)
    if t % 4 == 0:
        match["language"] = rng.sample(LANGUAGES, 2)
    if t % 10 == 0:
        match["tier"] = ["P0", "P1"]
    return {"name": f"rule-{t:02d}", "match": match, "team": f"team-{t:02d}"}


def escalations(rng: random.Random, count: int) -> list[EscalationIn]:
    """Return varied escalations: areas, reach, signals, some with regulatory clocks."""
    regimes = [Regime.NONE] * 6 + [r for r in Regime if r is not Regime.NONE]
    found = []
    for n in range(count):
        found.append(
            EscalationIn.model_validate(
                {
                    "title": f"escalation {n}",
                    "policy_area": rng.choice(AREAS).value,
                    "region": rng.choice(REGIONS),
                    "language": rng.choice(LANGUAGES),
                    "reach": {
                        "impressions_24h": int(10 ** rng.uniform(1, 7)),
                        "followers": int(10 ** rng.uniform(0, 6)),
                        "accounts_involved": rng.choice([1, 1, 1, 3, 50]),
                    },
                    "signals": {
                        "imminence": rng.choice(["none"] * 6 + ["possible", "imminent_specific"]),
                        "minors": rng.choice(["none"] * 6 + ["suspected", "confirmed"]),
                        "press_inquiry": rng.random() < 0.1,
                        "graphic": rng.random() < 0.3,
                        "violation_likelihood": rng.random(),
                    },
                    "regulatory": {"regime": rng.choice(regimes).value},
                }
            )
        )
    return found


def history_for(config: Config, rng: random.Random, at: datetime) -> dict[str, PersonHistory]:
    """Return an assignment history for everyone: recent assignments and graphic exposure."""
    return {
        person.id: PersonHistory(
            last_assigned_at=at - timedelta(minutes=rng.randint(1, 6000)),
            open_count=rng.randint(0, 6),
            graphic_at=tuple(
                at - timedelta(minutes=rng.randint(1, 900)) for _ in range(rng.randint(0, 5))
            ),
        )
        for person in config.people
    }


def measure(call: Callable[[int], object], count: int) -> list[float]:
    """Time ``call(i)`` once per i, in microseconds, after a warm-up."""
    for i in range(min(500, count)):
        call(i)
    samples = []
    gc.disable()
    try:
        for i in range(count):
            begin = time.perf_counter_ns()
            call(i)
            samples.append((time.perf_counter_ns() - begin) / 1000)
    finally:
        gc.enable()
    return samples


def report(name: str, samples: list[float], target: float) -> bool:
    """Print median and p99 of the samples against the target; return whether it is met."""
    median = statistics.median(samples)
    p99 = statistics.quantiles(samples, n=100)[98]
    verdict = "OK" if median < target else "OVER TARGET"
    figures = f"median {median:8.1f} us   p99 {p99:8.1f} us"
    print(f"{name:<30} {figures}   target < {target:.0f} us median: {verdict}")
    return median < target


def main() -> int:
    """Build the configuration, run both measurements and print the figures."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rng = random.Random(11)
    began = time.perf_counter()
    config = build_config()
    built = time.perf_counter() - began
    layers = sum(len(team.schedule.layers) for team in config.teams)
    print(
        f"config: {len(config.teams)} teams, {len(config.people)} people, {layers} layers, "
        f"{len(config.routing.rules)} routing rules (built and validated in {built:.1f} s)"
    )
    year = int(timedelta(days=365).total_seconds())
    instants = [START + timedelta(seconds=rng.randrange(year)) for _ in range(LOOKUPS)]
    team_ids = [rng.choice(config.teams).id for _ in range(LOOKUPS)]
    lookups = measure(lambda i: on_duty(config, team_ids[i], instants[i]), LOOKUPS)
    cases = escalations(rng, DECISIONS)
    kinds = [rng.choice(list(SourceKind)) for _ in range(DECISIONS)]
    history = history_for(config, rng, START + timedelta(days=180))
    decisions = measure(
        lambda i: decide(
            config,
            cases[i],
            source="bench",
            source_kind=kinds[i],
            at=instants[i],
            history=history,
        ),
        DECISIONS,
    )
    ok = report("schedule lookup (on_duty)", lookups, TARGET_LOOKUP_US)
    ok &= report("full decision (decide)", decisions, TARGET_DECISION_US)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
