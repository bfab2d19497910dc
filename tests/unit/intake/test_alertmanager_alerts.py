"""Each Alertmanager alert is read on its own: clipped, cleaned, or refused alone (pure)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations_intake.integrations.alertmanager_payload import (
    DESCRIPTION_LIMIT,
    MAX_ALERTS,
    MAX_TEXT,
    TITLE_LIMIT,
    AlertmanagerAlert,
    AlertmanagerWebhook,
    Refused,
    clean,
    clip,
    read_alerts,
    to_escalation,
)
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE
from escalations_intake.settings import IntakeSettings

ALERT: dict[str, Any] = ALERTMANAGER_SAMPLE["alerts"][0]


def _alert(**changes: Any) -> dict[str, Any]:
    alert = copy.deepcopy(ALERT)
    alert.update(changes)
    return alert


def _hook(*alerts: object) -> AlertmanagerWebhook:
    return AlertmanagerWebhook.model_validate({**ALERTMANAGER_SAMPLE, "alerts": list(alerts)})


def test_clip_keeps_short_text_and_marks_cut_text() -> None:
    """Text within the limit is unchanged; longer text is cut to the limit with a marker."""
    long_text = "x" * 12_000
    clipped = clip(long_text, MAX_TEXT)
    assert ("short", MAX_TEXT) == (clip("short", MAX_TEXT), len(clipped))
    assert clipped.endswith(" … [clipped from 12,000 characters]")


def test_clean_replaces_control_characters_but_keeps_layout() -> None:
    """NUL, escape and DEL become U+FFFD; tabs and newlines stay."""
    assert "a\ufffdb\ufffd[31m\tc\nd\ufffd" == clean("a\x00b\x1b[31m\tc\nd\x7f")


def test_an_oversized_annotation_is_clipped_not_refused() -> None:
    """A 12,000-character annotation is read, clipped to 10,000 with a visible marker."""
    (alert,) = read_alerts([_alert(annotations={"description": "d" * 12_000})])
    assert isinstance(alert, AlertmanagerAlert)
    text = alert.annotations["description"]
    assert (MAX_TEXT, True) == (len(text), text.endswith("[clipped from 12,000 characters]"))


def test_one_bad_alert_is_refused_alone_naming_its_field() -> None:
    """A label value that is no string refuses only that alert; its path names the field."""
    bad = _alert(fingerprint="badbadbad", labels={"alertname": "X", "severity": 5})
    first, second, third = read_alerts([_alert(), bad, _alert(fingerprint="c0ffee")])
    assert isinstance(first, AlertmanagerAlert)
    assert isinstance(third, AlertmanagerAlert)
    expected = Refused("badbadbad", "alerts.1.labels.severity: Input should be a valid string")
    assert expected == second


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "not an alert",
            Refused(
                None,
                "alerts.0: Input should be a valid dictionary or instance of AlertmanagerAlert",
            ),
        ),
        (
            {k: v for k, v in ALERT.items() if k != "fingerprint"},
            Refused(None, "alerts.0.fingerprint: Field required"),
        ),
        (
            _alert(fingerprint="has space"),
            Refused(None, "alerts.0.fingerprint: String should match pattern '^[!-~]{1,200}$'"),
        ),
        (
            _alert(startsAt="2026-11-25T09:08:45"),
            Refused(
                "1a30ba71cca2921f",
                "alerts.0.startsAt: Value error, timestamp needs a time zone, "
                "e.g. 2026-11-25T09:14:00Z",
            ),
        ),
        (
            _alert(status="pending"),
            Refused("1a30ba71cca2921f", "alerts.0.status: Input should be 'firing' or 'resolved'"),
        ),
    ],
)
def test_invalid_alerts_are_refused_with_a_detail(raw: object, expected: Refused) -> None:
    """Unreadable alerts are refused with path and reason; a bad fingerprint is not echoed."""
    assert [expected] == read_alerts([raw])


def test_alerts_past_the_group_cap_are_refused_and_the_rest_read() -> None:
    """The first 1,000 alerts are read; each one past them is refused, naming max_alerts."""
    alerts = read_alerts([_alert(fingerprint=f"fp{i}") for i in range(MAX_ALERTS + 2)])
    refused = [a for a in alerts if isinstance(a, Refused)]
    assert [f"fp{MAX_ALERTS}", f"fp{MAX_ALERTS + 1}"] == [r.fingerprint for r in refused]
    assert "max_alerts" in refused[0].detail


def test_hostile_text_is_clipped_cleaned_and_kept_verbatim() -> None:
    """Markup stays text, control characters are replaced, huge summary and labels are clipped."""
    summary = "<script>alert(1)</script>\x00" + "s" * 20_000
    labels = {"alertname": "X\x1b", **{f"l{i}": "v" * 9_000 for i in range(5)}}
    alert = AlertmanagerAlert.model_validate(
        _alert(labels=labels, annotations={"summary": summary, "description": "<b>hi</b>"})
    )
    esc = to_escalation(alert, _hook(), IntakeSettings())
    description = esc.description or ""
    assert esc.title.startswith("<script>alert(1)</script>\ufffd")
    assert (TITLE_LIMIT, DESCRIPTION_LIMIT) == (len(esc.title), len(description))
    assert "clipped from" in esc.title
    assert description.startswith("<b>hi</b>\n\nlabels: alertname=X\ufffd")
    assert description.endswith("characters]")


def test_receiver_and_links_that_do_not_fit_are_dropped_or_clipped() -> None:
    """A long receiver is clipped in the reporter name; an invalid generator URL is dropped."""
    hook = AlertmanagerWebhook.model_validate(
        {**ALERTMANAGER_SAMPLE, "receiver": "r" * 500, "externalURL": "h" * 400}
    )
    alert = AlertmanagerAlert.model_validate(
        _alert(generatorURL="http://exa mple.org/" + "p" * 3000)
    )
    esc = to_escalation(alert, hook, IntakeSettings())
    assert esc.reporter is not None
    assert (TITLE_LIMIT, None, None) == (
        len(esc.reporter.name or ""),
        esc.reporter.contact,
        esc.content_refs[0].url,
    )


_TEXT = st.text(st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=150, deadline=None)
@given(
    labels=st.dictionaries(st.text(min_size=1, max_size=200), _TEXT, max_size=6),
    annotations=st.dictionaries(st.sampled_from(["summary", "title", "description"]), _TEXT),
    fingerprint=st.from_regex(r"[!-~]{1,200}", fullmatch=True),
    receiver=_TEXT,
)
def test_every_readable_alert_maps_to_a_valid_escalation(
    labels: dict[str, str], annotations: dict[str, str], fingerprint: str, receiver: str
) -> None:
    """Whatever its text, an alert that reads maps to an escalation (never an error)."""
    hook = AlertmanagerWebhook.model_validate({**ALERTMANAGER_SAMPLE, "receiver": receiver})
    raw = _alert(labels=labels, annotations=annotations, fingerprint=fingerprint)
    (alert,) = read_alerts([raw])
    assert isinstance(alert, AlertmanagerAlert)
    esc = to_escalation(alert, hook, IntakeSettings())
    assert (fingerprint, True) == (esc.external_id, "\x00" not in (esc.description or ""))
