"""Input limits: rate limit per source, body size, malformed JSON, metrics of it all."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import ESCALATION, problem

pytestmark = pytest.mark.e2e


def test_rate_limit_answers_429_with_retry_after(intake: Intake) -> None:
    """Past its burst, a source limited to 2/s gets 429 with Retry-After; others are not hit."""
    throttled = intake.key("throttled", SourceKind.USER_REPORT, frozenset({Scope.READ}))
    with intake.client(throttled) as client:
        statuses = [client.get("/v1/escalations?limit=1") for _ in range(40)]
    limited = [r for r in statuses if r.status_code == 429]
    # 2/s over 2 workers with a 2 s bucket: about 2 pass per worker, then 1 a second.
    assert len(statuses) - len(limited) <= 8, [r.status_code for r in statuses]
    body = problem(limited[0], 429)
    assert "source 'throttled' is over its rate limit" in body["detail"]
    assert int(limited[0].headers["retry-after"]) >= 1
    with intake.client() as client:
        assert 200 == client.get("/v1/escalations?limit=1").status_code


def test_body_over_limit_is_413_even_when_streamed(intake: Intake) -> None:
    """A chunked body without Content-Length is cut off at 256 KiB with 413."""

    def chunks() -> Iterator[bytes]:
        yield b'{"title": "big", "policy_area": "spam", "description": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}'

    with intake.client() as client:
        response = client.post(
            "/v1/escalations", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert "256 KiB" in problem(response, 413)["detail"]


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        (b"{title: nope", 400, "body: JSON decode error"),
        (b'{"title": "a"', 400, "body: JSON decode error"),
        (b"\xff\xfe", 400, "body: JSON decode error"),
        (b"", 422, "body: Field required"),
        (b"[1]", 422, "body: Input should be a valid dictionary"),
    ],
)
def test_malformed_json_is_400(intake: Intake, content: bytes, status: int, detail: str) -> None:
    """Bodies that are not JSON are 400; JSON that is not an object is 422; never 500."""
    with intake.client() as client:
        response = client.post(
            "/v1/escalations", content=content, headers={"Content-Type": "application/json"}
        )
    assert detail in problem(response, status)["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ESCALATION, "title": ""}, "title: String should have at least 1 character"),
        ({**ESCALATION, "title": "x" * 201}, "title: String should have at most 200"),
        ({**ESCALATION, "region": "ireland"}, "region"),
        ({**ESCALATION, "language": "English"}, "language"),
        ({**ESCALATION, "signals": {"minors": "maybe"}}, "signals.minors"),
        (
            {
                **ESCALATION,
                "regulatory": {
                    "regime": "terreg_removal_order",
                    "received_at": "2026-11-25T09:14:00",
                },
            },
            "regulatory.received_at",
        ),
        (
            {
                **ESCALATION,
                "content_refs": [{"kind": "pin", "id": "1", "url": "ftp://x.example/a"}],
            },
            "content_refs.0.url",
        ),
        ({**ESCALATION, "reach": {"followers": -1}}, "reach.followers"),
        (
            {**ESCALATION, "signals": {"graphic": True, "smell": "bad"}},
            "signals.smell: unknown field",
        ),
    ],
)
def test_invalid_fields_are_named(intake: Intake, body: dict[str, object], field: str) -> None:
    """Every validation error is a 422 problem whose detail names the field."""
    with intake.client() as client:
        got = problem(client.post("/v1/escalations", json=body), 422)
    assert field in got["detail"]
    assert any(e["field"] == field.split(":")[0] for e in got["errors"])


def _value(metrics: str, name: str, **labels: str) -> float:
    wanted = "".join(f'(?=[^}}]*{k}="{re.escape(v)}")' for k, v in labels.items())
    pattern = re.compile(rf"^{name}\{{{wanted}[^}}]*\}} ([0-9.e+]+)$", re.M)
    return sum(float(m.group(1)) for m in pattern.finditer(metrics))


def test_metrics_count_requests_publishes_and_rate_limits(intake: Intake) -> None:
    """/metrics sums both workers: requests by route and status, published events, 429s."""
    with intake.client() as client:
        before = client.get("/metrics").text
        for i in range(6):
            client.post("/v1/escalations", json={**ESCALATION, "external_id": f"M-{i}"})
        after = client.get("/metrics").text
    route = {"route": "/v1/escalations", "method": "POST", "status": "202"}
    assert 6 == _value(after, "intake_http_requests_total", **route) - _value(
        before, "intake_http_requests_total", **route
    )
    published = {"type": "escalation.received"}
    assert 6 <= _value(after, "intake_events_published_total", **published) - _value(
        before, "intake_events_published_total", **published
    )
    assert _value(after, "intake_http_request_duration_seconds_count", route="/v1/escalations") > 0
    assert 'intake_publish_failures_total{type="escalation.received"}' in after
    assert "process_resident_memory_bytes" in after


def test_unknown_query_parameters_are_422(intake: Intake) -> None:
    """A misspelt filter is refused instead of silently listing everything."""
    with intake.client() as client:
        got = problem(client.get("/v1/escalations", params={"stauts": "assigned"}), 422)
    assert "stauts: unknown query parameter" in got["detail"]
    with intake.client() as client:
        twice = problem(client.get("/v1/escalations?owner=a&owner=b"), 422)
    assert "owner: given more than once" == twice["detail"]


def test_nul_in_a_query_or_path_value_is_422(intake: Intake) -> None:
    """A NUL byte, which no stored id can hold, is refused instead of reaching Postgres."""
    with intake.client() as client:
        query = problem(client.get("/v1/escalations", params={"team": "a\x00b"}), 422)
        path = problem(client.get("/v1/escalations/a%00b"), 422)
    assert "team: query parameter contains NUL" == query["detail"]
    assert "escalation_id: path parameter contains NUL" == path["detail"]


def test_wrong_method_is_405_listing_every_allowed_method(intake: Intake) -> None:
    """A path served by GET and POST answers other methods 405 with both in Allow."""
    with intake.client() as client:
        response = client.delete("/v1/escalations")
    problem(response, 405)
    assert "GET, POST" == response.headers["allow"]
