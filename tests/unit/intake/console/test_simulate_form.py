"""The simulate page's form and answer (docs/console.md, "Simulate"): the body a form makes,
errors per field, and the page rendered from a real simulation, escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from escalations.core.config import Config, load_config
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.core.simulate import simulate
from escalations.settings import DEMO_CONFIG
from escalations_intake.console.forms import FormError
from escalations_intake.console.render import ENV
from escalations_intake.console.simulate_form import (
    CHOICES,
    SIGNAL_PREFIX,
    SIGNALS,
    body_of,
    field_errors,
    form_error,
)
from escalations_intake.console.simulate_view import offset, result_view
from escalations_intake.resources.simulate import SimulateRequest
from escalations_intake.resources.simulate_state import answer, state_of

CONFIG: Config = load_config(DEMO_CONFIG).config
AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_a_full_form_makes_the_nested_body_and_empty_fields_are_left_out() -> None:
    """Reach is numbers, checked signals are true, empty text is the API's default."""
    body, errors = body_of(
        {
            "title": "Threat to a school",
            "policy_area": "violent_threat",
            "external_id": "",
            "region": "IE",
            "imminence": "imminent_specific",
            "minors": "suspected",
            "impressions_24h": "12000",
            "followers": " 40 ",
            "violation_likelihood": "0.9",
            "signal_graphic": "on",
            "regime": "terreg_removal_order",
            "deadline": "2026-12-07T11:00:00Z",
            "description": "   ",
        }
    )
    assert {} == errors
    assert {
        "title": "Threat to a school",
        "policy_area": "violent_threat",
        "region": "IE",
        "signals": {
            "imminence": "imminent_specific",
            "minors": "suspected",
            "violation_likelihood": 0.9,
            "graphic": True,
        },
        "reach": {"impressions_24h": 12000, "followers": 40},
        "regulatory": {"regime": "terreg_removal_order", "deadline": "2026-12-07T11:00:00Z"},
    } == body
    assert ({}, {}) == body_of({})


def test_numbers_that_are_not_numbers_are_errors_of_their_fields() -> None:
    """Each field names its own problem."""
    _body, errors = body_of({"followers": "many", "violation_likelihood": "high", "title": "x"})
    assert {"followers", "violation_likelihood"} == set(errors)
    assert "whole number" in errors["followers"]


def test_a_field_over_its_length_is_a_form_error_of_that_field() -> None:
    """Too long to be read: refused before validation, named."""
    with pytest.raises(FormError) as raised:
        body_of({"title": "x" * 401})
    assert {"title": "Longer than 400 characters."} == form_error(raised.value)
    assert "form" in form_error(FormError("stray", "given more than once"))


def _errors(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        SimulateRequest.model_validate(body)
    return field_errors(raised.value.errors(include_url=False, include_input=False))


def test_validation_errors_land_on_the_fields_they_name() -> None:
    """Nested paths map back to flat fields; an unknown key is an error of the form."""
    errors = _errors(
        {
            "title": "  ",
            "policy_area": "nope",
            "region": "ireland",
            "reach": {"followers": -1},
            "regulatory": {"deadline": "tomorrow"},
            "signals": {"violation_likelihood": 3.0},
            "at": "2026-12-07T10:00:00",
        }
    )
    assert {
        "title",
        "policy_area",
        "region",
        "followers",
        "deadline",
        "violation_likelihood",
        "at",
    } == set(errors)
    assert "blank" in errors["title"]
    assert "form" in _errors({"title": "t", "policy_area": "spam", "colour": "red"})
    assert "title" in _errors({"policy_area": "spam"})


def test_every_choice_and_signal_is_one_the_model_accepts() -> None:
    """The selects offer the model's own values; each signal box sets a real signal."""
    for area in CHOICES["policy_area"]:
        EscalationIn.model_validate({"title": "t", "policy_area": area})
    body, _ = body_of({SIGNAL_PREFIX + flag: "on" for flag, _ in SIGNALS})
    EscalationIn.model_validate({"title": "t", "policy_area": "spam", **body})


def _answer(**changes: Any) -> Any:
    esc = EscalationIn.model_validate(
        {"title": "t", "policy_area": "violent_threat", "signals": {"graphic": True}, **changes}
    )
    simulation = simulate(
        CONFIG, esc, source="console", source_kind=SourceKind.INTERNAL_TOOL, at=AT
    )
    state = state_of(
        as_of=AT,
        at=AT,
        until=AT,
        window=CONFIG.wellbeing.window,
        candidates=[c.person_id for c in simulation.assignment.candidates],
        history={},
        overrides=(),
        time_off=(),
        teams=frozenset(),
        people=frozenset(),
    )
    return answer(simulation, state)


def test_the_view_holds_the_answers_figures_with_names() -> None:
    """Tier, score, every reason, rule, owner, every candidate and every page, unchanged."""
    found = _answer()
    view = result_view(found, CONFIG)
    assert (found.priority.tier.value, found.priority.score) == (view["tier"], view["score"])
    assert [r.detail for r in found.priority.reasons] == [r["detail"] for r in view["reasons"]]
    assert (found.route.rule, found.team, found.owner) == (
        view["rule"],
        view["team"],
        view["owner"],
    )
    assert [c.reason for c in found.assignment.candidates] == [
        c["reason"] for c in view["candidates"]
    ]
    assert [p.at.isoformat() for p in found.pages] == [p["at"] for p in view["pages"]]
    assert view["owner_name"] == CONFIG.people_by_id[found.owner].name
    assert "+15m" == offset(
        datetime(2026, 1, 1, 0, 15, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    )


def _render(context: dict[str, Any]) -> str:
    base = {"viewer": None, "csrf_token": "tok", "active": "simulate", "title": "Simulate"}
    defaults: dict[str, Any] = {"values": {}, "errors": {}, "result": None, "narrowed": False}
    values = {"choices": CHOICES, "signals": [(SIGNAL_PREFIX + f, label) for f, label in SIGNALS]}
    return ENV.get_template("simulate.html").render({**base, **defaults, **values, **context})


def test_the_page_echoes_hostile_input_escaped_and_marks_the_invalid_field() -> None:
    """Markup and control characters typed in come back inert; the error sits by its field."""
    html = _render(
        {
            "values": {"title": '<script>alert(1)</script>\x07"', "signal_graphic": "on"},
            "errors": {"region": "String should match pattern '^[A-Z]{2}$'"},
        }
    )
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\ufffd&#34;" in html
    assert 'id="f-region" name="region"' in html
    assert 'aria-invalid="true" aria-describedby="region-error"' in html
    assert 'id="region-error"' in html
    assert 'name="signal_graphic" value="on" checked' in html
    assert 'name="csrf_token" value="tok"' in html
    assert "style=" not in html


def test_the_page_renders_a_whole_answer() -> None:
    """Every section of the answer is on the page."""
    found = _answer(regulatory={"regime": "terreg_removal_order"})
    html = _render({"result": result_view(found, CONFIG), "narrowed": True})
    assert f'id="sim-tier">{found.priority.tier.value}<' in html
    for section in ("sim-reasons", "sim-candidates", "sim-pages", "sim-load", "sim-deadlines"):
        assert f'id="{section}"' in html
    assert "need-to-know" in html
    assert found.deadlines.regulatory_deadline is not None
    assert found.deadlines.regulatory_deadline.isoformat() in html
