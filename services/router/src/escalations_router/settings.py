"""Router settings, from the environment (prefix ``ROUTER_``, plus the shared variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from escalations.settings import CommonSettings


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
