"""Settings shared by every service: infrastructure and the configuration file.

``os.environ`` is read nowhere else: each service subclasses ``CommonSettings`` with its own
env prefix, and builds everything from one settings object at start-up.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
