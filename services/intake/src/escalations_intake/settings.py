"""Intake settings, from the environment (prefix ``INTAKE_``, plus the shared variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from escalations.settings import CommonSettings

MIN_KEY_LENGTH = 24


class IntakeSettings(CommonSettings):
    """Everything the intake needs to start."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = Field("http://127.0.0.1:8080", description="Base URL used in links")
    bootstrap_key: SecretStr | None = Field(None, validation_alias="ESCALATIONS_BOOTSTRAP_KEY")
    key_cache_seconds: float = Field(30.0, ge=0, description="How long a key lookup is cached")

    @field_validator("bootstrap_key")
    @classmethod
    def _strong_key(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse short or placeholder bootstrap keys: this key has every scope."""
        if value is None:
            return None
        secret = value.get_secret_value()
        if len(secret) < MIN_KEY_LENGTH or secret.lower().startswith("changeme"):
            raise ValueError(
                f"ESCALATIONS_BOOTSTRAP_KEY must be at least {MIN_KEY_LENGTH} random characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return value
