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
    max_batch: int = Field(500, ge=1, le=10_000)
    relay_batch: int = Field(500, ge=1, le=10_000)
    relay_idle_seconds: float = Field(0.2, gt=0, le=10)
