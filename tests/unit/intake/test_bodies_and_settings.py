"""Request bodies refuse coercion; settings refuse weak secrets; recent ids stay bounded."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from escalations.core.escalation import EscalationIn
from escalations_intake.commands.create import RecentIds
from escalations_intake.http.bodies import as_core
from escalations_intake.settings import IntakeSettings

VALID = {"title": "t", "policy_area": "spam"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": 0}, "occurred_at"),
        ({"occurred_at": "2026-11-25T09:00:00"}, "occurred_at"),
        ({"regulatory": {"received_at": 1700000000}}, "regulatory.received_at"),
        ({"signals": {"graphic": 1}}, "signals.graphic"),
        ({"signals": {"violation_likelihood": True}}, "signals.violation_likelihood"),
        ({"reach": {"followers": "12"}}, "reach.followers"),
        ({"reach": {"impressions_24h": 10**20}}, "reach.impressions_24h"),
    ],
)
def test_no_coercion_of_timestamps_numbers_or_flags(change: dict[str, Any], field: str) -> None:
    """Numbers are not timestamps, 1 is not true, "12" is not 12, and huge counts are refused."""
    with pytest.raises(ValidationError) as caught:
        EscalationIn.model_validate({**VALID, **change})
    locs = {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
    assert field in locs


def test_zoned_timestamps_and_real_numbers_pass() -> None:
    """ISO strings with a zone, ints for floats and JSON booleans are accepted."""
    body = EscalationIn.model_validate(
        {
            **VALID,
            "occurred_at": "2026-11-25T09:00:00+01:00",
            "signals": {"violation_likelihood": 1, "graphic": True},
        }
    )
    assert (1.0, True) == (body.signals.violation_likelihood, body.signals.graphic)


def test_published_form_must_validate_again() -> None:
    """A URL that only grows past the limit once percent-encoded is refused at the body."""
    url = "https://x.example/" + "\u00e9" * 400  # 418 characters; 2,418 once encoded
    with pytest.raises(ValidationError, match="once normalised"):
        EscalationIn.model_validate(
            {**VALID, "content_refs": [{"kind": "pin", "id": "1", "url": url}]}
        )


def test_as_core_drops_intake_only_fields() -> None:
    """as_core returns the shared model without the named fields."""
    body = EscalationIn.model_validate({**VALID, "external_id": "X-1"})
    assert None is as_core(body, frozenset({"external_id"})).external_id
    assert body is as_core(body)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ESCALATIONS_LINK_SECRET": "short"}, "ESCALATIONS_LINK_SECRET must be at least 16"),
        ({"ESCALATIONS_BOOTSTRAP_KEY": "changeme-changeme-changeme"}, "ESCALATIONS_BOOTSTRAP_KEY"),
        ({"INTAKE_WORKERS": "0"}, "workers"),
        ({"INTAKE_RATE_LIMIT_SOURCES": '{"legal": -1}'}, "rate_limit_sources.legal"),
    ],
)
def test_settings_refuse_weak_or_invalid_values(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Weak secrets and impossible numbers fail at start with the variable named."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        IntakeSettings()
    assert message in str(caught.value)


def test_rate_for_uses_the_source_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source listed in INTAKE_RATE_LIMIT_SOURCES gets its own rate."""
    monkeypatch.setenv("INTAKE_RATE_LIMIT_SOURCES", '{"alertmanager": 500}')
    settings = IntakeSettings()
    assert (500, 50) == (settings.rate_for("alertmanager"), settings.rate_for("legal"))


def test_recent_ids_forget_the_oldest() -> None:
    """The cache keeps the last N ids accepted."""
    recent = RecentIds(size=2)
    for esc_id in ("a", "b", "c"):
        recent.add(esc_id)
    assert (False, True, True) == ("a" in recent, "b" in recent, "c" in recent)
