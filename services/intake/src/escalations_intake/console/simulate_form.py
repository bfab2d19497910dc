"""The simulate page's form: its fields, the request body they make, and errors per field.

Pure. The form is a flat HTML form; ``body_of`` turns its fields into the JSON body of
``POST /v1/simulate`` (empty fields left out, so the API's defaults apply), and
``field_errors`` maps the ``SimulateRequest`` validation errors back to the form fields
they name, so each error is shown next to its field (docs/console.md, "Simulate").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from escalations.core.escalation import Imminence, Minors, PolicyArea, Regime, SourceKind
from escalations_intake.console.forms import FormError, field

# Form field -> where it goes in the request body (a path of keys).
TEXT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "title": ("title",),
    "policy_area": ("policy_area",),
    "external_id": ("external_id",),
    "region": ("region",),
    "language": ("language",),
    "description": ("description",),
    "imminence": ("signals", "imminence"),
    "minors": ("signals", "minors"),
    "regime": ("regulatory", "regime"),
    "regulatory_received_at": ("regulatory", "received_at"),
    "deadline": ("regulatory", "deadline"),
    "at": ("at",),
    "source_kind": ("source_kind",),
}
NUMBER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "impressions_24h": ("reach", "impressions_24h"),
    "followers": ("reach", "followers"),
    "accounts_involved": ("reach", "accounts_involved"),
}
LIKELIHOOD = "violation_likelihood"
SIGNALS = (
    ("graphic", "Graphic content"),
    ("at_risk_user", "A user at risk"),
    ("high_profile_account", "High-profile account"),
    ("press_inquiry", "Press inquiry"),
    ("advertiser_impact", "Advertiser impact"),
    ("executive_request", "Executive request"),
    ("ongoing", "Ongoing (still happening)"),
)
SIGNAL_PREFIX = "signal_"
MAX_TEXT = {"description": 20_000}
DEFAULT_MAX = 400
CHOICES: Mapping[str, Sequence[str]] = {
    "policy_area": [a.value for a in PolicyArea],
    "imminence": [i.value for i in Imminence],
    "minors": [m.value for m in Minors],
    # The model's default first, so an untouched select sends what the API assumes.
    "regime": [Regime.NONE.value, *(r.value for r in Regime if r is not Regime.NONE)],
    "source_kind": [k.value for k in SourceKind],
}
# Where a body path's errors are shown: the inverse of the maps above.
_FIELD_OF: Mapping[tuple[str, ...], str] = {
    **{path: name for name, path in {**TEXT_FIELDS, **NUMBER_FIELDS}.items()},
    ("signals", LIKELIHOOD): LIKELIHOOD,
    **{("signals", flag): SIGNAL_PREFIX + flag for flag, _ in SIGNALS},
}


def _put(body: dict[str, Any], path: tuple[str, ...], value: object) -> None:
    for key in path[:-1]:
        body = body.setdefault(key, {})
    body[path[-1]] = value


def body_of(fields: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the request body the form makes, and errors of fields that are not numbers.

    Text is sent as typed (the model checks and strips it); an empty field is left out.
    A field over its length raises ``FormError`` naming it.
    """
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, path in TEXT_FIELDS.items():
        value = field(fields, name, MAX_TEXT.get(name, DEFAULT_MAX))
        if value.strip():
            _put(body, path, value)
    for name, path in NUMBER_FIELDS.items():
        value = field(fields, name, 40).strip()
        if value:
            try:
                _put(body, path, int(value))
            except ValueError:
                errors[name] = "Enter a whole number, such as 12000."
    likelihood = field(fields, LIKELIHOOD, 40).strip()
    if likelihood:
        try:
            _put(body, ("signals", LIKELIHOOD), float(likelihood))
        except ValueError:
            errors[LIKELIHOOD] = "Enter a number from 0 to 1, such as 0.8."
    for flag, _label in SIGNALS:
        value = field(fields, SIGNAL_PREFIX + flag, 10)
        if value:
            _put(body, ("signals", flag), True)
    return body, errors


def field_errors(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Return pydantic's errors (``ValidationError.errors()``) keyed by the form field.

    An error on a path no field has (an unknown key) is keyed ``form``; several errors on
    one field are joined.
    """
    found: dict[str, list[str]] = {}
    for error in errors:
        loc = tuple(str(part) for part in error.get("loc", ()))
        name = next(
            (_FIELD_OF[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in _FIELD_OF),
            "form",
        )
        message = str(error.get("msg", "invalid"))
        if name == "form" and loc:
            message = f"{'.'.join(loc)}: {message}"
        found.setdefault(name, []).append(message)
    return {name: "; ".join(messages) for name, messages in found.items()}


def form_error(exc: FormError) -> dict[str, str]:
    """Return a ``FormError`` as the errors of the field it names."""
    message = str(exc).removeprefix(f"{exc.name}: ")
    known = exc.name in _FIELD_OF.values() or exc.name == LIKELIHOOD
    return {exc.name if known else "form": message[:1].upper() + message[1:] + "."}
