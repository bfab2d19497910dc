"""Notifier settings, from the environment (prefix ``NOTIFIER_``, plus the shared variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from escalations.settings import CommonSettings


class NotifierSettings(CommonSettings):
    """Everything the notifier needs to start."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8082, ge=1, le=65535)
    group_id: str = "notifier"
    webhook_secret: SecretStr = Field(
        ..., description="HMAC-SHA256 key for X-Escalation-Signature on outbound webhooks"
    )
    public_url: str = Field(
        "http://127.0.0.1:8080",
        validation_alias="ESCALATIONS_PUBLIC_URL",
        description="Base URL of the intake API, used in links",
    )
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_base_seconds: float = Field(0.5, gt=0, le=60)
    backoff_max_seconds: float = Field(30.0, gt=0, le=3600)
    request_timeout_seconds: float = Field(10.0, gt=0, le=120)

    @field_validator("webhook_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr) -> SecretStr:
        """Refuse short or placeholder secrets: receivers trust this signature."""
        secret = value.get_secret_value()
        if len(secret) < 16 or secret.lower().startswith("changeme"):
            raise ValueError("NOTIFIER_WEBHOOK_SECRET must be at least 16 random characters")
        return value
