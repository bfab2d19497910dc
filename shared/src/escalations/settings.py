"""Settings shared by every service: infrastructure and the configuration file.

``os.environ`` is read nowhere else: each service subclasses ``CommonSettings`` with its own
env prefix, and builds everything from one settings object at start-up.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
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
    """Read a service's settings, set up its JSON logs, and load its configuration file.

    The configuration's coverage warnings (times a team has nobody on duty in the year from
    now) are logged. Prints why not and returns None when settings or configuration are bad.
    """
    # Imported here: the core's config loader is only needed once a service starts.
    from escalations.core.config import ConfigError, load_config
    from escalations.logs import configure_logging

    try:
        settings = factory()
        configure_logging(service, settings.log_level)
        loaded = load_config(settings.config_path, coverage_from=datetime.now(UTC))
    except (ValidationError, ConfigError) as exc:
        print(f"{service}: cannot start:\n{exc}", file=sys.stderr)
        return None
    log_warnings(service, settings.config_path, loaded.warnings)
    return settings, loaded.config


def log_coverage(service: str, path: Path) -> None:
    """Log the coverage warnings of the configuration at ``path``, from now on, if it loads."""
    from escalations.core.config import ConfigError, load_config

    try:
        loaded = load_config(path, coverage_from=datetime.now(UTC))
    except ConfigError:
        return  # the service's own start-up reports every mistake
    log_warnings(service, path, loaded.warnings)


def log_warnings(service: str, path: Path, warnings: Iterable[object]) -> None:
    """Log each configuration warning (a coverage gap, say) as one line at start-up."""
    log = logging.getLogger(service)
    for warning in warnings:
        log.warning("configuration %s: %s", path, warning)
