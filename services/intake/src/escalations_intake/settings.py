"""Intake settings, from the environment (prefix ``INTAKE_``, plus the shared variables)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, PositiveFloat, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from escalations.core.escalation import PolicyArea
from escalations.settings import CommonSettings

MIN_KEY_LENGTH = 24
MIN_LINK_SECRET_LENGTH = 16


def _strong(value: SecretStr | None, name: str, minimum: int) -> SecretStr | None:
    if value is None:
        return None
    secret = value.get_secret_value()
    if len(secret) < minimum or secret.lower().startswith("changeme"):
        raise ValueError(
            f"{name} must be at least {minimum} random characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return value


class IntakeSettings(CommonSettings):
    """Everything the intake needs to start."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes")
    public_url: str = Field("http://127.0.0.1:8080", description="Base URL used in links")
    bootstrap_key: SecretStr | None = Field(None, validation_alias="ESCALATIONS_BOOTSTRAP_KEY")
    link_secret: SecretStr | None = Field(
        None,
        validation_alias="ESCALATIONS_LINK_SECRET",
        description="HMAC secret of the signed acknowledge links (shared with the notifier)",
    )
    key_cache_seconds: float = Field(30.0, ge=0, description="How long a key lookup is cached")
    token_max_days: int = Field(
        90, ge=1, le=3660, description="Longest lifetime of a personal API token, in days"
    )
    # Token bucket per source and per worker process (see auth/rate_limit.py for what that means).
    rate_limit_per_second: float = Field(50.0, gt=0)
    rate_limit_burst_seconds: float = Field(
        4.0, gt=0, description="Bucket size in seconds of the source's rate (burst allowance)"
    )
    rate_limit_sources: dict[str, PositiveFloat] = Field(
        default_factory=dict, description="Per-source rates overriding the default, JSON"
    )
    idempotency_ttl_seconds: int = Field(24 * 3600, ge=60)
    idempotency_wait_seconds: float = Field(10.0, gt=0)
    publish_timeout_seconds: float = Field(5.0, gt=0)
    retry_window_seconds: int = Field(
        600,
        ge=1,
        le=86_400,
        description="Retry window of reports without an external id: the same body from the "
        "same source in one window gets the same id (keep equal to ROUTER_RETRY_WINDOW_SECONDS)",
    )
    kafka_linger_ms: int = Field(5, ge=0, le=1000)
    kafka_max_batch_bytes: int = Field(256 * 1024, ge=16 * 1024)
    db_pool_size: int = Field(10, ge=1, le=100)
    alertmanager_policy_area_label: str = "policy_area"
    alertmanager_region_label: str = "region"
    alertmanager_default_policy_area: PolicyArea = PolicyArea.OTHER
    alertmanager_alertname_policy_areas: dict[str, PolicyArea] = Field(
        default_factory=dict, description="alertname -> policy area, JSON"
    )
    pagerduty_default_policy_area: PolicyArea = PolicyArea.OTHER
    # Sign-in of people (docs/sign-in.md): OpenID Connect is on when the issuer is set.
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer URL")
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    session_ttl_seconds: int = Field(8 * 3600, ge=1, description="Lifetime of a sign-in")
    sign_in_rate_per_minute: float = Field(
        30.0, gt=0, description="Sign-in attempts a client address may make per minute"
    )
    local_sign_in: bool = Field(
        False, description="One-time local sign-in links (make run only; never in production)"
    )
    # Set by ``python -m escalations_intake`` for its workers when INTAKE_WORKERS > 1.
    metrics_dir: Path | None = Field(None, validation_alias="PROMETHEUS_MULTIPROC_DIR")

    @field_validator("oidc_issuer", "oidc_client_id", "oidc_client_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Read an empty value as unset: deployments list the variables, empty until used."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bootstrap_key")
    @classmethod
    def _strong_key(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse short or placeholder bootstrap keys: this key has every scope."""
        return _strong(value, "ESCALATIONS_BOOTSTRAP_KEY", MIN_KEY_LENGTH)

    @field_validator("link_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse short or placeholder link secrets: they sign acknowledge links."""
        return _strong(value, "ESCALATIONS_LINK_SECRET", MIN_LINK_SECRET_LENGTH)

    @model_validator(mode="after")
    def _sign_in(self) -> IntakeSettings:
        """Refuse a half-configured provider, and local sign-in anywhere but on loopback."""
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValueError(
                "INTAKE_OIDC_ISSUER is set: set INTAKE_OIDC_CLIENT_ID and "
                "INTAKE_OIDC_CLIENT_SECRET too (docs/sign-in.md)"
            )
        if self.local_sign_in and (self.https or not _loopback(self.host)):
            raise ValueError(
                "INTAKE_LOCAL_SIGN_IN lets anyone with a printed link sign in without a "
                "password: it is refused with a non-loopback INTAKE_HOST or an https "
                "INTAKE_PUBLIC_URL (production); use OpenID Connect there (docs/sign-in.md)"
            )
        return self

    @property
    def https(self) -> bool:
        """Return whether people reach the intake over https (cookies are then Secure)."""
        return self.public_url.lower().startswith("https:")

    def rate_for(self, source: str) -> float:
        """Return the sustained requests per second allowed for a source."""
        return self.rate_limit_sources.get(source, self.rate_limit_per_second)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False
