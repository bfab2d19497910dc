"""Router settings, from the environment (prefix ``ROUTER_``, plus the shared variables)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from escalations.contracts.topics import INTAKE, TOPICS
from escalations.settings import CommonSettings

# A processed-event record must outlive the input event itself: the intake topic's retention.
INTAKE_RETENTION_HOURS = next(
    int(t.config["retention.ms"]) / 3_600_000 for t in TOPICS if t.name == INTAKE
)


class RouterSettings(CommonSettings):
    """Everything the router needs to start."""

    model_config = SettingsConfigDict(env_prefix="ROUTER_", extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8081, ge=1, le=65535)
    group_id: str = "router"
    # Static group membership: a restarted instance with the same id takes its partitions
    # back at once instead of after the session timeout (set one per replica, e.g. pod name).
    instance_id: str | None = Field(None, min_length=1, max_length=200)
    session_timeout_ms: int = Field(10_000, ge=6_000, le=300_000)
    max_batch: int = Field(500, ge=1, le=10_000)
    fetch_max_wait_ms: int = Field(20, ge=0, le=5_000)
    relay_batch: int = Field(500, ge=1, le=10_000)
    relay_idle_seconds: float = Field(0.2, gt=0, le=10)
    relay_settle_seconds: float = Field(0.5, ge=0, le=10)
    timer_interval_seconds: float = Field(0.2, gt=0, le=5)
    timer_batch: int = Field(200, ge=1, le=10_000)
    config_poll_seconds: float = Field(2.0, gt=0, le=300)
    # A report with the same source and body within this window of an earlier one is a
    # client's retry (a 503 means "not confirmed"), not a new report (``retried.py``).
    retry_window_seconds: float = Field(600, gt=0, le=86_400)
    # Retention (``retention``): published outbox rows, and the records of applied events.
    outbox_retention_hours: float = Field(7 * 24, gt=0, le=10 * 366 * 24)
    processed_events_retention_hours: float = Field(14 * 24, gt=0, le=10 * 366 * 24)
    prune_interval_seconds: float = Field(300, ge=1, le=24 * 3600)
    prune_chunk: int = Field(5_000, ge=100, le=100_000)
    # The stakeholder job (``stakeholders``): how often it looks for update reminders,
    # shift handoffs and digests due, and how many reminders one round sends at most.
    stakeholder_interval_seconds: float = Field(5.0, gt=0, le=300)
    reminder_batch: int = Field(200, ge=1, le=10_000)

    @field_validator("processed_events_retention_hours")
    @classmethod
    def _outlive_the_intake_topic(cls, hours: float) -> float:
        if hours < INTAKE_RETENTION_HOURS:
            raise ValueError(
                f"must be at least {INTAKE_RETENTION_HOURS:g} hours, how long the intake topic"
                " keeps an event: a record deleted sooner would let a replay of its event"
                " apply it twice"
            )
        return hours
