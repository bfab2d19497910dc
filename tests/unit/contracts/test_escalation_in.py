"""The escalation request body: strict types, zones, URL schemes and bounds."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from escalations.contracts.codec import parse_payload
from escalations.contracts.envelope import decode
from escalations.core.escalation import MAX_URL, NOT_BLANK_PATTERN, EscalationIn, not_blank

BASE = {"title": "Hate speech pin", "policy_area": "hate_speech"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"occurred_at": 0}, "occurred_at"),
        ({"occurred_at": "2026-11-25T09:10:00"}, "occurred_at"),
        ({"signals": {"graphic": 1}}, "signals.graphic"),
        ({"signals": {"violation_likelihood": True}}, "signals.violation_likelihood"),
        ({"reach": {"followers": "12"}}, "reach.followers"),
        ({"reach": {"impressions_24h": 10**20}}, "reach.impressions_24h"),
        (
            {"regulatory": {"regime": "terreg_removal_order", "received_at": 1}},
            "regulatory.received_at",
        ),
        (
            {"content_refs": [{"kind": "pin", "id": "1", "url": "ftp://x.example/1"}]},
            "content_refs.0.url",
        ),
        ({"colour": "red"}, "colour"),
        ({"external_id": "A\x00"}, "external_id"),
        ({"description": "x\x00y"}, "description"),
        ({"regulatory": {"reference": "\x00"}}, "regulatory.reference"),
        ({"reporter": {"contact": "a@b\x00"}}, "reporter.contact"),
    ],
)
def test_lax_or_unknown_input_is_refused(extra: dict[str, Any], field: str) -> None:
    """Values pydantic would coerce (numbers as times, 1 as true, text as counts) are refused."""
    with pytest.raises(ValidationError) as caught:
        EscalationIn.model_validate({**BASE, **extra})
    locations = {".".join(str(p) for p in error["loc"]) for error in caught.value.errors()}
    assert any(loc.startswith(field) for loc in locations), locations


@pytest.mark.parametrize(
    "url",
    [
        "https://" + "a" * 2032 + ".example",  # 2048 characters; 2049 once "/" is added
        "https://example.com/" + "é" * 700,  # short, but percent-encoding triples it
    ],
)
def test_url_too_long_once_normalised_is_refused(url: str) -> None:
    """A URL that only grows past the limit when normalised is refused, naming the limit."""
    with pytest.raises(ValidationError, match=f"longer than {MAX_URL} characters once normalised"):
        EscalationIn.model_validate(
            {**BASE, "content_refs": [{"kind": "pin", "id": "1", "url": url}]}
        )


def test_accepted_url_survives_a_round_trip_through_an_event() -> None:
    """A URL at the limit, once normalised and stored in an event, validates again when read."""
    url = "https://example.com" + "/a" * ((MAX_URL - 20) // 2)
    esc = EscalationIn.model_validate(
        {**BASE, "content_refs": [{"kind": "pin", "id": "1", "url": url}]}
    )
    again = EscalationIn.model_validate(orjson.loads(orjson.dumps(esc.model_dump(mode="json"))))
    assert esc == again


def test_golden_received_sample_still_parses() -> None:
    """Strict types accept the JSON the intake writes (strings for times, true/false flags)."""
    from pathlib import Path

    from escalations.contracts import samples

    raw = (Path(samples.__file__).parent / "escalation.received.json").read_bytes()
    assert "escalation.received" == decode(raw).type
    parse_payload(decode(raw))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": "\v" + "x" * 200}, "title"),
        ({"description": " " + "x" * 20_000}, "description"),
        ({"external_id": "x" * 200 + "\n"}, "external_id"),
        ({"reporter": {"contact": " " * 321}}, "reporter.contact"),
        ({"content_refs": [{"kind": "pin", "id": " " + "1" * 200}]}, "content_refs.0.id"),
    ],
)
def test_text_longer_than_the_schema_allows_is_refused_before_stripping(
    extra: dict[str, Any], field: str
) -> None:
    """The schema bounds text as sent: stripping does not bring a long text within it."""
    with pytest.raises(ValidationError) as caught:
        EscalationIn.model_validate({**BASE, **extra})
    (error,) = caught.value.errors()
    assert field == ".".join(str(part) for part in error["loc"])
    assert "string_too_long" == error["type"]


def test_surrounding_whitespace_within_the_limit_is_stripped() -> None:
    """Text within its limit as sent is kept, without the whitespace around it."""
    esc = EscalationIn.model_validate({**BASE, "title": " " + "x" * 199})
    assert "x" * 199 == esc.title


def test_a_blank_title_is_refused() -> None:
    """Whitespace alone is no title, though it is within the bounds as sent."""
    with pytest.raises(ValidationError) as caught:
        EscalationIn.model_validate({**BASE, "title": " \t "})
    (error,) = caught.value.errors()
    assert ("title",) == error["loc"]
    assert "string_blank" == error["type"]


@pytest.mark.parametrize(
    ("reach", "expected"),
    [
        ({"followers": 9924.0, "accounts_involved": 3.0}, (9924, 3)),
        ({"followers": 1.5}, None),
        ({"followers": "5"}, None),
        ({"followers": True}, None),
        ({"accounts_involved": 0.0}, None),
    ],
)
def test_counts_take_whole_json_numbers_only(
    reach: dict[str, Any], expected: tuple[int, int] | None
) -> None:
    """A count may be written 5.0 (JSON Schema's integer); fractions, text and flags are refused."""
    body = {**BASE, "reach": reach}
    if expected is None:
        with pytest.raises(ValidationError):
            EscalationIn.model_validate(body)
        return
    parsed = EscalationIn.model_validate(body).reach
    assert expected == (parsed.followers, parsed.accounts_involved)


def test_commands_refuse_nul_in_free_text() -> None:
    """A command carrying NUL (from an older intake) fails decoding, so it is dead-lettered."""
    from escalations.contracts.events import ResolveRequested

    with pytest.raises(ValidationError, match="NUL character"):
        ResolveRequested.model_validate(
            {
                "escalation_id": "e",
                "by": "ana",
                "resolution": "actioned",
                "note": "done\x00",
                "source": "legal",
                "requested_at": "2026-11-25T09:10:00Z",
            }
        )


@given(st.text(max_size=6))
def test_the_published_short_text_pattern_accepts_exactly_what_the_server_does(text: str) -> None:
    """The title's JSON Schema pattern and the server's blank and NUL checks agree on any text."""
    try:
        not_blank(text)
        accepted = True
    except PydanticCustomError:
        accepted = False
    assert accepted == bool(re.match(NOT_BLANK_PATTERN, text))


@pytest.mark.parametrize("text", ["\x85", "\u3000 \u2028", "\x1c\t", "\xa0"])
def test_text_of_only_unicode_white_space_is_blank(text: str) -> None:
    """White space beyond ASCII (NEL, ideographic space, separators) makes a blank title."""
    with pytest.raises(ValidationError, match="blank"):
        EscalationIn.model_validate({**BASE, "title": text})
