"""The bodies and answers of ``/v1/escalations/{id}/subscriptions`` (docs/contract/http-api.md).

A subscription body holds exactly one of ``person``, ``email``, ``webhook``, ``slack`` and
``teams``; the document states it (``minProperties`` and ``maxProperties`` 1, no nulls) and
the model enforces it with a message naming what was sent. Text is checked as sent: control
characters and markup are refused, not cleaned.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from escalations.core.escalation import MAX_URL, HttpUrl
from escalations_intake.resources.subscription_views import KINDS, Kind

PERSON_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f<>]+@[^@\s\x00-\x1f\x7f<>]+\.[A-Za-z0-9-]{2,}$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "uri",
    "minLength": 1,
    "maxLength": MAX_URL,
}


def _no_control(value: object) -> object:
    """Refuse control characters in a URL as sent (a URL parser would drop some silently)."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


UrlField = Annotated[HttpUrl | None, BeforeValidator(_no_control), WithJsonSchema(_URL_SCHEMA)]
PersonField = Annotated[
    Annotated[str, Field(min_length=1, max_length=64, pattern=PERSON_PATTERN)] | None,
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64, "pattern": PERSON_PATTERN}),
]
EmailField = Annotated[
    Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN)] | None,
    WithJsonSchema({"type": "string", "maxLength": 320, "pattern": EMAIL_PATTERN}),
]


class SubscriptionBody(BaseModel):
    """Who follows the escalation: exactly one person, address or URL."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"minProperties": 1, "maxProperties": 1},
    )

    person: PersonField = Field(
        None,
        description="A person id of the configuration: yourself, or someone else",
        examples=["clodagh"],
    )
    email: EmailField = Field(
        None,
        description="An e-mail address (no markup or control characters)",
        examples=["comms@example.com"],
    )
    webhook: UrlField = Field(
        None,
        description="A URL to POST signed JSON to (http or https; a credential)",
        examples=["https://hooks.example.com/escalations/7f3a"],
    )
    slack: UrlField = Field(
        None,
        description="A Slack incoming-webhook URL (a credential)",
        examples=["https://hooks.slack.com/services/T0EXAMPLE/B0EXAMPLE/comms-desk"],
    )
    teams: UrlField = Field(
        None,
        description="A Microsoft Teams workflow URL (a credential)",
        examples=["https://example.webhook.office.com/webhookb2/x"],
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> SubscriptionBody:
        sent = [name for name in KINDS if name in self.model_fields_set]
        if len(sent) != 1:
            got = ", ".join(sent) if sent else "none"
            raise PydanticCustomError(
                "exactly_one",
                "give exactly one of person, email, webhook, slack or teams (got {got})",
                {"got": got},
            )
        if getattr(self, sent[0]) is None:
            raise PydanticCustomError(
                "not_null", "{field}: must be a value, not null", {"field": sent[0]}
            )
        return self

    def chosen(self) -> tuple[Kind, str]:
        """Return the kind given and its value (URLs as normalised)."""
        for kind in KINDS:
            value = getattr(self, kind)
            if value is not None:
                return kind, str(value)
        raise AssertionError("validated: exactly one is given")


class Subscription(BaseModel):
    """One active subscription; a URL is shown only as its origin (it is a credential)."""

    id: str = Field(description="Subscription id (to remove it)")
    escalation_id: str = Field(description="The escalation followed")
    kind: Kind = Field(description="`person`, `email`, `webhook`, `slack` or `teams`")
    target: str = Field(
        description="The person id or e-mail address; for a URL its origin and `/…` only"
    )
    created_by: str = Field(description="Who subscribed it: a person, or `system:<source>`")
    created_at: datetime = Field(description="When")


class Subscriptions(BaseModel):
    """Who follows the escalation: active subscriptions and the matching configuration rules."""

    escalation_id: str = Field(description="The escalation")
    subscriptions: list[Subscription] = Field(description="Active subscriptions, oldest first")
    rules: list[str] = Field(
        description="Names of the configuration's subscription rules "
        "(`stakeholders.subscriptions`) that match this escalation"
    )
