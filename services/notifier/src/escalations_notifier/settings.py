"""Notifier settings, from the environment (prefix ``NOTIFIER_``, plus the shared variables)."""

from __future__ import annotations

import re
import socket

from pydantic import Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from escalations.settings import CommonSettings

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


def _strong(name: str, value: SecretStr) -> SecretStr:
    secret = value.get_secret_value()
    if len(secret) < 16 or secret.lower().startswith("changeme"):
        raise ValueError(f"{name} must be at least 16 random characters")
    return value


class NotifierSettings(CommonSettings):
    """Everything the notifier needs to start."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8082, ge=1, le=65535)
    group_id: str = "notifier"
    webhook_secret: SecretStr = Field(
        ..., description="HMAC-SHA256 key for X-Escalation-Signature on outbound webhooks"
    )
    link_secret: SecretStr | None = Field(
        None,
        validation_alias="ESCALATIONS_LINK_SECRET",
        description="Key of the signed acknowledge links; without it messages carry no such link",
    )
    ack_link_ttl_seconds: int = Field(86_400, ge=60, le=30 * 86_400)
    public_url: str = Field(
        "http://127.0.0.1:8080",
        validation_alias="ESCALATIONS_PUBLIC_URL",
        description="Base URL of the intake API, used in links",
    )
    # Email: the channel is enabled only when a host is set.
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Escalations <escalations@localhost>"
    smtp_ca_file: FilePath | None = Field(
        None, description="PEM bundle to verify the SMTP server's certificate (private CAs)"
    )
    pagerduty_url: str = Field(PAGERDUTY_EVENTS_URL, pattern=r"^https?://\S+$")
    # Delivery: retries, the time one batch may spend retrying inline, leases, breakers.
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_base_seconds: float = Field(0.5, gt=0, le=60)
    backoff_max_seconds: float = Field(30.0, gt=0, le=3600)
    request_timeout_seconds: float = Field(5.0, gt=0, le=120)
    max_in_flight: int = Field(64, ge=1, le=1000, description="Concurrent sends per process")
    connections_per_endpoint: int = Field(16, ge=1, le=100)
    inline_retry_seconds: float = Field(2.0, ge=0, le=60)
    lease_seconds: float = Field(60.0, gt=0, le=3600)
    retry_poll_seconds: float = Field(0.5, gt=0, le=60)
    breaker_failures: int = Field(5, ge=1, le=1000)
    # Short and capped: a recovered endpoint is probed within breaker_max_open_seconds,
    # and its waiting messages go out at once (docs/contract/guarantees.md, "Quick recovery").
    breaker_open_seconds: float = Field(1.0, gt=0, le=3600)
    breaker_max_open_seconds: float = Field(3.0, gt=0, le=3600)
    instance_id: str | None = Field(
        None,
        min_length=1,
        max_length=150,
        pattern=r"^[A-Za-z0-9._-]+$",
        description=(
            "Stable name of this notifier (default: host name and health port); a restart "
            "under the same name takes back its unfinished deliveries at once"
        ),
    )
    config_poll_seconds: float = Field(
        2.0, gt=0, le=300, description="How often the config file is checked for changes"
    )

    @property
    def instance(self) -> str:
        """Return this notifier's stable name: the setting, else host name and health port.

        Both survive a restart of the process (a pod keeps its host name), and no two live
        notifiers on one host share a port.
        """
        host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())
        return self.instance_id or f"{host}-{self.http_port}"

    @field_validator("smtp_host", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """Treat ``VAR=`` (compose's empty default) as not set."""
        return None if value == "" else value

    @field_validator("smtp_password")
    @classmethod
    def _real_password(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse the shipped placeholder instead of failing at the first e-mail."""
        if value is not None and value.get_secret_value().lower().startswith("changeme"):
            raise ValueError("NOTIFIER_SMTP_PASSWORD is still the placeholder; set the real one")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr) -> SecretStr:
        """Refuse short or placeholder secrets: receivers trust this signature."""
        return _strong("NOTIFIER_WEBHOOK_SECRET", value)

    @field_validator("link_secret")
    @classmethod
    def _strong_link_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse short or placeholder secrets: the link lets its holder acknowledge."""
        return None if value is None else _strong("ESCALATIONS_LINK_SECRET", value)

    @model_validator(mode="after")
    def _lease_outlasts_inline_work(self) -> NotifierSettings:
        """A lease shorter than one send plus the inline retries would let two senders race."""
        needed = 2 * (self.request_timeout_seconds + self.inline_retry_seconds)
        if self.lease_seconds < needed:
            raise ValueError(
                f"NOTIFIER_LEASE_SECONDS={self.lease_seconds:g} must be at least twice "
                f"NOTIFIER_REQUEST_TIMEOUT_SECONDS + NOTIFIER_INLINE_RETRY_SECONDS ({needed:g})"
            )
        if self.breaker_max_open_seconds < self.breaker_open_seconds:
            raise ValueError(
                f"NOTIFIER_BREAKER_MAX_OPEN_SECONDS={self.breaker_max_open_seconds:g} must be "
                f"at least NOTIFIER_BREAKER_OPEN_SECONDS={self.breaker_open_seconds:g}"
            )
        if self.smtp_password is not None and self.smtp_username is None:
            raise ValueError("NOTIFIER_SMTP_PASSWORD is set but NOTIFIER_SMTP_USERNAME is not")
        return self
