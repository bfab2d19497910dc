"""The intake's log lines about an event it publishes carry the escalation and event ids."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from escalations_intake.commands.publish import Record, send_or_503
from escalations_intake.http.problems import Problem, install
from tests.unit.jsonlines import json_lines

client_log = logging.getLogger("tests.kafka_client")
RECORD = Record("escalations.intake.v1", "escalation.received", "esc-1", "ev-1", b"{}")


class Producer:
    """A producer that logs while it sends, then fails or succeeds as told."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    async def send_and_wait(self, topic: str, **_: Any) -> None:
        client_log.warning("broker slow to answer")
        if self.error is not None:
            raise self.error


async def test_lines_logged_while_publishing_carry_the_ids() -> None:
    """A line logged by the Kafka client during the send names the escalation and event."""
    with json_lines() as lines:
        await send_or_503(Producer(), RECORD)  # type: ignore[arg-type]
    (line,) = lines.with_msg("broker slow")
    assert ("esc-1", "ev-1") == (line["escalation_id"], line["event_id"])


async def test_a_failed_publish_logs_its_ids_and_answers_503() -> None:
    """The broker refusing: a 503 for the caller, and a warning naming both ids."""
    with json_lines() as lines, pytest.raises(Problem) as caught:
        await send_or_503(Producer(KafkaConnectionError("down")), RECORD)  # type: ignore[arg-type]
    assert 503 == caught.value.status
    (line,) = lines.with_msg("publish failed")
    assert ("warning", "esc-1", "ev-1") == (line["level"], line["escalation_id"], line["event_id"])


def test_a_database_error_on_an_escalation_names_it_in_the_log() -> None:
    """A request about one escalation that fails in Postgres logs that escalation's id."""
    app = FastAPI()
    install(app)

    @app.get("/v1/escalations/{escalation_id}")
    async def read(escalation_id: str) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionError("gone"))

    with json_lines() as lines:
        response = TestClient(app).get("/v1/escalations/esc-7")
    assert 503 == response.status_code
    (line,) = lines.with_msg("database error")
    assert "esc-7" == line["escalation_id"]
