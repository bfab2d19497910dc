"""The router's metrics that read the configuration: assignments per team and person."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from escalations.core.config import loads_config
from escalations_router import metrics
from tests.e2e.router.configs import config

# A Wednesday: 10:00 in Dublin is working hours, 23:00 is not.
DAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)


def _count(team: str, person: str, out_of_hours: str) -> float:
    value = metrics.ASSIGNMENTS.labels(team, person, out_of_hours)._value.get()
    return float(value)


def test_assignments_are_counted_under_the_persons_first_team_and_hours() -> None:
    """A member counts under their team; someone in no team's schedule under an empty team."""
    loaded = loads_config(config()).config
    # "emil" is in team legal; "lead" leads teams but is on no schedule.
    before = {
        key: _count(*key)
        for key in [("legal", "emil", "false"), ("legal", "emil", "true"), ("", "lead", "true")]
    }
    metrics.count_assignments(Counter({"emil": 2}), loaded, DAY)
    metrics.count_assignments(Counter({"emil": 1, "lead": 1}), loaded, NIGHT)
    assert 2 == _count("legal", "emil", "false") - before[("legal", "emil", "false")]
    assert 1 == _count("legal", "emil", "true") - before[("legal", "emil", "true")]
    assert 1 == _count("", "lead", "true") - before[("", "lead", "true")]


def test_first_team_of_follows_the_configuration_order() -> None:
    """A person on two schedules belongs, for the metric, to the first team listed."""
    text = config().replace("members: [emil]", "members: [emil, dana]")
    loaded = loads_config(text).config
    assert "cs" == loaded.first_team_of["dana"]  # cs comes before legal
    assert "legal" == loaded.first_team_of["emil"]
    assert "lead" not in loaded.first_team_of
