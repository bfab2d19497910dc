"""Router settings: retention defaults, and the values refused at start with the reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from escalations_router.settings import INTAKE_RETENTION_HOURS, RouterSettings


def test_retention_defaults_keep_records_longer_than_the_intake_topic_keeps_events() -> None:
    """A week of published events; two weeks of processed-event records (topic: one week)."""
    settings = RouterSettings()
    assert INTAKE_RETENTION_HOURS == 7 * 24
    assert (settings.outbox_retention_hours, settings.processed_events_retention_hours) == (
        7 * 24,
        14 * 24,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"ROUTER_PROCESSED_EVENTS_RETENTION_HOURS": "100"},
            "processed_events_retention_hours\n  Value error, must be at least 168 hours, how"
            " long the intake topic keeps an event",
        ),
        ({"ROUTER_OUTBOX_RETENTION_HOURS": "0"}, "outbox_retention_hours"),
        ({"ROUTER_PRUNE_CHUNK": "10"}, "prune_chunk"),
        ({"ROUTER_PRUNE_INTERVAL_SECONDS": "0.5"}, "prune_interval_seconds"),
    ],
)
def test_settings_refuse_retention_that_would_lose_or_replay_events(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each bad value fails at start, naming the setting."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        RouterSettings()
    assert message in str(caught.value)


def test_processed_events_retention_may_equal_the_topic_retention(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exactly the topic's retention is enough."""
    monkeypatch.setenv("ROUTER_PROCESSED_EVENTS_RETENTION_HOURS", "168")
    assert RouterSettings().processed_events_retention_hours == 168
