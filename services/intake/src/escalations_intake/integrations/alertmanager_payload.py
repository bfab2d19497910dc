"""The Alertmanager webhook body (version 4), read one alert at a time (pure, no I/O).

Alertmanager does not retry a ``4xx``, so refusing a group for one bad alert would lose
every alert in it. The group's own fields are checked as a whole; each alert is then read
on its own: text that is too long is clipped with a visible marker, control characters
become U+FFFD, and an alert that is still invalid is reported as refused while the others
go on (see docs/integrations.md). Unknown fields are ignored, unlike in our own API, so an
Alertmanager upgrade that adds fields does not start failing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

from escalations.core.escalation import (
    ContentRef,
    EscalationIn,
    HttpUrl,
    PolicyArea,
    Reporter,
    whole_number,
)
from escalations_intake.http.bodies import Timestamp, no_number
from escalations_intake.settings import IntakeSettings

MAX_TEXT = 10_000
MAX_ALERTS = 1_000
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 20_000
ALERT_SCHEMA = "AlertmanagerAlert"
_LENIENT = ConfigDict(frozen=True, extra="ignore")
_REGION = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
# C0 controls but tab and newlines, and DEL: Postgres text cannot hold NUL, and the others
# only confuse whoever reads the escalation.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = TypeAdapter(HttpUrl)


def clip(text: str, limit: int) -> str:
    """Return ``text`` cut to ``limit`` characters, ending in a marker that says it was cut."""
    if len(text) <= limit:
        return text
    mark = f" … [clipped from {len(text):,} characters]"
    return text[: limit - len(mark)] + mark


def clean(text: str) -> str:
    """Return ``text`` with control characters (other than tab and newlines) as U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def _fit(limit: int) -> BeforeValidator:
    def fit(value: object) -> object:
        return clip(clean(value), limit) if isinstance(value, str) else value

    return BeforeValidator(fit)


AlertText = Annotated[str, _fit(MAX_TEXT)]
LabelName = Annotated[str, _fit(MAX_TEXT), Field(min_length=1, max_length=200)]
Labels = dict[LabelName, AlertText]


class AlertmanagerAlert(BaseModel):
    """One alert of the group; validated on its own, so a bad one refuses only itself."""

    model_config = _LENIENT

    status: Literal["firing", "resolved"] = Field(description="State of this alert")
    labels: Labels = Field(description="Identifying labels (`alertname`, ...)")
    annotations: Labels = Field(
        {}, description="`summary`, `description`, ...; values over 10,000 characters are clipped"
    )
    startsAt: Timestamp = Field(description="When it started firing")
    endsAt: Annotated[datetime, BeforeValidator(no_number)] | None = Field(
        None, description="When it ended (zero time if firing)"
    )
    generatorURL: str = Field(
        "", description="Link to the source (kept when an http(s) URL of at most 2,048 characters)"
    )
    fingerprint: Annotated[str, Field(pattern=r"^[!-~]{1,200}$")] = Field(
        description="Stable alert id (visible ASCII, at most 200 characters): the `external_id`"
    )


class AlertmanagerWebhook(BaseModel):
    """The Alertmanager webhook body, version 4."""

    model_config = _LENIENT

    version: Literal["4"] = Field(description="Payload version; only 4 exists")
    groupKey: AlertText = Field(description="Key of the alert group")
    truncatedAlerts: Annotated[int, BeforeValidator(whole_number)] = Field(
        0, ge=0, strict=True, description="Alerts left out by max_alerts"
    )
    status: Literal["firing", "resolved"] = Field(description="Group state")
    receiver: AlertText = Field(description="Receiver name")
    groupLabels: Labels = Field({}, description="Labels the group is by")
    commonLabels: Labels = Field({}, description="Labels all alerts share")
    commonAnnotations: Labels = Field({}, description="Annotations all alerts share")
    externalURL: str = Field("", description="Alertmanager's URL")
    alerts: list[Any] = Field(
        description=f"The alerts. Each is read on its own (schema `{ALERT_SCHEMA}`): an invalid "
        f"one is refused in the answer and the others are accepted. Alerts past the first "
        f"{MAX_ALERTS:,} are refused.",
        json_schema_extra={"items": {"$ref": f"#/components/schemas/{ALERT_SCHEMA}"}},
    )


@dataclass(frozen=True)
class Refused:
    """An alert that could not be accepted, and why."""

    fingerprint: str | None
    detail: str


def _describe(exc: ValidationError, prefix: str) -> str:
    return "; ".join(
        ".".join([prefix, *(str(p) for p in e["loc"])]) + f": {e['msg']}" for e in exc.errors()
    )


def _fingerprint_of(raw: object) -> str | None:
    value = raw.get("fingerprint") if isinstance(raw, dict) else None
    if isinstance(value, str) and re.fullmatch(r"[!-~]{1,200}", value):
        return value
    return None


def read_alert(raw: object, index: int) -> AlertmanagerAlert | Refused:
    """Return one alert of the group, or why it is refused (its path in the group named)."""
    if index >= MAX_ALERTS:
        detail = (
            f"alerts.{index}: over {MAX_ALERTS:,} alerts in one group; set Alertmanager's "
            f"max_alerts to at most {MAX_ALERTS:,}"
        )
        return Refused(_fingerprint_of(raw), detail)
    try:
        return AlertmanagerAlert.model_validate(raw)
    except ValidationError as exc:
        return Refused(_fingerprint_of(raw), _describe(exc, f"alerts.{index}"))


def read_alerts(raw: Sequence[object]) -> list[AlertmanagerAlert | Refused]:
    """Return every alert of the group, in order, each read or refused on its own."""
    return [read_alert(alert, index) for index, alert in enumerate(raw)]


def _policy_area(labels: dict[str, str], settings: IntakeSettings) -> PolicyArea:
    area = labels.get(settings.alertmanager_policy_area_label, "")
    if area in PolicyArea._value2member_map_:
        return PolicyArea(area)
    name = labels.get("alertname", "alert")
    return settings.alertmanager_alertname_policy_areas.get(
        name, settings.alertmanager_default_policy_area
    )


def usable_url(value: str) -> str | None:
    """Return ``value`` when it is an http(s) URL an escalation can carry, else None."""
    if not value.startswith(("http://", "https://")):
        return None
    try:
        _URL.validate_python(value)
    except ValidationError:
        return None
    return value


def to_escalation(
    alert: AlertmanagerAlert, hook: AlertmanagerWebhook, settings: IntakeSettings
) -> EscalationIn:
    """Map one alert to an escalation, with the configured label mapping; text is clipped."""
    labels = alert.labels
    name = labels.get("alertname", "alert")
    region = labels.get(settings.alertmanager_region_label, "").upper()
    language = labels.get("language", "")
    title = (alert.annotations.get("summary") or alert.annotations.get("title") or "").strip()
    details = alert.annotations.get("description", "")
    label_text = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return EscalationIn(
        external_id=alert.fingerprint,
        title=clip(title or name.strip() or "alert", TITLE_LIMIT),
        description=clip(f"{details}\n\nlabels: {label_text}".strip(), DESCRIPTION_LIMIT),
        policy_area=_policy_area(labels, settings),
        region=region if _REGION.match(region) else None,
        language=language if _LANGUAGE.match(language) else None,
        content_refs=[
            ContentRef(kind="alert", id=alert.fingerprint, url=usable_url(alert.generatorURL))
        ],
        reporter=Reporter(
            name=clip(f"Alertmanager ({hook.receiver})", TITLE_LIMIT),
            contact=hook.externalURL if 0 < len(hook.externalURL) <= 320 else None,
        ),
        occurred_at=alert.startsAt,
    )
