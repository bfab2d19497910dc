"""Signed acknowledge links: a confirmation page on GET, the acknowledgement on POST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from escalations.links import make_ack_token
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, insert

pytestmark = pytest.mark.e2e


def _token(intake: Intake, esc_id: str, person: str = "ciaran", hours: float = 1) -> str:
    expires = datetime.now(UTC) + timedelta(hours=hours)
    return make_ack_token(intake.link_secret.encode(), esc_id, person, expires)


def test_get_shows_a_confirmation_form_and_acts_on_nothing(intake: Intake) -> None:
    """GET answers an HTML page naming the escalation with a POST form; nothing is published."""
    row = escalation_row(title="Threat <script>")
    insert(intake.database_url, row)
    token = _token(intake, row.id)
    page = httpx.get(f"{intake.base_url}/v1/ack/{token}")
    assert 200 == page.status_code
    assert page.headers["content-type"].startswith("text/html")
    assert "Threat &lt;script&gt;" in page.text
    assert "<script>" not in page.text
    assert f'<form method="post" action="/v1/ack/{token}">' in page.text
    assert [] == intake.events(row.id)


def test_post_from_the_form_acknowledges_as_the_linked_person(intake: Intake) -> None:
    """The form POST publishes acknowledge_requested by the link's person; clicks repeat safely."""
    row = escalation_row()
    insert(intake.database_url, row)
    url = f"{intake.base_url}/v1/ack/{_token(intake, row.id, 'sean')}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    first = httpx.post(url, headers=form)
    second = httpx.post(url, headers=form)
    assert (202, 202) == (first.status_code, second.status_code)
    assert "Acknowledged" in first.text
    events = intake.events(row.id)
    assert {("escalation.acknowledge_requested", "sean", "ack-link")} == {
        (e["type"], e["data"]["by"], e["data"]["source"]) for e in events
    }
    assert 1 == len({e["id"] for e in events}), "both clicks carry one event id"


def test_post_as_json_answers_json(intake: Intake) -> None:
    """An API client POSTing the link gets JSON."""
    row = escalation_row()
    insert(intake.database_url, row)
    response = httpx.post(f"{intake.base_url}/v1/ack/{_token(intake, row.id)}")
    assert (202, {"id": row.id, "command": "acknowledge", "accepted": True}) == (
        response.status_code,
        response.json(),
    )


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda i, e: _token(i, e, hours=-1), 410, "expired"),
        (
            lambda i, e: make_ack_token(
                b"another-secret-entirely", e, "ciaran", datetime.now(UTC) + timedelta(hours=1)
            ),
            403,
            "signature",
        ),
        (lambda i, e: "not-a-token", 404, "malformed"),
    ],
)
def test_bad_links_are_refused_clearly(
    intake: Intake, make: object, status: int, words: str
) -> None:
    """Expired, forged and malformed links get an error page (GET) or a problem (POST)."""
    row = escalation_row()
    insert(intake.database_url, row)
    token = make(intake, row.id)  # type: ignore[operator]
    page = httpx.get(f"{intake.base_url}/v1/ack/{token}")
    assert (status, True) == (page.status_code, words in page.text)
    assert words in problem(httpx.post(f"{intake.base_url}/v1/ack/{token}"), status)["detail"]
    assert [] == intake.events(row.id)


def test_link_to_unknown_escalation_is_404(intake: Intake) -> None:
    """A valid link for an escalation that does not exist is a 404."""
    token = _token(intake, "00000000-0000-0000-0000-000000000000")
    assert 404 == httpx.get(f"{intake.base_url}/v1/ack/{token}").status_code
    problem(httpx.post(f"{intake.base_url}/v1/ack/{token}"), 404)
