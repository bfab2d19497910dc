"""The escalation as submitted by an upstream source, with its enums.

This is the one definition of the request body of ``POST /v1/escalations``: the intake
validates against it, the router carries it in ``escalation.received``, and the domain core
scores and routes it. Frozen and strict: unknown fields are rejected
(docs/contract/http-api.md, "The escalation request").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    UrlConstraints,
)
from pydantic_core import PydanticCustomError


class PolicyArea(StrEnum):
    """Policy area of the harm (docs/contract/http-api.md, "The escalation request")."""

    CHILD_SAFETY = "child_safety"
    VIOLENT_EXTREMISM = "violent_extremism"
    VIOLENT_THREAT = "violent_threat"
    HUMAN_EXPLOITATION = "human_exploitation"
    SELF_HARM = "self_harm"
    DANGEROUS_ACTS = "dangerous_acts"
    NCII = "ncii"
    GRAPHIC_VIOLENCE = "graphic_violence"
    HATE_SPEECH = "hate_speech"
    HARASSMENT = "harassment"
    PRIVACY = "privacy"
    MISINFORMATION = "misinformation"
    REGULATED_GOODS = "regulated_goods"
    SCAMS_FRAUD = "scams_fraud"
    IMPERSONATION = "impersonation"
    ADULT_SEXUAL = "adult_sexual"
    ANIMAL_WELFARE = "animal_welfare"
    IP_INFRINGEMENT = "ip_infringement"
    SPAM = "spam"
    OTHER = "other"


class Imminence(StrEnum):
    """How close a threat to life or safety is."""

    NONE = "none"
    POSSIBLE = "possible"
    LIKELY = "likely"
    IMMINENT_SPECIFIC = "imminent_specific"


class Minors(StrEnum):
    """Whether minors are involved."""

    NONE = "none"
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"


class Regime(StrEnum):
    """Regulatory regime whose clock applies (its length is configuration: ``priority.clocks``)."""

    TERREG_REMOVAL_ORDER = "terreg_removal_order"
    EPOC_EMERGENCY = "epoc_emergency"
    ESAFETY_REMOVAL_NOTICE = "esafety_removal_notice"
    NETZDG_MANIFESTLY_UNLAWFUL = "netzdg_manifestly_unlawful"
    TAKE_IT_DOWN_REQUEST = "take_it_down_request"
    EPOC = "epoc"
    NCMEC_REPORT = "ncmec_report"
    DSA_AUTHORITY_ORDER = "dsa_authority_order"
    DSA_INFORMATION_ORDER = "dsa_information_order"
    DSA_TRUSTED_FLAGGER = "dsa_trusted_flagger"
    DSA_NOTICE = "dsa_notice"
    REGULATOR_REQUEST = "regulator_request"
    LAW_ENFORCEMENT_REQUEST = "law_enforcement_request"
    PRESERVATION_REQUEST = "preservation_request"
    NONE = "none"


class SourceKind(StrEnum):
    """Kind of the upstream source, taken from its API key."""

    REGULATOR = "regulator"
    LAW_ENFORCEMENT = "law_enforcement"
    LEGAL = "legal"
    EXECUTIVE = "executive"
    PRESS = "press"
    TRUSTED_FLAGGER = "trusted_flagger"
    SALES = "sales"
    INTERNAL_TOOL = "internal_tool"
    USER_REPORT = "user_report"
    MONITORING = "monitoring"


class Tier(StrEnum):
    """Priority tier, P0 most urgent."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """Return 0 for P0 .. 4 for P4 (lower is more urgent)."""
        return int(self.value[1])

    def most_urgent(self, other: Tier) -> Tier:
        """Return the more urgent of two tiers."""
        return self if self.rank <= other.rank else other


# Text is checked as sent, against the same bounds and patterns as the published schema,
# and stripped of surrounding whitespace afterwards (``stripped``, ``not_blank``). Stripping
# first, as pydantic's ``str_strip_whitespace`` does, would accept text longer than the
# schema allows.
_STRICT = ConfigDict(frozen=True, extra="forbid")

MAX_URL = 2048


def _short_url(value: AnyUrl) -> AnyUrl:
    # Checked on the normalised form (a trailing "/", percent-encoding): the stored form
    # must validate again wherever the event is read.
    if len(str(value)) > MAX_URL:
        raise ValueError(f"URL longer than {MAX_URL} characters once normalised")
    return value


def no_number(value: object) -> object:
    """Refuse a number where a timestamp is expected (it would be read as 1970 + seconds)."""
    if isinstance(value, int | float):
        raise ValueError("timestamp must be an ISO 8601 string such as 2026-11-25T09:14:00Z")
    return value


HttpUrl = Annotated[
    AnyUrl,
    UrlConstraints(allowed_schemes=["http", "https"], max_length=MAX_URL),
    AfterValidator(_short_url),
]


# Postgres text and JSON columns cannot hold NUL: a request carrying one is refused at the
# edge (422, naming the field) rather than failing the router's write.
NO_NUL_PATTERN = "^[^\\x00]*$"
NUL_FREE = Field(json_schema_extra={"pattern": NO_NUL_PATTERN})


def no_nul(value: str) -> str:
    """Refuse text holding the NUL character, which no Postgres text column can store."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Text must not contain the NUL character (\\u0000)")
    return value


def stripped(value: str) -> str:
    """Return text without surrounding whitespace (after its bounds were checked); no NUL."""
    return no_nul(value).strip()


def not_blank(value: str) -> str:
    """Return text without surrounding whitespace; refuse text that is only whitespace."""
    text = no_nul(value).strip()
    if not text:
        raise PydanticCustomError("string_blank", "Text should not be blank")
    return text


def whole_number(value: object) -> object:
    """Read a JSON number with no fraction (``5.0``) as the integer it is; leave the rest.

    JSON has one number type and JSON Schema's ``integer`` includes ``5.0``; text and
    booleans are still refused by the strict integer that follows.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# What ``str.strip`` removes, spelled out so the published pattern means the same in any
# regex dialect (ECMAScript's ``\s`` differs from Python's): text of only these is blank.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# No NUL anywhere, and one character that is not white space.
NOT_BLANK_PATTERN = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
ShortText = Annotated[
    str,
    Field(min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK_PATTERN}),
    AfterValidator(not_blank),
]
Flag = Annotated[bool, Field(strict=True)]
Count = Annotated[int, Field(ge=0, le=10**15, strict=True), BeforeValidator(whole_number)]


def _require_zone(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError("timestamp needs a time zone, e.g. 2026-11-25T09:14:00Z")
    return value


# An ISO 8601 string with a zone: never a number (seconds since 1970), never naive.
Timestamp = Annotated[datetime, BeforeValidator(no_number), AfterValidator(_require_zone)]


class ContentRef(BaseModel):
    """A piece of content the escalation is about."""

    model_config = _STRICT

    kind: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
    id: ShortText
    url: HttpUrl | None = None


class Reach(BaseModel):
    """How far the content has spread."""

    model_config = _STRICT

    impressions_24h: Count = 0
    followers: Count = 0
    accounts_involved: Annotated[
        int, Field(ge=1, le=10**15, strict=True), BeforeValidator(whole_number)
    ] = 1


class Signals(BaseModel):
    """Risk signals supplied by the source."""

    model_config = _STRICT

    imminence: Imminence = Imminence.NONE
    minors: Minors = Minors.NONE
    at_risk_user: Flag = False
    high_profile_account: Flag = False
    press_inquiry: Flag = False
    advertiser_impact: Flag = False
    executive_request: Flag = False
    ongoing: Flag = False
    graphic: Flag = False
    violation_likelihood: Annotated[float, Field(ge=0.0, le=1.0, strict=True)] = 0.5


class Regulatory(BaseModel):
    """The regulatory regime and when its clock started (or its explicit deadline)."""

    model_config = _STRICT

    regime: Regime = Regime.NONE
    received_at: Timestamp | None = None
    deadline: Timestamp | None = None
    reference: Annotated[str, Field(max_length=200), NUL_FREE, AfterValidator(stripped)] | None = (
        None
    )


class Reporter(BaseModel):
    """Who reported it upstream."""

    model_config = _STRICT

    name: Annotated[str, Field(max_length=200), NUL_FREE, AfterValidator(stripped)] | None = None
    contact: Annotated[str, Field(max_length=320), NUL_FREE, AfterValidator(stripped)] | None = None


class EscalationIn(BaseModel):
    """Request body of ``POST /v1/escalations``."""

    model_config = _STRICT

    external_id: ShortText | None = None
    title: ShortText
    description: (
        Annotated[str, Field(max_length=20_000), NUL_FREE, AfterValidator(stripped)] | None
    ) = None
    policy_area: PolicyArea
    content_refs: Annotated[list[ContentRef], Field(max_length=100)] = []
    region: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] | None = None
    reach: Reach = Reach()
    signals: Signals = Signals()
    regulatory: Regulatory = Regulatory()
    reporter: Reporter | None = None
    occurred_at: Timestamp | None = None

    @property
    def is_graphic(self) -> bool:
        """Return whether the escalation is flagged as graphic by its source."""
        return self.signals.graphic
