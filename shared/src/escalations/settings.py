"""Settings shared by every service: infrastructure and the configuration file.

``os.environ`` is read nowhere else: each service subclasses ``CommonSettings`` with its own
env prefix, and builds everything from one settings object at start-up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from escalations.core.config import Config

DEMO_CONFIG = Path(__file__).parent / "data" / "demo.yaml"


class DatabaseSettings(BaseSettings):
    """Where Postgres is."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(
        "postgresql+asyncpg://escalations:escalations@127.0.0.1:5432/escalations",
        validation_alias="DATABASE_URL",
    )

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str) -> str:
        """Accept postgres:// and postgresql:// URLs and use the asyncpg driver."""
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        raise ValueError(
            "DATABASE_URL must be a PostgreSQL URL such as "
            "postgresql://user:password@host:5432/dbname"
        )


class InfraSettings(DatabaseSettings):
    """Where Kafka and Postgres are, and how much to log."""

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS", min_length=1
    )
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")


class CommonSettings(InfraSettings):
    """Infrastructure endpoints and the configuration file, from the environment."""

    config_path: Path = Field(DEMO_CONFIG, validation_alias="ESCALATIONS_CONFIG")

    @field_validator("config_path")
    @classmethod
    def _config_exists(cls, value: Path) -> Path:
        """Fail at start-up, not at the first escalation, when the config file is missing."""
        if not value.is_file():
            raise ValueError(f"ESCALATIONS_CONFIG: no such file {value}")
        return value


S = TypeVar("S", bound=CommonSettings)


def load_service(service: str, factory: Callable[[], S]) -> tuple[S, Config] | None:
    """Read a service's settings and its configuration file; print why not and return None."""
    # Imported here: the core's config loader is only needed once a service starts.
    from escalations.core.config import ConfigError, load_config

    try:
        settings = factory()
        config = load_config(settings.config_path).config
    except (ValidationError, ConfigError) as exc:
        print(f"{service}: cannot start:\n{exc}", file=sys.stderr)
        return None
    return settings, config
