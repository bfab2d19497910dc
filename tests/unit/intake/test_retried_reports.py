"""A report's fingerprint, and the id of a report without an external id per retry window."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from escalations.contracts.events import EscalationReceived
from escalations.contracts.ids import KEYLESS, keyless_id, report_fingerprint
from escalations.core.escalation import EscalationIn, SourceKind
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.commands.create import CreateEscalation, RecentIds, keyless
from escalations_intake.commands.publish import Publisher
from escalations_intake.http.problems import Problem
from escalations_intake.settings import IntakeSettings
from tests.fakes.intake import FakeIncarnations, FakeProducer

PRINCIPAL = Principal("user-reports", SourceKind.USER_REPORT, frozenset({Scope.WRITE}))
HOSTILE = {
    "title": "<script>alert(1)</script>\x07 threat " + "x" * 150,
    "description": "</textarea><img src=x onerror=alert(1)>\u202e" + "y" * 4000,
    "policy_area": "violent_threat",
    "signals": {"imminence": "likely", "violation_likelihood": 0.8},
}
T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # a multiple of 600 s since 1970
WINDOW_S = 600


def _json(body: dict[str, Any]) -> str:
    return EscalationIn.model_validate(body).model_dump_json()


def test_a_fingerprint_ignores_key_order_and_spacing_of_the_body() -> None:
    """The same report written two ways has one fingerprint (it is of the validated body)."""
    reordered = orjson.loads(orjson.dumps(dict(reversed(list(HOSTILE.items())))))
    expected = report_fingerprint("legal", _json(HOSTILE))
    assert expected == report_fingerprint("legal", _json(reordered))


def test_a_fingerprint_differs_by_source_and_by_body() -> None:
    """Another source or another word in the body is another report."""
    base = report_fingerprint("legal", _json(HOSTILE))
    other_body = _json({**HOSTILE, "title": "another title"})
    assert base != report_fingerprint("press", _json(HOSTILE))
    assert base != report_fingerprint("legal", other_body)


def test_keyless_ids_are_uuid5_in_their_own_namespace() -> None:
    """The id is what ``uuid.uuid5`` gives for (source, fingerprint, window)."""
    fp = "f" * 64
    assert str(uuid.uuid5(KEYLESS, f"legal\x1f{fp}\x1f7")) == keyless_id("legal", fp, 7)


@pytest.mark.parametrize(
    ("after", "same"),
    [
        (timedelta(0), True),
        (timedelta(seconds=599), True),  # same window
        (timedelta(seconds=600), False),  # the next window: a new escalation
    ],
)
def test_a_keyless_report_has_one_id_per_body_and_window(after: timedelta, same: bool) -> None:
    """The same body in the same window lands on one escalation; in the next, on a new one."""
    body = _json(HOSTILE)
    first = keyless(PRINCIPAL.source, body, T0, WINDOW_S)
    again = keyless(PRINCIPAL.source, body, T0 + after, WINDOW_S)
    assert same == (first.id == again.id)
    assert (0, False, None) == (again.generation, again.merge, again.follows)


def test_keyless_ids_differ_by_source_and_body() -> None:
    """Two sources, or two bodies, never share a keyless escalation."""
    body = _json(HOSTILE)
    ids = {
        keyless("legal", body, T0, WINDOW_S).id,
        keyless("press", body, T0, WINDOW_S).id,
        keyless("legal", _json({**HOSTILE, "title": "other"}), T0, WINDOW_S).id,
    }
    assert 3 == len(ids)


class Clock(datetime):
    """A ``datetime`` whose ``now`` is the test's instant."""

    at = T0

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]  # a plain datetime
        """Return the test's instant (a plain ``datetime``, as orjson writes only those)."""
        return datetime.fromtimestamp(cls.at.timestamp(), tz)


def test_a_retry_after_a_503_is_addressed_like_the_first_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """503 first, then the retry: same escalation id and fingerprint, a new event id."""
    monkeypatch.setattr("escalations_intake.commands.create.datetime", Clock)
    producer = FakeProducer()
    create = CreateEscalation(Publisher(producer, 1), FakeIncarnations(), RecentIds(), WINDOW_S)  # type: ignore[arg-type]  # a fake producer
    deps = SimpleNamespace(create=create, producer=producer)
    body = EscalationIn.model_validate(HOSTILE)

    async def run() -> list[tuple[str, bool]]:
        answers = [await deps.create(PRINCIPAL, body)]
        deps.producer.down = True
        Clock.at = T0 + timedelta(seconds=3)
        with pytest.raises(Problem) as refused:
            await deps.create(PRINCIPAL, body)
        assert 503 == refused.value.status
        deps.producer.down = False
        Clock.at = T0 + timedelta(seconds=8)
        answers.append(await deps.create(PRINCIPAL, body))
        Clock.at = T0 + timedelta(seconds=WINDOW_S)
        answers.append(await deps.create(PRINCIPAL, body))
        return [(a.id, a.duplicate) for a in answers]

    first, retry, later = asyncio.run(run())
    assert (first[0], True) == retry
    assert (False, False) == (first[1], later[1])
    assert first[0] != later[0], "the same body in the next window opens a new escalation"
    events = [EscalationReceived.model_validate(e["data"]) for e in deps.producer.events()]
    assert [first[0], first[0], later[0]] == [e.escalation_id for e in events]
    expected = report_fingerprint(PRINCIPAL.source, body.model_dump_json())
    assert [expected] * 3 == [e.fingerprint for e in events]
    assert 3 == len({e["id"] for e in deps.producer.events()}), "each attempt is its own event"


def test_the_retry_window_setting_is_checked() -> None:
    """A window of zero seconds is refused with the setting's name."""
    with pytest.raises(ValueError, match="retry_window_seconds"):
        IntakeSettings(retry_window_seconds=0)
