"""Stock PagerDuty clients against the real intake: ``/v2/enqueue``, PagerDuty's answers.

The SDKs (``pagerduty`` and the older ``pdpyras``) post to ``<base url>/v2/enqueue`` with
the routing key in the body; an API key of a source is that routing key. Every answer is
checked against PagerDuty's published response schemas (``data/``).
"""

from __future__ import annotations

import json
import ssl
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pagerduty
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from escalations_intake.openapi.samples import PAGERDUTY_SAMPLE
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.tls import tls_front

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pdpyras warns that it is deprecated: still in wide use
    import pdpyras

pytestmark = pytest.mark.e2e
MONITORING = frozenset({Scope.WRITE, Scope.ACT})
SCHEMAS = json.loads(
    (Path(__file__).parent / "data/pagerduty_events_v2_responses.json").read_text()
)
SUCCESS = jsonschema_rs.validator_for(SCHEMAS["success"])
ERROR = jsonschema_rs.validator_for(SCHEMAS["error"])


@pytest.fixture(scope="module")
def https(intake: Intake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsFront]:
    """The intake behind TLS, as deployed: the `pagerduty` SDK only takes https:// URLs."""
    port = int(intake.base_url.rsplit(":", 1)[1])
    with tls_front(port, tmp_path_factory.mktemp("tls")) as (url, context):
        yield HttpsFront(url, context)


def _key(intake: Intake, scopes: frozenset[Scope] = MONITORING) -> tuple[str, str]:
    source = f"pd-{uuid.uuid4().hex[:8]}"
    return source, intake.key(source, SourceKind.MONITORING, scopes)


def _types(intake: Intake, escalation_id: str) -> list[str]:
    return [e["type"] for e in intake.events(escalation_id)]


@dataclass(frozen=True)
class HttpsFront:
    """The intake's HTTPS URL and a context that trusts its certificate."""

    url: str
    context: ssl.SSLContext


def _pd_error(response: Any, status: int) -> dict[str, Any]:
    """Assert PagerDuty's error shape (exactly status, message, errors); return the body.

    ``response`` is an httpx response, or the one an SDK's error carries.
    """
    assert status == response.status_code, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    ERROR.validate(body)
    assert {"status", "message", "errors"} == set(body)
    assert body["errors"]
    assert all(isinstance(e, str) for e in body["errors"])
    return body


def test_pagerduty_sdk_triggers_acknowledges_and_resolves(
    intake: Intake, https: HttpsFront
) -> None:
    """The official `pagerduty` client, pointed at the intake, works unchanged."""
    _, key = _key(intake)
    dedup = f"srv01/{uuid.uuid4().hex[:8]}"
    with pagerduty.EventsApiV2Client(key, base_url=https.url, verify=https.context) as client:
        answered = client.trigger(
            "DISK at 99% on <b>prod</b>",
            "prod-datapipe03.example.com",
            dedup_key=dedup,
            custom_details={"policy_area": "spam"},
        )
        assert (dedup, dedup, dedup) == (
            answered,
            client.acknowledge(dedup),
            client.resolve(dedup),
        )
    received = httpx.post(
        f"{intake.base_url}/v2/enqueue",
        json={"routing_key": key, "event_action": "trigger", "dedup_key": dedup, **_payload()},
    ).json()
    SUCCESS.validate(received)
    expected = [
        "escalation.received",
        "escalation.acknowledge_requested",
        "escalation.resolve_requested",
    ]
    assert expected == _types(intake, received["id"])[:3]
    request = intake.events(received["id"])[0]["data"]["request"]
    assert ("DISK at 99% on <b>prod</b>", "spam") == (request["title"], request["policy_area"])


def test_pdpyras_session_triggers_and_resolves(intake: Intake) -> None:
    """The older `pdpyras` EventsAPISession, given the intake's URL, works unchanged."""
    _, key = _key(intake)
    with pdpyras.EventsAPISession(key) as session:
        session.url = intake.base_url
        dedup = session.trigger("Queue stuck", "matcher-2", severity="error")
        assert dedup == session.resolve(dedup)
    answer = httpx.post(
        f"{intake.base_url}/v2/enqueue",
        json={"routing_key": key, "event_action": "resolve", "dedup_key": dedup},
    ).json()
    assert ["escalation.received", "escalation.resolve_requested"] == _types(intake, answer["id"])[
        :2
    ]


def test_sdk_with_an_unknown_routing_key_gets_pagerdutys_401(https: HttpsFront) -> None:
    """A routing key that is no API key: the SDK raises on a 401 shaped as PagerDuty's errors."""
    unknown = "e93facc04764012d7bfb002500d5d1a6"
    with (
        pagerduty.EventsApiV2Client(unknown, base_url=https.url, verify=https.context) as client,
        pytest.raises(pagerduty.HttpError) as caught,
    ):
        client.trigger("x", "y")
    body = _pd_error(caught.value.response, 401)
    assert ("unauthorized", ["unknown or revoked API key"]) == (body["status"], body["errors"])


def _payload() -> dict[str, Any]:
    return {"payload": PAGERDUTY_SAMPLE["payload"]}


@pytest.mark.parametrize("path", ["/v2/enqueue", "/v1/integrations/pagerduty"])
def test_an_invalid_event_is_pagerdutys_400(intake: Intake, path: str) -> None:
    """A trigger without payload: 400, `invalid event`, `Event object is invalid`, the field."""
    response = httpx.post(
        f"{intake.base_url}{path}",
        json={"routing_key": intake.admin_key, "event_action": "trigger"},
    )
    body = _pd_error(response, 400)
    assert ("invalid event", "Event object is invalid") == (body["status"], body["message"])
    assert ["body: Value error, payload: required for a trigger event"] == body["errors"]


def test_malformed_json_is_pagerdutys_400(intake: Intake) -> None:
    """A body that is not JSON: 400 saying the event format is unrecognized."""
    response = httpx.post(
        f"{intake.base_url}/v2/enqueue",
        content=b'{"routing_key": ',
        headers={"content-type": "application/json"},
    )
    body = _pd_error(response, 400)
    assert "Event object format is unrecognized" == body["message"]


def test_a_key_without_the_scope_is_pagerdutys_403(intake: Intake) -> None:
    """A write-only key may trigger but not resolve: 403 naming the scope, PagerDuty-shaped."""
    _, key = _key(intake, frozenset({Scope.WRITE}))
    response = httpx.post(
        f"{intake.base_url}/v2/enqueue",
        json={"routing_key": key, "event_action": "resolve", "dedup_key": "x"},
    )
    body = _pd_error(response, 403)
    assert "forbidden" == body["status"]
    assert "lacks scope 'escalations:act'" in body["errors"][0]


def test_over_the_rate_limit_is_pagerdutys_429_with_retry_after(intake: Intake) -> None:
    """Past its source's rate, a sender gets 429 with Retry-After, PagerDuty-shaped."""
    key = intake.key("throttled", SourceKind.MONITORING, MONITORING)
    event = {"routing_key": key, "event_action": "acknowledge", "dedup_key": "d"}
    with httpx.Client(base_url=intake.base_url) as client:
        answers = [client.post("/v2/enqueue", json=event) for _ in range(12)]
    limited = next(r for r in answers if r.status_code == 429)
    body = _pd_error(limited, 429)
    assert ("throttled", True) == (body["status"], int(limited.headers["Retry-After"]) >= 1)


def test_hostile_text_is_published_as_text(intake: Intake) -> None:
    """Markup stays text, control characters become U+FFFD, a long summary is clipped."""
    _, key = _key(intake)
    payload = {
        **PAGERDUTY_SAMPLE["payload"],
        "summary": "<script>x</script>\x00\x1b" + "s" * 1000,
        "source": "host\x07",
    }
    answer = httpx.post(
        f"{intake.base_url}/v2/enqueue",
        json={"routing_key": key, "event_action": "trigger", "payload": payload},
    )
    assert 202 == answer.status_code, answer.text
    SUCCESS.validate(answer.json())
    request = intake.events(answer.json()["id"])[0]["data"]["request"]
    assert request["title"].startswith("<script>x</script>\ufffd\ufffds")
    assert (200, True) == (len(request["title"]), "clipped from" in request["title"])
    assert "source: host\ufffd" in request["description"]
