"""Reads hide a sensitive escalation's content until a person reveals it (``redaction``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from escalations.core.escalation import EscalationIn
from escalations.core.sensitivity import stored_sensitive
from escalations.db.models import HistoryRow
from escalations_intake.redaction import URL_MARK, redact_request, without_urls
from escalations_intake.views import to_view
from tests.e2e.intake.rows import escalation_row

SECRET_URL = "https://cdn.example.com/raw/4711.jpg"
REQUEST: dict[str, Any] = {
    "external_id": "case https://tool.example.com/case/9",
    "title": "Graphic video, see www.example.com/v/1",
    "description": f"Victim named in the post; original at {SECRET_URL}",
    "policy_area": "graphic_violence",
    "content_refs": [
        {"kind": "pin", "id": "9876543210", "url": SECRET_URL},
        {"kind": "account", "id": "acct-77", "url": None},
    ],
    "regulatory": {"regime": "none", "reference": "order ftp://files.example.org/x"},
    "reporter": {"name": "Jo", "contact": "https://forms.example.com/jo"},
    "signals": {"graphic": False},
}


def _row(request: dict[str, Any], **changes: Any) -> Any:
    return escalation_row(
        request=request,
        title=request["title"],
        policy_area=request["policy_area"],
        **changes,
    )


def _history(esc_id: str, reason: str) -> HistoryRow:
    return HistoryRow(
        escalation_id=esc_id, at=datetime.now(UTC), actor="ciaran",
        action="resolved", from_status="assigned", to_status="resolved", reason=reason,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("area", "graphic", "sensitive"),
    [
        ("child_safety", False, True),
        ("ncii", False, True),
        ("graphic_violence", False, True),
        ("self_harm", False, True),
        ("violent_extremism", False, True),
        ("human_exploitation", False, True),
        ("hate_speech", True, True),
        ("hate_speech", False, False),
        ("spam", False, False),
    ],
)
def test_sensitive_is_the_shared_rule(area: str, graphic: bool, sensitive: bool) -> None:
    """The areas of ``core.sensitivity`` and the graphic signal, nothing else."""
    assert sensitive == stored_sensitive(area, {"signals": {"graphic": graphic}})


def test_a_row_of_an_unknown_area_or_odd_signals_is_treated_safely() -> None:
    """An area this version does not know is hidden; a signal that is not `true` is not."""
    assert stored_sensitive("some_future_area", {})
    assert not stored_sensitive("spam", {"signals": "graphic"})
    assert not stored_sensitive("spam", {"signals": {"graphic": "yes"}})


def test_urls_are_replaced_and_the_rest_kept() -> None:
    """Any scheme or a bare www. is a URL; other text, e-mail addresses included, stays."""
    text = "see https://a.example/x?y=1 and www.b.example, HXXP://c or jo@example.com"
    assert f"see {URL_MARK} and {URL_MARK} {URL_MARK} or jo@example.com" == without_urls(text)
    assert "no links at all" == without_urls("no links at all")


@pytest.mark.parametrize("text", ["www.x", "a://b", "www.x " * 40, "x" * 195 + " www.y"])
def test_a_redacted_text_never_grows_and_never_turns_blank(text: str) -> None:
    """Shorter URLs than the mark do not exist, so limits checked at the edge still hold."""
    hidden = without_urls(text)
    assert len(hidden) <= len(text)
    assert hidden.strip()


def test_hostile_text_is_redacted_quickly() -> None:
    """Long runs that look like the start of a URL do not make the search quadratic."""
    hostile = "a." * 10_000 + "a" * 20_000 + "://" * 1_000
    started = time.perf_counter()
    without_urls(hostile)
    assert time.perf_counter() - started < 1.0


def test_a_redacted_request_keeps_the_count_and_kind_of_its_content() -> None:
    """No description, refs without id and URL, and every other URL hidden, at any depth."""
    shown = redact_request(REQUEST)
    assert shown["description"] is None
    assert [
        {"kind": "pin", "id": None, "url": None},
        {"kind": "account", "id": None, "url": None},
    ] == shown["content_refs"]
    assert f"Graphic video, see {URL_MARK}" == shown["title"]
    assert f"case {URL_MARK}" == shown["external_id"]
    assert f"order {URL_MARK}" == shown["regulatory"]["reference"]
    assert {"name": "Jo", "contact": URL_MARK} == shown["reporter"]
    assert "example" not in repr(shown).replace("jo@example", "")
    assert REQUEST["content_refs"][0]["url"] == SECRET_URL  # the stored request is untouched


def test_every_read_of_a_sensitive_escalation_is_redacted() -> None:
    """The view says so, and leaks neither description, ids, URLs nor URLs in the history."""
    row = _row(REQUEST)
    view = to_view(row, [_history(row.id, f"actioned: removed {SECRET_URL}")])
    assert (True, True) == (view.sensitive, view.redacted)
    dumped = view.model_dump_json()
    for secret in ("cdn.example.com", "9876543210", "acct-77", "Victim", "forms.example"):
        assert secret not in dumped
    assert ["pin", "account"] == [ref.kind for ref in view.content_refs]
    assert f"actioned: removed {URL_MARK}" == view.history[0].reason


def test_a_reveal_shows_everything() -> None:
    """Revealed, the same row answers its description, ids, URLs and history as stored."""
    row = _row(REQUEST)
    view = to_view(row, [_history(row.id, f"note {SECRET_URL}")], revealed=True)
    assert (True, False) == (view.sensitive, view.redacted)
    assert REQUEST["description"] == view.description
    assert [("9876543210", SECRET_URL), ("acct-77", None)] == [
        (ref.id, None if ref.url is None else str(ref.url)) for ref in view.content_refs
    ]
    assert REQUEST["title"] == view.title
    assert f"note {SECRET_URL}" == view.history[0].reason


def test_an_escalation_that_is_not_sensitive_is_never_redacted() -> None:
    """Hate speech without the graphic signal shows its content to every reader."""
    request = {**REQUEST, "policy_area": "hate_speech"}
    view = to_view(_row(request), [])
    assert (False, False) == (view.sensitive, view.redacted)
    assert REQUEST["description"] == view.description
    assert "9876543210" == view.content_refs[0].id


def test_the_graphic_signal_alone_makes_it_sensitive() -> None:
    """Any area flagged graphic is redacted."""
    request = {**REQUEST, "policy_area": "spam", "signals": {"graphic": True}}
    view = to_view(_row(request), [])
    assert (True, True, None) == (view.sensitive, view.redacted, view.description)


def test_hostile_content_is_redacted_whole() -> None:
    """Markup, control characters and fields at their limits are hidden the same way."""
    refs = [
        {"kind": "pin", "id": f"<script>{n}</script>\u202e", "url": SECRET_URL} for n in range(100)
    ]
    request = {
        "title": "<img src=x onerror=alert(1)>\x1b[31m" + "w" * 150 + " www.evil.example",
        "description": "\u0007<b>" + "d" * 19_990,
        "policy_area": "child_safety",
        "content_refs": refs,
        "reporter": {"name": "\u200b" * 200, "contact": "javascript://%0aalert(1)"},
    }
    EscalationIn.model_validate(request)  # what the edge accepts
    view = to_view(_row(request), [])
    dumped = view.model_dump_json()
    assert (None, 100) == (view.description, len(view.content_refs))
    assert all(ref.id is None and ref.url is None for ref in view.content_refs)
    assert "<script>" not in dumped
    assert "evil.example" not in dumped
    assert "javascript" not in dumped
    assert view.title.endswith(URL_MARK)
